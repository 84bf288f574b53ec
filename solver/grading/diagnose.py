"""Name the mistake behind a wrong answer: the exercise's mal-rules, then generic ones.

`diagnose_answer` is the grading's fourth stage (`compare.Compared` -> `Diagnosed`): a wrong or
partly right answer is matched against the mal-rules of the comparison that decides (the general
key's, for a formula); a number right only by the digits written is matched too, since those
digits may not tell the key from a known mistake (``too-few-digits``).

An exercise's mal-rule (`solver.derive.mistakes.mistake(code, part, wrong)`, a `Diagnosis`) gives the value
a student making that mistake would write; the answer is compared with it by the same comparison as
with the key. Generic mal-rules apply to every part of a kind (codes are stable, never depend on the
variant; their feedback is the catalogue's, `solver.derive.mistakes.CATALOGUE`, except the two directions of
``off-by-one`` and ``percent``):

- ``sign-error`` (int, number, expr, matrix): the opposite of the key;
- ``off-by-one`` (int, and integer-valued expr): the key ± 1;
- ``area-instead-of-side`` (int, expr): the key squared;
- ``percent`` (number): the key × 100 or ÷ 100;
- ``log10-instead-of-ln`` (number/expr keys with a log): log replaced by log10;
- ``ceil-instead-of-floor`` / ``missing-floor`` (expr keys with a floor);
- ``transposed`` (matrix) and ``channel-order`` (shape) are found by the comparison itself.

A mal-rule returns None where its mistake does not apply. One that raises is a bug of its
exercise: in production it is skipped (the answer is graded without it) and reported once on
stderr; with ``TDSOLVER_STRICT=1`` in the environment (the test suite sets it, see
tests/conftest.py) the exception propagates, so the bug fails loudly.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable

import sympy as sp

from solver.core.text import Text
from solver.derive import mistakes

from .compare import Compared, _float, compare, read_choice


@dataclass(frozen=True)
class Found:
    code: str
    feedback: Text


def as_sympy(value: Any) -> Any:
    """A mal-rule's value as a SymPy object (ints, Fractions, floats, tuples, nested lists).

    >>> as_sympy((32, 14, 14)), as_sympy(Fraction(1, 2)), as_sympy([[1, 2]]).shape
    ((32, 14, 14), 1/2, (1, 2))
    """
    if isinstance(value, (sp.Basic, sp.MatrixBase, str)) or value is None:
        return value
    if isinstance(value, bool):
        return sp.Integer(int(value))
    if isinstance(value, int):
        return sp.Integer(value)
    if isinstance(value, Fraction):
        return sp.Rational(value.numerator, value.denominator)
    if isinstance(value, float):
        return sp.Float(value)
    if isinstance(value, tuple):
        return sp.Tuple(*[as_sympy(v) for v in value])
    if isinstance(value, list):
        return sp.Matrix([[as_sympy(c) for c in row] if isinstance(row, (list, tuple)) else [as_sympy(row)]
                          for row in value])
    return value


def matches(part, wrong: Any, reading) -> bool:
    """Whether the answer read equals a mal-rule's value (the key's comparison, the same rules)."""
    wrong = as_sympy(wrong)
    if wrong is None:
        return False
    if part.kind == "choice":
        return isinstance(wrong, str) and read_choice(reading, part.choices or (wrong,)) == wrong
    if part.kind == "matrix" and not isinstance(wrong, (sp.MatrixBase, sp.Expr)):
        return False
    return compare(part, wrong, reading).status == "equal"


def strict() -> bool:
    """Whether a mal-rule that raises stops the grading (``TDSOLVER_STRICT=1``: tests)."""
    return os.environ.get("TDSOLVER_STRICT", "") not in ("", "0")


_REPORTED: set[tuple[str, str]] = set()


def wrong_value(exercise, d, params) -> Any:
    """The value of the mal-rule `d`, or None when it does not apply; a mal-rule that raises is
    skipped and reported once on stderr, unless `strict()` (then the exception propagates).
    """
    try:
        return d.wrong(params)
    except Exception as exc:  # noqa: BLE001 — an exercise's bug must not cost the student's verdict
        if strict():
            raise
        if (exercise.id, d.code) not in _REPORTED:
            _REPORTED.add((exercise.id, d.code))
            print(f"tdsolver: mal-rule {d.code} of {exercise.id}/{d.part} skipped: {type(exc).__name__}: {exc}"[:300],
                  file=sys.stderr)
        return None


_WRONG: dict[tuple[int, int], tuple[Any, Any]] = {}  # (id(params), mal-rule index) -> (params, value)


def cached_wrong_value(exercise, index: int, params) -> Any:
    """`wrong_value` of the exercise's `index`-th mal-rule, computed once per `Params` object (the
    grader's are cached per exercise and seed, so a batch evaluates each mal-rule once per variant).
    The `Params` object is kept beside its value, so its id cannot be reused while cached."""
    slot = (id(params), index)
    hit = _WRONG.get(slot)
    if hit is not None and hit[0] is params:
        return hit[1]
    if len(_WRONG) > 20_000:
        _WRONG.clear()
    value = wrong_value(exercise, exercise.diagnoses[index], params)
    _WRONG[slot] = (params, value)
    return value


def diagnose(exercise, params, part, key: Any, reading) -> Found | None:
    """The first mal-rule (the exercise's, then generic) the answer matches, if any."""
    for index, d in enumerate(exercise.diagnoses):
        if d.part != part.id:
            continue
        wrong = cached_wrong_value(exercise, index, params)
        if wrong is not None and matches(part, wrong, reading):
            return Found(d.code, d.feedback)
    if part.kind in ("choice", "text", "shape"):
        return None
    for code, make, feedback in GENERIC:
        wrong = make(key, part)
        if wrong is not None and wrong != key and matches(part, wrong, reading):
            return Found(code, feedback)
    return None


def _scalar(fn: Callable) -> Callable:
    def rule(key, part):
        if isinstance(key, sp.MatrixBase) or not isinstance(key, sp.Expr) or isinstance(key, sp.Order):
            return None
        return fn(key, part)
    return rule


def _negated(key, part):
    if isinstance(key, sp.MatrixBase):
        return -key if any(e != 0 for e in key) else None
    if isinstance(key, sp.Expr) and not isinstance(key, sp.Order) and key != 0 and key.is_finite is not False:
        return -key
    return None


def _plus(delta):
    def rule(key, part):
        if part.kind == "int" or part.kind == "expr" and (key.is_integer or key.has(sp.floor, sp.ceiling)):
            return key + delta
        return None
    return _scalar(rule)


def _squared(key, part):
    return key ** 2 if part.kind in ("int", "expr") and key not in (0, 1) else None


def _times(factor):
    return _scalar(lambda key, part: key * factor if part.kind == "number" else None)


def _log10(key, part):
    logs = key.atoms(sp.log)
    return key.xreplace({l: l / sp.log(10) for l in logs}) if logs and part.kind in ("number", "expr") else None


def _swap(old, new):
    def rule(key, part):
        found = key.atoms(old)
        return key.xreplace({f: new(f.args[0]) for f in found}) if found else None
    return _scalar(rule)


GENERIC = (
    ("sign-error", _negated, mistakes.feedback("sign-error")),
    ("off-by-one", _plus(1), Text("Vous avez compté un de trop.", "You counted one too many.")),
    ("off-by-one", _plus(-1), Text("Il en manque un : vérifiez les extrémités (+1).",
                                   "One is missing: check the end points (+1).")),
    ("area-instead-of-side", _scalar(_squared), mistakes.feedback("area-instead-of-side")),
    ("percent", _times(100), Text("Valeur multipliée par 100 (pourcentage) : donnez une proportion.",
                                  "Value multiplied by 100 (a percentage): give a proportion.")),
    ("percent", _times(sp.Rational(1, 100)), Text("Valeur divisée par 100.", "Value divided by 100.")),
    ("log10-instead-of-ln", _scalar(_log10), mistakes.feedback("log10-instead-of-ln")),
    ("ceil-instead-of-floor", _swap(sp.floor, sp.ceiling), mistakes.feedback("ceil-instead-of-floor")),
    ("missing-floor", _swap(sp.floor, lambda x: x), mistakes.feedback("missing-floor")),
)


# -- the diagnose stage ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Diagnosed:
    """Stage 4: the comparison, the mistake found (if any) and whether the digits written are too
    few to tell the key from it (then the answer, though equal by rounding, is not right)."""

    compared: Compared
    found: Found | None = None
    too_few_digits: bool = False


def diagnose_answer(compared: Compared) -> Diagnosed:
    """Stage 4: the mistake behind the decisive comparison (see the module docstring)."""
    decisive = compared.decisive
    status = decisive.outcome.status
    if status == "equal" and compared.formula is None and rounding_only(compared.normal):
        found = _mistake(compared.normal)
        return Diagnosed(compared, found, found is not None)
    if status in ("different", "partial"):
        return Diagnosed(compared, _mistake(decisive.normal))
    return Diagnosed(compared)


def _mistake(normal) -> Found | None:
    question = normal.question
    answer = normal.read.text if question.part.kind == "choice" else normal.reading  # a word is matched as written
    return diagnose(question.exercise, question.params, question.part, question.key, answer)


def rounding_only(normal) -> bool:
    """A number accepted only because it is the key rounded to the digits the student wrote."""
    part, key, reading = normal.question.part, normal.question.key, normal.reading
    if part.kind != "number" or reading.resolution is None:
        return False
    k, v = _float(key), _float(reading.value)
    return k is not None and v is not None and abs(v - k) > part.atol + part.rtol * abs(k)
