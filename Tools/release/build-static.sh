#!/usr/bin/env bash
# Builds the shippable `flint`: one statically linked release executable (the Swift runtime, zlib and the C
# library inside; no shared libraries at all), stripped. Then checks it with Tools/release/check-static.sh.
#
#   Tools/release/build-static.sh [OUT]      # default OUT: .build/flint-static/flint
#
# Install: copy OUT anywhere on PATH, e.g. `install -m 755 .build/flint-static/flint /usr/local/bin/flint`.
# (`--static-swift-stdlib` alone still leaves libstdc++ as a shared dependency: the toolchain's static-stdlib
# link arguments name it as a shared library, so the executable is linked fully static instead.)
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-.build/flint-static/flint}"
# libquadmath and libm after them: what the static liblapack and libgfortran (reference LAPACK's Fortran runtime) need,
# named last so the static link resolves them; the shared libraries bring their own.
flags=(-c release --product flint --static-swift-stdlib -Xswiftc -static-executable -Xlinker -s -Xlinker -lquadmath -Xlinker -lm --scratch-path .build-static)
swift build "${flags[@]}"
mkdir -p "$(dirname "$out")"
cp "$(swift build "${flags[@]}" --show-bin-path)/flint" "$out"
Tools/release/check-static.sh "$out"
