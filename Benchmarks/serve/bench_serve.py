#!/usr/bin/env python3
r"""Serving load benchmark: traced torchvision resnet18 (3x64x64 input, batch dimension, dynamic batching up to
8 with a 2 ms delay) served by Flint (`flint serve`, driven by tritonclient over HTTP with binary tensors and over
gRPC) and by TorchServe (native /predictions API, 1 worker, batch 8, 2 ms max batch delay), in the same run.

    python3 Benchmarks/serve/bench_serve.py [--flint .build/flint-static/flint] [--seconds 20] [--rounds 2]
                                            [--clients 16] [--json OUT.json]

Each round runs every target for --seconds with --clients concurrent keep-alive clients (threads, one
connection each) after a warm-up, in the order TorchServe, Flint HTTP, Flint gRPC (rounds interleave the
targets). Reported per target: requests/s, p50/p99 latency (ms) over all rounds, errors, and the server's
peak resident memory (TorchServe: its Java frontend plus the Python worker). Needs torch, torchvision,
tritonclient[http,grpc], torchserve, torch-model-archiver and Java 17. Everything generated goes under
.build-fixtures/serve-bench.
"""
import argparse
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import warnings

warnings.filterwarnings("ignore")
import numpy as np  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
WORK = os.path.join(ROOT, ".build-fixtures", "serve-bench")

