package config

import "encoding/json"

// The types in this file are the files as written, NOMP's field names and
// all. Pointers tell "absent" from a zero value; the strict decoder rejects
// any key that has no field here.

// mainFile is config.json.
type mainFile struct {
	LogLevel            *string                `json:"logLevel"`
	LogColors           *bool                  `json:"logColors"`
	CLIPort             *int                   `json:"cliPort"`
	InstanceID          *int                   `json:"instanceId"`
	Clustering          *clusteringFile        `json:"clustering"`
	DefaultPoolConfigs  *poolFile              `json:"defaultPoolConfigs"`
	Website             *websiteFile           `json:"website"`
	Redis               *redisFile             `json:"redis"`
	BlockNotifyListener *blockNotifyFile       `json:"blockNotifyListener"`
	Switching           map[string]*switchFile `json:"switching"`
	ProfitSwitch        *profitSwitchFile      `json:"profitSwitch"`

	// Sections of older NOMP versions: accepted and ignored.
	RedisBlockNotifyListener *redisBlockNotifyFile `json:"redisBlockNotifyListener"`
	CoinSwitchListener       *coinSwitchFile       `json:"coinSwitchListener"`
	Proxy                    any                   `json:"proxy"`
}

type clusteringFile struct {
	Enabled *bool `json:"enabled"`
	Forks   any   `json:"forks"` // "auto" or a number
}

type websiteFile struct {
	Enabled     *bool            `json:"enabled"`
	Host        *string          `json:"host"`
	Port        *int             `json:"port"`
	StratumHost *string          `json:"stratumHost"`
	SiteTitle   *string          `json:"siteTitle"`
	Stats       *statsFile       `json:"stats"`
	AdminCenter *adminCenterFile `json:"adminCenter"`
	TLSOptions  *webTLSFile      `json:"tlsOptions"`
	// Older NOMP spellings of stats fields.
	StatUpdateInterval *float64 `json:"statUpdateInterval"`
	HashrateWindow     *float64 `json:"hashrateWindow"`
	LiveStats          any      `json:"liveStats"`
	GraphColors        any      `json:"graphColors"`
}

type statsFile struct {
	UpdateInterval      *float64 `json:"updateInterval"`
	HistoricalRetention *float64 `json:"historicalRetention"`
	HashrateWindow      *float64 `json:"hashrateWindow"`
}

type adminCenterFile struct {
	Enabled  *bool   `json:"enabled"`
	Password *string `json:"password"`
}

type webTLSFile struct {
	Enabled *bool   `json:"enabled"`
	Cert    *string `json:"cert"`
	Key     *string `json:"key"`
}

type redisFile struct {
	Host     *string `json:"host"`
	Port     *int    `json:"port"`
	Password *string `json:"password"`
	DB       *int    `json:"db"`
}

type blockNotifyFile struct {
	Enabled  *bool   `json:"enabled"`
	Host     *string `json:"host"`
	Port     *int    `json:"port"`
	Password *string `json:"password"`
}

type redisBlockNotifyFile struct {
	Enabled       *bool   `json:"enabled"`
	RedisHost     *string `json:"redisHost"`
	RedisPort     *int    `json:"redisPort"`
	PsubscribeKey *string `json:"psubscribeKey"`
}

type coinSwitchFile struct {
	Enabled  *bool   `json:"enabled"`
	Host     *string `json:"host"`
	Port     *int    `json:"port"`
	Password *string `json:"password"`
}

type switchFile struct {
	Enabled   *bool                `json:"enabled"`
	Algorithm *string              `json:"algorithm"`
	Ports     map[string]*portFile `json:"ports"`
}

type profitSwitchFile struct {
	Enabled               *bool              `json:"enabled"`
	UpdateInterval        *float64           `json:"updateInterval"`
	QuoteCurrency         *string            `json:"quoteCurrency"`
	MinImprovementPercent *float64           `json:"minImprovementPercent"`
	MinHoldSeconds        *float64           `json:"minHoldSeconds"`
	MaxDataAge            *float64           `json:"maxDataAge"`
	SourceTimeout         *float64           `json:"sourceTimeout"`
	Sources               *profitSourcesFile `json:"sources"`

	// NOMP's fields: its exchanges are gone; accepted and ignored.
	Depth       *float64 `json:"depth"`
	UsePoloniex *bool    `json:"usePoloniex"`
	UseCryptsy  *bool    `json:"useCryptsy"`
	UseMintpal  *bool    `json:"useMintpal"`
	UseBittrex  *bool    `json:"useBittrex"`
}

// profitSourcesFile is "profitSwitch.sources"; the order of the fields is
// the order the sources are asked and preferred in.
type profitSourcesFile struct {
	CoinGecko  *profitSourceFile `json:"coingecko"`
	Kraken     *profitSourceFile `json:"kraken"`
	Binance    *profitSourceFile `json:"binance"`
	CoinWarz   *profitSourceFile `json:"coinwarz"`
	WhatToMine *profitSourceFile `json:"whattomine"`
	CoinChoose *profitSourceFile `json:"coinchoose"`
}

type profitSourceFile struct {
	Enabled     *bool             `json:"enabled"`
	URL         *string           `json:"url"`
	APIKey      *string           `json:"apiKey"`
	Pro         *bool             `json:"pro"`
	Timeout     *float64          `json:"timeout"`
	MinInterval *float64          `json:"minInterval"`
	List        *string           `json:"list"`
	IDs         map[string]string `json:"ids"`
}

