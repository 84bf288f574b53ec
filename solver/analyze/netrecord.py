"""Record a real forward pass of a network, one layer per module call or tensor operation.

The network runs once on a zero input of the analysed shape (eval mode, no gradient) under a
torch function mode and global module hooks. Known leaf modules (Conv2d, Linear, BatchNorm2d,
MultiheadAttention…) are recorded as one layer each; every other tensor operation the user's
forward performs (additions, products, `permute`, `view`, `mean`, `x.shape`-dependent code…) is
recorded with the concrete shapes it actually had. Each layer carries its receptive-field
geometry (`solver.analyze.netgeometry`), its parameters, its mult-adds split into parts (products,
biases, normalisation) and the user's source line that called it.

An operation whose geometry is not known stops the recording: `Recording.error` names the
user's file and line, and the layers recorded before it are kept.

Torch is imported inside the functions only.
"""

from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass, field
from typing import Any

from solver.analyze import netgeometry as G
from solver.analyze.netfunctions import leaves
from solver.core.errors import WorkError
from solver.core.text import Text


@dataclass
class Layer:
    """One recorded module call or operation."""

    name: str
    type: str
    in_shape: tuple               # first tensor input, without the batch dimension
    shape: tuple                  # output, without the batch dimension
    geo: Any                      # netgeometry.Geo of the output
    params: int = 0
    buffers: int = 0
    shared: tuple = ()            # ((module, count), …): parameters already counted at that module (tied weights)
    cost: dict = field(default_factory=dict)   # {"products", "bias", "norm"} multiply-adds
    module: str | None = None  # qualified module name (None for a function)
    node: str = ""                # unique name of this call
    line: str = ""                # FILE:LINE of the user's code that made it
    inputs: tuple = ()            # nodes of the tensor inputs ("input" for the network's input)
    twin: tuple | None = None  # how the one-channel geometric twin replays it (None: it cannot)
    spec: Any = None              # solver.maths.architecture spec for explanations (None: generic)
    expected: tuple | None = None  # output shape by the layer's formula (shape self-check)
    row: Any = None               # solver.maths.architecture.Row, filled by solver.analyze.analyze


@dataclass
class Recording:
    layers: list
    error: Text | None = None


class _Stop(Exception):
    """Raised inside the forward pass to stop at an operation the analyzer cannot read."""

    def __init__(self, text: Text):
        super().__init__(text.en)
        self.text = text


def record(model, input_shape: tuple) -> Recording:
    """Run `model` on one zero sample of `input_shape` and record its layers.

    The pass runs first on the meta device (parameters swapped for meta tensors with
    `torch.func.functional_call`, the module untouched): shapes without arithmetic, so a VGG costs
    no more than a LeNet. A forward that needs real values (a decision on a tensor's value, an
    operation without a meta kernel) is run again on the CPU.
    """
    try:
        return _record(model, tuple(input_shape), "meta")
    except _NeedsValues:
        return _record(model, tuple(input_shape), "cpu")


class _NeedsValues(Exception):
    """The meta pass failed for a reason other than the network itself."""


def _record(model, input_shape: tuple, device: str) -> Recording:
    import torch
    from torch.func import functional_call

    recorder = _Recorder(model, len(input_shape) - 1)
    recorder.input_shape = input_shape
    dtype = next((p.dtype for p in model.parameters() if p.is_floating_point()), torch.float32)
    x = torch.zeros(1, *input_shape, dtype=dtype, device=device)
    recorder.track(x, G.start(len(input_shape) - 1), "input")
    model.eval()
    try:
        with torch.no_grad(), recorder.hooks(), recorder:
            if device == "meta":
                functional_call(model, _meta_state(model), (x,))
            else:
                model(x)
    except _Stop as stop:
        return Recording(recorder.layers, stop.text)
    except WorkError:
        raise
    except Exception as exc:  # noqa: BLE001 — the user's forward fails on this input
        if device == "meta":
            raise _NeedsValues() from None
        where = _user_frame_of(exc)
        fr, en = (f"{where} : ", f"{where}: ") if where else ("", "")
        raise WorkError(Text(f"{fr}le passage avant échoue pour l'entrée {input_shape} : {one_line(exc)}",
                             f"{en}the forward pass fails for the input {input_shape}: "
                             f"{one_line(exc)}")) from None
    return Recording(recorder.layers)


