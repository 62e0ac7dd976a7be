#!/usr/bin/env bash
# Compile Tools/reference/example_app.cpp (the libtorch C++ tutorial program)
# against the libtorch that ships in python3's torch wheel, with the same flags as
# build.sh.
#
#   Tools/reference/build_example_app.sh [OUTPUT]   # default: .build-reference/example_app
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
exec "$here/build.sh" "${1:-$root/.build-reference/example_app}" "$here/example_app.cpp"
