"""devoir.3.1, 3.3–3.6 — Newton's step and Hessian-vector products (finite differences, R-operator).

Notation shared by the answers: `w` the current point $w^{(t)}$, `v` a direction, `r` a small scalar,
`H` the Hessian $\\nabla^2 f(w)$, `g` the gradient (a value in 3.1, the function $g = \\nabla f$ from 3.3 on).
Vectors are written as scalars in the answers (SymPy symbols commute), so $H^{-1} g$ reads `g/H`; the
derivations show the matrix form with SymPy matrix symbols.
"""

from __future__ import annotations

from solver.core.exercise import Diagnosis, Exercise, ModelAnswer, Part, Solution, Step
from solver.core.text import Text
from solver.derive.mistakes import mistakes_of
from solver.sheets.figures import Figure


def _scalars():
    import sympy as sp

    return {n: sp.Symbol(n, real=True) for n in ("w", "v", "r", "g")} | {"H": sp.Symbol("H", positive=True)}


def _grad_function():
    """g = ∇f as an undefined SymPy function."""
    import sympy as sp

    return sp.Function("g")


def _taylor_in_r(expr, order):
    """Σ_{k<order} (∂^k expr/∂r^k at r = 0) r^k / k!, plus O(r^order): a Taylor expansion in r.

    Derivatives of an undefined function are written at the point (g'(w), not a substitution).

    >>> import sympy as sp
    >>> r = _scalars()["r"]
    >>> _taylor_in_r(sp.cos(r), 3)
    1 - r**2/2 + O(r**3)
    """
    import sympy as sp

    r = _scalars()["r"]
    terms = [sp.diff(expr, r, k).subs(r, 0).doit() / sp.factorial(k) * r ** k for k in range(order)]
    return sp.Add(*terms) + sp.Order(r ** order, (r, 0))


def _seed(q, base):
    return base if q.seed is None else base + 1000 * (q.seed + 1)


def _smooth_problem(n, gen):
    """A random smooth non-quadratic f: ℝⁿ → ℝ (torch, float64), with data drawn from `gen`."""
    import torch

    A = torch.randn(2 * n, n, generator=gen, dtype=torch.float64)
    b = torch.randn(2 * n, generator=gen, dtype=torch.float64)

    def f(w):
        return torch.nn.functional.softplus(A @ w + b).sum() + 0.05 * (w ** 4).sum() + 0.5 * (w * w).sum()
    return f


# ---------------------------------------------------------------------------------------------
# devoir.3.1 — Newton's step: the minimiser of the quadratic model
# ---------------------------------------------------------------------------------------------


def newton_statement(q) -> Text:
    return Text(
        "Soit $f$ à minimiser et $H$ sa hessienne en $w^{(t)}$, supposée définie positive. Trouver le "
        "minimiseur $w^{(t+1)}$ du modèle quadratique $f(w^{(t)}) + (w - w^{(t)})^\\top \\nabla f(w^{(t)}) "
        "+ (w - w^{(t)})^\\top H (w - w^{(t)})/2$. Qu'en déduire sur le « taux "
        "d'apprentissage » ?",
        "Let $f$ be minimised and $H$ its Hessian at $w^{(t)}$, assumed positive definite. Find the minimiser "
        "$w^{(t+1)}$ of the quadratic model $f(w^{(t)}) + (w - w^{(t)})^\\top \\nabla f(w^{(t)}) + "
        "(w - w^{(t)})^\\top H (w - w^{(t)})/2$. What does it say about the \"learning rate\"?")


