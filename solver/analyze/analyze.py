"""`tdsolver analyze`: shapes, parameters and receptive fields of a real PyTorch network.

The network is loaded from ``FILE.py:NAME`` and one forward pass is recorded with the shapes it
really has (`solver.analyze.netrecord`: module calls and tensor operations, so branches, residual sums,
concatenations, permutes, attention and code that reads ``x.shape`` are followed); each layer's
receptive field and jump are computed per input axis (`solver.analyze.netgeometry`), its mult-adds under
a stated `Convention`. The analysis then checks itself: shapes given by the layers' formulas
against the forward pass, parameter totals against ``sum(p.numel())`` and receptive fields
against the gradient support of one unit in the network's geometric twin.

Torch is imported inside the functions only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from solver.core.errors import UsageError, WorkError
from solver.core.exercise import Step
from solver.core.text import Text, numeral


def gradient_extent(fn, x, unit) -> list[tuple[int, int]]:
    """(first, last) input index with a non-zero gradient, per spatial dimension, for one unit.

    `fn` maps an input batch to a feature map (N, C, *spatial); `unit` is the spatial index of the
    unit of channel 0 of sample 0 whose gradient is taken. With positive weights and inputs (no
    cancellation) and max pools replaced by average pools, the extent is the receptive field.

    >>> import torch
    >>> box = lambda x: torch.nn.functional.avg_pool2d(x, 3, 1)
    >>> gradient_extent(box, torch.ones(1, 1, 9, 9, dtype=torch.float64), (2, 4))
    [(2, 4), (4, 6)]
    """
    import torch

    x = x.detach().clone().requires_grad_(True)
    out = fn(x)
    grad, = torch.autograd.grad(out[(0, 0, *unit)], x)
    support = grad.abs().sum(dim=(0, 1)) != 0
    found = support.nonzero()
    if found.numel() == 0:
        return [(0, -1) for _ in unit]
    return [(int(found[:, d].min()), int(found[:, d].max())) for d in range(found.shape[1])]



class UnsupportedLayer(WorkError):
    """A module or operation the analyzer cannot turn into a layer specification."""


@dataclass(frozen=True)
class Convention:
    """What `total_mult_adds` counts.

    `count`: ``"macs"`` (one multiply-add = 1, torchinfo's and fvcore's unit) or ``"flops"`` (a
    multiply-add = 2 operations). Always counted: convolutions and transposed convolutions
    (every output position × C_in/groups × kernel), linear layers over every position (N, L, C
    or N, H, W, C inputs included), matrix products and attention (q·kᵀ and the weighted sum of v).
    `bias`: one addition per output of a layer with a bias. `norm`: batch, layer, group or
    instance normalisation as one multiply-add per value (scale and shift, eval mode).
    Never counted: activations, pooling, element-wise sums and products, softmax.

    >>> Convention().mult_adds({"products": 10, "bias": 2, "norm": 5})
    10
    >>> Convention("flops", bias=True, norm=True).mult_adds({"products": 10, "bias": 2, "norm": 5})
    32
    """

    count: str = "macs"
    bias: bool = False
    norm: bool = False

    def mult_adds(self, cost: dict) -> int:
        per = 2 if self.count == "flops" else 1
        total = per * cost.get("products", 0)
        total += cost.get("bias", 0) if self.bias else 0
        total += per * cost.get("norm", 0) if self.norm else 0
        return int(total)

    def as_dict(self) -> dict:
        return {"unit": self.count, "multiply_add": 2 if self.count == "flops" else 1, "bias": self.bias,
                "normalisation": self.norm,
                "counted": ["Conv", "ConvTranspose", "Linear (every position)", "matmul", "attention (q·kᵀ, ·v)"]
                + (["bias additions"] if self.bias else []) + (["normalisation (1 multiply-add per value)"]
                                                               if self.norm else []),
                "not_counted": ["activations", "pooling", "element-wise sums and products", "softmax"]
                + ([] if self.bias else ["bias additions"]) + ([] if self.norm else ["normalisation"])}


@dataclass
class Analysis:
    """Every layer of a network recorded from an input shape, and the results of the self-checks."""

    model: str
    input: tuple
    layers: list                  # netrecord.Layer, each with its architecture.Row in `row`
    total_params: int
    trainable_params: int
    buffers: int
    convention: Convention = Convention()
    memory: dict = field(default_factory=dict)
    checks: Any = None            # solver.core.checks.Checks
    error: Text | None = None  # the operation that stopped the analysis (layers before it are kept)
    notes: list = field(default_factory=list)

    @property
    def total_mult_adds(self) -> int:
        return sum(int(l.row.mult_adds) for l in self.layers)

    def as_dict(self, lang: str = "en") -> dict:
        """The `analyze --json` object of the CLI contract (plus buffers, checks and an error if any)."""
        layers = [{"name": l.name, "type": l.type, "output_shape": [int(v) for v in l.shape],
                   "params": int(l.row.params), "rf": _json(l.row.rf), "jump": _json(l.row.jump),
                   "mult_adds": int(l.row.mult_adds), "line": l.line,
                   **({"shared_params": dict(l.shared)} if l.shared else {})} for l in self.layers]
        out = {"model": self.model, "input": list(self.input), "total_params": self.total_params,
               "trainable_params": self.trainable_params, "buffers": self.buffers,
               "total_mult_adds": self.total_mult_adds, "mult_adds_convention": self.convention.as_dict(),
               "memory": self.memory, "layers": layers}
        if self.checks is not None:
            out["checks"] = {"count": self.checks.count, "ok": self.checks.ok,
                             "failures": [f"{r.label}: {r.detail}" for r in self.checks.failures()]}
        if self.error is not None:
            out["error"] = self.error(lang) if callable(self.error) else str(self.error)
        return out


def _json(v):
    if isinstance(v, tuple):
        return [_json(x) for x in v]
    return v




# --- loading a network ------------------------------------------------------------------------------

def parse_arg(raw: str) -> tuple[str, Any]:
    """`NAME=VALUE` of `--arg`: the value read as bool, int, float or string (never evaluated).

    >>> parse_arg("num_classes=10"), parse_arg("p=0.5"), parse_arg("bn=true"), parse_arg("act=relu")
    (('num_classes', 10), ('p', 0.5), ('bn', True), ('act', 'relu'))
    """
    name, sep, value = raw.partition("=")
    name = name.strip()
    if not sep or not name.isidentifier():
        raise UsageError(Text(f"--arg attend NOM=VALEUR, reçu « {raw} »", f"--arg expects NAME=VALUE, got '{raw}'"))
    value = value.strip()
    if value.lower() in ("true", "false"):
        return name, value.lower() == "true"
    if value.lower() == "none":
        return name, None
    if re.fullmatch(r"[+-]?\d+", value):
        return name, int(value)
    if re.fullmatch(r"[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?", value):
        return name, float(value)
    return name, value


def parse_input(raw: str) -> tuple[int, ...]:
    """`--input C,H,W` (or C,L for 1D, or CxHxW) as positive integers.

    >>> parse_input("3,224,224"), parse_input("10x168")
    ((3, 224, 224), (10, 168))
    """
    pieces = [p.strip() for p in re.split(r"[,x×]", raw.strip()) if p.strip()]
    if not 2 <= len(pieces) <= 3 or not all(re.fullmatch(r"\d{1,6}", p) for p in pieces):
        raise UsageError(Text(f"--input attend des entiers C,H,W (ou C,L), reçu « {raw} »",
                              f"--input expects integers C,H,W (or C,L), got '{raw}'"))
    values = tuple(int(p) for p in pieces)
    if min(values) < 1:
        raise UsageError(Text(f"--input : les tailles doivent être ≥ 1, reçu « {raw} »",
                              f"--input: sizes must be at least 1, got '{raw}'"))
    return values


def load(target: str, args: dict | None = None):
    """The `nn.Module` named by ``FILE.py:NAME`` (a class, or a function returning a module)."""
    import importlib.util
    import os

    path, sep, name = target.rpartition(":")
    if not sep or not path or not name:
        raise UsageError(Text(f"attendu FICHIER.py:NOM, reçu « {target} »", f"expected FILE.py:NAME, got '{target}'"))
    if not os.path.isfile(path):
        raise WorkError(Text(f"fichier introuvable : {path}", f"file not found: {path}"))
    spec = importlib.util.spec_from_file_location(f"tdsolver_user_{abs(hash(path))}", path)
    if spec is None or spec.loader is None:  # a name Python does not load as a module (not .py)
        raise UsageError(Text(f"attendu un fichier Python (.py), reçu « {path} »",
                              f"expected a Python file (.py), got '{path}'"))
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # the user's file: report its error in one line
        raise WorkError(Text(f"impossible d'exécuter {path} : {_one_line(exc)}",
                             f"cannot run {path}: {_one_line(exc)}")) from None
    if not hasattr(module, name):
        known = ", ".join(n for n in dir(module) if not n.startswith("_") and callable(getattr(module, n)))
        raise UsageError(Text(f"« {name} » n'est pas défini dans {path} (disponibles : {known})",
                              f"'{name}' is not defined in {path} (available: {known})"))
    return build(getattr(module, name), args or {}, path, name)


def build(factory, args: dict, path: str = "", name: str = ""):
    """Call a module class or factory with `args`; explain the 'same'-with-stride refusal of PyTorch."""
    import torch

    try:
        model = _build_fast(factory, args)
    except ValueError as exc:
        if "same" in str(exc) and "stride" in str(exc):
            raise WorkError(same_stride_message(path, name, _user_line(exc, path))) from None
        raise UsageError(Text(f"impossible de construire {name} : {_one_line(exc)}",
                              f"cannot build {name}: {_one_line(exc)}")) from None
    except Exception as exc:  # the user's constructor (missing --arg, bad value…)
        raise UsageError(Text(f"impossible de construire {name} : {_one_line(exc)} (arguments : --arg NOM=VALEUR)",
                              f"cannot build {name}: {_one_line(exc)} (arguments: --arg NAME=VALUE)")) from None
    if not isinstance(model, torch.nn.Module):
        raise UsageError(Text(f"{name} ne donne pas un nn.Module (reçu {type(model).__name__})",
                              f"{name} does not give an nn.Module (got {type(model).__name__})"))
    return model


def _build_fast(factory, args: dict):
    """Build without the cost of random initialisation: on the meta device, then uninitialised memory.

    The analysis needs shapes and parameter counts, not values (the gradient check uses its own
    one-channel twin). A constructor that does not work on the meta device is simply run normally.
    """
    import torch

    try:
        with torch.device("meta"):
            model = factory(**args)
    except ValueError:
        raise
    except Exception:  # a constructor that needs real tensors
        return factory(**args)
    if not isinstance(model, torch.nn.Module):
        return model
    tied = _tied_parameters(model)
    model = model.to_empty(device="cpu")
    for first, *others in tied:  # to_empty gives each module its own copy of a shared parameter: tie them again
        shared = model.get_parameter(first)
        for name in others:
            owner, _, attribute = name.rpartition(".")
            setattr(model.get_submodule(owner), attribute, shared)
    with torch.no_grad():  # zeros, not leftover memory (denormals would slow the forward pass down)
        for tensor in list(model.parameters()) + list(model.buffers()):
            tensor.zero_()
    return model


def _tied_parameters(model) -> list[list[str]]:
    """The names of every parameter two modules share (tied weights), one list per shared tensor."""
    names: dict[int, list[str]] = {}
    for name, p in model.named_parameters(remove_duplicate=False):
        names.setdefault(id(p), []).append(name)
    return [group for group in names.values() if len(group) > 1]


def same_stride_message(path: str, name: str, line: int | None) -> Text:
    """The one-line explanation of PyTorch's refusal of padding='same' with a stride > 1."""
    where = f"{path}:{line}" if line else (path or name)
    return Text(
        f"{where} : PyTorch ne construit pas une convolution padding='same' avec un pas > 1. Dans l'énoncé, "
        "« same » veut dire sortie = ⌈entrée/pas⌉ (règle de TensorFlow) : écrivez F.pad(x, (0, 1, 0, 1)) "
        "(le zéro manquant à droite et en bas ; en général un total de (⌈i/s⌉−1)·s + k − i zéros, le surplus "
        "après) puis la convolution avec padding=0 et le même pas.",
        f"{where}: PyTorch does not build a convolution with padding='same' and stride > 1. In the sheet, "
        "'same' means output = ⌈input/stride⌉ (TensorFlow's rule): write F.pad(x, (0, 1, 0, 1)) (the missing "
        "zero on the right and bottom; in general (⌈i/s⌉−1)·s + k − i zeros in total, the extra one after) "
        "then the convolution with padding=0 and the same stride.")


