#!/usr/bin/env bash
# Runs every multipool test against the real servers (TESTING.md).
#
# On a fresh Debian machine it first installs, with pinned versions, what the
# tests start: Litecoin Core and Redis from Debian's packages. The Go tests
# themselves start each server as a child process on free loopback ports in a
# temporary directory and stop it afterwards; nothing here relies on a server
# the machine happens to be running.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/deps.sh
. scripts/deps.sh
install_test_deps

export MULTIPOOL_REQUIRE_REAL=1   # a missing server fails the tests instead of skipping them
export GOFLAGS="${GOFLAGS:--mod=readonly}"

echo "== go vet"
go vet ./...
echo "== go test"
# -p 2: the machines have two cores; integration tests start their own daemons.
go test -count=1 -p 2 -timeout 25m "$@" ./...
echo "== go test -race (the concurrent packages)"
# The whole suite passes under -race too (about 3.5 minutes); these are the
# packages whose goroutines share state, without the long daemon rigs.
go test -race -count=1 -p 2 -timeout 10m "$@" ./pools/stratum/... ./switcher ./profit \
  ./payout/ledger ./coins/pow ./cmd/multipool/bench
