"""devoir 1.1–1.4, 2, 3.1, 3.3–3.6 (activations, mixture, optimisation) and the review fixes of the
devoir sheet: values worked out by hand here (or computed with plain math / torch in the test), never
the solver's output fed back."""

import math

import pytest
import sympy as sp
import torch

from solver.grading.check import check_answer
from solver.render.markdown import render_markdown
from solver.render.text import render_text
from solver.sheets import registry


def solved(ex_id, seed=None, **overrides):
    ex = registry.get(ex_id)
    params = ex.make_params(seed, {k: str(v) for k, v in overrides.items()})
    return ex, ex.run(params)


def answers(ex_id, seed=None, **overrides):
    return solved(ex_id, seed, **overrides)[1].answers


def prose(ex_id, lang, seed=None):
    _, sol = solved(ex_id, seed)
    return " ".join(step.text(lang) for step in sol.steps)


# --- devoir.1.1: x σ(βx) ---------------------------------------------------------------------

def test_swish_limits_by_hand():
    a = answers("devoir.1.1")
    x = sp.Symbol("x", real=True)
    assert a["relu_beta"] == sp.oo            # σ(βx) → 1 for x > 0, → 0 for x < 0 as β → +∞
    assert a["linear_beta"] == 0              # σ(0) = 1/2 for every x
    assert sp.simplify(a["linear_h"] - x / 2) == 0


def test_swish_relu_step_shows_the_whole_limit():
    """The limit is one function of x (x for x > 0, 0 otherwise), not two equal-looking limits."""
    _, sol = solved("devoir.1.1")
    text = render_text(registry.get("devoir.1.1"), sol, "en")
    assert "Max(0, x)" in text and "Min(0, x)" in text
    assert "beta_{ReLU}" not in text and "β_ReLU = ∞" in text


# --- devoir.1.2: piecewise-linear h from ReLUs ------------------------------------------------

@pytest.mark.parametrize("a, b, alpha, beta", [(2, 3, 1, -1), (1, -2, 5.5, 2), (0.5, 1, 0, -4)])
def test_kink_construction_matches_slopes(a, b, alpha, beta):
    expr = answers("devoir.1.2", a=a, b=b, alpha=alpha, beta=beta)["h"]
    f = sp.lambdify(sp.Symbol("x", real=True), expr, "math")
    for t in (alpha + 2.0, alpha + 0.5):      # slope a after alpha, h(alpha) = 0
        assert f(t) == pytest.approx(a * (t - alpha))
    assert f((alpha + beta) / 2) == pytest.approx(0.0)
    for t in (beta - 0.5, beta - 3.0):        # slope −b before beta: h = b (beta − t)
        assert f(t) == pytest.approx(b * (beta - t))


# --- devoir.1.4: stable log-softmax ------------------------------------------------------------

def test_log_softmax_sheet_example_by_hand():
    expr = answers("devoir.1.4")["log_softmax"]
    x, i, j, d = sp.IndexedBase("x", real=True), *sp.symbols("i j d", integer=True, positive=True)
    m = sp.Symbol("m", real=True)
    values = (1000, 1001, 999)
    # log S(x)_i = x_i − m − log Σ e^{x_j − m}, m = 1001: log(e^{-1} + 1 + e^{-2}) = 0.40760596…
    lse = math.log(math.exp(-1) + 1 + math.exp(-2))
    for k, v in enumerate(values, 1):
        e = expr.xreplace({d: 3, m: 1001}).subs(i, k).doit()
        e = e.xreplace({x[n + 1]: values[n] for n in range(3)})
        assert float(e) == pytest.approx(v - 1001 - lse, abs=1e-12)
    assert lse == pytest.approx(0.40760596444, abs=1e-10)


def test_log_softmax_example_values_shown():
    text = render_text(*solved("devoir.1.4"), "fr")
    for shown in ("-1,40761", "-0,407606", "-2,40761"):  # French decimal commas
        assert shown in text


# --- devoir.2: mixture of logistic regressions -------------------------------------------------

def test_mixture_probability_by_hand():
    expr = answers("devoir.2", K=2, d=1)["p"]
    pi, w, x = sp.IndexedBase("pi", real=True), sp.IndexedBase("w", real=True), sp.IndexedBase("x", real=True)
    value = float(expr.xreplace({pi[1]: 0.3, pi[2]: 0.7, w[1, 1]: 2.0, w[2, 1]: -1.0, x[1]: 0.5}))

    def sig(t):
        return 1 / (1 + math.exp(-t))

    assert value == pytest.approx(0.3 * sig(1.0) + 0.7 * sig(-0.5))


# --- devoir.3: Newton and Hessian-vector products ----------------------------------------------

def test_newton_step_one_dimension():
    w, g, H = sp.Symbol("w", real=True), sp.Symbol("g", real=True), sp.Symbol("H", positive=True)
    assert sp.simplify(answers("devoir.3.1")["w_next"] - (w - g / H)) == 0
    # f(u) = 3(u − 2)² from w = 5: g = 18, H = 6, one step lands on the minimiser 2
    assert answers("devoir.3.1")["w_next"].subs({w: 5, g: 18, H: 6}) == 2


