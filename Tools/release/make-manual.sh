#!/usr/bin/env bash
# Regenerates docs/man/flint.1 from the binary's own help (swift-argument-parser's generate-manual plugin).
#   Tools/release/make-manual.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
swift package generate-manual
cp .build/plugins/GenerateManual/outputs/FlintCLI/flint.1 docs/man/flint.1
echo "wrote docs/man/flint.1"