def _meta_state(model) -> dict:
    """Every parameter and buffer as a meta tensor of the same shape (parameters stay Parameters);
    a parameter two modules share (tied weights) stays one tensor, so that it is counted once."""
    import torch

    made: dict[int, torch.nn.Parameter] = {}

    def meta(p):
        if id(p) not in made:
            made[id(p)] = torch.nn.Parameter(torch.empty_like(p, device="meta"), requires_grad=p.requires_grad)
        return made[id(p)]

    state = {n: meta(p) for n, p in model.named_parameters(remove_duplicate=False)}
    state.update({n: torch.empty_like(b, device="meta") for n, b in model.named_buffers(remove_duplicate=False)})
    return state


def one_line(exc) -> str:
    text = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    return f"{type(exc).__name__}: {text[0][:300] if text else ''}"


# --- where the user's code is ---------------------------------------------------------------------------

def _library_dirs() -> tuple:
    import torch

    here = os.path.dirname(os.path.abspath(__file__))
    return (os.path.dirname(os.path.abspath(torch.__file__)), here, os.path.dirname(os.__file__))


def user_line(frame=None) -> str:
    """FILE:LINE of the innermost frame outside torch, this package and the standard library."""
    skip = _library_dirs()
    f = frame or sys._getframe(1)
    while f is not None:
        name = f.f_code.co_filename
        if not name.startswith("<") and not os.path.abspath(name).startswith(skip):
            return f"{name}:{f.f_lineno}"
        f = f.f_back
    return ""


def _user_frame_of(exc) -> str:
    import traceback

    skip, found = _library_dirs(), ""
    for frame in traceback.extract_tb(exc.__traceback__):
        if not frame.filename.startswith("<") and not os.path.abspath(frame.filename).startswith(skip):
            found = f"{frame.filename}:{frame.lineno}"
    return found


# --- the recorder ---------------------------------------------------------------------------------------

def _mode_base():
    from torch.overrides import TorchFunctionMode

    return TorchFunctionMode


