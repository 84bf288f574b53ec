"""Equivalence of an answer with the key, by the part's kind.

- ``int``: exact. ``shape``: exact, entry by entry (entries may be expressions).
- ``number``: within the part's ``rtol``/``atol``, **or** rounded correctly: a number written
  alone with at least two significant digits is right when it is within half a unit of its last
  written digit of the key (``0.874`` and ``0.87`` for 0.87382; not ``0.9``: one digit only).
- ``expr``: evaluated at many points drawn from each symbol's domain (`evaluate.sample_points`):
  exhaustively over a small integer grid when floor/ceil/mod/indices appear, plus random points;
  where every symbol is an integer and the key is a whole number, only the points where the key
  is positive count (outside, the formula describes no layer: kernel larger than the input…).
  A key without symbols is compared exactly (rationals as fractions, other numbers at 50 digits);
  polynomials with large exact coefficients are decided by expansion. `simplify` is only a fast
  yes when sampling cannot decide, within `SIMPLIFY_SECONDS`.
- ``matrix``: entry by entry, with per-entry credit; a transposed answer is recognised (and
  accepted with a note when the part lists ``"transpose"`` in its `accept`); a flat list matches
  a row or a column vector; a key given as an entry formula in ``i``, ``j`` is instantiated at
  the size the student wrote.

`Part.accept` (read with getattr, so parts without it work): a tuple of conventions the
question leaves open — ``"transpose"`` (matrix: Aᵀ also right), ``"channels-last"`` (shape:
(H, W, C) for (C, H, W) also right). A shape is right in the order the sheet writes it
(`Part.layout`) and channels first (the order of `solve --format json`); another order of the
same sizes is the mistake ``channel-order``.
"""

from __future__ import annotations

import itertools
import math
import unicodedata
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef

from solver.core import layouts
from solver.core.text import Text

from .evaluate import (
    INTEGER_KINDS,
    OutOfTime,
    Unsupported,
    domain_of,
    evaluate,
    real_where_complex,
    realise,
    sample_points,
    time_budget,
)

MIN_POINTS = 8
_EXHAUSTIVE = (sp.floor, sp.ceiling, sp.Mod, sp.frac, sp.KroneckerDelta, sp.Piecewise, sp.Indexed)


@dataclass(frozen=True)
class Outcome:
    """The comparison of one answer: ``equal``, ``partial``, ``different`` or ``undecided``;
    `score` in [0, 1]; notes for the student; a `diagnosis` found by the comparison itself."""

    status: str
    score: float = 0.0
    notes: tuple[Text, ...] = ()
    diagnosis: str | None = None


EQUAL = Outcome("equal", 1.0)
DIFFERENT = Outcome("different")
UNDECIDED = Outcome("undecided")


def accepts(part, convention: str) -> bool:
    return convention in tuple(getattr(part, "accept", ()) or ())


def is_number(value: Any) -> bool:
    return isinstance(value, sp.Expr) and not value.free_symbols and not value.has(sp.Indexed)


# -- scalars -------------------------------------------------------------------------------------
PRECISION = 50  # decimal digits at which exact numbers (√2, π, cos(π/20)…) are evaluated


def written_digits(part) -> bool:
    """Whether a correct rounding to the digits written is accepted beyond the part's tolerance
    (`same_number`). Exercise parts: yes, always (their tolerances are set with it in mind: a
    tight `rtol` plus the "too-few-digits" diagnosis). A part may turn it off with a
    ``written_digits = False`` attribute: `compare --rtol/--atol` does, so an explicit tolerance
    means exactly that tolerance."""
    return bool(getattr(part, "written_digits", True))