// poolFile is one pool_configs/*.json, and also config.json's
// defaultPoolConfigs, whose top-level fields fill those a pool leaves out.
type poolFile struct {
	Enabled                *bool                `json:"enabled"`
	Disabled               *bool                `json:"disabled"`
	Coin                   *string              `json:"coin"`
	Address                *string              `json:"address"`
	RewardRecipients       map[string]float64   `json:"rewardRecipients"`
	BlockRefreshInterval   *float64             `json:"blockRefreshInterval"`
	JobRebroadcastTimeout  *float64             `json:"jobRebroadcastTimeout"`
	ConnectionTimeout      *float64             `json:"connectionTimeout"`
	EmitInvalidBlockHashes *bool                `json:"emitInvalidBlockHashes"`
	TCPProxyProtocol       *bool                `json:"tcpProxyProtocol"`
	ValidateWorkerUsername *bool                `json:"validateWorkerUsername"`
	Banning                *banningFile         `json:"banning"`
	Redis                  *redisFile           `json:"redis"`
	Ports                  map[string]*portFile `json:"ports"`
	Daemons                []*daemonFile        `json:"daemons"`
	P2P                    *p2pFile             `json:"p2p"`
	PaymentProcessing      *paymentFile         `json:"paymentProcessing"`
	MPOSMode               *mposFile            `json:"mposMode"`
	ShareProcessing        *shareProcessingFile `json:"shareProcessing"`
	TLSOptions             *poolTLSFile         `json:"tlsOptions"`

	// Older NOMP fields: accepted and ignored.
	TxRefreshInterval    *float64 `json:"txRefreshInterval"`
	ShareVariancePercent *float64 `json:"shareVariancePercent"`
}

type banningFile struct {
	Enabled        *bool    `json:"enabled"`
	Time           *float64 `json:"time"`
	InvalidPercent *float64 `json:"invalidPercent"`
	CheckThreshold *int     `json:"checkThreshold"`
	PurgeInterval  *float64 `json:"purgeInterval"`
}

type portFile struct {
	Diff    *float64     `json:"diff"`
	VarDiff *varDiffFile `json:"varDiff"`
	TLS     *bool        `json:"tls"`
}

type varDiffFile struct {
	MinDiff         *float64 `json:"minDiff"`
	MaxDiff         *float64 `json:"maxDiff"`
	TargetTime      *float64 `json:"targetTime"`
	RetargetTime    *float64 `json:"retargetTime"`
	VariancePercent *float64 `json:"variancePercent"`
}

type daemonFile struct {
	Host     *string `json:"host"`
	Port     *int    `json:"port"`
	User     *string `json:"user"`
	Password *string `json:"password"`
}

type p2pFile struct {
	Enabled             *bool   `json:"enabled"`
	Host                *string `json:"host"`
	Port                *int    `json:"port"`
	Magic               *string `json:"magic"`
	ProtocolVersion     *int    `json:"protocolVersion"`
	DisableTransactions *bool   `json:"disableTransactions"`
}

type paymentFile struct {
	Enabled         *bool        `json:"enabled"`
	PaymentInterval *float64     `json:"paymentInterval"`
	MinimumPayment  *json.Number `json:"minimumPayment"`
	Schedule        *string      `json:"schedule"`
	Daemon          *daemonFile  `json:"daemon"`
	PoolFeePercent  *json.Number `json:"poolFeePercent"`
	PoolFeeAddress  *string      `json:"poolFeeAddress"`
	Wallet          *string      `json:"wallet"`
}

type mposFile struct {
	Enabled          *bool   `json:"enabled"`
	Host             *string `json:"host"`
	Port             *int    `json:"port"`
	User             *string `json:"user"`
	Password         *string `json:"password"`
	Database         *string `json:"database"`
	CheckPassword    *bool   `json:"checkPassword"`
	AutoCreateWorker *bool   `json:"autoCreateWorker"`
	StratumAuth      *string `json:"stratumAuth"` // older NOMP: "password", "worker" or "none"
}

// shareProcessingFile is the older NOMP shape of payments and MPOS.
type shareProcessingFile struct {
	Internal *internalFile `json:"internal"`
	MPOS     *mposFile     `json:"mpos"`
}

type internalFile struct {
	Enabled                *bool        `json:"enabled"`
	ValidateWorkerAddress  *bool        `json:"validateWorkerAddress"`
	PaymentInterval        *float64     `json:"paymentInterval"`
	MinimumPayment         *json.Number `json:"minimumPayment"`
	Daemon                 *daemonFile  `json:"daemon"`
	Redis                  *redisFile   `json:"redis"`
	MinimumReserve         *json.Number `json:"minimumReserve"`
	FeePercent             *float64     `json:"feePercent"`
	FeeCollectAccount      *string      `json:"feeCollectAccount"`
	FeeReceiveAddress      *string      `json:"feeReceiveAddress"`
	FeeWithdrawalThreshold *json.Number `json:"feeWithdrawalThreshold"`
}

type poolTLSFile struct {
	Enabled    *bool   `json:"enabled"`
	ServerKey  *string `json:"serverKey"`
	ServerCert *string `json:"serverCert"`
	CA         *string `json:"ca"`
}