class _Recorder(_mode_base()):  # type: ignore[misc]  # torch imported on first use: mypy cannot see a base made by a call
    def __init__(self, model, spatial: int):
        super().__init__()
        self.spatial = spatial
        self.geo: dict = {}           # id(tensor) -> (tensor, Geo, node)
        self.layers: list = []
        self.depth = 0                # > 0 inside a leaf module
        self.pending: list = []       # (module, inputs) of the leaf modules entered
        self.counts: dict = {}
        self.module_names = {id(m): n for n, m in model.named_modules(remove_duplicate=False) if n}
        self.counted: set = set()     # ids of modules and parameters already counted
        self.owners: dict = {}        # id of a parameter → the module it was counted at
        self.derived: dict = {}       # id(constant) -> (constant, parameters it was computed from)

    def geo_input_shape(self) -> tuple:
        return self.input_shape

    # tensors and their geometry

    def track(self, tensor, geo, node):
        self.geo[id(tensor)] = (tensor, geo, node)

    def lookup(self, tensor):
        entry = self.geo.get(id(tensor))
        return entry if entry is not None and entry[0] is tensor else None

    # module hooks

    def hooks(self):
        import contextlib

        import torch.nn.modules.module as M

        @contextlib.contextmanager
        def installed():
            handles = [M.register_module_forward_pre_hook(self.before_module),
                       M.register_module_forward_hook(self.after_module)]
            try:
                yield
            finally:
                for h in handles:
                    h.remove()
        return installed()

    def before_module(self, module, args):
        from solver.analyze.netmodules import is_leaf, precheck

        if not is_leaf(module):
            return
        if self.depth == 0:
            name = self.module_names.get(id(module), type(module).__name__)
            precheck(module, args, name, self)
        self.depth += 1
        self.pending.append((module, args))

    def after_module(self, module, args, output):
        from solver.analyze.netmodules import is_leaf, module_layer

        if not is_leaf(module):
            return
        self.depth -= 1
        module, args = self.pending.pop()
        if self.depth:
            return
        tracked = [self.lookup(a) for a in args if _is_tensor(a)]
        if not tracked or tracked[0] is None:
            return
        name = self.module_names.get(id(module), type(module).__name__)
        where = user_line()
        try:
            layer, geos = module_layer(module, args, output, [t[1] for t in tracked if t], name)
        except G.GeometryError as exc:
            raise _Stop(_unsupported(where, type(module).__name__, exc.text)) from None
        except Exception as exc:  # noqa: BLE001 — an unusual call of a known module: stop cleanly
            raise _Stop(_unsupported(where, type(module).__name__, Text(one_line(exc), one_line(exc)))) from None
        layer.module, layer.node, layer.line = name, self.unique(name), where
        layer.inputs = tuple(t[2] for t in tracked if t)
        if id(module) not in self.counted:
            self.counted.add(id(module))
            layer.params, layer.shared = self.module_parameters(module, name)
            layer.buffers = sum(b.numel() for n, b in module.named_buffers() if not n.endswith("num_batches_tracked"))
        self.add(layer, output, geos)

    # functions and tensor methods

    def __torch_function__(self, func, types, args=(), kwargs=None):
        from solver.analyze.netfunctions import function_layer, is_plumbing

        kwargs = kwargs or {}
        if self.depth:
            return func(*args, **kwargs)
        tracked = [t for t in map(self.lookup, _tensors((args, kwargs))) if t is not None]
        name = _fname(func)
        if not tracked:
            out = func(*args, **kwargs)
            self.derive(args, kwargs, out)
            return out
        where = user_line()
        out = func(*args, **kwargs)
        if not _has_tensor(out) or is_plumbing(name):
            return out
        try:
            layer, geos = function_layer(name, func, args, kwargs, out, self.lookup)
        except G.GeometryError as exc:
            raise _Stop(_unsupported(where, name, exc.text)) from None
        except Exception as exc:  # noqa: BLE001 — an unusual call of a known operation: stop cleanly
            raise _Stop(_unsupported(where, name, Text(one_line(exc), one_line(exc)))) from None
        layer.node, layer.line = self.unique(name), where
        layer.name = layer.node
        layer.inputs = tuple(t[2] for t in tracked)
        layer.params = self.loose_parameters((args, kwargs), layer.name)
        self.add(layer, out, geos)
        return out

    def _parameters_in(self, values) -> list:
        import torch

        found = []
        for t in _tensors(values):
            if isinstance(t, torch.nn.Parameter):
                found.append(t)
            entry = self.derived.get(id(t))
            if entry is not None and entry[0] is t:
                found += entry[1]
        return found

    def derive(self, args, kwargs, out) -> None:
        """Remember the parameters behind a constant (class_token.expand(n, -1, -1) is still a parameter)."""
        params = self._parameters_in((args, kwargs))
        if params and _is_tensor(out):
            self.derived[id(out)] = (out, params)

    def module_parameters(self, module, name: str) -> tuple[int, tuple]:
        """(parameters counted at this module's first call, parameters it shares with modules counted
        before, as ((module, count), …)): a tied weight is counted once, at its first module."""
        own, shared = 0, dict[str, int]()
        for p in module.parameters():
            if id(p) in self.counted:
                owner = self.owners[id(p)]
                shared[owner] = shared.get(owner, 0) + p.numel()
            else:
                self.counted.add(id(p))
                self.owners[id(p)] = name
                own += p.numel()
        return own, tuple(shared.items())

    def loose_parameters(self, values, name: str) -> int:
        """Parameters used directly by a function (a class token, a position embedding), counted once."""
        total = 0
        for p in self._parameters_in(values):
            if id(p) not in self.counted:
                self.counted.add(id(p))
                self.owners[id(p)] = name
                total += p.numel()
        return total

    def unique(self, base: str) -> str:
        n = self.counts.get(base, 0)
        self.counts[base] = n + 1
        return base if n == 0 else f"{base}_{n}"

    def add(self, layer, output, geos):
        """Keep the layer (when it made a tensor) and the geometry of every output tensor."""
        outs = [t for t in leaves(output) if _is_tensor(t)]
        for t, geo in zip(outs, geos):
            if geo is not None:
                self.track(t, geo, layer.node)
        if layer.shape is not None:
            self.layers.append(layer)


def _unsupported(where: str, what: str, why: Text) -> Text:
    return Text(f"{where + ' : ' if where else ''}l'analyseur ne sait pas lire `{what}` ({why.fr}) ; les couches "
                "précédentes sont analysées",
                f"{where + ': ' if where else ''}the analyzer cannot read `{what}` ({why.en}); the layers before it "
                "are analysed")


def _fname(func) -> str:
    name = getattr(func, "__name__", None) or str(func)
    if name == "__get__":  # a property such as Tensor.shape or Tensor.T
        owner = getattr(func, "__self__", None)
        name = getattr(owner, "__name__", None) or getattr(getattr(owner, "fget", None), "__name__", "property")
    if name.startswith("__") and name.endswith("__"):
        name = name[2:-2]
        if name.startswith("r") and name[1:] in ("add", "sub", "mul", "truediv", "matmul", "pow", "div"):
            name = name[1:]
    return name


def _is_tensor(v) -> bool:
    import torch

    return isinstance(v, torch.Tensor)


def _tensors(values) -> list:
    return [v for v in leaves(values) if _is_tensor(v)]


def _has_tensor(v) -> bool:
    return any(_is_tensor(x) for x in leaves(v))


def numel(shape) -> int:
    return math.prod(int(v) for v in shape)
