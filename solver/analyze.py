"""`tdsolver analyze`: shapes, parameters and receptive fields of a real PyTorch network.

The network is loaded from ``FILE.py:NAME``, its module graph is followed with torch.fx (so
residual additions and concatenations work), every leaf module becomes a layer specification
of `solver.architecture` and is traced exactly. The analysis then checks itself: shapes against
a real forward pass, parameter totals against ``sum(p.numel())`` and receptive fields against
the gradient support of one output unit (`gradient_extent`).

Torch is imported inside the functions only.
"""

from __future__ import annotations


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


import math
import operator
import re
from dataclasses import dataclass, field
from typing import Any

from .errors import UsageError, WorkError
from .text import Text


class UnsupportedLayer(WorkError):
    """A module or operation the analyzer cannot turn into a layer specification."""


@dataclass
class Layer:
    """One analysed node of the graph: a `solver.architecture.Row` plus where it sits in the graph."""

    name: str
    type: str
    row: Any                      # solver.architecture.Row (shape, params, rf, jump, mult-adds)
    module: str | None = None     # qualified name of the module (None for a function)
    node: str = ""                # the torch.fx node (unique, also when a module is called twice)
    left: int | None = None       # first input pixel seen by unit 0 (None once not spatial)
    right: int | None = None      # last input pixel seen by unit 0

    @property
    def shape(self) -> tuple:
        return self.row.shape


@dataclass
class Analysis:
    """Every layer of a network traced from an input shape, and the results of the self-checks."""

    model: str
    input: tuple
    layers: list[Layer]
    total_params: int
    trainable_params: int
    buffers: int
    checks: Any = None            # solver.crosscheck.Checks
    notes: list[Text] = field(default_factory=list)

    def as_dict(self) -> dict:
        """The `analyze --json` object of the CLI contract (plus buffers and checks)."""
        layers = [{"name": l.name, "type": l.type, "output_shape": [int(v) for v in l.shape],
                   "params": int(l.row.params), "rf": _json_int(l.row.rf), "jump": _json_int(l.row.jump),
                   "mult_adds": int(l.row.mult_adds)} for l in self.layers]
        out = {"model": self.model, "input": list(self.input), "total_params": self.total_params,
               "trainable_params": self.trainable_params, "buffers": self.buffers, "layers": layers}
        if self.checks is not None:
            out["checks"] = {"count": self.checks.count, "ok": self.checks.ok,
                             "failures": [f"{r.label}: {r.detail}" for r in self.checks.failures()]}
        return out


def _json_int(v):
    return None if v is None else int(v)


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
    model = model.to_empty(device="cpu")
    with torch.no_grad():  # zeros, not leftover memory (denormals would slow the forward pass down)
        for tensor in list(model.parameters()) + list(model.buffers()):
            tensor.zero_()
    return model


def same_stride_message(path: str, name: str, line: int | None) -> Text:
    """The one-line explanation of PyTorch's refusal of padding='same' with a stride > 1."""
    where = f"{path}:{line}" if line else (path or name)
    return Text(
        f"{where} : PyTorch ne construit pas une convolution padding='same' avec un pas > 1. Dans l'énoncé, "
        "« same » veut dire sortie = ⌈entrée/pas⌉ (règle de TensorFlow) : écrivez F.pad(x, (0, 1, 0, 1)) "
        "(le zéro manquant à droite et en bas ; en général un total de (⌈i/s⌉−1)·s + k − i zéros, le surplus "
        "après) puis la convolution avec padding=0.",
        f"{where}: PyTorch does not build a convolution with padding='same' and stride > 1. In the sheet, "
        "'same' means output = ⌈input/stride⌉ (TensorFlow's rule): write F.pad(x, (0, 1, 0, 1)) (the missing "
        "zero on the right and bottom; in general (⌈i/s⌉−1)·s + k − i zeros in total, the extra one after) "
        "then the convolution with padding=0.")


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
    """The `solver.architecture` specification of one leaf module (UnsupportedLayer otherwise)."""
    import torch.nn as nn

    from . import architecture as A

    u = lambda v, what: _uniform(v, what, where)  # noqa: E731
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
    import torch.nn as nn

    return (nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.ELU, nn.SELU, nn.CELU, nn.GELU, nn.SiLU, nn.Mish, nn.Sigmoid,
            nn.Tanh, nn.Softmax, nn.LogSoftmax, nn.Hardswish, nn.Hardsigmoid, nn.Hardtanh, nn.Softplus,
            nn.Identity)


