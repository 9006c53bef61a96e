module github.com/multipool/multipool

go 1.26.8

require (
	github.com/dchest/blake256 v1.1.0
	github.com/go-chi/chi/v5 v5.5.0
	github.com/redis/go-redis/v9 v9.23.0
	github.com/robfig/cron/v3 v3.0.1
	github.com/samli88/go-x11-hash v0.0.0-20180604013825-c37c1282f506
	github.com/shopspring/decimal v1.6.0
	golang.org/x/crypto v0.58.0
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	go.uber.org/atomic v1.12.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
)
