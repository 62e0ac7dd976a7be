#!/usr/bin/env python3
"""Heap allocations per inference after warm-up, Flint beside torch.jit (issue #10): a count, not a time.

    swift build -c release --product flint
    python3 Benchmarks/models/count_allocations.py                      # the nine models of bench_models.py
    python3 Benchmarks/models/count_allocations.py --models mlp,resnet18 --threads 1

Counts calls into the C library's allocators (malloc, calloc, realloc, posix_memalign, aligned_alloc,
memalign: everything Swift, the C kernels, libtorch and Python allocate through) with Linux uprobes:
`perf probe -x LIBC FUNCTION` once, then `perf stat -e probe_libc:FUNCTION ...` around a whole process.
Each runtime runs twice with the same warm-up and --low, then --high, timed inferences; the difference
divided by (high - low) is the count per inference after warm-up, free of everything done once (loading,
compiling, building the plan, the first calls). Needs root (or perf_event_paranoid <= 1 and access to
tracefs) and the fixtures of bench_models.py (made on first use in .build-fixtures/bench/).

Flint: `flint bench ARCHIVE --input ... --threads T --warmup W --iters N --quiet`. torch.jit: a Python
process that loads the archive, sets T threads, runs W calls then N calls under torch.no_grad().
Prints a Markdown table on stdout, progress on stderr.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_zoo            # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
ALLOCATORS = ['malloc', 'calloc', 'realloc', 'posix_memalign', 'aligned_alloc', 'memalign']
TORCH_SCRIPT = """
import sys, numpy as np, torch
torch.set_num_threads(int(sys.argv[2]))
model = torch.jit.load(sys.argv[1])
inputs = [torch.from_numpy(np.load(path)) for path in sys.argv[5:]]
with torch.no_grad():
    for _ in range(int(sys.argv[3]) + int(sys.argv[4])):
        model(*inputs)
"""


def log(message: str):
    print(message, file=sys.stderr, flush=True)


def libc_path(binary: str) -> str:
    """The C library the binary loads (from ldd)."""
    for line in subprocess.run(['ldd', binary], capture_output=True, text=True).stdout.splitlines():
        # The C library itself (`libc.so.6 => ...`), not a library whose name contains it (libswiftGlibc.so).
        if line.strip().startswith('libc.so') and '=>' in line:
            return line.split('=>')[1].split('(')[0].strip()
    raise SystemExit(f'cannot find the C library of {binary} (ldd); a static flint links its own allocator, '
                     'so count with the dynamically linked release build')


def ensure_probes(libc: str) -> list[str]:
    """Adds an uprobe per allocator (once per boot); returns the perf event names."""
    existing = subprocess.run(['perf', 'probe', '-l'], capture_output=True, text=True).stdout
    events = []
    for function in ALLOCATORS:
        event = f'probe_libc:{function}'
        if event not in existing:
            made = subprocess.run(['perf', 'probe', '-q', '-x', libc, function], capture_output=True, text=True)
            if made.returncode != 0:
                log(f'  no probe on {function}: {made.stderr.strip()}')
                continue
        events.append(event)
    if not events:
        raise SystemExit('perf probe could not add any allocator probe (root and uprobes are needed)')
    return events


def count_calls(command: list[str], events: list[str]) -> int:
    """Allocator calls made by the whole process (summed over the events).

    Swift seeds its hashing per process, so the one-time work (loading, optimising) iterates its sets and
    dictionaries in a different order each run and allocates a slightly different number of times: tens of
    calls between the two processes, which used to show as a fraction of a call per inference.
    SWIFT_DETERMINISTIC_HASHING makes both processes do the same one-time work."""
    environment = dict(os.environ, SWIFT_DETERMINISTIC_HASHING='1')
    result = subprocess.run(['perf', 'stat', '-x', ',', '-e', ','.join(events), '--'] + command,
                            capture_output=True, text=True, env=environment)
    if result.returncode != 0:
        raise RuntimeError(f'{command[0]} failed: {result.stderr[-2000:]}')
    total = 0
    for line in result.stderr.splitlines():
        fields = line.split(',')
        if len(fields) > 2 and fields[2] in events:
            if not fields[0].strip().isdigit():
                raise RuntimeError(f'perf could not count {fields[2]}: {line}')
            total += int(fields[0])
    return total


def per_inference(make_command, events: list[str], low: int, high: int) -> float:
    return (count_calls(make_command(high), events) - count_calls(make_command(low), events)) / (high - low)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--models', default=','.join(spec.name for spec in bench_zoo.MODELS))
    parser.add_argument('--threads', default='2', help='comma-separated thread counts (default 2)')
    parser.add_argument('--warmup', type=int, default=3, help='inferences before counting (default 3)')
    parser.add_argument('--low', type=int, default=3, help='counted inferences in the first process (default 3)')
    parser.add_argument('--high', type=int, default=103, help='counted inferences in the second process (default 103: the '
                        'process-to-process difference in one-time work, tens of calls, is then a few tenths per inference)')
    parser.add_argument('--flint', default=str(ROOT / '.build/release/flint'))
    parser.add_argument('--fixtures', default=str(ROOT / '.build-fixtures/bench'))
    args = parser.parse_args()
    if args.high <= args.low:
        parser.error('--high must exceed --low')
    events = ensure_probes(libc_path(args.flint))
    print('| model | threads | Flint allocations per inference | torch.jit allocations per inference |')
    print('| --- | ---: | ---: | ---: |')
    for name in args.models.split(','):
        fixture = bench_zoo.prepare(bench_zoo.BY_NAME[name], Path(args.fixtures), False, log)
        inputs = [str(path) for path in fixture.input_paths]
        for threads in [int(t) for t in args.threads.split(',')]:
            log(f'{name}, {threads} thread(s)')
            flags = sum((['--input', path] for path in inputs), [])

            def flint(iters: int) -> list[str]:
                return [args.flint, 'bench', str(fixture.archive), *flags, '--threads', str(threads),
                        '--warmup', str(args.warmup), '--iters', str(iters), '--quiet']

            def torch_jit(iters: int) -> list[str]:
                return [sys.executable, '-W', 'ignore', '-c', TORCH_SCRIPT, str(fixture.archive), str(threads),
                        str(args.warmup), str(iters), *inputs]

            ours = per_inference(flint, events, args.low, args.high)
            theirs = per_inference(torch_jit, events, args.low, args.high)
            print(f'| {fixture.spec.title} | {threads} | {ours:.1f} | {theirs:.1f} |', flush=True)


if __name__ == '__main__':
    main()