# --- following the graph ------------------------------------------------------------------------------------

@dataclass
class _State:
    """What flows along one edge of the graph: a tensor's shape and its receptive-field geometry."""

    shape: tuple
    rf: Any
    jump: Any
    left: int | None
    right: int | None
    side: int = 1                 # spatial side of the last spatial map (for a Linear after a flatten)


def _functions():
    """Names of the torch functions and methods the analyzer understands, by role."""
    import torch
    import torch.nn.functional as F

    pointwise = {F.relu, torch.relu, F.relu6, F.gelu, F.silu, F.elu, F.leaky_relu, F.hardswish, F.mish,
                 torch.sigmoid, torch.tanh, F.sigmoid, F.tanh, F.softmax, F.log_softmax, torch.softmax,
                 torch.log_softmax, F.dropout, F.dropout2d, torch.exp, torch.abs}
    merge = {operator.add, operator.iadd, torch.add, operator.sub, torch.sub, operator.mul, torch.mul}
    flat = {torch.flatten}
    cat = {torch.cat, torch.concat}
    pools = {F.max_pool1d: ("max", 1), F.max_pool2d: ("max", 2), F.avg_pool1d: ("avg", 1),
             F.avg_pool2d: ("avg", 2)}
    adaptive = {F.adaptive_avg_pool1d: ("avg", 1), F.adaptive_avg_pool2d: ("avg", 2),
                F.adaptive_max_pool1d: ("max", 1), F.adaptive_max_pool2d: ("max", 2)}
    return pointwise, merge, flat, cat, pools, adaptive


_POINTWISE_METHODS = {"relu", "relu_", "sigmoid", "sigmoid_", "tanh", "tanh_", "softmax", "log_softmax",
                      "contiguous", "clone", "float", "double", "exp", "abs", "detach"}
_MERGE_METHODS = {"add", "add_", "sub", "mul", "mul_"}
_FLAT_METHODS = {"flatten", "view", "reshape"}
_SCALAR_METHODS = {"size", "dim", "numel"}


def trace_module(model, input_shape: tuple):
    """Follow `model`'s graph (torch.fx) from one sample of `input_shape`; one `Layer` per tensor node.

    Raises `UnsupportedLayer` for a module or operation it cannot read, `WorkError` when the input is
    too small for a layer.
    """
    import torch.fx

    try:
        graph = torch.fx.symbolic_trace(model)
    except Exception as exc:  # data-dependent Python control flow in the user's forward
        raise UnsupportedLayer(Text(f"torch.fx ne peut pas suivre forward() : {_one_line(exc)}",
                                    f"torch.fx cannot follow forward(): {_one_line(exc)}")) from None
    roles = _functions()
    states: dict = {}
    layers: list[Layer] = []
    for node in graph.graph.nodes:
        if node.op == "placeholder":
            states[node] = _State(tuple(input_shape), 1, 1, 0, 0, input_shape[-1])
            continue
        if node.op in ("output", "get_attr"):
            continue
        inputs = [states[a] for a in _tensor_args(node, states)]
        if node.op != "call_module" and not inputs:
            continue  # arithmetic on sizes (x.size(0) …)
        if node.op == "call_method" and node.target in _SCALAR_METHODS:
            continue
        layer, state = _step(graph, node, inputs, roles)
        _check_positive(layer, input_shape)
        states[node] = state
        layers.append(layer)
    return graph, layers


def _tensor_args(node, states) -> list:
    found = []

    def visit(a):
        if isinstance(a, (list, tuple)):
            for b in a:
                visit(b)
        elif isinstance(a, dict):
            for b in a.values():
                visit(b)
        elif a in states:
            found.append(a)
    visit(node.args)
    visit(node.kwargs)
    return found


