// Package config loads the operator's configuration directory in NOMP's
// format and checks all of it before anything opens a socket:
//
//	DIR/config.json          logLevel, logColors, cliPort, instanceId, clustering,
//	                         defaultPoolConfigs, website, redis, blockNotifyListener,
//	                         switching, profitSwitch
//	DIR/pool_configs/*.json  one pool per file: coin, address, rewardRecipients, ports,
//	                         daemons, p2p, paymentProcessing, mposMode, banning, ...
//	DIR/coins/*.json         optional: coin definitions added to, or replacing by file
//	                         name, the ones embedded in package coins
//
// Files may carry // and /* */ comments outside strings. Decoding is
// strict: a key with no meaning is an error naming the file and the JSON
// path ("pool_configs/litecoin.json: ports.3032.varDiff.minDif: unknown
// field (line 7)"). Fields NOMP had that mean nothing here are accepted and
// listed in Config.Ignored; doubtful settings go to Config.Warnings. Both
// the older NOMP shape (shareProcessing.internal / shareProcessing.mpos,
// "disabled") and the newer one (paymentProcessing, mposMode, "enabled")
// are read.
//
// Rules beyond NOMP's: a pool file is enabled unless it says
// "enabled": false or "disabled": true; an optional section (p2p,
// paymentProcessing, mposMode, website, ...) is off when absent and on
// when present unless its "enabled" is false; banning defaults to on with
// NOMP's example values. defaultPoolConfigs fills the top-level fields a
// pool file leaves out (a shallow merge, as in NOMP), and errors in a
// value that came from there name config.json. Durations are seconds in
// the files (blockRefreshInterval is milliseconds) and time.Duration here;
// minimumPayment is read exactly into the coin's smallest units. An
// address of a sibling network of the pool's coin (a testnet address on
// "litecoin") is a warning, since the daemons decide the network; any other
// address that does not decode is an error.
//
// The package imports coins, coins/pow and robfig/cron (to check payment
// schedules) and nothing that opens sockets. Load is safe to call from
// several goroutines; a Config is plain data, not to be modified after
// Load returns.
package config
