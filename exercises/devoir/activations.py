"""devoir.1.1–1.4 — activation functions: swish limits, a ReLU construction, softmax shift, stable log-softmax."""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

from solver.core.errors import ParamError
from solver.core.exercise import Diagnosis, Exercise, ModelAnswer, Part, Solution, Step
from solver.core.params import SYMBOLIC, Param
from solver.core.text import Text
from solver.derive.draw import fraction
from solver.derive.mistakes import mistake, mistakes_of
from solver.sheets.figures import Figure, illustrative

# ---------------------------------------------------------------------------------------------
# devoir.1.1 — h(x) = x σ(βx) between the identity and ReLU
# ---------------------------------------------------------------------------------------------


def _swish(x, beta):
    """h(x) = x σ(βx) as a SymPy expression."""
    from solver.maths.activations import sigmoid

    return x * sigmoid(beta * x)


@lru_cache(maxsize=None)
def _sigmoid_limit(direction):
    """lim σ(t) as t → direction (±∞)."""
    import sympy as sp

    from solver.maths.activations import sigmoid

    t = sp.Symbol("t", real=True)
    return sp.limit(sigmoid(t), t, direction)


def _branch_limits(beta_limit):
    """Limits of h when β → beta_limit, for x > 0 and for x < 0 (h(0) = 0 for every β).

    For x > 0, βx tends to the same infinity as β; for x < 0, to the opposite one.
    """
    import sympy as sp

    pos, neg = sp.Symbol("x", positive=True), sp.Symbol("x", negative=True)
    return pos * _sigmoid_limit(beta_limit), neg * _sigmoid_limit(-beta_limit)


def _taylor(expr, x, order):
    """Σ_{k<order} expr^{(k)}(0) x^k / k!, from derivatives (cheaper than a series expansion).

    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> _taylor(sp.exp(x), x, 3)
    x**2/2 + x + 1
    """
    import sympy as sp

    return sp.Add(*(sp.diff(expr, x, k).subs(x, 0) / sp.factorial(k) * x ** k for k in range(order)))


def _piecewise_limit(x, positive, negative):
    """The pointwise limit as one function of a real x, from its limits for x > 0 and x < 0 (at 0, h = 0)."""
    import sympy as sp

    pos = next(iter(positive.free_symbols), None)
    neg = next(iter(negative.free_symbols), None)
    right = positive.xreplace({pos: x}) if pos is not None else positive
    left = negative.xreplace({neg: x}) if neg is not None else negative
    if right == 0:
        return sp.Piecewise((left, x < 0), (0, True))
    return sp.Piecewise((right, x > 0), (0, True))


def swish_statement(q) -> Text:
    return Text(
        "On considère l'activation $h(x) = x\\,\\sigma(\\beta x)$, où $\\sigma(z) = 1/(1 + e^{-z})$ est la "
        "sigmoïde. Montrer qu'en choisissant bien $\\beta$, $h$ approche (a) une activation linéaire, "
        "(b) la ReLU. Donner la limite de $\\beta$ qui donne la ReLU, la valeur de $\\beta$ qui donne une "
        "fonction linéaire et l'expression de $h(x)$ pour cette valeur.",
        "Consider the activation $h(x) = x\\,\\sigma(\\beta x)$, where $\\sigma(z) = 1/(1 + e^{-z})$ is the "
        "sigmoid. Show that with a suitable $\\beta$, $h$ approximates (a) a linear activation, (b) ReLU. "
        "Give the limit of $\\beta$ that yields ReLU, the value of $\\beta$ that yields a linear function "
        "and the expression of $h(x)$ for that value.")


