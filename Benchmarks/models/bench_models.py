#!/usr/bin/env python3
"""Whole-model latency of Flint, torch.jit and ONNX Runtime, timed in the same run (issue #10).

    swift build -c release --product flint
    python3 Benchmarks/models/bench_models.py                          # all nine models, 1 and 2 threads
    python3 Benchmarks/models/bench_models.py --models mlp,resnet18 --threads 1 --rounds 3 --iters 5
    python3 Benchmarks/models/bench_models.py --no-flint               # torch.jit and ORT only (no flint binary)
    python3 Benchmarks/models/bench_models.py --json .build-fixtures/bench/results.json
    python3 Benchmarks/models/bench_models.py --list                   # the model names

Needs torch, torchvision, transformers, onnx, onnxruntime and onnxscript; nothing is downloaded.

Models (bench_zoo.py; random weights from a fixed seed, eval mode, batch 1 unless noted): resnet18,
resnet50, mobilenet_v2, efficientnet_b0 traced at 1x3x224x224; resnet18 traced at batch 8; a 4-layer
256-wide nn.TransformerEncoder (8 heads, FFN 1024, batch_first) scripted, sequence 128; a 2-layer LSTM
(hidden 256) scripted, sequence 64; an MLP 512-1024-1024-10 traced at batch 32; Hugging Face BERT-base
(BertModel(BertConfig(torchscript=True)), random init) traced at sequence 128 with input_ids and
attention_mask (int64). Archives, ONNX files, inputs and torch's reference outputs go to
.build-fixtures/bench/ and are reused on later runs (--rebuild remakes them).

The runtimes, each with T threads (--threads, default 1,2):
  torch.jit    torch.jit.load of the archive, torch.set_num_threads(T), called under torch.no_grad()
  onnxruntime  torch.onnx.export(dynamo=False, opset 17) of the same eager module; InferenceSession on the
               CPU provider with intra_op_num_threads=T, inter_op_num_threads=1, sequential execution and
               graph optimization level ALL; fed numpy arrays (nn.TransformerEncoder is exported with its
               fused fast path off, which has no ONNX form; BERT through a keyword-calling wrapper)
  Flint        `flint bench ARCHIVE --input ... --threads T --warmup W --iters N --json`, a fresh process
               per round
Method: for each thread count and model, --rounds rounds; in each round every runtime runs W untimed
warmup iterations then N timed ones (a block), one runtime after the other (the order rotates from round
to round; torch and ORT also get W + 2 warmup iterations once before the first round). torch and ORT time each
call with time.perf_counter in this process (Python call overhead included); Flint times each call inside
its process. `flint bench` reports only its block's statistics, so every runtime's figure is the same
statistic: the median over rounds of the per-round (block) median. The JSON also holds each round's
medians and, for torch and ORT, the median over all their timed iterations.

Correctness: `flint run ARCHIVE --input ... --output OUT.npz` once per model (at the first thread count)
and ONNX Runtime's first run: the largest |output - torch.jit's output| over all outputs, against the
archive's own output under torch.jit.load.
Load time, per thread count, medians over --rounds (the page cache warm):
  torch.jit    torch.jit.load(ARCHIVE) in this process, then its first call (the profiling executor's run);
               and torch.jit.load in a fresh Python process of its own (after `import torch`, untimed), which is
               how Flint's figures are taken: a load in a process that has loaded before finds libtorch's
               one-time set-up done
  onnxruntime  creating the InferenceSession (reading and optimising the graph), then its first run
  Flint        `load_ms` (read + compile) and `first_call_ms` from each round's fresh `flint bench` process;
               the first call records the method, optimises the graph and plans it for these inputs, then
               runs the plan, so load + optimise is load_ms + first_call_ms - the round's median_ms
The issue's target compares Flint's load + optimise with torch.jit.load; time to the first result (load +
first call) is what a one-shot run or a cold server waits for.
Prints Markdown tables on stdout, progress on stderr.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

warnings.filterwarnings('ignore', category=FutureWarning)   # torch.jit.* deprecation notices
warnings.filterwarnings('ignore', category=DeprecationWarning)

import numpy as np          # noqa: E402
import onnxruntime as ort   # noqa: E402
import torch                # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_zoo            # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
PAUSE_S = 0.05              # between blocks, so the previous runtime's spinning workers have parked


def log(message: str):
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- the three runtimes

class RuntimeFailure(Exception):
    pass


def timed(call, warmup: int, iters: int) -> list[float]:
    """Milliseconds of each of `iters` calls, after `warmup` untimed ones."""
    for _ in range(warmup):
        call()
    times = []
    for _ in range(iters):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return times


class TorchRunner:
    name = 'torch'

    def __init__(self, fixture: bench_zoo.Fixture):
        self.module = torch.jit.load(str(fixture.archive))
        self.inputs = [torch.from_numpy(array) for array in fixture.inputs]

    def block(self, warmup: int, iters: int) -> dict:
        with torch.no_grad():
            return {'times': timed(lambda: self.module(*self.inputs), warmup, iters)}


class OrtRunner:
    name = 'ort'

    def __init__(self, fixture: bench_zoo.Fixture, threads: int):
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(fixture.onnx), options, providers=['CPUExecutionProvider'])
        by_name = dict(zip(fixture.spec.input_names, fixture.inputs))
        self.feed = {node.name: by_name[node.name] for node in self.session.get_inputs()}

    def run(self) -> list[np.ndarray]:
        return self.session.run(None, self.feed)

    def block(self, warmup: int, iters: int) -> dict:
        return {'times': timed(self.run, warmup, iters)}


def flint_input_flags(fixture: bench_zoo.Fixture) -> list[str]:
    flags = []
    for path in fixture.input_paths:
        flags += ['--input', str(path)]
    return flags


def run_flint(command: list[str]) -> subprocess.CompletedProcess:
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    except subprocess.TimeoutExpired:
        raise RuntimeFailure('flint took over 30 minutes') from None
    if result.returncode != 0:
        lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
        raise RuntimeFailure(f'flint exit {result.returncode}: ' + (lines[0][:200] if lines else '(no message)'))
    return result


class FlintRunner:
    name = 'flint'

    def __init__(self, fixture: bench_zoo.Fixture, threads: int, binary: str):
        self.command = [binary, 'bench', str(fixture.archive), *flint_input_flags(fixture), '--threads', str(threads)]

    def block(self, warmup: int, iters: int) -> dict:
        result = run_flint(self.command + ['--warmup', str(warmup), '--iters', str(iters), '--json'])
        return json.loads(result.stdout.strip().splitlines()[-1])


def flint_outputs(fixture: bench_zoo.Fixture, threads: int, binary: str) -> dict[str, np.ndarray]:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / 'out.npz'
        run_flint([binary, 'run', str(fixture.archive), *flint_input_flags(fixture), '--threads', str(threads),
                   '--output', str(out)])
        with np.load(out) as saved:
            return {key: saved[key] for key in saved.files}


# ---------------------------------------------------------------- timing one model

def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def make_runners(fixture: bench_zoo.Fixture, threads: int, args, row: dict) -> list:
    """torch.jit always; ONNX Runtime when the export and the session work (its first run is checked against
    torch's output); Flint unless --no-flint. Failures go to row['errors']."""
    runners = [TorchRunner(fixture)]
    if fixture.onnx is None:
        row['errors']['ort'] = f'ONNX export failed: {fixture.onnx_error}'
    else:
        try:
            ort_runner = OrtRunner(fixture, threads)
            row['ort_max_abs_diff'] = bench_zoo.max_abs_diff(ort_runner.run(), fixture.reference)
            runners.append(ort_runner)
        except Exception as error:      # noqa: BLE001 - shown as '—' with the reason
            row['errors']['ort'] = f'ONNX Runtime failed: {type(error).__name__}: {str(error).splitlines()[0][:200]}'
    if not args.no_flint:
        runners.append(FlintRunner(fixture, threads, args.flint))
    return runners


def run_rounds(runners: list, args, row: dict) -> dict[str, dict]:
    """--rounds rounds, each a block of every runtime in turn (the order rotating); the samples per runtime."""
    for runner in runners:              # torch.jit's profiling executor and ORT's first runs settle here
        if runner.name != 'flint':
            runner.block(args.warmup + 2, 0)
    samples = {runner.name: {'round_medians': [], 'times': [], 'load_ms': [], 'first_call_ms': [], 'peak_rss_mb': []}
               for runner in runners}
    for round_index in range(args.rounds):
        shift = round_index % len(runners)
        for runner in runners[shift:] + runners[:shift]:
            if runner.name in row['errors']:
                continue
            try:
                block = runner.block(args.warmup, args.iters)
            except RuntimeFailure as error:
                row['errors'][runner.name] = str(error)
                continue
            sample = samples[runner.name]
            if 'times' in block:        # torch, ORT: every iteration's time
                sample['round_medians'].append(median(block['times']))
                sample['times'] += block['times']
            else:                       # Flint: flint bench's JSON for the block
                sample['round_medians'].append(block['median_ms'])
                sample['load_ms'].append(block['load_ms'])
                sample['first_call_ms'].append(block['first_call_ms'])
                sample['peak_rss_mb'].append(block['peak_rss_mb'])
            time.sleep(PAUSE_S)
        log(f'    round {round_index + 1}/{args.rounds}: ' + ', '.join(
            f'{name} {sample["round_medians"][-1]:.2f} ms' for name, sample in samples.items()
            if sample['round_medians'] and name not in row['errors']))
    return samples


def time_model(fixture: bench_zoo.Fixture, threads: int, args) -> dict:
    """One table row: the runtimes' figures (row['torch'], row['ort'], row['flint']) and any errors."""
    row: dict = {'title': fixture.spec.title, 'errors': {},
                 'reference_max_abs': max(float(np.abs(array).max()) for array in fixture.reference.values())}
    samples = run_rounds(make_runners(fixture, threads, args, row), args, row)
    for name, sample in samples.items():
        if name in row['errors'] or not sample['round_medians']:
            continue
        figures = {'ms': median(sample['round_medians']), 'round_medians_ms': sample['round_medians']}
        if sample['times']:
            figures['all_iterations_median_ms'] = median(sample['times'])
        else:
            figures['load_ms'] = sample['load_ms']
            figures['first_call_ms'] = sample['first_call_ms']
            # Load + optimise per round: the first call less a steady one (the plan's own run).
            figures['load_optimise_ms'] = [load + first - steady for load, first, steady
                                           in zip(sample['load_ms'], sample['first_call_ms'], sample['round_medians'])]
            figures['peak_rss_mb'] = max(sample['peak_rss_mb'])
        row[name] = figures
    return row


def torch_load_times(fixture: bench_zoo.Fixture, count: int) -> tuple[list[float], list[float]]:
    """torch.jit.load's times and each fresh module's first call's, `count` of each."""
    loads, firsts = [], []
    inputs = [torch.from_numpy(array) for array in fixture.inputs]
    for _ in range(count):
        start = time.perf_counter()
        module = torch.jit.load(str(fixture.archive))
        loaded = time.perf_counter()
        with torch.no_grad():
            module(*inputs)
        loads.append((loaded - start) * 1000)
        firsts.append((time.perf_counter() - loaded) * 1000)
        del module
    return loads, firsts


FRESH_LOAD = '''
import sys, time, torch
torch.set_num_threads(int(sys.argv[2]))
start = time.perf_counter()
torch.jit.load(sys.argv[1])
print((time.perf_counter() - start) * 1000)
'''


def torch_fresh_load_times(fixture: bench_zoo.Fixture, threads: int, count: int) -> list[float]:
    """torch.jit.load's times, each in a fresh Python process (torch imported first, not timed)."""
    times = []
    for _ in range(count):
        done = subprocess.run([sys.executable, '-W', 'ignore', '-c', FRESH_LOAD, str(fixture.archive), str(threads)],
                              capture_output=True, text=True, check=True)
        times.append(float(done.stdout.strip().splitlines()[-1]))
    return times


def ort_session_times(fixture: bench_zoo.Fixture, threads: int, count: int) -> tuple[list[float], list[float]]:
    """ONNX Runtime's session creation times (load + graph optimisation) and each session's first run's."""
    sessions, firsts = [], []
    for _ in range(count):
        start = time.perf_counter()
        runner = OrtRunner(fixture, threads)
        created = time.perf_counter()
        runner.run()
        sessions.append((created - start) * 1000)
        firsts.append((time.perf_counter() - created) * 1000)
        del runner
    return sessions, firsts


# ---------------------------------------------------------------- reporting

def cpu_model() -> str:
    """/proc/cpuinfo's model name, with family/model numbers and AVX-512 (the name alone can be just 'AMD EPYC')."""
    try:
        fields = {}
        for line in Path('/proc/cpuinfo').read_text().splitlines():
            key, _, value = line.partition(':')
            if not key.strip():
                break                       # the first processor's block is enough
            fields.setdefault(key.strip(), value.strip())
        return (f'{fields.get("model name", "?")} (family {fields.get("cpu family", "?")}, model {fields.get("model", "?")}, '
                f'AVX-512 {"yes" if "avx512f" in fields.get("flags", "").split() else "no"})')
    except OSError:
        return platform.processor() or platform.machine()


def fmt_ms(value: float | None) -> str:
    if value is None:
        return '—'
    return f'{value:.3f}' if value < 1 else f'{value:.2f}'


def fmt_ratio(numerator: float | None, denominator: float | None) -> str:
    return '—' if numerator is None or denominator is None else f'{numerator / denominator:.2f}'


def fmt_diff(value) -> str:
    if value is None:
        return '—'
    return value if isinstance(value, str) else f'{value:.1e}'


def geomean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


def ms_of(row: dict, runtime: str) -> float | None:
    return row[runtime]['ms'] if runtime in row else None


def thread_table(threads: int, rows: dict[str, dict], with_flint: bool) -> list[str]:
    lines = [f'### {threads} thread{"s" if threads != 1 else ""}', '',
             '| model | torch.jit ms | onnxruntime ms | Flint ms | Flint / torch | Flint / ORT | Flint max abs diff '
             '| ORT max abs diff | max abs torch output |',
             '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |']
    notes = []
    for name, row in rows.items():
        torch_ms, ort_ms, flint_ms = ms_of(row, 'torch'), ms_of(row, 'ort'), ms_of(row, 'flint')
        marks = ''
        for runtime, message in row['errors'].items():
            notes.append(f'{len(notes) + 1}. {name}, {runtime}: {message}')
            marks += f' [{len(notes)}]'
        lines.append(f'| {row["title"]}{marks} | {fmt_ms(torch_ms)} | {fmt_ms(ort_ms)} | {fmt_ms(flint_ms)} | '
                     f'{fmt_ratio(flint_ms, torch_ms)} | {fmt_ratio(flint_ms, ort_ms)} | '
                     f'{fmt_diff(row.get("flint_max_abs_diff"))} | {fmt_diff(row.get("ort_max_abs_diff"))} | '
                     f'{fmt_diff(row["reference_max_abs"])} |')
    shown = ['torch', 'ort'] + (['flint'] if with_flint else [])
    complete = [row for row in rows.values() if all(runtime in row for runtime in shown)]
    if complete:
        means = {runtime: geomean([row[runtime]['ms'] for row in complete]) for runtime in shown}
        lines.append(f'| **geomean** ({len(complete)} models with every runtime) | {fmt_ms(means["torch"])} | '
                     f'{fmt_ms(means["ort"])} | {fmt_ms(means.get("flint"))} | '
                     f'{fmt_ratio(means.get("flint"), means["torch"])} | {fmt_ratio(means.get("flint"), means["ort"])} | | | |')
    return lines + ([''] + notes if notes else []) + ['']


def load_table(loads: dict[str, dict[str, dict]]) -> list[str]:
    """Per thread count and model: each runtime's load and first call, Flint's load + optimise against
    torch.jit.load (the issue's target) and the time to a first result against torch's and ORT's."""
    lines = ['### Load time', '',
             'Medians in ms. Flint load + optimise = load_ms + first_call_ms - the steady median (see the script\'s help).', '',
             '| model | threads | torch.jit.load | torch.jit.load, fresh process | torch first call | ORT session | ORT first run | '
             'Flint load_ms | Flint first call | Flint load + optimise | Flint load + optimise / torch.jit.load | '
             'Flint load + optimise / fresh torch.jit.load | first result, Flint / torch | first result, Flint / ORT |',
             '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |']
    for threads, models in loads.items():
        for load in models.values():
            figure = {key: median(values) if values else None for key, values in load.items() if key != 'title'}
            def total(first: str, second: str):
                return None if figure[first] is None or figure[second] is None else figure[first] + figure[second]
            torch_first, ort_first, flint_first = total('torch_ms', 'torch_first_ms'), total('ort_ms', 'ort_first_ms'), \
                total('flint_ms', 'flint_first_ms')
            fresh = figure.get('torch_fresh_ms')
            lines.append(f'| {load["title"]} | {threads} | {fmt_ms(figure["torch_ms"])} | {fmt_ms(fresh)} | {fmt_ms(figure["torch_first_ms"])} | '
                         f'{fmt_ms(figure["ort_ms"])} | {fmt_ms(figure["ort_first_ms"])} | {fmt_ms(figure["flint_ms"])} | '
                         f'{fmt_ms(figure["flint_first_ms"])} | {fmt_ms(figure["flint_optimise_ms"])} | '
                         f'{fmt_ratio(figure["flint_optimise_ms"], figure["torch_ms"])} | {fmt_ratio(figure["flint_optimise_ms"], fresh)} | '
                         f'{fmt_ratio(flint_first, torch_first)} | '
                         f'{fmt_ratio(flint_first, ort_first)} |')
    return lines + ['']


# ---------------------------------------------------------------- main

def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--models', default=','.join(spec.name for spec in bench_zoo.MODELS),
                        help='comma-separated model names (default: all; --list shows them)')
    parser.add_argument('--threads', default='1,2', help='comma-separated thread counts (default 1,2)')
    parser.add_argument('--rounds', type=int, default=5, help='interleaved rounds per model (default 5)')
    parser.add_argument('--iters', type=int, default=10, help='timed iterations per runtime per round (default 10)')
    parser.add_argument('--warmup', type=int, default=3, help='untimed iterations before each block (default 3)')
    parser.add_argument('--flint', default=str(ROOT / '.build/release/flint'), help='the flint binary')
    parser.add_argument('--no-flint', action='store_true', help='time torch.jit and ONNX Runtime only')
    parser.add_argument('--fixtures', default=str(ROOT / '.build-fixtures/bench'), help='where archives go')
    parser.add_argument('--rebuild', action='store_true', help='remake archives, ONNX files and inputs')
    parser.add_argument('--json', metavar='OUT', help='also write every figure to this JSON file')
    parser.add_argument('--list', action='store_true', help='list the models and exit')
    args = parser.parse_args()
    if args.list:
        for spec in bench_zoo.MODELS:
            print(f'{spec.name:16} {spec.title}')
        sys.exit(0)
    args.model_names = [name.strip() for name in args.models.split(',') if name.strip()]
    unknown = [name for name in args.model_names if name not in bench_zoo.BY_NAME]
    if unknown:
        parser.error(f'unknown model(s) {", ".join(unknown)}; choose from {", ".join(bench_zoo.BY_NAME)}')
    args.thread_counts = [int(t) for t in args.threads.split(',')]
    if args.rounds < 1 or args.iters < 1 or args.warmup < 0 or min(args.thread_counts) < 1:
        parser.error('--rounds, --iters and --threads must be at least 1, --warmup at least 0')
    if not args.no_flint and not os.access(args.flint, os.X_OK):
        parser.error(f'no flint binary at {args.flint} (swift build -c release --product flint, or --no-flint)')
    return args