def _user_line(exc, path: str) -> int | None:
    import os
    import traceback

    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if path and os.path.abspath(frame.filename) == os.path.abspath(path):
            line = frame.lineno
    return line


def _one_line(exc) -> str:
    text = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    if text and text[0].startswith("Traceback"):  # torch.fx puts the inner traceback in the message
        return text[-1][:300]
    return f"{type(exc).__name__}: {text[0][:300] if text else ''}"


# --- modules and functions as layer specifications ------------------------------------------------------

def _uniform(value, what: str, where: str):
    if isinstance(value, (tuple, list)):
        if len(set(value)) != 1:
            raise UnsupportedLayer(Text(f"{where} : {what} {tuple(value)} différent selon les dimensions n'est pas pris "
                                        "en charge", f"{where}: {what} {tuple(value)} differing between dimensions "
                                        "is not supported"))
        return value[0]
    return value


def module_spec(module, where: str):
    """The `solver.maths.architecture` specification of one leaf module (UnsupportedLayer otherwise)."""
    from torch import nn

    from solver.maths import architecture as A

    u = lambda v, what: _uniform(v, what, where)
    if isinstance(module, (nn.Conv1d, nn.Conv2d)):
        padding = module.padding if isinstance(module.padding, str) else u(module.padding, "padding")
        return A.Conv(module.out_channels, u(module.kernel_size, "kernel_size"), u(module.stride, "stride"),
                      padding, u(module.dilation, "dilation"), module.groups, module.bias is not None,
                      dims=1 if isinstance(module, nn.Conv1d) else 2, name=where)
    if isinstance(module, nn.ConvTranspose2d):
        return A.ConvTranspose(module.out_channels, u(module.kernel_size, "kernel_size"), u(module.stride, "stride"),
                               u(module.padding, "padding"), u(module.output_padding, "output_padding"),
                               u(module.dilation, "dilation"), module.bias is not None, where, module.groups)
    if isinstance(module, (nn.MaxPool1d, nn.MaxPool2d, nn.AvgPool1d, nn.AvgPool2d)):
        kind = "max" if isinstance(module, (nn.MaxPool1d, nn.MaxPool2d)) else "avg"
        dims = 1 if isinstance(module, (nn.MaxPool1d, nn.AvgPool1d)) else 2
        stride = module.stride if module.stride is not None else module.kernel_size
        return A.Pool(u(module.kernel_size, "kernel_size"), u(stride, "stride"), u(module.padding, "padding"),
                      kind, module.ceil_mode, dims, where, u(getattr(module, "dilation", 1), "dilation"))
    if isinstance(module, (nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool1d, nn.AdaptiveMaxPool2d)):
        size = u(module.output_size, "output_size")
        kind = "avg" if "Avg" in type(module).__name__ else "max"
        return A.AdaptivePool(size, kind, 1 if type(module).__name__.endswith("1d") else 2, where)
    if isinstance(module, nn.Flatten):
        if module.start_dim != 1 or module.end_dim != -1:
            raise UnsupportedLayer(Text(f"{where} : Flatten(start_dim={module.start_dim}, end_dim={module.end_dim}) "
                                        "n'est pas pris en charge (seul start_dim=1, end_dim=-1)",
                                        f"{where}: Flatten(start_dim={module.start_dim}, end_dim={module.end_dim}) "
                                        "is not supported (only start_dim=1, end_dim=-1)"))
        return A.Flatten(where)
    if isinstance(module, nn.Linear):
        return A.Linear(module.out_features, module.bias is not None, where)
    if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
        return A.BatchNorm(where, module.affine, module.track_running_stats)
    if isinstance(module, (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.AlphaDropout)):
        return A.Dropout(module.p, where)
    if isinstance(module, _activation_modules()):
        return A.Activation(type(module).__name__, where)
    raise UnsupportedLayer(Text(f"{where} : le module {type(module).__name__} n'est pas pris en charge par l'analyseur",
                                f"{where}: the module {type(module).__name__} is not supported by the analyzer"))


