"""td2.I.1 — gradient of the quadratic loss with respect to the pre-activations of the output layer.

The sheet claims ∂C_Q/∂a = 2(a − y) for "g like ReLU, sigmoid or tanh"; in general
∂C_Q/∂a_k = 2 (g(a_k) − y_k) g'(a_k), which is 2(a_k − y_k) only for a linear output (and for
ReLU where a_k > 0). The activation is a `choice` parameter; its default keeps g general.
"""

from __future__ import annotations

from typing import Any

from solver.core.exercise import Diagnosis, Exercise, Part, Solution, Step
from solver.core.params import Param
from solver.core.text import Text
from solver.derive.mistakes import mistake

GENERAL = "g"
CHOICES = (GENERAL, "identity", "relu", "sigmoid", "tanh")

_NAMES = {
    GENERAL: Text("une fonction d'activation appliquée composante par composante (ReLU, sigmoïde, tanh…)",
                  "an activation function applied component-wise (ReLU, sigmoid, tanh…)"),
    "identity": Text("l'identité $g(a) = a$ (sortie linéaire)", "the identity $g(a) = a$ (linear output)"),
    "relu": Text("ReLU, $g(a) = \\max(0, a)$", "ReLU, $g(a) = \\max(0, a)$"),
    "sigmoid": Text("la sigmoïde $g(a) = 1/(1 + e^{-a})$", "the sigmoid $g(a) = 1/(1 + e^{-a})$"),
    "tanh": Text("la tangente hyperbolique $g = \\tanh$", "the hyperbolic tangent $g = \\tanh$"),
}


def _symbols():
    """a_k, y_k, s_k as plain symbols (the names a student writes), and the function g."""
    import sympy as sp

    return sp.Symbol("a_k"), sp.Symbol("y_k"), sp.Symbol("s_k"), sp.Function("g")


def _activation(name: str, x):
    """g(x) for a concrete activation; ReLU as a Piecewise so that its derivative is explicit."""
    import sympy as sp

    from solver.maths.activations import activation

    g = activation(name, x)
    return g.rewrite(sp.Piecewise) if name == "relu" else g


def _output(q):
    """s_k = g(a_k), with g general or the chosen activation."""
    a, _, _, g = _symbols()
    return g(a) if q["g"] == GENERAL else _activation(q["g"], a)


def _loss_term(q):
    """(g(a_k) − y_k)², the only term of C_Q that depends on a_k."""
    return (_output(q) - _symbols()[1]) ** 2


def gradient(q):
    """∂C_Q/∂a_k by differentiating the term (g(a_k) − y_k)² (ReLU folded into one Piecewise)."""
    import sympy as sp

    a = _symbols()[0]
    return sp.piecewise_fold(sp.diff(_loss_term(q), a))


def statement(q) -> Text:
    g = _NAMES[q["g"]]
    return Text(
        "Un réseau de classification a $K$ sorties $s = g(a) \\in \\mathbb{R}^K$, où $a$ est le vecteur des "
        f"préactivations de la couche de sortie et $g$ est {g.fr}. Pour un exemple de classe $y$, on note "
        "encore $y \\in \\{0, 1\\}^K$ le vecteur indicateur (one-hot) de la classe, et l'erreur quadratique est "
        "le carré de la norme euclidienne de $s - y$ : $C_Q = \\sum_{k=1}^{K} (s_k - y_k)^2$. Calculer la "
        "composante $\\partial C_Q / \\partial a_k$ du gradient, puis dire pour quelles activations elle vaut "
        "$2(a_k - y_k)$.",
        "A classification network has $K$ outputs $s = g(a) \\in \\mathbb{R}^K$, where $a$ is the vector of "
        f"pre-activations of the output layer and $g$ is {g.en}. For an example of class $y$, we also write "
        "$y \\in \\{0, 1\\}^K$ for the indicator (one-hot) vector of the class, and the quadratic loss is "
        "the squared Euclidean norm of $s - y$: $C_Q = \\sum_{k=1}^{K} (s_k - y_k)^2$. Compute the component "
        "$\\partial C_Q / \\partial a_k$ of the gradient, then say for which activations it equals $2(a_k - y_k)$.")