CONFIG = """name: "resnet18"
platform: "pytorch_libtorch"
max_batch_size: 8
input [ { name: "INPUT__0", data_type: TYPE_FP32, dims: [ 3, 64, 64 ] } ]
output [ { name: "OUTPUT__0", data_type: TYPE_FP32, dims: [ 1000 ] } ]
dynamic_batching { max_queue_delay_microseconds: 2000 }
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def rss_kb(pids):
    total = 0
    for pid in pids:
        try:
            for line in open(f"/proc/{pid}/status"):
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def descendants(pid):
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True).stdout.split("\n")
    children = {}
    for line in out:
        parts = line.split()
        if len(parts) == 2:
            children.setdefault(int(parts[1]), []).append(int(parts[0]))
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(children.get(current, []))
    return found


def prepare():
    import torch
    import torchvision

    repo = os.path.join(WORK, "repository")
    model_dir = os.path.join(repo, "resnet18", "1")
    os.makedirs(model_dir, exist_ok=True)
    archive = os.path.join(model_dir, "model.pt")
    if not os.path.exists(archive):
        torch.manual_seed(0)
        model = torchvision.models.resnet18().eval()
        torch.jit.save(torch.jit.trace(model, torch.randn(1, 3, 64, 64)), archive)
    with open(os.path.join(repo, "resnet18", "config.pbtxt"), "w") as f:
        f.write(CONFIG)
    store = os.path.join(WORK, "torchserve-store")
    mar = os.path.join(store, "resnet18.mar")
    if not os.path.exists(mar):
        os.makedirs(store, exist_ok=True)
        subprocess.run(["torch-model-archiver", "--model-name", "resnet18", "--version", "1.0", "--serialized-file", archive,
                        "--handler", os.path.join(os.path.dirname(__file__), "torchserve_handler.py"),
                        "--export-path", store, "--force"], check=True)
    return repo, store


def wait_http(url, timeout=180):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except Exception:
            time.sleep(0.2)
    raise RuntimeError(f"{url} never became ready")


class Flint:
    threads = None

    def __init__(self, binary, repo):
        self.http, self.grpc = free_port(), free_port()
        threads = ["--threads", str(Flint.threads)] if Flint.threads else []
        self.process = subprocess.Popen([binary, "serve", "--model-repository", repo, "--http-port", str(self.http),
                                         "--grpc-port", str(self.grpc), "--no-metrics", "--log-level", "warning"] + threads)
        wait_http(f"http://127.0.0.1:{self.http}/v2/health/ready")

    def pids(self):
        return [self.process.pid]

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(30)


class TorchServe:
    def __init__(self, store):
        self.port, management, metrics = free_port(), free_port(), free_port()
        properties = os.path.join(WORK, "config.properties")
        models = {"resnet18": {"1.0": {"defaultVersion": True, "marName": "resnet18.mar", "minWorkers": 1, "maxWorkers": 1,
                                       "batchSize": 8, "maxBatchDelay": 2, "responseTimeout": 120}}}
        with open(properties, "w") as f:
            f.write(f"inference_address=http://127.0.0.1:{self.port}\nmanagement_address=http://127.0.0.1:{management}\n"
                    f"metrics_address=http://127.0.0.1:{metrics}\ndisable_token_authorization=true\nenable_model_api=false\n"
                    f"default_workers_per_model=1\nmodel_store={store}\nload_models=resnet18.mar\nmodels={json.dumps(models)}\n"
                    f"disable_system_metrics=true\n")
        log_dir = os.path.join(WORK, "torchserve-logs")
        os.makedirs(log_dir, exist_ok=True)
        env = dict(os.environ, LOG_LOCATION=log_dir, METRICS_LOCATION=log_dir)
        self.process = subprocess.Popen(["torchserve", "--start", "--foreground", "--ncs", "--ts-config", properties,
                                         "--model-store", store, "--disable-token-auth"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=WORK)
        deadline = time.time() + 180
        body = np.zeros((3, 64, 64), np.float32).tobytes()
        while True:
            try:
                request = urllib.request.Request(f"http://127.0.0.1:{self.port}/predictions/resnet18", data=body,
                                                 headers={"Content-Type": "application/octet-stream"})
                with urllib.request.urlopen(request, timeout=10) as response:
                    if response.status == 200:
                        break
            except Exception:
                if time.time() > deadline:
                    raise RuntimeError("TorchServe never answered")
                time.sleep(0.5)

    def pids(self):
        return descendants(self.process.pid)

    def stop(self):
        subprocess.run(["torchserve", "--stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def make_caller(kind, server, image):
    """A function that makes one request on its own keep-alive connection and checks the answer."""
    if kind == "torchserve":
        import http.client
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        body = image.tobytes()

        def call():
            connection.request("POST", "/predictions/resnet18", body=body, headers={"Content-Type": "application/octet-stream"})
            response = connection.getresponse()
            data = response.read()
            return response.status == 200 and len(data) == 4000
        return call
    if kind == "flint-http":
        import tritonclient.http as client
        triton = client.InferenceServerClient(f"127.0.0.1:{server.http}", connection_timeout=60, network_timeout=60)
        inputs = [client.InferInput("INPUT__0", [1, 3, 64, 64], "FP32")]
        inputs[0].set_data_from_numpy(image[None], binary_data=True)
        outputs = [client.InferRequestedOutput("OUTPUT__0", binary_data=True)]

        def call():
            return triton.infer("resnet18", inputs, outputs=outputs).as_numpy("OUTPUT__0").shape == (1, 1000)
        return call
    import tritonclient.grpc as client
    triton = client.InferenceServerClient(f"127.0.0.1:{server.grpc}")
    inputs = [client.InferInput("INPUT__0", [1, 3, 64, 64], "FP32")]
    inputs[0].set_data_from_numpy(image[None])

    def call():
        return triton.infer("resnet18", inputs).as_numpy("OUTPUT__0").shape == (1, 1000)
    return call


def drive(kind, server, clients, seconds, image):
    latencies, errors, lock = [], [0], threading.Lock()
    # Infinite until the main thread has passed the barrier and set the end: a worker that passes the barrier
    # first must not see an end time of 0 and skip the measurement.
    stop_at = [float("inf")]
    peak = [0]
    barrier = threading.Barrier(clients + 1)

    def worker():
        call = make_caller(kind, server, image)
        for _ in range(3):
            call()
        barrier.wait()
        mine, failed = [], 0
        while time.perf_counter() < stop_at[0]:
            start = time.perf_counter()
            try:
                ok = call()
            except Exception:
                ok = False
            mine.append(time.perf_counter() - start)
            failed += 0 if ok else 1
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    began = time.perf_counter()
    stop_at[0] = began + seconds
    while time.perf_counter() < stop_at[0]:
        peak[0] = max(peak[0], rss_kb(server.pids()))
        time.sleep(0.5)
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    return latencies, errors[0], elapsed, peak[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--flint", default=os.path.join(ROOT, ".build", "flint-static", "flint"))
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--flint-threads", type=int, help="kernel threads for flint serve (default: its own choice)")
    parser.add_argument("--targets", default="torchserve,flint-http,flint-grpc")
    parser.add_argument("--json")
    args = parser.parse_args()
    repo, store = prepare()
    image = np.random.default_rng(0).standard_normal((3, 64, 64)).astype(np.float32)
    results = {k: {"latencies": [], "errors": 0, "requests": 0, "seconds": 0.0, "rss_kb": 0}
               for k in args.targets.split(",")}
    Flint.threads = args.flint_threads
    for round_index in range(args.rounds):
        for kind in results:
            server = TorchServe(store) if kind == "torchserve" else Flint(args.flint, repo)
            try:
                latencies, errors, elapsed, peak = drive(kind, server, args.clients, args.seconds, image)
            finally:
                server.stop()
            entry = results[kind]
            entry["latencies"] += latencies
            entry["errors"] += errors
            entry["requests"] += len(latencies)
            entry["seconds"] += elapsed
            entry["rss_kb"] = max(entry["rss_kb"], peak)
            print(f"round {round_index + 1} {kind}: {len(latencies) / elapsed:.1f} req/s, errors {errors}", file=sys.stderr)
    print(f"CPU: {cpu_name()} ({os.cpu_count()} cores); resnet18 3x64x64, {args.clients} keep-alive clients, "
          f"{args.rounds} rounds x {args.seconds:.0f} s per target")
    print("| server | req/s | p50 ms | p99 ms | errors | peak RSS MB |")
    print("|---|---|---|---|---|---|")
    summary = {}
    for kind, entry in results.items():
        lat = np.array(entry["latencies"]) * 1000
        row = {"throughput": entry["requests"] / entry["seconds"], "p50_ms": float(np.percentile(lat, 50)),
               "p99_ms": float(np.percentile(lat, 99)), "errors": entry["errors"], "rss_mb": entry["rss_kb"] / 1024}
        summary[kind] = row
        print(f"| {kind} | {row['throughput']:.1f} | {row['p50_ms']:.1f} | {row['p99_ms']:.1f} | {row['errors']} | {row['rss_mb']:.0f} |")
    for kind in [k for k in ("flint-http", "flint-grpc") if k in summary and "torchserve" in summary]:
        print(f"{kind} / torchserve throughput: {summary[kind]['throughput'] / summary['torchserve']['throughput']:.2f}x")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"cpu": cpu_name(), "results": summary}, f, indent=1)


if __name__ == "__main__":
    main()
