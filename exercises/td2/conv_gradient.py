"""td2.IV — gradient of a convolution's output with respect to its weights: ∂Y_ij/∂W_uv, then ∂L/∂W."""

from __future__ import annotations

from solver.core.errors import ParamError
from solver.core.exercise import Diagnosis, Exercise, Part, Solution, Step
from solver.core.params import SYMBOLIC, Param
from solver.core.text import Text
from solver.derive.mistakes import mistake

NAMES = ("d", "k", "s")
# (d, k, s) checked against torch when some parameter is left symbolic
GRID = ((4, 1, 1), (5, 2, 1), (6, 3, 1), (7, 3, 2), (8, 2, 2), (8, 3, 3))


def _symbols(q) -> dict:
    """Output indices i, j, kernel indices u, v, dummies m, n; the sizes d, k, s (the parameters' symbols)."""
    import sympy as sp

    nat = dict(integer=True, nonnegative=True)
    out = {c: sp.Symbol(c, **nat) for c in "ijuvmn"}
    out.update(zip(NAMES, q.symbols(*NAMES)))
    out.update(X=sp.IndexedBase("X"), W=sp.IndexedBase("W"), Y=sp.IndexedBase("Y"))
    return out


def _value(q, name):
    """The parameter's value, or its symbol when symbolic."""
    return q.symbol(name) if q.is_symbolic(name) else q[name]


def _output(q, x: dict):
    """Y_ij as a double sum over the kernel; `flip` reads the kernel reversed (true convolution)."""
    import sympy as sp

    i, j, m, n, k = x["i"], x["j"], x["m"], x["n"], x["k"]
    s = _value(q, "s")
    return {
        "correlation": sp.Sum(x["W"][m, n] * x["X"][s * i + m, s * j + n], (m, 0, k - 1), (n, 0, k - 1)),
        "convolution": sp.Sum(x["W"][m, n] * x["X"][s * i + k - 1 - m, s * j + k - 1 - n],
                              (m, 0, k - 1), (n, 0, k - 1)),
        "full": sp.Sum(x["W"][m, n] * x["X"][s * i - m, s * j - n], (m, 0, k - 1), (n, 0, k - 1)),
    }


def _collapse(expr):
    """The value of a Kronecker-delta sum for 0 ≤ u, v ≤ k − 1 (first branch of its Piecewise)."""
    import sympy as sp

    while isinstance(expr, sp.Piecewise):
        expr = expr.args[0].expr
    return expr


def formulas(q) -> dict:
    """∂Y_ij/∂W_uv for the three readings of "Y = W * X", with k replaced by its value if given.

    >>> f = formulas(EXERCISES[0].make_params(overrides={"k": "3"}))
    >>> f["correlation"], f["convolution"], f["full"]
    (X[i + u, j + v], X[i - u + 2, j - v + 2], X[i - u, j - v])
    """
    x = _symbols(q)
    bind = {} if q.is_symbolic("k") else {x["k"]: q["k"]}
    return {name: _collapse(y.diff(x["W"][x["u"], x["v"]]).doit()).xreplace(bind)
            for name, y in _output(q, x).items()}


def statement(q) -> Text:
    s = q.given("s")
    d, k = ("" if q.is_symbolic(n) else f" (${q.given(n)}$)" for n in ("d", "k"))
    dims = f"{q.show('d')} \\times {q.show('d')}", f"{q.show('k')} \\times {q.show('k')}"
    stride_fr = "un pas de 1" if q["s"] == 1 else f"un pas ${s}$"
    stride_en = "stride 1" if q["s"] == 1 else f"stride ${s}$"
    return Text(
        f"Une couche convolutive de poids $W \\in \\mathbb{{R}}^{{{dims[1]}}}${k} est appliquée avec "
        f"{stride_fr}, sans remplissage, à une image $X \\in \\mathbb{{R}}^{{{dims[0]}}}${d} : "
        "$Y = W * X$. Exprimer $\\partial Y_{i,j} / \\partial W_{u,v}$, puis le gradient "
        "$\\partial L / \\partial W$ d'une perte $L$ connaissant $\\partial L / \\partial Y$.",
        f"A convolutional layer with weights $W \\in \\mathbb{{R}}^{{{dims[1]}}}${k} is applied with "
        f"{stride_en} and no padding to an image $X \\in \\mathbb{{R}}^{{{dims[0]}}}${d}: "
        "$Y = W * X$. Express $\\partial Y_{i,j} / \\partial W_{u,v}$, then the gradient "
        "$\\partial L / \\partial W$ of a loss $L$ given $\\partial L / \\partial Y$.")