def _step(graph, node, inputs, roles):
    from . import architecture as A

    pointwise, merge, flat, cat, pools, adaptive = roles
    where = str(node.target) if node.op == "call_module" else node.name
    if node.op == "call_module":
        module = graph.get_submodule(node.target)
        spec = module_spec(module, where)
        kind = type(module).__name__
        if isinstance(spec, A.Linear):
            _check_linear(module, inputs[0], where)
        _check_channels(module, inputs[0], where)
    elif node.op == "call_function" and node.target in pointwise or \
            node.op == "call_method" and node.target in _POINTWISE_METHODS:
        spec, kind = A.Activation(_fname(node), where), _fname(node)
    elif node.op == "call_function" and node.target in merge or \
            node.op == "call_method" and node.target in _MERGE_METHODS:
        return _merge(node, inputs, where, channels_add=False)
    elif node.op == "call_function" and node.target in cat:
        return _merge(node, inputs, where, channels_add=True)
    elif node.op == "call_function" and node.target is _pad_function():
        return _pad(node, inputs[0], where)
    elif node.op == "call_function" and node.target in flat or \
            node.op == "call_method" and node.target in _FLAT_METHODS:
        spec, kind = A.Flatten(where), "flatten"
    elif node.op == "call_function" and node.target in pools:
        kind_pool, dims = pools[node.target]
        spec = _functional_pool(node, kind_pool, dims, where)
        kind = node.target.__name__
    elif node.op == "call_function" and node.target in adaptive:
        kind_pool, dims = adaptive[node.target]
        size = _uniform(node.args[1] if len(node.args) > 1 else node.kwargs["output_size"], "output_size", where)
        spec, kind = A.AdaptivePool(size, kind_pool, dims, where), node.target.__name__
    else:
        raise UnsupportedLayer(Text(f"{where} : l'opération {_fname(node)} n'est pas prise en charge par l'analyseur",
                                    f"{where}: the operation {_fname(node)} is not supported by the analyzer"))
    return _apply(spec, kind, inputs[0], where, node)


def _fname(node) -> str:
    target = node.target
    return target if isinstance(target, str) else getattr(target, "__name__", str(target))


def _functional_pool(node, kind, dims, where):
    from . import architecture as A

    names = ("input", "kernel_size", "stride", "padding", "dilation", "ceil_mode")
    values = dict(zip(names, node.args))
    values.update(node.kwargs)
    kernel = _uniform(values["kernel_size"], "kernel_size", where)
    stride = values.get("stride") or kernel
    if kind == "avg":  # avg_pool's fifth argument is ceil_mode, it has no dilation
        values["ceil_mode"] = values.pop("dilation", values.get("ceil_mode", False))
    return A.Pool(kernel, _uniform(stride, "stride", where), _uniform(values.get("padding", 0), "padding", where),
                  kind, bool(values.get("ceil_mode", False)), dims, where,
                  _uniform(values.get("dilation", 1), "dilation", where) if kind == "max" else 1)