def swish_solve(q) -> Solution:
    import sympy as sp

    from solver.derive.chain import Chain
    from solver.maths.activations import relu

    x, beta = sp.Symbol("x", real=True), sp.Symbol("beta", real=True)
    h = _swish(x, beta)
    pos, neg = sp.Symbol("x", positive=True), sp.Symbol("x", negative=True)
    relu_branches = (relu(pos), relu(neg))
    relu_beta = next(b for b in (sp.oo, -sp.oo) if _branch_limits(b) == relu_branches)
    other = _branch_limits(-relu_beta)
    quad = _taylor(h, x, 4)
    coeff2 = quad.coeff(x, 2)
    linear_beta = sp.solve(sp.Eq(coeff2, 0), beta)[0]
    linear_h = sp.simplify(h.subs(beta, linear_beta))
    lim_pos, lim_neg = _branch_limits(relu_beta)
    limit = _piecewise_limit(x, lim_pos, lim_neg)
    flipped = _piecewise_limit(x, *other)
    steps = [
        Step(Text("Pour $x > 0$, $\\beta x \\to +\\infty$ quand $\\beta \\to +\\infty$, donc "
                  "$\\sigma(\\beta x) \\to 1$ et $h(x) \\to x$.",
                  "For $x > 0$, $\\beta x \\to +\\infty$ as $\\beta \\to +\\infty$, so "
                  "$\\sigma(\\beta x) \\to 1$ and $h(x) \\to x$.")),
        Step(Text("Pour $x < 0$, $\\beta x \\to -\\infty$, donc $\\sigma(\\beta x) \\to 0$ et $h(x) \\to 0$ ; "
                  "et $h(0) = 0$ pour tout $\\beta$. La limite vaut donc $x$ pour $x > 0$ et $0$ pour "
                  "$x \\le 0$ : c'est $\\max(0, x)$, la ReLU.",
                  "For $x < 0$, $\\beta x \\to -\\infty$, so $\\sigma(\\beta x) \\to 0$ and $h(x) \\to 0$; "
                  "and $h(0) = 0$ for every $\\beta$. The limit is therefore $x$ for $x > 0$ and $0$ for "
                  "$x \\le 0$: that is $\\max(0, x)$, ReLU."),
             Chain(sp.Limit(h, beta, relu_beta), limit, relu(x))),
        Step(Text("La ReLU s'obtient donc à la limite $\\beta \\to +\\infty$ (et non pour une valeur finie : "
                  "pour $\\beta$ grand, $h$ s'écarte de la ReLU d'au plus 0,28/$\\beta$ environ).",
                  "ReLU is therefore obtained in the limit $\\beta \\to +\\infty$ (not at a finite value: for "
                  "a large $\\beta$, $h$ differs from ReLU by at most about $0.28/\\beta$)."),
             sp.Eq(sp.Symbol("beta_ReLU"), relu_beta), kind="result"),
        Step(Text("En $\\beta \\to -\\infty$ on obtient au contraire $x$ pour $x < 0$ et $0$ pour $x > 0$, "
                  "soit $\\min(0, x)$ : une ReLU retournée, pas la ReLU.",
                  "As $\\beta \\to -\\infty$ one gets instead $x$ for $x < 0$ and $0$ for $x > 0$, i.e. "
                  "$\\min(0, x)$: a flipped ReLU, not ReLU."),
             Chain(sp.Limit(h, beta, -relu_beta), flipped, sp.Min(0, x))),
        Step(Text("Développons $h$ autour de $0$ : $h$ est linéaire exactement quand les termes d'ordre "
                  "supérieur s'annulent ; le coefficient de $x^2$ est $\\beta/4$.",
                  "Expand $h$ around $0$: $h$ is linear exactly when the higher-order terms vanish; the "
                  "coefficient of $x^2$ is $\\beta/4$."),
             Chain(h, quad + sp.O(x ** 4))),
        Step(Text("Il faut donc $\\beta = 0$ ; alors $\\sigma(0) = 1/2$ pour tout $x$.",
                  "Hence $\\beta = 0$; then $\\sigma(0) = 1/2$ for every $x$."),
             sp.Eq(sp.Symbol("beta_lin"), linear_beta), kind="result"),
        Step(Text("Avec $\\beta = 0$, $h(x) = x/2$ : une fonction linéaire (l'identité à un facteur $1/2$ "
                  "près, que la couche suivante absorbe dans ses poids).",
                  "With $\\beta = 0$, $h(x) = x/2$: a linear function (the identity up to a factor $1/2$, "
                  "which the next layer absorbs in its weights)."),
             Chain(sp.Subs(h, beta, linear_beta), linear_h), kind="result"),
        Step(Text("Pour $|\\beta|$ petit, $h(x) \\approx x/2 + \\beta x^2/4$ : presque linéaire près de $0$. "
                  "Avec $\\beta = 1$ on retrouve SiLU (swish), qui interpole entre les deux régimes.",
                  "For small $|\\beta|$, $h(x) \\approx x/2 + \\beta x^2/4$: nearly linear around $0$. "
                  "With $\\beta = 1$ this is SiLU (swish), which interpolates between the two regimes."),
             kind="remark"),
    ]
    return Solution(q, tuple(steps), {"relu_beta": relu_beta, "linear_beta": linear_beta,
                                      "linear_h": linear_h})


def swish_check(q, sol, checks) -> None:
    """torch: h at a large β of the answer's sign is close to ReLU (gap ~ 0.28/β); h at β = 0 is x/2."""
    import sympy as sp
    import torch
    import torch.nn.functional as F

    xs = torch.linspace(-4, 4, 801, dtype=torch.float64)
    direction = 1.0 if sol.answers["relu_beta"] == sp.oo else -1.0
    gaps = []
    for size in (10.0, 100.0, 1000.0):
        beta = direction * size
        h = xs * torch.sigmoid(beta * xs)
        gaps.append(float((h - torch.relu(xs)).abs().max()))
        checks.true(f"|h - relu| <= 0.28/|beta| at beta={beta:g}", gaps[-1] <= 0.28 / size,
                    f"gap {gaps[-1]:.3g}")
    checks.true("gap shrinks like 1/beta", gaps[2] < gaps[1] < gaps[0])
    x = sp.Symbol("x", real=True)
    beta0 = float(sol.answers["linear_beta"])
    h0 = xs * torch.sigmoid(beta0 * xs)
    want = torch.tensor([float(sol.answers["linear_h"].subs(x, float(v))) for v in xs[::80]],
                        dtype=torch.float64)
    checks.close("h at linear beta vs linear_h", h0[::80], want)
    second = h0[2:] - 2 * h0[1:-1] + h0[:-2]
    checks.close("h at linear beta has zero second differences", second, torch.zeros_like(second), atol=1e-12)
    checks.close("beta = 1 is SiLU", xs * torch.sigmoid(xs), F.silu(xs))


def _h_const(value):
    def wrong(q):
        import sympy as sp
        return sp.sympify(value)
    return wrong


def _x_times(factor):
    def wrong(q):
        import sympy as sp
        return sp.Rational(factor) * sp.Symbol("x", real=True)
    return wrong


def _minus_oo(q):
    import sympy as sp
    return -sp.oo


def _plot_swish(ax, q, sol, lang):
    import numpy as np

    x = np.linspace(-4, 4, 401)
    for beta in (0.0, 1.0, 3.0, 10.0):
        ax.plot(x, x / (1 + np.exp(-beta * x)), label=f"β = {beta:g}")
    ax.plot(x, np.maximum(x, 0), "k--", lw=1, label="ReLU")
    ax.plot(x, x / 2, "k:", lw=1, label="x/2")
    ax.legend(fontsize=8)
    ax.set_xlabel("x")
    ax.set_ylabel("x·σ(βx)")


SWISH_FIGURE = Figure(Text("$x\\,\\sigma(\\beta x)$ pour plusieurs $\\beta$, comparée à ReLU et à $x/2$.",
                           "$x\\,\\sigma(\\beta x)$ for several $\\beta$, against ReLU and $x/2$."), _plot_swish)