def solve(q) -> Solution:
    import sympy as sp

    from solver.derive.chain import Chain

    a, y, s, g = _symbols()
    l, K = sp.symbols("l K", integer=True, positive=True)
    A, Y = sp.IndexedBase("a"), sp.IndexedBase("y")
    C = sp.Symbol("C_Q")
    general = sp.diff((g(a) - y) ** 2, a)
    steps = [
        Step(Text("Le coût est une somme de $K$ termes, un par sortie, avec $s_l = g(a_l)$.",
                  "The loss is a sum of $K$ terms, one per output, with $s_l = g(a_l)$."),
             sp.Eq(C, sp.Sum((g(A[l]) - Y[l]) ** 2, (l, 1, K)))),
        Step(Text("$g$ agit composante par composante : seul le terme $l = k$ dépend de $a_k$.",
                  "$g$ acts component-wise: only the term $l = k$ depends on $a_k$."),
             sp.Eq(sp.Derivative(C, a), sp.Derivative((g(a) - y) ** 2, a))),
        Step(Text("Dérivation en chaîne : dérivée du carré, puis de $s_k = g(a_k)$.",
                  "Chain rule: derivative of the square, then of $s_k = g(a_k)$."),
             Chain(sp.Derivative(C, a), general, 2 * (s - y) * sp.Derivative(g(a), a))),
    ]
    answer = gradient(q)
    if q["g"] == GENERAL:
        steps.append(Step(Text("Forme générale, valable pour toute activation dérivable :",
                               "General form, valid for any differentiable activation:"),
                          sp.Eq(sp.Derivative(C, a), answer), kind="result"))
        steps.append(_derivative_table())
    else:
        steps += _concrete_steps(q, answer)
    steps += _remarks(q, answer)
    return Solution(q, tuple(steps), {"dC_da": answer})


def _concrete_steps(q, answer):
    import sympy as sp

    from solver.maths.activations import derivative_from_output

    a, y, s, g = _symbols()
    name = q["g"]
    ga = _activation(name, a)
    dg = sp.diff(ga, a)
    lines: tuple[Any, ...] = (sp.Eq(g(a), ga), sp.Eq(sp.Derivative(g(a), a), dg))
    if name not in ("relu", "identity"):
        lines += (sp.Eq(sp.Derivative(g(a), a), derivative_from_output(name, s)),)
        why = Text("Ici $g$ et sa dérivée, aussi écrite avec la sortie $s_k = g(a_k)$ :",
                   "Here $g$ and its derivative, also written with the output $s_k = g(a_k)$:")
    elif name == "relu":
        why = Text("Ici $g$ et sa dérivée (nulle pour $a_k < 0$ ; en $a_k = 0$ on prend 0, comme PyTorch) :",
                   "Here $g$ and its derivative (zero for $a_k < 0$; at $a_k = 0$ we take 0, as PyTorch does):")
    else:
        why = Text("Ici $g$ est l'identité, de dérivée 1 partout : $s_k = a_k$.",
                   "Here $g$ is the identity, whose derivative is 1 everywhere: $s_k = a_k$.")
    steps = [Step(why, lines)]
    if name not in ("relu", "identity"):
        steps.append(Step(Text("Avec la sortie $s_k$ :", "With the output $s_k$:"),
                          sp.Eq(sp.Derivative(sp.Symbol("C_Q"), a), 2 * (s - y) * derivative_from_output(name, s))))
    steps.append(Step(Text("En fonction de $a_k$ et $y_k$ :", "As a function of $a_k$ and $y_k$:"),
                      sp.Eq(sp.Derivative(sp.Symbol("C_Q"), a), answer), kind="result"))
    return steps


def _derivative_table():
    """g' of the usual activations, written with the output s (ReLU: with a)."""
    import sympy as sp

    from solver.maths.activations import derivative_from_output

    a, _, s, _ = _symbols()
    lines = tuple(sp.Eq(sp.Symbol(f"g'_{{{n}}}"), derivative_from_output(n, s)) for n in ("identity", "sigmoid",
                                                                                            "tanh"))
    lines += (sp.Eq(sp.Symbol("g'_{relu}"), sp.diff(_activation("relu", a), a)),)
    return Step(Text("Pour les activations usuelles, $g'$ s'écrit avec la sortie $s_k$ (ReLU : avec $a_k$) :",
                     "For the usual activations, $g'$ is written with the output $s_k$ (ReLU: with $a_k$):"),
                lines)


def _counterexample(answer, claim):
    """A point (a_k, y_k) where the true gradient and 2(a_k − y_k) differ, with both values."""
    a, y, _, _ = _symbols()
    for av, yv in ((1, 0), (-1, 0), (2, 1), (-1, 1)):
        point = {a: av, y: yv}
        true, sheet = answer.xreplace(point), claim.xreplace(point)
        if (true - sheet).evalf(15) != 0:
            return point, true, sheet
    return None


