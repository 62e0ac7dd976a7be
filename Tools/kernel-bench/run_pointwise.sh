#!/usr/bin/env bash
# Builds and runs the self-tests and benchmarks of the pointwise / depthwise / pooling kernels
# (flint_pointwise.h, flint_conv_direct.h) with plain `cc` and the flags SwiftPM uses for a C target
# (-O2, no -m flags), then PyTorch's single-thread times for the same operations.
#   Tools/kernel-bench/run_pointwise.sh          test + bench + torch
#   Tools/kernel-bench/run_pointwise.sh test     self-tests (-O2 full, -O0 quick)
#   Tools/kernel-bench/run_pointwise.sh bench    benchmarks + torch
#   Tools/kernel-bench/run_pointwise.sh torch    torch reference numbers only
#   Tools/kernel-bench/run_pointwise.sh neon     self-tests of the NEON variants under qemu-aarch64
#                                                (needs gcc-aarch64-linux-gnu, libc6-dev-arm64-cross, qemu-user)
# Environment: CC (default cc), RUNS (samples per number, default 9), OUT (build folder, default
# .build-kernel-bench). Extra benchmark flags go in BENCH_FLAGS (e.g. "--isa avx2").
set -euo pipefail
cd "$(dirname "$0")/../.."
cc="${CC:-cc}"
out="${OUT:-.build-kernel-bench}"
runs="${RUNS:-9}"
what="${1:-all}"
mkdir -p "$out"
inc=(-ISources/CFlintKernels/include)
flags=(-std=c11 -Wall -Wextra -pthread "${inc[@]}")
pw_srcs=(Sources/CFlintKernels/flint_pointwise*.c Sources/CFlintKernels/flint_layer_norm.c)
cd_srcs=(Sources/CFlintKernels/flint_depthwise*.c Sources/CFlintKernels/flint_pool2d*.c Sources/CFlintKernels/flint_pointwise*.c Sources/CFlintKernels/flint_layer_norm.c
         Sources/CFlintKernels/flint_kernels_generic.c) # the last for flint__scratch

if [[ "$what" == all || "$what" == test ]]; then
  echo "== build tests (-O2, -O0) with $cc"
  "$cc" "${flags[@]}" -O2 "${pw_srcs[@]}" Tools/kernel-bench/test_pointwise.c -lm -o "$out/test_pointwise"
  "$cc" "${flags[@]}" -O0 "${pw_srcs[@]}" Tools/kernel-bench/test_pointwise.c -lm -o "$out/test_pointwise_O0"
  "$cc" "${flags[@]}" -O2 "${cd_srcs[@]}" Tools/kernel-bench/test_depthwise.c -lm -o "$out/test_depthwise"
  "$cc" "${flags[@]}" -O0 "${cd_srcs[@]}" Tools/kernel-bench/test_depthwise.c -lm -o "$out/test_depthwise_O0"
  echo "== test_pointwise (-O2)"
  "$out/test_pointwise"
  echo "== test_pointwise quick (-O0)"
  "$out/test_pointwise_O0" quick | tail -1
  echo "== test_depthwise (-O2)"
  "$out/test_depthwise"
  echo "== test_depthwise quick (-O0)"
  "$out/test_depthwise_O0" quick
fi

if [[ "$what" == neon ]]; then
  xcc="${XCC:-aarch64-linux-gnu-gcc}"
  if ! command -v "$xcc" >/dev/null || ! command -v qemu-aarch64 >/dev/null; then
    echo "needs $xcc and qemu-aarch64 (apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user)"
    exit 1
  fi
  echo "== build NEON tests with $xcc (-O2, static) and run them under qemu-aarch64"
  "$xcc" "${flags[@]}" -O2 -static "${pw_srcs[@]}" Tools/kernel-bench/test_pointwise.c -lm -o "$out/test_pointwise_a64"
  "$xcc" "${flags[@]}" -O2 -static "${cd_srcs[@]}" Tools/kernel-bench/test_depthwise.c -lm -o "$out/test_depthwise_a64"
  qemu-aarch64 "$out/test_pointwise_a64" quick
  qemu-aarch64 "$out/test_depthwise_a64"
fi

