#!/usr/bin/env bash
# Per-operator dispatch cost, Flint vs torch.jit on this machine (release build, 1 thread).
# Writes .build-fixtures/dispatch_{int,tensor}.pt (scripted loops of 20,000 tiny ops) and prints both.
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 Benchmarks/dispatch/dispatch_torch.py 2>/dev/null
swift build -c release --product flint >/dev/null
for name in int tensor; do
  json=$(.build/release/flint bench ".build-fixtures/dispatch_${name}.pt" --input int:10000 --threads 1 --warmup 5 --iters 30 --json | tail -1)
  median=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['median_ms'])" "$json")
  python3 -c "import sys; m=float(sys.argv[2]); print(f'{sys.argv[1]}: flint median {m:.3f} ms for 20,000 ops = {m*1000/20000:.3f} us/op')" "$name" "$median"
done
