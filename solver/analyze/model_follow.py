"""Follow-through credit for model exercises: which parts follow which, and how they are recomputed.

A model exercise (`solver.analyze.model_exercise`) answers every part from the analyzer's rows
(`solver.analyze.analyze`, one row per module call or tensor operation). A ``<layer>.<quantity>``
part is the row of the layer's first call.

Totals. A total is a sum over all the rows:

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

Shapes, receptive fields and jumps. ``<layer>.shape`` follows the shape of the previous layer (in
the order of `ask`) that asks one, ``<layer>.rf`` the rf and jump asked of the previous layer that
asks either (the key's value for the one it does not ask), ``<layer>.jump`` the jump of the
previous layer that asks one. The hook walks back from the layer's row through its input to that
earlier layer's row; every row on the way must take exactly one tensor and be a step the engine's
arithmetic knows (`solver.maths.architecture.step_row`: convolutions, poolings, flatten, linear,
batch norm, activations, dropout; an element-wise function of one tensor keeps shape and
geometry). It then applies those steps to the student's values: the output-size formulas to
their shape (channels first), r ← r + (k_eff − 1)·j and j ← j·s to their field and jump. A
branch (a sum of two paths, a concatenation), an operation the engine does not step (a reshape
written as ``x.view(…)``, a module it does not know) or a step whose arithmetic does not give back
the analyzer's own row from the key's values gives no recomputation: the hook is exact or silent.
An `ask` listed in another order than the forward pass simply finds no path.

Counts from a shape. ``<layer>.params`` and ``<layer>.mult_adds`` follow the shape of the
previous layer that asks one: a dense layer's parameters from a wrong flattened size, a
convolution's from a wrong channel count, its multiply-adds from wrong sizes. The hook walks the
same straight run (`run`, every step checked on the key's shapes), carries the student's shape to
the layer's input and returns the engine's count for the layer there (`step_row`: a Linear's
in_features, a convolution's input channels, a batch norm's channels come from that input). Only
when the engine's count at the key's own input is the analyzer's row value: a weight shared with
another module (the row shows less), a layer the engine does not step from that input (a Linear
applied at every position of a (C, L) input, an operation such as a matrix product) or a
convention other than plain multiply-adds (flops, bias or normalisation counted; model exercises
use the default, which counts none of them) gives no recomputation. A grouped convolution's
groups must divide the channels carried into it (torch refuses the layer otherwise). A total then
follows the student's counts as above: from a wrong flatten, fc's parameters credited by
follow-through, then a total consistent with those parameters is credited too.

Everything here reads an `Analysis` already traced; nothing imports torch.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

TOTALS = ("params", "mult_adds")
GEOMETRY = ("rf", "jump")
_CARRIED = {"shape": ("shape",), "rf": GEOMETRY, "jump": ("jump",)}  # what each quantity is stepped from
_RESHAPING = frozenset({"expand", "expand_as", "broadcast_to"})  # element-wise, but to another shape


def declared(ask: tuple, totals: tuple) -> dict[str, tuple[str, ...]]:
    """The `Part.follows` of a model exercise's parts, by part id, from its `ask` and `totals`.

    >>> declared((("conv1", ("rf", "params")), ("pool", ("rf", "jump")), ("fc", ("params", "jump"))), ("params",))
    {'pool.rf': ('conv1.rf',), 'fc.jump': ('pool.jump',), 'total.params': ('conv1.params', 'fc.params')}
    >>> declared((("conv1", ("shape",)), ("flat", ("shape",))), ("mult_adds",))
    {'flat.shape': ('conv1.shape',)}
    >>> declared((("flat", ("shape",)), ("fc", ("params", "mult_adds"))), ())
    {'fc.params': ('flat.shape',), 'fc.mult_adds': ('flat.shape',)}

    A layer's counts follow the previous asked shape whatever the layer: this sees only the names
    in `ask`, not the layers' types. Where a count does not depend on the input (a pooling's 0
    parameters and multiply-adds), the hook recomputes the key's own value from any shape, and
    a value equal to the key's earns nothing the plain check did not already give.
    """
    out: dict[str, tuple[str, ...]] = {}
    geometry, jump, shape = None, None, None     # the last layers asking rf or jump, jump, shape
    for layer, quantities in ask:
        if "shape" in quantities and shape is not None:
            out[f"{layer}.shape"] = (f"{shape}.shape",)
        if shape is not None:
            out.update({f"{layer}.{q}": (f"{shape}.shape",) for q in TOTALS if q in quantities})
        if "rf" in quantities and geometry is not None:
            out[f"{layer}.rf"] = tuple(f"{geometry[0]}.{q}" for q in GEOMETRY if q in geometry[1])
        if "jump" in quantities and jump is not None:
            out[f"{layer}.jump"] = (f"{jump}.jump",)
        if any(q in quantities for q in GEOMETRY):
            geometry = (layer, quantities)
        if "jump" in quantities:
            jump = layer
        if "shape" in quantities:
            shape = layer
    for t in totals:
        earlier = tuple(f"{layer}.{t}" for layer, quantities in ask if t in quantities)
        if earlier:
            out[f"total.{t}"] = earlier
    return out


def key_total(analysis, quantity: str) -> int:
    """The key of ``total.<quantity>``: the analyzer's total over every row."""
    return int(analysis.total_params) if quantity == "params" else int(analysis.total_mult_adds)


