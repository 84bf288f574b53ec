"""devoir.1.1–1.4, 2, 3.1, 3.3–3.6: answers against values worked out by hand or with torch."""

import math

import pytest
import sympy as sp
import torch

from solver.core.errors import ParamError
from solver.core.exercise import ModelAnswer
from solver.render.values import plain
from solver.sheets import registry
from solver.verify.runner import verify_one

IDS = ["devoir.1.1", "devoir.1.2", "devoir.1.3", "devoir.1.4", "devoir.2", "devoir.3.1", "devoir.3.3",
       "devoir.3.4", "devoir.3.5", "devoir.3.6"]

x = sp.Symbol("x", real=True)
w, v, r, g_val = (sp.Symbol(n, real=True) for n in ("w", "v", "r", "g"))
H = sp.Symbol("H", positive=True)
g = sp.Function("g")


def answers(ex_id, seed=None, **overrides):
    ex = registry.get(ex_id)
    return ex.run(ex.make_params(seed, {k: str(val) for k, val in overrides.items()})).answers


def by_name(expr, **values):
    """Substitute values for the free symbols of `expr`, matched by name (assumptions ignored)."""
    return expr.xreplace({s: values[s.name] for s in expr.free_symbols if s.name in values})


# --- 1.1 ----------------------------------------------------------------------------------------

def test_swish_limits():
    a = answers("devoir.1.1")
    assert a["relu_beta"] == sp.oo
    assert a["linear_beta"] == 0
    assert sp.simplify(a["linear_h"] - x / 2) == 0


def test_swish_large_beta_is_relu_in_torch():
    xs = torch.linspace(-3, 3, 61, dtype=torch.float64)
    assert torch.allclose(xs * torch.sigmoid(1e4 * xs), torch.relu(xs), atol=1e-4)


# --- 1.2 ----------------------------------------------------------------------------------------

def test_relu_construction_on_hand_values():
    h = answers("devoir.1.2", a=2, b=3, alpha=1, beta=-1)["h"]
    # right of alpha: 2 (x - 1); middle: 0; left of beta: 3 (-1 - x)
    assert [h.subs(x, t) for t in (3, 0, sp.Rational(1, 2), -2, -5)] == [4, 0, 0, 3, 12]


def test_relu_construction_symbolic_matches_torch():
    h = answers("devoir.1.2")["h"]
    gen = torch.Generator().manual_seed(0)
    for a_, b_, al, be in ((1.5, -0.5, 2.0, -1.0), (3.0, 2.0, 0.5, 0.0)):
        xs = torch.linspace(-4, 4, 17, dtype=torch.float64) + 0.01 * torch.rand(17, generator=gen)
        want = a_ * torch.relu(xs - al) + b_ * torch.relu(be - xs)
        got = [float(by_name(h, a=a_, b=b_, alpha=al, beta=be, x=float(t))) for t in xs]
        assert torch.allclose(torch.tensor(got, dtype=torch.float64), want)


def test_relu_construction_rejects_beta_not_below_alpha():
    with pytest.raises(ParamError):
        registry.get("devoir.1.2").make_params(None, {"alpha": "1", "beta": "2"})


# --- 1.3 / 1.4 ----------------------------------------------------------------------------------

def test_softmax_shift_proof_is_a_model_answer():
    proof = answers("devoir.1.3")["proof"]
    assert isinstance(proof, ModelAnswer) and len(proof.rubric) >= 3
    assert "e^{c}" in proof.answer("en")


def test_stable_log_softmax_on_extreme_vector():
    expr = answers("devoir.1.4")["log_softmax"]
    xb, i, j = sp.IndexedBase("x", real=True), sp.Symbol("i", integer=True, positive=True), \
        sp.Symbol("j", integer=True, positive=True)
    vec = (1000, 1001, 999)
    want = torch.log_softmax(torch.tensor(vec, dtype=torch.float64), 0)
    for k in range(3):
        e = by_name(expr.subs(i, k + 1), d=3, m=1001).doit()
        value = e.xreplace({xb[t + 1]: vec[t] for t in range(3)})
        assert math.isclose(float(value), float(want[k]), rel_tol=1e-12)


