#!/usr/bin/env python3
"""Per-operator dispatch cost: a scripted loop of 10,000 tiny ops, timed in torch.jit (same machine).

    python3 Benchmarks/dispatch/dispatch_torch.py           # writes .build-fixtures/dispatch_*.pt, prints torch's times
    swift build -c release --product flint
    .build/release/flint bench .build-fixtures/dispatch_int.pt --input int:10000 --json
    .build/release/flint bench .build-fixtures/dispatch_tensor.pt --input int:10000 --json
Each loop iteration runs 3 operators (add, lt/compare via the loop, and the op under test), so
per-op cost ~ time / (iterations * ops per iteration) as printed below.
"""
import os, time, torch

class IntLoop(torch.nn.Module):
    def forward(self, n: int) -> int:
        acc = 0
        for i in range(n):
            acc = acc + i
            acc = acc ^ 3
        return acc

class TensorLoop(torch.nn.Module):
    def forward(self, n: int) -> torch.Tensor:
        x = torch.zeros([1])
        for i in range(n):
            x = torch.add(x, 1.0)
            x = torch.mul(x, 0.5)
        return x

os.makedirs('.build-fixtures', exist_ok=True)
torch.set_num_threads(1)
for name, module in [('int', IntLoop()), ('tensor', TensorLoop())]:
    scripted = torch.jit.script(module)
    path = f'.build-fixtures/dispatch_{name}.pt'
    torch.jit.save(scripted, path)
    loaded = torch.jit.load(path)
    for _ in range(5): loaded(10000)
    times = []
    for _ in range(20):
        t = time.perf_counter(); loaded(10000); times.append((time.perf_counter() - t) * 1000)
    times.sort()
    median = times[len(times) // 2]
    print(f'{name}: torch.jit median {median:.3f} ms for 20,000 ops = {median * 1000 / 20000:.3f} us/op')
