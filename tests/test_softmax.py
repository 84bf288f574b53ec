"""td2.I.1–I.4 (quadratic loss, softmax, cross-entropy) and solver/maths/activations.py.

Expected values are written by hand here or computed with torch, never taken from the solver.
"""

import math

import pytest
import sympy as sp
import torch
import torch.nn.functional as F

from solver.core.errors import ParamError
from solver.maths.activations import cross_entropy, derivative_from_output, log_softmax, softmax, softmax_jacobian
from solver.sheets import registry
from solver.verify.runner import verify_one

IDS = ("td2.I.1", "td2.I.2", "td2.I.3", "td2.I.4")
a_k, y_k, s_k, t_k = sp.symbols("a_k y_k s_k t_k")


def solve(ex_id, seed=None, **overrides):
    ex = registry.get(ex_id)
    return ex, ex.run(ex.make_params(seed, {k: str(v) for k, v in overrides.items()}))


def at(expr, **values):
    return float(expr.xreplace({sp.Symbol(k): v for k, v in values.items()}))


# --- td2.I.1 -------------------------------------------------------------------------------------

@pytest.mark.parametrize("g, a, y, want", [
    ("identity", 3.0, 1.0, 4.0),                                                     # 2(a − y)
    ("relu", 2.0, 1.0, 2.0),                                                         # a > 0: 2(a − y)
    ("relu", -1.0, 1.0, 0.0),                                                        # a < 0: gradient 0
    ("sigmoid", 0.0, 1.0, 2 * (0.5 - 1) * 0.25),                                     # σ(0) = ½, σ' = ¼
    ("tanh", 0.5, 0.0, 2 * math.tanh(0.5) * (1 - math.tanh(0.5) ** 2)),
])
def test_quadratic_gradient_by_hand(g, a, y, want):
    _, sol = solve("td2.I.1", g=g)
    assert at(sol.answers["dC_da"], a_k=a, y_k=y) == pytest.approx(want, abs=1e-12)


def test_quadratic_gradient_general_form():
    _, sol = solve("td2.I.1")
    g = sp.Function("g")
    expr = sol.answers["dC_da"]
    assert expr.has(g(a_k)) and expr.has(sp.Derivative(g(a_k), a_k))
    x = sp.Symbol("x")
    with_exp = expr.subs(g, sp.Lambda(x, sp.exp(x))).doit()     # g = exp: 2(e^a − y)e^a
    assert at(with_exp, a_k=0.3, y_k=1.0) == pytest.approx(2 * (math.exp(0.3) - 1) * math.exp(0.3))