def _activation_modules():
    from torch import nn

    return (nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.ELU, nn.SELU, nn.CELU, nn.GELU, nn.SiLU, nn.Mish, nn.Sigmoid,
            nn.Tanh, nn.Softmax, nn.LogSoftmax, nn.Hardswish, nn.Hardsigmoid, nn.Hardtanh, nn.Softplus,
            nn.Identity)


# --- the analysis and its self-checks ------------------------------------------------------------------------

def analyze(model, input_shape: tuple, label: str = "", check: bool = True,
            convention: Convention = Convention()) -> Analysis:
    """Record `model` on one sample of `input_shape` and (by default) cross-check the result.

    Parameters are counted once per module (a module called twice is shared), and once per
    parameter used directly by the forward (class token, position embedding). Checks: every
    shape given by a layer's formula against the real forward pass, the total against
    ``sum(p.numel())`` and the receptive fields against the gradient support of one unit in the
    network's geometric twin (`check_receptive_fields`). An operation the analyzer cannot read
    stops it: `Analysis.error` names the user's line, the layers before it are kept.
    """
    from solver.analyze.netrecord import record
    from solver.core.checks import Checks

    recording = record(model, tuple(input_shape))
    layers = recording.layers
    attach_rows(layers, convention)
    total = sum(l.params for l in layers)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    buffers = sum(l.buffers for l in layers)
    analysis = Analysis(label, tuple(input_shape), layers, total, trainable, buffers, convention,
                        memory_estimate(model, layers, input_shape), error=recording.error)
    if check and recording.error is None:
        analysis.checks = Checks()
        for layer in layers:
            if layer.expected is not None:
                analysis.checks.equal(f"shape {layer.name}", tuple(int(v) for v in layer.expected),
                                      tuple(layer.shape))
        analysis.checks.equal("total parameters = sum(p.numel())", total, sum(p.numel() for p in model.parameters()))
        check_receptive_fields(layers, input_shape, analysis.checks)
    return analysis


