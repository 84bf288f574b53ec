"""Receptive-field geometry of one tensor, and how each kind of operation changes it.

A `Geo` describes every unit of a tensor (batch dimension included) relative to the network's
input: per input spatial axis (height, width, or length), the receptive field `rf` (input pixels
seen along that axis), the `jump` (input pixels between neighbouring units; None once the units
are no longer a regular grid along that axis, e.g. tokens made by flattening) and `left`, the first
input pixel seen by unit 0 (None when unknown). `dims` says which input axes each tensor dimension
indexes (a channel dimension indexes none). `glob` marks units that see the whole input: after a
global pooling, a product with a globally pooled branch, attention over positions, a Linear layer
over a flattened map.

Every function here is pure: shapes and geometries in, geometry out. Jumps are `Fraction`s
(an upsampling divides them).

>>> g = start(2)
>>> g = window(g, (3, 7), (2, 1), (1, 3), (1, 1))
>>> [tuple(int(v) for v in values) for values in (g.rf, g.jump, g.left)]
[(3, 7), (2, 1), (-1, -3)]
>>> merge([g, reduce(g, [2, 3], keep=True)], [(1, 8, 16, 16), (1, 8, 1, 1)], (1, 8, 16, 16)).glob
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction


@dataclass(frozen=True)
class Geo:
    rf: tuple                 # per input axis
    jump: tuple               # per input axis, Fraction or None
    left: tuple               # per input axis, Fraction or None
    dims: tuple               # per tensor dimension: frozenset of input axes it indexes
    glob: bool = False

    def regular(self, dim: int) -> int | None:
        """The input axis indexed by tensor dimension `dim` if it is a regular grid, else None."""
        axes = self.dims[dim]
        if len(axes) == 1:
            (a,) = axes
            if self.jump[a] is not None:
                return a
        return None

    def with_axes(self, **changes) -> Geo:
        return replace(self, **changes)


class GeometryError(ValueError):
    """An operation whose effect on the receptive field is not known; `text` says why (fr, en)."""

    def __init__(self, fr: str, en: str):
        super().__init__(en)
        from solver.core.text import Text

        self.text = Text(fr, en)


def start(spatial: int) -> Geo:
    """The network input (N, C, *spatial): every unit sees one pixel."""
    one = tuple(Fraction(1) for _ in range(spatial))
    zero = tuple(Fraction(0) for _ in range(spatial))
    dims: tuple[frozenset[int], ...] = (frozenset(), frozenset()) + tuple(frozenset({a}) for a in range(spatial))
    return Geo(tuple(1 for _ in range(spatial)), one, zero, dims)


def _set(values: tuple, a: int, v) -> tuple:
    return values[:a] + (v,) + values[a + 1:]


def _spatial_axes(geo: Geo, count: int, what: tuple[str, str]) -> list[int | None]:
    """The input axes of the last `count` dimensions, which must be regular grids (`what` names the
    layer in French and English for the error)."""
    axes: list[int | None] = []
    for d in range(len(geo.dims) - count, len(geo.dims)):
        if not geo.dims[d]:
            axes.append(None)          # a channel-like dimension: slides over no input axis
            continue
        a = geo.regular(d)
        if a is None:
            raise GeometryError(f"{what[0]} glisse sur des positions qui ne forment plus une grille régulière",
                                f"{what[1]} slides over positions that are no longer a regular grid")
        axes.append(a)
    return axes


def window(geo: Geo, kernel, stride, padding, dilation) -> Geo:
    """A sliding window (convolution, pooling) over the last len(kernel) dimensions.

    r ← r + (d·(k − 1))·j, left ← left − p·j, j ← j·s, per axis.
    """
    rf, jump, left = list(geo.rf), list(geo.jump), list(geo.left)
    for a, k, s, p, d in zip(_spatial_axes(geo, len(kernel), ("une fenêtre", "a window")), kernel, stride, padding, dilation):
        if a is None:
            continue
        rf[a] = rf[a] + d * (k - 1) * jump[a]
        if left[a] is not None:
            left[a] = left[a] - p * jump[a]
        jump[a] = jump[a] * s
    return geo.with_axes(rf=tuple(rf), jump=tuple(jump), left=tuple(left))


def spread(geo: Geo, seen, scale) -> Geo:
    """Transposed convolutions and upsamplings over the last len(seen) dimensions.

    An output unit sees at most `seen` neighbouring input units (⌈k_eff/s⌉ for a transposed
    convolution, 1 for nearest, 2 for bilinear), and the jump is divided by the `scale`. The
    window of unit 0 then depends on the unit's phase: `left` becomes unknown.
    """
    rf, jump, left = list(geo.rf), list(geo.jump), list(geo.left)
    for a, n, sc in zip(_spatial_axes(geo, len(seen), ("un suréchantillonnage", "an upsampling")), seen, scale):
        if a is None:
            continue
        rf[a] = rf[a] + (n - 1) * jump[a]
        jump[a] = jump[a] / Fraction(sc)
        left[a] = None
    return geo.with_axes(rf=tuple(rf), jump=tuple(jump), left=tuple(left))


def shift(geo: Geo, dim: int, start: int, step: int = 1) -> Geo:
    """Keep every `step`-th position of dimension `dim` from `start` (slicing, cropping, padding)."""
    a = geo.regular(dim)
    if a is None:
        if geo.dims[dim]:
            return irregular(geo, geo.dims[dim])
        return geo
    left = geo.left[a] + start * geo.jump[a] if geo.left[a] is not None else None
    return geo.with_axes(left=_set(geo.left, a, left), jump=_set(geo.jump, a, geo.jump[a] * step))


def irregular(geo: Geo, axes) -> Geo:
    """Positions along `axes` no longer form a grid (flattened into tokens, concatenated, repeated)."""
    jump, left = geo.jump, geo.left
    for a in axes:
        jump, left = _set(jump, a, None), _set(left, a, None)
    return geo.with_axes(jump=jump, left=left)


def reduce(geo: Geo, dims: Sequence[int], keep: bool) -> Geo:
    """Combine values along `dims` (mean, softmax, Linear over the last dimension, normalisation).

    Combining over a dimension that indexes input positions makes every unit see the whole input.
    """
    dims = sorted(d % len(geo.dims) for d in dims)
    glob = geo.glob or any(geo.dims[d] for d in dims)
    if keep:
        new = tuple(frozenset() if d in dims else axes for d, axes in enumerate(geo.dims))
    else:
        new = tuple(axes for d, axes in enumerate(geo.dims) if d not in dims)
    return geo.with_axes(dims=new, glob=glob)


def permute(geo: Geo, order: Sequence[int]) -> Geo:
    return geo.with_axes(dims=tuple(geo.dims[d % len(geo.dims)] for d in order))


def reshape(geo: Geo, before: Sequence[int], after: Sequence[int]) -> Geo:
    """view/reshape/flatten/unflatten/squeeze/unsqueeze: dimensions matched by their products.

    A dimension kept whole keeps its axes; positions merged with another dimension of size > 1,
    or split, stop being a regular grid.

    >>> g = reshape(start(2), (1, 8, 4, 4), (1, 8, 16))
    >>> g.dims[2], g.jump
    (frozenset({0, 1}), (None, None))
    >>> reshape(start(2), (1, 8, 4, 4), (1, 2, 4, 4, 4)).dims[3:]
    (frozenset({0}), frozenset({1}))
    """
    out: list = [frozenset() for _ in after]
    broken: set = set()
    for gi, gj in _groups(tuple(before), tuple(after)):
        axes = frozenset().union(*[geo.dims[i] for i in gi]) if gi else frozenset()
        big_in = [i for i in gi if before[i] > 1]
        big_out = [j for j in gj if after[j] > 1]
        if len(big_in) == 1 and len(big_out) == 1:
            out[big_out[0]] = geo.dims[big_in[0]]
            continue
        for j in gj:
            out[j] = axes
        if len(big_in) > 1 or len(big_out) > 1:
            broken |= axes
    return irregular(geo, broken).with_axes(dims=tuple(out))


def _groups(before: tuple, after: tuple) -> list:
    """Pairs (input dims, output dims) of equal product, size-one dimensions on their own."""
    groups: list[tuple[list[int], list[int]]] = []
    i, j, n, m = 0, 0, len(before), len(after)
    while i < n or j < m:
        if i < n and before[i] == 1 and (j >= m or after[j] != 1):
            groups.append(([i], []))
            i += 1
        elif j < m and after[j] == 1 and (i >= n or before[i] != 1):
            groups.append(([], [j]))
            j += 1
        elif i >= n or j >= m:
            raise GeometryError(f"tailles {before} et {after} sans correspondance",
                                    f"cannot match the sizes {before} and {after}")
        else:
            gi, gj, pi, pj = [i], [j], before[i], after[j]
            i, j = i + 1, j + 1
            while pi != pj:
                if pi < pj and i < n:
                    pi, i = pi * before[i], i + 1
                    gi.append(i - 1)
                elif pj < pi and j < m:
                    pj, j = pj * after[j], j + 1
                    gj.append(j - 1)
                else:
                    raise GeometryError(f"tailles {before} et {after} sans correspondance",
                                    f"cannot match the sizes {before} and {after}")
            groups.append((gi, gj))
    return groups


def merge(geos: Sequence[Geo], shapes: Sequence[tuple], out_shape: tuple, along: int | None = None) -> Geo:
    """Element-wise combination of broadcast operands, or concatenation `along` a dimension.

    The window of a unit is the union of its operands' windows (the largest over the paths); the
    jump is that of the operands at the output's full size (a broadcast 1×1 branch has no say);
    an operand seeing the whole input makes the result see it.
    """
    n = len(out_shape)
    spatial = len(geos[0].rf)
    dims: list[frozenset[int]] = [frozenset() for _ in range(n)]
    for geo, shape in zip(geos, shapes):
        for d in range(len(shape)):
            dims[n - len(shape) + d] = dims[n - len(shape) + d] | geo.dims[d]
    rf, jump, left = [], [], []
    for a in range(spatial):
        full = [g for g, s in zip(geos, shapes) if _full_along(g, s, out_shape, a)] or list(geos)
        jumps = [g.jump[a] for g in full]
        jump.append(None if any(j is None for j in jumps) else max(jumps))
        lefts = [g.left[a] for g in geos]
        if all(v is not None for v in lefts) and len({g.jump[a] for g in geos}) == 1:
            lo = min(lefts)
            hi = max(g.left[a] + g.rf[a] - 1 for g in geos)
            rf.append(hi - lo + 1)
            left.append(lo)
        else:
            rf.append(max(g.rf[a] for g in geos))
            left.append(None)
    geo = Geo(tuple(rf), tuple(jump), tuple(left), tuple(dims), any(g.glob for g in geos))
    if along is not None and dims[along % n]:
        geo = irregular(geo, dims[along % n])
    return geo


def _full_along(geo: Geo, shape: tuple, out_shape: tuple, axis: int) -> bool:
    n = len(out_shape)
    return any(axis in geo.dims[d] and shape[d] == out_shape[n - len(shape) + d] for d in range(len(shape)))


def matmul(a: Geo, b: Geo, a_shape: tuple, b_shape: tuple, out_shape: tuple) -> Geo:
    """a @ b: rows of a, columns of b, batch dimensions broadcast; summing over positions is global."""
    if len(a_shape) < 2 or len(b_shape) < 2:
        raise GeometryError("produit matriciel avec un vecteur", "a matrix product with a vector operand")
    contracted = a.dims[-1] | b.dims[-2]
    a_rows = reduce(a, [len(a_shape) - 1], keep=True)
    b_cols = reduce(b, [len(b_shape) - 2], keep=True)
    geo = merge([a_rows, b_cols], [a_shape[:-1] + (1,), b_shape[:-2] + (1, b_shape[-1])], out_shape)
    return geo.with_axes(glob=geo.glob or bool(contracted))


def everything(geo: Geo) -> Geo:
    """Each output depends on every input value (attention over the positions)."""
    return geo.with_axes(glob=True)


def report(geo: Geo):
    """(rf, jump) as shown: an int when equal along every axis, else a per-axis tuple; 'global'.

    >>> report(start(2))
    (1, 1)
    >>> report(window(start(2), (1, 7), (1, 1), (0, 3), (1, 1)))
    ((1, 7), 1)
    """
    rf = "global" if geo.glob else _collapse(tuple(_number(v) for v in geo.rf))
    indexed = frozenset().union(*geo.dims) if geo.dims else frozenset()
    jump = _collapse(tuple(_number(v) if a in indexed else None for a, v in enumerate(geo.jump)))
    return rf, jump


def _number(v):
    if v is None:
        return None
    v = Fraction(v)
    return int(v) if v.denominator == 1 else float(v)


def _collapse(values: tuple):
    if not values:
        return None
    return values[0] if len(set(values)) == 1 else values