def newton_solve(q) -> Solution:
    import sympy as sp

    from solver.derive.chain import Chain

    n = sp.Symbol("n", integer=True, positive=True)
    U, W = sp.MatrixSymbol("u", n, 1), sp.MatrixSymbol("w", n, 1)
    G, H = sp.MatrixSymbol("g", n, 1), sp.MatrixSymbol("H", n, n)
    model = (U - W).T * G + sp.Rational(1, 2) * (U - W).T * H * (U - W)
    grad = sp.expand(model.diff(U).xreplace({H.T: H}))
    newton = W - H.I * G
    residual = sp.expand(grad.xreplace({U: newton})).doit()
    if residual != sp.ZeroMatrix(n, 1):
        raise RuntimeError("devoir.3.1: the Newton point does not zero the model's gradient")
    s = _scalars()
    u = sp.Symbol("u", real=True)
    scalar_model = (u - s["w"]) * s["g"] + s["H"] * (u - s["w"]) ** 2 / 2
    w_next = sp.solve(sp.Eq(sp.diff(scalar_model, u), 0), u)[0]
    grad_m, w_new = _written("∇m(u)", "\\nabla m(u)"), _written("w^(t+1)", "w^{(t+1)}")
    steps = [
        Step(Text("On note $u$ la variable, $w = w^{(t)}$ et $g = \\nabla f(w^{(t)})$ ; la constante "
                  "$f(w^{(t)})$ ne change pas le minimiseur : on minimise "
                  "$m(u) = (u - w)^\\top g + (u - w)^\\top H (u - w)/2$.",
                  "Write $u$ for the variable, $w = w^{(t)}$ and $g = \\nabla f(w^{(t)})$; the constant "
                  "$f(w^{(t)})$ does not move the minimiser: we minimise "
                  "$m(u) = (u - w)^\\top g + (u - w)^\\top H (u - w)/2$.")),
        Step(Text("Gradient du modèle : $g$ pour le terme linéaire, $(H + H^\\top)(u - w)/2 = H(u - w)$ pour "
                  "le terme quadratique, car la hessienne est symétrique.",
                  "Gradient of the model: $g$ from the linear term, $(H + H^\\top)(u - w)/2 = H(u - w)$ from "
                  "the quadratic term, since the Hessian is symmetric."),
             Chain(grad_m, grad)),
        Step(Text("$H$ est définie positive : le modèle est strictement convexe, son unique minimiseur annule le "
                  "gradient. $H$ est inversible, donc $H(u - w) = -g$ donne $u = w - H^{-1} g$ ; on vérifie "
                  "que le gradient y est nul.",
                  "$H$ is positive definite: the model is strictly convex, its unique minimiser zeroes the "
                  "gradient. $H$ is invertible, so $H(u - w) = -g$ gives $u = w - H^{-1} g$; the gradient "
                  "indeed vanishes there."),
             (Chain(w_new, newton), Chain(_written("∇m(w^(t+1))", "\\nabla m(w^{(t+1)})"), residual))),
        Step(Text("Réponse en notation scalaire (une dimension, ou chaque direction propre de $H$) : le même "
                  "calcul donne $w - g/H$, où $g/H$ se lit $H^{-1} g$.",
                  "Answer in scalar notation (one dimension, or each eigendirection of $H$): the same "
                  "computation gives $w - g/H$, where $g/H$ stands for $H^{-1} g$."),
             Chain(w_new, w_next), kind="result"),
        Step(Text("La source écrit l'élément de la hessienne $\\frac{\\partial^2}{\\partial w_i w_j} f$ : il "
                  "manque un $\\partial$, c'est $\\partial^2 f / \\partial w_i \\partial w_j$ en $w^{(t)}$.",
                  "The source writes the Hessian entry as $\\frac{\\partial^2}{\\partial w_i w_j} f$: a "
                  "$\\partial$ is missing, it is $\\partial^2 f / \\partial w_i \\partial w_j$ at $w^{(t)}$."),
             kind="remark"),
        Step(Text("Taux d'apprentissage : la descente de gradient fait $w - \\eta g$ avec un seul $\\eta$ pour "
                  "toutes les directions ; Newton remplace $\\eta$ par la matrice $H^{-1}$ : un pas $1/\\lambda_i$ "
                  "dans chaque direction propre (petit là où la courbure $\\lambda_i$ est forte, grand là où "
                  "elle est faible). En dimension 1, c'est un taux $\\eta = 1/f''(w)$ choisi par la courbure.",
                  "Learning rate: gradient descent does $w - \\eta g$ with a single $\\eta$ for every direction; "
                  "Newton replaces $\\eta$ by the matrix $H^{-1}$: a step $1/\\lambda_i$ along each "
                  "eigendirection (small where the curvature $\\lambda_i$ is large, large where it is small). "
                  "In one dimension it is a rate $\\eta = 1/f''(w)$ set by the curvature."), kind="result"),
        Step(Text("La source écrit la descente de gradient sans taux d'apprentissage, $w - \\nabla f(w)$, "
                  "c'est-à-dire avec $\\eta = 1$.",
                  "The source writes gradient descent without a learning rate, $w - \\nabla f(w)$, i.e. with "
                  "$\\eta = 1$."), kind="remark"),
    ]
    return Solution(q, tuple(steps), {"w_next": w_next})


def _written(text, tex):
    """A name printed as `tex` in LaTeX and `text` elsewhere (e.g. ∇m(u), w^(t+1))."""
    from solver.core.written import Written

    return Written(text, tex)


def _apply_scalar_rule(expr, w, g, H):
    """Evaluate a scalar update rule (symbols w, g, H) as a matrix function: per eigendirection of H."""
    import sympy as sp
    import torch

    s = _scalars()
    rule = sp.lambdify((s["w"], s["g"], s["H"]), expr, "math")
    lam, Q = torch.linalg.eigh(H)
    wt, gt = Q.T @ w, Q.T @ g
    out = torch.tensor([rule(float(a), float(b), float(c)) for a, b, c in zip(wt, gt, lam)], dtype=torch.float64)
    return Q @ out


def newton_check(q, sol, checks) -> None:
    """torch: one step reaches a quadratic's minimiser; on a smooth f it minimises the quadratic model."""
    import torch
    from torch.autograd.functional import hessian

    gen = torch.Generator().manual_seed(_seed(q, 31))
    n = 5
    M = torch.randn(n, n, generator=gen, dtype=torch.float64)
    A = M @ M.T + n * torch.eye(n, dtype=torch.float64)
    b = torch.randn(n, generator=gen, dtype=torch.float64)

    def quad(w):
        return 0.5 * w @ A @ w - b @ w

    w0 = torch.randn(n, generator=gen, dtype=torch.float64)
    g0 = torch.func.grad(quad)(w0)
    step = _apply_scalar_rule(sol.answers["w_next"], w0, g0, hessian(quad, w0))
    checks.close("one Newton step = minimiser of a quadratic", step, torch.linalg.solve(A, b))
    f = _smooth_problem(n, gen)
    w0 = torch.randn(n, generator=gen, dtype=torch.float64)
    g0, H0 = torch.func.grad(f)(w0), hessian(f, w0)
    step = _apply_scalar_rule(sol.answers["w_next"], w0, g0, H0)
    checks.close("step = argmin of the quadratic model (linalg.solve)", step, w0 - torch.linalg.solve(H0, g0))
    model_grad = g0 + H0 @ (step - w0)
    checks.close("model gradient vanishes at the step", model_grad, torch.zeros(n, dtype=torch.float64),
                 atol=1e-10)
    checks.true("Newton step decreases f", float(f(step)) < float(f(w0)))


