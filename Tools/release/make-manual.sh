#!/usr/bin/env bash
# Regenerates docs/man/flint.1 from the binary's own help, with swift-argument-parser's generate-manual tool.
#   Tools/release/make-manual.sh [PATH/TO/flint]      # default: .build/flint-static/flint (built if missing)
# (`swift package generate-manual` would build flint in release with every server dependency first, over ten
# minutes on two cores; the static binary is dumped instead.)
set -euo pipefail
cd "$(dirname "$0")/../.."
binary="${1:-.build/flint-static/flint}"
[ -x "$binary" ] || Tools/release/build-static.sh "$binary"
[ -d .build/checkouts/swift-argument-parser ] || swift package resolve >/dev/null
swift build --package-path .build/checkouts/swift-argument-parser --product generate-manual --scratch-path .build-manual-tool >/dev/null
work=$(mktemp -d)
mkdir -p "$work/out"
cp "$binary" "$work/flint"
.build-manual-tool/debug/generate-manual "$work/flint" --output-directory "$work/out"
cp "$work/out/flint.1" docs/man/flint.1
rm -rf "$work"
echo "wrote docs/man/flint.1"