def _apply(spec, kind, state: _State, where: str, node):
    from . import architecture as A

    shape, rf, jump, side = state.shape, state.rf, state.jump, state.side
    spatial = len(shape) > 1
    if isinstance(spec, A.Linear) and spatial:
        raise UnsupportedLayer(Text(f"{where} : couche Linear appliquée à une carte {shape} (sans flatten)",
                                    f"{where}: Linear layer applied to a {shape} map (no flatten)"))
    if isinstance(spec, (A.Conv, A.Pool, A.AdaptivePool, A.ConvTranspose)) and not spatial:
        raise WorkError(Text(f"{where} : une couche spatiale reçoit un vecteur {shape}",
                             f"{where}: a spatial layer receives a vector {shape}"))
    if isinstance(spec, A.Conv) and len(shape) - 1 != spec.dims:
        raise WorkError(Text(f"{where} : une convolution {spec.dims}D reçoit une entrée {shape} ; vérifiez --input",
                             f"{where}: a {spec.dims}D convolution receives an input {shape}; check --input"))
    if isinstance(spec, A.Linear):  # every output sees the whole last map
        rf, jump, side = rf + (side - 1) * jump, jump, 1
    try:
        row = A.step_row(where, spec, shape, rf, jump)
    except ValueError as exc:
        raise WorkError(Text(f"{where} : {exc}", f"{where}: {exc}")) from None
    left, right = state.left, state.right
    if left is not None and isinstance(spec, (A.Conv, A.Pool, A.AdaptivePool)):
        before = row.padding[0][0] if row.padding else 0
        k_eff = row.rf - row.rf_in  # (k_eff − 1)·j_in
        left, right = left - before * jump, right - before * jump + k_eff
    if isinstance(spec, (A.Linear, A.ConvTranspose)) or \
            isinstance(spec, A.AdaptivePool) and any(i % spec.output_size for i in shape[1:]):
        left = right = None  # not spatial any more, or uneven bins: no exact window to measure
    if isinstance(spec, A.Linear):
        row = _replace(row, rf=rf, rf_in=state.rf)
    new_side = row.shape[-1] if len(row.shape) > 1 else side
    return Layer(where, kind, row, str(node.target) if node.op == "call_module" else None, node.name, left, right), \
        _State(row.shape, row.rf, row.jump, left, right, new_side)


def _pad_function():
    import torch.nn.functional as F

    return F.pad


def _pad(node, state: _State, where: str):
    """F.pad (zeros): the map grows, the receptive field does not, the windows shift by the padding before."""
    from . import architecture as A

    pad = tuple(node.args[1] if len(node.args) > 1 else node.kwargs["pad"])
    spatial = state.shape[1:]
    if len(pad) != 2 * len(spatial) or not all(isinstance(v, int) for v in pad):
        raise UnsupportedLayer(Text(f"{where} : F.pad{pad} sur une carte {state.shape} n'est pas pris en charge",
                                    f"{where}: F.pad{pad} on a {state.shape} map is not supported"))
    per_dim = [(pad[2 * j], pad[2 * j + 1]) for j in range(len(spatial))][::-1]  # F.pad lists the last dim first
    shape = (state.shape[0], *[n + a + b for n, (a, b) in zip(spatial, per_dim)])
    before = per_dim[0][0]
    left = None if state.left is None else state.left - before * state.jump
    right = None if state.right is None else state.right - before * state.jump
    row = A.Row(where, A.Activation("pad", where), state.shape, shape, 0, state.rf, state.jump, 0,
                padding=tuple(per_dim), rf_in=state.rf, jump_in=state.jump)
    return Layer(where, "pad", row, None, node.name, left, right), \
        _State(shape, state.rf, state.jump, left, right, shape[-1])


def _replace(row, **changes):
    import dataclasses

    return dataclasses.replace(row, **changes)


def _merge(node, inputs, where, channels_add: bool):
    """Residual addition (or product) and concatenation: the largest receptive field over the paths."""
    from . import architecture as A

    shapes = [s.shape for s in inputs]
    if channels_add:
        spatial = {s[1:] for s in shapes}
        if len(spatial) != 1:
            raise WorkError(Text(f"{where} : concaténation de cartes de tailles {shapes}",
                                 f"{where}: concatenation of maps of sizes {shapes}"))
        shape = (sum(s[0] for s in shapes), *shapes[0][1:])
    else:
        shape = max(shapes, key=lambda s: (len(s), math.prod(s)))
    best = max(inputs, key=lambda s: s.rf)
    lefts = [s.left for s in inputs if s.left is not None and len(s.shape) > 1]
    rights = [s.right for s in inputs if s.right is not None and len(s.shape) > 1]
    left = min(lefts) if lefts and len(lefts) == len(inputs) else None
    right = max(rights) if rights and len(rights) == len(inputs) else None
    jump = max(s.jump for s in inputs)
    kind = "cat" if channels_add else _fname(node)
    row = A.Row(where, A.Activation(kind, where), shapes[0], shape, 0, best.rf, jump, 0, rf_in=best.rf,
                jump_in=jump)
    return Layer(where, kind, row, None, node.name, left, right), _State(shape, best.rf, jump, left, right, best.side)


