"""Every exercise against its own keys and its own mal-rules, on the sheet's values and seeded variants.

- the key of every part, pasted back in the plain syntax of ``solve --format json``, is `correct`
  (a shape both as the sheet writes it and as JSON's `value` gives it, channels first);
- a mal-rule's value (`Diagnosis.wrong`) is never `correct` unless it equals the key everywhere
  on the part's domain (checked here by SymPy and by evaluating both on a grid, not by the grader);
- a mal-rule written as a formula (the sheet's key is symbolic) and answered on a numeric variant
  is never `correct`, even where it gives the variant's number.

The in-process `check_answer` is used (no worker); seeds are thinned per exercise to keep the
whole file under a minute, every part being covered on the sheet's values and on some seeds.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import pytest
import sympy as sp
from sympy.core.function import AppliedUndef

from solver.core.params import SYMBOLIC
from solver.grading.check import check_answer, solved
from solver.grading.diagnose import as_sympy, wrong_value
from solver.render.json import JsonPrinter
from solver.render.values import plain
from solver.sheets import registry

SEEDS = range(10)
STEP = 3  # seeds 0, 3, 6, 9 for the keys and mal-rules; 0, 2, 4, 6, 8 for the formulas


def _exercises():
    return [ex for ex in registry.all_exercises()]


def _seeds(ex, every=STEP):
    return [None] + (list(SEEDS)[::every] if ex.parametrised else [])


def _wrong_values(ex, params):
    for d in ex.diagnoses:
        wrong = wrong_value(ex, d, params)  # strict under the tests: a mal-rule that raises fails here
        if wrong is not None:
            yield d, as_sympy(wrong)


def _grid(symbols, domain):
    """Values of each symbol: small positive integers for counts, a few reals otherwise."""
    values = []
    for s in symbols:
        kind = str(domain.get(s.name, "real")).split(":")[0]
        if kind in ("size", "natural", "integer", "index", "odd"):
            start = 0 if kind in ("natural", "index", "integer") else 1
            values.append([v for v in range(start, start + 9) if kind != "odd" or v % 2])
        elif kind == "probability":
            values.append([0.13, 0.5, 0.71])
        elif kind == "positive":
            values.append([0.3, 1.7, 2.9])
        else:
            values.append([-1.3, 0.4, 2.2])
    return values


def _equal_everywhere(part, key, wrong) -> bool:
    """Whether the mal-rule's value is the key itself (on the part's whole domain), or a form the
    part accepts by its own `accept` (a transposed matrix, a channels-last shape)."""
    if isinstance(key, str) or isinstance(wrong, str):
        return str(key) == str(wrong)
    if "transpose" in part.accept and isinstance(key, sp.MatrixBase) and _equal_everywhere(
            replace(part, accept=()), key.T, wrong):
        return True
    if "channels-last" in part.accept and isinstance(key, sp.Tuple) and len(key) == 3 and _equal_everywhere(
            replace(part, accept=()), sp.Tuple(key[1], key[2], key[0]), wrong):
        return True
    ks = list(key) if isinstance(key, (sp.MatrixBase, sp.Tuple)) else [key]
    ws = list(wrong) if isinstance(wrong, (sp.MatrixBase, sp.Tuple)) else [wrong]
    shape = [x.shape if isinstance(x, sp.MatrixBase) else None for x in (key, wrong)]
    if shape[0] != shape[1] or len(ks) != len(ws):
        return False
    return all(_same_entry(part, k, w) for k, w in zip(ks, ws))


def _same_entry(part, k, w) -> bool:
    k, w = sp.sympify(k), sp.sympify(w)
    symbols = sorted(k.free_symbols | w.free_symbols, key=lambda s: s.name)
    if not symbols:
        a, b = complex(k.evalf()), complex(w.evalf())
        return abs(a - b) <= part.atol + part.rtol * abs(a)
    if k.has(sp.Indexed, sp.Derivative, AppliedUndef) or w.has(sp.Indexed, sp.Derivative, AppliedUndef):
        return sp.simplify((k - w).doit()) == 0  # no numeric grid for these: SymPy alone decides
    f = sp.lambdify(symbols, k - w, "math")
    points = itertools.islice(itertools.product(*_grid(symbols, dict(part.domain))), 4000)
    tested = 0
    for point in points:
        try:
            diff = f(*point)
        except (ZeroDivisionError, ValueError, OverflowError, TypeError):
            continue
        if isinstance(diff, complex) or not math.isfinite(diff):
            continue
        tested += 1
        if abs(diff) > 1e-6:
            return False
    return tested > 0


def _plain(value):
    return value if isinstance(value, str) else plain(value)


@pytest.mark.parametrize("exercise_id", [ex.id for ex in _exercises()])
def test_keys_are_correct_and_mal_rules_are_not(exercise_id):
    ex = registry.get(exercise_id)
    for seed in _seeds(ex):
        _, params, solution = solved(ex.id, seed)
        for part in ex.parts:
            if part.kind == "text":
                continue
            key = solution.answers[part.id]
            got = check_answer(ex.id, seed, part.id, _plain(key))
            assert got.verdict == "correct", (seed, part.id, _plain(key), got.feedback("en"))
            if part.kind == "shape":  # JSON's value is channels first: it pastes back too
                pasted = JsonPrinter("en").entry(part, key)["value"]
                got = check_answer(ex.id, seed, part.id, pasted)
                assert got.verdict == "correct", (seed, part.id, pasted, got.feedback("en"))
        for d, wrong in _wrong_values(ex, params):
            part = ex.part(d.part)
            key = solution.answers[part.id]
            got = check_answer(ex.id, seed, part.id, _plain(wrong))
            if got.verdict == "correct":
                assert _equal_everywhere(part, key, wrong), (seed, d.code, _plain(wrong), _plain(key))


def _general_params(ex, seed):
    """The variant of `seed` with the parameters the sheet keeps symbolic left as symbols."""
    return ex.make_params(seed, {p.name: p.name for p in ex.params if p.symbolic_ok and p.default is SYMBOLIC})


def _symbolic(value) -> bool:
    return isinstance(value, sp.Basic) and bool(value.free_symbols)


def _formulas(ex, params):
    for d, wrong in _wrong_values(ex, params):
        if _symbolic(wrong) and ex.part(d.part).kind != "text":
            yield d, wrong


FORMULA_EXERCISES = [ex.id for ex in _exercises() if ex.parametrised and any(_formulas(ex, solved(ex.id, None)[1]))]


@pytest.mark.parametrize("exercise_id", FORMULA_EXERCISES)
def test_a_wrong_formula_is_never_right_on_a_numeric_variant(exercise_id):
    """The variant's mal-rule, written as a formula, on the variant's numbers: not correct, and
    named by its code when the formula is written in the exercise's parameters."""
    ex = registry.get(exercise_id)
    names = {p.name for p in ex.params}
    for seed in list(SEEDS)[::2]:
        general = _general_params(ex, seed)
        key_general = ex.run(general).answers
        keys = solved(ex.id, seed)[2].answers
        for part in ex.parts:  # the variant's own formula, answered where it asks for a value, is right
            formula, key = key_general[part.id], keys[part.id]
            # (an entry formula for a matrix the variant writes out, td2.I.3, is not read as that matrix)
            same_form = isinstance(formula, sp.MatrixBase) == isinstance(key, sp.MatrixBase)
            if part.kind != "text" and _symbolic(formula) and not _symbolic(key) and same_form:
                got = check_answer(ex.id, seed, part.id, plain(formula))
                assert got.verdict == "correct", (seed, part.id, plain(formula), got.feedback("en"))
        for d, wrong in _formulas(ex, general):
            part = ex.part(d.part)
            key = solved(ex.id, seed)[2].answers[part.id]
            if _equal_everywhere(part, key_general[part.id], wrong) or (
                    isinstance(key, sp.Basic) and key.free_symbols & wrong.free_symbols):
                continue  # not a mistake, or the variant keeps the formula's symbols (usual comparison)
            got = check_answer(ex.id, seed, part.id, plain(wrong))
            assert got.verdict != "correct", (seed, d.code, plain(wrong), got.feedback("en"))
            if {s.name for s in wrong.free_symbols} <= names:
                assert got.diagnosis == d.code, (seed, d.code, plain(wrong), got.feedback("en"))