def follow(analysis, part_id: str, earlier: Mapping[str, Any]):
    """The value of `part_id` recomputed from the values `earlier` of the parts it follows
    (``{part id: SymPy value}``), or None when they do not determine it (module docstring)."""
    layer, _, quantity = part_id.rpartition(".")
    if layer == "total" and quantity in TOTALS:
        return _total(analysis, quantity, earlier)
    if quantity in TOTALS:
        return _counted(analysis.layers, layer, quantity, earlier)
    if quantity in _CARRIED:
        return _along(analysis.layers, layer, quantity, earlier)
    return None


# --- totals ---------------------------------------------------------------------------------------------------

def _total(analysis, quantity: str, earlier: Mapping[str, Any]):
    import sympy as sp

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
    first = _first(layers, name)
    if first is None:
        return []
    return [first] + [l for l in layers if l is not first and first.module is not None and l.module == first.module]


def _first(layers, name: str):
    return next((l for l in layers if l.name == name), None)


def _same_call(a, b) -> bool:
    return (tuple(a.row.in_shape), tuple(a.row.shape), int(a.row.mult_adds)) == \
        (tuple(b.row.in_shape), tuple(b.row.shape), int(b.row.mult_adds))


# --- shapes, receptive fields and jumps along a straight run -----------------------------------------------

def _along(layers, layer: str, quantity: str, earlier: Mapping[str, Any]):
    """`layer`'s `quantity` stepped from the earlier layer's values (the student's where given)."""
    import sympy as sp

    names = {part.rpartition(".")[0] for part in earlier}
    if len(names) != 1 or not all(part.rpartition(".")[2] in _CARRIED[quantity] for part in earlier):
        return None
    (before,) = names
    path = run(layers, before, layer, quantity)
    if path is None:
        return None
    start = path[0].row
    values = {"shape": tuple(start.shape), "rf": start.rf, "jump": start.jump} if quantity in GEOMETRY else \
        {"shape": tuple(start.shape), "rf": 1, "jump": 1}
    for part, value in earlier.items():
        plain = _plain(value)
        if plain is None:
            return None
        values[part.rpartition(".")[2]] = plain
    shape, rf, jump = values["shape"], values["rf"], values["jump"]
    if not all(_whole(v) for v in (rf, jump)) or not isinstance(shape, tuple):
        return None
    stepped = _walk(path[1:], shape, rf, jump, quantity in GEOMETRY)
    if stepped is None:
        return None
    shape, rf, jump = stepped
    if quantity == "shape":
        return sp.Tuple(*shape)
    value = rf if quantity == "rf" else jump
    return sp.Integer(value) if _whole(value) else None


def _walk(rows, shape: tuple, rf, jump, geometry: bool):
    """(shape, rf, jump) after the `rows` in turn, from the given values; each row steps from the
    analyzer's own input shape when `geometry` (a field does not depend on the sizes), else from the
    shape carried. None when a step cannot be computed."""
    for row in rows:
        stepped = _step(row, tuple(row.row.in_shape) if geometry else shape, rf, jump)
        if stepped is None:
            return None
        shape, rf, jump = stepped
    return shape, rf, jump


