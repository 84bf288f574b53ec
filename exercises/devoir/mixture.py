"""devoir.2 — a mixture of logistic regressions is a one-hidden-layer network."""

from __future__ import annotations

from solver.core.exercise import Exercise, ModelAnswer, Part, Solution, Step
from solver.core.params import SYMBOLIC, Param
from solver.core.text import Text
from solver.derive.mistakes import mistakes_of


def _symbols():
    """π_k (mixing weights), w_{k,l} (weights of component k), x_l (input), indices and the label y
    (the sizes K and d are the parameters' symbols, `q.symbol`)."""
    import sympy as sp

    pos = dict(integer=True, positive=True)
    return {"pi": sp.IndexedBase("pi", real=True), "w": sp.IndexedBase("w", real=True),
            "x": sp.IndexedBase("x", real=True), "k": sp.Symbol("k", **pos), "l": sp.Symbol("l", **pos),
            "y": sp.Symbol("y", integer=True)}


def _sizes(q):
    return q.bind("K", "d")


def _score(k, d):
    """w_kᵀx = Σ_l w_{k,l} x_l."""
    import sympy as sp

    s = _symbols()
    return sp.Sum(s["w"][k, s["l"]] * s["x"][s["l"]], (s["l"], 1, d))


def _expand(expr, q):
    """Write the sums out when K and d are numbers."""
    return expr if q.is_symbolic("K") or q.is_symbolic("d") else expr.doit()


def statement(q) -> Text:
    sizes = [f"${q.given(n)}$" for n in ("K", "d") if not q.is_symbolic(n)]
    here_fr = f" (ici {', '.join(sizes)})" if sizes else ""
    here_en = f" (here {', '.join(sizes)})" if sizes else ""
    return Text(
        "Des données $(x_n, y_n)$, $x_n \\in \\mathbb{R}^d$, $y_n \\in \\{0, 1\\}$, sont modélisées par un "
        f"mélange de $K$ régressions logistiques{here_fr} : on tire $z_n \\sim "
        "\\mathrm{Categorical}(\\pi_1, \\ldots, \\pi_K)$, puis $y_n \\sim \\mathrm{Bernoulli}(\\sigma(w_{z_n}^\\top x_n))$. "
        "Calculer $p(y_n = 1 \\mid x_n)$ et montrer que c'est la sortie d'un réseau de neurones : préciser la "
        "couche d'entrée, la ou les couches cachées, les activations et la couche de sortie.",
        "Data $(x_n, y_n)$, $x_n \\in \\mathbb{R}^d$, $y_n \\in \\{0, 1\\}$, are modelled by a mixture of $K$ "
        f"logistic regressions{here_en}: draw $z_n \\sim \\mathrm{{Categorical}}(\\pi_1, \\ldots, \\pi_K)$, then "
        "$y_n \\sim \\mathrm{Bernoulli}(\\sigma(w_{z_n}^\\top x_n))$. Compute $p(y_n = 1 \\mid x_n)$ and show it "
        "is the output of a neural network: state the input layer, the hidden layer(s), the activations and "
        "the output layer.")


