# The two commands README.md starts with.
.PHONY: demo test build

demo:
	./scripts/demo.sh

test:
	./scripts/test.sh

build:
	go build -o bin/multipool ./cmd/multipool