SWISH = Exercise(
    id="devoir.1.1",
    sheet="devoir",
    figure=SWISH_FIGURE,
    aliases=("swish-limits",),
    title=Text("Activation x σ(βx) : entre linéaire et ReLU", "Activation x σ(βx): between linear and ReLU"),
    statement=swish_statement,
    parts=(
        Part("relu_beta", "expr", Text("limite de $\\beta$ qui donne la ReLU (écrire `oo` pour $+\\infty$)",
                                       "limit of $\\beta$ giving ReLU (write `oo` for $+\\infty$)")),
        Part("linear_beta", "expr", Text("valeur de $\\beta$ qui rend $h$ linéaire",
                                         "value of $\\beta$ making $h$ linear")),
        Part("linear_h", "expr", Text("$h(x)$ pour cette valeur de $\\beta$", "$h(x)$ for that value of $\\beta$"),
             domain={"x": "real"}),
    ),
    solve=swish_solve,
    check=swish_check,
    diagnoses=(
        mistake("sign-error", "relu_beta", _minus_oo,
                  Text("En $\\beta \\to -\\infty$ on obtient $\\min(0, x)$, pas la ReLU.",
                       "As $\\beta \\to -\\infty$ one gets $\\min(0, x)$, not ReLU.")),
        Diagnosis("swapped-limits", "relu_beta", _h_const(0),
                  Text("$\\beta = 0$ donne $x/2$ (linéaire) ; la ReLU demande $\\beta \\to +\\infty$.",
                       "$\\beta = 0$ gives $x/2$ (linear); ReLU needs $\\beta \\to +\\infty$.")),
        Diagnosis("swapped-limits", "linear_beta", _h_const("oo"),
                  Text("$\\beta \\to +\\infty$ donne la ReLU ; la forme linéaire vient de $\\beta = 0$.",
                       "$\\beta \\to +\\infty$ gives ReLU; the linear form comes from $\\beta = 0$.")),
        Diagnosis("silu-not-linear", "linear_beta", _h_const(1),
                  Text("$\\beta = 1$ donne SiLU, qui n'est pas linéaire (terme en $x^2/4$).",
                       "$\\beta = 1$ gives SiLU, which is not linear (an $x^2/4$ term).")),
        Diagnosis("missing-half", "linear_h", _x_times(1),
                  Text("$\\sigma(0) = 1/2$ : $h(x) = x/2$, pas $x$.", "$\\sigma(0) = 1/2$: $h(x) = x/2$, not $x$.")),
        Diagnosis("sigma-zero-is-zero", "linear_h", _x_times(0),
                  Text("$\\sigma(0) = 1/2$, pas $0$.", "$\\sigma(0) = 1/2$, not $0$.")),
    ),
)

# ---------------------------------------------------------------------------------------------
# devoir.1.2 — building a piecewise-linear activation from ReLUs
# ---------------------------------------------------------------------------------------------

KINK_NAMES = ("a", "b", "alpha", "beta")


def _kink_symbols():
    import sympy as sp

    return {"a": sp.Symbol("a", real=True), "b": sp.Symbol("b", real=True),
            "alpha": sp.Symbol("alpha", real=True), "beta": sp.Symbol("beta", real=True)}


def _kink_values(q):
    """Each parameter as a SymPy value or its symbol."""
    import sympy as sp

    syms = _kink_symbols()
    return {n: syms[n] if q.is_symbolic(n) else sp.nsimplify(q[n]) for n in KINK_NAMES}


def kink_statement(q) -> Text:
    tex = {"a": "a", "b": "b", "alpha": "\\alpha", "beta": "\\beta"}
    values = ", ".join(f"${tex[n]} = {q.show(n)}$" for n in KINK_NAMES if not q.is_symbolic(n))
    here_fr, here_en = (f" (ici {values})", f" (here {values})") if values else ("", "")
    return Text(
        "Soit $h$ continue, linéaire par morceaux, avec $h'(x) = a$ pour $x \\ge \\alpha$, $h'(x) = 0$ "
        "et $h(x) = 0$ pour $\\beta < x < \\alpha$, $h'(x) = -b$ pour $x \\le \\beta$, où $\\beta < \\alpha$"
        f"{here_fr}. Avec les quatre opérations et la ReLU $\\mathrm{{relu}}(x) = \\max(0, x)$ seulement, "
        "écrire $h(x)$. Quelle activation connue ressemble à $h$ ?",
        "Let $h$ be continuous and piecewise linear with $h'(x) = a$ for $x \\ge \\alpha$, $h'(x) = 0$ and "
        "$h(x) = 0$ for $\\beta < x < \\alpha$, $h'(x) = -b$ for $x \\le \\beta$, where $\\beta < \\alpha$"
        f"{here_en}. Using only the four arithmetic operations and ReLU $\\mathrm{{relu}}(x) = \\max(0, x)$, "
        "write $h(x)$. Which well-known activation resembles $h$?")


