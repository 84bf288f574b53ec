"""Numeric evaluation of SymPy trees at many points at once (numpy), and the sample points.

Our own walker over SymPy's node types — no code generation: Add, Mul, Pow, exp, log, floor,
ceiling (snapped to the nearest integer when within rounding error), Max, Min, Abs, Mod,
KroneckerDelta, Piecewise, trigonometric functions, `Indexed` (each entry of an indexed base gets
a pseudo-random value fixed by its name and indices, so ``x[i+u, j+v]`` written two ways agrees),
`Sum` with bounds that vary from point to point, and undefined functions (``g(a)``; replaced by a
fixed smooth function before evaluating, so that ``g'(a)`` is its derivative). A node it does not
know raises `Unsupported`: the caller then cannot decide by sampling.

>>> import sympy as sp
>>> i, s = sp.symbols("i s", integer=True, positive=True)
>>> points = {i: np.array([5.0, 6.0, 7.0]), s: np.array([2.0, 2.0, 2.0])}
>>> evaluate(sp.floor((i - 1) / s) + 1, points).tolist()
[3.0, 3.0, 4.0]
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import math
import signal
import threading
import time
from typing import Any, Mapping

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef

MAX_SUM_TERMS = 200
GRID_POINTS = 4096
RANDOM_POINTS = 256
INTEGER_KINDS = ("size", "natural", "integer", "index", "odd")
SMALL_SIZE = 12


class Unsupported(ValueError):
    """A node the numeric evaluator does not know."""


def _snap(x):
    r = np.rint(x)
    return np.where(np.abs(x - r) <= 1e-9 * np.maximum(1.0, np.abs(x)), r, x)


def _factorial(x):
    """n! at whole n ≥ 0 (Γ(n + 1)); NaN elsewhere."""
    x = np.asarray(_snap(np.asarray(x, dtype=float)))
    ok = np.isfinite(x) & (x >= 0) & (x == np.rint(x)) & (x <= 170)
    out = np.full(x.shape, np.nan)
    out[ok] = [math.factorial(int(v)) for v in x[ok].ravel()] if ok.any() else []
    return out if x.ndim else float(out)


def _unary(fn):
    return lambda args: fn(args[0])


_FUNCTIONS = {
    sp.exp: _unary(np.exp), sp.log: _unary(lambda x: np.log(np.where(x >= 0, x, np.nan))),
    sp.floor: _unary(lambda x: np.floor(_snap(x))), sp.ceiling: _unary(lambda x: np.ceil(_snap(x))),
    sp.Abs: _unary(np.abs), sp.sign: _unary(np.sign), sp.sin: _unary(np.sin), sp.cos: _unary(np.cos),
    sp.tan: _unary(np.tan), sp.tanh: _unary(np.tanh), sp.sinh: _unary(np.sinh), sp.cosh: _unary(np.cosh),
    sp.atan: _unary(np.arctan), sp.Heaviside: lambda a: np.heaviside(a[0], 0.5),
    sp.Max: lambda a: np.maximum.reduce(np.broadcast_arrays(*a)),
    sp.Min: lambda a: np.minimum.reduce(np.broadcast_arrays(*a)),
    sp.Mod: lambda a: np.mod(a[0], a[1]), sp.frac: _unary(lambda x: x - np.floor(_snap(x))),
    sp.KroneckerDelta: lambda a: (_snap(a[0]) == _snap(a[1])).astype(float),
    sp.asin: _unary(np.arcsin), sp.acos: _unary(np.arccos), sp.atan2: lambda a: np.arctan2(a[0], a[1]),
    sp.sec: _unary(lambda x: 1 / np.cos(x)), sp.csc: _unary(lambda x: 1 / np.sin(x)),
    sp.cot: _unary(lambda x: 1 / np.tan(x)), sp.sech: _unary(lambda x: 1 / np.cosh(x)),
    sp.csch: _unary(lambda x: 1 / np.sinh(x)), sp.coth: _unary(lambda x: 1 / np.tanh(x)),
    sp.asinh: _unary(np.arcsinh), sp.acosh: _unary(np.arccosh), sp.atanh: _unary(np.arctanh),
    sp.factorial: _unary(lambda x: _factorial(x)),
}
# The functions that have a principal complex value numpy computes (for `ComplexEvaluator`).
_COMPLEX_FUNCTIONS = {
    sp.exp: _unary(np.exp), sp.log: _unary(np.log), sp.Abs: _unary(np.abs),
    sp.sin: _unary(np.sin), sp.cos: _unary(np.cos), sp.tan: _unary(np.tan),
    sp.sinh: _unary(np.sinh), sp.cosh: _unary(np.cosh), sp.tanh: _unary(np.tanh),
    sp.asin: _unary(np.arcsin), sp.acos: _unary(np.arccos), sp.atan: _unary(np.arctan),
    sp.asinh: _unary(np.arcsinh), sp.acosh: _unary(np.arccosh), sp.atanh: _unary(np.arctanh),
    sp.sec: _unary(lambda x: 1 / np.cos(x)), sp.csc: _unary(lambda x: 1 / np.sin(x)),
    sp.cot: _unary(lambda x: 1 / np.tan(x)),
}
_RELATIONS = {sp.StrictLessThan: np.less, sp.LessThan: np.less_equal, sp.StrictGreaterThan: np.greater,
              sp.GreaterThan: np.greater_equal, sp.Equality: np.equal, sp.Unequality: np.not_equal}


def _seed(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little")


def _entries(seed: int, kind: str, indices: list):
    """The pseudo-random entries of an indexed base at `indices` (NaN where one is not whole),
    drawn from the base's declared kind."""
    idx = [_snap(np.asarray(i, dtype=float)) for i in indices]
    whole = np.logical_and.reduce([np.asarray(i == np.rint(i)) for i in idx]) if idx else True
    u = _hash01(seed, [np.where(np.isfinite(i), i, 0) for i in idx])
    value = {"positive": 0.1 + 2.9 * u, "probability": 0.02 + 0.96 * u}.get(kind, 4.0 * u - 2.0)
    return np.where(whole, value, np.nan)


