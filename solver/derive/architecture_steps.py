"""Derivation steps for traced networks: shapes, parameters and receptive fields explained layer by layer.

Shared by every architecture exercise and by `tdsolver analyze --explain`; the rows come from
`solver.maths.architecture.trace`.
"""

from __future__ import annotations

from collections.abc import Sequence

from solver.maths.architecture import (
    Activation,
    AdaptivePool,
    BatchNorm,
    Conv,
    ConvTranspose,
    Dropout,
    Flatten,
    GlobalPool,
    Linear,
    Op,
    Pool,
    Row,
    trace,  # noqa: F401  (the doctests trace their own rows)
)
from solver.maths.layers import effective_kernel

# ---------------------------------------------------------------------------------------------

def explain_shapes(rows: Sequence[Row]) -> list:
    """One `Step` per row: why its output has this shape (o = ⌊(i + 2p − k)/s⌋ + 1, ⌈i/s⌉, C·H·W…).

    >>> steps = explain_shapes(trace((1, 28, 28), [Conv(32, 3, stride=2, padding="same"), Pool(2)]))
    >>> import sympy as sp; print(sp.sstr(steps[0].math[0]))
    o_0 = ceiling(i/s) = ceiling(28/2) = 14
    >>> print(steps[1].text("en").split(":")[0])
    1 (MaxPool)
    """
    return [_shape_step(row) for row in rows]


def explain_params(rows: Sequence[Row], total: bool = True) -> list:
    """One `Step` per row that has learned parameters (64·(32·5·5 + 1) = 51 264), then the total.

    >>> rows = trace((32, 14, 14), [Conv(64, 5, padding=2, name="conv2")])
    >>> import sympy as sp; print(sp.sstr(explain_params(rows, total=False)[0].math))
    P_conv2 = C_out*(C_in*k**2 + 1) = 64*(32*5**2 + 1) = 51264
    """
    steps = [_params_step(row) for row in rows if _has_params(row)]
    if total:
        steps.append(explain_total(rows))
    return steps


def explain_total(rows: Sequence[Row]):
    """The `Step` adding up the learned parameters of every row (stays symbolic in C if needed)."""
    import sympy as sp

    from solver.core.exercise import Step
    from solver.core.text import Text
    from solver.derive.chain import Chain, substituted

    counted = [r for r in rows if _has_params(r)]
    names = [sp.Symbol(f"P_{r.name}") for r in counted]
    with sp.evaluate(False):
        named = sp.Add(*names) if len(names) > 1 else (names[0] if names else sp.Integer(0))
    # the values in the names' order (a plain Add of numbers would sort them by size)
    values = substituted(named, {n: sp.sympify(r.params) for n, r in zip(names, counted)}) \
        if len(counted) > 1 else named
    total = sp.expand(sum((sp.sympify(r.params) for r in counted), sp.Integer(0)))
    return Step(Text("Le total des paramètres appris est la somme sur les couches (les couches sans poids — "
                     "activations, pooling, flatten, dropout — n'en ont aucun).",
                     "The total of learned parameters is the sum over the layers (layers without weights — "
                     "activations, pooling, flatten, dropout — have none)."),
                Chain(sp.Symbol("P_total"), named, values, total), kind="result")


def explain_receptive_fields(rows: Sequence[Row]) -> list:
    """One `Step` per row: r = r_in + (k_eff − 1)·j_in and j = j_in·s (unchanged for pointwise layers).

    >>> rows = trace((1, 28, 28), [Conv(32, 3, padding=1), Pool(2)])
    >>> import sympy as sp; print(sp.sstr(explain_receptive_fields(rows)[1].math[0]))
    r_1 = j_in*(k - 1) + r_in = 1*(2 - 1) + 3 = 4
    """
    steps, rf, jump = [], 1, 1
    for row in rows:
        rf_in = row.rf_in if row.rf_in is not None else rf
        jump_in = row.jump_in if row.jump_in is not None else jump
        steps.append(_rf_step(row, rf_in, jump_in))
        rf, jump = row.rf, row.jump
    return steps