def kink_solve(q) -> Solution:
    import sympy as sp

    from solver.derive.chain import Chain
    from solver.maths.activations import relu

    v = _kink_values(q)
    a, b, al, be = (v[n] for n in KINK_NAMES)
    x, t = sp.Symbol("x", real=True), sp.Symbol("t", real=True)
    left, middle, right = -b, sp.Integer(0), a
    piece_right = sp.integrate(right, (t, al, x))
    piece_left = -sp.integrate(left, (t, x, be))
    jump_right = right - middle
    jump_left = middle - left
    h = jump_right * relu(x - al) + jump_left * relu(be - x)
    steps = [
        Step(Text("La source est mal mise en forme (« et $h(x) = 0$ pour » est coupé au milieu des cas) ; "
                  "on lit : pentes $-b$, $0$, $a$ sur $x \\le \\beta$, $]\\beta, \\alpha[$, $x \\ge \\alpha$, "
                  "et $h = 0$ sur l'intervalle du milieu, avec $\\beta < \\alpha$.",
                  "The source is garbled (\"and $h(x) = 0$ for\" is cut into the cases); we read: slopes "
                  "$-b$, $0$, $a$ on $x \\le \\beta$, $(\\beta, \\alpha)$, $x \\ge \\alpha$, and $h = 0$ on "
                  "the middle interval, with $\\beta < \\alpha$."), kind="remark"),
        Step(Text("À droite, on intègre la pente depuis $\\alpha$, où $h$ vaut $0$ par continuité.",
                  "On the right, integrate the slope from $\\alpha$, where $h = 0$ by continuity."),
             Chain(sp.Function("h")(x), sp.Integral(right, (t, al, x)), piece_right)),
        Step(Text("À gauche, on intègre de même jusqu'à $\\beta$ : $h(x) = b(\\beta - x) \\ge 0$ si $b > 0$.",
                  "On the left, integrate likewise up to $\\beta$: $h(x) = b(\\beta - x) \\ge 0$ if $b > 0$."),
             Chain(sp.Function("h")(x), -sp.Integral(left, (t, x, be)), piece_left)),
        Step(Text("$\\mathrm{relu}(x - \\alpha)$ vaut $0$ avant $\\alpha$ et a une pente $1$ après ; "
                  "$\\mathrm{relu}(\\beta - x)$ vaut $0$ après $\\beta$ et a une pente $-1$ avant. Chaque coude "
                  "reçoit un coefficient égal au saut de pente qu'il doit créer ($c_1$ en $\\alpha$, $c_2$ en $\\beta$).",
                  "$\\mathrm{relu}(x - \\alpha)$ is $0$ before $\\alpha$ and has slope $1$ after; "
                  "$\\mathrm{relu}(\\beta - x)$ is $0$ after $\\beta$ and has slope $-1$ before. Each kink gets "
                  "a coefficient equal to the change of slope it must create ($c_1$ at $\\alpha$, $c_2$ at $\\beta$)."),
             (sp.Eq(sp.Symbol("c_1"), jump_right), sp.Eq(sp.Symbol("c_2"), jump_left))),
        Step(Text("D'où $h$ avec deux ReLU ; sur $]\\beta, \\alpha[$ les deux termes sont nuls.",
                  "Hence $h$ with two ReLUs; on $(\\beta, \\alpha)$ both terms vanish."),
             sp.Eq(sp.Function("h")(x), h), kind="result"),
        Step(Text("Activation voisine : Softshrink (seuillage doux), $x - \\lambda$ au-delà de $\\lambda$, "
                  "$0$ entre $-\\lambda$ et $\\lambda$, $x + \\lambda$ en deçà : c'est $h$ avec $a = 1$, "
                  "$b = -1$, $\\alpha = \\lambda$, $\\beta = -\\lambda$. Avec $\\alpha = \\beta = 0$ on obtient "
                  "la famille ReLU / Leaky ReLU / PReLU (pente $-b$ à gauche).",
                  "A related activation: Softshrink (soft thresholding), $x - \\lambda$ above $\\lambda$, $0$ "
                  "between $-\\lambda$ and $\\lambda$, $x + \\lambda$ below: it is $h$ with $a = 1$, $b = -1$, "
                  "$\\alpha = \\lambda$, $\\beta = -\\lambda$. With $\\alpha = \\beta = 0$ one gets the ReLU / "
                  "Leaky ReLU / PReLU family (slope $-b$ on the left)."),
             kind="result"),
    ]
    return Solution(q, tuple(steps), {"h": h})


def kink_validate(values) -> None:
    al, be = values["alpha"], values["beta"]
    if al is not SYMBOLIC and be is not SYMBOLIC and not be < al:
        raise ParamError(Text(f"il faut beta < alpha (reçu beta = {be}, alpha = {al})",
                              f"beta < alpha is required (got beta = {be}, alpha = {al})"))


def kink_draw(rng) -> dict:
    beta = fraction(rng, -6, 2, (1, 2))
    alpha = beta + fraction(rng, 1, 8, (1, 2))
    return {"a": fraction(rng, 1, 6, (1, 2)), "b": fraction(rng, 1, 6, (1, 2), signed=True),
            "alpha": alpha, "beta": beta}


_KINK_CASES = ((2, 1, 1, -1), (Fraction(1, 2), 3, 0, -2), (1, -1, Fraction(3, 2), Fraction(-3, 2)))


def kink_check(q, sol, checks) -> None:
    """torch: the answer against a piecewise h built from the slopes, finite-difference slopes, Softshrink."""
    import sympy as sp
    import torch
    import torch.nn.functional as F

    syms = _kink_symbols()
    x = sp.Symbol("x", real=True)
    if all(not q.is_symbolic(n) for n in KINK_NAMES):
        cases = [tuple(q[n] for n in KINK_NAMES)]
    else:
        cases = [tuple(q[n] if not q.is_symbolic(n) else c[i] for i, n in enumerate(KINK_NAMES))
                 for c in _KINK_CASES]
        cases = [c for c in cases if c[3] < c[2]]
    for a, b, al, be in cases:
        expr = sol.answers["h"].xreplace({syms["a"]: sp.nsimplify(a), syms["b"]: sp.nsimplify(b),
                                          syms["alpha"]: sp.nsimplify(al), syms["beta"]: sp.nsimplify(be)})
        f = sp.lambdify(x, expr, "numpy")
        a, b, al, be = (float(v) for v in (a, b, al, be))
        xs = torch.linspace(be - 3, al + 3, 241, dtype=torch.float64)
        want = torch.where(xs >= al, a * (xs - al), torch.where(xs <= be, -b * (xs - be), torch.zeros_like(xs)))
        got = torch.as_tensor(f(xs.numpy()), dtype=torch.float64)
        tag = f"a={a:g},b={b:g},alpha={al:g},beta={be:g}"
        checks.close(f"h vs piecewise definition ({tag})", got, want)
        eps = 1e-4
        for point, slope in ((al + 1.0, a), ((al + be) / 2, 0.0), (be - 1.0, -b)):
            fd = (f(point + eps) - f(point - eps)) / (2 * eps)
            checks.close(f"slope at {point:g} ({tag})", fd, slope, atol=1e-7)
        built = a * torch.relu(xs - al) + b * torch.relu(be - xs)
        checks.close(f"torch.relu composition ({tag})", got, built)
    if all(q.is_symbolic(n) for n in KINK_NAMES):
        lam = 1.5
        expr = sol.answers["h"].xreplace({syms["a"]: 1, syms["b"]: -1, syms["alpha"]: sp.Rational(3, 2),
                                          syms["beta"]: -sp.Rational(3, 2)})
        xs = torch.linspace(-5, 5, 101, dtype=torch.float64)
        got = torch.as_tensor(sp.lambdify(x, expr, "numpy")(xs.numpy()), dtype=torch.float64)
        checks.close("a=1, b=-1, alpha=-beta=lambda is Softshrink", got, F.softshrink(xs, lam))


