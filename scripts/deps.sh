# Shared by scripts/test.sh and scripts/demo.sh: installs the pinned servers
# multipool is tested and demonstrated with, when they are missing.

LITECOIND_VERSION='0.21.2.1*'
REDIS_VERSION='5:7.0.15*'
BTCD_VERSION='v0.26.2'

apt_install() {
  local sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@"
}

install_test_deps() {
  local want=()
  command -v litecoind >/dev/null 2>&1 || want+=("litecoind=${LITECOIND_VERSION}")
  command -v redis-server >/dev/null 2>&1 || want+=("redis-server=${REDIS_VERSION}")
  if [ ${#want[@]} -gt 0 ]; then
    echo "== installing ${want[*]}"
    apt_install "${want[@]}"
  fi
  if ! command -v go >/dev/null 2>&1; then
    if [ -x /usr/local/go/bin/go ]; then export PATH="/usr/local/go/bin:$PATH"; else
      echo "Go is needed (https://go.dev/dl/), see README.md" >&2; return 1; fi
  fi
  # btcd (the sha256d daemon) is a Go program: go install puts it in
  # $(go env GOPATH)/bin. Built outside the repo so our go.mod is untouched;
  # about a minute on two cores when nothing is cached.
  local gobin
  gobin="$(go env GOPATH)/bin"
  export PATH="$gobin:$PATH"
  if ! command -v btcd >/dev/null 2>&1; then
    echo "== installing btcd ${BTCD_VERSION}"
    (cd /tmp && GOFLAGS=-mod=mod go install "github.com/btcsuite/btcd@${BTCD_VERSION}") || return 1
  fi
}
