"""Independent numeric checks of a solution (with torch, imported by the checks themselves).

An exercise's `check(params, solution, checks)` computes the same quantities another way —
usually with torch — and records each comparison here; `verify` reports them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class CheckRecord:
    label: str
    ok: bool
    error: float | None
    detail: str = ""


@dataclass
class Checks:
    """A list of comparisons between the solver's values and independent ones.

    >>> c = Checks()
    >>> c.close("sum", [1.0, 2.0], [1.0, 2.0 + 1e-12])
    True
    >>> c.equal("shape", (3, 4), (3, 5))
    False
    >>> c.count, c.ok, c.failures()[0].label
    (2, False, 'shape')
    """

    records: list[CheckRecord] = field(default_factory=list)

    def close(self, label: str, got: Any, want: Any, rtol: float = 1e-6, atol: float = 1e-8) -> bool:
        """Numbers, arrays, tensors or SymPy matrices equal within tolerance."""
        import numpy as np

        a, b = _array(got), _array(want)
        if a.shape != b.shape:
            self.records.append(CheckRecord(label, False, None, f"shapes {a.shape} vs {b.shape}"))
            return False
        err = float(np.max(np.abs(a - b))) if a.size else 0.0
        ok = bool(np.all(np.abs(a - b) <= atol + rtol * np.abs(b)))
        self.records.append(CheckRecord(label, ok, err, "" if ok else f"max abs error {err:.3g}"))
        return ok

    def equal(self, label: str, got: Any, want: Any) -> bool:
        """Exact equality (integers, shapes, words)."""
        ok = got == want
        self.records.append(CheckRecord(label, ok, 0.0 if ok else None, "" if ok else f"{got!r} != {want!r}"))
        return ok

    def true(self, label: str, condition: bool, detail: str = "") -> bool:
        """A property that must hold (e.g. equivariance fails under stride 2)."""
        self.records.append(CheckRecord(label, bool(condition), None, "" if condition else detail))
        return bool(condition)

    @property
    def count(self) -> int:
        return len(self.records)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.records)

    @property
    def max_abs_err(self) -> float | None:
        errors = [r.error for r in self.records if r.error is not None]
        return max(errors) if errors else None

    def failures(self) -> list[CheckRecord]:
        return [r for r in self.records if not r.ok]


def _array(x: Any):
    import numpy as np

    if hasattr(x, "detach"):
        return x.detach().cpu().double().numpy()
    if hasattr(x, "tolist") and not isinstance(x, np.ndarray):
        x = x.tolist()
    return np.asarray(x, dtype=float)


def to_float_array(matrix) -> Any:
    """A SymPy matrix or expression list with numeric entries as a float64 numpy array."""
    import numpy as np

    return np.array([[float(v) for v in row] for row in matrix.tolist()], dtype=float)


def torch_layer_outputs(modules, input_shape, device: str = "cpu") -> list[tuple[tuple, int]]:
    """Run `modules` (a sequence of torch modules) one after the other on zeros of `input_shape`.

    Returns, for each module, its output shape *without* the batch dimension and its number of
    learned parameters (``sum(p.numel())``). `device="meta"` propagates shapes without computing
    (for networks too large to run in a check, e.g. VGG16 on a large image).
    """
    import torch

    x = torch.zeros(1, *input_shape, device=device)  # float32: only shapes are compared, and it is fast
    out = []
    with torch.no_grad():
        for m in modules:
            x = m(x)
            out.append((tuple(x.shape[1:]), sum(p.numel() for p in m.parameters())))
    return out


def loss_of_flat_parameters(net, inputs: tuple, loss):
    """A network's loss as a function of all its parameters in one flat vector, for the checks that
    differentiate twice (Hessians, Hessian-vector products).

    Returns ``(f, theta)``: ``f(w) = loss(net(*inputs))`` with the parameters read from `w` in
    ``net.parameters()`` order, and `theta` the network's current parameters, flattened and detached.

    >>> import torch
    >>> net = torch.nn.Linear(2, 1).double()
    >>> f, theta = loss_of_flat_parameters(net, (torch.ones(1, 2, dtype=torch.float64),), lambda out: out.sum())
    >>> tuple(theta.shape), torch.func.hessian(f)(theta).abs().max().item()   # linear in w: no curvature
    ((3,), 0.0)
    """
    import torch

    names = [name for name, _ in net.named_parameters()]
    shapes = [p.shape for p in net.parameters()]
    theta = torch.cat([p.detach().reshape(-1) for p in net.parameters()])

    def f(w):
        params, start = {}, 0
        for name, shape in zip(names, shapes):
            params[name] = w[start:start + shape.numel()].reshape(shape)
            start += shape.numel()
        return loss(torch.func.functional_call(net, params, inputs))
    return f, theta


def gradient_support(model, input_shape, index) -> Any:
    """Input pixels on which the output unit `index` (without the batch index) depends.

    Sets every weight to 1 and every bias to 0 and feeds ones, so that no gradient cancels or is
    stopped by a ReLU (max-pooling would still pass gradient to one cell only: replace it by an
    average pooling of the same geometry first). Returns a boolean tensor over the spatial
    dimensions of the input (channels merged).
    """
    import torch

    with torch.no_grad():  # float32 is exact here: every partial derivative is a positive integer
        for name, p in model.named_parameters():
            p.fill_(0.0 if name.endswith("bias") else 1.0)
    x = torch.ones(1, *input_shape, requires_grad=True)
    model(x)[(0, *index)].backward()
    if x.grad is None:  # the output does not use the input at all: it depends on no pixel
        return torch.zeros(tuple(input_shape[1:]), dtype=torch.bool)
    return x.grad[0].abs().sum(dim=0) > 0


def support_sides(mask) -> tuple[int, ...]:
    """Side of the bounding box of a boolean mask along each dimension (0 where empty).

    >>> import torch
    >>> m = torch.zeros(5, 5, dtype=torch.bool); m[1:4, 2:3] = True
    >>> support_sides(m)
    (3, 1)
    """
    import torch

    sides = []
    for dim in range(mask.dim()):
        line = mask.movedim(dim, 0).reshape(mask.shape[dim], -1).any(dim=1)
        idx = torch.nonzero(line).flatten()
        sides.append(int(idx.max() - idx.min() + 1) if idx.numel() else 0)
    return tuple(sides)
