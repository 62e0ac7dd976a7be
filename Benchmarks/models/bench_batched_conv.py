#!/usr/bin/env python3
"""Batched convolutions at small spatial sizes: the serving benchmark's resnet18 (3x64x64) layer by layer, in
torch.jit and in one or more `flint` binaries, interleaved in the same run (issue #10, issue #11's workload).

    python3 Benchmarks/models/bench_batched_conv.py [--flint .build/release/flint[,OTHER_FLINT]] [--threads 2]
                                                   [--batches 1,8] [--rounds 5] [--iters 20]

Cases: each distinct Conv2d of torchvision's resnet18 at 64x64 input (followed by ReLU, random weights, fixed
seed), traced at each batch size, plus the whole traced resnet18. Each round times every case in torch.jit
(torch.set_num_threads, no_grad, perf_counter around each call) and in each flint binary (`flint bench --json`,
a fresh process, its own per-call timing), after 5 warm-up calls; a figure is the median over rounds of the
round's median. Archives and inputs go to .build-fixtures/batched-conv. Prints a Markdown table.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import warnings

warnings.filterwarnings("ignore")
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torchvision  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_models import cpu_model  # noqa: E402  (the CPU line every model benchmark prints)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
WORK = os.path.join(ROOT, ".build-fixtures", "batched-conv")
# (in channels, out channels, kernel, stride, padding, input size) of resnet18's convolutions at 64x64.
LAYERS = [(3, 64, 7, 2, 3, 64), (64, 64, 3, 1, 1, 16), (64, 128, 3, 2, 1, 16), (128, 128, 3, 1, 1, 8),
          (64, 128, 1, 2, 0, 16), (128, 256, 3, 2, 1, 8), (256, 256, 3, 1, 1, 4), (256, 512, 3, 2, 1, 4),
          (512, 512, 3, 1, 1, 2)]


def prepare(batches):
    os.makedirs(WORK, exist_ok=True)
    cases = []
    for batch in batches:
        for cin, cout, k, s, p, hw in LAYERS:
            name = f"conv {cin}->{cout} {k}x{k}/{s} on {hw}x{hw}, batch {batch}"
            cases.append((name, torch.nn.Sequential(torch.nn.Conv2d(cin, cout, k, s, p), torch.nn.ReLU()), (batch, cin, hw, hw)))
        cases.append((f"resnet18 3x64x64, batch {batch}", torchvision.models.resnet18(), (batch, 3, 64, 64)))
    prepared = []
    for index, (name, module, shape) in enumerate(cases):
        stem = os.path.join(WORK, f"case{index}")
        if not os.path.exists(stem + ".pt"):
            torch.manual_seed(index)
            x = torch.randn(shape)
            torch.jit.save(torch.jit.trace(module.eval(), x), stem + ".pt")
            np.save(stem + ".npy", x.numpy())
        prepared.append((name, stem))
    return prepared


def time_torch(stem, iters):
    module = torch.jit.load(stem + ".pt")
    x = torch.from_numpy(np.load(stem + ".npy"))
    with torch.no_grad():
        for _ in range(5):
            module(x)
        times = []
        for _ in range(iters):
            start = time.perf_counter()
            module(x)
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def time_flint(binary, stem, iters, threads):
    out = subprocess.run([binary, "bench", stem + ".pt", "--input", stem + ".npy", "--threads", str(threads), "--warmup", "5",
                          "--iters", str(iters), "--json", "--quiet"], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])["median_ms"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--flint", default=os.path.join(ROOT, ".build", "release", "flint"), help="comma-separated binaries")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batches", default="1,8")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--iters", type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    binaries = args.flint.split(",")
    cases = prepare([int(b) for b in args.batches.split(",")])
    figures = {}
    for _ in range(args.rounds):
        for name, stem in cases:
            figures.setdefault((name, "torch"), []).append(time_torch(stem, args.iters))
            for binary in binaries:
                figures.setdefault((name, binary), []).append(time_flint(binary, stem, args.iters, args.threads))
    print(f"CPU: {cpu_model()} ({os.cpu_count()} logical CPUs), {args.threads} threads, "
          f"median of {args.rounds} rounds x {args.iters} iterations")
    print("| case | torch.jit ms | " + " | ".join(f"{os.path.basename(b)} ms | / torch" for b in binaries) + " |")
    print("|---|---:|" + "---:|---:|" * len(binaries))
    for name, _ in cases:
        torch_ms = statistics.median(figures[(name, "torch")])
        cells = []
        for binary in binaries:
            ms = statistics.median(figures[(name, binary)])
            cells.append(f"{ms:.2f} | {ms / torch_ms:.2f}")
        print(f"| {name} | {torch_ms:.2f} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
