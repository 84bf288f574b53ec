"""Networks as lists of layer specifications, traced exactly: shapes, parameters, receptive fields.

A spec is a small frozen dataclass (`Conv`, `Pool`, `Linear`, …). `trace(input_shape, layers)`
walks them and returns one `Row` per layer with the output shape, the learned parameters, the
receptive field side `rf` and the jump (effective stride) in input pixels, and the mult-adds.
Sizes may be SymPy symbols (input side n, number of classes C). Shapes are channel-first:
(C, H, W) for images, (C, L) for sequences, (N,) once flattened.

Padding ``"same"`` with stride > 1 is not accepted by PyTorch; here it takes the meaning most
courses (and TensorFlow) give it: output side = ceil(input / stride).

>>> rows = trace((1, 28, 28), [Conv(32, 3, padding=1), Pool(2), Flatten(), Linear(10)])
>>> [r.shape for r in rows]
[(32, 28, 28), (32, 14, 14), (6272,), (10,)]
>>> [r.params for r in rows]
[320, 0, 0, 62730]
>>> [r.rf for r in rows[:2]], [r.jump for r in rows[:2]]
([3, 4], [1, 2])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Union

from solver.maths.layers import conv_output_size, effective_kernel, receptive_field_step


@dataclass(frozen=True)
class Conv:
    """Convolution (1D or 2D, `dims`); `padding` an int per side, ``"same"`` or ``"valid"``."""

    out_channels: Any
    kernel: int
    stride: int = 1
    padding: int | str = 0
    dilation: int = 1
    groups: int = 1
    bias: bool = True
    dims: int = 2
    name: str = ""


@dataclass(frozen=True)
class ConvTranspose:
    out_channels: Any
    kernel: int
    stride: int = 1
    padding: int = 0
    output_padding: int = 0
    dilation: int = 1
    bias: bool = True
    name: str = ""
    groups: int = 1


@dataclass(frozen=True)
class Pool:
    """Max or average pooling; `stride` defaults to the kernel size, as in torch."""

    kernel: int
    stride: int | None = None
    padding: int = 0
    kind: str = "max"
    ceil_mode: bool = False
    dims: int = 2
    name: str = ""
    dilation: int = 1


@dataclass(frozen=True)
class GlobalPool:
    """Global (adaptive to 1) average or max pooling: one value per channel."""

    kind: str = "avg"
    name: str = ""


@dataclass(frozen=True)
class AdaptivePool:
    """Adaptive average or max pooling to a fixed output side (torch's AdaptiveAvgPool2d).

    Output bin j of an input of side i covers cells ⌊j·i/o⌋ to ⌈(j+1)·i/o⌉ − 1; when o
    divides i this is a pool of kernel = stride = i/o, otherwise the bins overlap unevenly and
    the receptive field takes the largest bin.
    """

    output_size: int
    kind: str = "avg"
    dims: int = 2
    name: str = ""


@dataclass(frozen=True)
class Flatten:
    name: str = ""


@dataclass(frozen=True)
class Linear:
    out_features: Any
    bias: bool = True
    name: str = ""


@dataclass(frozen=True)
class BatchNorm:
    """Batch normalisation: 2·C learned parameters (γ, β) and 2·C buffers (running mean, var).

    `affine=False` drops γ and β; `track_running_stats=False` drops the buffers (torch also keeps a
    one-value batch counter, not counted here).
    """

    name: str = ""
    affine: bool = True
    track_running_stats: bool = True


@dataclass(frozen=True)
class Activation:
    function: str = "relu"
    name: str = ""


@dataclass(frozen=True)
class Dropout:
    p: float = 0.5
    name: str = ""


@dataclass(frozen=True)
class Op:
    """An operation recorded from a real network (permute, attention, a 1×7 convolution…).

    It is not traced by `trace` (the analyzer computes its row); explanations state its values.
    """

    function: str
    name: str = ""


Layer = Union[Conv, ConvTranspose, Pool, AdaptivePool, GlobalPool, Flatten, Linear, BatchNorm, Activation, Dropout]


@dataclass(frozen=True)
class Row:
    """One traced layer: what comes out of it and what it costs."""

    name: str
    layer: Any
    in_shape: tuple
    shape: tuple
    params: Any
    rf: Any
    jump: Any
    mult_adds: Any
    buffers: Any = 0
    padding: tuple = field(default=())  # padding actually applied per spatial dim (before, after)
    rf_in: Any = None  # receptive field and jump of the layer's input (None: not recorded)
    jump_in: Any = None


def _prod(values) -> Any:
    out = 1
    for v in values:
        out = out * v
    return out


def _ceil_div(a, b):
    import sympy as sp

    if isinstance(a, int) and isinstance(b, int):
        return -(-a // b)
    return sp.ceiling(sp.Integer(1) * a / b)


def _int(v):
    """SymPy integers back to Python ints (clean shapes), symbols untouched."""
    try:
        import sympy as sp

        if isinstance(v, sp.Basic) and v.is_Integer:
            return int(v)
    except ImportError:  # pragma: no cover
        pass
    return v


def conv_out_side(i, layer: Conv):
    """Output side and (before, after) padding of a convolution along one dimension."""
    k, s, d = layer.kernel, layer.stride, layer.dilation
    if layer.padding == "valid":
        return _int(conv_output_size(i, k, s, 0, d)), (0, 0)
    if layer.padding == "same":
        out = _ceil_div(i, s)
        total = (out - 1) * s + effective_kernel(k, d) - i
        if isinstance(total, int):
            total = max(total, 0)
        before = total // 2 if isinstance(total, int) else total / 2
        return _int(out), (before, total - before)
    p = layer.padding
    return _int(conv_output_size(i, k, s, p, d)), (p, p)


def pool_out_side(i, layer: Pool):
    """Output side of a pooling along one dimension (torch's rule, ceil_mode included).

    >>> pool_out_side(7, Pool(2)), pool_out_side(7, Pool(2, ceil_mode=True)), pool_out_side(6, Pool(3, 2, 1, ceil_mode=True))
    (3, 4, 4)
    """
    import sympy as sp

    s = layer.stride or layer.kernel
    span = effective_kernel(layer.kernel, layer.dilation)
    if not layer.ceil_mode:
        return _int(conv_output_size(i, layer.kernel, s, layer.padding, layer.dilation))
    out = sp.ceiling(sp.Integer(1) * (i + 2 * layer.padding - span) / s) + 1
    # torch drops a last window that would start inside the right padding only
    if isinstance(i, int) and (int(out) - 1) * s >= i + layer.padding:
        out -= 1
    return _int(out)


def adaptive_bins(i: int, o: int) -> tuple[int, int]:
    """(largest bin, stride) of an adaptive pooling from side `i` to side `o`.

    Bin j covers ⌊j·i/o⌋ … ⌈(j+1)·i/o⌉ − 1; the stride is exact (i/o) when o divides i, otherwise
    the bins are uneven (or repeat the input when o > i) and (largest bin, ⌊i/o⌋ or 1) is a bound.

    >>> adaptive_bins(14, 7), adaptive_bins(7, 7), adaptive_bins(5, 3)
    ((2, 2), (1, 1), (3, 1))
    """
    sizes = [-(-(j + 1) * i // o) - (j * i // o) for j in range(o)]
    return max(sizes), max(i // o, 1)


def trace(input_shape: Sequence, layers: Sequence[Layer], rf_start=(1, 1)) -> list[Row]:
    """Trace a sequential network from `input_shape` (channel-first); one `Row` per layer."""
    shape = tuple(input_shape)
    rf, jump = rf_start
    rows: list[Row] = []
    for n, layer in enumerate(layers):
        row = step_row(layer.name or str(n), layer, shape, rf, jump)
        rows.append(row)
        shape, rf, jump = row.shape, row.rf, row.jump
    return rows


def trace_between(layers: Sequence[Layer], after: str, until: str, shape: Sequence) -> Row:
    """The row of layer `until`, traced from `shape` taken as the output of layer `after` (the
    layers in between included): a later layer recomputed from a given earlier shape.

    >>> net = [Conv(8, 3, padding=1, name="c1"), Pool(2, name="p1"), Conv(16, 3, padding=1, name="c2")]
    >>> row = trace_between(net, "c1", "c2", (8, 20, 20))
    >>> row.shape, row.params
    ((16, 10, 10), 1168)
    """
    names = [layer.name for layer in layers]
    start, end = names.index(after) + 1, names.index(until) + 1
    if end <= start:
        raise ValueError(f"layer {until!r} does not come after {after!r}")
    return trace(tuple(shape), layers[start:end])[-1]


def channels_first(shape: Sequence) -> tuple:
    """A shape written channels last, (H, W, C), as traced: (C, H, W), whole numbers; others unchanged.

    >>> channels_first((16, 16, 32)), channels_first((4096,))
    ((32, 16, 16), (4096,))
    """
    shape = tuple(int(v) for v in shape)
    return shape[-1:] + shape[:-1] if len(shape) == 3 else shape


def step_row(name: str, layer: Layer, shape: tuple, rf=1, jump=1) -> Row:
    """Trace one layer from an input `shape` whose units have receptive field `rf` and jump `jump`.

    >>> step_row("conv2", Conv(64, 5, padding=2), (32, 14, 14), 4, 2).params
    51264
    """
    kind = type(layer)
    if kind not in _STEP:
        raise ValueError(f"unsupported layer specification {layer!r}")
    out_shape, params, buffers, rf_out, jump_out, mult_adds, padding = _STEP[kind](shape, layer, rf, jump)
    return Row(name, layer, tuple(shape), out_shape, params, rf_out, jump_out, mult_adds, buffers, padding,
               rf_in=rf, jump_in=jump)


def _conv(shape, layer: Conv, rf, jump):
    c_in, spatial = shape[0], shape[1:]
    if len(spatial) != layer.dims:
        raise ValueError(f"a {layer.dims}D convolution needs {layer.dims} spatial dimensions, got {shape}")
    sides = [conv_out_side(i, layer) for i in spatial]
    out = (layer.out_channels, *[o for o, _ in sides])
    weights = layer.out_channels * (c_in // layer.groups) * layer.kernel ** layer.dims
    params = weights + (layer.out_channels if layer.bias else 0)
    rf, jump = receptive_field_step(rf, jump, layer.kernel, layer.stride, layer.dilation)
    mult_adds = _prod(out) * (c_in // layer.groups) * layer.kernel ** layer.dims
    return out, params, 0, rf, jump, mult_adds, tuple(p for _, p in sides)


def _conv_transpose(shape, layer: ConvTranspose, rf, jump):
    c_in, spatial = shape[0], shape[1:]
    k_eff = effective_kernel(layer.kernel, layer.dilation)
    sides = [(i - 1) * layer.stride - 2 * layer.padding + k_eff + layer.output_padding for i in spatial]
    out = (layer.out_channels, *[_int(o) for o in sides])
    weights = c_in * (layer.out_channels // layer.groups) * layer.kernel ** 2
    params = weights + (layer.out_channels if layer.bias else 0)
    mult_adds = _prod(spatial) * weights
    # each output unit sees ceil(k_eff / s) input units: the jump shrinks by the stride
    rf = rf + (_ceil_div(k_eff, layer.stride) - 1) * jump
    return out, params, 0, rf, _shrunk(jump, layer.stride), mult_adds, ()


def _shrunk(jump, stride):
    """The jump divided by an upsampling stride: exact (a Fraction below one pixel), a whole number
    when it divides.

    >>> _shrunk(4, 2), _shrunk(1, 2)
    (2, Fraction(1, 2))
    """
    if not isinstance(jump, (int, Fraction)):
        return jump / stride
    out = Fraction(jump) / stride
    return int(out) if out.denominator == 1 else out


def _pool(shape, layer: Pool, rf, jump):
    c, spatial = shape[0], shape[1:]
    s = layer.stride or layer.kernel
    out = (c, *[pool_out_side(i, layer) for i in spatial])
    rf, jump = receptive_field_step(rf, jump, layer.kernel, s, layer.dilation)
    pads = tuple((layer.padding, layer.padding) for _ in spatial)
    return out, 0, 0, rf, jump, 0, pads


def _adaptive_pool(shape, layer: AdaptivePool, rf, jump):
    c, spatial = shape[0], shape[1:]
    o = layer.output_size
    if not all(isinstance(i, int) for i in spatial):
        raise ValueError("an adaptive pooling needs a numeric input size")
    kernel, stride = adaptive_bins(spatial[0], o)
    rf, jump = receptive_field_step(rf, jump, kernel, stride)
    return (c, *[o for _ in spatial]), 0, 0, rf, jump, 0, tuple((0, 0) for _ in spatial)


def _global_pool(shape, layer: GlobalPool, rf, jump):
    spatial = shape[1:]
    size = max(spatial) if all(isinstance(v, int) for v in spatial) else spatial[0]
    return (shape[0], *[1 for _ in spatial]), 0, 0, rf + (size - 1) * jump, jump, 0, ()


def _flatten(shape, layer, rf, jump):
    return (_int(_prod(shape)),), 0, 0, rf, jump, 0, ()


def _linear(shape, layer: Linear, rf, jump):
    if len(shape) != 1:
        raise ValueError(f"a Linear layer needs a flat input, got shape {shape}: add a Flatten")
    n_in = shape[0]
    params = layer.out_features * n_in + (layer.out_features if layer.bias else 0)
    return (layer.out_features,), params, 0, rf, jump, n_in * layer.out_features, ()


def _batchnorm(shape, layer, rf, jump):
    params = 2 * shape[0] if layer.affine else 0
    buffers = 2 * shape[0] if layer.track_running_stats else 0
    return shape, params, buffers, rf, jump, 0, ()


def _identity(shape, layer, rf, jump):
    return shape, 0, 0, rf, jump, 0, ()


_STEP: dict[type, Callable[..., tuple]] = {Conv: _conv, ConvTranspose: _conv_transpose, Pool: _pool, AdaptivePool: _adaptive_pool,
         GlobalPool: _global_pool,
         Flatten: _flatten, Linear: _linear, BatchNorm: _batchnorm, Activation: _identity,
         Dropout: _identity}


def total_params(rows: Sequence[Row]) -> Any:
    """Sum of the learned parameters of traced rows."""
    return sum((r.params for r in rows), 0)


def unit_windows(rows: Sequence[Row], left: Any = 0) -> list:
    """Left edge (input pixel, may be < 0 in the padding) of the window seen by unit 0 of each row.

    Unit t of a row then sees pixels ``left + t·jump`` to ``left + t·jump + rf − 1``; this is what a
    gradient measurement compares with. A convolution or pooling moves the edge by its padding
    before: left_out = left_in − p·j_in. None once the rows stop being spatial (Linear, global or
    transposed layers).

    >>> rows = trace((1, 28, 28), [Conv(8, 3, padding=1), Pool(2), Conv(8, 3, padding=1)])
    >>> unit_windows(rows)
    [-1, -1, -3]
    """
    out = []
    for row in rows:
        layer = row.layer
        if left is None or isinstance(layer, (Linear, GlobalPool, ConvTranspose)):
            left = None
        elif isinstance(layer, (Conv, Pool)) and row.padding:
            left = left - row.padding[0][0] * row.jump_in
        out.append(left)
    return out
