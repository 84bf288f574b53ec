"""td2.II.2, td2.IV, td2.V and cours-intro.conv-example: values checked by hand or with torch."""

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
import torch
import torch.nn.functional as F
from helpers import checks_of
from hypothesis import given
from hypothesis import strategies as st

from exercises.cours_intro.conv_example import EXERCISES as CONV_EXAMPLE
from exercises.td2.conv_gradient import EXERCISES as GRADIENT
from exercises.td2.conv_numeric import EXERCISES as NUMERIC
from exercises.td2.equivariance import EXERCISES as EQUIVARIANCE
from exercises.td2.equivariance import interior
from solver.core.checks import Checks
from solver.core.errors import ParamError
from solver.core.written import decimal_string
from solver.render import FORMATS, render
from solver.render.values import plain

NUMERIC_EX, GRADIENT_EX, EQUIV_EX, EXAMPLE_EX = NUMERIC[0], GRADIENT[0], EQUIVARIANCE[0], CONV_EXAMPLE[0]
ALL = (NUMERIC_EX, GRADIENT_EX, EQUIV_EX, EXAMPLE_EX)


def torch_corr(X, W, padding=0, stride=1):
    x = torch.tensor(X, dtype=torch.float64)[None, None]
    w = torch.tensor(W, dtype=torch.float64)[None, None]
    return F.conv2d(x, w, stride=stride, padding=padding)[0, 0].numpy()


def as_floats(M):
    return np.array([[float(v) for v in row] for row in M.tolist()])


def diagnosis(ex, code):
    return next(d for d in ex.diagnoses if d.code == code)


# --- td2.II.2 -------------------------------------------------------------------------------

M = [[1, 4, 2, 3, 2], [1, 2, 4, 1, 6], [2, 2, 4, 0, 1], [2, 5, 1, 3, 4], [3, 5, 4, 1, 0]]
K = [[2, 0, 2], [3, 5, 1], [0, 1, 4]]


def test_sheet_map_by_hand_and_torch():
    Y = NUMERIC_EX.run(NUMERIC_EX.make_params()).answers["Y"]
    assert Y.shape == (5, 5)
    # Y[0,0]: window [[0,0,0],[0,1,4],[0,1,2]] of the padded M, times K
    assert Y[0, 0] == 5 * 1 + 1 * 4 + 1 * 1 + 4 * 2 == 18
    # Y[2,2] is fully inside: window M[1:4, 1:4]
    assert Y[2, 2] == 2 * 2 + 0 * 4 + 2 * 1 + 3 * 2 + 5 * 4 + 1 * 0 + 0 * 5 + 1 * 1 + 4 * 3 == 45
    np.testing.assert_array_equal(as_floats(Y), torch_corr(M, K, padding=1))


def test_sheet_mal_rules():
    q = NUMERIC_EX.make_params()
    flipped = diagnosis(NUMERIC_EX, "flipped-kernel").wrong(q)
    np.testing.assert_array_equal(as_floats(flipped), torch_corr(M, np.flip(K).tolist(), padding=1))
    assert diagnosis(NUMERIC_EX, "no-padding").wrong(q).shape == (3, 3)
    assert diagnosis(NUMERIC_EX, "same-padding").wrong(q) is None  # there is padding already
    assert diagnosis(NUMERIC_EX, "missing-bias").wrong(q) is None


def test_symmetric_kernel_has_no_flipped_mal_rule():
    q = NUMERIC_EX.make_params(overrides={"K": "[1 2 1; 0 5 0; 1 2 1]"})
    assert diagnosis(NUMERIC_EX, "flipped-kernel").wrong(q) is None
    assert diagnosis(NUMERIC_EX, "transposed-kernel").wrong(q) is not None


def test_even_filter_is_refused():
    with pytest.raises(ParamError):
        NUMERIC_EX.make_params(overrides={"K": "[1 2; 3 4]"})


@pytest.mark.parametrize("seed", range(5))
def test_numeric_variants_match_torch(seed):
    q = NUMERIC_EX.make_params(seed)
    Y = NUMERIC_EX.run(q).answers["Y"]
    Mv, Kv = [list(r) for r in q["M"]], [list(r) for r in q["K"]]
    np.testing.assert_array_equal(as_floats(Y), torch_corr(Mv, Kv, padding=1))
    assert Y.shape == (len(Mv), len(Mv))


