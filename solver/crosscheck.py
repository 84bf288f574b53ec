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