def solve(q) -> Solution:
    import sympy as sp

    from solver.derive.chain import Chain
    from solver.maths.activations import sigmoid

    s = _symbols()
    K, d = _sizes(q)
    pi, k, y = s["pi"], s["k"], s["y"]
    prob = sp.Symbol("s_k", positive=True)
    bernoulli = prob ** y * (1 - prob) ** (1 - y)
    joint = sp.Sum(pi[k] * bernoulli, (k, 1, K))
    at_one = joint.subs(y, 1)
    a_k = _score(k, d)
    hidden = sigmoid(a_k)
    p = _expand(at_one.subs(prob, hidden), q)
    steps = [
        Step(Text("Formule des probabilités totales sur la variable latente : "
                  "$p(y \\mid x) = \\sum_k p(z = k)\\, p(y \\mid z = k, x)$, avec $p(z = k) = \\pi_k$ et la "
                  "loi de Bernoulli $s_k^y (1 - s_k)^{1 - y}$, $s_k = \\sigma(w_k^\\top x)$.",
                  "Law of total probability over the latent variable: "
                  "$p(y \\mid x) = \\sum_k p(z = k)\\, p(y \\mid z = k, x)$, with $p(z = k) = \\pi_k$ and the "
                  "Bernoulli law $s_k^y (1 - s_k)^{1 - y}$, $s_k = \\sigma(w_k^\\top x)$."),
             sp.Eq(sp.Symbol("p(y | x)"), joint)),
        Step(Text("En $y = 1$ la loi de Bernoulli vaut $s_k$.", "At $y = 1$ the Bernoulli law equals $s_k$."),
             Chain(sp.Symbol("p(y=1 | x)"), at_one)),
        Step(Text("Couche cachée : $K$ neurones ; le neurone $k$ calcule $a_k = w_k^\\top x$ (sans biais) puis "
                  "la sigmoïde $h_k = \\sigma(a_k)$.",
                  "Hidden layer: $K$ units; unit $k$ computes $a_k = w_k^\\top x$ (no bias) then the sigmoid "
                  "$h_k = \\sigma(a_k)$."),
             (sp.Eq(sp.Symbol("a_k"), a_k), sp.Eq(sp.Symbol("h_k"), hidden))),
        Step(Text("Couche de sortie : un neurone linéaire de poids $\\pi_k$, sans biais ni activation ; "
                  "comme $\\pi_k \\ge 0$ et $\\sum_k \\pi_k = 1$, la sortie est une moyenne pondérée des "
                  "$h_k \\in (0, 1)$, donc une probabilité.",
                  "Output layer: one linear unit with weights $\\pi_k$, no bias and no activation; since "
                  "$\\pi_k \\ge 0$ and $\\sum_k \\pi_k = 1$, the output is a weighted average of the "
                  "$h_k \\in (0, 1)$, hence a probability."),
             Chain(sp.Symbol("p(y=1 | x)"), p), kind="result"),
        Step(Text("Ce n'est pas une régression logistique unique : la sigmoïde est appliquée avant le mélange, "
                  "pas après ($\\sum_k \\pi_k \\sigma(a_k) \\neq \\sigma(\\sum_k \\pi_k a_k)$ en général).",
                  "It is not a single logistic regression: the sigmoid is applied before mixing, not after "
                  "($\\sum_k \\pi_k \\sigma(a_k) \\neq \\sigma(\\sum_k \\pi_k a_k)$ in general)."), kind="remark"),
    ]
    network = ModelAnswer(
        Text("Entrée : $x \\in \\mathbb{R}^d$ ($d$ neurones). Couche cachée : $K$ neurones, le $k$-ième calcule "
             "$w_k^\\top x$ (matrice de poids $W$ de lignes $w_k^\\top$, sans biais) suivi d'une sigmoïde. "
             "Sortie : un neurone linéaire, poids $\\pi_1, \\ldots, \\pi_K$ (positifs, de somme 1), sans biais "
             "ni non-linéarité ; il renvoie $\\sum_k \\pi_k \\sigma(w_k^\\top x) = p(y = 1 \\mid x)$.",
             "Input: $x \\in \\mathbb{R}^d$ ($d$ units). Hidden layer: $K$ units, the $k$-th computes "
             "$w_k^\\top x$ (weight matrix $W$ with rows $w_k^\\top$, no bias) followed by a sigmoid. Output: one "
             "linear unit, weights $\\pi_1, \\ldots, \\pi_K$ (non-negative, summing to 1), no bias and no "
             "non-linearity; it returns $\\sum_k \\pi_k \\sigma(w_k^\\top x) = p(y = 1 \\mid x)$."),
        rubric=(Text("couche d'entrée : $x$, de dimension $d$", "input layer: $x$, of dimension $d$"),
                Text("une couche cachée de $K$ neurones, poids $w_k$, sans biais",
                     "one hidden layer of $K$ units, weights $w_k$, no bias"),
                Text("activation sigmoïde dans la couche cachée", "sigmoid activation in the hidden layer"),
                Text("sortie : combinaison linéaire de poids $\\pi_k$, sans activation de sortie",
                     "output: linear combination with weights $\\pi_k$, no output activation"),
                Text("les $\\pi_k$ forment une combinaison convexe, d'où une sortie dans $(0, 1)$",
                     "the $\\pi_k$ form a convex combination, so the output lies in $(0, 1)$")))
    return Solution(q, tuple(steps), {"p": p, "network": network})


def draw(rng) -> dict:
    return {"K": rng.randint(2, 5), "d": rng.randint(1, 4)}


def _numeric_answer(expr, q, K, d, pis, W, xs):
    """Evaluate the answer (a SymPy expression) at numeric π, W, x."""
    s = _symbols()
    bind = {}
    if q.is_symbolic("K"):
        bind[q.symbol("K")] = K
    if q.is_symbolic("d"):
        bind[q.symbol("d")] = d
    e = expr.xreplace(bind).doit()
    values = {s["pi"][k + 1]: pis[k] for k in range(K)}
    values.update({s["x"][l + 1]: xs[l] for l in range(d)})
    values.update({s["w"][k + 1, l + 1]: W[k][l] for k in range(K) for l in range(d)})
    return float(e.xreplace(values))