def _newton_wrong(kind):
    def wrong(q):
        s = _scalars()
        w, g, H = s["w"], s["g"], s["H"]
        return {"sign-error": w + g / H, "missing-inverse": w - H * g, "gradient-descent-step": w - g}[kind]
    return wrong


NEWTON = Exercise(
    id="devoir.3.1",
    sheet="devoir",
    aliases=("newton-step",),
    title=Text("Pas de Newton : minimiser le modèle quadratique", "Newton's step: minimising the quadratic model"),
    statement=newton_statement,
    parts=(Part("w_next", "expr",
                Text("$w^{(t+1)}$ avec `w` ($= w^{(t)}$), `g` ($= \\nabla f(w^{(t)})$) et `H` ; écrire $H^{-1} g$ "
                     "comme `H^-1*g` ou `g/H`",
                     "$w^{(t+1)}$ with `w` ($= w^{(t)}$), `g` ($= \\nabla f(w^{(t)})$) and `H`; write $H^{-1} g$ "
                     "as `H^-1*g` or `g/H`"),
                domain={"w": "real", "g": "real", "H": "positive"}),),
    solve=newton_solve,
    check=newton_check,
    diagnoses=mistakes_of("w_next", _newton_wrong, {
        "sign-error": Text("On descend : le pas est $-H^{-1} g$.", "We descend: the step is $-H^{-1} g$."),
        "missing-inverse": Text("Le gradient du modèle $g + H(u - w) = 0$ donne $u - w = -H^{-1} g$ : on inverse $H$.",
                                "The model's gradient $g + H(u - w) = 0$ gives $u - w = -H^{-1} g$: $H$ is "
                                "inverted."),
        "gradient-descent-step": Text("C'est la descente de gradient ; le terme quadratique ajoute $H^{-1}$.",
                                      "That is gradient descent; the quadratic term brings in $H^{-1}$."),
    }),
)

# ---------------------------------------------------------------------------------------------
# devoir.3.3 — Hessian-vector product by a finite difference of gradients
# ---------------------------------------------------------------------------------------------


def _finite_difference():
    """Solve g(w + r v) ≈ g(w) + r·(Hv) for the vector Hv."""
    import sympy as sp

    s, g = _scalars(), _grad_function()
    w, v, r = s["w"], s["v"], s["r"]
    hv = sp.Symbol("Hv")
    taylor = sp.Eq(g(w + r * v), g(w) + r * hv)
    return taylor, sp.solve(taylor, hv)[0]


def fd_statement(q) -> Text:
    return Text(
        "Soit $g = \\nabla f$. Au premier ordre, $g(w + \\Delta w) \\approx g(w) + H \\Delta w$. En prenant "
        "$\\Delta w = r v$ avec $r$ petit, donner une estimation du produit $H v$.",
        "Let $g = \\nabla f$. To first order, $g(w + \\Delta w) \\approx g(w) + H \\Delta w$. Taking "
        "$\\Delta w = r v$ with a small $r$, give an estimate of the product $H v$.")


def fd_solve(q) -> Solution:
    import sympy as sp

    taylor, hv = _finite_difference()
    steps = [
        Step(Text("Avec $\\Delta w = r v$, $H \\Delta w = r\\,(H v)$ : le produit cherché apparaît tel quel.",
                  "With $\\Delta w = r v$, $H \\Delta w = r\\,(H v)$: the product we want appears as such."),
             taylor),
        Step(Text("On isole $H v$ (division par $r \\neq 0$) : deux évaluations du gradient suffisent, sans "
                  "jamais former $H$.",
                  "Isolate $H v$ (divide by $r \\neq 0$): two gradient evaluations suffice, without ever "
                  "forming $H$."),
             sp.Eq(sp.Symbol("Hv"), hv), kind="result"),
        Step(Text("La différence centrée $(g(w + r v) - g(w - r v))/(2r)$ est plus précise (erreur en $r^2$) "
                  "pour le prix d'un gradient de plus.",
                  "The central difference $(g(w + r v) - g(w - r v))/(2r)$ is more accurate (error in $r^2$) "
                  "for one more gradient."), kind="remark"),
    ]
    return Solution(q, tuple(steps), {"Hv": hv})


def _torch_grad_and_hvp(q, base):
    """A random smooth f on ℝ⁶, a point, a direction, its gradient function and the exact H v."""
    import torch

    gen = torch.Generator().manual_seed(_seed(q, base))
    n = 6
    f = _smooth_problem(n, gen)
    w = torch.randn(n, generator=gen, dtype=torch.float64)
    v = torch.randn(n, generator=gen, dtype=torch.float64)
    exact = torch.autograd.functional.hvp(f, w, v)[1]
    return torch.func.grad(f), w, v, exact