def flint_correctness(fixtures: dict[str, bench_zoo.Fixture], args) -> dict[str, float | str | RuntimeFailure]:
    """`flint run` on each model once (first thread count): max abs difference from torch.jit's output."""
    log('correctness: flint run ...')
    diffs = {}
    for name, fixture in fixtures.items():
        try:
            got = flint_outputs(fixture, args.thread_counts[0], args.flint)
            diffs[name] = bench_zoo.max_abs_diff(got, fixture.reference)
        except RuntimeFailure as error:
            diffs[name] = error
    return diffs


def header_lines(report: dict, args) -> list[str]:
    return ['## Whole models: torch.jit, ONNX Runtime and Flint', '',
            f'CPU: {report["cpu"]} ({report["logical_cpus"]} logical CPUs); torch {report["torch"]}, '
            f'onnxruntime {report["onnxruntime"]}' + ('' if args.no_flint else f', flint {args.flint}') +
            f'; 1-minute load average {report["load_average_before"]:.2f} before, '
            f'{report["load_average_after"]:.2f} after (anything else running skews the figures)', '',
            f'Each figure: median over {args.rounds} interleaved rounds of the round\'s median of {args.iters} timed '
            f'iterations (after {args.warmup} warmup). Max abs diff: largest |output - torch.jit\'s output| over all '
            'outputs (the last column gives their scale).', '']


