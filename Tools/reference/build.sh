#!/usr/bin/env bash
# Compile Tools/reference/print_buffers.cpp (or another single-file program in
# this folder) against the libtorch that ships in python3's torch wheel.
#
#   Tools/reference/build.sh [OUTPUT]          # default: .build-reference/print_buffers
#   Tools/reference/build.sh OUTPUT SOURCE     # e.g. Tools/reference/build_example_app.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:-$root/.build-reference/print_buffers}"
src="${2:-$here/print_buffers.cpp}"
mkdir -p "$(dirname "$out")"

read -r torch_dir cxx11_abi < <(python3 -c \
  'import os, torch; print(os.path.dirname(torch.__file__), int(torch.compiled_with_cxx11_abi()))')

"${CXX:-g++}" -std=c++20 -O1 -D_GLIBCXX_USE_CXX11_ABI="$cxx11_abi" \
  -isystem "$torch_dir/include" \
  -isystem "$torch_dir/include/torch/csrc/api/include" \
  "$src" -o "$out" \
  -L"$torch_dir/lib" -Wl,-rpath,"$torch_dir/lib" \
  -ltorch -ltorch_cpu -lc10

echo "$out"