def _kink_wrong(sign=1, swap=False, shift=True):
    def wrong(q):
        import sympy as sp

        from solver.maths.activations import relu

        v = _kink_values(q)
        a, b, al, be = (v[n] for n in KINK_NAMES)
        x = sp.Symbol("x", real=True)
        if swap:
            al, be = be, al
        if not shift:
            al = be = 0
        return a * relu(x - al) + sign * b * relu(be - x)
    return wrong


def _kink_param(name, doc_fr, doc_en):
    return Param(name, "number", SYMBOLIC, Text(doc_fr, doc_en), symbolic_ok=True)


def _plot_relu_construction(ax, q, sol, lang):
    import numpy as np

    v = illustrative(q, {"a": 1.0, "b": 0.5, "alpha": 1.0, "beta": -1.0})
    x = np.linspace(v["beta"] - 2, v["alpha"] + 2, 401)
    right = v["a"] * np.maximum(x - v["alpha"], 0)
    left = v["b"] * np.maximum(v["beta"] - x, 0)
    ax.plot(x, right + left, "k", lw=2, label="h(x)")
    ax.plot(x, right, "--", label="a·relu(x − α)")
    ax.plot(x, left, "--", label="b·relu(β − x)")
    ax.axvline(v["alpha"], color="grey", lw=0.5)
    ax.axvline(v["beta"], color="grey", lw=0.5)
    ax.legend(fontsize=8)
    ax.set_xlabel("x")


KINK_FIGURE = Figure(Text("$h$ et sa décomposition en deux ReLU (valeurs d'exemple si symboliques).",
                          "$h$ and its decomposition into two ReLUs (example values when symbolic)."),
                     _plot_relu_construction)


KINK = Exercise(
    id="devoir.1.2",
    sheet="devoir",
    figure=KINK_FIGURE,
    aliases=("relu-construction",),
    title=Text("Construire une activation linéaire par morceaux avec des ReLU",
               "Building a piecewise-linear activation from ReLUs"),
    statement=kink_statement,
    params=(
        _kink_param("a", "pente à droite de alpha", "slope right of alpha"),
        _kink_param("b", "opposé de la pente à gauche de beta", "minus the slope left of beta"),
        _kink_param("alpha", "coude de droite", "right kink"),
        _kink_param("beta", "coude de gauche (beta < alpha)", "left kink (beta < alpha)"),
    ),
    parts=(Part("h", "expr", Text("$h(x)$ avec des ReLU (écrire `relu(u)` ou `max(0, u)`)",
                                  "$h(x)$ with ReLUs (write `relu(u)` or `max(0, u)`)"),
                domain={"x": "real", "a": "real", "b": "real", "alpha": "real", "beta": "real"}),),
    solve=kink_solve,
    check=kink_check,
    draw=kink_draw,
    validate=kink_validate,
    diagnoses=(
        mistake("sign-error", "h", _kink_wrong(sign=-1),
                  Text("$-b\\,\\mathrm{relu}(\\beta - x)$ a une pente $+b$ à gauche : le signe de $b$ est inversé.",
                       "$-b\\,\\mathrm{relu}(\\beta - x)$ has slope $+b$ on the left: the sign of $b$ is flipped.")),
        Diagnosis("swapped-kinks", "h", _kink_wrong(swap=True),
                  Text("Le coude de pente $a$ est en $\\alpha$ et celui de pente $-b$ en $\\beta$.",
                       "The kink of slope $a$ is at $\\alpha$ and the one of slope $-b$ at $\\beta$.")),
        Diagnosis("missing-shift", "h", _kink_wrong(shift=False),
                  Text("Sans décalage, les coudes sont en $0$ : utilisez $x - \\alpha$ et $\\beta - x$.",
                       "Without a shift the kinks sit at $0$: use $x - \\alpha$ and $\\beta - x$.")),
    ),
)

# ---------------------------------------------------------------------------------------------
# devoir.1.3 — softmax is invariant under adding a constant
# ---------------------------------------------------------------------------------------------


def _softmax_symbols():
    import sympy as sp

    return (sp.IndexedBase("x", real=True), sp.Symbol("i", integer=True, positive=True),
            sp.Symbol("j", integer=True, positive=True), sp.Symbol("d", integer=True, positive=True),
            sp.Symbol("c", real=True))


def shift_statement(q) -> Text:
    dim = "" if q.is_symbolic("d") else f" (${q.given('d')}$)"
    shift_fr = "toute constante réelle $c$" if q.is_symbolic("c") else f"une constante réelle, ici ${q.given('c')}$,"
    shift_en = "every real constant $c$" if q.is_symbolic("c") else f"a real constant, here ${q.given('c')}$,"
    return Text(
        f"La softmax de $x \\in \\mathbb{{R}}^d${dim} est $S(x)_i = e^{{x_i}} / \\sum_j e^{{x_j}}$. Montrer "
        f"que $S(x + c) = S(x)$ pour {shift_fr} ajoutée à chaque composante.",
        f"The softmax of $x \\in \\mathbb{{R}}^d${dim} is $S(x)_i = e^{{x_i}} / \\sum_j e^{{x_j}}$. Show that "
        f"$S(x + c) = S(x)$ for {shift_en} added to every component.")


