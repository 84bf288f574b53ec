"""The exercise vocabulary: parameter assumptions, shared draw helpers, mal-rules beside their rule."""

import random
from fractions import Fraction

import pytest
import sympy as sp

from solver.core.params import ASSUMPTIONS, SYMBOLIC, Param, Params
from solver.core.text import Text
from solver.derive import draw, mlp
from solver.sheets.registry import get


def test_unknown_assumption_is_refused():
    with pytest.raises(ValueError, match="unknown assumption"):
        Param("k", "int", 3, Text("noyau", "kernel"), assume="big")


def test_declared_assumptions_reach_the_symbols():
    q = get("td2.II.1").make_params()
    i, k, s, p, d = q.symbols("i", "k", "s", "p", "d")
    assert all(x.is_integer and x.is_positive for x in (i, k, s, d))
    assert p.is_integer and p.is_nonnegative and p.is_positive is None
    # a parameter's symbol is the same object the exercise's answer is written with
    assert sol_symbols(q) <= {i, k, s, p}


def sol_symbols(q):
    return get("td2.II.1").run(q).answers["o"].free_symbols


def test_bind_and_bindings_follow_the_values():
    q = Params({"k": 3, "p": SYMBOLIC, "x": Fraction(1, 2)}, assume={"k": "size", "p": "natural"})
    k, p, x = q.bind("k", "p", "x")
    assert (k, x) == (sp.Integer(3), sp.Rational(1, 2)) and p == sp.Symbol("p", integer=True, nonnegative=True)
    assert q.bindings() == {sp.Symbol("k", integer=True, positive=True): 3, sp.Symbol("x"): sp.Rational(1, 2)}
    assert q.bindings("p") == {}
    # explicit assumptions still win over the declared ones
    assert q.sym("p", real=True) == sp.Symbol("p", real=True)


def test_assumption_names_match_the_part_domains():
    assert {"size", "natural", "odd", "integer", "positive", "real"} <= set(ASSUMPTIONS)


def test_draw_helpers_are_deterministic_and_in_range():
    a, b = random.Random("x/3"), random.Random("x/3")
    assert draw.matrix(a, 2, 3, -4, 4, denominator=2) == draw.matrix(b, 2, 3, -4, 4, denominator=2)
    m = draw.matrix(random.Random(1), 3, 2, -4, 4, denominator=2)
    assert len(m) == 3 and all(len(r) == 2 for r in m)
    assert all(isinstance(v, Fraction) and -2 <= v <= 2 for r in m for v in r)
    ints = draw.matrix(random.Random(1), 2, 2, 0, 5)
    assert all(type(v) is int for r in ints for v in r)
    for seed in range(50):
        f = draw.fraction(random.Random(seed), 1, 6, (1, 2), signed=True)
        assert f != 0 and abs(f) <= 6 and (2 * f).denominator == 1


@pytest.mark.parametrize("seed", range(40))
def test_input_side_fits_the_dilated_kernel(seed):
    rng = random.Random(seed)
    k, p, d = rng.randint(1, 7), rng.randint(0, 3), rng.randint(1, 3)
    i = draw.input_side(rng, k, p, d, high=60)
    assert d * (k - 1) + 1 <= i + 2 * p and 1 <= i <= 60  # the span written out by hand


def test_missing_sigmoid_slope_is_a_named_mal_rule():
    """One sigmoid neuron, z = 0 so a = 1/2, target 1: δ = −(1 − a) = −1/2; without σ', δ = −1/a = −2."""
    net = [mlp.Layer("o", ((sp.Integer(1),),), (sp.Integer(0),))]
    fw = mlp.forward(net, (sp.Integer(0),))
    right = mlp.backward(net, fw, (1,))
    wrong = mlp.backward(net, fw, (1,), output=mlp.output_delta_without_slope,
                         hidden=mlp.hidden_delta_without_slope)
    assert right.deltas[-1][0] == sp.Rational(-1, 2)
    assert wrong.deltas[-1][0] == -2
