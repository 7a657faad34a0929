#!/bin/sh
# Installs what the test suite needs when it is missing, then returns quickly on later runs:
# npm tools (buf, protoc-gen-es, Node 24, Bun, workerd) into tools/node_modules, Debian
# packages (etcd-server, chromium, wrk, nghttp2-client), Go test peers and tools (pinned, built
# from the Go module proxy into tools/go/bin), and the Deno npm dependencies.
set -eu
cd "$(dirname "$0")/.."

if [ ! -x tools/node_modules/.bin/buf ] || [ ! -x tools/node_modules/.bin/workerd ] ||
  [ ! -x tools/node_modules/.bin/bun ] || [ ! -x tools/node_modules/.bin/node ] ||
  [ tools/package-lock.json -nt tools/node_modules/.package-lock.json ]; then
  echo "setup: installing npm tools into tools/node_modules"
  npm ci --prefix tools --no-audit --no-fund --loglevel=error
fi

missing=""
command -v etcd >/dev/null 2>&1 || missing="$missing etcd-server"
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v wrk >/dev/null 2>&1 || missing="$missing wrk"
command -v h2load >/dev/null 2>&1 || missing="$missing nghttp2-client"
if [ -n "$missing" ]; then
  echo "setup: installing Debian packages:$missing"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# Go programs the tests drive as reference peers; the product itself stays TypeScript.
# One "name module@version" per line; rebuilt only when the binary is missing.
GO_TOOLS="connectconformance connectrpc.com/conformance/cmd/connectconformance@v1.0.5
grpcurl github.com/fullstorydev/grpcurl/cmd/grpcurl@v1.9.4
grpc-health-probe github.com/grpc-ecosystem/grpc-health-probe@v0.4.62
ghz github.com/bojand/ghz/cmd/ghz@v0.93.0"
export GOBIN="$PWD/tools/go/bin"
echo "$GO_TOOLS" | while read -r name module; do
  [ -n "$name" ] || continue
  if [ ! -x "$GOBIN/$name" ]; then
    command -v go >/dev/null 2>&1 || { echo "setup: go is required to build $name" >&2; exit 1; }
    echo "setup: building $module"
    go install -trimpath "$module"
  fi
done

# Go programs whose own go.mod has replace directives, which `go install module@version`
# refuses: a wrapper module in tools/go-builds/<name> pins them (its go.sum) and builds the
# named package. One "name package" per line; rebuilt when missing or when a file of its wrapper
# is newer. Symbol tables are left out (-s -w): Consul's binary shrinks from 133 to 93 MB.
GO_BUILDS="etcd go.etcd.io/etcd/server/v3
consul github.com/hashicorp/consul"
echo "$GO_BUILDS" | while read -r name package; do
  [ -n "$name" ] || continue
  if [ ! -x "$GOBIN/$name" ] || [ -n "$(find "tools/go-builds/$name" -newer "$GOBIN/$name" -type f)" ]; then
    command -v go >/dev/null 2>&1 || { echo "setup: go is required to build $name" >&2; exit 1; }
    echo "setup: building $package (tools/go-builds/$name)"
    (cd "tools/go-builds/$name" && go build -trimpath -ldflags="-s -w" -o "$GOBIN/$name" "$package")
  fi
done

deno install --frozen --quiet