def solve(q) -> Solution:
    import sympy as sp

    x = _symbols(q)
    outputs = _output(q, x)
    found = formulas(q)
    wuv = x["W"][x["u"], x["v"]]
    lhs = sp.Derivative(x["Y"][x["i"], x["j"]], wuv)
    bind = {} if q.is_symbolic("k") else {x["k"]: q["k"]}
    steps = [
        _definition_step(q, x, outputs["correlation"].xreplace(bind)),
        Step(Text(
            "On dérive terme à terme : $W_{m,n}$ ne dépend de $W_{u,v}$ que si $(m, n) = (u, v)$, "
            "d'où $\\partial W_{m,n} / \\partial W_{u,v} = \\delta_{m,u} \\delta_{n,v}$ (symboles de "
            "Kronecker) ; $X$ ne dépend pas de $W$.",
            "Differentiate term by term: $W_{m,n}$ depends on $W_{u,v}$ only when $(m, n) = (u, v)$, "
            "so $\\partial W_{m,n} / \\partial W_{u,v} = \\delta_{m,u} \\delta_{n,v}$ (Kronecker "
            "deltas); $X$ does not depend on $W$."),
            sp.Eq(lhs, outputs["correlation"].xreplace(bind).diff(wuv))),
        Step(Text(
            "Dans la double somme, seul le terme $m = u$, $n = v$ survit ($0 \\le u, v \\le k - 1$ "
            "puisque $(u, v)$ indexe $W$) : la dérivée est le pixel de $X$ que $W_{u,v}$ multiplie "
            "pour produire $Y_{i,j}$.",
            "In the double sum only the term $m = u$, $n = v$ survives ($0 \\le u, v \\le k - 1$ "
            "since $(u, v)$ indexes $W$): the derivative is the pixel of $X$ that $W_{u,v}$ "
            "multiplies to produce $Y_{i,j}$."),
            sp.Eq(lhs, found["correlation"]), kind="result"),
        _convolution_remark(q, lhs, found),
        _loss_step(q, x, found["correlation"]),
    ]
    return Solution(q, tuple(steps), {"dY_dW": found["correlation"]})


def _definition_step(q, x, body) -> Step:
    import sympy as sp

    from solver.derive.chain import derive
    from solver.maths.layers import conv_output_size

    d, k, s = (x[n] for n in NAMES)
    bind = {x[n]: q[n] for n in NAMES if not q.is_symbolic(n)}
    o = conv_output_size(d, k, s, 0)
    return Step(Text(
        "Lecture des couches (torch) : « $W * X$ » est une corrélation croisée valide (sans remplissage, "
        "noyau non retourné), indices à partir de 0. Pour $0 \\le i, j \\le o - 1$ :",
        "Reading of layers (torch): \"$W * X$\" is a valid cross-correlation (no padding, kernel not "
        "flipped), indices from 0. For $0 \\le i, j \\le o - 1$:"),
        (sp.Eq(x["Y"][x["i"], x["j"]], body), derive(sp.Symbol("o"), o, bind)))