def _shifted_softmax(q):
    """S(x + c)_i as (shifted expression, factored form, result) with a Sum or explicit terms."""
    import sympy as sp

    x, i, j, d, c = _softmax_symbols()
    c = c if q.is_symbolic("c") else sp.nsimplify(q["c"])
    d = d if q.is_symbolic("d") else sp.Integer(q["d"])
    numerator, total = sp.exp(x[i] + c), sp.Sum(sp.exp(x[j] + c), (j, 1, d))
    top, bottom = sp.expand_power_exp(numerator), sp.factor_terms(sp.expand_power_exp(total))
    return numerator / total, (top, bottom), top / bottom


def _unevaluated_ratio(top, bottom):
    """top / bottom shown as written (before the common factor cancels)."""
    import sympy as sp

    with sp.evaluate(False):
        return top / bottom


def shift_solve(q) -> Solution:
    import sympy as sp

    from solver.derive.chain import Chain

    x, i, j, d, c = _softmax_symbols()
    shifted, (top, bottom), result = _shifted_softmax(q)
    total = shifted.as_numer_denom()[1]
    plain = sp.exp(x[i]) / sp.Sum(sp.exp(x[j]), (j, 1, d if q.is_symbolic("d") else q["d"]))
    if sp.simplify(result - plain) != 0:
        raise RuntimeError("devoir.1.3: the shift did not cancel")
    steps = [
        Step(Text("On ajoute $c$ à chaque composante dans la définition.",
                  "Add $c$ to every component in the definition."),
             sp.Eq(sp.Symbol("S(x + c)_i"), shifted)),
        Step(Text("$e^{x_j + c} = e^{c} e^{x_j}$ : le facteur $e^{c}$, le même pour tous les $j$, sort de la somme.",
                  "$e^{x_j + c} = e^{c} e^{x_j}$: the factor $e^{c}$, the same for every $j$, leaves the sum."),
             Chain(total, bottom)),
        Step(Text("Le numérateur contient le même facteur $e^{c} > 0$ : il se simplifie.",
                  "The numerator holds the same factor $e^{c} > 0$: it cancels."),
             Chain(sp.Symbol("S(x + c)_i"), _unevaluated_ratio(top, bottom), result)),
        Step(Text("C'est $S(x)_i$, pour tout $i$ : $S(x + c) = S(x)$.",
                  "This is $S(x)_i$ for every $i$: $S(x + c) = S(x)$."),
             sp.Eq(sp.Symbol("S(x + c)_i"), plain), kind="result"),
        Step(Text("Seul un décalage identique sur toutes les composantes est sans effet : ajouter des "
                  "constantes différentes change les rapports $e^{x_i - x_j}$.",
                  "Only the same shift on every component has no effect: adding different constants "
                  "changes the ratios $e^{x_i - x_j}$."), kind="remark"),
    ]
    answer = ModelAnswer(
        Text("$S(x + c)_i = e^{x_i + c} / \\sum_j e^{x_j + c} = e^{c} e^{x_i} / (e^{c} \\sum_j e^{x_j}) "
             "= S(x)_i$, car $e^{c} \\neq 0$ est un facteur commun du numérateur et de chaque terme de la "
             "somme ; c'est vrai pour tout $i$, donc $S(x + c) = S(x)$.",
             "$S(x + c)_i = e^{x_i + c} / \\sum_j e^{x_j + c} = e^{c} e^{x_i} / (e^{c} \\sum_j e^{x_j}) "
             "= S(x)_i$, because $e^{c} \\neq 0$ is a common factor of the numerator and of every term of "
             "the sum; this holds for every $i$, so $S(x + c) = S(x)$."),
        rubric=(Text("écrit $e^{x_j + c} = e^{c} e^{x_j}$", "writes $e^{x_j + c} = e^{c} e^{x_j}$"),
                Text("sort $e^{c}$ de la somme (même $c$ pour tout $j$)",
                     "takes $e^{c}$ out of the sum (the same $c$ for every $j$)"),
                Text("simplifie par $e^{c} \\neq 0$", "cancels $e^{c} \\neq 0$"),
                Text("conclut pour toute composante $i$", "concludes for every component $i$")))
    return Solution(q, tuple(steps), {"proof": answer})


def shift_draw(rng) -> dict:
    return {"d": rng.randint(2, 6), "c": fraction(rng, -400, 400, (1, 4))}


def shift_check(q, sol, checks) -> None:
    """torch.softmax(x + c) = torch.softmax(x) on random vectors; the derived S(x + c) evaluated too."""
    import sympy as sp
    import torch

    x, i, j, d, c = _softmax_symbols()
    gen = torch.Generator().manual_seed(13 if q.seed is None else q.seed)
    dims = [q["d"]] if not q.is_symbolic("d") else [1, 3, 7]
    shifts = [float(q["c"])] if not q.is_symbolic("c") else [-50.0, 0.5, 300.0]
    for n in dims:
        vec = torch.randn(n, generator=gen, dtype=torch.float64) * 3
        for shift in shifts:
            checks.close(f"softmax(x + {shift:g}) = softmax(x), d={n}", torch.softmax(vec + shift, 0),
                         torch.softmax(vec, 0))
        xs = sp.symbols(f"x1:{n + 1}", real=True)
        csym = sp.Symbol("c", real=True)
        formula = (sp.exp(x[i] + csym) / sp.Sum(sp.exp(x[j] + csym), (j, 1, n))).doit()
        row = [formula.subs(i, k).xreplace({x[m + 1]: xs[m] for m in range(n)}) for k in range(1, n + 1)]
        f = sp.lambdify((xs, csym), row, "math")
        small = [0.01 * k for k in (-2.0, 0.0, 1.5)]
        for shift in small:
            checks.close(f"S(x + c) from the formula, d={n}, c={shift:g}", f(vec.tolist(), shift),
                         torch.softmax(vec, 0))