# --- cours-intro.conv-example ------------------------------------------------------------------

IMAGE = [[146, 99, 147, 249, 176, 190], [212, 135, 152, 140, 50, 97], [105, 127, 232, 179, 105, 31],
         [139, 54, 24, 149, 90, 241], [1, 168, 208, 240, 118, 44], [7, 208, 141, 216, 33, 194]]
FILTER = [["-0.09", "0.66", "0.68"], ["0.32", "-0.75", "0.63"], ["0.13", "0.07", "1.00"]]


def exact_map():
    W = [[Fraction(c) for c in row] for row in FILTER]
    return [[sum(W[u][v] * IMAGE[i + u][j + v] for u in range(3) for v in range(3)) for j in range(4)]
            for i in range(4)]


def test_lecture_example_exact_decimals():
    Y = EXAMPLE_EX.run(EXAMPLE_EX.make_params()).answers["Y"]
    exact = exact_map()
    assert Y.shape == (4, 4)
    assert exact[0][0] == Fraction("469.05")  # -13.14 + 65.34 + 99.96 + 67.84 - 101.25 + 95.76 + 13.65 + 8.89 + 232
    for i in range(4):
        for j in range(4):
            assert abs(float(Y[i, j]) - float(exact[i][j])) < 1e-12
    assert plain(Y).startswith("[[469.05, ")
    np.testing.assert_allclose(as_floats(Y), torch_corr(IMAGE, [[float(c) for c in r] for r in FILTER]),
                               atol=1e-10)


def test_lecture_example_bias_and_mal_rules():
    q = EXAMPLE_EX.make_params(overrides={"b": "0.5"})
    Y = EXAMPLE_EX.run(q).answers["Y"]
    assert abs(float(Y[0, 0]) - 469.55) < 1e-12
    assert diagnosis(EXAMPLE_EX, "missing-bias").wrong(q)[0, 0] == Y[0, 0] - sp.Rational(1, 2)
    assert diagnosis(EXAMPLE_EX, "same-padding").wrong(q).shape == (6, 6)
    assert diagnosis(EXAMPLE_EX, "no-padding").wrong(q) is None


def test_statement_shows_decimals():
    text = EXAMPLE_EX.statement(EXAMPLE_EX.make_params())("en")
    assert "-0.09" in text and "9/100" not in text


# --- td2.IV -----------------------------------------------------------------------------------

i, j, u, v = sp.symbols("i j u v", integer=True, nonnegative=True)
Xb = sp.IndexedBase("X")


def test_weight_gradient_formula():
    answer = GRADIENT_EX.run(GRADIENT_EX.make_params()).answers["dY_dW"]
    assert plain(answer) == "X[i + u, j + v]"
    assert answer == Xb[i + u, j + v]
    strided = GRADIENT_EX.run(GRADIENT_EX.make_params(overrides={"s": "2", "d": "7", "k": "3"})).answers["dY_dW"]
    assert strided == Xb[2 * i + u, 2 * j + v]


@pytest.mark.parametrize("d,k,s", [(5, 3, 1), (7, 2, 2)])
def test_weight_gradient_against_autograd(d, k, s):
    """Entry by entry, the Jacobian of conv2d wrt W is the pixel X[s*i + u, s*j + v]."""
    gen = torch.Generator().manual_seed(7)
    X = torch.randn(d, d, dtype=torch.float64, generator=gen)
    W = torch.randn(k, k, dtype=torch.float64, generator=gen)
    jac = torch.autograd.functional.jacobian(lambda w: F.conv2d(X[None, None], w[None, None], stride=s)[0, 0], W)
    q = GRADIENT_EX.make_params(overrides={"d": str(d), "k": str(k), "s": str(s)})
    answer = GRADIENT_EX.run(q).answers["dY_dW"]
    o = jac.shape[0]
    for a in range(o):
        for b in range(o):
            for c in range(k):
                for e in range(k):
                    r, col = (int(t) for t in answer.xreplace({i: a, j: b, u: c, v: e}).indices)
                    assert float(jac[a, b, c, e]) == float(X[r, col])