def check(q, sol, checks) -> None:
    """torch: the two-layer network, the mixture marginalised over z exactly, and the answer agree."""
    import torch
    from torch import nn

    gen = torch.Generator().manual_seed(7 if q.seed is None else 100 + q.seed)
    K0 = 3 if q.is_symbolic("K") else q["K"]
    d0 = 4 if q.is_symbolic("d") else q["d"]
    for K, d in ((K0, d0), (K0, 1)) if q.is_symbolic("d") else ((K0, d0),):
        pis = torch.softmax(torch.randn(K, generator=gen, dtype=torch.float64) * 2, 0)
        W = torch.randn(K, d, generator=gen, dtype=torch.float64) * 2
        xs = torch.randn(d, generator=gen, dtype=torch.float64)
        hidden, output = nn.Linear(d, K, bias=False), nn.Linear(K, 1, bias=False)
        net = nn.Sequential(hidden, nn.Sigmoid(), output).double()
        with torch.no_grad():
            hidden.weight.copy_(W)
            output.weight.copy_(pis.unsqueeze(0))
            out = net(xs).item()
        z = torch.distributions.Categorical(probs=pis)
        component = torch.distributions.Bernoulli(probs=torch.sigmoid(W @ xs))
        marginal = sum(float(z.log_prob(torch.tensor(k)).exp() * component.log_prob(torch.ones(K, dtype=torch.float64))[k].exp())
                       for k in range(K))
        got = _numeric_answer(sol.answers["p"], q, K, d, pis.tolist(), W.tolist(), xs.tolist())
        checks.close(f"answer vs marginal over z (K={K}, d={d})", got, marginal)
        checks.close(f"network output vs marginal (K={K}, d={d})", out, marginal)
        checks.true(f"output is a probability (K={K}, d={d})", 0.0 < out < 1.0)


def _wrong(code):
    def wrong(q):
        import sympy as sp

        from solver.maths.activations import sigmoid

        s = _symbols()
        K, d = _sizes(q)
        k = s["k"]
        if code == "sigmoid-outside":
            expr = sigmoid(sp.Sum(s["pi"][k] * _score(k, d), (k, 1, K)))
        else:
            expr = sp.Sum(sigmoid(_score(k, d)), (k, 1, K))
        return _expand(expr, q)
    return wrong


EXERCISES = (Exercise(
    id="devoir.2",
    sheet="devoir",
    aliases=("mixture-of-logistic-regressions",),
    title=Text("Mélange de régressions logistiques et réseau de neurones",
               "Mixture of logistic regressions as a neural network"),
    statement=statement,
    params=(Param("K", "int", SYMBOLIC, Text("nombre de composantes", "number of components"), minimum=1,
                  maximum=12, symbolic_ok=True, assume="size"),
            Param("d", "int", SYMBOLIC, Text("dimension de l'entrée", "input dimension"), minimum=1, maximum=12,
                  symbolic_ok=True, assume="size")),
    parts=(Part("p", "expr",
                Text("$p(y = 1 \\mid x)$ avec `pi[k]`, `w[k, l]`, `x[l]` et `sigma` (sommes sur $k = 1..K$, "
                     "$l = 1..d$)",
                     "$p(y = 1 \\mid x)$ with `pi[k]`, `w[k, l]`, `x[l]` and `sigma` (sums over $k = 1..K$, "
                     "$l = 1..d$)"),
                domain={"pi": "probability", "w": "real", "x": "real", "k": "size", "l": "size", "K": "size",
                        "d": "size"}),
           Part("network", "text", Text("le réseau : entrée, couche(s) cachée(s), activations, sortie",
                                        "the network: input, hidden layer(s), activations, output"))),
    solve=solve,
    check=check,
    draw=draw,
    diagnoses=mistakes_of("p", _wrong, {
        "sigmoid-outside":
            Text("On mélange les probabilités $\\sigma(w_k^\\top x)$, pas les scores : la sigmoïde est "
                 "dans la somme.",
                 "The probabilities $\\sigma(w_k^\\top x)$ are mixed, not the scores: the sigmoid is inside "
                 "the sum."),
        "missing-mixing-weights": Text("Chaque composante est pondérée par $p(z = k) = \\pi_k$.",
                                       "Each component is weighted by $p(z = k) = \\pi_k$."),
    }),
),)