if [[ "$what" == all || "$what" == bench ]]; then
  echo "== build benchmarks (-O2) with $cc"
  "$cc" "${flags[@]}" -O2 "${pw_srcs[@]}" Tools/kernel-bench/bench_pointwise.c -lm -o "$out/bench_pointwise"
  "$cc" "${flags[@]}" -O2 "${cd_srcs[@]}" Tools/kernel-bench/bench_depthwise.c -lm -o "$out/bench_depthwise"
  echo "== load: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)"
  # shellcheck disable=SC2086
  "$out/bench_pointwise" --runs "$runs" ${BENCH_FLAGS:-}
  # shellcheck disable=SC2086
  "$out/bench_depthwise" --runs "$runs" ${BENCH_FLAGS:-}
fi

if [[ "$what" == all || "$what" == bench || "$what" == torch ]]; then
  if ! python3 -c "import torch" 2>/dev/null; then
    echo "(torch not installed: no PyTorch reference numbers)"
    exit 0
  fi
  echo "== PyTorch, 1 thread (same shapes; small sizes include ~1-3 us of Python dispatch per call)"
  RUNS="$runs" python3 - <<'EOF'
import os, timeit
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
runs = int(os.environ.get("RUNS", "9"))

def best(fn, min_t=2e-3):
    fn()
    reps = 1
    while timeit.timeit(fn, number=reps) < min_t:
        reps *= 2
    return min(timeit.repeat(fn, number=reps, repeat=runs)) / reps

print("torch %s, CPU capability %s" % (torch.__version__, torch.backends.cpu.get_cpu_capability()))
ops = [("exp", torch.exp), ("log", torch.log), ("tanh", torch.tanh), ("sigmoid", torch.sigmoid),
       ("erf", torch.erf), ("gelu", lambda x, out: torch._C._nn.gelu(x, out=out)),
       ("gelu_tanh", lambda x, out: torch._C._nn.gelu(x, approximate="tanh", out=out)),
       ("silu", lambda x, out: torch._C._nn.silu(x, out=out)), ("relu", lambda x, out: torch.clamp_min(x, 0, out=out))]
for n in (16384, 4 << 20):
    x = torch.rand(n) * 8 - 4
    xp = torch.rand(n) * 10 + 0.01
    y = torch.empty(n)
    print("n = %d: elements/ns" % n)
    for name, f in ops:
        xi = xp if name == "log" else x
        print("  %-10s %8.3f" % (name, n / best(lambda: f(xi, out=y)) * 1e-9))
a = torch.randn(128, 1024)
for name, f in [("softmax 128x1024", lambda: torch._softmax(a, 1, False)),
                ("log_softmax 128x1024", lambda: torch._log_softmax(a, 1, False))]:
    t = best(f)
    print("  %-26s %7.2f GB/s (%6.2f us)" % (name, 8 * a.numel() / t * 1e-9, t * 1e6))
a, w, b = torch.randn(128, 768), torch.randn(768), torch.randn(768)
t = best(lambda: torch.native_layer_norm(a, [768], w, b, 1e-5))
print("  %-26s %7.2f GB/s (%6.2f us)" % ("layer_norm 128x768", 8 * a.numel() / t * 1e-9, t * 1e6))
for name, C, H, k, s, p in [("dw3x3 s1 144x56x56", 144, 56, 3, 1, 1), ("dw3x3 s2 32x112x112", 32, 112, 3, 2, 1),
                            ("dw5x5 s1 240x14x14", 240, 14, 5, 1, 2), ("dw5x5 s2 96x28x28", 96, 28, 5, 2, 2)]:
    x, w, b = torch.randn(1, C, H, H), torch.randn(C, 1, k, k), torch.randn(C)
    o = (H + 2 * p - k) // s + 1
    t = best(lambda: F.conv2d(x, w, b, s, p, 1, C))
    print("  %-26s %8.1f us %6.1f GB/s %6.1f GFLOP/s" % (name, t * 1e6, 4 * (C * H * H + C * o * o) / t * 1e-9,
                                                        2 * k * k * C * o * o / t * 1e-9))
for name, fn, x in [("maxpool 3x3 s2 64x112x112", lambda x: F.max_pool2d(x, 3, 2, 1), torch.randn(1, 64, 112, 112)),
                    ("avgpool 2x2 s2 256x56x56", lambda x: F.avg_pool2d(x, 2, 2), torch.randn(1, 256, 56, 56)),
                    ("adaptive avg 1280x7x7->1", lambda x: F.adaptive_avg_pool2d(x, 1), torch.randn(1, 1280, 7, 7))]:
    print("  %-26s %8.1f us" % (name, best(lambda: fn(x)) * 1e6))
EOF
fi