@functools.lru_cache(maxsize=65536)
def _entry(seed: int, kind: str, indices: tuple) -> float:
    """One entry (`_entries` at scalar indices), kept: a sum evaluates it for every key and answer."""
    return float(_entries(seed, kind, list(indices)))


@functools.lru_cache(maxsize=256)
def _label(label) -> tuple[str, int]:
    """An indexed base's name and the seed of its entries (printed and hashed once: a sum
    evaluates its entries thousands of times)."""
    name = str(label)
    return name, _seed(name)


def _hash01(seed: int, indices: list) -> np.ndarray:
    """A deterministic pseudo-random number in [0, 1) per tuple of integer indices (splitmix64)."""
    with np.errstate(over="ignore"):
        h: np.ndarray = np.asarray(seed, dtype=np.uint64)
        for k, idx in enumerate(indices):
            h = h ^ (np.asarray(idx).astype(np.int64).astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15 * (k + 1) % 2**64))
            h = (h ^ (h >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
            h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
            h = h ^ (h >> np.uint64(31))
    return (h >> np.uint64(11)).astype(np.float64) / float(2**53)


class Evaluator:
    """Evaluates SymPy trees on a dict of symbol -> array (all arrays of the same length)."""

    functions = _FUNCTIONS

    def __init__(self, values: Mapping[Any, np.ndarray], bases: Mapping[str, str] | None = None):
        self.values = dict(values)
        self.bases = bases or {}

    def __call__(self, expr) -> np.ndarray:
        with np.errstate(all="ignore"):
            return self.ev(expr)

    def ev(self, e):
        if e is sp.zoo or e is sp.nan or e is sp.I:  # not real: no value on the real sample points
            return math.nan
        if e.is_Number or isinstance(e, sp.NumberSymbol):
            return self.number(e)
        if isinstance(e, (sp.Symbol, sp.Dummy)):
            if e not in self.values:
                raise Unsupported(f"no value for {e}")
            return self.values[e]
        if e.is_Add:
            return sum((self.ev(a) for a in e.args), 0.0)
        if e.is_Mul:
            out = 1.0
            for a in e.args:
                out = out * self.ev(a)
            return out
        if e.is_Pow:
            return self.power(e)
        if isinstance(e, sp.Indexed):
            return self.indexed(e)
        if isinstance(e, sp.Sum):
            return self.sum(e)
        if isinstance(e, sp.Piecewise):
            return self.piecewise(e)
        if type(e) in _RELATIONS:
            return _RELATIONS[type(e)](self.ev(e.lhs), self.ev(e.rhs))
        if isinstance(e, (sp.And, sp.Or, sp.Not)):
            parts = [self.ev(a) for a in e.args]
            fn = {sp.And: np.logical_and.reduce, sp.Or: np.logical_or.reduce}.get(type(e))
            return fn(np.broadcast_arrays(*parts)) if fn else np.logical_not(parts[0])
        if e in (sp.true, sp.false):
            return bool(e)
        fn = self.functions.get(e.func)
        if fn is not None:
            return fn([self.ev(a) for a in e.args])
        raise Unsupported(f"cannot evaluate {type(e).__name__}")

    def number(self, e):
        if e is sp.oo:
            return math.inf
        if e is sp.S.NegativeInfinity:
            return -math.inf
        if e is sp.zoo or e is sp.nan or isinstance(e, sp.core.numbers.ImaginaryUnit):
            return math.nan
        try:
            return float(e)
        except (OverflowError, TypeError):
            return math.inf if e > 0 else -math.inf

    def power(self, e):
        base, exponent = self.ev(e.base), self.ev(e.exp)
        return np.power(np.asarray(base, dtype=float), np.asarray(exponent, dtype=float))

    def indexed(self, e):
        name, seed = _label(e.base.label)
        kind = self.bases.get(name, "real").split(":")[0]
        idx = [self.ev(i) for i in e.indices]
        try:  # scalar indices (a sum's own variables): one entry, met again and again
            return _entry(seed, kind, tuple(idx))
        except TypeError:  # indices that vary from point to point (arrays are not hashable)
            return _entries(seed, kind, idx)

    def sum(self, e):
        """A sum, nested sums included (SymPy keeps ``Σ_i Σ_j`` as one Sum with two limits,
        the innermost first): each bound may depend on the outer variables and on the point."""
        return self.sum_over(e.function, list(e.limits))

    def sum_over(self, function, limits):
        if not limits:
            return self.ev(function)
        var, low, high = limits[-1]
        low = _snap(np.asarray(self.ev(low), dtype=float))
        high = _snap(np.asarray(self.ev(high), dtype=float))
        finite = np.isfinite(low) & np.isfinite(high)
        if not np.any(finite):
            raise Unsupported("sum with infinite bounds")
        start, stop = int(np.min(low[finite] if low.ndim else low)), int(np.max(high[finite] if high.ndim else high))
        if stop - start > MAX_SUM_TERMS:
            raise Unsupported("sum with too many terms")
        saved = self.values.get(var)
        total: float | np.ndarray = 0.0
        for j in range(start, stop + 1):
            self.values[var] = float(j)
            term = self.sum_over(function, limits[:-1])
            total = total + np.where((low <= j) & (j <= high), term, 0.0)
        if saved is None:
            self.values.pop(var, None)
        else:
            self.values[var] = saved
        return np.where(finite, total, np.nan)

    def piecewise(self, e):
        out: float | np.ndarray = math.nan
        done = False
        for value, cond in reversed(e.args):
            out = np.where(self.ev(cond), self.ev(value), out)
            done = True
        return out if done else math.nan


class ComplexEvaluator(Evaluator):
    """The same walk in complex numbers with principal branches: √(x − 3)·√(x − 5) is real (−√15)
    at x = 0 though each factor is not. Only Add, Mul, Pow and `_COMPLEX_FUNCTIONS`; any other
    node raises `Unsupported`."""

    functions = _COMPLEX_FUNCTIONS

    def __init__(self, values: Mapping[Any, np.ndarray], bases: Mapping[str, str] | None = None):
        super().__init__({s: np.asarray(v, dtype=complex) for s, v in values.items()}, bases)

    def ev(self, e):
        if e is sp.I:
            return 1j
        if isinstance(e, (sp.Indexed, sp.Sum, sp.Piecewise)) or type(e) in _RELATIONS:
            raise Unsupported(f"no complex value for {type(e).__name__}")
        return super().ev(e)

    def number(self, e):
        if e.is_infinite or e is sp.nan:
            return complex(super().number(e))
        return complex(e)

    def power(self, e):
        return np.power(np.asarray(self.ev(e.base), dtype=complex), np.asarray(self.ev(e.exp), dtype=complex))


def real_where_complex(expr, values: Mapping[Any, np.ndarray], bases: Mapping[str, str] | None = None) -> np.ndarray:
    """`expr` at every point by complex arithmetic, kept where the result is real (NaN elsewhere).

    >>> x = sp.Symbol("x", real=True)
    >>> real_where_complex(sp.sqrt(x - 3) * sp.sqrt(x - 5), {x: np.array([0.0, 4.0])}).round(6).tolist()
    [-3.872983, nan]
    """
    n = len(next(iter(values.values()))) if values else 1
    out = np.broadcast_to(np.asarray(ComplexEvaluator(values, bases)(realise(expr)), dtype=complex), (n,))
    real = np.isfinite(out) & (np.abs(out.imag) <= 1e-9 * np.maximum(1.0, np.abs(out.real)))
    return np.where(real, out.real, np.nan)


def realise(expr):
    """Replace undefined functions (``g(a)``) by fixed smooth functions and do the derivatives.

    ``sigma``/``σ`` become the logistic function and ``relu`` max(0, x), as a student may write
    them either way.

    >>> a = sp.Symbol("a")
    >>> g = sp.Function("g")
    >>> realise(sp.Derivative(g(a), a)) == sp.diff(realise(g(a)), a)
    True
    """
    if not isinstance(expr, sp.Basic) or not expr.atoms(AppliedUndef):
        return expr
    out = expr.replace(lambda x: isinstance(x, AppliedUndef), _smooth)
    if out.has(sp.Derivative, sp.Subs):
        out = out.doit()
    return out


def _smooth(call):
    name = call.func.__name__
    if name in ("sigma", "σ", "sigmoid"):
        return 1 / (1 + sp.exp(-call.args[0]))
    if name == "relu":
        return sp.Max(0, call.args[0])
    seed = _seed(name)
    out = sp.Integer(0)
    for k, arg in enumerate(call.args):
        a, b, c = ((seed >> (8 * k + s)) % 7 + 1 for s in (0, 3, 5))
        out += sp.Rational(a, 4) * sp.sin(sp.Rational(b, 3) * arg + c) + sp.Rational(c, 5) * arg
    return out + sp.Rational(seed % 5 + 1, 3) * sp.Mul(*call.args) ** 2 / 4


def evaluate(expr, values: Mapping[Any, np.ndarray], bases: Mapping[str, str] | None = None) -> np.ndarray:
    """`expr` at every point (an array as long as the arrays in `values`)."""
    n = len(next(iter(values.values()))) if values else 1
    out = Evaluator(values, bases)(realise(expr))
    return np.broadcast_to(np.asarray(out, dtype=float), (n,)).astype(float)


def domain_of(symbol: sp.Symbol, declared: Mapping[str, str]) -> str:
    """The sampling domain of a symbol: declared on the part, else from its assumptions."""
    from .build import canonical

    for name, kind in declared.items():
        if canonical(name) == canonical(symbol.name):
            return kind.split(":")[0]
    if symbol.is_integer and symbol.is_odd and symbol.is_positive:
        return "odd"
    if symbol.is_integer:
        return "size" if symbol.is_positive else "natural" if symbol.is_nonnegative else "integer"
    return "positive" if symbol.is_positive else "real"


class OutOfTime(Exception):
    """A symbolic computation ran past its `time_budget`."""


@contextlib.contextmanager
def time_budget(seconds: float):
    """Raise `OutOfTime` in the block after `seconds` (a real-time timer; only in the main thread,
    elsewhere the block runs unbounded — the worker's own budget still holds)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def stop(signum, frame):
        raise OutOfTime()
    previous = signal.signal(signal.SIGALRM, stop)
    outer, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    if 0 < outer < seconds:  # an enclosing budget ends first: keep its deadline
        signal.setitimer(signal.ITIMER_REAL, outer)
    start = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer > 0:  # give the enclosing budget back what is left of it
            signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - start), 1e-3))


def sample_points(symbols: list, kinds: Mapping[Any, str], exhaustive: bool,
                  rng: np.random.Generator, box: float = 1.0, small: frozenset = frozenset()) -> dict:
    """Points where two expressions are compared: an integer grid (when `exhaustive`, for
    floor/ceil/mod/indices) plus random points, each symbol drawn from its domain (real
    domains scaled by `box`; sizes of the symbols in `small`, a sum's bounds, up to `SMALL_SIZE`
    only: a double sum to 40 would take 1600 terms at every point, to 12 it takes 144)."""
    ints = [s for s in symbols if kinds[s] in INTEGER_KINDS]
    columns: dict = {}
    n_grid = 0
    if exhaustive and ints:
        side = max(3, min(8, int(GRID_POINTS ** (1 / len(ints)))))
        ranges = [_grid_range(kinds[s], side) for s in ints]
        total = math.prod(len(r) for r in ranges)
        if total <= GRID_POINTS:
            mesh = np.meshgrid(*ranges, indexing="ij")
            for s, m in zip(ints, mesh):
                columns[s] = m.ravel().astype(float)
        else:
            for s, r in zip(ints, ranges):
                columns[s] = rng.choice(r, GRID_POINTS).astype(float)
        n_grid = len(next(iter(columns.values())))
    n = n_grid + RANDOM_POINTS
    for s in symbols:
        wide = _draw(kinds[s], s, RANDOM_POINTS, rng, box, s in small)
        columns[s] = np.concatenate([columns[s], wide]) if s in columns else (
            np.concatenate([_draw(kinds[s], s, n_grid, rng, box, s in small), wide]) if n_grid else wide)
    if not symbols:
        return {}
    assert all(len(c) == n for c in columns.values())
    return columns


def _grid_range(kind: str, side: int) -> np.ndarray:
    if kind == "odd":
        return np.arange(1, 2 * side, 2)
    if kind in ("size", "index"):
        return np.arange(1, side + 1)
    if kind == "natural":
        return np.arange(0, side)
    return np.arange(-(side // 2), side - side // 2)


def _reals(n: int, rng: np.random.Generator, box: float, positive: bool) -> np.ndarray:
    """Real values over several magnitudes: half uniform near 0, then small integers (so that
    negative bases meet integer exponents: (a^b)^c is not a^(bc)), halves, wide and tiny values."""
    u = rng.random(n)
    group = rng.random(n)
    low = 0.1 if positive else -2.0
    values = low + (3.0 - 0.1 if positive else 4.0) * u                       # 50 %: near 0
    whole = np.floor(u * 9) - (0 if positive else 4) + (1 if positive else 0)  # 20 %: −4 … 4 (1 … 9)
    values = np.where(group >= 0.5, whole, values)
    values = np.where(group >= 0.7, whole / 2, values)                        # 10 %: halves
    values = np.where(group >= 0.8, (12.0 if positive else 24.0) * u - (0 if positive else 12.0), values)
    tiny = 0.01 + 0.19 * u                                                     # 10 %: tiny, either sign
    values = np.where(group >= 0.9, tiny if positive else np.where(u * 1e6 % 2 < 1, tiny, -tiny), values)
    if positive:
        values = np.where(values > 0, values, 0.5)
    return values * box


def _draw(kind: str, symbol, n: int, rng: np.random.Generator, box: float = 1.0, small: bool = False) -> np.ndarray:
    if kind in ("size", "index", "odd"):
        values = rng.integers(1, (SMALL_SIZE if small else 40) + 1, n)
    elif kind == "natural":
        values = rng.integers(0, 12, n)
    elif kind == "integer":
        values = rng.integers(-12, 13, n)
    elif kind == "positive":
        return _reals(n, rng, box, True)
    elif kind == "probability":
        return rng.uniform(0.02, 0.98, n)
    else:
        return _reals(n, rng, box, False)
    if getattr(symbol, "is_odd", None) or kind == "odd":
        values = 2 * (values // 2) + 1
    elif getattr(symbol, "is_even", None):
        values = 2 * (values // 2)
    return values.astype(float)
