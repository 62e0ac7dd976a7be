"""The models of bench_models.py and how their fixtures are made.

Every model is built with random weights from `torch.manual_seed(SEED)` (the same seed for each, so a
model's weights and inputs do not depend on which other models are selected), put in eval mode, then

    NAME.pt        torch.jit.trace or torch.jit.script of it, torch.jit.save'd (what torch.jit and Flint run)
    NAME.onnx      torch.onnx.export(..., dynamo=False) of the same eager module, same weights (what ONNX
                   Runtime runs); NAME.onnx.error holds the reason instead when the export fails
    NAME.in0.npy   the inputs, in forward's order (`flint ... --input NAME.in0.npy --input NAME.in1.npy`)
    NAME.ref.npz   the archive's own output under torch.jit.load, flattened as `flint run --output` writes
                   it: `out` for one tensor, `out.0`, `out.1`, ... for a tuple

Nothing is downloaded (torchvision and transformers models are built from their constructors/configs).
"""
from __future__ import annotations

import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch import Tensor, nn

SEED = 0
ONNX_OPSET = 17


class Encoder(nn.Module):
    """nn.TransformerEncoder, 4 layers of width 256, 8 heads, FFN 1024, batch_first, no dropout."""

    def __init__(self):
        super().__init__()
        layer = nn.TransformerEncoderLayer(256, 8, 1024, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 4, enable_nested_tensor=False)

    def forward(self, x: Tensor) -> Tensor:
        return self.encoder(x)


class Recurrent(nn.Module):
    """A 2-layer LSTM of hidden size 256, batch_first; returns the output sequence."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(256, 256, num_layers=2, batch_first=True)

    def forward(self, x: Tensor) -> Tensor:
        return self.lstm(x)[0]


def mlp() -> nn.Module:
    return nn.Sequential(nn.Linear(512, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, 10))


def torchvision_model(name: str) -> Callable[[], nn.Module]:
    def build():
        import torchvision
        return getattr(torchvision.models, name)()
    return build


def bert_base() -> nn.Module:
    """BERT-base (12 layers, hidden 768, 12 heads, FFN 3072, vocab 30522) with random weights. transformers 5
    needs return_dict=False for a traceable tuple output; torchscript=True unties shared weights."""
    import transformers
    transformers.logging.set_verbosity_error()
    return transformers.BertModel(transformers.BertConfig(torchscript=True, return_dict=False))


class KeywordCall(nn.Module):
    """Calls the wrapped model with its inputs as keywords. The ONNX exporter needs it for BERT: calling
    transformers 5's BertModel.forward positionally from the exporter fails ("got multiple values for
    argument 'use_cache'"); torch.jit.trace gets keywords through example_kwarg_inputs instead."""

    def __init__(self, model: nn.Module, names: list[str]):
        super().__init__()
        self.model = model
        self.names = names

    def forward(self, *inputs: Tensor):
        return self.model(**dict(zip(self.names, inputs)))


def image(batch: int) -> Callable[[], tuple[Tensor, ...]]:
    return lambda: (torch.rand(batch, 3, 224, 224),)


def bert_inputs() -> tuple[Tensor, ...]:
    ids = torch.randint(0, 30522, (1, 128), dtype=torch.int64)
    mask = torch.ones(1, 128, dtype=torch.int64)
    mask[:, 112:] = 0                      # the last 16 positions are padding, so the mask path is real
    return ids, mask


@dataclass
class Spec:
    name: str                              # what --models selects
    title: str                             # the table's row label
    mode: str                              # 'traced' or 'scripted'
    build: Callable[[], nn.Module]
    inputs: Callable[[], tuple[Tensor, ...]]
    input_names: list[str] = field(default_factory=lambda: ['x'])


MODELS = [
    Spec('resnet18', 'resnet18, traced, 1x3x224x224', 'traced', torchvision_model('resnet18'), image(1)),
    Spec('resnet50', 'resnet50, traced, 1x3x224x224', 'traced', torchvision_model('resnet50'), image(1)),
    Spec('mobilenet_v2', 'mobilenet_v2, traced, 1x3x224x224', 'traced', torchvision_model('mobilenet_v2'), image(1)),
    Spec('resnet18_b8', 'resnet18, traced, 8x3x224x224', 'traced', torchvision_model('resnet18'), image(8)),
    Spec('efficientnet_b0', 'efficientnet_b0, traced, 1x3x224x224', 'traced', torchvision_model('efficientnet_b0'),
         image(1)),
    Spec('encoder', 'TransformerEncoder 4x256 (8 heads, FFN 1024), scripted, seq 128', 'scripted', Encoder,
         lambda: (torch.rand(1, 128, 256),)),
    Spec('lstm', 'LSTM 2x256, scripted, seq 64', 'scripted', Recurrent, lambda: (torch.rand(1, 64, 256),)),
    Spec('mlp', 'MLP 512-1024-1024-10, traced, batch 32', 'traced', mlp, lambda: (torch.rand(32, 512),)),
    Spec('bert', 'BERT-base (HF), traced, seq 128', 'traced', bert_base, bert_inputs,
         ['input_ids', 'attention_mask']),
]
BY_NAME = {spec.name: spec for spec in MODELS}


@dataclass
class Fixture:
    spec: Spec
    archive: Path
    onnx: Path | None                      # None when the export failed
    onnx_error: str | None
    input_paths: list[Path]
    inputs: list[np.ndarray]
    reference: dict[str, np.ndarray]      # flattened like `flint run --output`