def same_number(key, value, rtol: float, atol: float, literal=None) -> bool | None:
    """Two numbers within tolerance (boundary included, in exact arithmetic), or `value` a correct
    rounding of `key` (see module doc). Numbers that are not real are never equal to a real key.

    >>> same_number(sp.Float(0.87382), sp.Rational(87, 100), 1e-6, 0, _lit("0.87"))
    True
    >>> same_number(sp.Float(0.87382), sp.Rational(9, 10), 1e-3, 0, _lit("0.9"))
    False
    >>> same_number(sp.Integer(1), sp.Rational(105, 100), 0.05, 0)
    True
    """
    if not is_number(value):
        return False
    if _clearly_apart(key, value, rtol, atol, literal):
        return False
    k, v = exact_value(key), exact_value(value)
    if k is None or v is None:
        return None
    if isinstance(k, str) or isinstance(v, str):  # "complex", the only text exact_value gives
        return k == v and _same_complex(key, value, rtol, atol)
    if isinstance(k, float) or isinstance(v, float):  # ±∞ or NaN
        return k == v
    if abs(v - k) <= _fraction(atol) + _fraction(rtol) * abs(k):
        return True
    if literal is not None and literal.significant >= 2:
        return abs(v - k) <= Fraction(literal.resolution)
    return False


def _clearly_apart(key, value, rtol, atol, literal) -> bool:
    """A cheap float look first: two numbers 0.1 % apart beyond every tolerance are different
    without the exact evaluation (most mal-rule values in a diagnosis are)."""
    if isinstance(key, sp.Rational) and isinstance(value, sp.Rational):
        return False
    k, v = _float(key), _float(value)
    if k is None or v is None or not (math.isfinite(k) and math.isfinite(v)):
        return False
    slack = atol + rtol * abs(k) + (float(literal.resolution) if literal is not None else 0.0)
    return abs(v - k) > slack + 1e-3 * max(abs(k), abs(v))


def _same_complex(key, value, rtol, atol) -> bool:
    k, v = complex(sp.N(key, PRECISION)), complex(sp.N(value, PRECISION))
    return abs(v - k) <= atol + rtol * abs(k)


def _fraction(x: float) -> Fraction:
    """A tolerance as the decimal it is written as (0.05 is 1/20, not 0.05000000000000000277)."""
    return Fraction(repr(float(x)))