def _fd_numeric(expr, grad):
    """The answer as a function of (w, v, r) on tensors, with g mapped to torch's gradient."""
    import sympy as sp

    s = _scalars()
    return sp.lambdify((s["w"], s["v"], s["r"]), expr, modules=[{"g": grad}])


def fd_check(q, sol, checks) -> None:
    """torch: the estimate approaches autograd's exact H v, with an error that shrinks with r."""
    grad, w, v, exact = _torch_grad_and_hvp(q, 47)
    estimate = _fd_numeric(sol.answers["Hv"], grad)
    checks.close("estimate at r=1e-6 vs autograd hvp", estimate(w, v, 1e-6), exact, rtol=1e-4, atol=1e-6)
    errors = [float((estimate(w, v, r) - exact).norm()) for r in (1e-1, 1e-2, 1e-3)]
    checks.true("error shrinks with r", errors[0] > errors[1] > errors[2], f"errors {errors}")


def _fd_wrong(kind):
    def wrong(q):
        s, g = _scalars(), _grad_function()
        w, v, r = s["w"], s["v"], s["r"]
        return {"missing-division": g(w + r * v) - g(w), "sign-error": (g(w) - g(w + r * v)) / r,
                "missing-direction": (g(w + r) - g(w)) / r}[kind]
    return wrong


FD = Exercise(
    id="devoir.3.3",
    sheet="devoir",
    aliases=("hvp-finite-difference",),
    title=Text("Produit hessienne-vecteur par différence finie", "Hessian-vector product by finite difference"),
    statement=fd_statement,
    parts=(Part("Hv", "expr", Text("estimation de $Hv$ avec la fonction gradient `g`, `w`, `v`, `r`",
                                   "estimate of $Hv$ with the gradient function `g`, `w`, `v`, `r`"),
                domain={"w": "real", "v": "real", "r": "positive"}),),
    solve=fd_solve,
    check=fd_check,
    diagnoses=mistakes_of("Hv", _fd_wrong, {
        "missing-division": Text("$g(w + r v) - g(w) \\approx r H v$ : il faut diviser par $r$.",
                                 "$g(w + r v) - g(w) \\approx r H v$: divide by $r$."),
        "sign-error": Text("L'ordre de la différence est inversé.", "The difference is taken the wrong way round."),
        "missing-direction": Text("Le déplacement est $r v$, dans la direction $v$.",
                                  "The displacement is $r v$, along $v$."),
    }),
)

# ---------------------------------------------------------------------------------------------
# devoir.3.4 — order of the finite-difference error
# ---------------------------------------------------------------------------------------------


def order_statement(q) -> Text:
    return Text(
        "En réalité $g(w + \\Delta w) = g(w) + H \\Delta w + O(|\\Delta w|^2)$. Quelle est l'erreur de "
        "l'estimation précédente de $H v$ (avec $\\Delta w = r v$) ? Répondre avec la notation $O(\\cdot)$ en $r$.",
        "Actually $g(w + \\Delta w) = g(w) + H \\Delta w + O(|\\Delta w|^2)$. What is the error of the "
        "previous estimate of $H v$ (with $\\Delta w = r v$)? Answer with the $O(\\cdot)$ notation in $r$.")


def order_solve(q) -> Solution:
    import sympy as sp

    from solver.derive.chain import Chain

    s, g = _scalars(), _grad_function()
    w, v, r = s["w"], s["v"], s["r"]
    _, estimate = _finite_difference()
    exact = sp.diff(g(w + r * v), r).subs(r, 0).doit()
    expansion = sp.expand((_taylor_in_r(g(w + r * v), 3) - g(w)) / r)
    error = sp.expand(expansion.removeO() - exact)
    order = sp.Order(error, (r, 0))
    steps = [
        Step(Text("Le reste, d'ordre $|r v|^2 = r^2 |v|^2$, est divisé par $r$ : il reste un terme d'ordre "
                  "$r |v|^2$, soit $O(r)$ à $v$ fixé.",
                  "The remainder, of order $|r v|^2 = r^2 |v|^2$, is divided by $r$: what is left is of order "
                  "$r |v|^2$, i.e. $O(r)$ for a fixed $v$.")),
        Step(Text("Vérification en une dimension ($H = g'$) : on développe l'estimation en $r$.",
                  "Check in one dimension ($H = g'$): expand the estimate in $r$."), Chain(estimate, expansion)),
        Step(Text("L'erreur est le terme en $r$ (celui de la dérivée seconde de $g$) : elle est d'ordre 1 en $r$.",
                  "The error is the term in $r$ (the one with the second derivative of $g$): it is of order 1 "
                  "in $r$."), Chain(sp.Symbol("error"), error, order), kind="result"),
        Step(Text("En arithmétique flottante s'ajoute une erreur d'arrondi de l'ordre de $\\varepsilon/r$ "
                  "($\\varepsilon \\approx 10^{-16}$) : elle domine quand $r$ est trop petit, d'où la question "
                  "suivante.",
                  "In floating point a rounding error of order $\\varepsilon/r$ ($\\varepsilon \\approx 10^{-16}$) "
                  "adds up: it dominates when $r$ is too small, hence the next question."), kind="remark"),
    ]
    return Solution(q, tuple(steps), {"error": order})