def _convolution_remark(q, lhs, found) -> Step:
    import sympy as sp

    return Step(Text(
        "L'énoncé écrit $*$ pour la convolution. Avec la vraie convolution (noyau retourné), "
        "$Y_{i,j} = \\sum_{m,n} W_{m,n} X_{si+k-1-m,\\, sj+k-1-n}$ en gardant les sorties valides "
        "indexées à partir de 0 (première ligne) ; avec l'indexation de la convolution « pleine » "
        "$(W * X)_{i,j} = \\sum_{m,n} W_{m,n} X_{si-m,\\, sj-n}$ ($X$ nul hors de l'image, "
        "$0 \\le i, j \\le (d + k - 2)/s$), c'est la seconde ligne. Même méthode, autre indice.",
        "The sheet writes $*$ for convolution. With the true convolution (flipped kernel), "
        "$Y_{i,j} = \\sum_{m,n} W_{m,n} X_{si+k-1-m,\\, sj+k-1-n}$ keeping the valid outputs indexed "
        "from 0 (first line); with the indexing of the \"full\" convolution "
        "$(W * X)_{i,j} = \\sum_{m,n} W_{m,n} X_{si-m,\\, sj-n}$ ($X$ zero outside the image, "
        "$0 \\le i, j \\le (d + k - 2)/s$), it is the second line. Same method, another index."),
        (sp.Eq(lhs, found["convolution"]), sp.Eq(lhs, found["full"])), kind="remark")


def _loss_step(q, x, dydw) -> Step:
    import sympy as sp

    from solver.core.written import Written
    from solver.derive.chain import Chain

    i, j = x["i"], x["j"]
    G = sp.IndexedBase("G")
    o = sp.floor((_value(q, "d") - _value(q, "k")) / _value(q, "s")) + 1
    total = sp.Sum(G[i, j] * dydw, (i, 0, o - 1), (j, 0, o - 1))
    stride_one = not q.is_symbolic("s") and q["s"] == 1
    tail = Text(
        "C'est la corrélation croisée valide de $X$ par $G$ : "
        "$\\partial L / \\partial W = X \\star \\partial L / \\partial Y$ (taille $d - o + 1 = k$).",
        "This is the valid cross-correlation of $X$ by $G$: "
        "$\\partial L / \\partial W = X \\star \\partial L / \\partial Y$ (size $d - o + 1 = k$).")
    if not stride_one:
        tail = Text(
            "C'est la corrélation croisée de $X$ par $G$ dilaté d'un facteur $s$ (les coefficients de $G$ "
            "espacés de $s$), dont on garde le coin $k \\times k$ ; pour $s = 1$, "
            "$\\partial L / \\partial W = X \\star \\partial L / \\partial Y$.",
            "This is the cross-correlation of $X$ by $G$ dilated by $s$ (the entries of $G$ spaced $s$ "
            "apart), keeping its $k \\times k$ corner; for $s = 1$, "
            "$\\partial L / \\partial W = X \\star \\partial L / \\partial Y$.")
    return Step(Text(
        "Règle de la chaîne pour une perte $L$, avec $G_{i,j} = \\partial L / \\partial Y_{i,j}$ : "
        "chaque $W_{u,v}$ intervient dans toutes les sorties, on somme. ",
        "Chain rule for a loss $L$, with $G_{i,j} = \\partial L / \\partial Y_{i,j}$: each $W_{u,v}$ "
        "enters every output, so we sum. ") + tail,
        Chain(Written("∂L/∂W_u,v", "\\frac{\\partial L}{\\partial W_{u,v}}"), total,
              Written("(X ⋆ G)_u,v" if stride_one else "(X ⋆ₛ G)_u,v",
                      "\\left(X \\star G\\right)_{u,v}" if stride_one else
                      "\\left(X \\star_{s} G\\right)_{u,v}")))


def validate(values) -> None:
    d, k = values["d"], values["k"]
    if d is not SYMBOLIC and k is not SYMBOLIC and k > d:
        raise ParamError(Text(f"le noyau ({k}×{k}) dépasse l'image ({d}×{d}) sans remplissage",
                              f"the kernel ({k}×{k}) is larger than the image ({d}×{d}) without padding"))


def draw(rng) -> dict:
    return {"d": rng.randint(4, 8), "k": rng.randint(1, 3), "s": rng.choice((1, 1, 2))}