def _remarks(q, answer):
    import sympy as sp

    a, y, _, g = _symbols()
    claim = 2 * (a - y)
    steps = [Step(Text(
        "L'énoncé parle de la « norme » de $s - y$ mais le facteur 2 attendu suppose le carré de la norme : "
        "on prend $C_Q = \\sum_k (s_k - y_k)^2$. Il écrit aussi $y \\in \\{0, \\dots, K\\}$, soit $K + 1$ "
        "valeurs pour $K$ classes : il faut lire $y \\in \\{1, \\dots, K\\}$. Enfin, il note $\\delta$ la "
        "dérivée partielle $\\partial$, et $C_Q(w)$ puis $C_Q(W)$ le même coût.",
        "The sheet speaks of the \"norm\" of $s - y$ but the expected factor 2 needs the squared norm: we take "
        "$C_Q = \\sum_k (s_k - y_k)^2$. It also writes $y \\in \\{0, \\dots, K\\}$, i.e. $K + 1$ values for "
        "$K$ classes: read $y \\in \\{1, \\dots, K\\}$. Finally, it writes $\\delta$ for the partial "
        "derivative $\\partial$, and $C_Q(w)$ then $C_Q(W)$ for the same loss."), kind="remark")]
    if q["g"] == GENERAL:
        steps.append(Step(Text(
            "L'énoncé affirme $\\partial C_Q/\\partial a = 2(a - y)$ pour ReLU, sigmoïde ou tanh : c'est faux en "
            "général. Il faudrait $g(a_k) = a_k$ et $g'(a_k) = 1$, ce qui n'est vrai que pour une sortie "
            "linéaire (identité), et pour ReLU seulement là où $a_k > 0$ (pour $a_k < 0$ le gradient est nul). "
            "Pour la sigmoïde, $s_k \\neq a_k$ et $g' \\le 1/4$ ; pour tanh, $g' = 1 - s_k^2 < 1$ dès que "
            "$a_k \\neq 0$ : la formule est fausse (pour tanh, ce n'est qu'une approximation près de 0).",
            "The sheet claims $\\partial C_Q/\\partial a = 2(a - y)$ for ReLU, sigmoid or tanh: this is wrong in "
            "general. It needs $g(a_k) = a_k$ and $g'(a_k) = 1$, which holds only for a linear (identity) "
            "output, and for ReLU only where $a_k > 0$ (for $a_k < 0$ the gradient is zero). For the sigmoid, "
            "$s_k \\neq a_k$ and $g' \\le 1/4$; for tanh, $g' = 1 - s_k^2 < 1$ as soon as $a_k \\neq 0$: the "
            "formula is wrong (for tanh it is only an approximation near 0)."),
            sp.Ne(sp.diff((g(a) - y) ** 2, a), claim), kind="remark"))
        return steps
    found = _counterexample(answer, claim)
    if found is None:
        steps.append(Step(Text(
            "Pour une sortie linéaire, on retrouve bien la formule $2(a_k - y_k)$ de l'énoncé.",
            "For a linear output, we do get the sheet's formula $2(a_k - y_k)$."), kind="remark"))
        return steps
    point, true, sheet = found
    where = (Text(" Elle n'est juste que pour $a_k > 0$.", " It is right only for $a_k > 0$.")
             if q["g"] == "relu" else Text("", ""))
    steps.append(Step(Text(
        "La formule $2(a_k - y_k)$ de l'énoncé est fausse pour cette activation : au point ci-dessous, "
        "le vrai gradient et la formule diffèrent.",
        "The sheet's formula $2(a_k - y_k)$ is wrong for this activation: at the point below, the true "
        "gradient and the formula differ.") + where,
        (*(sp.Eq(k, v) for k, v in point.items()),
         sp.Eq(sp.Derivative(sp.Symbol("C_Q"), a), sp.N(true, 6)), sp.Eq(claim, sheet)),
        kind="remark"))
    return steps