def order_check(q, sol, checks) -> None:
    """torch float64: slope of log(error) against log(r) equals the answer's order; rounding at tiny r."""
    import sympy as sp
    import torch

    grad, w, v, exact = _torch_grad_and_hvp(q, 53)
    s = _scalars()
    estimate = _fd_numeric(_finite_difference()[1], grad)
    rs = torch.logspace(-5, -2, 7, dtype=torch.float64)
    errors = torch.stack([(estimate(w, v, float(r)) - exact).norm() for r in rs])
    x, y = rs.log(), errors.log()
    slope = float(((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean()) ** 2).sum())
    degree = sp.degree(sol.answers["error"].expr, s["r"])
    checks.close("slope of log error vs log r", slope, float(degree), rtol=0, atol=0.05)
    tiny = float((estimate(w, v, 1e-13) - exact).norm())
    checks.true("rounding dominates at r = 1e-13", tiny > float(errors[0]), f"error {tiny:.3g}")


def _order_wrong(power):
    def wrong(q):
        import sympy as sp
        return sp.Order(_scalars()["r"] ** power, (_scalars()["r"], 0))
    return wrong


def _plot_finite_difference_error(ax, q, sol, lang):
    import numpy as np

    rng = np.random.default_rng(0)
    A = rng.normal(size=(4, 4))
    w, v = rng.normal(size=4), rng.normal(size=4)

    def grad(x):  # gradient of f(x) = sum(sin(A x)) + |x|^4 / 4
        return A.T @ np.cos(A @ x) + np.dot(x, x) * x

    def hess_v(x):
        return A.T @ (-np.sin(A @ x) * (A @ v)) + np.dot(x, x) * v + 2 * np.dot(x, v) * x

    r = np.logspace(-9, 0, 60)
    err = [np.linalg.norm((grad(w + t * v) - grad(w)) / t - hess_v(w)) for t in r]
    ax.loglog(r, err, ".-", label="‖(g(w + r v) − g(w))/r − Hv‖")
    ax.loglog(r, r * err[-15] / r[-15], "k--", lw=1, label="∝ r")
    ax.set_xlabel("r")
    ax.legend(fontsize=8)


ORDER_FIGURE = Figure(Text("Erreur de l'estimation par différence finie en fonction de $r$ : pente 1, "
                           "puis les erreurs d'arrondi dominent pour $r$ petit.",
                           "Error of the finite-difference estimate against $r$: slope 1, then rounding "
                           "errors dominate for small $r$."), _plot_finite_difference_error)


ORDER = Exercise(
    id="devoir.3.4",
    sheet="devoir",
    figure=ORDER_FIGURE,
    title=Text("Erreur de l'estimation par différence finie", "Error of the finite-difference estimate"),
    statement=order_statement,
    parts=(Part("error", "expr", Text("ordre de l'erreur, par exemple `O(r^2)`", "order of the error, e.g. `O(r^2)`"),
                domain={"r": "positive"}),),
    solve=order_solve,
    check=order_check,
    diagnoses=(
        Diagnosis("not-divided-by-r", "error", _order_wrong(2),
                  Text("$O(r^2)$ est l'erreur sur $g(w + r v)$ ; l'estimation la divise par $r$.",
                       "$O(r^2)$ is the error on $g(w + r v)$; the estimate divides it by $r$.")),
        Diagnosis("constant-error", "error", _order_wrong(0),
                  Text("L'erreur tend vers 0 avec $r$ : elle est $O(r)$, pas $O(1)$.",
                       "The error goes to 0 with $r$: it is $O(r)$, not $O(1)$.")),
    ),
)

# ---------------------------------------------------------------------------------------------
# devoir.3.5 — the R-operator is linear and obeys the product rule
# ---------------------------------------------------------------------------------------------


def rop_statement(q) -> Text:
    return Text(
        "L'opérateur $\\mathcal{R}_v\\{ f(w) \\} = \\frac{\\partial}{\\partial r} f(w + r v)|_{r=0}$ donne "
        "une dérivée exacte au lieu d'une différence finie. Montrer que "
        "$\\mathcal{R}_v\\{ c f(w) \\} = c \\cdot \\mathcal{R}_v\\{ f(w) \\}$ et que "
        "$\\mathcal{R}_v\\{ f(w) g(w) \\} = \\mathcal{R}_v\\{ f(w) \\} g(w) + f(w) \\mathcal{R}_v\\{ g(w) \\}$.",
        "The operator $\\mathcal{R}_v\\{ f(w) \\} = \\frac{\\partial}{\\partial r} f(w + r v)|_{r=0}$ gives an "
        "exact derivative instead of a finite difference. Show that "
        "$\\mathcal{R}_v\\{ c f(w) \\} = c \\cdot \\mathcal{R}_v\\{ f(w) \\}$ and that "
        "$\\mathcal{R}_v\\{ f(w) g(w) \\} = \\mathcal{R}_v\\{ f(w) \\} g(w) + f(w) \\mathcal{R}_v\\{ g(w) \\}$.")


