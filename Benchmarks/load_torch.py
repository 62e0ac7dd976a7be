#!/usr/bin/env python3
"""Times torch.jit.load to a ready module (plus its state_dict) and its resident-memory growth, the same
measurements as load-benchmark, so the two can be compared in one run.

Usage: python3 Benchmarks/load_torch.py MODEL.pt [ITERATIONS]   (prints one JSON line)
"""
import json
import sys
import time

import torch


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 1048576


def main():
    path = sys.argv[1]
    iterations = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    torch.set_num_threads(1)
    before_first = rss_mb()
    first = torch.jit.load(path)
    first.state_dict()
    first_growth = rss_mb() - before_first
    del first
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        module = torch.jit.load(path)
        module.state_dict()
        times.append((time.perf_counter() - start) * 1e3)
        del module
    times.sort()
    print(json.dumps({"model": path, "iterations": iterations, "min_ms": round(times[0], 3),
                      "median_ms": round(times[len(times) // 2], 3), "max_ms": round(times[-1], 3),
                      "rss_growth_first_load_mb": round(first_growth, 3)}))


if __name__ == "__main__":
    main()