def explain_rows(rows: Sequence[Row]) -> list:
    """Every row explained in turn (shape, parameters, receptive field), then the parameter total."""
    out = []
    rf_steps = explain_receptive_fields(rows)
    for row, rf_step in zip(rows, rf_steps):
        out.append(_shape_step(row))
        if _has_params(row):
            out.append(_params_step(row))
        if not _pointwise(row):  # an element-wise layer changes neither field nor jump: said once
            out.append(rf_step)
    out.append(explain_total(rows))
    return out


MERGES = ("add", "iadd", "sub", "mul", "cat", "concat")


def _merge(row: Row) -> bool:
    """A row that joins branches (residual addition, concatenation), as the analyzer records them."""
    return isinstance(row.layer, Activation) and row.layer.function in MERGES


def _pointwise(row: Row) -> bool:
    return isinstance(row.layer, (Activation, Dropout, BatchNorm)) and row.shape == row.in_shape \
        and not _merge(row)


def _has_params(row: Row) -> bool:
    return not (isinstance(row.params, int) and row.params == 0)


def _kind(layer) -> str:
    if isinstance(layer, Op):
        return layer.function
    if isinstance(layer, Pool):
        return "MaxPool" if layer.kind == "max" else "AvgPool"
    if isinstance(layer, Activation):
        return layer.function
    return type(layer).__name__


def _head(row: Row):
    from solver.core.text import Text

    where = f"{row.name} ({_kind(row.layer)})"
    return Text(where + " : ", where + ": ")


def _shape_tuple(shape):
    import sympy as sp

    return sp.Tuple(*[sp.sympify(v) for v in shape])


def _distinct_sides(row: Row):
    """(index, input side, output side) for each distinct spatial input side."""
    seen, out = set(), []
    for n, (i, o) in enumerate(zip(row.in_shape[1:], row.shape[1:])):
        if str(i) not in seen:
            seen.add(str(i))
            out.append((n, i, o))
    return out


def _shape_step(row: Row):
    import sympy as sp

    from solver.core.exercise import Step
    from solver.derive.chain import Chain

    text, chains = _SHAPE_EXPLAINERS.get(type(row.layer), _shape_unchanged)(row)
    shape = Chain(sp.Symbol(f"shape_{row.name}"), _shape_tuple(row.shape))
    return Step(_head(row) + text, tuple(chains) + (shape,))


def _side_symbols():
    import sympy as sp

    return sp.symbols("i k s p d")


def _conv_shape(row: Row):
    import sympy as sp

    from solver.core.text import Text
    from solver.derive.chain import derive

    layer = row.layer
    i, k, s, p, d = _side_symbols()
    k_eff = effective_kernel(k, d) if layer.dilation != 1 else k
    chains = []
    if layer.padding == "same" and layer.stride > 1:
        for _n, side, _ in _distinct_sides(row):
            chains.append(derive(sp.Symbol(f"o_{row.name}"), sp.ceiling(i / s), {i: side, s: layer.stride}))
        before, after = row.padding[0] if row.padding else (0, 0)
        text = Text(
            f"« same » avec un pas $s = {layer.stride} > 1$ se lit (convention TensorFlow, celle de l'énoncé) "
            f"$o = \\lceil i/s \\rceil$ ; cela revient à un remplissage de {_plain(before)} avant et "
            f"{_plain(after)} après (PyTorch refuse ce cas).",
            f"'same' with stride $s = {layer.stride} > 1$ reads (TensorFlow's convention, the sheet's) as "
            f"$o = \\lceil i/s \\rceil$; it amounts to a padding of {_plain(before)} before and "
            f"{_plain(after)} after (PyTorch rejects this case).")
        return text, chains
    if layer.padding == "same":
        pad = row.padding[0][0] if row.padding else 0
        text = Text(f"« same » au pas 1 garde la taille : il faut un remplissage $p = {_plain(pad)}$ de chaque "
                    "côté, et "
                    "$o = \\lfloor (i + 2p - k)/s \\rfloor + 1 = i$.",
                    f"'same' at stride 1 keeps the size: it takes a padding $p = {_plain(pad)}$ on each side, and "
                    "$o = \\lfloor (i + 2p - k)/s \\rfloor + 1 = i$.")
    else:
        pad = 0 if layer.padding == "valid" else layer.padding
        text = Text("chaque côté vaut $o = \\lfloor (i + 2p - k)/s \\rfloor + 1$ positions du noyau, et la "
                    "profondeur est le nombre de filtres.",
                    "each side is $o = \\lfloor (i + 2p - k)/s \\rfloor + 1$ positions of the kernel, and the "
                    "depth is the number of filters.")
    for _n, side, _ in _distinct_sides(row):
        bind = {i: side, k: layer.kernel, s: layer.stride, p: pad}
        if layer.dilation != 1:
            bind[d] = layer.dilation
        chains.append(derive(sp.Symbol(f"o_{row.name}"), sp.floor((i + 2 * p - k_eff) / s) + 1, bind))
    return text, chains