def check(q, sol, checks) -> None:
    """Compare with torch autograd of Σ (g(a) − y)², for each activation (all four when g is general)."""
    import sympy as sp
    import torch

    from solver.maths.activations import ACTIVATIONS

    a, y, _, g = _symbols()
    x = sp.Symbol("x")
    torch_g = {"identity": lambda t: t, "relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}
    names = ACTIVATIONS if q["g"] == GENERAL else (q["g"],)
    gen = torch.Generator().manual_seed(1000 + (q.seed or 0))
    K = 5
    for name in names:
        formula = sol.answers["dC_da"]
        if q["g"] == GENERAL:
            formula = formula.subs(g, sp.Lambda(x, _activation(name, x))).doit()
        logits = (2 * torch.randn(K, generator=gen, dtype=torch.float64)).requires_grad_()
        one_hot = torch.zeros(K, dtype=torch.float64)
        one_hot[int(torch.randint(K, (1,), generator=gen))] = 1
        soft = torch.rand(K, generator=gen, dtype=torch.float64)
        for label, target in (("one-hot", one_hot), ("any y", soft)):
            loss = ((torch_g[name](logits) - target) ** 2).sum()
            (want,) = torch.autograd.grad(loss, logits)
            got = [float(formula.xreplace({a: sp.Float(float(u)), y: sp.Float(float(v))}))
                   for u, v in zip(logits.detach(), target)]
            checks.close(f"{name}, {label}: dC/da vs autograd", got, want)
            _check_sheet_claim(checks, name, label, logits.detach(), target, want)


def _check_sheet_claim(checks, name, label, logits, target, grad) -> None:
    """The remark: 2(a − y) is right for the identity, for ReLU where a > 0, and wrong for sigmoid/tanh."""
    import torch

    claim = 2 * (logits - target)
    if name == "identity":
        checks.close(f"{name}, {label}: sheet's 2(a-y) holds", claim, grad)
    elif name == "relu":
        positive = logits > 0
        checks.close(f"{name}, {label}: sheet's 2(a-y) holds where a > 0", claim[positive], grad[positive])
        checks.true(f"{name}, {label}: sheet's 2(a-y) fails where a < 0",
                    bool(torch.all((claim[~positive] - grad[~positive]).abs() > 1e-9)))
    else:
        checks.true(f"{name}, {label}: sheet's 2(a-y) fails", not torch.allclose(claim, grad))


def _wrong_missing_derivative(q):
    import sympy as sp

    if q["g"] == "identity":
        return None
    a, y, _, g = _symbols()
    ga = g(a) if q["g"] == GENERAL else _activation(q["g"], a)
    return sp.piecewise_fold(2 * (ga - y))


def _wrong_linear(q):
    if q["g"] == "identity":
        return None
    a, y, _, _ = _symbols()
    return 2 * (a - y)


def _draw_activation(rng):
    return rng.choice(CHOICES)


EXERCISES = (Exercise(
    id="td2.I.1",
    sheet="td2",
    aliases=("quadratic-loss-gradient",),
    title=Text("Gradient de l'erreur quadratique par rapport aux préactivations",
               "Gradient of the quadratic loss with respect to the pre-activations"),
    statement=statement,
    params=(Param("g", "choice", GENERAL,
                  Text("activation de sortie (g : générale)", "output activation (g: general)"),
                  draw=_draw_activation, choices=CHOICES),),
    parts=(Part("dC_da", "expr", Text("$\\partial C_Q / \\partial a_k$ (composante $k$)",
                                      "$\\partial C_Q / \\partial a_k$ (component $k$)"),
                domain={"a_k": "real", "y_k": "probability"}, given=lambda q: {"s_k": _output(q)}),),
    solve=solve,
    check=check,
    diagnoses=(
        Diagnosis("linear-output-assumed", "dC_da", _wrong_linear,
                  Text("$2(a_k - y_k)$ suppose $g(a) = a$ : avec une activation non linéaire il faut "
                       "$2(g(a_k) - y_k)\\,g'(a_k)$.",
                       "$2(a_k - y_k)$ assumes $g(a) = a$: with a non-linear activation it is "
                       "$2(g(a_k) - y_k)\\,g'(a_k)$.")),
        Diagnosis("missing-activation-derivative", "dC_da", _wrong_missing_derivative,
                  Text("Il manque le facteur $g'(a_k)$ de la dérivation en chaîne : $s_k = g(a_k)$.",
                       "The chain-rule factor $g'(a_k)$ is missing: $s_k = g(a_k)$.")),
        mistake("sign-error", "dC_da", lambda q: -gradient(q),
                  Text("Erreur de signe : la dérivée de $(s_k - y_k)^2$ par rapport à $s_k$ est "
                       "$2(s_k - y_k)$.",
                       "Sign error: the derivative of $(s_k - y_k)^2$ with respect to $s_k$ is $2(s_k - y_k)$.")),
        Diagnosis("missing-factor-two", "dC_da", lambda q: gradient(q) / 2,
                  Text("Il manque le facteur 2 de la dérivée du carré (il disparaît seulement avec un coût "
                       "$\\frac12 \\sum_k (s_k - y_k)^2$).",
                       "The factor 2 of the derivative of the square is missing (it only goes away with a "
                       "loss $\\frac12 \\sum_k (s_k - y_k)^2$).")),
    ),
),)
