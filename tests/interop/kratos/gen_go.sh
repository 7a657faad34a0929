#!/bin/sh
# Regenerates the Go code of the interop peers (committed, so tests and CI need no protoc
# plugins) from proto/interop/v1/greeter.proto, for each Kratos major:
#   v2/api/interop/v1 and v3/api/interop/v1: *.pb.go, *_grpc.pb.go, *_http.pb.go.
# protoc-gen-go and protoc-gen-go-grpc are pinned modules from the Go module proxy. The proxy
# refuses github.com/go-kratos/kratos/cmd/protoc-gen-go-http (v2 and v3, tags and the release
# commits' pseudo-versions), so protoc-gen-go-http is built from a Kratos checkout given as
# $KRATOS_SRC (git clone https://github.com/go-kratos/kratos), at the tags v2.9.2 and v3.0.0.
set -eu
cd "$(dirname "$0")"
: "${KRATOS_SRC:?set KRATOS_SRC to a git checkout of go-kratos/kratos}"
BUF=$PWD/../../../tools/node_modules/.bin/buf
BIN=$(mktemp -d)
trap 'rm -rf "$BIN"' EXIT
GOBIN=$BIN/common go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.11
GOBIN=$BIN/common go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2
for major in v2 v3; do
  tag=$([ "$major" = v2 ] && echo v2.9.2 || echo v3.0.0)
  mkdir -p "$BIN/$major/src"
  git -C "$KRATOS_SRC" archive "$tag" cmd/protoc-gen-go-http | tar -x -C "$BIN/$major/src"
  (cd "$BIN/$major/src/cmd/protoc-gen-go-http" && go build -o "$BIN/$major/protoc-gen-go-http" .)
  pkg="atreus.test/interop/kratos/$major/api/interop/v1"
  opt='"opt":["paths=source_relative","Minterop/v1/greeter.proto='"$pkg"'"]'
  out='"out":"'"$PWD/$major/api"'"'
  rm -rf "$major/api"
  (cd proto && "$BUF" generate --path interop/v1/greeter.proto --template '{"version":"v2","plugins":[
    {"local":"'"$BIN"'/common/protoc-gen-go",'"$out,$opt"'},
    {"local":"'"$BIN"'/common/protoc-gen-go-grpc",'"$out,$opt"'},
    {"local":"'"$BIN/$major"'/protoc-gen-go-http",'"$out,$opt"'}]}')
done
