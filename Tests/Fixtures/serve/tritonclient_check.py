#!/usr/bin/env python3
"""Drives a running `flint serve` (on Tests/Fixtures/serve/repository) with NVIDIA's own clients,
tritonclient.http and tritonclient.grpc, unchanged, and checks every answer against libtorch's
(Tests/Fixtures/serve/expected.json).

    python3 tritonclient_check.py HTTP_PORT GRPC_PORT

Prints one line per check and "ok: N checks" at the end; exits 1 on the first failure.
"""
import json
import os
import sys

import numpy as np
import tritonclient.grpc as grpcclient
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

HERE = os.path.dirname(os.path.abspath(__file__))
EXPECTED = json.load(open(os.path.join(HERE, "expected.json")))
checks = 0


def array(key, dtype):
    entry = EXPECTED[key]
    return np.array(entry["data"], dtype=dtype).reshape(entry["shape"])


def check(name, condition, detail=""):
    global checks
    checks += 1
    if not condition:
        print(f"FAIL {name} {detail}")
        sys.exit(1)
    print(f"pass {name}")


def close(a, b):
    return a.shape == b.shape and np.allclose(a, b, rtol=1e-4, atol=1e-5)


def refused(call, status_words):
    try:
        call()
    except InferenceServerException as error:
        text = f"{error.status()} {error.message()}"
        return any(word in text for word in status_words), text
    return False, "no error"


