#!/usr/bin/env bash
# Load figures for docs/BENCHMARKS.md: the real pool, stratum server and
# Redis ledger (`multipool bench-pool`) under `multipool bench` on loopback.
# Prints each run's report plus the pool process's CPU time and memory.
# Usage: scripts/bench.sh [quick]   (quick: shorter runs)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
install_test_deps

dur=20s; [ "${1:-}" = quick ] && dur=5s
work=$(mktemp -d /tmp/multipool-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT INT TERM
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

go build -o "$work/multipool" ./cmd/multipool
redis=$(free_port)
redis-server --port "$redis" --bind 127.0.0.1 --dir "$work" --save "" --appendonly no --loglevel warning >"$work/redis.log" 2>&1 &
pids+=($!)

cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }

# start_pool ALGO [bench-pool flags...]: sets $pool_pid and $pool_addr.
start_pool() {
  local algo=$1; shift
  local port; port=$(free_port)
  "$work/multipool" bench-pool -algo "$algo" -listen "127.0.0.1:$port" -redis "127.0.0.1:$redis" "$@" >"$work/pool.log" 2>&1 &
  pool_pid=$!; pids+=("$pool_pid"); pool_addr="127.0.0.1:$port"
  for _ in $(seq 100); do grep -q "bench-pool:" "$work/pool.log" && break; sleep 0.1; done
}
stop_pool() { kill "$pool_pid"; wait "$pool_pid" 2>/dev/null || true; }

# measure TITLE BENCH-ARGS...: runs the bench against $pool_addr with CPU and RSS of the pool.
measure() {
  local title=$1; shift
  local hz; hz=$(getconf CLK_TCK)
  local c0; c0=$(cpu_ticks "$pool_pid"); local t0; t0=$(date +%s.%N)
  echo "### $title"
  "$work/multipool" bench -o "$pool_addr" -u bench -q "$@"
  local c1; c1=$(cpu_ticks "$pool_pid"); local t1; t1=$(date +%s.%N)
  python3 -c "print('pool CPU %.0f%% of one core over the run; RSS now %d MiB, peak %d MiB' % (($c1-$c0)/$hz*100/($t1-$t0), $(rss_kb "$pool_pid")/1024, $(hwm_kb "$pool_pid")/1024))"
  echo
}

echo "## machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo
start_pool sha256d
measure "sha256d port, 1000 connections, one random-nonce submission in flight each" -c 1000 -d "$dur"
stop_pool

start_pool scrypt
measure "scrypt port, 1000 connections, one random-nonce submission in flight each" -c 1000 -d "$dur"
stop_pool

start_pool sha256d -block-every 2s
measure "5000 connections at a steady 1000 shares/s in total, a new block every 2 s" -c 5000 -rate 1000 -d "$dur"
stop_pool

start_pool sha256d -block-every 2s
measure "5000 connections submitting as fast as answered, a new block every 2 s" -c 5000 -d "$dur"
stop_pool

start_pool sha256d
base=$(rss_kb "$pool_pid")
"$work/multipool" bench -o "$pool_addr" -u bench -q -m idle -c 5000 -d 15s >"$work/idle.txt" &
bpid=$!
sleep 12   # measuring, not waiting for an event: the connections are up by now
held=$(rss_kb "$pool_pid")
wait "$bpid"
echo "### idle connections"
cat "$work/idle.txt"
python3 -c "print('pool RSS %d KiB before, %d KiB with 5000 idle connections: %.1f KiB each' % ($base, $held, ($held-$base)/5000))"
stop_pool
