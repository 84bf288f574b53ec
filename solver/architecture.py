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

from dataclasses import dataclass, field
from typing import Any, Sequence, Union

from .layers import conv_output_size, effective_kernel, receptive_field_step


@dataclass(frozen=True)
class Conv:
    """Convolution (1D or 2D, `dims`); `padding` an int per side, ``"same"`` or ``"valid"``."""

    out_channels: Any
    kernel: int
    stride: int = 1
    padding: Union[int, str] = 0
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


@dataclass(frozen=True)
class GlobalPool:
    """Global (adaptive to 1) average or max pooling: one value per channel."""

    kind: str = "avg"
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
    """Batch normalisation: 2·C learned parameters (γ, β) and 2·C buffers (running mean, var)."""

    name: str = ""


@dataclass(frozen=True)
class Activation:
    function: str = "relu"
    name: str = ""


@dataclass(frozen=True)
class Dropout:
    p: float = 0.5
    name: str = ""


Layer = Union[Conv, ConvTranspose, Pool, GlobalPool, Flatten, Linear, BatchNorm, Activation, Dropout]


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
    import sympy as sp

    s = layer.stride or layer.kernel
    if not layer.ceil_mode:
        return _int(conv_output_size(i, layer.kernel, s, layer.padding))
    out = sp.ceiling(sp.Integer(1) * (i + 2 * layer.padding - layer.kernel) / s) + 1
    # torch drops a last window that would start inside the right padding only
    if isinstance(i, int) and (int(out) - 1) * s >= i + layer.padding:
        out -= 1
    return _int(out)


def trace(input_shape: Sequence, layers: Sequence[Layer], rf_start=(1, 1)) -> list[Row]:
    """Trace a sequential network from `input_shape` (channel-first); one `Row` per layer."""
    shape = tuple(input_shape)
    rf, jump = rf_start
    rows: list[Row] = []
    for n, layer in enumerate(layers):
        step = _STEP[type(layer)](shape, layer, rf, jump)
        out_shape, params, buffers, rf, jump, mult_adds, padding = step
        rows.append(Row(layer.name or str(n), layer, shape, out_shape, params, rf, jump,
                        mult_adds, buffers, padding))
        shape = out_shape
    return rows


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
    params = layer.out_channels * c_in * layer.kernel ** 2 + (layer.out_channels if layer.bias else 0)
    mult_adds = _prod(spatial) * c_in * layer.out_channels * layer.kernel ** 2
    # each output unit sees ceil(k_eff / s) input units: the jump shrinks by the stride
    rf = rf + (_ceil_div(k_eff, layer.stride) - 1) * jump
    return out, params, 0, rf, jump, mult_adds, ()


def _pool(shape, layer: Pool, rf, jump):
    c, spatial = shape[0], shape[1:]
    s = layer.stride or layer.kernel
    out = (c, *[pool_out_side(i, layer) for i in spatial])
    rf, jump = receptive_field_step(rf, jump, layer.kernel, s)
    mult_adds = 0
    return out, 0, 0, rf, jump, mult_adds, ()


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
    return shape, 2 * shape[0], 2 * shape[0], rf, jump, 0, ()


def _identity(shape, layer, rf, jump):
    return shape, 0, 0, rf, jump, 0, ()


_STEP = {Conv: _conv, ConvTranspose: _conv_transpose, Pool: _pool, GlobalPool: _global_pool,
         Flatten: _flatten, Linear: _linear, BatchNorm: _batchnorm, Activation: _identity,
         Dropout: _identity}


def total_params(rows: Sequence[Row]) -> Any:
    """Sum of the learned parameters of traced rows."""
    return sum((r.params for r in rows), 0)