def _check_linear(module, state: _State, where: str):
    n_in = math.prod(state.shape) if len(state.shape) == 1 else None
    if n_in is not None and n_in != module.in_features:
        raise WorkError(Text(
            f"{where} : la couche Linear attend {module.in_features} entrées mais reçoit {n_in} pour cette taille "
            "d'entrée ; changez --input (ou l'argument du constructeur)",
            f"{where}: the Linear layer expects {module.in_features} inputs but gets {n_in} for this input size; "
            "change --input (or the constructor argument)"))


def _check_channels(module, state: _State, where: str):
    expected = getattr(module, "in_channels", None) or getattr(module, "num_features", None)
    if expected is not None and len(state.shape) > 1 and state.shape[0] != expected:
        raise WorkError(Text(
            f"{where} : {type(module).__name__} attend {expected} canaux mais en reçoit {state.shape[0]} ; "
            "vérifiez --input (canaux d'abord : C,H,W)",
            f"{where}: {type(module).__name__} expects {expected} channels but gets {state.shape[0]}; "
            "check --input (channels first: C,H,W)"))


def _check_positive(layer: Layer, input_shape):
    if any(int(v) < 1 for v in layer.shape):
        raise WorkError(Text(
            f"l'entrée {tuple(input_shape)} est trop petite pour le réseau : {layer.name} ({layer.type}) "
            f"donnerait une sortie {tuple(layer.shape)}",
            f"the input {tuple(input_shape)} is too small for the network: {layer.name} ({layer.type}) would "
            f"give an output {tuple(layer.shape)}"))


# --- the analysis and its self-checks ------------------------------------------------------------------------

def analyze(model, input_shape: tuple, label: str = "", check: bool = True) -> Analysis:
    """Trace `model` from one sample of `input_shape` and (by default) cross-check the result.

    Parameters are counted once per module (a module called twice is shared). Checks: every shape
    against a real forward pass (torch.fx ShapeProp), the total against ``sum(p.numel())``, and every
    spatial receptive field against the gradient support of one unit (`check_receptive_fields`).
    """
    from .crosscheck import Checks

    graph, layers = trace_module(model, input_shape)
    counted, total = set(), 0
    for layer in layers:
        if layer.module is None or layer.module not in counted:
            total += int(layer.row.params)
            counted.add(layer.module)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    buffers = sum(int(l.row.buffers) for l in layers)
    analysis = Analysis(label, tuple(input_shape), layers, total, trainable, buffers)
    if check:
        analysis.checks = Checks()
        check_shapes(graph, layers, input_shape, analysis.checks)
        analysis.checks.equal("total parameters = sum(p.numel())", total, sum(p.numel() for p in model.parameters()))
        check_receptive_fields(graph, layers, input_shape, analysis.checks)
    return analysis


def check_shapes(graph, layers, input_shape, checks) -> None:
    """Every computed shape against a real forward pass of the network (eval mode, no gradient)."""
    import torch
    from torch.fx.passes.shape_prop import ShapeProp

    graph.eval()
    x = torch.zeros(1, *input_shape)
    try:
        with torch.no_grad():
            ShapeProp(graph).propagate(x)
    except Exception as exc:  # the user's forward on this input
        raise WorkError(Text(f"le passage avant réel échoue pour l'entrée {tuple(input_shape)} : {_one_line(exc)}",
                             f"the real forward pass fails for the input {tuple(input_shape)}: "
                             f"{_one_line(exc)}")) from None
    by_name = {n.name: n for n in graph.graph.nodes}
    for layer in layers:
        node = by_name.get(layer.node)
        meta = node.meta.get("tensor_meta") if node is not None else None
        if meta is not None and hasattr(meta, "shape"):
            checks.equal(f"shape {layer.name}", tuple(int(v) for v in layer.shape), tuple(meta.shape[1:]))


