#!/bin/sh
# Regenerates every *_pb.ts in the repository with buf and the local protoc-gen-es (no BSR access).
set -eu
cd "$(dirname "$0")/.."
[ -x tools/node_modules/.bin/buf ] || npm ci --prefix tools --no-audit --no-fund >/dev/null
BUF=tools/node_modules/.bin/buf
GOOGLE=tools/node_modules/google-proto-files
# Kratos's layout vendors google/api under third_party; the CLI ships the files (from npm
# google-proto-files) for new projects, and the examples vendor the same copies.
mkdir -p cmd/atreus/third_party/google/api
cp "$GOOGLE/google/api/annotations.proto" "$GOOGLE/google/api/http.proto" cmd/atreus/third_party/google/api/
for third in examples/helloworld/third_party tests/fixtures/proto/bookstore/third_party \
  tests/interop/kratos/proto; do
  mkdir -p "$third/google/api"
  cp cmd/atreus/third_party/google/api/*.proto "$third/google/api/"
done
for dir in examples/helloworld; do
  rm -rf "$dir/gen"
  (cd "$dir" && "../../$BUF" generate)
done

# google.rpc.Status and ErrorInfo for errors/, from npm google-proto-files (vendored googleapis).
ES_TS='"local":"'"$PWD"'/tools/node_modules/.bin/protoc-gen-es","opt":["target=ts","import_extension=ts"]'
rm -rf internal/gen
(cd tools/node_modules/google-proto-files && "../.bin/buf" generate \
  --path google/rpc/status.proto --path google/rpc/error_details.proto \
  --path google/api/http.proto \
  --template '{"version":"v2","plugins":[{'"$ES_TS"',"out":"'"$OLDPWD"'/internal/gen"}]}')
# gRPC reflection (v1, v1alpha) and health for transport/, written from the gRPC spec.
"$BUF" generate internal/proto \
  --template '{"version":"v2","plugins":[{'"$ES_TS"',"out":"internal/gen"}]}'
# The errors options (errors/errors.proto) that protoc-gen-atreus-errors reads.
rm -rf cmd/protoc-gen-atreus-errors/gen
"$BUF" generate --path errors/errors.proto \
  --template '{"version":"v2","plugins":[{'"$ES_TS"',"out":"cmd/protoc-gen-atreus-errors/gen"}]}'
for dir in tests/fixtures/proto/config tests/fixtures/proto/validate tests/fixtures/proto/bookstore \
  tests/fixtures/proto/wire; do
  (cd "$dir" && "../../../../$BUF" generate)
done
# The Echo service of the client tests: every streaming kind and idempotency level.
(cd tests/client/proto && "../../../$BUF" generate)
# The Go Kratos interop peers' API (its Go code: tests/interop/kratos/gen_go.sh).
(cd tests/interop/kratos/proto && "../../../../$BUF" generate)
# The registry example's gateway API.
(cd examples/registry && rm -rf gen && "../../$BUF" generate)
# Connect's conformance protocol (connectrpc/conformance), from the Go module that builds the runner.
CONFORMANCE=$(go mod download -json connectrpc.com/conformance@v1.0.5 | sed -n 's/.*"Dir": "\(.*\)",/\1/p')
rm -rf tests/conformance/gen
(cd "$CONFORMANCE/proto" && "$OLDPWD/$BUF" generate --path connectrpc/conformance/v1 \
  --template '{"version":"v2","plugins":[{'"$ES_TS"',"out":"'"$OLDPWD"'/tests/conformance/gen"}]}')
