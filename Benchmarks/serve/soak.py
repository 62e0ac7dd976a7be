#!/usr/bin/env python3
r"""Soak test for `flint serve`: the serving benchmark's resnet18 under steady load for a long run, checking that
no request fails and resident memory stays flat.

    python3 Benchmarks/serve/soak.py [--flint .build/flint-static/flint] [--minutes 10] [--clients 8]

Half the clients use tritonclient over HTTP (binary tensors), half over gRPC. RSS is sampled every 5 s;
"flat" compares the mean RSS of the last minute with that of the second minute, and must be within 10%.
Before the clock starts, one request of each batch size 1...8 warms the server: Flint plans each input signature
once (batch norms folded into fresh weights), so the first sight of a batch size allocates a plan that lives as
long as the model; without the warm-up, a rare batch size first formed late in the run looks like growth. Exits 1 on any error or on RSS growth beyond that.
"""
import argparse
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
import numpy as np  # noqa: E402
from bench_serve import ROOT, Flint, cpu_name, make_caller, prepare, rss_kb  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--flint", default=os.path.join(ROOT, ".build", "flint-static", "flint"))
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    repo, _ = prepare()
    server = Flint(args.flint, repo)
    image = np.random.default_rng(1).standard_normal((3, 64, 64)).astype(np.float32)
    import tritonclient.http as client
    warm = client.InferenceServerClient(f"127.0.0.1:{server.http}")
    for batch in range(1, 9):
        inputs = [client.InferInput("INPUT__0", [batch, 3, 64, 64], "FP32")]
        inputs[0].set_data_from_numpy(np.repeat(image[None], batch, axis=0))
        warm.infer("resnet18", inputs)
    stop_at = time.time() + args.minutes * 60
    counts, errors, lock = [0], [0], threading.Lock()

    def worker(kind):
        call = make_caller(kind, server, image)
        done = failed = 0
        while time.time() < stop_at:
            try:
                ok = call()
            except Exception as error:  # noqa: BLE001
                ok = False
                print(f"error: {error}", file=sys.stderr)
            done += 1
            failed += 0 if ok else 1
        with lock:
            counts[0] += done
            errors[0] += failed

    threads = [threading.Thread(target=worker, args=("flint-http" if i % 2 == 0 else "flint-grpc",)) for i in range(args.clients)]
    start = time.time()
    for thread in threads:
        thread.start()
    samples = []
    while time.time() < stop_at:
        samples.append((time.time() - start, rss_kb(server.pids())))
        time.sleep(5)
    for thread in threads:
        thread.join()
    server.stop()
    elapsed = time.time() - start
    second_minute = [kb for t, kb in samples if 60 <= t < 120] or [samples[0][1]]
    last_minute = [kb for t, kb in samples if t >= elapsed - 60] or [samples[-1][1]]
    early, late = np.mean(second_minute) / 1024, np.mean(last_minute) / 1024
    growth = late / early - 1
    print(f"CPU: {cpu_name()}; {args.minutes:.0f} min, {args.clients} clients (HTTP + gRPC)")
    print(f"requests: {counts[0]} ({counts[0] / elapsed:.1f}/s), errors: {errors[0]}")
    print(f"RSS: second minute {early:.1f} MB, last minute {late:.1f} MB ({growth * 100:+.1f}%), "
          f"min {min(kb for _, kb in samples) / 1024:.1f} MB, max {max(kb for _, kb in samples) / 1024:.1f} MB")
    sys.exit(0 if errors[0] == 0 and abs(growth) <= 0.10 else 1)


if __name__ == "__main__":
    main()