def exact_value(value) -> Fraction | float | str | None:
    """A number as an exact fraction: rationals as they are, other numbers (√2, π, floats)
    evaluated at `PRECISION` digits; ±inf/NaN as floats; ``"complex"`` when not real; None
    when it cannot be evaluated.

    >>> exact_value(sp.Rational(1, 3)), exact_value(sp.oo), exact_value(sp.sqrt(-2))
    (Fraction(1, 3), inf, 'complex')
    """
    if isinstance(value, sp.Rational):
        return Fraction(value.p, value.q)
    if isinstance(value, sp.Float):
        return _binary(value)
    value = realise(value)
    if value.has(sp.Sum, sp.Integral, sp.Product):  # no symbolic evaluation: our own evaluator or nothing
        f = _float(value)
        return None if f is None else f if not math.isfinite(f) else Fraction(f)
    if value in (sp.oo, -sp.oo):
        return float(value)
    if value is sp.nan or value is sp.zoo:
        return math.nan
    try:
        number = sp.N(value, PRECISION)
    except (TypeError, ValueError, ArithmeticError, RecursionError):
        return None
    if number in (sp.oo, -sp.oo):
        return float(number)
    if number is sp.nan or number is sp.zoo:
        return math.nan
    if not number.is_Number:
        re, im = number.as_real_imag()
        if im.is_Number and im != 0 and abs(im) > 10 ** (-PRECISION // 2) * max(1, abs(re) if re.is_Number else 1):
            return "complex"
        number = re if re.is_Number else None
        if number is None:
            return None
    if isinstance(number, sp.Rational):
        return Fraction(number.p, number.q)
    return _binary(sp.Float(number, PRECISION))


def _binary(number: sp.Float) -> Fraction | float:
    """A Float's exact value (mpmath's binary mantissa and exponent)."""
    if not number.is_finite:
        return float(number)
    sign, mantissa, exponent, _ = number._mpf_
    return (-1 if sign else 1) * Fraction(int(mantissa)) * Fraction(2) ** int(exponent)


def _lit(text):
    from .lexer import Literal
    return Literal.of(text)


def _float(value) -> float | None:
    try:
        return float(evaluate(value, {})[0])
    except (Unsupported, TypeError, ValueError):
        return None


def same_int(key, value) -> bool:
    if not is_number(value):
        return False
    if isinstance(value, sp.Rational):
        return value == key
    v = _float(value)
    return v is not None and abs(v - float(key)) <= 1e-9 * max(1.0, abs(float(key)))


def same_expr(key, value, part) -> bool | None:
    """Equal at every sample point (None: cannot be decided by sampling)."""
    if isinstance(key, sp.Order) or isinstance(value, sp.Order):
        return _same_order(key, value)
    if not isinstance(value, sp.Expr):
        return False
    if is_number(key) and is_number(value):
        return same_number(key, value, part.rtol, part.atol) if key.has(sp.Float) else same_exact(key, value)
    identity = same_polynomial(key, value)
    if identity is not None:
        return identity
    try:
        decided = _sampled(key, value, part)
    except Unsupported:
        decided = None
    if decided is None:
        return _fast_yes(key, value)
    return decided


def _same_order(key, value) -> bool | None:
    if not isinstance(key, sp.Order):
        return False
    expr = value.expr if isinstance(value, sp.Order) else value
    return key == sp.Order(expr, *key.args[1:])


def same_exact(key, value) -> bool | None:
    """Exact numbers compared exactly: rationals as fractions, others (√2, π…) at `PRECISION` digits.

    >>> same_exact(sp.Rational(99999999, 10**8), sp.Rational(99999998, 99999999))
    False
    """
    if isinstance(key, sp.Rational) and isinstance(value, sp.Rational):
        return key == value
    return same_number(key, value, EXACT_RTOL, 0.0)


def same_polynomial(key, value) -> bool | None:
    """Two polynomials with exact coefficients, one of them large (beyond `FLOAT_EXACT`): decided
    exactly (``0.333333333333333·x²`` is not x²/3; a degree-13 product equals its expansion however
    the floats cancel), under a small time budget; None otherwise (sampling decides).

    >>> x = sp.Symbol("x")
    >>> (same_polynomial(x**2 / 3, sp.Rational(333333333333333, 10**15) * x**2),
    ...  same_polynomial((x + 10**5)**2, x**2 + 2*10**5*x + 10**10))
    (False, True)
    """
    if key.has(sp.Float, sp.Indexed) or value.has(sp.Float, sp.Indexed):
        return None
    if not any(max(abs(r.p), r.q) > FLOAT_EXACT for e in (key, value) for r in e.atoms(sp.Rational)):
        return None  # small coefficients: sampling in floats decides
    symbols = sorted(_symbols(key) | _symbols(value), key=lambda s: s.name)
    if not symbols or not key.is_polynomial(*symbols) or not value.is_polynomial(*symbols):
        return None
    powers = [p.exp for e in (key, value) for p in e.atoms(sp.Pow)]
    if any(not p.is_Integer or abs(p) > MAX_EXPAND_DEGREE for p in powers):
        return None
    try:
        with time_budget(SIMPLIFY_SECONDS):
            return sp.expand(key - value) == 0
    except OutOfTime:
        return None


MAX_EXPAND_DEGREE = 64
FLOAT_EXACT = 2 ** 24  # coefficients beyond this may lose digits at the sample points
EXACT_RTOL = 1e-30
SIMPLIFY_SECONDS = 0.3


def _fast_yes(key, value) -> bool | None:
    """`simplify` may only say yes, within `SIMPLIFY_SECONDS`; otherwise the question stays undecided."""
    try:
        with time_budget(SIMPLIFY_SECONDS):
            if sp.simplify(key - value) == 0:
                return True
    except (TypeError, ValueError, RuntimeError, AttributeError, OutOfTime):  # RuntimeError: SymPy gives up on some forms
        return None
    return None


def _symbols(expr) -> set:
    labels = {e.base.label for e in expr.atoms(sp.Indexed)}
    return {s for s in expr.free_symbols if isinstance(s, sp.Symbol) and s not in labels}


def _sampled(key, value, part) -> bool | None:
    domain = dict(getattr(part, "domain", {}) or {})
    symbols = sorted(_symbols(key) | _symbols(value), key=lambda s: s.name)
    kinds = {s: domain_of(s, domain) for s in symbols}
    exhaustive = key.has(*_EXHAUSTIVE) or value.has(*_EXHAUSTIVE) or key.has(sp.Sum) or value.has(sp.Sum)
    bases = {n: k for n, k in domain.items()}
    bounds = frozenset(b for e in (key, value) for total in e.atoms(sp.Sum) for limit in total.limits
                       for bound in limit[1:] for b in bound.free_symbols)
    for box in (1.0, 10.0):  # a key nowhere real near 0 gets a second, wider box
        points = sample_points(symbols, kinds, exhaustive, np.random.default_rng(20240611), box, bounds)
        k = evaluate(key, points, bases)
        v = evaluate(value, points, bases)
        _complex_fill(key, value, points, bases, k, v)
        valid = np.isfinite(k)
        if symbols and all(kinds[s] in INTEGER_KINDS for s in symbols) and not key.has(sp.Indexed):
            valid = _count_domain(k, valid)
        if valid.sum() >= min(MIN_POINTS, len(k)):
            break
    else:
        return None
    rtol = max(part.rtol, 1e-9) if (key.has(sp.Float) or value.has(sp.Float)) else 1e-9
    scale = float(np.median(np.abs(k[valid]))) if valid.any() else 1.0
    undefined = valid & ~np.isfinite(v)
    if undefined.sum() > UNDEFINED_SHARE * valid.sum():
        return False  # the answer is not real (or infinite) where the key is
    both = valid & ~undefined
    close = np.isclose(v, k, rtol=rtol, atol=max(part.atol, 1e-12 * max(1.0, scale)))
    if not np.all(close[both]):
        return False
    return _confirm_exact(key, value, points, both)


def _complex_fill(key, value, points, bases, k: np.ndarray, v: np.ndarray) -> None:
    """Where the key has no real value step by step, compute it in complex numbers: a point where
    the result is real counts (√(x − 3)·√(x − 5) is −√15 at x = 0, not √15). `k` and `v` are
    filled in place; a node without a complex value leaves them as they are."""
    gaps = ~np.isfinite(k)
    if not gaps.any() or not points:
        return
    there = {s: column[gaps] for s, column in points.items()}
    try:
        k_there = real_where_complex(key, there, bases)
        v_there = np.where(np.isfinite(v[gaps]), v[gaps], real_where_complex(value, there, bases))
    except (Unsupported, TypeError, ValueError):
        return
    k[gaps], v[gaps] = k_there, v_there


def _confirm_exact(key, value, points, both: np.ndarray) -> bool:
    """Exact formulas found equal in floats, one with a coefficient beyond `FLOAT_EXACT`, are
    evaluated again at a few of the points with `PRECISION` digits: 2^(t/5.1) is not
    2^(0.196078431373·t), though the two agree to 12 digits (an exact key is compared exactly).
    Within `SIMPLIFY_SECONDS`; what cannot be evaluated so keeps the float verdict."""
    if key.has(sp.Float, sp.Indexed, sp.Sum, sp.Piecewise, AppliedUndef) or value.has(
            sp.Float, sp.Indexed, sp.Sum, sp.Piecewise, AppliedUndef):
        return True
    if not any(max(abs(r.p), r.q) > FLOAT_EXACT for e in (key, value) for r in e.atoms(sp.Rational)):
        return True
    rows = np.flatnonzero(both)[:CONFIRM_POINTS]
    try:
        with time_budget(SIMPLIFY_SECONDS):
            for row in rows:
                at = {s: sp.Rational(float(column[row])) for s, column in points.items()}
                a, b = (sp.N(e.subs(at), PRECISION) for e in (key, value))
                if not (a.is_number and b.is_number):
                    return True
                if abs(a - b) > EXACT_RTOL * max(1, abs(a)):
                    return False
    except (OutOfTime, TypeError, ValueError):
        return True
    return True


CONFIRM_POINTS = 3


# Points where the key is real and the answer is not: a removable singularity of the answer
# (|x²−4|/(|x−2|·|x+2|) at x = ±2) is ignored, an answer undefined on a larger share is different.
UNDEFINED_SHARE = 0.2


def _count_domain(k: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Where every symbol is an integer, the key counts something: keep the points where it is a
    whole number when it is at 30 % of them or more (``(k − 1)/2`` is meant for odd k), then the
    points where it is positive when there are 20 or more (no layer has a size ≤ 0)."""
    whole = valid & (np.abs(k - np.rint(k)) < 1e-9)
    if whole.sum() >= 0.3 * valid.sum() and whole.sum() >= 20:
        valid = whole
    if (valid & (k > 0)).sum() >= 20:
        valid = valid & (k > 0)
    return valid


def same_value(key, value, part, literal=None) -> bool | None:
    """The comparison of one scalar answer of `part` (int, number or expr), shared with diagnosis.

    A `number` part, or a key computed with floats, allows the part's tolerance and a correct
    rounding to the digits written (unless the part declares its own tolerance); an exact key of
    any other kind is compared exactly (``0.33`` is not 1/3 there)."""
    if part.kind == "int":
        return same_int(key, value)
    numeric = is_number(key) and not isinstance(key, sp.Order)
    if part.kind == "number" or numeric and (is_number(value) or not isinstance(value, sp.Expr)):
        if part.kind != "number" and not key.has(sp.Float):
            return same_exact(key, value) if isinstance(value, sp.Expr) else False
        return same_number(key, value, part.rtol, part.atol, literal if written_digits(part) else None)
    return same_expr(key, value, part)


# -- whole answers -------------------------------------------------------------------------------
def compare(part, key, reading) -> Outcome:
    """Compare a read answer (`build.Reading`) with the key of `part`."""
    value = reading.value
    if part.kind == "matrix":
        return compare_matrix(part, key, reading)
    if part.kind == "shape":
        return compare_shape(part, key, value)
    if not isinstance(value, sp.Expr):
        return Outcome("different", notes=(Text("une seule valeur est attendue", "a single value is expected"),))
    same = same_value(key, value, part, reading.resolution)
    if same is None:
        return UNDECIDED
    if same:
        notes: tuple[Text, ...] = ()
        literal = reading.resolution
        if part.kind == "number" and literal is not None and not _within(key, value, part):
            notes = (Text(f"valeur arrondie acceptée ({literal.text})", f"rounded value accepted ({literal.text})"),)
        return Outcome("equal", 1.0, notes)
    if part.kind == "int" and not is_number(value):
        return Outcome("different", notes=(Text("un nombre entier est attendu", "a whole number is expected"),))
    return DIFFERENT


def _within(key, value, part) -> bool:
    """Within the part's own tolerance (not only by the digits written)."""
    return bool(same_number(key, value, part.rtol, part.atol))


def compare_shape(part, key, value) -> Outcome:
    if not isinstance(value, sp.Tuple):
        value = sp.Tuple(value)
    if len(value) != len(key):
        if _same_squeezed(part, key, value):
            return Outcome("equal", 1.0, (Text("dimensions de taille 1 ignorées", "dimensions of size 1 ignored"),))
        if _keras_batch(part, key, value):
            return Outcome("equal", 1.0, (Text("dimension du lot (None) ignorée", "batch dimension (None) ignored"),))
        return Outcome("different", notes=(Text(f"{len(value)} dimension(s) données, {len(key)} attendue(s)",
                                                f"{len(value)} dimension(s) given, {len(key)} expected"),))
    if _same_entries(part, key, value):
        return EQUAL
    return _other_order(part, key, value)


def _other_order(part, key, value) -> Outcome:
    """The key's sizes in another order than the sheet's. Channels first is right whatever order the
    sheet writes (it is the order of `solve --format json`, so a solution pastes back), with a note;
    any other order is the mistake ``channel-order``, unless the part accepts ``channels-last``.
    A part without a layout is read as channels first; a matrix's size has no other order.

    >>> part = type("P", (), {"rtol": 1e-9, "atol": 0.0, "layout": "HWC"})()
    >>> [_other_order(part, sp.Tuple(16, 8, 32), sp.Tuple(*v)).status for v in ((32, 16, 8), (32, 8, 16))]
    ['equal', 'different']
    """
    axes = _axes(part, len(key))
    if axes is None:
        return DIFFERENT
    first_axes = "".join(layouts.channels_first(axes, part_layout(part)))
    first = sp.Tuple(*layouts.channels_first(key, part_layout(part)))
    if _same_entries(part, first, value):
        return Outcome("equal", 1.0, (Text(f"ordre canaux d'abord {_letters(first_axes)} accepté (la feuille écrit "
                                           f"{_letters(axes)})", f"channels-first order {_letters(first_axes)} "
                                           f"accepted (the sheet writes {_letters(axes)})"),))
    last = sp.Tuple(*(first[1:] + first[:1]))
    if accepts(part, "channels-last") and _same_entries(part, last, value):
        return Outcome("equal", 1.0, (_order_note(first_axes[1:] + "C", axes, first_axes),))
    for order in itertools.permutations(range(len(key))):
        other = sp.Tuple(*(key[i] for i in order))
        if other not in (key, first) and _same_entries(part, other, value):
            note = _order_note("".join(axes[i] for i in order), axes, first_axes)
            return Outcome("different", 0.0, (note,), "channel-order")
    return DIFFERENT


def part_layout(part) -> str:
    """The layout a shape part declares (channels first for a part-like object without one)."""
    return getattr(part, "layout", None) or layouts.CHANNELS_FIRST


def _axes(part, rank: int) -> str | None:
    """The letters of the key's axes, or None where no other order makes sense (a matrix's size, a
    single axis, or more axes than a channels-first key is named for)."""
    layout = part_layout(part)
    if rank < 2 or layout == layouts.CHANNELS_FIRST and rank > 4:
        return None
    return layouts.letters(layout, rank)


def _letters(axes: str) -> str:
    return "(" + ", ".join(axes) + ")"


def _order_note(given: str, written: str, first: str) -> Text:
    """What order the answer used and which ones are expected: ``channels-last order (H, W, C)
    instead of (C, H, W)``."""
    fr, en = ("canaux en dernier ", "channels-last ") if given.endswith("C") else \
        ("canaux d'abord ", "channels-first ") if given.startswith("C") else ("", "")
    expected = _letters(written) + ("" if first == written else f" / {_letters(first)}")
    return Text(f"ordre des dimensions {fr}{_letters(given)} au lieu de {expected}",
                f"{en}order {_letters(given)} instead of {expected}")


def _same_squeezed(part, key, value) -> bool:
    """The same shape once the dimensions of size 1 are dropped: ``1×1×1000`` for ``(1000,)``
    (a dense layer's output seen as a 1 × 1 map). Only when the key itself has no size-1 dimension
    and something is left.

    >>> part = type("P", (), {"rtol": 1e-9, "atol": 0.0})()
    >>> _same_squeezed(part, sp.Tuple(1000), sp.Tuple(1, 1, 1000)), _same_squeezed(part, sp.Tuple(8, 8), sp.Tuple(8, 1))
    (True, False)
    """
    def squeeze(shape):
        return sp.Tuple(*[v for v in shape if not (is_number(v) and v == 1)])
    if any(is_number(v) and v == 1 for v in key):
        return False
    short = squeeze(value)
    return 0 < len(short) == len(key) and _same_entries(part, key, short)


def _keras_batch(part, key, value) -> bool:
    """``(None, 82, 32)`` as Keras's ``model.summary()`` prints it: the batch dimension ``None`` first.

    >>> part = type("P", (), {"rtol": 1e-9, "atol": 0.0})()
    >>> _keras_batch(part, sp.Tuple(82, 32), sp.Tuple(sp.Symbol("None"), 82, 32))
    True
    """
    first = value[0] if len(value) else None
    return (len(value) == len(key) + 1 and isinstance(first, sp.Symbol) and first.name == "None"
            and _same_entries(part, key, sp.Tuple(*value[1:])))


def _same_entries(part, key, value) -> bool:
    for k, v in zip(key, value):
        if not isinstance(v, sp.Expr):
            return False
        if is_number(k) and not same_int(k, v) or not is_number(k) and not same_expr(k, v, part):
            return False
    return True


def compare_matrix(part, key, reading) -> Outcome:
    value = reading.value
    if not isinstance(key, sp.MatrixBase):
        if isinstance(value, sp.MatrixBase):
            key = instantiate(key, value.shape)
            if key is None:
                return Outcome("different", notes=(Text("une formule de l'élément (i, j) est attendue",
                                                        "a formula of entry (i, j) is expected"),))
        else:
            same = same_expr(key, value, part) if isinstance(value, sp.Expr) else False
            return UNDECIDED if same is None else EQUAL if same else DIFFERENT
    literals, flat = reading.resolution, reading.flat
    if isinstance(value, sp.Expr) and key.shape == (1, 1):
        value, literals = sp.Matrix([[value]]), [[literals]]  # a 1 × 1 map written as its only entry
    if (isinstance(value, sp.Tuple) and 1 in key.shape and len(value) == len(key)
            and all(isinstance(v, sp.Expr) for v in value)):  # a vector written as a tuple (0.1, 0.9)
        value, flat = sp.Matrix([list(value)]), True
        literals = literals if isinstance(literals, list) else None
    if not isinstance(value, sp.MatrixBase):
        return Outcome("different", notes=(Text("une matrice est attendue", "a matrix is expected"),))
    if flat and 1 in key.shape and len(value) == len(key) and value.shape != key.shape:
        value = value.reshape(*key.shape)
        literals = [[e] for e in literals[0]] if literals and key.shape[1] == 1 else literals
    return _matrix_outcome(part, key, value, literals)


def _matrix_outcome(part, key, value, literals) -> Outcome:
    direct = _entrywise(part, key, value, literals) if value.shape == key.shape else None
    if direct is not None and all(direct):
        return EQUAL
    if value.shape == key.T.shape and key != key.T:
        flipped_lits = [list(r) for r in zip(*literals)] if literals else None
        flipped = _entrywise(part, key, value.T, flipped_lits)
        if all(flipped):
            note = Text("matrice transposée", "transposed matrix")
            if 1 in key.shape:
                return Outcome("equal", 1.0, (Text("vecteur écrit dans l'autre sens (ligne/colonne)",
                                                   "vector written the other way (row/column)"),))
            if accepts(part, "transpose"):
                return Outcome("equal", 1.0, (Text("convention transposée acceptée", "transposed convention accepted"),))
            return Outcome("different", 0.0, (note,), "transposed")
    if direct is None:
        r, c = value.shape
        kr, kc = key.shape
        return Outcome("different", notes=(Text(f"taille {r}×{c}, attendue {kr}×{kc}", f"size {r}×{c}, expected {kr}×{kc}"),))
    if any(d is None for d in direct):
        return UNDECIDED
    good = sum(bool(d) for d in direct)
    if good == 0:
        return DIFFERENT
    note = Text(f"{good} coefficient(s) juste(s) sur {len(direct)}", f"{good} of {len(direct)} entries right")
    return Outcome("partial", good / len(direct), (note,))


def _entrywise(part, key, value, literals) -> list:
    out = []
    for r in range(key.rows):
        for c in range(key.cols):
            lit = literals[r][c] if literals and r < len(literals) and c < len(literals[r]) else None
            out.append(same_value(key[r, c], value[r, c], part, lit) if part.kind != "int" else same_int(key[r, c], value[r, c]))
    return out


def instantiate(formula, shape) -> sp.Matrix | None:
    """A key written as the formula of entry (i, j) -> the matrix of that size (1-based indices).

    >>> i, j = sp.symbols("i j", integer=True, positive=True)
    >>> instantiate(sp.KroneckerDelta(i, j), (2, 2))
    Matrix([
    [1, 0],
    [0, 1]])
    """
    names = {s.name: s for s in formula.free_symbols if isinstance(s, sp.Symbol)}
    if "i" not in names or "j" not in names or max(shape) > 30:
        return None
    i, j = names["i"], names["j"]
    return sp.Matrix(shape[0], shape[1], lambda r, c: formula.xreplace({i: r + 1, j: c + 1}))


# -- the compare stage ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Compared:
    """Stage 3: the normalised answer (`normalise.Normal`) and its outcome against the key;
    `formula`, the formula compared with the general key, when that comparison decides."""

    normal: Any
    outcome: Outcome
    formula: Compared | None = None

    @property
    def decisive(self) -> Compared:
        """The comparison the verdict follows."""
        return self.formula or self


def compare_answer(normal) -> Compared:
    """Stage 3: compare with the key, taking a second reading when the first is not right; a
    formula given for a numeric variant (`normal.formula`) is also compared with the general key,
    which decides unless it is right there and the variant's value is not (the variant's own
    comparison then says why)."""
    outcome = _against_key(normal)
    if normal.formula is not None:
        general = compare_answer(normal.formula)
        if general.outcome.status != "equal" or outcome.status == "equal":
            return Compared(normal, outcome, general)
    return Compared(normal, outcome)


def _against_key(normal) -> Outcome:
    question = normal.question
    if question.part.kind == "choice":
        return EQUAL if normal.reading.value == question.key else DIFFERENT
    outcome = compare(question.part, question.key, normal.reading)
    if outcome.status == "equal":
        return outcome
    for second in normal.read.seconds:
        if compare(question.part, question.key, second.reading).status == "equal":
            return Outcome("equal", 1.0, (second.note,))
    return outcome


# -- choices -------------------------------------------------------------------------------------
_SYNONYMS = ({"yes", "oui", "y", "o", "true", "vrai", "si"}, {"no", "non", "n", "false", "faux"},
             # names of losses and activations, folded (lower case, no accents, hyphens for spaces)
             {"cross-entropy", "crossentropy", "cross-entropie", "entropie-croisee", "categorical-cross-entropy",
              "categorical-crossentropy", "crossentropyloss", "log-loss", "negative-log-likelihood", "nll"},
             {"mse", "mean-squared-error", "mean-square-error", "squared-error", "mseloss", "erreur-quadratique",
              "erreur-quadratique-moyenne", "eqm", "l2"},
             {"hinge", "hinge-loss", "perte-hinge", "perte-charniere"},
             {"linear", "lineaire", "identity", "identite", "none", "aucune"},
             {"sigmoid", "sigmoide", "logistic", "logistique"})


def fold(text: str) -> str:
    """Lower case, no accents, no LaTeX \\text{…}, no surrounding punctuation.

    >>> fold("  \\\\text{Sigmoïde}. "), fold("OUI")
    ('sigmoide', 'oui')
    """
    text = text.strip().strip("$").strip().rstrip(" .!;:")
    for wrapper in ("\\text{", "\\mathrm{", "\\textrm{", "\\operatorname{"):
        if text.startswith(wrapper) and text.endswith("}"):
            text = text[len(wrapper):-1]
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.strip(" .!;:,\"'()").replace("_", "-").replace(" ", "-")


def read_choice(text: str, choices: tuple[str, ...]) -> str | None:
    """The choice a word names (synonyms yes/oui, no/non, French and English names of losses and
    activations; accents and case ignored), or None.

    >>> read_choice("Oui", ("yes", "no")), read_choice("sigmoïde", ("softmax", "sigmoid"))
    ('yes', 'sigmoid')
    >>> read_choice("Entropie croisée", ("cross-entropy", "mse")), read_choice("erreur quadratique", ("cross-entropy", "mse"))
    ('cross-entropy', 'mse')
    """
    word = fold(text)
    for choice in choices:
        if fold(choice) == word:
            return choice
    for group in _SYNONYMS:
        if word in group:
            for choice in choices:
                if fold(choice) in group:
                    return choice
    close = [c for c in choices if _near(fold(c), word)]
    return close[0] if len(close) == 1 else None


def _near(a: str, b: str) -> bool:
    """French/English spellings: one letter added at the end (sigmoide/sigmoid), hyphens ignored."""
    a, b = a.replace("-", ""), b.replace("-", "")
    return len(a) >= 4 and len(b) >= 4 and (a == b or a.startswith(b) and len(a) - len(b) == 1
                                            or b.startswith(a) and len(b) - len(a) == 1)