def main():
    args = parse_args()
    report = {'cpu': cpu_model(), 'logical_cpus': os.cpu_count(), 'torch': torch.__version__,
              'onnxruntime': ort.__version__, 'flint': None if args.no_flint else args.flint,
              'rounds': args.rounds, 'iters': args.iters, 'warmup': args.warmup,
              'statistic': "median over rounds of each round's median", 'load_average_before': os.getloadavg()[0],
              'threads': {}}
    log(f'fixtures in {args.fixtures}')
    fixtures = {name: bench_zoo.prepare(bench_zoo.BY_NAME[name], Path(args.fixtures), args.rebuild, log)
                for name in args.model_names}
    diffs = {} if args.no_flint else flint_correctness(fixtures, args)
    loads: dict[str, dict[str, dict]] = {}
    for threads in args.thread_counts:
        torch.set_num_threads(threads)
        rows = report['threads'][str(threads)] = {}
        loads[str(threads)] = {name: {'title': fixture.spec.title} for name, fixture in fixtures.items()}
        for name, fixture in fixtures.items():
            log(f'{threads} thread(s): {name}')
            row = rows[name] = time_model(fixture, threads, args)
            if isinstance(diffs.get(name), RuntimeFailure):
                row['flint_max_abs_diff'] = 'run failed'
                row['errors']['flint run'] = str(diffs[name])
            elif name in diffs:
                row['flint_max_abs_diff'] = diffs[name]
            load = loads[str(threads)][name]
            load['torch_ms'], load['torch_first_ms'] = torch_load_times(fixture, args.rounds)
            load['torch_fresh_ms'] = torch_fresh_load_times(fixture, threads, args.rounds)
            load['ort_ms'], load['ort_first_ms'] = ([], []) if 'ort' in row['errors'] or 'ort' not in row \
                else ort_session_times(fixture, threads, args.rounds)
            flint = row.get('flint', {})
            load['flint_ms'], load['flint_first_ms'] = flint.get('load_ms', []), flint.get('first_call_ms', [])
            load['flint_optimise_ms'] = flint.get('load_optimise_ms', [])
    report['load_average_after'] = os.getloadavg()[0]
    report['load'] = loads

    lines = header_lines(report, args)
    for threads in args.thread_counts:
        lines += thread_table(threads, report['threads'][str(threads)], not args.no_flint)
    lines += load_table(loads)
    print('\n'.join(lines))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report, indent=1) + '\n')
        log(f'wrote {args.json}')


if __name__ == '__main__':
    main()