def _pool_shape(row: Row):
    import sympy as sp

    from solver.core.text import Text
    from solver.derive.chain import derive

    layer = row.layer
    i, k, s, p, d = _side_symbols()
    k_eff = effective_kernel(k, d) if layer.dilation != 1 else k
    rounding = sp.ceiling if layer.ceil_mode else sp.floor
    chains = []
    for _n, side, out in _distinct_sides(row):
        bind = {i: side, k: layer.kernel, s: layer.stride or layer.kernel, p: layer.padding}
        if layer.dilation != 1:
            bind[d] = layer.dilation
        chain = derive(sp.Symbol(f"o_{row.name}"), rounding((i + 2 * p - k_eff) / s) + 1, bind)
        if str(chain.terms[-1]) != str(out):  # ceil_mode: torch drops a window starting in the padding
            chain = _chain_append(chain, out)
        chains.append(chain)
    word = ("\\lceil" , "\\rceil") if layer.ceil_mode else ("\\lfloor", "\\rfloor")
    text = Text(f"un pooling se compte comme une convolution (pas par défaut = taille de la fenêtre) : "
                f"$o = {word[0]} (i + 2p - k)/s {word[1]} + 1$, et il garde le nombre de canaux.",
                f"a pooling counts like a convolution (default stride = window size): "
                f"$o = {word[0]} (i + 2p - k)/s {word[1]} + 1$, and it keeps the number of channels.")
    return text, chains


def _chain_append(chain, value):
    """A chain with one more term (used when torch's rule corrects the plain formula)."""
    from solver.derive.chain import Chain

    return Chain(*chain.terms, value)


def _adaptive_shape(row: Row):
    from solver.core.text import Text

    o = row.layer.output_size
    return Text(f"un pooling adaptatif découpe chaque côté en {o} cases, quelle que soit l'entrée.",
                f"an adaptive pooling cuts each side into {o} bins, whatever the input."), []


def _global_shape(row: Row):
    from solver.core.text import Text

    return Text("le pooling global résume chaque carte par une seule valeur.",
                "global pooling summarises each map by a single value."), []


def _flatten_shape(row: Row):
    import sympy as sp

    from solver.core.text import Text
    from solver.derive.chain import derive

    names = sp.symbols("C_in H_in W_in L_in")  # not C: that is often the number of classes
    dims = names[:len(row.in_shape)] if len(row.in_shape) != 2 else (names[0], names[3])
    general = sp.Mul(*dims)
    bind = dict(zip(dims, row.in_shape))
    return Text("aplatir met bout à bout toutes les valeurs : leur nombre est le produit des dimensions.",
                "flattening puts every value end to end: their number is the product of the dimensions."), \
        [derive(sp.Symbol(f"N_{row.name}"), general, bind)]


def _linear_shape(row: Row):
    from solver.core.text import Text

    return Text(f"une couche dense de {_plain(row.layer.out_features)} neurones sort un vecteur de cette taille.",
                f"a dense layer of {_plain(row.layer.out_features)} neurons outputs a vector of that size."), []


def _transpose_shape(row: Row):
    import sympy as sp

    from solver.core.text import Text
    from solver.derive.chain import derive

    layer = row.layer
    i, k, s, p, d = _side_symbols()
    a = sp.Symbol("a")
    k_eff = effective_kernel(k, d) if layer.dilation != 1 else k
    chains = []
    for _n, side, _ in _distinct_sides(row):
        bind = {i: side, k: layer.kernel, s: layer.stride, p: layer.padding, a: layer.output_padding}
        if layer.dilation != 1:
            bind[d] = layer.dilation
        chains.append(derive(sp.Symbol(f"o_{row.name}"), (i - 1) * s - 2 * p + k_eff + a, bind))
    return Text("une convolution transposée inverse la règle de taille : $o = (i - 1)s - 2p + k + a$ "
                "($a$ : output_padding).",
                "a transposed convolution inverts the size rule: $o = (i - 1)s - 2p + k + a$ "
                "($a$: output_padding)."), chains


