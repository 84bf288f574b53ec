"""Tensor operations of a forward pass as recorded layers: geometry, mult-adds, replay in the twin.

`function_layer(name, func, args, kwargs, out, lookup)` reads one torch function or tensor method
with its concrete arguments and result. `lookup(tensor)` gives the (tensor, Geo, node) of a tensor
that depends on the network's input (None for constants: weights, class tokens, masks).
"""

from __future__ import annotations

import math
from fractions import Fraction

from solver.analyze import netgeometry as G
from solver.maths.layers import effective_kernel

ELEMENTWISE = frozenset((
    "add sub mul div truediv floordiv floor_divide true_divide rsub iadd isub imul itruediv idiv add_ "
    "sub_ mul_ div_ neg pow ipow relu relu_ relu6 gelu silu silu_ elu elu_ selu celu leaky_relu "
    "leaky_relu_ hardswish hardswish_ hardsigmoid hardsigmoid_ hardtanh hardtanh_ mish softplus softsign "
    "logsigmoid sigmoid sigmoid_ tanh tanh_ exp log abs sqrt rsqrt square reciprocal sin cos erf sign "
    "clamp clamp_ clip clamp_min clamp_max clone contiguous float double half to type detach data dropout "
    "dropout1d dropout2d dropout3d alpha_dropout feature_alpha_dropout maximum minimum where masked_fill "
    "masked_fill_ addcmul lerp nan_to_num channel_shuffle native_channel_shuffle requires_grad_ expand "
    "expand_as broadcast_to eq ne gt lt ge le logical_and logical_or logical_not").split())
NORMS = frozenset({"batch_norm", "layer_norm", "group_norm", "instance_norm"})
REDUCTIONS = frozenset((
    "mean sum amax amin max min std var norm logsumexp prod argmax argmin softmax log_softmax cumsum "
    "cumprod").split())
PERMUTES = frozenset(["permute", "transpose", "swapaxes", "swapdims", "t", "T", "mT", "movedim", "moveaxis"])
RESHAPES = frozenset((
    "view reshape flatten unflatten squeeze unsqueeze view_as reshape_as squeeze_ unsqueeze_ ravel").split())
PIECES = frozenset(["chunk", "split", "tensor_split", "unbind", "split_with_sizes"])
JOINS = frozenset(["cat", "concat", "concatenate", "stack", "hstack", "vstack"])
PLUMBING = frozenset((
    "new_zeros new_ones new_empty new_full new_tensor zeros_like ones_like empty_like full_like rand_like "
    "randn_like randint_like").split())
MATMULS = frozenset(["matmul", "mm", "bmm"])


def is_plumbing(name: str) -> bool:
    """Operations whose result does not depend on the input's values (a new tensor of its shape)."""
    return name in PLUMBING


def arg(args, kwargs, i, key, default=None):
    if key in kwargs:
        return kwargs[key]
    return args[i] if len(args) > i else default


def per_dim(value, n: int) -> tuple:
    if isinstance(value, (tuple, list)):
        values = tuple(int(v) for v in value)
        return values if len(values) == n else values[:1] * n
    return (int(value),) * n


def numel(t) -> int:
    return math.prod(int(v) for v in t.shape)


def standard(geo, ndim: int) -> bool:
    """Channel-first layout (N, C, *spatial) on a regular grid, not yet global: the twin can replay it."""
    spatial = len(geo.rf)
    return not geo.glob and ndim == spatial + 2 and all(geo.regular(2 + a) == a for a in range(spatial)) \
        and not geo.dims[0] and not geo.dims[1]


