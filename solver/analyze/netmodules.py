"""Known leaf modules as recorded layers: geometry, mult-adds, shape formula, checks before the call.

A module is a leaf when its class's `forward` is one of torch's own (a subclass that rewrites
`forward`, such as a LayerNorm over channels written with permutes, is followed inside instead).
"""

from __future__ import annotations

from solver.analyze import netfunctions as F
from solver.analyze import netgeometry as G
from solver.core.errors import WorkError
from solver.core.text import Text

_LEAVES: dict = {}


def _leaf_classes():
    from torch import nn

    if not _LEAVES:
        groups: dict[str, tuple[type[nn.Module], ...]] = {
            "conv": (nn.Conv1d, nn.Conv2d), "transpose": (nn.ConvTranspose1d, nn.ConvTranspose2d),
            "pool": (nn.MaxPool1d, nn.MaxPool2d, nn.AvgPool1d, nn.AvgPool2d),
            "adaptive": (nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool1d, nn.AdaptiveMaxPool2d),
            "linear": (nn.Linear,), "batchnorm": (nn.BatchNorm1d, nn.BatchNorm2d),
            "layernorm": (nn.LayerNorm,), "groupnorm": (nn.GroupNorm,),
            "instancenorm": (nn.InstanceNorm1d, nn.InstanceNorm2d),
            "pointwise": (nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.ELU, nn.SELU, nn.CELU, nn.GELU, nn.SiLU, nn.Mish,
                          nn.Sigmoid, nn.Tanh, nn.Hardswish, nn.Hardsigmoid, nn.Hardtanh, nn.Softplus,
                          nn.Identity, nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.AlphaDropout,
                          nn.FeatureAlphaDropout, nn.ChannelShuffle),
            "softmax": (nn.Softmax, nn.LogSoftmax), "flatten": (nn.Flatten, nn.Unflatten),
            "upsample": (nn.Upsample,), "attention": (nn.MultiheadAttention,)}
        for group, classes in groups.items():
            for cls in classes:
                _LEAVES[cls.forward] = group
    return _LEAVES


def is_leaf(module) -> bool:
    return type(module).forward in _leaf_classes()


def group(module) -> str:
    return _leaf_classes()[type(module).forward]


# --- checks before the call: clear messages instead of torch's errors ----------------------------------

def precheck(module, args, name: str, recorder) -> None:
    """Channels, input features and too-small inputs, said in the user's terms before torch fails."""
    if not args or not hasattr(args[0], "shape"):
        return
    x, kind = args[0], group(module)
    if recorder.lookup(x) is None:
        return
    expected = getattr(module, "in_channels", None) or getattr(module, "num_features", None)
    if kind in ("conv", "transpose", "batchnorm") and expected and x.dim() > 1 and x.shape[1] != expected:
        raise WorkError(Text(
            f"{name} : {type(module).__name__} attend {expected} canaux mais en reçoit {x.shape[1]} ; "
            "vérifiez --input (canaux d'abord : C,H,W)",
            f"{name}: {type(module).__name__} expects {expected} channels but gets {x.shape[1]}; "
            "check --input (channels first: C,H,W)"))
    if kind == "linear" and x.shape[-1] != module.in_features:
        raise WorkError(Text(
            f"{name} : la couche Linear attend {module.in_features} entrées mais reçoit {x.shape[-1]} pour cette "
            "taille d'entrée ; changez --input (ou l'argument du constructeur)",
            f"{name}: the Linear layer expects {module.in_features} inputs but gets {x.shape[-1]} for this input "
            "size; change --input (or the constructor argument)"))
    if kind in ("conv", "pool"):
        shape = expected_shape(module, tuple(x.shape))
        if shape is not None and min(shape) < 1:
            first = recorder.geo_input_shape()
            raise WorkError(Text(
                f"l'entrée {first} est trop petite pour le réseau : {name} ({type(module).__name__}) "
                f"donnerait une sortie {shape}",
                f"the input {first} is too small for the network: {name} ({type(module).__name__}) would "
                f"give an output {shape}"))


