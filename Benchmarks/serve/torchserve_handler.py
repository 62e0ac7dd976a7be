"""TorchServe handler for the serving benchmark: the request body is the raw float32 bytes of one
3x64x64 image (the same bytes Flint's binary tensor extension carries); the answer is the raw float32
logits. TorchServe batches up to batchSize requests per call, as configured in bench_serve.py."""
import torch
from ts.torch_handler.base_handler import BaseHandler


class RawTensorHandler(BaseHandler):
    def preprocess(self, data):
        rows = []
        for row in data:
            payload = row.get("data") or row.get("body")
            rows.append(torch.frombuffer(bytearray(payload), dtype=torch.float32).reshape(3, 64, 64))
        return torch.stack(rows)

    def inference(self, data, *args, **kwargs):
        with torch.inference_mode():
            return self.model(data)

    def postprocess(self, data):
        return [row.numpy().tobytes() for row in data]
