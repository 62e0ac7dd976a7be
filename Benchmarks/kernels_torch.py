#!/usr/bin/env python3
"""PyTorch's own time for the shapes kernel-benchmark measures, one JSON line per case.

Usage: python3 Benchmarks/kernels_torch.py [THREADS] [REPEATS]
"""
import json
import sys
import time

import torch
import torch.nn.functional as F

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 9
torch.set_num_threads(threads)
torch.manual_seed(0)


def median_ms(fn):
    fn()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1e3)
    samples.sort()
    return samples[len(samples) // 2]


def report(name, flops, ms):
    print(json.dumps({"case": name, "threads": threads, "torch_ms": round(ms, 3), "gflops": round(flops / ms / 1e6, 3)}))


with torch.no_grad():
    for m, k, n, name in [(512, 512, 512, "mm 512x512x512"), (128, 1024, 1024, "mm 128x1024x1024"), (256, 256, 256, "mm 256x256x256")]:
        a, b = torch.randn(m, k), torch.randn(k, n)
        report(name, 2 * m * n * k, median_ms(lambda: torch.mm(a, b)))
    x, w = torch.randn(1, 768), torch.randn(3072, 768)
    report("linear 1x768 -> 3072", 2 * 768 * 3072, median_ms(lambda: F.linear(x, w)))
    for name, ishape, wshape, pad, groups in [
        ("conv 3x3 64->64 56x56", (1, 64, 56, 56), (64, 64, 3, 3), 1, 1),
        ("conv 1x1 256->1024 14x14", (1, 256, 14, 14), (1024, 256, 1, 1), 0, 1),
        ("depthwise 3x3 144 56x56", (1, 144, 56, 56), (144, 1, 3, 3), 1, 144),
    ]:
        inp, wt = torch.randn(*ishape), torch.randn(*wshape)
        flops = 2 * ishape[2] * ishape[3] * wshape[0] * wshape[1] * wshape[2] * wshape[3]
        report(name, flops, median_ms(lambda: F.conv2d(inp, wt, padding=pad, groups=groups)))
