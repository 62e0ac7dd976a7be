#!/usr/bin/env bash
# Checks a built `flint` is shippable as one file: its dynamic dependencies are only the C library, libm,
# libz (and the loader), it is at most 48 MB, and it runs. (19.5 MB before `flint serve`; the server stack, SwiftNIO,
# Hummingbird, grpc-swift with its BoringSSL-based transport and swift-protobuf, adds about 24 MB; reference LAPACK and
# BLAS with the Fortran runtime they need, about 1.4 MB.)
#
#   Tools/release/check-static.sh PATH/TO/flint
set -euo pipefail
binary="$1"
limit=$((48 * 1024 * 1024))
size=$(stat -c %s "$binary")
needed=$(readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
echo "flint: $size bytes; NEEDED: $needed"
for library in $needed; do
    case "$library" in
        libc.so.*|libm.so.*|libz.so.*|ld-linux*.so.*|libpthread.so.*|libdl.so.*|librt.so.*) ;;
        *) echo "error: $binary needs $library (only libc, libm and libz are allowed)" >&2; exit 1 ;;
    esac
done
if [ "$size" -gt "$limit" ]; then
    echo "error: $binary is $size bytes, over the 48 MB limit" >&2
    exit 1
fi
"$binary" --version
