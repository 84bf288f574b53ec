"""Per exercise, standalone PyTorch code that recomputes its answers: the code cells of a notebook.

A recipe is the body of a function ``by_torch(<parameters>) -> {part id: value}`` written with torch
only (no import of tdsolver), from what the statement says — layers built as `nn` modules and
counted, shapes read off real tensors, receptive fields read off gradients, derivatives from
autograd — never from the solver's formulas. `notebook` calls it on the variant's values, or, for
parameters kept as symbols, on a small grid of values where the key (a formula) is evaluated too.

The helpers the recipes and the keys use (`rf_side`, `same_conv`, `n_params`, `derivative`,
`from_one`, `Order`…) are defined in the notebook's first code cell, `PRELUDE`. Exercises without a
recipe are listed by `uncovered`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PRELUDE = '''\
import itertools
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
floor, ceil = math.floor, math.ceil


def _on_tensors(number_function, tensor_function):
    """A function of numbers that also works, elementwise, on tensors."""
    def function(*args):
        if any(isinstance(a, torch.Tensor) for a in args):
            return tensor_function(*[torch.as_tensor(a, dtype=torch.float64) for a in args])
        return number_function(*args)
    return function


exp, log, sqrt, tanh = (_on_tensors(getattr(math, f), getattr(torch, f)) for f in ("exp", "log", "sqrt", "tanh"))
Max, Min = _on_tensors(max, torch.maximum), _on_tensors(min, torch.minimum)


def where(condition, a, b):
    """A two-piece formula: `a` where the condition holds, else `b` (elementwise on tensors)."""
    return torch.where(torch.as_tensor(condition), torch.as_tensor(a, dtype=torch.float64),
                       torch.as_tensor(b, dtype=torch.float64))


def derivative(f, at):
    """The derivative of f at `at` by autograd: of each component of f(at) for a scalar `at`; for a
    tensor `at` and an elementwise f, of each component with respect to its own variable."""
    x = torch.as_tensor(at, dtype=torch.float64).detach().requires_grad_(True)
    if x.dim() == 0:
        return torch.autograd.functional.jacobian(f, x)
    return torch.autograd.grad(f(x).sum(), x)[0]


def from_one(t):
    """A tensor indexed from 1, as formulas number their entries: a slot 0 of NaN before each axis, so
    that an index off by one shows as NaN."""
    t = torch.as_tensor(t, dtype=torch.float64)
    return F.pad(t, (1, 0) * t.dim(), value=math.nan)


class Order:
    """O(f(r)) as r -> 0: a function err(r) is of that order when err(r) / f(r) neither vanishes nor
    blows up as r shrinks (checked at r = 1e-2, 1e-3, 1e-4: the ratios stay within a factor 2)."""

    RADII = (1e-2, 1e-3, 1e-4)

    def __init__(self, f):
        self.f = f

    def ratios(self, err):
        return [float(torch.as_tensor(err(r) / self.f(r)).detach()) for r in self.RADII]

    def describes(self, err):
        ratios = self.ratios(err)
        return all(0 < q < math.inf for q in ratios) and max(ratios) < 2 * min(ratios)

    def __repr__(self):
        return "O(f) with f(1e-2, 1e-3, 1e-4) = " + str([self.f(r) for r in self.RADII])


def KroneckerDelta(a, b):
    """1 where the indices are equal, else 0 (on index tensors too)."""
    return (torch.as_tensor(a) == torch.as_tensor(b)).double()


def n_params(*modules):
    """Learned parameters of torch modules."""
    return sum(p.numel() for m in modules for p in m.parameters())


def rf_side(modules, n):
    """Receptive field side of the centre unit of a stack of 1-channel 2D layers, read off autograd:
    weights 1, biases 0 and average (not max) pooling, so that no gradient is lost; input n x n."""
    net = nn.Sequential(*[nn.AvgPool2d(m.kernel_size, m.stride, m.padding) if isinstance(m, nn.MaxPool2d) else m
                          for m in modules])
    with torch.no_grad():
        for name, p in net.named_parameters():
            p.fill_(0.0 if name.endswith("bias") else 1.0)
    x = torch.ones(1, 1, n, n, requires_grad=True)
    y = net(x)
    y[0, 0, y.shape[2] // 2, y.shape[3] // 2].backward()
    rows = torch.nonzero(x.grad[0, 0].abs().sum(dim=1)).flatten()
    return int(rows.max() - rows.min() + 1)


def same_conv(x, conv):
    """A convolution with "same" padding in the courses' sense: output side ceil(n / stride),
    zeros added as evenly as possible (the extra one at the end)."""
    k, s, n = conv.kernel_size[0], conv.stride[0], x.shape[-1]
    total = max((math.ceil(n / s) - 1) * s + k - n, 0)
    return conv(F.pad(x, (total // 2, total - total // 2) * (x.dim() - 2)))


def check_exercise(by_torch, values, keys, tolerances, grid):
    """Compare torch's values with the keys: at the variant's values, or over a grid of values for
    the parameters left as symbols (the key is then a formula, written as a Python function). Arrays
    a key names as symbols (a kernel w, an input x) are drawn by `by_torch`, returned under "given"
    (where they replace a value of the same name: an array indexed from 1, a function for g)."""
    free = [name for name, v in values.items() if v is None]
    tried = 0
    for combo in itertools.product(*[grid[name] for name in free]):
        point = dict(values, **dict(zip(free, combo)))
        try:
            got = by_torch(**point)
        except ValueError:  # a combination that makes no network (kernel larger than the input)
            continue
        tried += 1
        given = got.pop("given", {})
        for part, key in keys.items():
            want = key(**dict(point, **given)) if callable(key) else key
            compare(part if not free else f"{part} {dict(zip(free, combo))}", got[part], want, *tolerances[part])
    assert tried, "no valid combination of values"
    return tried


def as_tensor(value):
    """Numbers, tensors and nested lists or tuples of them as one float64 tensor."""
    if isinstance(value, (list, tuple)):
        return torch.stack([as_tensor(v) for v in value]) if value else torch.zeros(0)
    return torch.as_tensor(value, dtype=torch.float64)


def compare(label, got, want, rtol, atol):
    if isinstance(want, str):
        ok = got == want
    elif isinstance(want, Order):  # torch gives the error as a function of r
        ok, got = want.describes(got), "error / f(r) = " + str(want.ratios(got))
    else:
        g, w = as_tensor(got).detach(), as_tensor(want).detach()
        ok = g.shape == w.shape and bool(torch.all((g == w) | ((g - w).abs() <= atol + rtol * w.abs())))
        got, want = (got, want) if g.dim() == 0 else (g, w)
        if ok and g.numel() > 12:  # a long array: its shape and the largest gap, not every entry
            got, want = f"shape {tuple(g.shape)}", f"the same to {float((g - w).abs().max()):.1e} at most"
    print("ok  " if ok else "DIFF", label, "| torch:", got, "| key:", want)
    assert ok, f"{label}: torch gives {got}, the key is {want}"
'''


@dataclass(frozen=True)
class Recipe:
    """`body`: the body of ``by_torch`` (it returns the dict of part values); `grid`: values tried for
    a parameter kept as a symbol; `given`: a regular expression matching the names a key uses besides
    the parameters (arrays drawn at random, index grids), which the body returns under ``"given"``."""

    body: str
    grid: dict = field(default_factory=dict)
    given: str = ""


def recipes() -> dict:
    """Every exercise's recipe, by exercise id (found with the sheets: `solver.sheets.course`)."""
    from solver.sheets.course import notebook_recipes

    return notebook_recipes()


def uncovered(exercises) -> list[str]:
    """Exercises with a computable part (not only text or choices) and no recipe."""
    known = recipes()
    return [ex.id for ex in exercises if ex.id not in known and any(p.kind not in ("text", "choice") for p in ex.parts)]