SHIFT = Exercise(
    id="devoir.1.3",
    sheet="devoir",
    aliases=("softmax-shift-invariance",),
    title=Text("Invariance de la softmax par translation", "Shift invariance of softmax"),
    statement=shift_statement,
    params=(Param("d", "int", SYMBOLIC, Text("dimension du vecteur", "dimension of the vector"), minimum=1,
                  maximum=12, symbolic_ok=True),
            Param("c", "number", SYMBOLIC, Text("décalage ajouté", "shift added"), symbolic_ok=True)),
    parts=(Part("proof", "text", Text("démonstration de $S(x + c) = S(x)$", "proof that $S(x + c) = S(x)$")),),
    solve=shift_solve,
    check=shift_check,
    draw=shift_draw,
)

# ---------------------------------------------------------------------------------------------
# devoir.1.4 — numerically stable log-softmax
# ---------------------------------------------------------------------------------------------


def _logsm_symbols():
    import sympy as sp

    x, i, j, d, _ = _softmax_symbols()
    return x, i, j, d, sp.Symbol("m", real=True)


def logsm_statement(q) -> Text:
    example_fr = "" if q.is_symbolic("x") else f", puis l'appliquer à $x = {q.show('x')}$"
    example_en = "" if q.is_symbolic("x") else f", then apply it to $x = {q.show('x')}$"
    return Text(
        "On veut $\\ln S(x)_i = x_i - \\ln \\sum_j e^{x_j}$. Si tous les $x_j$ sont très négatifs, la "
        "somme s'arrondit à $0$ (sous-dépassement, $\\ln 0$) ; s'ils sont très grands, $e^{x_j}$ déborde. "
        "Avec l'invariance par translation et $m = \\max_j x_j$, écrire une formule stable de "
        f"$\\ln S(x)_i${example_fr}.",
        "We want $\\ln S(x)_i = x_i - \\ln \\sum_j e^{x_j}$. If every $x_j$ is very negative the sum rounds "
        "to $0$ (underflow, $\\ln 0$); if they are very large, $e^{x_j}$ overflows. Using shift invariance "
        f"and $m = \\max_j x_j$, write a stable formula for $\\ln S(x)_i${example_en}.")


def _log_of(name):
    """log of a named quantity, printed \\log(S(x)_i) (the symbol stays unevaluated)."""
    import sympy as sp

    return sp.log(sp.Symbol(name), evaluate=False)


def _stable_log_softmax():
    """The stable formula, obtained from S(x) = S(x − m) and the rules of the logarithm."""
    import sympy as sp

    x, i, j, d, m = _logsm_symbols()
    shifted = sp.exp(x[i] - m) / sp.Sum(sp.exp(x[j] - m), (j, 1, d))
    return shifted, sp.expand_log(sp.log(shifted), force=True)


def logsm_solve(q) -> Solution:
    import sympy as sp

    from solver.derive.chain import Chain

    x, i, j, d, m = _logsm_symbols()
    shifted, stable = _stable_log_softmax()
    naive = x[i] - sp.log(sp.Sum(sp.exp(x[j]), (j, 1, d)))
    steps = [
        Step(Text("La source écrit « $x_i \\log \\sum_j e^{x_j}$ » : il manque le signe moins. Avec le "
                  "logarithme naturel (noté $\\ln$ ici), $\\ln S(x)_i = x_i - \\ln \\sum_j e^{x_j}$.",
                  "The source writes \"$x_i \\log \\sum_j e^{x_j}$\": the minus sign is missing. With the "
                  "natural logarithm (written $\\ln$ here), $\\ln S(x)_i = x_i - \\ln \\sum_j e^{x_j}$."),
             sp.Eq(_log_of("S(x)_i"), naive),
             kind="remark"),
        Step(Text("La source parle de $x_j$ « petits » pour le sous-dépassement : il faut comprendre très "
                  "négatifs (des $x_j$ proches de $0$ ne posent aucun problème).",
                  "The source speaks of \"small\" $x_j$ for the underflow: read very negative ($x_j$ close to "
                  "$0$ cause no trouble)."), kind="remark"),
        Step(Text("Par invariance (question précédente) avec $c = -m$, $m = \\max_j x_j$ : $S(x) = S(x - m)$.",
                  "By shift invariance (previous question) with $c = -m$, $m = \\max_j x_j$: $S(x) = S(x - m)$."),
             sp.Eq(sp.Symbol("S(x)_i"), shifted)),
        Step(Text("On prend le logarithme : le quotient devient une différence.",
                  "Take the logarithm: the quotient becomes a difference."),
             Chain(_log_of("S(x)_i"), sp.log(shifted, evaluate=False), stable), kind="result"),
        Step(Text("Tous les exposants $x_j - m$ sont $\\le 0$ : aucun $e^{x_j - m}$ ne déborde ; l'un d'eux vaut "
                  "$e^0 = 1$, donc la somme est entre $1$ et $d$ et son logarithme entre $0$ et $\\ln d$ : "
                  "jamais $\\ln 0$.",
                  "Every exponent $x_j - m$ is $\\le 0$: no $e^{x_j - m}$ overflows; one of them is $e^0 = 1$, "
                  "so the sum lies between $1$ and $d$ and its logarithm between $0$ and $\\ln d$: never "
                  "$\\ln 0$.")),
    ]
    if not q.is_symbolic("x"):
        steps += _logsm_example(q, stable)
    return Solution(q, tuple(steps), {"log_softmax": stable})


