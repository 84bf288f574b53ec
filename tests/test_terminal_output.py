"""What a person reads in a terminal: the course's notation, no SymPy syntax, nothing wider than 100 columns."""

import json
import re

import pytest
import sympy as sp

from solver.render import render
from solver.render.terminal import linear, readable, terminal_math
from solver.sheets import registry

SYMPY_SYNTAX = re.compile(r"KroneckerDelta|Sum\(|Product\(|Derivative\(|Eq\(|Piecewise\(|Matrix\(|\*\*|"
                          r"\blog\(|\b[A-Za-z]\w*\[[^\]:]*\]")


# a decimal point between digits; not inside an id (devoir.1.1, td2.III.2a) nor a version or a file name
DECIMAL_POINT = re.compile(r"(?<![\w.])\d+\.\d+(?![\w.])")


@pytest.mark.parametrize("exercise_id", [e.id for e in registry.all_exercises()])
def test_text_output_is_readable_and_fits_100_columns(exercise_id):
    """Every exercise on the sheet's values and one seed, in both languages; French writes no decimal
    point, in its maths or in its prose (statements, remarks, model answers)."""
    ex = registry.get(exercise_id)
    for seed in (None, 1) if ex.parametrised else (None,):
        for lang in ("fr", "en"):
            text = render(ex, ex.run(ex.make_params(seed)), "text", lang)
            for line in text.splitlines():
                assert len(line) <= 100, line
                assert not SYMPY_SYNTAX.search(line), line
                assert lang == "en" or not DECIMAL_POINT.search(line), line


def test_partial_derivatives_subscripts_and_ln():
    s, a, C = sp.IndexedBase("s"), sp.IndexedBase("a"), sp.Symbol("C")
    j, k = sp.symbols("j k")
    chain = sp.Derivative(C, s[j]) * sp.Derivative(s[j], a[k])
    assert linear(readable(chain)) == "∂C/∂s_j·∂s_j/∂a_k"  # the two ∂s_j do not cancel
    assert linear(readable(sp.log(s[k]) + sp.KroneckerDelta(j, k))) == "δ_jk + ln(s_k)"
    two_d = terminal_math(sp.Derivative(C, s[k]), 100)
    assert two_d.splitlines()[1].startswith("───") and "∂C" in two_d and "∂sₖ" in two_d


def test_wide_matrix_keeps_its_corners_within_the_width():
    m = sp.Matrix(3, 40, lambda r, c: sp.Symbol(f"w_{r}{c}"))
    shown = terminal_math(m, 60)
    assert "⋯" in shown and all(len(line) <= 60 for line in shown.splitlines())
    assert "w₀₀" in shown and "w_039" in shown.replace("₀", "0").replace("₃", "3").replace("₉", "9") or "w₀₃₉" in shown


def test_french_text_writes_decimal_commas_and_english_points():
    ex = registry.get("cours-intro.sgd-step")
    sol = ex.run(ex.make_params(None))
    fr, en = render(ex, sol, "text", "fr"), render(ex, sol, "text", "en")
    value = float(sol.answers["bo1"])
    assert f"cours-intro.sgd-step/bo1 = {value:.6g}".replace(".", ",").replace("cours-intro,sgd-step",
                                                                                 "cours-intro.sgd-step") in fr
    assert f"cours-intro.sgd-step/bo1 = {value:.6g}" in en


def test_french_prose_groups_thousands_and_writes_decimal_commas():
    """Numbers an exercise writes in its own sentences go through `solver.core.text.numeral`."""
    ex = registry.get("cours-intro.sgd-step")
    fr = render(ex, ex.run(ex.make_params(None)), "text", "fr")
    assert "η = 0,001" in fr and "w_h1 = (0,1 ; 2 ; 0,5)" in fr  # the sheet's values, a vector with semicolons
    ex = registry.get("tp-cnn.11")
    q = ex.make_params(None)
    train = f"{q['train']:,}"
    assert len(train) > 4 and train.replace(",", "\u202f") in render(ex, ex.run(q), "text", "fr")
    assert train in render(ex, ex.run(q), "text", "en")


def test_json_numbers_at_full_precision():
    ex = registry.get("cours-intro.sgd-step")
    sol = ex.run(ex.make_params(None))
    data = json.loads(render(ex, sol, "json", "en"))
    value = data["answers"]["bo1"]["value"]
    assert abs(float(value) - float(sol.answers["bo1"])) <= 1e-14 * abs(float(sol.answers["bo1"]))
    assert len(value.lstrip("-").replace(".", "").lstrip("0")) >= 12