def _op_shape(row: Row):
    from solver.core.text import Text

    kind = row.layer.function
    return Text(f"opération {kind} du réseau réel, forme lue sur le passage avant.",
                f"operation {kind} of the real network, shape read from the forward pass."), []


def _shape_unchanged(row: Row):
    from solver.core.text import Text

    if row.shape != row.in_shape:  # explicit padding (F.pad) or a merge of branches
        return Text("le remplissage explicite ajoute des zéros autour de la carte : "
                    f"{_plain(tuple(row.in_shape))} → {_plain(tuple(row.shape))} ; le champ récepteur ne change pas.",
                    "explicit padding adds zeros around the map: "
                    f"{_plain(tuple(row.in_shape))} → {_plain(tuple(row.shape))}; the receptive field does not "
                    "change."), []
    if _merge(row):
        return Text("les branches se rejoignent : la forme est celle des branches, le champ récepteur le plus "
                    "grand d'entre elles.",
                    "the branches merge: the shape is that of the branches, the receptive field the largest "
                    "of theirs."), []
    return Text("couche élément par élément : la forme ne change pas.",
                "element-wise layer: the shape does not change."), []


_SHAPE_EXPLAINERS = {Conv: _conv_shape, Pool: _pool_shape, AdaptivePool: _adaptive_shape,
                     GlobalPool: _global_shape, Flatten: _flatten_shape, Linear: _linear_shape,
                     ConvTranspose: _transpose_shape, Op: _op_shape}


def _params_step(row: Row):
    import sympy as sp

    from solver.core.exercise import Step
    from solver.core.text import Text
    from solver.derive.chain import derive

    layer = row.layer
    lhs = sp.Symbol(f"P_{row.name}")
    c_in, c_out, k, g, n_in, n_out = sp.symbols("C_in C_out k g n_in n_out")
    bias = 1 if getattr(layer, "bias", False) else 0
    if isinstance(layer, Conv):
        window = c_in * k ** layer.dims if layer.groups == 1 else c_in / g * k ** layer.dims
        bind = {c_in: row.in_shape[0], c_out: layer.out_channels, k: layer.kernel}
        if layer.groups != 1:
            bind[g] = layer.groups
        size = "k" if layer.dims == 1 else f"k^{layer.dims}"
        size = f"C_{{in}} {size}" if layer.groups == 1 else f"C_{{in}}/g \\cdot {size}"
        text = Text(f"chaque filtre a un poids par entrée de sa fenêtre (${size}$) "
                    + ("plus un biais" if bias else "et pas de biais") + ", et il y a $C_{out}$ filtres.",
                    f"each filter has one weight per input of its window (${size}$) "
                    + ("plus one bias" if bias else "and no bias") + ", and there are $C_{out}$ filters.")
        return Step(_head(row) + text, derive(lhs, c_out * (window + bias), bind))
    if isinstance(layer, ConvTranspose):
        bind = {c_in: row.in_shape[0], c_out: layer.out_channels, k: layer.kernel}
        text = Text("une convolution transposée a un noyau $k \\times k$ par couple (entrée, sortie), plus un "
                    "biais par canal de sortie.",
                    "a transposed convolution has one $k \\times k$ kernel per (input, output) pair, plus one "
                    "bias per output channel.")
        return Step(_head(row) + text, derive(lhs, c_in * c_out * k ** 2 + bias * c_out, bind))
    if isinstance(layer, Linear):
        bind = {n_in: row.in_shape[0], n_out: layer.out_features}
        text = Text("chaque neurone a un poids par entrée" + (" plus un biais." if bias else " (pas de biais)."),
                    "each neuron has one weight per input" + (" plus one bias." if bias else " (no bias)."))
        return Step(_head(row) + text, derive(lhs, n_out * (n_in + bias), bind))
    if isinstance(layer, BatchNorm):
        c = sp.Symbol("C")
        text = Text("la normalisation apprend un facteur $\\gamma$ et un décalage $\\beta$ par canal ; les "
                    "moyenne et variance courantes sont des tampons stockés, pas appris.",
                    "batch normalisation learns one scale $\\gamma$ and one shift $\\beta$ per channel; the "
                    "running mean and variance are stored buffers, not learned.")
        return Step(_head(row) + text, derive(lhs, 2 * c, {c: row.in_shape[0]}))
    return Step(_head(row) + Text("paramètres :", "parameters:"), sp.Eq(lhs, sp.sympify(row.params)))


