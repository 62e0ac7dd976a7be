#!/usr/bin/env bash
# Builds and runs the CFlintKernels self-test and benchmark with plain `cc` and the flags SwiftPM uses
# for a C target (-O2, no -m flags), then numpy's OpenBLAS on the same shapes for reference.
#   Tools/kernel-bench/run.sh            test + benchmark + numpy
#   Tools/kernel-bench/run.sh test       self-test only (also at -O0, as a debug build compiles it)
#   Tools/kernel-bench/run.sh bench      benchmark + numpy only
#   Tools/kernel-bench/run.sh cold       resnet50's convolution products with operands out of cache, 1 and 2 threads
# Environment: CC (default cc), RUNS (benchmark runs per number, default 9), OUT (build folder,
# default .build-kernel-bench). Extra benchmark flags go in BENCH_FLAGS (e.g. "--isa avx2").
set -euo pipefail
cd "$(dirname "$0")/../.."
cc="${CC:-cc}"
out="${OUT:-.build-kernel-bench}"
runs="${RUNS:-9}"
what="${1:-all}"
mkdir -p "$out"
srcs=(Sources/CFlintKernels/*.c)
flags=(-std=c11 -Wall -Wextra -pthread -ISources/CFlintKernels/include)

if [[ "$what" == all || "$what" == test ]]; then
  echo "== build test (-O2, -O0) with $cc"
  "$cc" "${flags[@]}" -O2 "${srcs[@]}" Tools/kernel-bench/test_gemm.c -lm -o "$out/test_gemm"
  "$cc" "${flags[@]}" -O0 "${srcs[@]}" Tools/kernel-bench/test_gemm.c -lm -o "$out/test_gemm_O0"
  echo "== test_gemm (-O2)"
  "$out/test_gemm"
  echo "== test_gemm quick (-O0)"
  "$out/test_gemm_O0" quick
fi

if [[ "$what" == all || "$what" == bench ]]; then
  echo "== build bench (-O2) with $cc"
  "$cc" "${flags[@]}" -O2 "${srcs[@]}" Tools/kernel-bench/bench_gemm.c -lm -o "$out/bench_gemm"
  echo "== load: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)"
  # shellcheck disable=SC2086
  "$out/bench_gemm" --runs "$runs" ${BENCH_FLAGS:-}
  "$out/bench_gemm" --runs "$runs" --thresholds
  if python3 -c "import numpy" 2>/dev/null; then
    for t in 1 2; do
      echo "== numpy, OPENBLAS_NUM_THREADS=$t"
      env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=$t RUNS="$runs" \
        python3 Tools/kernel-bench/bench_numpy.py
    done
  else
    echo "(numpy not installed: no OpenBLAS reference numbers)"
  fi
fi

if [[ "$what" == cold ]]; then
  echo "== build bench_gemm_cold (-O2) with $cc"
  "$cc" "${flags[@]}" -O2 "${srcs[@]}" Tools/kernel-bench/bench_gemm_cold.c -lm -o "$out/bench_gemm_cold"
  echo "== load: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)"
  "$out/bench_gemm_cold" 1
  "$out/bench_gemm_cold" 2
fi