def conv_padding(padding, kernel, dilation) -> tuple:
    """Per-dimension padding before the window; torch's 'same' pads d·(k − 1)//2 before."""
    if padding == "valid":
        return (0,) * len(kernel)
    if padding == "same":
        return tuple(d * (k - 1) // 2 for k, d in zip(kernel, dilation))
    return per_dim(padding, len(kernel))


def conv_cost(out, weight, bias) -> dict:
    return {"products": numel(out) * math.prod(weight.shape[1:]), "bias": numel(out) if bias is not None else 0}


def transpose_cost(x, out, weight, bias) -> dict:
    return {"products": numel(x) * math.prod(weight.shape[1:]), "bias": numel(out) if bias is not None else 0}


def linear_cost(out, weight, bias) -> dict:
    return {"products": numel(out) * int(weight.shape[-1]), "bias": numel(out) if bias is not None else 0}


def window_layer(geo, x, kernel, stride, padding, dilation, ceil=False, kind="conv"):
    """Geometry and twin of a sliding window over the last len(kernel) dimensions of `x`."""
    out = G.window(geo, kernel, stride, padding, dilation)
    twin = (kind, kernel, stride, padding, dilation, ceil) if standard(geo, x.dim()) else None
    return out, twin


def adaptive_geo(geo, x, size):
    """Adaptive pooling: to 1 along a dimension is global; even bins are a window; uneven bins bound it."""
    from solver.maths.architecture import adaptive_bins

    n = len(size)
    sides = [int(v) for v in x.shape[-n:]]
    size = tuple(s if o is None else int(o) for s, o in zip(sides, size))
    if any(o == 1 and s > 1 for o, s in zip(size, sides)):
        return G.reduce(geo, [x.dim() - n + j for j in range(n) if size[j] == 1 and sides[j] > 1], keep=True), None
    if all(s % o == 0 for s, o in zip(sides, size)):
        k = tuple(s // o for s, o in zip(sides, size))
        return window_layer(geo, x, k, k, (0,) * n, (1,) * n, kind="avg")
    bins = [adaptive_bins(s, o) for s, o in zip(sides, size)]
    out = G.window(geo, [b[0] for b in bins], [b[1] for b in bins], (0,) * n, (1,) * n)
    return G.irregular(out, []).with_axes(left=tuple(None for _ in out.left)), None


def upsample_geo(geo, x, out, mode):
    seen = {"nearest": 1, "nearest-exact": 1, "area": 1, "linear": 2, "bilinear": 2, "bicubic": 4}.get(mode)
    if seen is None:
        raise G.GeometryError(f"mode de suréchantillonnage {mode!r}", f"upsampling mode {mode!r}")
    scale = [Fraction(int(o), int(i)) for i, o in zip(x.shape[2:], out.shape[2:])]
    return G.spread(geo, [seen if s > 1 else min(seen, 2) for s in scale], scale)


def function_layer(name, func, args, kwargs, out, lookup):
    """(Layer, [Geo per output tensor]) of one tensor operation."""
    from solver.analyze.netrecord import Layer

    tracked = [t for t in map(lookup, _tensor_args(args, kwargs)) if t is not None]
    x, geo = tracked[0][0], tracked[0][1]
    outs = [t for t in leaves(out) if hasattr(t, "shape") and hasattr(t, "dim")]
    first = outs[0]
    layer = Layer(name, name, tuple(x.shape[1:]), tuple(first.shape[1:]), None)
    rule = _RULES.get(name) or _family(name)
    if rule is None:
        raise G.GeometryError("opération dont l'effet sur les positions n'est pas connu",
                              "an operation whose effect on positions is not known")
    geos = rule(layer, geo, x, args, kwargs, out, outs, tracked)
    layer.geo = geos[0]
    return layer, geos


def _family(name):
    for names, rule in ((ELEMENTWISE, _elementwise), (NORMS, _norm), (REDUCTIONS, _reduction),
                        (PERMUTES, _permute), (RESHAPES, _reshape), (PIECES, _pieces), (JOINS, _join),
                        (MATMULS, _matmul)):
        if name in names:
            return rule
    return None


def _tensor_args(args, kwargs):
    return [v for v in leaves((args, kwargs)) if hasattr(v, "shape") and hasattr(v, "dim")]


def leaves(v):
    """Every value inside nested lists, tuples and dicts (the tensors among a call's arguments)."""
    if isinstance(v, (list, tuple)):
        for x in v:
            yield from leaves(x)
    elif isinstance(v, dict):
        for x in v.values():
            yield from leaves(x)
    else:
        yield v


def _elementwise(layer, geo, x, args, kwargs, out, outs, tracked):
    shapes = [tuple(t[0].shape) for t in tracked]
    result = G.merge([t[1] for t in tracked], shapes, tuple(outs[0].shape))
    if all(s == tuple(outs[0].shape) for s in shapes) and all(standard(t[1], t[0].dim()) for t in tracked):
        layer.twin = ("same",)
    if layer.type in ("add", "iadd", "add_", "mul", "imul", "mul_", "sub"):
        from solver.maths.architecture import Activation

        layer.spec = Activation(layer.type, layer.name)
    return [result] * len(outs)


def _norm(layer, geo, x, args, kwargs, out, outs, tracked):
    layer.cost = {"norm": numel(outs[0])}
    if layer.type == "batch_norm":
        return _elementwise(layer, geo, x, args[:1], {}, out, outs, tracked[:1])
    if layer.type == "layer_norm":
        shape = arg(args, kwargs, 1, "normalized_shape")
        count = len(shape) if isinstance(shape, (tuple, list)) else 1
        return [G.reduce(geo, list(range(x.dim() - count, x.dim())), keep=True)]
    return [G.reduce(geo, list(range(1 if layer.type == "group_norm" else 2, x.dim())), keep=True)]


def _reduction(layer, geo, x, args, kwargs, out, outs, tracked):
    other = arg(args, kwargs, 1, "other")
    if layer.type in ("max", "min") and hasattr(other, "shape"):
        return _elementwise(layer, geo, x, args, kwargs, out, outs, tracked)
    dim = arg(args, kwargs, 1, "dim")
    if layer.type == "norm":
        dim = arg(args, kwargs, 2, "dim")
    keep = bool(arg(args, kwargs, 2, "keepdim", False)) or layer.type in ("softmax", "log_softmax", "cumsum",
                                                                          "cumprod")
    if dim is None:
        dims = list(range(x.dim()))
    else:
        dims = list(dim) if isinstance(dim, (tuple, list)) else [dim]
    result = G.reduce(geo, dims, keep)
    return [result if o.dim() == len(result.dims) else result.with_axes(dims=result.dims[:o.dim()]) for o in outs]


def _permute(layer, geo, x, args, kwargs, out, outs, tracked):
    n = x.dim()
    name = layer.type
    if name == "permute":
        order = args[1:] if len(args) > 2 or not isinstance(arg(args, kwargs, 1, "dims"), (tuple, list)) \
            else arg(args, kwargs, 1, "dims")
        order = list(order)
    elif name in ("t", "T"):
        order = list(range(n))[::-1]
    elif name == "mT":
        order = list(range(n - 2)) + [n - 1, n - 2]
    elif name in ("movedim", "moveaxis"):
        src = arg(args, kwargs, 1, "source")
        dst = arg(args, kwargs, 2, "destination")
        src, dst = ([src], [dst]) if isinstance(src, int) else (list(src), list(dst))
        rest = [d for d in range(n) if d not in [s % n for s in src]]
        order = [None] * n
        for s, d in zip(src, dst):
            order[d % n] = s % n
        it = iter(rest)
        order = [o if o is not None else next(it) for o in order]
    else:
        a, b = arg(args, kwargs, 1, "dim0") % n, arg(args, kwargs, 2, "dim1") % n
        order = list(range(n))
        order[a], order[b] = b, a
    return [G.permute(geo, [int(o) for o in order])]


def _reshape(layer, geo, x, args, kwargs, out, outs, tracked):
    result = G.reshape(geo, tuple(x.shape), tuple(outs[0].shape))
    if layer.type == "flatten" and outs[0].dim() == 2:
        from solver.maths.architecture import Flatten

        layer.spec = Flatten(layer.name)
    return [result]


def _pieces(layer, geo, x, args, kwargs, out, outs, tracked):
    """chunk/split/unbind: each piece is a slice (or an index, for unbind) along one dimension."""
    dim = arg(args, kwargs, 2, "dim", 0) if layer.type != "unbind" else arg(args, kwargs, 1, "dim", 0)
    dim %= x.dim()
    geos, start = [], 0
    for piece in outs:
        if layer.type == "unbind":
            g = G.shift(geo, dim, start)
            g = g.with_axes(dims=g.dims[:dim] + g.dims[dim + 1:])
            start += 1
        else:
            g = G.shift(geo, dim, start)
            start += int(piece.shape[dim])
        geos.append(g)
    layer.shape = None  # pure plumbing: no row of its own
    return geos


def _join(layer, geo, x, args, kwargs, out, outs, tracked):
    tensors = [t for t in leaves(arg(args, kwargs, 0, "tensors")) if hasattr(t, "shape")]
    dim = arg(args, kwargs, 1, "dim", 0)
    pairs = [(t[1], tuple(t[0].shape)) for t in tracked]
    result_shape = tuple(outs[0].shape)
    if layer.type == "stack":
        dim %= len(result_shape)
        geos = [g.with_axes(dims=g.dims[:dim] + (frozenset(),) + g.dims[dim:]) for g, _ in pairs]
        shapes = [s[:dim] + (1,) + s[dim:] for _, s in pairs]
        return [G.merge(geos, shapes, result_shape)]
    dim %= len(result_shape)
    shapes = [s[:dim] + (result_shape[dim],) + s[dim + 1:] for _, s in pairs]
    if len(tensors) == len(tracked) and all(standard(g, len(s)) for g, s in pairs) and dim == 1:
        layer.twin = ("same",)
        from solver.maths.architecture import Activation

        layer.spec = Activation("cat", layer.name)
    return [G.merge([g for g, _ in pairs], shapes, result_shape, along=dim)]


def _matmul(layer, geo, x, args, kwargs, out, outs, tracked):
    a, b = args[0], args[1]
    ga, gb = lookup_geo(tracked, a, geo), lookup_geo(tracked, b, geo)
    layer.cost = {"products": numel(outs[0]) * int(a.shape[-1])}
    return [G.matmul(ga, gb, tuple(a.shape), tuple(b.shape), tuple(outs[0].shape))]


def lookup_geo(tracked, tensor, default):
    """The geometry of `tensor` if tracked; a constant (weights) gets one that indexes no position."""
    for t, g, _ in tracked:
        if t is tensor:
            return g
    return default.with_axes(dims=tuple(frozenset() for _ in tensor.shape), glob=False)


def _getitem(layer, geo, x, args, kwargs, out, outs, tracked):
    index = args[1] if isinstance(args[1], tuple) else (args[1],)
    if any(hasattr(i, "shape") or isinstance(i, list) for i in index):
        if any(geo.dims[d] for d in range(x.dim())) and outs[0].dim() != x.dim():
            raise G.GeometryError("indexation des positions par un tenseur", "indexing positions with a tensor")
        return [geo]
    explicit = sum(1 for i in index if i is not None and i is not Ellipsis)
    expanded = []
    for i in index:
        if i is Ellipsis:
            expanded += [slice(None)] * (x.dim() - explicit)
        else:
            expanded.append(i)
    before, dims, d = geo, [], 0
    for i in expanded:
        if i is None:
            dims.append(frozenset())
            continue
        size = int(x.shape[d])
        if isinstance(i, slice):
            start, _, step = i.indices(size)
            geo = G.shift(geo, d, start, step)
            dims.append(geo.dims[d])
        else:
            geo = G.shift(geo, d, int(i) % size)
        d += 1
    dims += list(geo.dims[d:])
    result = geo.with_axes(dims=tuple(dims))
    crops = expanded[2:] if all(isinstance(i, slice) for i in expanded) and len(expanded) <= x.dim() else None
    if crops is not None and standard(before, x.dim()) and all(i == slice(None) for i in expanded[:2]):
        sides = [int(v) for v in x.shape[2:]]
        kept = [c.indices(n) for c, n in zip(crops, sides)] + [(0, n, 1) for n in sides[len(crops):]]
        layer.twin = ("slice", tuple((a, step) for a, _, step in kept), tuple(n - (b - a) for n, (a, b, _) in
                                                                          zip(sides, kept)))
    return [result]


def _pad(layer, geo, x, args, kwargs, out, outs, tracked):
    pad = list(arg(args, kwargs, 1, "pad"))
    mode = arg(args, kwargs, 2, "mode", "constant")
    result = geo
    for j in range(len(pad) // 2):
        d = x.dim() - 1 - j
        result = G.shift(result, d, -int(pad[2 * j]))
    if mode == "constant" and standard(geo, x.dim()):
        layer.twin = ("pad", tuple(int(p) for p in pad))
    return [result]


def _conv_args(args, kwargs, x, dilation_at):
    """weight, bias, kernel sides, stride and dilation of a `conv*d` or `conv_transpose*d` call.

    Both take (input, weight, bias, stride, ...); `dilation_at` is where dilation comes positionally
    (5 for a convolution, 7 for a transposed one, after output_padding and groups).
    """
    weight, bias = arg(args, kwargs, 1, "weight"), arg(args, kwargs, 2, "bias")
    n = x.dim() - 2
    kernel = tuple(int(v) for v in weight.shape[2:])
    stride = per_dim(arg(args, kwargs, 3, "stride", 1), n)
    return weight, bias, kernel, stride, per_dim(arg(args, kwargs, dilation_at, "dilation", 1), n)


def _conv(layer, geo, x, args, kwargs, out, outs, tracked):
    weight, bias, kernel, stride, dilation = _conv_args(args, kwargs, x, 5)
    padding = conv_padding(arg(args, kwargs, 4, "padding", 0), kernel, dilation)
    result, layer.twin = window_layer(geo, x, kernel, stride, padding, dilation)
    layer.cost = conv_cost(outs[0], weight, bias)
    return [result]


def _conv_transpose(layer, geo, x, args, kwargs, out, outs, tracked):
    weight, bias, kernel, stride, dilation = _conv_args(args, kwargs, x, 7)
    layer.cost = transpose_cost(x, outs[0], weight, bias)
    return [transposed_geo(geo, kernel, stride, dilation)]


def transposed_geo(geo, kernel, stride, dilation):
    """A transposed convolution: each output sees at most ⌈k_eff/s⌉ inputs; the jump is divided by s."""
    seen = [-(-effective_kernel(k, d) // s) for k, s, d in zip(kernel, stride, dilation)]
    return G.spread(geo, seen, stride)


def _pool(layer, geo, x, args, kwargs, out, outs, tracked):
    n = x.dim() - 2
    kernel = per_dim(arg(args, kwargs, 1, "kernel_size"), n)
    stride = arg(args, kwargs, 2, "stride") or kernel
    padding = per_dim(arg(args, kwargs, 3, "padding", 0), n)
    if layer.type.startswith("avg"):
        dilation, ceil = (1,) * n, bool(arg(args, kwargs, 4, "ceil_mode", False))
    else:
        dilation, ceil = per_dim(arg(args, kwargs, 4, "dilation", 1), n), bool(arg(args, kwargs, 5, "ceil_mode", False))
    result, layer.twin = window_layer(geo, x, kernel, per_dim(stride, n), padding, dilation, ceil,
                                      "avg" if layer.type.startswith("avg") else "max")
    return [result] * len(outs)


def _adaptive(layer, geo, x, args, kwargs, out, outs, tracked):
    n = x.dim() - 2
    size = arg(args, kwargs, 1, "output_size")
    size = tuple(size) if isinstance(size, (tuple, list)) else (size,) * n
    result, layer.twin = adaptive_geo(geo, x, size)
    return [result] * len(outs)


def _linear(layer, geo, x, args, kwargs, out, outs, tracked):
    weight, bias = arg(args, kwargs, 1, "weight"), arg(args, kwargs, 2, "bias")
    layer.cost = linear_cost(outs[0], weight, bias)
    return [G.reduce(geo, [x.dim() - 1], keep=True)]


def _interpolate(layer, geo, x, args, kwargs, out, outs, tracked):
    mode = arg(args, kwargs, 3, "mode", "nearest")
    if layer.type == "upsample_bilinear":
        mode = "bilinear"
    elif layer.type == "upsample_nearest":
        mode = "nearest"
    return [upsample_geo(geo, x, outs[0], mode)]


def _attention(layer, geo, x, args, kwargs, out, outs, tracked):
    q, k, v = (arg(args, kwargs, i, key) for i, key in enumerate(("query", "key", "value")))
    length, source = int(q.shape[-2]), int(k.shape[-2])
    batch = numel(q) // (length * int(q.shape[-1]))
    layer.cost = {"products": batch * length * source * (int(q.shape[-1]) + int(v.shape[-1]))}
    merged = G.merge([t[1] for t in tracked], [tuple(t[0].shape[:-1]) + (1,) for t in tracked],
                     tuple(outs[0].shape[:-1]) + (1,))
    return [G.everything(merged)]


_RULES = {"getitem": _getitem, "pad": _pad, "conv1d": _conv, "conv2d": _conv, "conv_transpose1d": _conv_transpose,
          "conv_transpose2d": _conv_transpose, "max_pool1d": _pool, "max_pool2d": _pool, "avg_pool1d": _pool,
          "avg_pool2d": _pool, "max_pool1d_with_indices": _pool, "max_pool2d_with_indices": _pool,
          "adaptive_avg_pool1d": _adaptive, "adaptive_avg_pool2d": _adaptive, "adaptive_max_pool1d": _adaptive,
          "adaptive_max_pool2d": _adaptive, "adaptive_max_pool2d_with_indices": _adaptive,
          "adaptive_max_pool1d_with_indices": _adaptive, "linear": _linear, "interpolate": _interpolate,
          "upsample": _interpolate, "upsample_bilinear": _interpolate, "upsample_nearest": _interpolate,
          "scaled_dot_product_attention": _attention}
