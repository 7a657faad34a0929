#!/bin/sh
# Regenerates every *_pb.ts in the repository with buf and the local protoc-gen-es (no BSR access).
set -eu
cd "$(dirname "$0")/.."
[ -x tools/node_modules/.bin/buf ] || npm ci --prefix tools --no-audit --no-fund >/dev/null
BUF=tools/node_modules/.bin/buf
for dir in examples/helloworld; do
  rm -rf "$dir/gen"
  (cd "$dir" && "../../$BUF" generate)
done
