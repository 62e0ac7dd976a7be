"""numpy (OpenBLAS) reference numbers for the shapes of bench_gemm.c.

Run it the way Tools/kernel-bench/run.sh does, so OpenBLAS picks its own kernels and thread count:
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 python3 bench_numpy.py
(and OPENBLAS_NUM_THREADS=2 for two threads). Prints median / best GFLOP/s of RUNS runs.
"""
import os
import sys
import time

import numpy as np

RUNS = int(os.environ.get("RUNS", "9"))
flush = np.zeros(96 << 18, dtype=np.float32)  # 96 MiB, larger than L3


def bench(fn, flops, cold=False):
    fn()
    one = time.perf_counter()
    fn()
    one = time.perf_counter() - one
    reps = 1 if cold or one > 0.02 else int(0.02 / max(one, 1e-9)) + 1
    times = []
    for _ in range(RUNS):
        total = 0.0
        for _ in range(reps):
            if cold:
                np.add(flush, 1.0, out=flush)
            t = time.perf_counter()
            fn()
            total += time.perf_counter() - t
        times.append(total / reps)
    times.sort()
    return flops / times[len(times) // 2] * 1e-9, flops / times[0] * 1e-9, times[len(times) // 2] * 1e3


rng = np.random.default_rng(0)


def mats(m, k, n):
    return (rng.standard_normal((m, k), dtype=np.float32), rng.standard_normal((k, n), dtype=np.float32))


rows = []
for name, m, k, n in [("mm 512x512x512", 512, 512, 512), ("mm 128x1024x1024", 128, 1024, 1024),
                      ("mm 256x256x256", 256, 256, 256)]:
    a, b = mats(m, k, n)
    out = np.empty((m, n), dtype=np.float32)
    rows.append((name, *bench(lambda: np.matmul(a, b, out=out), 2.0 * m * n * k)))
a = rng.standard_normal((128, 1024), dtype=np.float32)
w = rng.standard_normal((1024, 1024), dtype=np.float32)
out = np.empty((128, 1024), dtype=np.float32)
rows.append(("mm 128x1024x1024 B^T", *bench(lambda: np.matmul(a, w.T, out=out), 2.0 * 128 * 1024 * 1024)))
wc = rng.standard_normal((1024, 256), dtype=np.float32)
x = rng.standard_normal((256, 196), dtype=np.float32)
out = np.empty((1024, 196), dtype=np.float32)
rows.append(("conv1x1 256->1024 14x14", *bench(lambda: np.matmul(wc, x, out=out), 2.0 * 1024 * 196 * 256)))
w = rng.standard_normal((3072, 768), dtype=np.float32)
for m in (4, 6, 8, 16, 64):
    xm = rng.standard_normal((m, 768), dtype=np.float32)
    om = np.empty((m, 3072), dtype=np.float32)
    rows.append((f"linear m={m} 768->3072 W^T", *bench(lambda: np.matmul(xm, w.T, out=om), 2.0 * m * 768 * 3072)))
    if m == 8:
        rows.append(("linear m=8 cold", *bench(lambda: np.matmul(xm, w.T, out=om), 2.0 * m * 768 * 3072, cold=True)))
v = rng.standard_normal((1, 768), dtype=np.float32)
out = np.empty((1, 3072), dtype=np.float32)
f = 2.0 * 768 * 3072
rows.append(("gemv 1x768x3072 W^T warm", *bench(lambda: np.matmul(v, w.T, out=out), f)))
rows.append(("gemv 1x768x3072 W^T cold", *bench(lambda: np.matmul(v, w.T, out=out), f, cold=True)))
wr = rng.standard_normal((768, 3072), dtype=np.float32)
rows.append(("gemv 1x768x3072 B rowmaj cold", *bench(lambda: np.matmul(v, wr, out=out), f, cold=True)))

print(f"numpy {np.__version__}, OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', '(unset)')}, "
      f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
try:
    cfg = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    print("blas:", cfg.get("name"), cfg.get("version"))
except Exception:  # older numpy
    pass
print(f"{'shape (m x k x n)':30s} {'GFLOP/s med / best':>20s} {'ms':>9s}")
for name, med, best, ms in rows:
    print(f"{name:30s} {med:9.1f} / {best:7.1f} {ms:9.4f}")
