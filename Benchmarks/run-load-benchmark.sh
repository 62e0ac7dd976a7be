#!/usr/bin/env bash
# Load-time comparison, Flint vs torch.jit.load, on the same archive in the same run.
#   Benchmarks/run-load-benchmark.sh MODEL.pt [ITERATIONS]
# Needs python3 with torch for the second line. Build once: (cd Benchmarks && swift build -c release)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
model="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
iterations="${2:-50}"
(cd "$here" && swift build -c release --product load-benchmark >/dev/null)
echo "flint: $("$here/.build/release/load-benchmark" "$model" "$iterations")"
echo "torch: $(python3 "$here/load_torch.py" "$model" "$iterations" 2>/dev/null)"