def _cases(q) -> list[tuple[int, int, int]]:
    """Concrete (d, k, s) to test: the parameters' values, or a grid for the symbolic ones."""
    if not any(q.is_symbolic(n) for n in NAMES):
        return [tuple(q[n] for n in NAMES)]
    keep = [c for c in GRID if all(q.is_symbolic(n) or q[n] == c[t] for t, n in enumerate(NAMES))]
    if keep:
        return keep
    fixed = {n: q[n] for n in NAMES if not q.is_symbolic(n)}
    return [(fixed.get("d", max(fixed.get("k", 3) + 3, 6)), fixed.get("k", 3), fixed.get("s", 1))]


def check(q, sol, checks) -> None:
    """Jacobian of torch's conv2d wrt the weights vs the formula; ∂L/∂W vs X ⋆ ∂L/∂Y."""
    import torch

    answer = _indexer(sol.answers["dY_dW"], q)
    flipped = _indexer(formulas(q)["convolution"], q)
    gen = torch.Generator().manual_seed(1234 + (q.seed or 0))
    for d, k, s in _cases(q):
        X = torch.randn(d, d, dtype=torch.float64, generator=gen)
        W = torch.randn(k, k, dtype=torch.float64, generator=gen)
        tag = f"d={d},k={k},s={s}"
        _check_jacobian(checks, f"dY/dW {tag}", answer, X, W, k, s, flip=False)
        _check_jacobian(checks, f"dY/dW true convolution {tag}", flipped, X, W, k, s, flip=True)
        _check_loss_gradient(checks, tag, answer, X, W, k, s, gen)


def _conv(X, W, s, flip=False):
    import torch
    import torch.nn.functional as F

    w = torch.flip(W, (0, 1)) if flip else W
    return F.conv2d(X[None, None], w[None, None], stride=s)[0, 0]


def _indexer(formula, q):
    """Numeric (i, j, u, v, k, s) -> (row, column) of the pixel a formula `X[row, column]` reads."""
    import sympy as sp

    x = _symbols(q)
    rows, cols = (sp.lambdify((x["i"], x["j"], x["u"], x["v"], x["k"], x["s"]), e, "numpy")
                  for e in formula.indices)
    return lambda *args: (rows(*args), cols(*args))


def _gather(index, X, o: int, k: int, s: int):
    """X at the formula's indices for every (i, j, u, v): an (o, o, k, k) array, or None if out of range."""
    import numpy as np

    grid = np.meshgrid(*(np.arange(n) for n in (o, o, k, k)), indexing="ij")
    r, c = (np.broadcast_to(a, grid[0].shape) for a in index(*grid, k, s))
    d = X.shape[0]
    if r.min() < 0 or c.min() < 0 or r.max() >= d or c.max() >= d:
        return None
    return X.numpy()[r, c]


def _check_jacobian(checks, label, formula, X, W, k, s, flip) -> None:
    import torch

    jac = torch.autograd.functional.jacobian(lambda w: _conv(X, w, s, flip), W)
    o = jac.shape[0]
    got = _gather(formula, X, o, k, s)
    if checks.true(f"{label}: indices inside the image", got is not None, "an index falls outside X"):
        checks.close(label, got, jac, rtol=1e-12, atol=1e-12)


def _check_loss_gradient(checks, tag, formula, X, W, k, s, gen) -> None:
    import numpy as np
    import torch
    import torch.nn.functional as F

    w = W.clone().requires_grad_(True)
    Y = _conv(X, w, s)
    G = torch.randn(Y.shape, dtype=torch.float64, generator=gen)
    (grad,) = torch.autograd.grad((Y * G).sum(), w)
    gathered = _gather(formula, X, Y.shape[0], k, s)
    if gathered is not None:
        checks.close(f"dL/dW = sum_ij G_ij dY_ij/dW {tag}", np.einsum("ij,ijuv->uv", G.numpy(), gathered), grad,
                     rtol=1e-10, atol=1e-12)
    corr = F.conv2d(X[None, None], G[None, None], dilation=s)[0, 0, :k, :k]
    checks.close(f"dL/dW = X corr G (dilation s) {tag}", corr, grad, rtol=1e-10, atol=1e-12)