def rop_solve(q) -> Solution:
    import sympy as sp

    from solver.derive.chain import Chain

    r, c = sp.Symbol("r", real=True), sp.Symbol("c", real=True)
    phi, psi = sp.Function("a")(r), sp.Function("b")(r)
    scaled = sp.diff(c * phi, r)
    product = sp.diff(phi * psi, r)
    s = _scalars()
    f = sp.Function("f")
    directional = sp.diff(f(s["w"] + r * s["v"]), r).subs(r, 0).doit()
    steps = [
        Step(Text("On pose $a(r) = f(w + r v)$ et $b(r) = g(w + r v)$ (ici $g$ est une fonction "
                  "quelconque) : $\\mathcal{R}_v\\{ f \\} = a'(0)$, $\\mathcal{R}_v\\{ g \\} = b'(0)$, et "
                  "$a(0) = f(w)$, $b(0) = g(w)$. $\\mathcal{R}_v$ est une dérivée ordinaire en $r$.",
                  "Let $a(r) = f(w + r v)$ and $b(r) = g(w + r v)$ (here $g$ is any function): "
                  "$\\mathcal{R}_v\\{ f \\} = a'(0)$, $\\mathcal{R}_v\\{ g \\} = b'(0)$, and "
                  "$a(0) = f(w)$, $b(0) = g(w)$. $\\mathcal{R}_v$ is an ordinary derivative in $r$.")),
        Step(Text("Linéarité : $c$ ne dépend pas de $r$, il sort de la dérivée ; en $r = 0$ on obtient "
                  "$c \\cdot \\mathcal{R}_v\\{ f \\}$.",
                  "Linearity: $c$ does not depend on $r$, it leaves the derivative; at $r = 0$ this is "
                  "$c \\cdot \\mathcal{R}_v\\{ f \\}$."), Chain(sp.Derivative(c * phi, r), scaled)),
        Step(Text("Produit : règle de Leibniz pour la dérivée en $r$, puis $r = 0$ : "
                  "$a'(0)b(0) + a(0)b'(0) = \\mathcal{R}_v\\{ f \\} g(w) + f(w) \\mathcal{R}_v\\{ g \\}$.",
                  "Product: Leibniz's rule for the derivative in $r$, then $r = 0$: "
                  "$a'(0)b(0) + a(0)b'(0) = \\mathcal{R}_v\\{ f \\} g(w) + f(w) \\mathcal{R}_v\\{ g \\}$."),
             Chain(sp.Derivative(phi * psi, r), product), kind="result"),
        Step(Text("Par la règle de la chaîne, $\\mathcal{R}_v\\{ f(w) \\} = \\nabla f(w)^\\top v$, la dérivée "
                  "directionnelle (ici en dimension 1).",
                  "By the chain rule, $\\mathcal{R}_v\\{ f(w) \\} = \\nabla f(w)^\\top v$, the directional derivative "
                  "(here in one dimension)."), Chain(_written("R_v{f(w)}", "\\mathcal{R}_v\\{ f(w) \\}"), directional),
             kind="remark"),
        Step(Text("L'introduction de la source dit que $r v$ perd de la précision quand on l'ajoute « à $vw$ » : "
                  "il faut lire « à $w$ » (le calcul de $w + r v$ arrondit $r v$ quand $r$ est très petit).",
                  "The source's introduction says that $r v$ loses precision when added \"to $vw$\": read \"to "
                  "$w$\" (computing $w + r v$ rounds $r v$ away when $r$ is very small)."), kind="remark"),
    ]
    answer = ModelAnswer(
        Text("Avec $a(r) = f(w + r v)$, $b(r) = g(w + r v)$ : $\\mathcal{R}_v\\{ c f \\} = "
             "\\frac{d}{dr}[c \\cdot a(r)]_{r=0} = c \\cdot a'(0) = c \\cdot \\mathcal{R}_v\\{ f \\}$ car $c$ ne dépend pas de "
             "$r$ ; $\\mathcal{R}_v\\{ f g \\} = \\frac{d}{dr}[ab]_{r=0} = a'(0)b(0) + "
             "a(0)b'(0) = \\mathcal{R}_v\\{ f \\} g(w) + f(w)\\mathcal{R}_v\\{ g \\}$ car $a(0) = f(w)$ "
             "et $b(0) = g(w)$.",
             "With $a(r) = f(w + r v)$, $b(r) = g(w + r v)$: $\\mathcal{R}_v\\{ c f \\} = "
             "\\frac{d}{dr}[c \\cdot a(r)]_{r=0} = c \\cdot a'(0) = c \\cdot \\mathcal{R}_v\\{ f \\}$ since $c$ does not depend "
             "on $r$; $\\mathcal{R}_v\\{ f g \\} = \\frac{d}{dr}[ab]_{r=0} = a'(0)b(0) + "
             "a(0)b'(0) = \\mathcal{R}_v\\{ f \\} g(w) + f(w)\\mathcal{R}_v\\{ g \\}$ since $a(0) = f(w)$ "
             "and $b(0) = g(w)$."),
        rubric=(Text("se ramène à une dérivée d'une fonction d'une variable $r$",
                     "reduces to the derivative of a function of one variable $r$"),
                Text("la constante $c$ sort de la dérivée", "the constant $c$ leaves the derivative"),
                Text("applique la règle du produit en $r$", "applies the product rule in $r$"),
                Text("évalue en $r = 0$ : $a(0) = f(w)$, $b(0) = g(w)$",
                     "evaluates at $r = 0$: $a(0) = f(w)$, $b(0) = g(w)$")))
    return Solution(q, tuple(steps), {"proof": answer})