def attach_rows(layers, convention: Convention) -> None:
    """Give every layer its `solver.maths.architecture.Row` (rf and jump as shown, mult-adds by `convention`)."""
    from solver.analyze.netgeometry import report
    from solver.maths import architecture as A

    shown = {"input": (1, 1)}
    for layer in layers:
        rf, jump = report(layer.geo)
        rf_in, jump_in = shown.get(layer.inputs[0], (None, None)) if layer.inputs else (None, None)
        spec = layer.spec if layer.spec is not None else A.Op(layer.type, layer.name)
        layer.row = A.Row(layer.name, spec, tuple(layer.in_shape), tuple(layer.shape), layer.params, rf, jump,
                          convention.mult_adds(layer.cost), layer.buffers, (), rf_in, jump_in)
        shown[layer.node] = (rf, jump)


_VIEWS = ("permute", "transpose", "swapaxes", "swapdims", "t", "T", "mT", "movedim", "moveaxis", "view", "reshape",
          "flatten", "unflatten", "squeeze", "unsqueeze", "view_as", "reshape_as", "getitem", "expand", "expand_as",
          "broadcast_to", "detach", "data", "contiguous")


def memory_estimate(model, layers, input_shape) -> dict:
    """Bytes of the parameters, buffers, input and forward activations (one sample), as torchinfo estimates.

    Activations: the output of every layer once, views (permute, view, getitem…) excluded; torchinfo
    doubles this figure for the backward pass, not done here (the forward pass alone).
    """
    import math as _m

    size = next((p.element_size() for p in model.parameters()), 4)
    activations = sum(_m.prod(int(v) for v in l.shape) for l in layers if l.type not in _VIEWS)
    out = {"bytes_per_value": size, "params_bytes": size * sum(p.numel() for p in model.parameters()),
           "buffers_bytes": sum(b.numel() * b.element_size() for b in model.buffers()),
           "input_bytes": size * _m.prod(input_shape), "activations_bytes": size * activations}
    out["total_bytes"] = sum(v for k, v in out.items() if k.endswith("_bytes"))
    return out