def flatten_output(value, prefix: str = 'out') -> dict[str, np.ndarray]:
    """A module's result flattened the way `flint run --output` names it."""
    if isinstance(value, Tensor):
        return {prefix: value.detach().numpy()}
    if isinstance(value, (tuple, list)):
        flat = {}
        for index, item in enumerate(value):
            flat.update(flatten_output(item, f'{prefix}.{index}'))
        return flat
    raise TypeError(f'cannot flatten a {type(value).__name__} output')


def _paths(folder: Path, spec: Spec) -> dict[str, Path]:
    return {'archive': folder / f'{spec.name}.pt', 'onnx': folder / f'{spec.name}.onnx',
            'onnx_error': folder / f'{spec.name}.onnx.error', 'reference': folder / f'{spec.name}.ref.npz'}


def _input_paths(folder: Path, spec: Spec) -> list[Path]:
    return [folder / f'{spec.name}.in{i}.npy' for i in range(len(spec.input_names))]


def _export_onnx(spec: Spec, module: nn.Module, inputs: tuple[Tensor, ...], path: Path):
    """The TorchScript-based exporter on the eager module. nn.TransformerEncoder's eval-mode fast path
    (aten::_transformer_encoder_layer_fwd) has no ONNX symbolic, so the fast path is switched off while
    exporting: the graph computes the same function through the ordinary attention/linear/norm ops (ONNX
    Runtime fuses those again; the ORT-vs-torch difference in the JSON shows the result is the same)."""
    output_names = ['out'] if spec.name != 'bert' else ['last_hidden_state', 'pooler_output']
    fastpath = torch.backends.mha.get_fastpath_enabled()
    try:
        torch.backends.mha.set_fastpath_enabled(False)
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter('ignore')
            exported = KeywordCall(module, spec.input_names) if spec.name == 'bert' else module
            torch.onnx.export(exported, inputs, str(path), dynamo=False, opset_version=ONNX_OPSET,
                              input_names=spec.input_names, output_names=output_names)
    finally:
        torch.backends.mha.set_fastpath_enabled(fastpath)


def _make(spec: Spec, folder: Path, log: Callable[[str], None]):
    paths = _paths(folder, spec)
    torch.manual_seed(SEED)
    module = spec.build().eval()
    inputs = spec.inputs()
    with torch.no_grad():
        if spec.mode == 'scripted':
            archive = torch.jit.script(module)
        elif spec.name == 'bert':
            archive = torch.jit.trace(module, example_kwarg_inputs=dict(zip(spec.input_names, inputs)))
        else:
            archive = torch.jit.trace(module, inputs)
    torch.jit.save(archive, str(paths['archive']))
    for path, tensor in zip(_input_paths(folder, spec), inputs):
        np.save(path, tensor.numpy())
    with torch.no_grad():
        reference = flatten_output(torch.jit.load(str(paths['archive']))(*inputs))
    np.savez(paths['reference'], **reference)
    for stale in (paths['onnx'], paths['onnx_error']):
        stale.unlink(missing_ok=True)
    try:
        _export_onnx(spec, module, inputs, paths['onnx'])
    except Exception as error:             # noqa: BLE001 - any exporter failure becomes a '—' in the table
        message = f'{type(error).__name__}: {error}'.strip().splitlines()[0][:300]
        paths['onnx'].unlink(missing_ok=True)
        paths['onnx_error'].write_text(message + '\n\n' + traceback.format_exc())
        log(f'  {spec.name}: ONNX export failed: {message}')


def prepare(spec: Spec, folder: Path, rebuild: bool, log: Callable[[str], None]) -> Fixture:
    """The model's fixtures, made unless they exist already (or `rebuild`)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = _paths(folder, spec)
    input_paths = _input_paths(folder, spec)
    have_onnx = paths['onnx'].exists() or paths['onnx_error'].exists()
    if rebuild or not (paths['archive'].exists() and paths['reference'].exists() and have_onnx
                       and all(p.exists() for p in input_paths)):
        log(f'  making {spec.name} ...')
        _make(spec, folder, log)
    with np.load(paths['reference']) as saved:
        reference = {key: saved[key] for key in saved.files}
    onnx_error = None
    if paths['onnx_error'].exists():
        onnx_error = paths['onnx_error'].read_text().splitlines()[0]
    return Fixture(spec, paths['archive'], paths['onnx'] if onnx_error is None else None, onnx_error,
                   input_paths, [np.load(p) for p in input_paths], reference)


def max_abs_diff(got: dict[str, np.ndarray] | list[np.ndarray], want: dict[str, np.ndarray]) -> float | str:
    """Largest |got - want| over all outputs (a list is matched to want's keys in order); a string when the
    outputs do not even have the same names or shapes."""
    if isinstance(got, list):
        if len(got) != len(want):
            return f'{len(got)} outputs, expected {len(want)}'
        got = dict(zip(want.keys(), got))
    if set(got) != set(want):
        return f'outputs {sorted(got)}, expected {sorted(want)}'
    worst = 0.0
    for key, expected in want.items():
        if got[key].shape != expected.shape:
            return f'{key}: shape {got[key].shape}, expected {expected.shape}'
        if expected.size:
            difference = np.abs(got[key].astype(np.float64) - expected.astype(np.float64))
            worst = max(worst, float(np.nan_to_num(difference, nan=np.inf).max()))
    return worst

