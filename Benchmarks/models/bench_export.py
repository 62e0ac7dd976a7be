#!/usr/bin/env python3
"""torch.export programs against TorchScript archives of the same models, in PyTorch and in Flint, timed in
the same run (issue #13).

    swift build -c release --product flint
    python3 Benchmarks/models/bench_export.py [--flint .build/release/flint] [--threads 2] [--rounds 5] [--iters 20]

Models (random weights from a fixed seed, eval mode): torchvision resnet18 and mobilenet_v2 at 1x3x224x224,
and a 4-layer Hugging Face BERT (hidden 256, 4 heads) at sequence 128. Each is traced and saved with
torch.jit.save (.pt) and exported with torch.export.export (dynamic batch or sequence) and saved with
torch.export.save (.pt2); the `--decomposed` variant also saves run_decompositions()'s core-ATen program.
Files go to .build-fixtures/export-bench.

Runtimes, each with T threads: `torch.jit` (torch.jit.load, no_grad), `torch.export` (torch.export.load(...)
.module(), the eager program PyTorch runs, no_grad), and Flint on the .pt and on the .pt2 (`flint bench
--json`, a fresh process per round, its own per-call timing). Each round runs every runtime's block of
--iters timed calls after 5 warm-up calls, the order rotating; a figure is the median over rounds of the
block medians. Correctness: `flint run` on the .pt2 against the exported program's own output.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

warnings.filterwarnings("ignore")
import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_models import cpu_model  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
WORK = os.path.join(ROOT, ".build-fixtures", "export-bench")


def models():
    import torchvision
    from transformers import BertConfig, BertModel

    def vision(name):
        torch.manual_seed(0)
        model = torchvision.models.get_model(name, weights=None).eval()
        # Exported at batch 2 (torch.export specialises a dynamic size seen as 1), timed at batch 1.
        return model, (torch.randn(1, 3, 224, 224),), {"x": {0: torch.export.Dim("batch", min=1, max=32)}}

    def bert():
        torch.manual_seed(0)
        config = BertConfig(num_hidden_layers=4, hidden_size=256, num_attention_heads=4, intermediate_size=1024, torchscript=True, return_dict=False)
        model = BertModel(config).eval()
        seq = torch.export.Dim("seq", min=2, max=512)
        return model, (torch.randint(0, 1000, (1, 128)), torch.ones(1, 128, dtype=torch.int64)), {"input_ids": {1: seq}, "attention_mask": {1: seq}}

    return [("resnet18", lambda: vision("resnet18")), ("mobilenet_v2", lambda: vision("mobilenet_v2")), ("bert 4x256 seq128", bert)]


def prepare(name, make, decomposed):
    stem = os.path.join(WORK, name.split()[0])
    model, example, dynamic = make()
    if not os.path.exists(stem + ".pt2"):
        with torch.no_grad():
            torch.jit.save(torch.jit.trace(model, example, strict=False), stem + ".pt")
        traced_example = tuple(torch.cat([x, x]) if x.shape[0] == 1 and "x" in dynamic else x for x in example)
        program = torch.export.export(model, traced_example, dynamic_shapes=dynamic)
        torch.export.save(program, stem + ".pt2")
        torch.export.save(program.run_decompositions(), stem + ".core.pt2")
        for i, x in enumerate(example):
            np.save(f"{stem}.arg{i}.npy", x.numpy())
    return stem, example


def time_calls(call, iters):
    for _ in range(5):
        call()
    samples = []
    for _ in range(iters):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def flint_block(flint, archive, inputs, threads, iters):
    command = [flint, "bench", archive, "--threads", str(threads), "--warmup", "5", "--iters", str(iters), "--json", "--quiet"]
    for path in inputs:
        command += ["--input", path]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip().splitlines()[0] if result.stderr else "flint bench failed")
    return json.loads(result.stdout.strip().splitlines()[-1])["median_ms"]


def check(flint, stem, example, archive):
    expected = torch.export.load(archive).module()(*example)
    expected = expected[0] if isinstance(expected, (tuple, list)) else expected
    with tempfile.TemporaryDirectory() as scratch:
        out = os.path.join(scratch, "out.npz")
        inputs = [item for i in range(len(example)) for item in ("--input", f"{stem}.arg{i}.npy")]
        subprocess.run([flint, "run", archive, *inputs, "--output", out, "--quiet"], check=True)
        arrays = np.load(out)
        got = arrays["out"] if "out" in arrays else arrays[sorted(arrays.keys())[0]]
    return float(np.abs(got - expected.detach().numpy()).max())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--flint", default=os.path.join(ROOT, ".build", "release", "flint"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--iters", type=int, default=20)
    parser.add_argument("--decomposed", action="store_true", help="also time the core-ATen program in Flint")
    args = parser.parse_args()
    os.makedirs(WORK, exist_ok=True)
    torch.set_num_threads(args.threads)
    print(f"CPU: {cpu_model()}; torch {torch.__version__}; {args.threads} threads; {args.rounds} rounds x {args.iters} iterations\n")
    columns = ["torch.jit", "torch.export", "Flint .pt", "Flint .pt2"] + (["Flint core .pt2"] if args.decomposed else [])
    print("| model | " + " | ".join(f"{c} ms" for c in columns) + " | Flint .pt2 / torch.export | Flint .pt2 max error |")
    print("|---|" + "---|" * (len(columns) + 2))
    for name, make in models():
        stem, example = prepare(name, make, args.decomposed)
        inputs = [f"{stem}.arg{i}.npy" for i in range(len(example))]
        scripted = torch.jit.load(stem + ".pt")
        exported = torch.export.load(stem + ".pt2").module()
        runners = {
            "torch.jit": lambda: time_calls(lambda: scripted(*example), args.iters),
            "torch.export": lambda: time_calls(lambda: exported(*example), args.iters),
            "Flint .pt": lambda: flint_block(args.flint, stem + ".pt", inputs, args.threads, args.iters),
            "Flint .pt2": lambda: flint_block(args.flint, stem + ".pt2", inputs, args.threads, args.iters),
            "Flint core .pt2": lambda: flint_block(args.flint, stem + ".core.pt2", inputs, args.threads, args.iters),
        }
        samples = {c: [] for c in columns}
        with torch.no_grad():
            for r in range(args.rounds):
                for c in columns[r % len(columns):] + columns[:r % len(columns)]:
                    samples[c].append(runners[c]())
        figures = {c: statistics.median(v) for c, v in samples.items()}
        with torch.no_grad():
            error = check(args.flint, stem, example, stem + ".pt2")
        print(f"| {name} | " + " | ".join(f"{figures[c]:.2f}" for c in columns)
              + f" | {figures['Flint .pt2'] / figures['torch.export']:.2f} | {error:.1e} |", flush=True)


if __name__ == "__main__":
    main()