def _geometry(module, n: int):
    """(kernel, stride, padding, dilation, ceil_mode) per dimension of a convolution or pooling."""
    kernel = F.per_dim(module.kernel_size, n)
    stride = F.per_dim(module.stride if module.stride is not None else module.kernel_size, n)
    dilation = F.per_dim(getattr(module, "dilation", 1), n)
    padding = module.padding
    padding = F.conv_padding(padding, kernel, dilation) if isinstance(padding, str) else F.per_dim(padding, n)
    return kernel, stride, padding, dilation, bool(getattr(module, "ceil_mode", False))


def expected_shape(module, in_shape: tuple):
    """The output shape (without batch) by the layer's formula, for the shape self-check."""
    from solver.maths import architecture as A

    n, kind = len(in_shape) - 2, group(module)
    kernel, stride, padding, dilation, ceil = _geometry(module, n)
    if kind == "conv":
        if module.padding == "same":
            sides = list(in_shape[2:])
        else:
            sides = [int(A.conv_output_size(i, k, s, p, d))
                     for i, k, s, p, d in zip(in_shape[2:], kernel, stride, padding, dilation)]
        return (module.out_channels, *sides)
    if kind == "pool":
        pooled = [A.pool_out_side(i, A.Pool(k, s, p, "max", ceil, n, "", d))
                  for i, k, s, p, d in zip(in_shape[2:], kernel, stride, padding, dilation)]
        return (in_shape[1], *[int(v) for v in pooled])
    return None


# --- the layer of one module call ------------------------------------------------------------------------

def module_layer(module, args, output, geos, name: str):
    """(Layer, [Geo per output tensor]) of one call of a known leaf module."""
    from solver.analyze.netrecord import Layer

    x = args[0]
    outs = [t for t in F.leaves(output) if hasattr(t, "shape") and hasattr(t, "dim")]
    kind = group(module)
    layer = Layer(name, type(module).__name__, tuple(x.shape[1:]), tuple(outs[0].shape[1:]), None)
    geo = geos[0]
    result = _RULES[kind](module, layer, geo, x, outs, geos, args)
    results = result if isinstance(result, list) else [result] * len(outs)
    layer.geo = results[0]
    layer.spec = layer.spec if layer.spec is not None else _spec(module, name)
    return layer, results


def _spec(module, name):
    """The `solver.maths.architecture` spec of a module with equal geometry along its dimensions, else None."""
    from solver.analyze.analyze import UnsupportedLayer, module_spec

    try:
        return module_spec(module, name)
    except UnsupportedLayer:
        return None


def _conv(module, layer, geo, x, outs, geos, args):
    kernel, stride, padding, dilation, _ = _geometry(module, x.dim() - 2)
    layer.expected = expected_shape(module, tuple(x.shape))[0:] if module.padding != "same" else None
    result, layer.twin = F.window_layer(geo, x, kernel, stride, padding, dilation)
    layer.cost = F.conv_cost(outs[0], module.weight, module.bias)
    return result


def _transpose(module, layer, geo, x, outs, geos, args):
    from solver.maths.layers import conv_transpose_output_size

    n = x.dim() - 2
    kernel, stride, dilation = F.per_dim(module.kernel_size, n), F.per_dim(module.stride, n), \
        F.per_dim(module.dilation, n)
    padding, extra = F.per_dim(module.padding, n), F.per_dim(module.output_padding, n)
    if len(args) == 1:  # an explicit output_size may add to output_padding
        layer.expected = (module.out_channels, *[conv_transpose_output_size(int(i), k, s, p, o, d) for i, k, s, p, o, d
                                                 in zip(x.shape[2:], kernel, stride, padding, extra, dilation)])
    layer.cost = F.transpose_cost(x, outs[0], module.weight, module.bias)
    return F.transposed_geo(geo, kernel, stride, dilation)


