#!/usr/bin/env bash
# Fuzzes the zip reader, the unpickler and the archive loader with libFuzzer.
#   Tools/fuzz/run.sh [SECONDS]      (default 600)
# Builds `flint-fuzz` with -sanitize=fuzzer into .build-fuzz, seeds a corpus from the committed fixtures
# (whole archives plus their pickles), and runs until SECONDS pass or a crash is found (crash files land
# in .build-fuzz/crashes). Replay any input without the fuzzer: swift run flint-fuzz FILE...
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-600}"
swift build -c release --product flint-fuzz --scratch-path .build-fuzz \
  -Xswiftc -sanitize=fuzzer -Xswiftc -DFUZZING -Xswiftc -parse-as-library
corpus=.build-fuzz/corpus
mkdir -p "$corpus" .build-fuzz/crashes
python3 - "$corpus" <<'PY'
import os, sys, zipfile, glob
out = sys.argv[1]
for path in glob.glob("Tests/Fixtures/archives/*"):
    if path.endswith(".json") or os.path.getsize(path) > 200_000:
        continue
    name = os.path.basename(path)
    open(os.path.join(out, name), "wb").write(open(path, "rb").read())
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            for entry in z.namelist():
                if entry.endswith(".pkl"):
                    open(os.path.join(out, name + "." + entry.replace("/", "_")), "wb").write(z.read(entry))
PY
exec .build-fuzz/release/flint-fuzz "$corpus" -max_total_time="$seconds" -rss_limit_mb=4096 -timeout=20 \
  -max_len=262144 -artifact_prefix=.build-fuzz/crashes/ -print_final_stats=1
