#!/usr/bin/env bash
# The multipool demo: a Litecoin regtest chain, Redis, the pool and two CPU
# miners, all on free loopback ports under a temporary directory. It prints
# what the pool does (shares, blocks found). Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/deps.sh
. scripts/deps.sh
install_test_deps

work=$(mktemp -d /tmp/multipool-demo.XXXXXX)
pids=()
cleanup() {
  trap - INT TERM EXIT
  echo; echo "== stopping"
  for ((i=${#pids[@]}-1; i>=0; i--)); do kill "${pids[$i]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup INT TERM EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

echo "== building multipool"
go build -o "$work/multipool" ./cmd/multipool

rpc=$(free_port); p2p=$(free_port); redis=$(free_port); stratum=$(free_port); notify=$(free_port)
mkdir -p "$work/ltc" "$work/redis" "$work/config/pool_configs"

echo "== starting litecoind (regtest) rpc=$rpc p2p=$p2p"
litecoind -regtest -datadir="$work/ltc" -rpcport="$rpc" -port="$p2p" -bind=127.0.0.1 \
  -rpcbind=127.0.0.1 -rpcallowip=127.0.0.1 -rpcuser=demo -rpcpassword=demo -listenonion=0 \
  -dnsseed=0 -upnp=0 -txindex -fallbackfee=0.0002 -printtoconsole=0 \
  -blocknotify="$work/multipool blocknotify -listener 127.0.0.1:$notify -password demo -coin ltc %s >/dev/null 2>&1" &
pids+=($!)
cli() { litecoin-cli -regtest -datadir="$work/ltc" -rpcport="$rpc" -rpcuser=demo -rpcpassword=demo "$@"; }
for _ in $(seq 100); do cli getblockcount >/dev/null 2>&1 && break; sleep 0.2; done
cli createwallet demo >/dev/null
pooladdr=$(cli -rpcwallet=demo getnewaddress pool bech32)
miner1=$(cli -rpcwallet=demo getnewaddress alice bech32)
miner2=$(cli -rpcwallet=demo getnewaddress bob legacy)
cli generatetoaddress 1 "$pooladdr" >/dev/null   # getblocktemplate wants one block

echo "== starting redis-server port=$redis"
redis-server --port "$redis" --bind 127.0.0.1 --dir "$work/redis" --save "" --appendonly no --loglevel warning >"$work/redis.log" 2>&1 &
pids+=($!)

cat > "$work/config/config.json" <<JSON
{
  // The demo's main configuration (the format NOMP operators know).
  "logLevel": "info",
  "redis": { "host": "127.0.0.1", "port": $redis },
  "blockNotifyListener": { "enabled": true, "port": $notify, "password": "demo" },
  "website": { "enabled": false },
  "switching": {},
  "profitSwitch": { "enabled": false }
}
JSON
cat > "$work/config/pool_configs/litecoin.json" <<JSON
{
  "coin": "litecoin-regtest",
  "address": "$pooladdr",
  "blockRefreshInterval": 1000,
  "jobRebroadcastTimeout": 55,
  "ports": {
    "$stratum": { "diff": 0.05,
      "varDiff": { "minDiff": 0.01, "maxDiff": 64, "targetTime": 5, "retargetTime": 30, "variancePercent": 30 } }
  },
  "daemons": [ { "host": "127.0.0.1", "port": $rpc, "user": "demo", "password": "demo" } ],
  // The pool connects as a peer: block announcements, and the peer litecoind wants for getblocktemplate.
  "p2p": { "enabled": true, "host": "127.0.0.1", "port": $p2p }
}
JSON

echo "== checking the configuration"
"$work/multipool" check-config -config "$work/config"
echo "== starting multipool (stratum port $stratum)"
"$work/multipool" run -config "$work/config" &
pids+=($!)
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$stratum") 2>/dev/null && break; sleep 0.2; done

echo "== starting two miners: $miner1.alice and $miner2.bob"
"$work/multipool" mine -a scrypt -o "stratum+tcp://127.0.0.1:$stratum" -u "$miner1.alice" -p x -t 1 2>&1 | sed -u 's/^/[alice] /' &
pids+=($!)
"$work/multipool" mine -a scrypt -o "stratum+tcp://127.0.0.1:$stratum" -u "$miner2.bob" -p x -t 1 2>&1 | sed -u 's/^/[bob]   /' &
pids+=($!)
echo "== running; Ctrl-C stops everything (chain height: litecoin-cli -regtest -rpcport=$rpc -rpcuser=demo -rpcpassword=demo getblockcount)"
wait
