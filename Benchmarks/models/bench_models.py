#!/usr/bin/env python3
"""Whole-model latency, Flint against torch.jit in the same run (batch 1, 2 threads by default).

    swift build -c release --product flint
    python3 Benchmarks/models/bench_models.py [--threads 2] [--iters 30]

Models (random weights, eval): torchvision resnet18 and mobilenet_v2 traced at 1x3x224x224; a 4-layer
256-wide nn.TransformerEncoder (8 heads, FFN 1024) scripted at sequence 128; a 2-layer LSTM (hidden 256)
scripted at sequence 128. Archives and inputs go to .build-fixtures/bench/. Prints a Markdown table.
"""
import argparse, json, os, subprocess, time
import numpy as np
import torch
import torchvision

parser = argparse.ArgumentParser()
parser.add_argument('--threads', type=int, default=2)
parser.add_argument('--iters', type=int, default=30)
parser.add_argument('--flint', default='.build/release/flint')
args = parser.parse_args()
torch.set_num_threads(args.threads)
out = '.build-fixtures/bench'
os.makedirs(out, exist_ok=True)
torch.manual_seed(0)


class Encoder(torch.nn.Module):
    def __init__(self):
        super().__init__()
        layer = torch.nn.TransformerEncoderLayer(256, 8, 1024, dropout=0.0, batch_first=True)
        self.encoder = torch.nn.TransformerEncoder(layer, 4, enable_nested_tensor=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)


class Recurrent(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = torch.nn.LSTM(256, 256, num_layers=2, batch_first=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.lstm(x)[0]


models = [
    ('resnet18 (traced)', 'resnet18', lambda: torch.jit.trace(torchvision.models.resnet18().eval(), torch.rand(1, 3, 224, 224)),
     lambda: torch.rand(1, 3, 224, 224)),
    ('mobilenet_v2 (traced)', 'mobilenet_v2',
     lambda: torch.jit.trace(torchvision.models.mobilenet_v2().eval(), torch.rand(1, 3, 224, 224)), lambda: torch.rand(1, 3, 224, 224)),
    ('transformer encoder 4x256, seq 128 (scripted)', 'encoder', lambda: torch.jit.script(Encoder().eval()), lambda: torch.rand(1, 128, 256)),
    ('LSTM 2x256, seq 128 (scripted)', 'lstm', lambda: torch.jit.script(Recurrent().eval()), lambda: torch.rand(1, 128, 256)),
]
print(f'| model | torch.jit median ms | Flint median ms | ratio | (threads {args.threads}, {args.iters} iterations) |')
print('| --- | --- | --- | --- | --- |')
for title, name, build, make_input in models:
    path = f'{out}/{name}.pt'
    with torch.no_grad():
        module = build()
    torch.jit.save(module, path)
    x = make_input()
    np.save(f'{out}/{name}.npy', x.numpy())
    loaded = torch.jit.load(path)
    with torch.no_grad():
        for _ in range(5):
            loaded(x)
        times = []
        for _ in range(args.iters):
            start = time.perf_counter()
            loaded(x)
            times.append((time.perf_counter() - start) * 1000)
    torch_ms = sorted(times)[len(times) // 2]
    result = subprocess.run([args.flint, 'bench', path, '--input', f'{out}/{name}.npy', '--threads', str(args.threads),
                             '--iters', str(args.iters), '--json'], capture_output=True, text=True)
    if result.returncode != 0:
        print(f'| {title} | {torch_ms:.2f} | failed: {result.stderr.strip().splitlines()[-1][:80]} | | |')
        continue
    flint_ms = json.loads(result.stdout.strip().splitlines()[-1])['median_ms']
    print(f'| {title} | {torch_ms:.2f} | {flint_ms:.2f} | {flint_ms / torch_ms:.2f}x | |')