def _pool(module, layer, geo, x, outs, geos, args):
    kernel, stride, padding, dilation, ceil = _geometry(module, x.dim() - 2)
    layer.expected = expected_shape(module, tuple(x.shape))
    kind = "max" if "Max" in type(module).__name__ else "avg"
    result, layer.twin = F.window_layer(geo, x, kernel, stride, padding, dilation, ceil, kind)
    return result


def _adaptive(module, layer, geo, x, outs, geos, args):
    n = x.dim() - 2
    size = module.output_size
    size = tuple(size) if isinstance(size, (tuple, list)) else (size,) * n
    result, layer.twin = F.adaptive_geo(geo, x, size)
    return result


def _linear(module, layer, geo, x, outs, geos, args):
    layer.cost = F.linear_cost(outs[0], module.weight, module.bias)
    return G.reduce(geo, [x.dim() - 1], keep=True)


def _pointwise(module, layer, geo, x, outs, geos, args):
    if F.standard(geo, x.dim()):
        layer.twin = ("same",)
    return geo


def _batchnorm(module, layer, geo, x, outs, geos, args):
    layer.cost = {"norm": F.numel(outs[0])}
    return _pointwise(module, layer, geo, x, outs, geos, args)


def _layernorm(module, layer, geo, x, outs, geos, args):
    layer.cost = {"norm": F.numel(outs[0])}
    count = len(module.normalized_shape)
    return G.reduce(geo, list(range(x.dim() - count, x.dim())), keep=True)


def _groupnorm(module, layer, geo, x, outs, geos, args):
    layer.cost = {"norm": F.numel(outs[0])}
    return G.reduce(geo, list(range(1 if isinstance(module, _groupnorm_class()) else 2, x.dim())), keep=True)


def _groupnorm_class():
    from torch import nn

    return nn.GroupNorm


def _softmax(module, layer, geo, x, outs, geos, args):
    dim = module.dim if module.dim is not None else 1
    return G.reduce(geo, [dim], keep=True)


def _flatten(module, layer, geo, x, outs, geos, args):
    return G.reshape(geo, tuple(x.shape), tuple(outs[0].shape))


def _upsample(module, layer, geo, x, outs, geos, args):
    return F.upsample_geo(geo, x, outs[0], module.mode)


def _attention(module, layer, geo, x, outs, geos, args):
    """nn.MultiheadAttention: projections, q·kᵀ, softmax over the keys, ·v, output projection."""
    q, k = args[0], args[1] if len(args) > 1 else args[0]
    seq = 1 if module.batch_first or q.dim() == 2 else 0
    length, source = int(q.shape[seq]), int(k.shape[seq])
    batch = F.numel(q) // (length * int(q.shape[-1]))
    e = module.embed_dim
    products = batch * (length * e * e + source * module.kdim * e + source * module.vdim * e
                        + 2 * length * source * e + length * e * e)
    bias = batch * (length + 2 * source) * e if module.in_proj_bias is not None else 0
    bias += batch * length * e if module.out_proj.bias is not None else 0
    layer.cost = {"products": products, "bias": bias}
    merged = G.merge(geos, [tuple(t.shape[:-1]) + (1,) for t in args[:len(geos)]], tuple(outs[0].shape[:-1]) + (1,))
    result = G.everything(merged)
    weights = [result.with_axes(dims=tuple(frozenset() for _ in t.shape)) for t in outs[1:]]
    return [result] + weights


_RULES = {"conv": _conv, "transpose": _transpose, "pool": _pool, "adaptive": _adaptive, "linear": _linear,
          "batchnorm": _batchnorm, "layernorm": _layernorm, "groupnorm": _groupnorm, "instancenorm": _groupnorm,
          "pointwise": _pointwise, "softmax": _softmax, "flatten": _flatten, "upsample": _upsample,
          "attention": _attention}