def _rf_step(row: Row, rf_in, jump_in):
    import sympy as sp

    from solver.core.exercise import Step
    from solver.core.text import Text
    from solver.derive.chain import Chain, derive

    layer = row.layer
    r_in, j_in, k, s, d = sp.symbols("r_in j_in k s d")
    lhs_r, lhs_j = sp.Symbol(f"r_{row.name}"), sp.Symbol(f"j_{row.name}")
    if isinstance(layer, (Conv, Pool)):
        stride = layer.stride or layer.kernel
        k_eff = effective_kernel(k, d) if layer.dilation != 1 else k
        bind = {r_in: rf_in, j_in: jump_in, k: layer.kernel}
        if layer.dilation != 1:
            bind[d] = layer.dilation
        text = Text("le champ récepteur grandit de $(k - 1)$ pas d'entrée, chacun valant $j_{in}$ pixels "
                    "de l'image ; le pas s'accumule : $j = j_{in} \\cdot s$.",
                    "the receptive field grows by $(k - 1)$ input steps, each worth $j_{in}$ image pixels; "
                    "the stride accumulates: $j = j_{in} \\cdot s$.")
        return Step(_head(row) + text, (derive(lhs_r, r_in + (k_eff - 1) * j_in, bind),
                                        derive(lhs_j, j_in * s, {j_in: jump_in, s: stride})))
    if isinstance(layer, AdaptivePool):
        kernel, stride = row.rf, row.jump  # shown as values only
        text = Text("un pooling adaptatif agit comme une fenêtre de la taille de sa plus grande case.",
                    "an adaptive pooling acts as a window the size of its largest bin.")
        return Step(_head(row) + text, (Chain(lhs_r, sp.sympify(kernel)), Chain(lhs_j, sp.sympify(stride))))
    if isinstance(layer, (GlobalPool, Linear)):
        text = Text("chaque sortie dépend de toutes les unités de son entrée : son champ récepteur est toute "
                    "l'image d'entrée.",
                    "each output depends on every unit of its input: its receptive field is the whole "
                    "input image.")
        return Step(_head(row) + text)
    if isinstance(layer, ConvTranspose):
        text = Text("une convolution transposée de pas $s$ fait voir à chaque sortie $\\lceil k/s \\rceil$ "
                    "unités d'entrée au plus.",
                    "a transposed convolution of stride $s$ lets each output see at most "
                    "$\\lceil k/s \\rceil$ input units.")
        return Step(_head(row) + text, Chain(lhs_r, sp.sympify(row.rf)))
    if isinstance(layer, Op):
        text = Text("champ récepteur (par axe, ou « global » : toute l'entrée) et pas de cette opération :",
                    "receptive field (per axis, or 'global': the whole input) and jump of this operation:")
        return Step(_head(row) + text, (Chain(lhs_r, sp.Symbol(_plain(row.rf).replace(" ", ""))),
                                        Chain(lhs_j, sp.Symbol(_plain(row.jump).replace(" ", "")))))
    if _merge(row):
        text = Text("sur plusieurs chemins, on garde le plus grand champ récepteur (et le même saut).",
                    "over several paths, the largest receptive field is kept (and the same jump).")
        return Step(_head(row) + text, (Chain(lhs_r, sp.Symbol("max_paths(r)"), sp.sympify(row.rf)),
                                        Chain(lhs_j, sp.sympify(row.jump))))
    text = Text("couche sans voisinage : champ récepteur et pas inchangés.",
                "layer without neighbourhood: receptive field and jump unchanged.")
    return Step(_head(row) + text, (Chain(lhs_r, sp.sympify(rf_in)), Chain(lhs_j, sp.sympify(jump_in))))


def _plain(v) -> str:
    return str(v)