def test_finite_difference_estimate():
    g = sp.Function("g")
    w, v, r = (sp.Symbol(n, real=True) for n in "wvr")
    hv = answers("devoir.3.3")["Hv"]
    assert sp.simplify(hv - (g(w + r * v) - g(w)) / r) == 0


def test_finite_difference_error_is_first_order():
    r = sp.Symbol("r", real=True)
    error = answers("devoir.3.4")["error"]
    assert error == sp.Order(r, (r, 0))
    # by hand on g = sin (f = −cos): (sin(w + rv) − sin w)/r − v cos w ≈ −r v² sin(w)/2
    w0, v0 = 0.7, 1.3
    for rr in (1e-2, 1e-3):
        err = (math.sin(w0 + rr * v0) - math.sin(w0)) / rr - v0 * math.cos(w0)
        assert err == pytest.approx(-rr * v0 ** 2 * math.sin(w0) / 2, rel=2e-2)


def test_finite_difference_error_derivation_has_no_substitution():
    text = render_text(*solved("devoir.3.4"), "en")
    assert "ξ" not in text and "= O(r)" in text


def test_exact_hvp_is_derivative_at_zero():
    hv = answers("devoir.3.6")["Hv"]
    g = sp.Function("g")
    w, v, t = sp.Symbol("w", real=True), sp.Symbol("v", real=True), sp.Symbol("t", real=True)
    # with g = f' for f = t⁴: H v = 12 w² v
    concrete = hv.replace(g, sp.Lambda(t, 4 * t ** 3)).doit()
    assert sp.simplify(concrete - 12 * w ** 2 * v) == 0
    # torch: the same on f(w) = Σ w⁴
    wt = torch.tensor([0.5, -1.0], dtype=torch.float64)
    vt = torch.tensor([2.0, 3.0], dtype=torch.float64)
    _, hvp = torch.autograd.functional.hvp(lambda z: (z ** 4).sum(), wt, vt)
    assert torch.allclose(hvp, 12 * wt ** 2 * vt)


def test_source_slips_noted():
    assert "vw" in prose("devoir.3.5", "fr")
    assert "\\partial w_i w_j" in prose("devoir.3.1", "en")


# --- devoir.4.3 / 4.4: wording and conventions ------------------------------------------------

def test_conv_matrix_steps_read_whole_sentences():
    en = prose("devoir.4.3", "en")
    assert "Each output is the sum of the products" in en
    assert "zero(s)" not in solved("devoir.4.3")[0].statement(solved("devoir.4.3")[1].params)("en")
    assert "ud - p" not in en               # no dilation in the sheet: the tap relation has no d


def test_transposed_conv_row_vector_convention_accepted():
    # the matrix of the ordinary stride-2 convolution from 4×4 to 2×2 (row-vector convention), by hand
    rows = []
    for a in range(2):
        for b in range(2):
            row = ["0"] * 16
            for u in range(2):
                for v in range(2):
                    row[(2 * a + u) * 4 + 2 * b + v] = f"w[{u},{v}]"
            rows.append("[" + ", ".join(row) + "]")
    verdict = check_answer("devoir.4.4", None, "A", "[" + ", ".join(rows) + "]")
    assert verdict.verdict == "correct"


# --- devoir.5: wording -------------------------------------------------------------------------

def test_stack_statement_padding_wording():
    ex = registry.get("devoir.5.1")
    for p, fr, en in ((0, "sans remplissage", "no padding"), (1, "1$ pixel de", "1$ pixel of"),
                      (2, "2$ pixels de", "2$ pixels of")):
        statement = ex.statement(ex.make_params(None, {"p": str(p)}))
        assert fr in statement("fr") and en in statement("en")


def test_residual_step_names_both_paths():
    _, sol = solved("devoir.5.4")
    text = render_markdown(registry.get("devoir.5.4"), sol, "en")
    assert r"r_{\mathrm{main}} = 9" in text and r"r_{\mathrm{skip}} = 7" in text  # words upright in subscripts


def test_parameter_total_lists_values_in_layer_order():
    # 512·33 = 16896, 512·513 = 262656, 10·513 = 5130: shown in the order of P_fc1 + P_fc2 + P_fc3
    text = render_text(*solved("devoir.3.2"), "en")
    assert "16896 + 262656 + 5130 = 284682" in text
    assert "0 Go" not in render_text(*solved("devoir.3.2", seed=1), "fr")


def test_yes_no_answers_in_the_document_language():
    ex, sol = solved("devoir.4.2")
    assert "`devoir.4.2/variable_size` : **oui**" in render_markdown(ex, sol, "fr")
    assert "`devoir.4.2/variable_size`: **yes**" in render_markdown(ex, sol, "en")
    assert "devoir.4.2/variable_size = oui" in render_text(ex, sol, "fr")