def rop_check(q, sol, checks) -> None:
    """torch.func.jvp: R_v{c f} = c R_v{f}, the product rule, and R_v{f} = d/dr f(w + r v) by autograd."""
    import torch
    from torch.func import jvp

    gen = torch.Generator().manual_seed(_seed(q, 59))
    n = 5
    f = _smooth_problem(n, gen)
    B = torch.randn(n, n, generator=gen, dtype=torch.float64)

    def g(w):
        return torch.tanh(B @ w).sum() + torch.cos(w).prod()

    w = torch.randn(n, generator=gen, dtype=torch.float64)
    v = torch.randn(n, generator=gen, dtype=torch.float64)
    c = 2.75

    def rop(fn):
        return jvp(fn, (w,), (v,))[1]

    r = torch.zeros((), dtype=torch.float64, requires_grad=True)
    by_definition, = torch.autograd.grad(f(w + r * v), r)
    checks.close("R_v{f} = d/dr f(w + r v) at r = 0", rop(f), by_definition)
    checks.close("R_v{c f} = c R_v{f}", rop(lambda x: c * f(x)), c * rop(f))
    checks.close("R_v{f g} = R_v{f} g + f R_v{g}", rop(lambda x: f(x) * g(x)), rop(f) * g(w) + f(w) * rop(g))
    checks.close("R_v{f} = grad f . v", rop(f), torch.func.grad(f)(w) @ v)


ROP = Exercise(
    id="devoir.3.5",
    sheet="devoir",
    aliases=("r-operator",),
    title=Text("Linéarité et règle du produit de l'opérateur R", "Linearity and product rule of the R-operator"),
    statement=rop_statement,
    parts=(Part("proof", "text", Text("démonstration des deux propriétés", "proof of both properties")),),
    solve=rop_solve,
    check=rop_check,
)

# ---------------------------------------------------------------------------------------------
# devoir.3.6 — the exact Hessian-vector product: R_v{∇f(w)}
# ---------------------------------------------------------------------------------------------


def exact_statement(q) -> Text:
    return Text(
        "Avec l'opérateur $\\mathcal{R}_v$, obtenir une formule exacte du produit hessienne-vecteur $H v$, et "
        "dire comment le calculer sans former $H$.",
        "Using the operator $\\mathcal{R}_v$, derive an exact formula for the Hessian-vector product $H v$, and "
        "say how to compute it without forming $H$.")


def _exact_hv():
    """Hv = R_v{g(w)} with g = ∇f, kept as the unevaluated derivative in r at r = 0."""
    import sympy as sp

    s, g = _scalars(), _grad_function()
    return sp.Subs(sp.Derivative(g(s["w"] + s["r"] * s["v"]), s["r"]), s["r"], 0)


def exact_solve(q) -> Solution:
    import sympy as sp

    from solver.derive.chain import Chain

    s, g = _scalars(), _grad_function()
    w, v, r = s["w"], s["v"], s["r"]
    hv = _exact_hv()
    taylor = _taylor_in_r(g(w + r * v), 2)
    steps = [
        Step(Text("On applique $\\mathcal{R}_v$ au gradient $g = \\nabla f$ : au premier ordre "
                  "$g(w + r v) = g(w) + r H v + O(r^2)$, dont la dérivée en $r = 0$ est exactement $H v$.",
                  "Apply $\\mathcal{R}_v$ to the gradient $g = \\nabla f$: to first order "
                  "$g(w + r v) = g(w) + r H v + O(r^2)$, whose derivative at $r = 0$ is exactly $H v$."),
             Chain(g(w + r * v), taylor)),
        Step(Text("Donc $H v = \\mathcal{R}_v\\{ \\nabla f(w) \\}$ ; en dimension 1 on retrouve $v\\,g'(w) = "
                  "f''(w)\\,v$.",
                  "Hence $H v = \\mathcal{R}_v\\{ \\nabla f(w) \\}$; in one dimension this is $v\\,g'(w) = "
                  "f''(w)\\,v$."),
             Chain(sp.Symbol("Hv"), hv, hv.doit()), kind="result"),
        Step(Text("Pas de $r$ fini, donc ni erreur de troncature ni perte de précision : le résultat est exact "
                  "aux arrondis près.",
                  "No finite $r$, hence neither truncation error nor loss of precision: the result is exact up "
                  "to rounding."), kind="remark"),
    ]
    method = ModelAnswer(
        Text("Méthode de Pearlmutter : on propage $\\mathcal{R}_v$ dans le calcul du gradient (mode direct sur "
             "la rétropropagation, « jvp du gradient »), ou, de façon équivalente, double rétropropagation : "
             "$H v = \\nabla_w(\\nabla f(w)^\\top v)$ avec $v$ constant. Le coût est de l'ordre de deux à "
             "quatre calculs de gradient, la mémoire en $O(n)$, et la matrice $H$ ($n \\times n$) n'est jamais formée.",
             "Pearlmutter's method: propagate $\\mathcal{R}_v$ through the gradient computation (forward mode over "
             "backpropagation, a \"jvp of the gradient\"), or equivalently double backpropagation: "
             "$H v = \\nabla_w(\\nabla f(w)^\\top v)$ with $v$ held constant. It costs a few (two to four) "
             "gradient evaluations, $O(n)$ memory, and the $n \\times n$ matrix $H$ is never formed."),
        rubric=(Text("$H v = \\mathcal{R}_v\\{ \\nabla f(w) \\}$", "$H v = \\mathcal{R}_v\\{ \\nabla f(w) \\}$"),
                Text("calcul par mode direct sur le gradient ou double rétropropagation",
                     "computed by forward mode over the gradient or double backpropagation"),
                Text("coût de l'ordre de quelques gradients, mémoire $O(n)$",
                     "cost of a few gradient evaluations, $O(n)$ memory"),
                Text("exact (pas de pas $r$), sans former $H$", "exact (no step $r$), without forming $H$")))
    return Solution(q, tuple(steps), {"Hv": hv, "method": method})