def run(client, module, protocol):
    check(f"{protocol} live", client.is_server_live())
    check(f"{protocol} ready", client.is_server_ready())
    check(f"{protocol} model ready", client.is_model_ready("classifier"))
    meta = client.get_server_metadata()
    meta = meta if isinstance(meta, dict) else {"name": meta.name, "extensions": list(meta.extensions)}
    check(f"{protocol} server metadata", meta["name"] == "flint" and "binary_tensor_data" in meta["extensions"], meta)
    model_meta = client.get_model_metadata("classifier")
    if not isinstance(model_meta, dict):
        model_meta = {"platform": model_meta.platform, "versions": list(model_meta.versions),
                      "inputs": [{"name": t.name, "datatype": t.datatype, "shape": list(t.shape)} for t in model_meta.inputs]}
    check(f"{protocol} model metadata", model_meta["platform"] == "pytorch_libtorch" and model_meta["versions"] == ["1", "2"]
          and model_meta["inputs"][0]["shape"] == [-1, 3, 16, 16], model_meta)

    images = array("classifier_input", np.float32)
    for binary in ([True, False] if protocol == "http" else [None]):
        inp = module.InferInput("INPUT__0", list(images.shape), "FP32")
        if binary is None:
            inp.set_data_from_numpy(images)
            out = [module.InferRequestedOutput("OUTPUT__0")]
        else:
            inp.set_data_from_numpy(images, binary_data=binary)
            out = [module.InferRequestedOutput("OUTPUT__0", binary_data=binary)]
        result = client.infer("classifier", [inp], outputs=out)
        label = f"{protocol} classifier batch 8 (latest = version 2){'' if binary is None else ' binary' if binary else ' json'}"
        check(label, close(result.as_numpy("OUTPUT__0"), array("classifier_v2", np.float32)))
        check(f"{protocol} response names version 2", str(result.get_response()["model_version"] if isinstance(result.get_response(), dict) else result.get_response().model_version) == "2")
    inp = module.InferInput("INPUT__0", [2, 3, 16, 16], "FP32")
    inp.set_data_from_numpy(images[:2])
    result = client.infer("classifier", [inp], model_version="1")
    check(f"{protocol} classifier version 1", close(result.as_numpy("OUTPUT__0"), array("classifier_v1", np.float32)[:2]))

    a, b = array("add_sub_a", np.float32), array("add_sub_b", np.float32)
    inputs = [module.InferInput("INPUT__0", list(a.shape), "FP32"), module.InferInput("INPUT__1", list(b.shape), "FP32")]
    inputs[0].set_data_from_numpy(a)
    inputs[1].set_data_from_numpy(b)
    result = client.infer("add_sub", inputs)
    check(f"{protocol} add_sub (no config) both outputs", close(result.as_numpy("OUTPUT__0"), array("add_sub_sum", np.float32))
          and close(result.as_numpy("OUTPUT__1"), array("add_sub_difference", np.float32)))
    result = client.infer("add_sub", inputs, outputs=[module.InferRequestedOutput("OUTPUT__1")])
    check(f"{protocol} requested output only", result.as_numpy("OUTPUT__0") is None
          and close(result.as_numpy("OUTPUT__1"), array("add_sub_difference", np.float32)))

    ai, bi = array("add_sub_int_a", np.int64), array("add_sub_int_b", np.int64)
    inputs = [module.InferInput("INPUT__0", list(ai.shape), "INT64"), module.InferInput("INPUT__1", list(bi.shape), "INT64")]
    inputs[0].set_data_from_numpy(ai)
    inputs[1].set_data_from_numpy(bi)
    result = client.infer("add_sub", inputs)
    check(f"{protocol} INT64 keeps 2^40 exactly", np.array_equal(result.as_numpy("OUTPUT__0"), array("add_sub_int_sum", np.int64)))

    left, right = array("pair_left", np.int64), array("pair_right", np.int64)
    inputs = [module.InferInput("right", list(right.shape), "INT64"), module.InferInput("left", list(left.shape), "INT64")]
    inputs[0].set_data_from_numpy(right)
    inputs[1].set_data_from_numpy(left)
    result = client.infer("pair_named", inputs)
    check(f"{protocol} inputs bound by argument name", np.array_equal(result.as_numpy("OUTPUT__0"), array("pair_product", np.int64))
          and close(result.as_numpy("OUTPUT__1"), array("pair_mean", np.float64)))

    ok, text = refused(lambda: client.infer("missing_model", inputs), ["404", "NOT_FOUND", "StatusCode.NOT_FOUND", "unknown model"])
    check(f"{protocol} unknown model refused", ok, text)
    inp = module.InferInput("INPUT__0", [1, 3, 16, 16], "FP32")
    inp.set_data_from_numpy(images[:1])
    ok, text = refused(lambda: client.infer("classifier", [inp], model_version="7"), ["404", "NOT_FOUND", "no version 7"])
    check(f"{protocol} unserved version refused", ok, text)
    bad = module.InferInput("INPUT__0", [1, 3, 16, 16], "FP64")
    bad.set_data_from_numpy(images[:1].astype(np.float64))
    ok, text = refused(lambda: client.infer("classifier", [bad]), ["400", "INVALID_ARGUMENT", "INPUT__0"])
    check(f"{protocol} wrong datatype refused naming the input", ok and "INPUT__0" in text, text)
    bad = module.InferInput("INPUT__0", [9, 3, 16, 16], "FP32")
    bad.set_data_from_numpy(np.zeros([9, 3, 16, 16], np.float32))
    ok, text = refused(lambda: client.infer("classifier", [bad]), ["400", "INVALID_ARGUMENT"])
    check(f"{protocol} batch over max_batch_size refused", ok, text)
    neg = module.InferInput("INPUT__0", [2], "FP32")
    neg.set_data_from_numpy(np.array([-1, -2], np.float32))
    ok, text = refused(lambda: client.infer("raises", [neg]), ["400", "INVALID_ARGUMENT"])
    check(f"{protocol} model exception carries the TorchScript message", ok and "negative input" in text, text)
    pos = module.InferInput("INPUT__0", [2], "FP32")
    pos.set_data_from_numpy(np.array([1, 2], np.float32))
    check(f"{protocol} server still answers after a model exception",
          np.array_equal(client.infer("raises", [pos]).as_numpy("OUTPUT__0"), np.array([2, 4], np.float32)))


def main():
    http_port, grpc_port = sys.argv[1], sys.argv[2]
    run(httpclient.InferenceServerClient(f"127.0.0.1:{http_port}"), httpclient, "http")
    run(grpcclient.InferenceServerClient(f"127.0.0.1:{grpc_port}"), grpcclient, "grpc")
    print(f"ok: {checks} checks")


if __name__ == "__main__":
    main()