def _wrong(build):
    def wrong(q):
        x = _symbols(q)
        s, k = _value(q, "s"), _value(q, "k")
        return build(x["X"], x["i"], x["j"], x["u"], x["v"], s, k)
    return wrong


def _missing_stride(q):
    if not q.is_symbolic("s") and q["s"] == 1:
        return None
    x = _symbols(q)
    return x["X"][x["i"] + x["u"], x["j"] + x["v"]]


DIAGNOSES = (
    mistake("flipped-kernel", "dY_dW", _wrong(lambda X, i, j, u, v, s, k: X[s * i + k - 1 - u, s * j + k - 1 - v]),
              Text("C'est la réponse pour la vraie convolution (noyau retourné) ; une couche calcule une "
                   "corrélation croisée : $X_{si+u,\\, sj+v}$.",
                   "This is the answer for the true convolution (flipped kernel); a layer computes a "
                   "cross-correlation: $X_{si+u,\\, sj+v}$.")),
    Diagnosis("full-convolution-indexing", "dY_dW", _wrong(lambda X, i, j, u, v, s, k: X[s * i - u, s * j - v]),
              Text("Indexation de la convolution « pleine » (noyau retourné) ; pour une couche (corrélation "
                   "croisée valide), les indices s'ajoutent : $X_{si+u,\\, sj+v}$.",
                   "Indexing of the \"full\" convolution (flipped kernel); for a layer (valid "
                   "cross-correlation) the indices add up: $X_{si+u,\\, sj+v}$.")),
    mistake("transposed", "dY_dW", _wrong(lambda X, i, j, u, v, s, k: X[s * i + v, s * j + u]),
              Text("$u$ décale les lignes et $v$ les colonnes : $X_{si+u,\\, sj+v}$.",
                   "$u$ shifts the rows and $v$ the columns: $X_{si+u,\\, sj+v}$.")),
    Diagnosis("missing-offset", "dY_dW", _wrong(lambda X, i, j, u, v, s, k: X[s * i, s * j]),
              Text("Le pixel multiplié par $W_{u,v}$ est décalé de $(u, v)$ par rapport au coin de la fenêtre.",
                   "The pixel multiplied by $W_{u,v}$ is shifted by $(u, v)$ from the window's corner.")),
    Diagnosis("missing-stride", "dY_dW", _missing_stride,
              Text("Avec un pas $s$, la fenêtre de $Y_{i,j}$ commence en $(si, sj)$.",
                   "With stride $s$, the window of $Y_{i,j}$ starts at $(si, sj)$.")),
)

EXERCISES = (Exercise(
    id="td2.IV",
    sheet="td2",
    aliases=("conv-weight-gradient",),
    title=Text("Gradient d'une convolution par rapport aux poids",
               "Gradient of a convolution with respect to its weights"),
    statement=statement,
    params=(
        Param("d", "int", SYMBOLIC, Text("côté de l'image", "image side"), minimum=1, symbolic_ok=True, assume="size"),
        Param("k", "int", SYMBOLIC, Text("côté du noyau", "kernel side"), minimum=1, symbolic_ok=True, assume="size"),
        Param("s", "int", 1, Text("pas (stride)", "stride"), minimum=1, symbolic_ok=True, assume="size"),
    ),
    parts=(Part("dY_dW", "expr", Text("$\\partial Y_{i,j} / \\partial W_{u,v}$ (indices $i, j, u, v$)",
                                      "$\\partial Y_{i,j} / \\partial W_{u,v}$ (indices $i, j, u, v$)"),
                domain={"i": "natural", "j": "natural", "u": "natural", "v": "natural", "s": "size",
                        "k": "size", "d": "size"}),),
    solve=solve,
    check=check,
    draw=draw,
    validate=validate,
    diagnoses=DIAGNOSES,
),)