def _tiny_mlp_loss(gen):
    """The loss of a 3→4→2 tanh MLP on random data, as a function of its flattened parameters."""
    import torch
    from torch import nn

    from solver.core.checks import loss_of_flat_parameters

    net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64))
    X = torch.randn(8, 3, generator=gen, dtype=torch.float64)
    y = torch.randint(0, 2, (8,), generator=gen)
    return loss_of_flat_parameters(net, (X,), lambda out: nn.functional.cross_entropy(out, y))


def exact_check(q, sol, checks) -> None:
    """The answer, made concrete, against sympy's Hessian; on a tiny MLP: definition = hvp = double backward."""
    import sympy as sp
    import torch
    from torch.autograd.functional import hvp

    s, g = _scalars(), _grad_function()
    t = sp.Symbol("t", real=True)
    f = sp.sin(t) * t ** 3 + sp.exp(t / 3)
    concrete = sol.answers["Hv"].replace(g, sp.Lambda(t, sp.diff(f, t))).doit()
    for wv, vv in ((0.7, -1.3), (-2.1, 0.4)):
        want = float((sp.diff(f, t, 2) * vv).subs(t, wv))
        checks.close(f"answer with g = f' equals f''(w) v at w={wv}", float(concrete.subs({s["w"]: wv, s["v"]: vv})),
                     want)
    gen = torch.Generator().manual_seed(_seed(q, 61))
    loss, theta = _tiny_mlp_loss(gen)
    v = torch.randn(theta.shape, generator=gen, dtype=torch.float64)
    grad = torch.func.grad(loss)
    by_definition = torch.func.jacfwd(lambda r: grad(theta + r * v))(torch.zeros((), dtype=torch.float64))
    w = theta.clone().requires_grad_(True)
    gw, = torch.autograd.grad(loss(w), w, create_graph=True)
    double_backward, = torch.autograd.grad(gw @ v, w)
    explicit = torch.func.hessian(loss)(theta) @ v
    checks.close("d/dr grad f(w + r v) at 0 vs explicit H v", by_definition, explicit)
    checks.close("double backward vs explicit H v", double_backward, explicit)
    checks.close("torch.autograd.functional.hvp vs explicit H v", hvp(loss, theta, v)[1], explicit)
    checks.close("forward-over-reverse jvp vs explicit H v", torch.func.jvp(grad, (theta,), (v,))[1], explicit)


def _exact_wrong(kind):
    def wrong(q):
        import sympy as sp

        s, g = _scalars(), _grad_function()
        w, v, r = s["w"], s["v"], s["r"]
        if kind == "operator-on-f":
            return sp.Subs(sp.Derivative(sp.Function("f")(w + r * v), r), r, 0)
        if kind == "not-at-r-zero":
            return sp.Derivative(g(w + r * v), r)
        return _finite_difference()[1]
    return wrong


EXACT = Exercise(
    id="devoir.3.6",
    sheet="devoir",
    aliases=("hvp-exact",),
    title=Text("Produit hessienne-vecteur exact avec l'opérateur R", "Exact Hessian-vector product with the R-operator"),
    statement=exact_statement,
    parts=(Part("Hv", "expr",
                Text("$Hv$ en fonction du gradient `g`, de `w`, `v`, `r` (dérivée en $r$ évaluée en $r = 0$)",
                     "$Hv$ in terms of the gradient `g`, `w`, `v`, `r` (derivative in $r$ taken at $r = 0$)"),
                domain={"w": "real", "v": "real", "r": "real"}),
           Part("method", "text", Text("comment le calculer en pratique", "how to compute it in practice"))),
    solve=exact_solve,
    check=exact_check,
    diagnoses=mistakes_of("Hv", _exact_wrong, {
        "operator-on-f": Text("$\\mathcal{R}_v\\{ f \\} = \\nabla f^\\top v$ est un scalaire ; $H v$ vient de "
                              "$\\mathcal{R}_v\\{ \\nabla f \\}$.",
                              "$\\mathcal{R}_v\\{ f \\} = \\nabla f^\\top v$ is a scalar; $H v$ comes from "
                              "$\\mathcal{R}_v\\{ \\nabla f \\}$."),
        "not-at-r-zero": Text("La dérivée en $r$ se prend en $r = 0$.", "The derivative in $r$ is taken at $r = 0$."),
        "finite-difference": Text("C'est l'estimation approchée de la question 3 ; l'opérateur $\\mathcal{R}$ donne "
                                  "la limite exacte en $r \\to 0$.",
                                  "That is the approximate estimate of question 3; the $\\mathcal{R}$ operator "
                                  "gives the exact limit as $r \\to 0$."),
    }),
)

EXERCISES = (NEWTON, FD, ORDER, ROP, EXACT)
