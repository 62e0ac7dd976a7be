#!/usr/bin/env python3
"""Quantized TorchScript in Flint against libtorch's fbgemm backend, timed in the same run (issue #13).

    swift build -c release --product flint
    python3 Benchmarks/models/bench_quantized.py [--flint .build/release/flint] [--threads 2] [--rounds 5] [--iters 20]

Models (random weights from a fixed seed, eval mode, fbgemm engine):
  - torchvision.models.quantization resnet18 and mobilenet_v2 at 1x3x224x224: fused, prepared with fbgemm's default
    qconfig, calibrated on 4 random batches, converted, scripted (static int8: quantized::conv2d/linear/add...);
  - Hugging Face BERT-base (12 layers, hidden 768) at sequence 128, torch.ao.quantization.quantize_dynamic on its
    Linear layers (quantized::linear_dynamic, int8 weights), traced.
Files go to .build-fixtures/quantized-bench.

Runtimes, each with T threads: `libtorch` (torch.jit.load, no_grad: fbgemm's kernels) and Flint (`flint bench
--json`, a fresh process per round, its own per-call timing). Each round runs both blocks of --iters timed calls
after 5 warm-up calls, the order alternating; a figure is the median over rounds of the block medians.
Agreement: `flint run` against libtorch's output on the same input — the largest difference, and for the static
models the fraction of outputs that are bit-identical.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import warnings

warnings.filterwarnings("ignore")
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.ao.quantization as tq  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_export import flint_block, time_calls  # noqa: E402
from bench_models import cpu_model  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
WORK = os.path.join(ROOT, ".build-fixtures", "quantized-bench")
torch.backends.quantized.engine = "fbgemm"


def vision(name):
    from torchvision.models import quantization

    torch.manual_seed(0)
    model = getattr(quantization, name)(weights=None, quantize=False).eval()
    model.fuse_model()
    model.qconfig = tq.get_default_qconfig("fbgemm")
    tq.prepare(model, inplace=True)
    with torch.no_grad():
        for _ in range(4):
            model(torch.randn(2, 3, 224, 224))
    tq.convert(model, inplace=True)
    example = (torch.randn(1, 3, 224, 224),)
    return torch.jit.script(model), example


def bert():
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    config = BertConfig(torchscript=True, return_dict=False)
    model = tq.quantize_dynamic(BertModel(config).eval(), {torch.nn.Linear}, dtype=torch.qint8)
    example = (torch.randint(0, 1000, (1, 128)), torch.ones(1, 128, dtype=torch.int64))
    with torch.no_grad():
        return torch.jit.trace(model, example, strict=False), example


MODELS = [("resnet18 int8", lambda: vision("resnet18")), ("mobilenet_v2 int8", lambda: vision("mobilenet_v2")),
          ("BERT-base dynamic int8 seq128", bert)]


def prepare(name, make):
    stem = os.path.join(WORK, name.split()[0])
    if not os.path.exists(stem + ".pt"):
        module, example = make()
        torch.jit.save(module, stem + ".pt")
        for i, x in enumerate(example):
            np.save(f"{stem}.arg{i}.npy", x.numpy())
    example = tuple(torch.from_numpy(np.load(f"{stem}.arg{i}.npy")) for i in range(2 if "BERT" in name else 1))
    return stem, example


def agreement(flint, stem, example, scripted):
    with torch.no_grad():
        expected = scripted(*example)
    expected = (expected[0] if isinstance(expected, (tuple, list)) else expected).numpy()
    with tempfile.TemporaryDirectory() as scratch:
        out = os.path.join(scratch, "out.npz")
        inputs = [item for i in range(len(example)) for item in ("--input", f"{stem}.arg{i}.npy")]
        subprocess.run([flint, "run", *[stem + ".pt"], *inputs, "--output", out, "--quiet"], check=True)
        arrays = np.load(out)
        got = arrays[sorted(arrays.keys())[0]]
    return float(np.abs(got - expected).max()), float((got == expected).mean())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--flint", default=os.path.join(ROOT, ".build", "release", "flint"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--iters", type=int, default=20)
    args = parser.parse_args()
    os.makedirs(WORK, exist_ok=True)
    torch.set_num_threads(args.threads)
    print(f"CPU: {cpu_model()}; torch {torch.__version__} (fbgemm); {args.threads} threads; {args.rounds} rounds x {args.iters} iterations\n")
    print("| model | libtorch fbgemm ms | Flint ms | Flint / libtorch | max difference | bit-identical outputs |")
    print("|---|---|---|---|---|---|")
    for name, make in MODELS:
        stem, example = prepare(name, make)
        inputs = [f"{stem}.arg{i}.npy" for i in range(len(example))]
        scripted = torch.jit.load(stem + ".pt")
        runners = {
            "libtorch": lambda: time_calls(lambda: scripted(*example), args.iters),
            "Flint": lambda: flint_block(args.flint, stem + ".pt", inputs, args.threads, args.iters),
        }
        samples = {c: [] for c in runners}
        order = list(runners)
        with torch.no_grad():
            for r in range(args.rounds):
                for c in (order if r % 2 == 0 else order[::-1]):
                    samples[c].append(runners[c]())
        figures = {c: statistics.median(v) for c, v in samples.items()}
        difference, identical = agreement(args.flint, stem, example, scripted)
        print(f"| {name} | {figures['libtorch']:.2f} | {figures['Flint']:.2f} | {figures['Flint'] / figures['libtorch']:.2f} "
              f"| {difference:.2e} | {identical:.1%} |", flush=True)


if __name__ == "__main__":
    main()
