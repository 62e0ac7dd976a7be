#!/usr/bin/env bash
# Regenerates Sources/FlintServingProtocol from Protos/*.proto. The output is committed: CI never runs
# protoc or the plugins (building swift-protobuf's plugin alone takes minutes on two cores).
#
#   Tools/protos/generate.sh [PLUGIN_DIR]
#
# PLUGIN_DIR holds protoc-gen-swift and protoc-gen-grpc-swift-2. Without it the script builds both from
# grpc-swift-protobuf 2.4.1 (which brings swift-protobuf) in /tmp/flint-protoc-plugins. protoc comes
# from Debian's protobuf-compiler.
#
# Protos/grpc_predict_v2.proto is KServe's Open Inference Protocol service (kserve/kserve
# docs/predict-api/v2, Apache-2.0); Protos/model_config.proto is Triton's model configuration
# (triton-inference-server/common protobuf/, BSD-3-Clause). Both are copied unchanged, licence headers
# included, so that config.pbtxt files and gRPC clients written for Triton work against Flint.
set -euo pipefail
cd "$(dirname "$0")/../.."
plugins="${1:-}"
if [ -z "$plugins" ]; then
    work=/tmp/flint-protoc-plugins
    if [ ! -d "$work/grpc-swift-protobuf" ]; then
        mkdir -p "$work"
        git clone -q https://github.com/grpc/grpc-swift-protobuf "$work/grpc-swift-protobuf"
        git -C "$work/grpc-swift-protobuf" checkout -q 2.4.1
    fi
    (cd "$work/grpc-swift-protobuf" && swift build --product protoc-gen-grpc-swift-2 && swift build --product protoc-gen-swift)
    plugins="$work/grpc-swift-protobuf/.build/debug"
fi
command -v protoc >/dev/null || { echo "error: protoc not found (apt-get install protobuf-compiler)" >&2; exit 1; }
out=Sources/FlintServingProtocol
protoc --plugin=protoc-gen-swift="$plugins/protoc-gen-swift" \
       --plugin=protoc-gen-grpc-swift="$plugins/protoc-gen-grpc-swift-2" \
       -I Protos \
       --swift_out="$out" --swift_opt=Visibility=Package \
       --grpc-swift_out="$out" --grpc-swift_opt=Visibility=Package,Server=true,Client=false \
       grpc_predict_v2.proto
protoc --plugin=protoc-gen-swift="$plugins/protoc-gen-swift" -I Protos \
       --swift_out="$out" --swift_opt=Visibility=Package model_config.proto
echo "regenerated $(ls "$out" | tr '\n' ' ')"