def check_receptive_fields(layers, input_shape, checks) -> None:
    """Receptive fields against the gradient support of one unit, in the geometric twin of the network.

    The twin replays the recorded layers that keep the channel-first grid (convolutions, poolings,
    paddings, element-wise layers, residual sums, channel concatenations) on one channel, with
    positive box kernels of each layer's real geometry and average pools for max pools (a max pool
    passes the gradient to its argmax only). Such a twin is linear with non-negative separable
    kernels, so the support's extent along one axis is that of the twin run along that axis alone:
    one 1D twin per axis, at a cost linear in the side. The input is made large enough for the
    window not to be clipped. Layers the twin cannot replay (attention, upsampling, after a permute)
    and units that see the whole input are not measured here (the tests measure them on the real
    network).
    """
    import torch

    spatial = len(input_shape) - 1
    for axis in range(spatial):
        side = _probe_side(layers, input_shape, axis)
        x = torch.ones(1, 1, side, dtype=torch.float64, requires_grad=True)
        values = _run_twin(layers, x, axis, spatial)
        for layer in layers:
            out = values.get(layer.node)
            geo = layer.geo
            if out is None or geo.glob or geo.left[axis] is None or out.dim() != 3:
                continue
            left, jump, rf = int(geo.left[axis]), int(geo.jump[axis]), int(geo.rf[axis])
            t = -(left // jump) if left < 0 else 0
            if t >= out.shape[-1]:
                continue
            grad, = torch.autograd.grad(out[0, 0, t], x, retain_graph=True)
            support = (grad[0, 0] != 0).nonzero()
            got = (int(support.min()), int(support.max())) if support.numel() else None
            want = (left + t * jump, left + t * jump + rf - 1)
            suffix = "" if spatial == 1 else f" axis {axis}"
            checks.equal(f"receptive field {layer.name}{suffix} (gradient support)", got, want)


def _probe_side(layers, input_shape, axis) -> int:
    need = int(input_shape[1 + axis])
    for layer in layers:
        geo = layer.geo
        if layer.twin is None or geo.glob or geo.left[axis] is None or geo.jump[axis] is None:
            continue
        left, jump, rf = int(geo.left[axis]), int(geo.jump[axis]), int(geo.rf[axis])
        t = -(left // jump) if left < 0 else 0
        need = max(need, left + rf + t * jump + 1 + jump)
    return need


def _run_twin(layers, x, axis: int, spatial: int) -> dict:
    """The one-channel twin along one axis: the output of each replayable layer, by node."""
    values = {"input": x}
    for layer in layers:
        if layer.twin is None or not layer.inputs or any(values.get(i) is None for i in layer.inputs):
            continue
        try:
            values[layer.node] = _twin_step(layer.twin, [values[i] for i in layer.inputs], axis, spatial)
        except RuntimeError:  # a window larger than the twin's map: that layer is not measured
            continue
    return values


def _twin_step(op, args, axis: int, spatial: int):
    """One layer of the twin along one axis (None: not replayable with these inputs)."""
    import torch
    import torch.nn.functional as F

    if op[0] == "same":
        return sum(args[1:], args[0]) if len({a.shape for a in args}) == 1 else None
    if op[0] == "pad":
        j = spatial - 1 - axis  # F.pad lists the last dimension first
        return F.pad(args[0], op[1][2 * j:2 * j + 2]) if 2 * j + 1 < len(op[1]) else args[0]
    if op[0] == "slice":  # a crop: drop `start` cells before and what the real crop drops after
        (start, step), cut = op[1][axis], op[2][axis]
        return args[0][..., start:args[0].shape[-1] - (cut - start):step]
    _, kernel, stride, padding, dilation, ceil = op
    k, s, p, d = kernel[axis], stride[axis], padding[axis], dilation[axis]
    if ceil and d == 1:
        return F.avg_pool1d(args[0], k, s, p, ceil_mode=True)
    box = torch.full((1, 1, k), 1.0 / k, dtype=args[0].dtype)
    return F.conv1d(F.pad(args[0], (p, p)), box, stride=s, dilation=d)


# --- output -------------------------------------------------------------------------------------------------

def grouped(n, lang: str) -> str:
    """An integer with thousands grouped the way each language writes them (`core.text.numeral`).

    >>> grouped(138357544, "fr"), grouped(138357544, "en")
    ('138\u202f357\u202f544', '138,357,544')
    """
    return numeral(int(n))(lang)


def shown(value, lang: str) -> str:
    """rf or jump as the table shows it: 3, [1, 7], global, 0,5 (a decimal comma in French).

    >>> shown((1, 7), "en"), shown("global", "fr"), shown(0.5, "fr"), shown(None, "en")
    ('[1, 7]', 'global', '0,5', '—')
    """
    if value is None:
        return "—"
    if isinstance(value, tuple):
        return "[" + ", ".join(shown(v, lang) for v in value) + "]"
    text = str(value)
    return text.replace(".", ",") if lang == "fr" else text


def memory_line(memory: dict, lang: str) -> str:
    """Parameters, activations and total in MB (10⁶ bytes)."""
    mb = lambda n: f"{n / 1e6:.2f}".replace(".", "," if lang == "fr" else ".")
    if lang == "fr":
        return (f"mémoire (Mo) : paramètres {mb(memory['params_bytes'])}, activations {mb(memory['activations_bytes'])}"
                f", total {mb(memory['total_bytes'])}")
    return (f"memory (MB): parameters {mb(memory['params_bytes'])}, activations {mb(memory['activations_bytes'])}, "
            f"total {mb(memory['total_bytes'])}")


def table(analysis: Analysis, lang: str = "fr") -> str:
    """A torchinfo-like table: layer, type, output shape, parameters, rf, jump, mult-adds, then totals."""
    head = {"fr": ("couche", "type", "forme de sortie", "paramètres", "rf", "pas", "mult-adds"),
            "en": ("layer", "type", "output shape", "params", "rf", "jump", "mult-adds")}[lang]
    rows = [head] + [(l.name, l.type, "(" + ", ".join(str(v) for v in l.shape) + ")", grouped(l.row.params, lang),
                      shown(l.row.rf, lang), shown(l.row.jump, lang), grouped(l.row.mult_adds, lang))
                     for l in analysis.layers]
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    align = ("<", "<", "<", ">", ">", ">", ">")
    fmt = "  ".join(f"{{:{a}{w}}}" for a, w in zip(align, widths))
    lines = [fmt.format(*rows[0]), "-" * (sum(widths) + 2 * (len(widths) - 1))]
    lines += [fmt.format(*r) for r in rows[1:]]
    lines.append(lines[1])
    mult = analysis.total_mult_adds
    unit = analysis.convention.count
    words = {"fr": ("entrée", "paramètres", "entraînables", "tampons", f"mult-adds ({unit})"),
             "en": ("input", "parameters", "trainable", "buffers", f"mult-adds ({unit})")}[lang]
    colon = " : " if lang == "fr" else ": "
    lines += [f"{words[0]}{colon}{analysis.input}", f"{words[1]}{colon}{grouped(analysis.total_params, lang)}",
              f"{words[2]}{colon}{grouped(analysis.trainable_params, lang)}",
              f"{words[3]}{colon}{grouped(analysis.buffers, lang)}", f"{words[4]}{colon}{grouped(mult, lang)}",
              memory_line(analysis.memory, lang)]
    lines += shared_lines(analysis, lang)
    if analysis.checks is not None:
        c = analysis.checks
        status = ("OK" if c.ok else "ÉCHEC") if lang == "fr" else ("OK" if c.ok else "FAILED")
        lines.append(("vérifications (formes, numel, gradient) : " if lang == "fr"
                      else "checks (shapes, numel, gradient): ") + f"{status}, {c.count}")
        lines += [f"  ✗ {r.label}: {r.detail}" for r in c.failures()]
    return "\n".join(lines) + "\n"


def shared_lines(analysis: Analysis, lang: str) -> list[str]:
    """One line per layer that uses parameters counted at an earlier module (tied weights)."""
    out = []
    for l in analysis.layers:
        for owner, count in l.shared:
            n = grouped(count, lang)
            out.append(f"{l.name} : {n} paramètres partagés avec {owner}, comptés une fois (à {owner})" if lang == "fr"
                       else f"{l.name}: {n} parameters shared with {owner}, counted once (at {owner})")
    return out


def explain(analysis: Analysis) -> list:
    """The derivation of every row (shape, parameters, receptive field), then the total.

    Rows with one receptive field for every axis follow the textbook recursion; the others
    (non-square kernels, units seeing the whole input, tokens) are stated with their values.
    """
    import dataclasses

    from solver.derive.architecture_steps import explain_rows
    from solver.maths import architecture as A

    rows = []
    for l in analysis.layers:
        row = l.row
        if not all(isinstance(v, int) for v in (row.rf, row.jump, row.rf_in, row.jump_in)):
            row = dataclasses.replace(row, layer=A.Op(l.type, l.name))
        rows.append(row)
    return explain_rows(rows) + [Step(Text(line_fr, line_en), kind="remark") for line_fr, line_en
                                 in zip(shared_lines(analysis, "fr"), shared_lines(analysis, "en"))]