def probe_side(layers, input_shape) -> int | None:
    """An input side on which one unit of every spatial layer sees a window inside the image."""
    need = 0
    for layer in layers:
        if layer.left is None or len(layer.shape) < 2:
            continue
        t = _first_unit(layer)
        need = max(need, layer.right + t * int(layer.row.jump) + 1 + int(layer.row.jump))
    return max(need, max(input_shape[1:])) if need else None


def _first_unit(layer) -> int:
    """The first unit whose window starts at or after pixel 0."""
    jump = int(layer.row.jump)
    return max(0, -(layer.left // jump)) if layer.left < 0 else 0


def check_receptive_fields(graph, layers, input_shape, checks) -> None:
    """Receptive fields against the gradient support of one unit, in a one-channel twin of the graph.

    The twin has the real graph (same branches and merges) and each layer's real geometry (kernel,
    stride, padding, dilation, ceil_mode read from the module), one channel, positive averaging
    kernels, and max pools replaced by average pools of the same geometry (a max pool passes the
    gradient to its argmax only). The analyzer accepts only geometries equal along every spatial
    dimension, so the network is separable and the twin runs along one dimension (the height): the
    same support, at a cost linear in the side. The input is made large enough for the window not
    to be clipped.
    """
    import torch

    side = probe_side(layers, input_shape)
    if side is None:
        return
    x = torch.ones(1, 1, side, dtype=torch.float64, requires_grad=True)
    outputs = _run_twin(graph, x, {l.node: l for l in layers})
    for layer in layers:
        out = outputs.get(layer.node)
        if out is None or layer.left is None or len(layer.shape) < 2:
            continue
        t = _first_unit(layer)
        if t >= out.shape[-1]:
            continue
        grad, = torch.autograd.grad(out[0, 0, t], x, retain_graph=True)
        support = (grad[0, 0] != 0).nonzero()
        jump = int(layer.row.jump)
        want = (layer.left + t * jump, layer.right + t * jump)
        got = (int(support[:, 0].min()), int(support[:, 0].max())) if support.numel() else None
        checks.equal(f"receptive field {layer.name} (gradient support)", got, want)


def _run_twin(graph, x, layers: dict) -> dict:
    """Run the one-channel, one-dimension geometric twin of the graph; the output of each node by name.

    Adaptive pools become the fixed pool they are at the analysed size (their bins change with the
    input side, and the twin's input is larger).
    """
    import torch.nn.functional as F

    pointwise, merge, flat, cat, pools, adaptive = _functions()
    values, out = {}, {}
    for node in graph.graph.nodes:
        if node.op == "placeholder":
            values[node] = x
            continue
        args = [values[a] for a in _tensor_args(node, values)]
        if node.op in ("output", "get_attr") or not args:
            continue
        y, v, name = None, args[0], node.name
        layer = layers.get(name)
        if layer is not None and type(layer.row.layer).__name__ == "AdaptivePool":
            k = layer.row.in_shape[-1] // layer.row.layer.output_size
            y = _avg_pool(v, k, k, 0, False, 1) if layer.left is not None else None
        elif node.op == "call_function" and node.target is F.pad:
            pad = tuple(node.args[1] if len(node.args) > 1 else node.kwargs["pad"])
            y = F.pad(v, pad[-2:])  # the first spatial dimension is listed last
        elif node.op == "call_module":
            y = _twin_module(graph.get_submodule(node.target), v)
        elif node.op == "call_function" and (node.target in merge or node.target in cat) or \
                node.op == "call_method" and node.target in _MERGE_METHODS:
            y = sum(args[1:], args[0]) if len({a.shape for a in args}) == 1 else None
        elif node.op == "call_function" and node.target in pointwise or \
                node.op == "call_method" and node.target in _POINTWISE_METHODS:
            y = v
        elif node.op == "call_function" and node.target in pools:
            spec = _functional_pool(node, pools[node.target][0], pools[node.target][1], name)
            y = _avg_pool(v, spec.kernel, spec.stride, spec.padding, spec.ceil_mode, spec.dilation)
        if y is not None:
            values[node] = out[name] = y
    return out


def _first(v):
    return v[0] if isinstance(v, (tuple, list)) else v


def _twin_module(m, v):
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    if isinstance(m, (nn.Conv1d, nn.Conv2d)):
        k = _first(m.kernel_size)
        w = torch.full((1, 1, k), 1.0 / k, dtype=v.dtype)
        padding = m.padding if isinstance(m.padding, str) else _first(m.padding)
        return F.conv1d(v, w, stride=_first(m.stride), padding=padding, dilation=_first(m.dilation))
    if isinstance(m, (nn.MaxPool1d, nn.MaxPool2d, nn.AvgPool1d, nn.AvgPool2d)):
        stride = m.stride if m.stride is not None else m.kernel_size
        return _avg_pool(v, _first(m.kernel_size), _first(stride), _first(m.padding), m.ceil_mode,
                         _first(getattr(m, "dilation", 1)))
    if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d, nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.AlphaDropout)) \
            or isinstance(m, _activation_modules()):
        return v
    return None