def test_weight_gradient_mal_rules():
    q = GRADIENT_EX.make_params(overrides={"k": "3"})
    assert diagnosis(GRADIENT_EX, "flipped-kernel").wrong(q) == Xb[i - u + 2, j - v + 2]
    assert diagnosis(GRADIENT_EX, "full-convolution-indexing").wrong(q) == Xb[i - u, j - v]
    assert diagnosis(GRADIENT_EX, "missing-stride").wrong(q) is None  # s = 1


def test_weight_gradient_kernel_larger_than_image_refused():
    with pytest.raises(ParamError):
        GRADIENT_EX.make_params(overrides={"d": "2", "k": "3"})


# --- td2.V ------------------------------------------------------------------------------------

def test_equivariance_proof_and_checks():
    q = EQUIV_EX.make_params()
    sol = EQUIV_EX.run(q)
    assert len(sol.answers["proof"].rubric) >= 4
    checks = Checks()
    EQUIV_EX.check(q, sol, checks)
    assert checks.ok, checks.failures()
    labels = " ".join(r.label for r in checks.records)
    assert "stride 2" in labels and "max-pool 2" in labels and "circular" in labels


def test_stride_two_breaks_equivariance_for_shift_one():
    gen = torch.Generator().manual_seed(3)
    X = torch.randn(8, 8, dtype=torch.float64, generator=gen)
    K = torch.randn(3, 3, dtype=torch.float64, generator=gen)

    def layer(A):
        return F.conv2d(F.pad(A[None, None], (1, 1, 1, 1), mode="circular"), K[None, None], stride=2)[0, 0]

    base, moved = layer(X), layer(torch.roll(X, (1, 0), dims=(0, 1)))
    assert not any(torch.allclose(torch.roll(base, (r, c), dims=(0, 1)), moved) for r in range(4) for c in range(4))
    assert torch.allclose(layer(torch.roll(X, (2, 0), dims=(0, 1))), torch.roll(base, (1, 0), dims=(0, 1)))


@pytest.mark.parametrize("n,k,shift", [(8, 3, 1), (8, 3, -2), (7, 4, 2), (6, 1, 3), (9, 2, -1)])
def test_interior_rows_are_equal_by_brute_force(n, k, shift):
    """Rows announced as interior agree between conv(T X) and T(conv X) with zero padding."""
    gen = torch.Generator().manual_seed(n * 10 + k)
    X = torch.randn(n, dtype=torch.float64, generator=gen)
    Kt = torch.randn(k, dtype=torch.float64, generator=gen)
    lo = (k - 1) // 2

    def conv(a):
        padded = torch.cat([torch.zeros(lo, dtype=a.dtype), a, torch.zeros(k - 1 - lo, dtype=a.dtype)])
        return torch.stack([(padded[t:t + k] * Kt).sum() for t in range(n)])

    def shift_zero(a):
        return torch.stack([a[t - shift] if 0 <= t - shift < n else torch.tensor(0.0, dtype=a.dtype)
                            for t in range(n)])

    diff = (conv(shift_zero(X)) - shift_zero(conv(X))).abs()
    first, last = interior(n, k, shift)
    assert first <= last
    assert float(diff[first:last + 1].max()) < 1e-12


def test_equivariance_shift_too_large_refused():
    with pytest.raises(ParamError):
        EQUIV_EX.make_params(overrides={"n": "5", "k": "3", "x": "3"})


# --- shared ---------------------------------------------------------------------------------

@given(st.integers(-10**6, 10**6), st.integers(0, 6), st.integers(0, 6))
def test_decimal_string_round_trips(num, twos, fives):
    q = Fraction(num, 2 ** twos * 5 ** fives)
    assert Fraction(decimal_string(q)) == q


@pytest.mark.parametrize("ex", ALL, ids=lambda e: e.id)
@pytest.mark.parametrize("seed", [None, 0, 1])
def test_renders_and_verifies(ex, seed):
    q, sol, checks = checks_of(ex, seed)
    for fmt in FORMATS:
        for lang in ("fr", "en"):
            assert render(ex, sol, fmt, lang).strip()
    assert checks.count and checks.ok, checks.failures()
    assert any(s.kind == "remark" for s in sol.steps)


@pytest.mark.parametrize("ex", [NUMERIC_EX, GRADIENT_EX, EXAMPLE_EX], ids=lambda e: e.id)
def test_at_least_two_mal_rules_apply_on_the_sheet(ex):
    q = ex.make_params()
    assert sum(d.wrong(q) is not None for d in ex.diagnoses) >= 2