@pytest.mark.parametrize("g", ["identity", "relu", "sigmoid", "tanh"])
def test_quadratic_gradient_against_autograd(g):
    _, sol = solve("td2.I.1", g=g)
    act = {"identity": lambda t: t, "relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}[g]
    a = torch.tensor([-1.3, 0.4, 2.2], dtype=torch.float64, requires_grad=True)
    y = torch.tensor([0.0, 1.0, 0.0], dtype=torch.float64)
    (grad,) = torch.autograd.grad(((act(a) - y) ** 2).sum(), a)
    got = [at(sol.answers["dC_da"], a_k=float(u), y_k=float(v)) for u, v in zip(a.detach(), y)]
    assert got == pytest.approx(grad.tolist(), abs=1e-12)


def test_quadratic_remarks_say_where_the_sheet_is_wrong():
    for g in ("g", "relu", "sigmoid", "tanh"):
        _, sol = solve("td2.I.1", g=g)
        remarks = [s.text("en") for s in sol.steps if s.kind == "remark"]
        assert any("2(a" in r and "wrong" in r for r in remarks), g
    _, sol = solve("td2.I.1", g="identity")
    assert any("we do get" in s.text("en") for s in sol.steps if s.kind == "remark")


def test_quadratic_diagnoses():
    ex, sol = solve("td2.I.1", g="sigmoid")
    q = sol.params
    wrong = {d.code: d.wrong(q) for d in ex.diagnoses}
    assert sp.expand(wrong["linear-output-assumed"] - (2 * a_k - 2 * y_k)) == 0
    assert at(wrong["missing-activation-derivative"], a_k=0.0, y_k=1.0) == pytest.approx(-1.0)
    assert at(wrong["sign-error"], a_k=0.0, y_k=1.0) == pytest.approx(0.25)
    identity = registry.get("td2.I.1").make_params(None, {"g": "identity"})
    assert next(d for d in ex.diagnoses if d.code == "linear-output-assumed").wrong(identity) is None


# --- td2.I.3 -------------------------------------------------------------------------------------

def test_jacobian_explicit_k3():
    _, sol = solve("td2.I.3", K=3)
    s1, s2, s3 = sp.symbols("s_1 s_2 s_3")
    want = sp.Matrix([[s1 - s1 ** 2, -s1 * s2, -s1 * s3],
                      [-s1 * s2, s2 - s2 ** 2, -s2 * s3],
                      [-s1 * s3, -s2 * s3, s3 - s3 ** 2]])
    assert (sol.answers["A"] - want).expand() == sp.zeros(3, 3)


def test_jacobian_general_entry():
    _, sol = solve("td2.I.3")
    entry = sol.answers["A"]
    i, j = sp.symbols("i j", integer=True, positive=True)
    s = sp.IndexedBase("s")
    x, y = sp.symbols("x y")
    diag = entry.xreplace({j: i}).xreplace({s[i]: x})
    off = entry.xreplace({i: sp.Integer(1), j: sp.Integer(2)}).xreplace({s[1]: x, s[2]: y})
    assert sp.expand(diag - (x - x ** 2)) == 0
    assert sp.expand(off + x * y) == 0


@pytest.mark.parametrize("K", [2, 4, 6])
def test_jacobian_against_torch(K):
    _, sol = solve("td2.I.3", K=K)
    a = torch.linspace(-1.5, 2.0, K, dtype=torch.float64)
    s = torch.softmax(a, 0)
    J = torch.autograd.functional.jacobian(lambda v: torch.softmax(v, 0), a)
    got = sol.answers["A"].xreplace({sp.Symbol(f"s_{n + 1}"): float(s[n]) for n in range(K)})
    assert torch.allclose(torch.tensor([[float(c) for c in row] for row in got.tolist()], dtype=torch.float64),
                          J.T, atol=1e-12)


def test_jacobian_diagnoses_differ_from_answer():
    ex, sol = solve("td2.I.3", K=3)
    for d in ex.diagnoses:
        assert (d.wrong(sol.params) - sol.answers["A"]).expand() != sp.zeros(3, 3), d.code


# --- td2.I.4 -------------------------------------------------------------------------------------

def test_cross_entropy_gradients():
    _, sol = solve("td2.I.4")
    assert sp.simplify(sol.answers["dC_ds"] + t_k / s_k) == 0
    assert sp.expand(sol.answers["dC_da"] - (s_k - t_k)) == 0


def test_cross_entropy_gradient_against_torch():
    _, sol = solve("td2.I.4", K=4, y=2)
    a = torch.tensor([0.3, -1.0, 2.0, 0.5], dtype=torch.float64, requires_grad=True)
    (grad,) = torch.autograd.grad(F.cross_entropy(a[None], torch.tensor([1])), a)
    s = torch.softmax(a.detach(), 0)
    t = [0.0, 1.0, 0.0, 0.0]
    got = [at(sol.answers["dC_da"], s_k=float(u), t_k=v) for u, v in zip(s, t)]
    assert got == pytest.approx(grad.tolist(), abs=1e-12)


def test_cross_entropy_vector_step_uses_the_class():
    _, sol = solve("td2.I.4", K=3, y=2)
    text = " ".join(sp.sstr(m) for s in sol.steps if s.math is not None
                    for m in (s.math if isinstance(s.math, tuple) else (s.math,)))
    assert "s_2 - 1" in text and "-1/s_2" in text


def test_cross_entropy_validation():
    ex = registry.get("td2.I.4")
    with pytest.raises(ParamError):
        ex.make_params(None, {"K": "3", "y": "4"})
    with pytest.raises(ParamError):
        ex.make_params(None, {"y": "2"})


def test_cross_entropy_diagnoses():
    ex, sol = solve("td2.I.4")
    by_code = {(d.part, d.code): d.wrong(sol.params) for d in ex.diagnoses}
    assert sp.simplify(by_code[("dC_da", "diagonal-only")] - (t_k * s_k - t_k)) == 0
    assert sp.simplify(by_code[("dC_ds", "sign-error")] - t_k / s_k) == 0
    for part in ("dC_ds", "dC_da"):
        assert sum(1 for d in ex.diagnoses if d.part == part) >= 2


# --- text parts, verify ---------------------------------------------------------------------------

@pytest.mark.parametrize("ex_id, part", [("td2.I.2", "text"), ("td2.I.4", "likelihood")])
def test_model_answers_have_rubrics(ex_id, part):
    _, sol = solve(ex_id)
    answer = sol.answers[part]
    assert len(answer.rubric) >= 3 and answer.answer("fr") != answer.answer("en")


@pytest.mark.parametrize("ex_id", IDS)
@pytest.mark.parametrize("seed", [None, 0, 1, 2])
def test_verify_passes(ex_id, seed):
    result = verify_one(registry.get(ex_id), seed)
    assert result.status == "pass", result.detail


# --- solver/maths/activations.py ------------------------------------------------------------------------

def test_activation_helpers_numerically():
    a = [sp.Float(0.2), sp.Float(-1.0), sp.Float(1.5)]
    want = torch.softmax(torch.tensor([0.2, -1.0, 1.5], dtype=torch.float64), 0)
    assert [float(v) for v in softmax(a)] == pytest.approx(want.tolist())
    assert [float(v) for v in log_softmax(a)] == pytest.approx(torch.log(want).tolist())
    x = sp.symbols("x0:3")
    J = softmax_jacobian(x).xreplace(dict(zip(x, a)))
    Jt = torch.autograd.functional.jacobian(lambda v: torch.softmax(v, 0), torch.tensor([0.2, -1.0, 1.5],
                                                                                          dtype=torch.float64))
    assert torch.allclose(torch.tensor([[float(c) for c in row] for row in J.tolist()], dtype=torch.float64),
                          Jt.T)
    assert float(cross_entropy(softmax(a), [0, 0, 1])) == pytest.approx(-math.log(float(want[2])))
    s = sp.Symbol("s")
    assert derivative_from_output("sigmoid", s).subs(s, sp.Rational(1, 2)) == sp.Rational(1, 4)
    with pytest.raises(ValueError):
        derivative_from_output("relu", s)