def _avg_pool(v, kernel, stride, padding, ceil_mode, dilation):
    import torch
    import torch.nn.functional as F

    if dilation != 1:  # average pools have no dilation: a dilated box kernel
        w = torch.full((1, 1, kernel), 1.0 / kernel, dtype=v.dtype)
        return F.conv1d(F.pad(v, (padding, padding)), w, stride=stride, dilation=dilation)
    return F.avg_pool1d(v, kernel, stride, padding, ceil_mode=ceil_mode)


# --- output -------------------------------------------------------------------------------------------------

def grouped(n, lang: str) -> str:
    """An integer with thousands grouped the way each language writes them.

    >>> grouped(138357544, "fr"), grouped(138357544, "en")
    ('138 357 544', '138,357,544')
    """
    text = f"{int(n):,}"
    return text.replace(",", " ") if lang == "fr" else text


def table(analysis: Analysis, lang: str = "fr") -> str:
    """A torchinfo-like table: layer, type, output shape, parameters, rf, jump, mult-adds, then totals."""
    head = {"fr": ("couche", "type", "forme de sortie", "paramètres", "rf", "pas", "mult-adds"),
            "en": ("layer", "type", "output shape", "params", "rf", "jump", "mult-adds")}[lang]
    rows = [head] + [(l.name, l.type, "(" + ", ".join(str(v) for v in l.shape) + ")", grouped(l.row.params, lang),
                      str(l.row.rf), str(l.row.jump), grouped(l.row.mult_adds, lang)) for l in analysis.layers]
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    align = ("<", "<", "<", ">", ">", ">", ">")
    fmt = "  ".join(f"{{:{a}{w}}}" for a, w in zip(align, widths))
    lines = [fmt.format(*rows[0]), "-" * (sum(widths) + 2 * (len(widths) - 1))]
    lines += [fmt.format(*r) for r in rows[1:]]
    lines.append(lines[1])
    mult = sum(int(l.row.mult_adds) for l in analysis.layers)
    words = {"fr": ("entrée", "paramètres", "entraînables", "tampons", "mult-adds"),
             "en": ("input", "parameters", "trainable", "buffers", "mult-adds")}[lang]
    colon = " : " if lang == "fr" else ": "
    lines += [f"{words[0]}{colon}{analysis.input}", f"{words[1]}{colon}{grouped(analysis.total_params, lang)}",
              f"{words[2]}{colon}{grouped(analysis.trainable_params, lang)}",
              f"{words[3]}{colon}{grouped(analysis.buffers, lang)}", f"{words[4]}{colon}{grouped(mult, lang)}"]
    if analysis.checks is not None:
        c = analysis.checks
        status = ("OK" if c.ok else "ÉCHEC") if lang == "fr" else ("OK" if c.ok else "FAILED")
        lines.append(("vérifications (formes, numel, gradient) : " if lang == "fr"
                      else "checks (shapes, numel, gradient): ") + f"{status}, {c.count}")
        lines += [f"  ✗ {r.label}: {r.detail}" for r in c.failures()]
    return "\n".join(lines) + "\n"


def explain(analysis: Analysis) -> list:
    """The derivation of every row (shape, parameters, receptive field), then the total."""
    from .architecture import explain_rows

    return explain_rows([l.row for l in analysis.layers])