def test_naive_log_softmax_overflows_in_float64():
    t = torch.tensor((1000.0, 1001.0, 999.0), dtype=torch.float64)
    assert not torch.isfinite(torch.log(torch.exp(t) / torch.exp(t).sum())).all()


# --- 2 ------------------------------------------------------------------------------------------

def test_mixture_probability_by_hand():
    p = answers("devoir.2", K=2, d=1)["p"]
    pi, wb, xb = (sp.IndexedBase(n, real=True) for n in ("pi", "w", "x"))
    value = p.xreplace({pi[1]: sp.Rational(3, 10), pi[2]: sp.Rational(7, 10), wb[1, 1]: 1, wb[2, 1]: -2,
                        xb[1]: sp.Rational(1, 2)})
    sig = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
    assert math.isclose(float(value), 0.3 * sig(0.5) + 0.7 * sig(-1.0), rel_tol=1e-12)


# --- 3.x ----------------------------------------------------------------------------------------

def test_newton_step_scalar_reading():
    step = answers("devoir.3.1")["w_next"]
    assert by_name(step, w=1, g=4, H=2) == -1  # 1 - 4/2


def test_newton_step_minimises_a_quadratic_in_one_step():
    step = answers("devoir.3.1")["w_next"]
    # f(w) = 3 (w - 5)^2 + 1 at w = 2: f' = -18, f'' = 6, minimiser 5
    assert by_name(step, w=2, g=-18, H=6) == 5


def test_finite_difference_with_a_concrete_gradient():
    est = answers("devoir.3.3")["Hv"]
    t = sp.Symbol("t")
    concrete = sp.expand(est.replace(g, sp.Lambda(t, t ** 2)))
    assert sp.expand(by_name(concrete, w=w, v=v, r=r) - (2 * w * v + r * v ** 2)) == 0


def test_finite_difference_error_is_order_r():
    err = answers("devoir.3.4")["error"]
    assert isinstance(err, sp.Order) and err.expr.free_symbols == {err.variables[0]}
    assert sp.degree(err.expr, err.variables[0]) == 1


def test_exact_hvp_with_a_concrete_gradient():
    hv = answers("devoir.3.6")["Hv"]
    t = sp.Symbol("t")
    concrete = hv.replace(g, sp.Lambda(t, t ** 3)).doit()
    assert sp.expand(by_name(concrete, w=w, v=v) - 3 * w ** 2 * v) == 0


def test_text_parts_have_rubrics():
    for ex_id, part in (("devoir.3.5", "proof"), ("devoir.3.6", "method"), ("devoir.2", "network")):
        ans = answers(ex_id)[part]
        assert isinstance(ans, ModelAnswer) and ans.rubric


# --- shared properties --------------------------------------------------------------------------

@pytest.mark.parametrize("ex_id", IDS)
def test_diagnoses_differ_from_the_answer(ex_id):
    ex = registry.get(ex_id)
    params = ex.make_params()
    sol = ex.run(params)
    computable = [p.id for p in ex.parts if p.kind != "text"]
    for part in computable:
        codes = [d.code for d in ex.diagnoses if d.part == part]
        assert len(codes) >= 2 and len(codes) == len(set(codes)), (ex_id, part)
    for d in ex.diagnoses:
        wrong = d.wrong(params)
        assert wrong is not None and wrong != sol.answers[d.part], (ex_id, d.code)


@pytest.mark.parametrize("ex_id,seed", [(i, s) for i in IDS for s in (None, 0, 1)
                                        if s is None or registry.get(i).parametrised])
def test_verify_passes(ex_id, seed):
    ex = registry.get(ex_id)
    result = verify_one(ex, seed)
    assert result.status == "pass", result.detail


@pytest.mark.parametrize("ex_id", IDS)
def test_deterministic_plain_answers(ex_id):
    ex = registry.get(ex_id)
    first = {k: plain(v) for k, v in ex.run(ex.make_params(2)).answers.items()}
    second = {k: plain(v) for k, v in ex.run(ex.make_params(2)).answers.items()}
    assert first == second
