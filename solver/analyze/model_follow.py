"""Follow-through credit for model exercises: which parts follow which, and how they are recomputed.

A model exercise (`solver.analyze.model_exercise`) answers every part from the analyzer's rows
(`solver.analyze.analyze`, one row per module call or tensor operation). A ``<layer>.<quantity>``
part is the row of the layer's first call; a total is a sum over all the rows:

- ``total.params`` adds each row's parameters: a module's own at its first call, 0 at its later
  calls (a module called twice is counted once), a parameter used directly by the forward at its
  first use;
- ``total.mult_adds`` adds every row's multiply-adds, each call of a module included.

So ``total.<q>`` follows every asked ``<layer>.<q>`` (`declared`), and `follow` recomputes it as
the key's own total with each asked layer's key value replaced by the student's value:

    total(earlier) = total + Σ n_layer · (earlier[layer] − key[layer])

where n_layer is the number of rows that carry the layer's value: 1 for parameters, the number of
calls for multiply-adds when every call has the same input and output shapes (the same computation
each time, each call counted like the first). When the calls differ, a value other than the key's
says nothing certain about the other calls: no recomputation (None). Layers the exercise does not
ask about keep their key's value, and fed the key's own per-layer values the hook gives the key
back exactly, however the analyzer counts shared modules or parameters.

Everything here reads an `Analysis` already traced; nothing imports torch.
"""

from __future__ import annotations

TOTALS = ("params", "mult_adds")


def declared(ask: tuple, totals: tuple) -> dict[str, tuple[str, ...]]:
    """The `Part.follows` of a model exercise's parts, by part id, from its `ask` and `totals`.

    >>> declared((("conv1", ("shape", "params")), ("fc", ("params", "mult_adds"))), ("params", "mult_adds"))
    {'total.params': ('conv1.params', 'fc.params'), 'total.mult_adds': ('fc.mult_adds',)}
    >>> declared((("conv1", ("shape",)),), ("params",))
    {}
    """
    out = {f"total.{t}": tuple(f"{layer}.{t}" for layer, quantities in ask if t in quantities) for t in totals}
    return {part: earlier for part, earlier in out.items() if earlier}


def key_total(analysis, quantity: str) -> int:
    """The key of ``total.<quantity>``: the analyzer's total over every row."""
    return int(analysis.total_params) if quantity == "params" else int(analysis.total_mult_adds)


def follow(analysis, part_id: str, earlier: dict):
    """The value of `part_id` recomputed from the values `earlier` of the parts it follows
    (``{part id: SymPy value}``), or None when they do not determine it (module docstring)."""
    import sympy as sp

    layer, _, quantity = part_id.rpartition(".")
    if layer != "total" or quantity not in TOTALS:
        return None
    total = key_total(analysis, quantity)
    for part, value in earlier.items():
        name, _, asked = part.rpartition(".")
        if asked != quantity or not isinstance(value, sp.Integer):
            return None
        calls = _calls(analysis.layers, name)
        if not calls:
            return None
        key = int(getattr(calls[0].row, quantity))
        if int(value) == key:
            continue
        if quantity == "params":
            total += int(value) - key
        elif all(_same_call(c, calls[0]) for c in calls):
            total += len(calls) * (int(value) - key)
        else:
            return None
    return sp.Integer(total)


def _calls(layers, name: str) -> list:
    """The rows of `name`: its first row (the one its parts are read from), then the module's later calls."""
    first = next((l for l in layers if l.name == name), None)
    if first is None:
        return []
    return [first] + [l for l in layers if l is not first and first.module is not None and l.module == first.module]


def _same_call(a, b) -> bool:
    return (tuple(a.row.in_shape), tuple(a.row.shape), int(a.row.mult_adds)) == \
        (tuple(b.row.in_shape), tuple(b.row.shape), int(b.row.mult_adds))