def run(layers, before: str, layer: str, quantity: str) -> list | None:
    """The rows from `before`'s first row to `layer`'s, each the only input of the next, every step
    one the engine computes exactly as the analyzer did for `quantity` (checked on the key's
    values); else None."""
    start, end = _first(layers, before), _first(layers, layer)
    if start is None or end is None:
        return None
    nodes = {l.node: l for l in layers}
    path = [end]
    while path[0] is not start:
        inputs = path[0].inputs
        if len(inputs) != 1 or inputs[0] not in nodes or len(path) > len(layers):
            return None
        path.insert(0, nodes[inputs[0]])
    return path if all(_agrees(row, quantity) for row in path[1:]) else None


def _agrees(layer, quantity: str) -> bool:
    """Whether the engine's step gives back the analyzer's row from the row's own input values."""
    key = layer.row
    if quantity in GEOMETRY:
        return _step(layer, tuple(key.in_shape), key.rf_in, key.jump_in) == (tuple(key.shape), key.rf, key.jump)
    if quantity in TOTALS:
        row = _engine_row(layer, tuple(key.in_shape), 1, 1)
        return row is not None and tuple(row.shape) == tuple(key.shape) and \
            _count(row, quantity) == int(getattr(key, quantity))
    stepped = _step(layer, tuple(key.in_shape), 1, 1)
    return stepped is not None and stepped[0] == tuple(key.shape)


# --- a layer's counts from the shape asked before it ----------------------------------------------------------

def _counted(layers, layer: str, quantity: str, earlier: Mapping[str, Any]):
    """`layer`'s params or mult_adds from the student's shape of the previous asked layer: that shape
    stepped along the run to the layer's input, then the engine's count for the layer there."""
    import sympy as sp

    if len(earlier) != 1:
        return None
    ((part, value),) = earlier.items()
    before, _, asked = part.rpartition(".")
    shape = _plain(value)
    if asked != "shape" or not isinstance(shape, tuple) or not all(v >= 1 for v in shape):
        return None
    path = run(layers, before, layer, "shape")
    if path is None or len(path) < 2 or not _agrees(path[-1], quantity):
        return None
    carried = _walk(path[1:-1], shape, 1, 1, False)
    if carried is None or not _divides(path[-1].row.layer, carried[0]):
        return None
    row = _engine_row(path[-1], carried[0], 1, 1)
    count = None if row is None else _count(row, quantity)
    return None if count is None else sp.Integer(count)


def _divides(spec, shape: tuple) -> bool:
    """Whether a grouped convolution's groups divide the channels it is given (torch refuses otherwise)."""
    groups = getattr(spec, "groups", 1)
    return isinstance(groups, int) and groups >= 1 and shape[0] % groups == 0


def _plain(value):
    """A SymPy integer or tuple of integers as Python ints; None for anything else."""
    import sympy as sp

    if isinstance(value, sp.Integer):
        return int(value)
    if isinstance(value, sp.Tuple) and value and all(isinstance(v, sp.Integer) for v in value):
        return tuple(int(v) for v in value)
    return None


def _step(layer, shape: tuple, rf, jump):
    """(shape, rf, jump) after one row, from the given input values; None when the engine cannot say."""
    from solver.analyze.netfunctions import ELEMENTWISE
    from solver.maths import architecture as A

    spec = layer.row.layer
    if isinstance(spec, A.Op):
        unchanged = tuple(layer.row.in_shape) == tuple(layer.row.shape)
        if layer.module is None and layer.type in ELEMENTWISE - _RESHAPING and unchanged:
            return shape, rf, jump
        return None
    row = _engine_row(layer, shape, rf, jump)
    return None if row is None else (tuple(row.shape), row.rf, row.jump)


def _engine_row(layer, shape: tuple, rf, jump):
    """The engine's `Row` for a layer it knows (`step_row`) from the given input values; None for an
    operation it does not step or a result that is not whole sizes."""
    from solver.maths import architecture as A

    spec = layer.row.layer
    if isinstance(spec, A.Op):
        return None
    try:
        row = A.step_row(layer.name, spec, shape, rf, jump)
    except (ValueError, TypeError, ZeroDivisionError):
        return None
    return row if all(_whole(v) for v in row.shape) else None


def _count(row, quantity: str) -> int | None:
    """A row's parameters or multiply-adds as a Python int; None when not a whole number."""
    value = getattr(row, quantity)
    return int(value) if _whole(value) else None


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
