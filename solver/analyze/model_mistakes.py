"""The usual mistakes on a network's numbers, as mal-rules over the analyzer's layers.

Each mistake re-runs the analyzer's per-layer arithmetic (`architecture.step_row`) with one rule
perturbed, on the layer's correct input (a student who makes one mistake at one layer):
``missing-bias``, ``ceil-instead-of-floor``, ``padding-one-side``, ``stride-ignored``,
``rf-without-jump``, ``running-stats-as-params``, ``flatten-wrong-shape``,
``params-instead-of-mult-adds``. `wrong_value` gives None where a mistake does not concern a layer.

>>> from solver.maths.architecture import Conv, Pool, trace
>>> class L:  # the analyzer's Layer, reduced to what the mal-rules read
...     def __init__(self, row): self.row, self.name = row, row.name
>>> layers = [L(r) for r in trace((1, 15, 15), [Conv(4, 5, stride=2, padding=2), Pool(3, 2)])]
>>> wrong_value(layers, 0, "shape", "padding-one-side"), wrong_value(layers, 1, "shape", "ceil-instead-of-floor")
((4, 7, 7), (4, 4, 4))
>>> wrong_value(layers, 1, "rf", "rf-without-jump"), wrong_value(layers, 0, "params", "missing-bias")
(7, 100)
"""

from __future__ import annotations

import dataclasses

CODES = {
    "shape": ("ceil-instead-of-floor", "padding-one-side", "stride-ignored", "flatten-wrong-shape"),
    "params": ("missing-bias", "running-stats-as-params", "flatten-wrong-shape"),
    "rf": ("rf-without-jump", "stride-ignored"),
    "jump": ("stride-ignored",),
    "mult_adds": ("stride-ignored", "params-instead-of-mult-adds"),
}


def wrong_value(layers, index: int, quantity: str, code: str):
    """The value a student applying the perturbed rule `code` at this layer would give (None: not applicable)."""
    from solver.maths import architecture as A

    row = layers[index].row
    spec = row.layer
    if code == "rf-without-jump":
        return _rf_without_jump(layers, index)
    if code == "flatten-wrong-shape":
        return _flatten_wrong(layers, index, quantity)
    if code == "params-instead-of-mult-adds":
        return row.params if has_weights(spec) else None
    if code == "running-stats-as-params":
        return row.params + row.buffers if isinstance(spec, A.BatchNorm) and row.buffers else None
    perturbed = _perturbed(spec, code)
    if perturbed is None:
        return None
    in_shape = row.in_shape
    if code == "padding-one-side":  # the input padded on one side only, then no padding
        in_shape = (in_shape[0], *[i + spec.padding for i in in_shape[1:]])
    try:
        wrong = A.step_row(row.name, perturbed, in_shape, row.rf_in, row.jump_in)
    except (ValueError, ZeroDivisionError):
        return None
    if code == "ceil-instead-of-floor" and isinstance(spec, A.Conv):
        return (spec.out_channels, *wrong.shape[1:])  # the sides from the ceil rule of a pool of the same window
    return value_of_row(wrong, quantity)


def value_of_row(row, quantity: str):
    return {"shape": row.shape, "params": row.params, "rf": row.rf, "jump": row.jump,
            "mult_adds": row.mult_adds}[quantity]


def _perturbed(spec, code: str):
    """The layer specification with one rule changed, or None when the rule does not concern it."""
    from solver.maths import architecture as A

    if code == "missing-bias" and getattr(spec, "bias", False):
        return dataclasses.replace(spec, bias=False)
    if code == "stride-ignored" and isinstance(spec, (A.Conv, A.Pool)) and (spec.stride or spec.kernel) > 1:
        return dataclasses.replace(spec, stride=1)
    if code == "ceil-instead-of-floor" and isinstance(spec, A.Pool) and not spec.ceil_mode:
        return dataclasses.replace(spec, ceil_mode=True)
    if code == "ceil-instead-of-floor" and isinstance(spec, A.Conv) and isinstance(spec.padding, int):
        return A.Pool(spec.kernel, spec.stride, spec.padding, "max", True, spec.dims, spec.name, spec.dilation)
    if code == "padding-one-side" and isinstance(spec, (A.Conv, A.Pool)) and isinstance(spec.padding, int) \
            and spec.padding > 0:
        return dataclasses.replace(spec, padding=0)
    return None


def has_weights(spec) -> bool:
    from solver.maths import architecture as A

    return isinstance(spec, (A.Conv, A.Linear, A.ConvTranspose))


def _sequential_before(layers, index: int) -> bool:
    """Whether every layer up to `index` takes the previous one's output (no branch, no merge)."""
    return all(layers[n].row.rf_in == layers[n - 1].row.rf and layers[n].row.jump_in == layers[n - 1].row.jump
               and layers[n].row.in_shape == layers[n - 1].row.shape for n in range(1, index + 1))


def _rf_without_jump(layers, index: int):
    """The receptive field with every jump taken as 1: each layer adds its (k_eff − 1) input steps only."""
    if not _sequential_before(layers, index):
        return None
    rf = 1
    for layer in layers[:index + 1]:
        row = layer.row
        rf += (row.rf - row.rf_in) // row.jump_in
    return rf


def _flatten_wrong(layers, index: int, quantity: str):
    """The flatten of the map before the last shape-changing layer, and what it gives downstream."""
    from solver.maths import architecture as A

    row = layers[index].row
    flat = next((n for n in range(index, -1, -1) if isinstance(layers[n].row.layer, A.Flatten)), None)
    if flat is None or not _sequential_before(layers, index):
        return None
    earlier = next((layers[n].row.in_shape for n in range(flat - 1, -1, -1)
                    if layers[n].row.shape != layers[n].row.in_shape), None)
    if earlier is None:
        return None
    if index == flat:
        return A.step_row(row.name, row.layer, earlier).shape if quantity == "shape" else None
    first_linear = next((n for n in range(flat + 1, len(layers)) if isinstance(layers[n].row.layer, A.Linear)), None)
    if index != first_linear or quantity != "params":
        return None
    n_in = 1
    for v in earlier:
        n_in *= int(v)
    return A.step_row(row.name, row.layer, (n_in,)).params


def wrong_total(analysis, quantity: str, code: str):
    """A total with the perturbed rule applied wherever it concerns a layer."""
    layers = analysis.layers
    if quantity == "mult_adds":
        return analysis.total_params if code == "params-instead-of-mult-adds" else None
    total, changed = 0, False
    for n, layer in enumerate(layers):
        value = wrong_value(layers, n, "params", code)
        changed |= value is not None
        total += int(value if value is not None else layer.row.params)
    return total if changed else None