def _logsm_example(q, stable):
    """The formula on the parameter's vector, with the float64 range explained."""
    import sympy as sp

    x, i, j, d, m = _logsm_symbols()
    values = [sp.nsimplify(v) for v in q["x"][0]]
    top = max(values)
    bind = {d: len(values), m: top}
    per_i = [stable.xreplace(bind).subs(i, k + 1).doit().xreplace({x[n + 1]: values[n] for n in range(len(values))})
             for k in range(len(values))]
    overflow = [v for v in values if v > 709]
    underflow = all(v < -745 for v in values)
    risk_fr = ("$e^{x_j}$ dépasse le plus grand float64 ($\\approx e^{709{,}8}$)" if overflow else
               "chaque $e^{x_j}$ s'arrondit à $0$ en float64" if underflow else "la formule directe marche ici")
    risk_en = ("$e^{x_j}$ exceeds the largest float64 ($\\approx e^{709.8}$)" if overflow else
               "every $e^{x_j}$ rounds to $0$ in float64" if underflow else "the direct formula works here")
    return [Step(Text(f"Exemple : $m = {sp.latex(top)}$ ; {risk_fr}, alors que la formule stable donne :",
                      f"Example: $m = {sp.latex(top)}$; {risk_en}, while the stable formula gives:"),
                 tuple(sp.Eq(_log_of(f"S(x)_{k + 1}"), sp.Float(sp.N(v, 12), 6)) for k, v in enumerate(per_i)))]


def logsm_draw(rng) -> dict:
    n = rng.randint(2, 5)
    centre = rng.choice((-1, 1)) * rng.randint(800, 1200)
    return {"x": (tuple(centre + rng.randint(-5, 5) for _ in range(n)),)}


def logsm_validate(values) -> None:
    v = values["x"]
    if v is not SYMBOLIC and len(v) != 1:
        raise ParamError(Text("x doit être un vecteur ligne, par exemple [1000 1001 999]",
                              "x must be a row vector, e.g. [1000 1001 999]"))


def _numeric_formula(expr, n):
    """The answer for a vector of length n as a numpy function of (x_1..x_n, m)."""
    import sympy as sp

    x, i, j, d, m = _logsm_symbols()
    xs = sp.symbols(f"x1:{n + 1}", real=True)
    rows = [expr.xreplace({d: n}).subs(i, k).doit().xreplace({x[t + 1]: xs[t] for t in range(n)})
            for k in range(1, n + 1)]
    return sp.lambdify((xs, m), rows, "numpy")


def logsm_check(q, sol, checks) -> None:
    """float64: the naive formula overflows/underflows where the answer matches torch.log_softmax."""
    import numpy as np
    import torch

    vectors = [(1000.0, 1001.0, 999.0), (-1000.0, -1001.0, -999.0), (3.0, -2.0, 0.5, 1.0)]
    if not q.is_symbolic("x"):
        vectors.insert(0, tuple(float(v) for v in q["x"][0]))
    for vec in vectors:
        t = torch.tensor(vec, dtype=torch.float64)
        f = _numeric_formula(sol.answers["log_softmax"], len(vec))
        with np.errstate(all="ignore"):
            got = np.array(f([np.float64(v) for v in vec], np.float64(max(vec))), dtype=float)
        checks.close(f"stable formula vs torch.log_softmax at {vec}", got, torch.log_softmax(t, 0))
        naive = torch.log(torch.exp(t) / torch.exp(t).sum())
        extreme = max(vec) > 710 or max(vec) < -746
        finite = bool(torch.isfinite(naive).all())
        checks.true(f"naive formula {'breaks' if extreme else 'works'} at {vec}", finite != extreme,
                    f"naive gave {naive.tolist()}")


def _logsm_wrong(code):
    def wrong(q):
        import sympy as sp

        x, i, j, d, m = _logsm_symbols()
        shifted_sum = sp.Sum(sp.exp(x[j] - m), (j, 1, d))
        return {"missing-minus": x[i] * sp.log(sp.Sum(sp.exp(x[j]), (j, 1, d))),
                "sign-error": x[i] - m + sp.log(shifted_sum),
                "missing-max-term": x[i] - sp.log(shifted_sum)}[code]
    return wrong


LOGSM = Exercise(
    id="devoir.1.4",
    sheet="devoir",
    aliases=("stable-log-softmax",),
    title=Text("Log-softmax numériquement stable", "Numerically stable log-softmax"),
    statement=logsm_statement,
    params=(Param("x", "matrix", ((1000, 1001, 999),),
                  Text("vecteur d'exemple (ligne)", "example vector (a row)"), symbolic_ok=True),),
    parts=(Part("log_softmax", "expr",
                Text("$\\ln S(x)_i$ en fonction de $x_i$, $m = \\max_j x_j$ (écrire `m`) et d'une somme sur "
                     "$j = 1..d$ (`x[i]`, `x[j]`)",
                     "$\\ln S(x)_i$ in terms of $x_i$, $m = \\max_j x_j$ (write `m`) and a sum over "
                     "$j = 1..d$ (`x[i]`, `x[j]`)"),
                domain={"x": "real", "m": "real", "i": "size", "j": "size", "d": "size"}),),
    solve=logsm_solve,
    check=logsm_check,
    draw=logsm_draw,
    validate=logsm_validate,
    diagnoses=mistakes_of("log_softmax", _logsm_wrong, {
        "missing-minus": Text("$\\ln(a/b) = \\ln a - \\ln b$ : c'est une différence, pas un produit.",
                              "$\\ln(a/b) = \\ln a - \\ln b$: a difference, not a product."),
        "sign-error": Text("Le logarithme du dénominateur se soustrait.",
                           "The logarithm of the denominator is subtracted."),
        "missing-max-term": Text("Le numérateur $e^{x_i - m}$ donne $x_i - m$ : il manque $-m$.",
                                 "The numerator $e^{x_i - m}$ gives $x_i - m$: the $-m$ is missing."),
    }),
)

EXERCISES = (SWISH, KINK, SHIFT, LOGSM)
