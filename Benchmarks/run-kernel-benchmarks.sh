#!/usr/bin/env bash
# Kernel benchmark table, Flint vs PyTorch on the same shapes in the same run (release build).
#   Benchmarks/run-kernel-benchmarks.sh [REPEATS]       → a markdown table on stdout
# Needs python3 with torch for the PyTorch column.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repeats="${1:-9}"
(cd "$here" && swift build -c release --product kernel-benchmark >/dev/null)
tmp="$(mktemp -d)"
for threads in 1 2; do
  "$here/.build/release/kernel-benchmark" "$threads" "$repeats" >> "$tmp/flint.jsonl"
  python3 "$here/kernels_torch.py" "$threads" "$repeats" >> "$tmp/torch.jsonl" 2>/dev/null || true
done
python3 - "$tmp/flint.jsonl" "$tmp/torch.jsonl" <<'PY'
import json, sys
flint = [r for r in (json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")) if "naive_ms" in r]
torch = {(r["case"], r["threads"]): r for r in (json.loads(l) for l in open(sys.argv[2]) if l.startswith("{"))}
print("| case | threads | Flint ms | Flint GFLOP/s | naive ms | PyTorch ms | PyTorch GFLOP/s | Flint / PyTorch time |")
print("|---|---|---|---|---|---|---|---|")
for r in flint:
    t = torch.get((r["case"], r["threads"]), {})
    ratio = f'{r["flint_ms"] / t["torch_ms"]:.2f}' if t else "-"
    naive = r["naive_ms"] if r["naive_ms"] is not None else "-"
    print(f'| {r["case"]} | {r["threads"]} | {r["flint_ms"]:.3f} | {r["gflops"]:.1f} | {naive} | {t.get("torch_ms", "-")} | {t.get("gflops", "-")} | {ratio} |')
PY
rm -rf "$tmp"
