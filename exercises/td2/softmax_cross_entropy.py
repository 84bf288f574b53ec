"""td2.I.2–I.4 — softmax output layer: why softmax, its Jacobian, and the gradient of the cross-entropy.

Conventions: classes and outputs are numbered 1..K (as in the sheet's $k = 1..K$); gradients are
column vectors, so the chain rule reads ∂C/∂a = A · ∂C/∂s with A_ij = ∂s_j/∂a_i.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Mapping

from solver.core.errors import ParamError
from solver.core.exercise import Chain, Diagnosis, Domain, Exercise, ModelAnswer, Part, Solution, Step
from solver.core.params import SYMBOLIC, Param
from solver.core.text import Text
from solver.derive.mistakes import mistake

MAX_K = 12


def _indices():
    """Index symbols i, j, k, l, the number of classes K, and the bases a, s, t."""
    import sympy as sp

    i, j, k, l = sp.symbols("i j k l", integer=True, positive=True)
    K = sp.Symbol("K", integer=True, positive=True)
    return (i, j, k, l, K), (sp.IndexedBase("a"), sp.IndexedBase("s"), sp.IndexedBase("t"))


def _softmax_definition(index):
    """s_index = e^{a_index} / Σ_l e^{a_l}."""
    import sympy as sp

    (_, _, _, l, K), (a, s, _) = _indices()
    return sp.Eq(s[index], sp.exp(a[index]) / sp.Sum(sp.exp(a[l]), (l, 1, K)))


def _within_range(expr, K, index):
    """Drop the `K >= index` conditions SymPy adds when a Kronecker delta is summed (index ≤ K here)."""
    import sympy as sp

    return expr.xreplace({sp.Ge(K, index): sp.true, sp.Le(index, K): sp.true})


# ----------------------------------------------------------------------------------------------
# The Jacobian of softmax (td2.I.3), also used by td2.I.4
# ----------------------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def jacobian_derivation():
    """∂s_j/∂a_i by the quotient rule in the two cases i = j and i ≠ j, then one formula.

    Z = Σ_l e^{a_l}; R is the part of Z that involves neither a_i nor a_j. Each case is
    differentiated, Z is put back, then e^{a_i} = s_i Z (i.e. a_i = ln(s_i Z)) writes it with
    the outputs. Returns a dict of the intermediate expressions and `entry`, the general entry
    s_i (δ_ij − s_j) with indexed symbols.
    """
    import sympy as sp

    ai, aj, R, Z = sp.symbols("a_i a_j R Z", positive=True)
    si, sj = sp.symbols("s_i s_j", positive=True)
    same_raw = sp.diff(sp.exp(ai) / (sp.exp(ai) + R), ai).subs(R, Z - sp.exp(ai))
    same = sp.expand(same_raw.subs(ai, sp.log(si * Z)))
    other_raw = sp.diff(sp.exp(aj) / (sp.exp(ai) + sp.exp(aj) + R), ai).subs(R, Z - sp.exp(ai) - sp.exp(aj))
    other = sp.expand(other_raw.subs({ai: sp.log(si * Z), aj: sp.log(sj * Z)}))
    (i, j, *_), (_, s, _) = _indices()
    delta = sp.KroneckerDelta(i, j)
    same_as_ij = same.xreplace({si ** 2: si * sj})  # i = j, so s_i² = s_i s_j
    combined = sp.factor(sp.expand(delta * same_as_ij + (1 - delta) * other))
    return {"ai": ai, "aj": aj, "si": si, "sj": sj, "Z": Z, "same_raw": same_raw, "same": same,
            "other_raw": other_raw, "other": other, "entry": combined.xreplace({si: s[i], sj: s[j]})}


def output_symbols(K: int):
    """The outputs s_1..s_K as plain symbols (1-based, as in the sheet)."""
    import sympy as sp

    return [sp.Symbol(f"s_{n}") for n in range(1, K + 1)]


def instantiate(entry, K: int):
    """The K×K matrix whose (i, j) entry is `entry` at i, j = 1..K, with s_n written as symbols."""
    import sympy as sp

    (i, j, *_), (_, s, _) = _indices()
    outs = output_symbols(K)
    return sp.Matrix(K, K, lambda r, c: entry.xreplace({s[i]: outs[r], s[j]: outs[c], i: sp.Integer(r + 1),
                                                        j: sp.Integer(c + 1)}))


def _statement_jacobian(q) -> Text:
    k = "K" if q.is_symbolic("K") else str(q["K"])
    return Text(
        f"La couche de sortie d'un réseau à ${k}$ classes applique la softmax aux préactivations $a$ : "
        "$s_j = e^{a_j} / \\sum_{l} e^{a_l}$. Montrer que le gradient d'un coût $C$ par rapport à $a$ "
        "s'obtient à partir de son gradient par rapport à $s$ par $\\partial C/\\partial a = A \\, "
        "\\partial C/\\partial s$, et expliciter la matrice $A$.",
        f"The output layer of a network with ${k}$ classes applies softmax to the pre-activations $a$: "
        "$s_j = e^{a_j} / \\sum_{l} e^{a_l}$. Show that the gradient of a loss $C$ with respect to $a$ "
        "follows from its gradient with respect to $s$ as $\\partial C/\\partial a = A \\, "
        "\\partial C/\\partial s$, and give the matrix $A$ explicitly.")


def _solve_jacobian(q) -> Solution:
    import sympy as sp

    from solver.derive.chain import Chain

    (i, j, _, _, K), (a, s, _) = _indices()
    C, A = sp.Symbol("C"), sp.IndexedBase("A")
    d = jacobian_derivation()
    ai, si, sj = d["ai"], d["si"], d["sj"]
    entry = d["entry"]
    steps = [
        Step(Text("Règle de dérivation en chaîne : $a_i$ agit sur $C$ à travers toutes les sorties $s_j$. "
                  "Avec des gradients en colonnes, c'est le produit $A \\, \\partial C/\\partial s$ avec "
                  "$A_{ij} = \\partial s_j / \\partial a_i$ (ligne : préactivation, colonne : sortie).",
                  "Chain rule: $a_i$ acts on $C$ through every output $s_j$. With gradients as columns, "
                  "this is the product $A \\, \\partial C/\\partial s$ with $A_{ij} = \\partial s_j / "
                  "\\partial a_i$ (row: pre-activation, column: output)."),
             sp.Eq(sp.Derivative(C, a[i]),
                   sp.Sum(sp.Derivative(s[j], a[i]) * sp.Derivative(C, s[j]), (j, 1, K)))),
        Step(Text("Softmax, avec $Z = \\sum_l e^{a_l}$ ; $\\partial Z / \\partial a_i = e^{a_i}$ et "
                  "$e^{a_i} = s_i Z$.",
                  "Softmax, with $Z = \\sum_l e^{a_l}$; $\\partial Z / \\partial a_i = e^{a_i}$ and "
                  "$e^{a_i} = s_i Z$."), _softmax_definition(j)),
        Step(Text("Cas $i = j$ : $a_i$ figure au numérateur et au dénominateur (dérivée d'un quotient).",
                  "Case $i = j$: $a_i$ appears in the numerator and in the denominator (quotient rule)."),
             Chain(sp.Derivative(si, ai), d["same_raw"], d["same"], sp.factor_terms(d["same"]))),
        Step(Text("Cas $i \\neq j$ : $a_i$ ne figure qu'au dénominateur.",
                  "Case $i \\neq j$: $a_i$ appears only in the denominator."),
             Chain(sp.Derivative(sj, ai), d["other_raw"], d["other"])),
        Step(Text("Les deux cas en une formule, avec le symbole de Kronecker $\\delta_{ij}$ ; sous forme "
                  "matricielle $A = \\mathrm{diag}(s) - s s^\\top$.",
                  "Both cases in one formula, with the Kronecker delta $\\delta_{ij}$; in matrix form "
                  "$A = \\mathrm{diag}(s) - s s^\\top$."),
             sp.Eq(A[i, j], entry), kind="step" if not q.is_symbolic("K") else "result"),
    ]
    if q.is_symbolic("K"):
        answer = entry
    else:
        answer = instantiate(entry, q["K"])
        steps.append(Step(Text(f"Pour $K = {q['K']}$ (sorties numérotées $s_1$ à $s_{{{q['K']}}}$) :",
                               f"For $K = {q['K']}$ (outputs numbered $s_1$ to $s_{{{q['K']}}}$):"),
                          Chain(sp.Symbol("A"), answer), kind="result"))
    steps += _jacobian_remarks(entry)
    return Solution(q, tuple(steps), {"A": answer})


def _jacobian_remarks(entry):
    import sympy as sp

    from solver.derive.chain import Chain

    (i, j, _, _, K), (_, s, _) = _indices()
    row = sp.Sum(entry, (j, 1, K))
    expanded = sp.factor_terms(_within_range(sp.expand(row).doit(), K, i))
    zero = expanded.xreplace({sp.Sum(s[j], (j, 1, K)): 1})
    return [
        Step(Text("$A$ est symétrique ($A_{ij} = A_{ji}$) : la jacobienne $\\partial s/\\partial a$ et sa "
                  "transposée coïncident, donc la convention d'indices de l'énoncé (non précisée) ne change "
                  "pas la réponse.",
                  "$A$ is symmetric ($A_{ij} = A_{ji}$): the Jacobian $\\partial s/\\partial a$ and its transpose "
                  "coincide, so the sheet's index convention (not stated) does not change the answer."),
             kind="remark"),
        Step(Text("Chaque ligne de $A$ est de somme nulle car $\\sum_j s_j = 1$ : ajouter une même "
                  "constante à tous les $a_i$ ne change pas $s$.",
                  "Every row of $A$ sums to zero since $\\sum_j s_j = 1$: adding the same constant to every "
                  "$a_i$ does not change $s$."),
             Chain(row, expanded, zero)),
    ]


def _check_jacobian(q, sol, checks) -> None:
    """Against torch.autograd.functional.jacobian of softmax, and the chain rule on a test loss."""
    import torch
    from torch.autograd.functional import jacobian

    from solver.core.checks import to_float_array

    gen = torch.Generator().manual_seed(2000 + (q.seed or 0))
    sizes = range(2, 11) if q.is_symbolic("K") else (q["K"],)
    general = _entry_function(sol.answers["A"]) if q.is_symbolic("K") else None
    for K in sizes:
        a = 2 * torch.randn(K, generator=gen, dtype=torch.float64)
        s = torch.softmax(a, 0)
        if general is not None:
            got = torch.from_numpy(general(s.numpy()))
        else:
            values = dict(zip(output_symbols(K), (float(v) for v in s)))
            got = torch.from_numpy(to_float_array(sol.answers["A"].xreplace(values)))
        J = jacobian(lambda x: torch.softmax(x, 0), a)  # J[j, i] = ∂s_j/∂a_i
        checks.close(f"K={K}: A vs autograd jacobian of softmax (transposed)", got, J.T)
        w = torch.randn(K, generator=gen, dtype=torch.float64)
        leaf = a.clone().requires_grad_()
        out = torch.softmax(leaf, 0)
        (grad_a,) = torch.autograd.grad((w * out).sum() + (out ** 3).sum(), leaf)
        checks.close(f"K={K}: A · dC/ds vs autograd dC/da", got @ (w + 3 * s ** 2), grad_a)


def _entry_function(entry):
    """A numpy function s -> K×K matrix evaluating the general entry at every (i, j)."""
    import numpy as np
    import sympy as sp

    (i, j, *_), (_, s, _) = _indices()
    x, y, d = sp.symbols("x y d")
    f = sp.lambdify((x, y, d), entry.xreplace({s[i]: x, s[j]: y, sp.KroneckerDelta(i, j): d}), "numpy")
    return lambda v: np.broadcast_to(f(v[:, None], v[None, :], np.eye(len(v))), (len(v), len(v))).copy()


def _wrong_jacobian(make):
    """A mal-rule on the general entry, as an entry (K symbolic) or a matrix (K given)."""
    def wrong(q):
        import sympy as sp

        (i, j, *_), (_, s, _) = _indices()
        entry = make(s[i], s[j], sp.KroneckerDelta(i, j))
        return entry if q.is_symbolic("K") else instantiate(entry, q["K"])
    return wrong


# ----------------------------------------------------------------------------------------------
# Cross-entropy (td2.I.4)
# ----------------------------------------------------------------------------------------------

def _component_symbols():
    import sympy as sp

    return sp.Symbol("s_k"), sp.Symbol("t_k")


def _plain(expr):
    """Indexed s[k], t[k] written as the plain symbols s_k, t_k of the answers."""
    (_, _, k, _, _), (_, s, t) = _indices()
    sk, tk = _component_symbols()
    return expr.xreplace({s[k]: sk, t[k]: tk})


def _statement_ce(q) -> Text:
    k = "K" if q.is_symbolic("K") else str(q["K"])
    y_fr, y_en = ("", "") if q.is_symbolic("y") else (f" (ici $y = {q['y']}$)", f" (here $y = {q['y']}$)")
    return Text(
        f"Un réseau à ${k}$ classes a une sortie softmax $s$ (voir td2.I.3). Pour un exemple $(x, y)$ de "
        f"classe $y \\in \\{{1, \\dots, {k}\\}}${y_fr}, on note $t$ le vecteur one-hot de la classe "
        "($t_k = 1$ si $y = k$, 0 sinon) et on utilise l'entropie croisée $C = -\\sum_k t_k \\ln s_k$. "
        "Calculer $\\partial C / \\partial s_k$, puis $\\partial C / \\partial a_k$ par rapport aux "
        "préactivations. En lisant $s_k$ comme la probabilité $p(y = k \\mid x)$, montrer que minimiser "
        "l'entropie croisée sur les données revient à maximiser leur vraisemblance conditionnelle.",
        f"A network with ${k}$ classes has a softmax output $s$ (see td2.I.3). For an example $(x, y)$ of "
        f"class $y \\in \\{{1, \\dots, {k}\\}}${y_en}, let $t$ be the one-hot vector of "
        "the class ($t_k = 1$ if $y = k$, 0 otherwise); the loss is the cross-entropy "
        "$C = -\\sum_k t_k \\ln s_k$. Compute $\\partial C / \\partial s_k$, then $\\partial C / \\partial "
        "a_k$ with respect to the pre-activations. Reading $s_k$ as the probability $p(y = k \\mid x)$, "
        "show that minimising the cross-entropy over the data amounts to maximising their conditional "
        "likelihood.")


def ce_gradients():
    """(∂C/∂s_k, the chain-rule sum, its value, ∂C/∂a_k), derived with indexed sums."""
    import sympy as sp

    (_, j, k, l, K), (_, s, t) = _indices()
    C = -sp.Sum(t[l] * sp.log(s[l]), (l, 1, K))
    dC_ds = _within_range(sp.diff(C, s[k]).doit(), K, k)
    entry = jacobian_derivation()["entry"]
    i0, j0 = _indices()[0][:2]
    chain = sp.Sum(entry.xreplace({i0: k, j0: j}) * dC_ds.xreplace({k: j}), (j, 1, K))
    summed = sp.factor_terms(_within_range(sp.expand(chain).doit(), K, k))
    dC_da = summed.xreplace({sp.Sum(t[j], (j, 1, K)): 1})
    return C, dC_ds, chain, summed, dC_da


def _solve_ce(q) -> Solution:
    import sympy as sp

    from solver.derive.chain import Chain

    (_, _, k, _, K), (a, s, t) = _indices()
    C, dC_ds, chain, summed, dC_da = ce_gradients()
    Csym = sp.Symbol("C")
    steps = [
        Step(Text("L'énoncé écrit $y \\in \\{0, \\dots, K\\}$, soit $K + 1$ valeurs pour $K$ classes ; comme "
                  "$t_k$ est défini pour $k = 1..K$, on lit $y \\in \\{1, \\dots, K\\}$.",
                  "The sheet writes $y \\in \\{0, \\dots, K\\}$, i.e. $K + 1$ values for $K$ classes; since "
                  "$t_k$ is defined for $k = 1..K$, we read $y \\in \\{1, \\dots, K\\}$."), kind="remark"),
        Step(Text("Seul le terme $l = k$ de la somme dépend de $s_k$, et $(\\ln u)' = 1/u$.",
                  "Only the term $l = k$ of the sum depends on $s_k$, and $(\\ln u)' = 1/u$."),
             Chain(sp.Derivative(Csym, s[k]), sp.Derivative(C, s[k]), dC_ds), kind="result"),
        Step(Text("Par td2.I.3, $\\partial C/\\partial a_k = \\sum_j A_{kj}\\, \\partial C/\\partial s_j$ avec "
                  "$A_{kj} = s_k(\\delta_{kj} - s_j)$ ; le terme en $\\delta_{kj}$ ne garde que $j = k$.",
                  "By td2.I.3, $\\partial C/\\partial a_k = \\sum_j A_{kj}\\, \\partial C/\\partial s_j$ with "
                  "$A_{kj} = s_k(\\delta_{kj} - s_j)$; the $\\delta_{kj}$ term keeps only $j = k$."),
             Chain(sp.Derivative(Csym, a[k]), chain, summed)),
        Step(Text("$t$ est une distribution (one-hot) : $\\sum_j t_j = 1$. Le gradient est l'écart entre la "
                  "prédiction et la cible.",
                  "$t$ is a distribution (one-hot): $\\sum_j t_j = 1$. The gradient is the gap between the "
                  "prediction and the target."),
             sp.Eq(sp.Derivative(Csym, a[k]), dC_da), kind="result"),
    ]
    steps += _vector_steps(q, dC_ds, dC_da)
    steps.append(_likelihood_step())
    answers = {"dC_ds": _plain(dC_ds), "dC_da": _plain(dC_da), "likelihood": _likelihood_answer()}
    return Solution(q, tuple(steps), answers)


def _vector_steps(q, dC_ds, dC_da):
    """With K and y given: both gradients as vectors, t = e_y."""
    import sympy as sp

    from solver.derive.chain import Chain

    if q.is_symbolic("K") or q.is_symbolic("y"):
        return []
    (_, _, k, _, _), (_, s, t) = _indices()
    K, y = q["K"], q["y"]
    outs, C = output_symbols(K), sp.Symbol("C")

    def vector(expr):
        return sp.Matrix([expr.xreplace({k: n}).xreplace({s[n]: outs[n - 1], t[n]: int(n == y)})
                          for n in range(1, K + 1)])

    return [Step(Text(f"Ici $K = {K}$ et $y = {y}$ : $t = e_{{{y}}}$, seule la sortie de la bonne classe "
                      "reçoit un gradient par rapport à $s$ ; par rapport à $a$, toutes en reçoivent.",
                      f"Here $K = {K}$ and $y = {y}$: $t = e_{{{y}}}$, only the output of the right class "
                      "gets a gradient with respect to $s$; with respect to $a$, all of them do."),
                 (Chain(sp.Derivative(C, sp.Symbol("s")), vector(dC_ds)),
                  Chain(sp.Derivative(C, sp.Symbol("a")), vector(dC_da))))]


def _likelihood_step():
    import sympy as sp

    from solver.derive.chain import Chain

    n, N, k, K = sp.symbols("n N k K", integer=True, positive=True)
    t, s, y, x = sp.IndexedBase("t"), sp.IndexedBase("s"), sp.IndexedBase("y"), sp.IndexedBase("x")
    p = _conditional_probability()
    total = sp.Sum(-sp.Sum(t[n, k] * sp.log(s[n, k]), (k, 1, K)), (n, 1, N))
    one_hot = sp.Sum(-sp.log(s[n, y[n]]), (n, 1, N))
    return Step(Text(
        "Sur $N$ exemples indépendants, le coût total est la somme des entropies croisées ; $t_{n}$ est "
        "one-hot, donc seule la classe observée $y_n$ reste, et $s_{n, y_n} = p(y_n \\mid x_n)$ : c'est "
        "l'opposé de la log-vraisemblance conditionnelle. Minimiser l'un revient à maximiser l'autre "
        "($-\\ln$ est décroissant).",
        "Over $N$ independent examples, the total loss is the sum of the cross-entropies; $t_{n}$ is one-hot, "
        "so only the observed class $y_n$ remains, and $s_{n, y_n} = p(y_n \\mid x_n)$: this is minus the "
        "conditional log-likelihood. Minimising one maximises the other ($-\\ln$ is decreasing)."),
        Chain(total, one_hot, -sp.log(sp.Product(p(y[n], x[n]), (n, 1, N)))), kind="result")


@lru_cache(maxsize=None)
def _conditional_probability():
    """A SymPy function p(y, x) printed as the conditional probability p(y | x) (not a joint p(y, x))."""
    import sympy as sp
    from sympy.printing.pretty.stringpict import prettyForm

    class p(sp.Function):  # noqa: N801 (the name printed)
        nargs = 2

        def _latex(self, printer):
            a, b = (printer._print(arg) for arg in self.args)
            return f"p\\left({a} \\mid {b}\\right)"

        def _sympystr(self, printer):
            a, b = (printer._print(arg) for arg in self.args)
            return f"p({a} | {b})"

        def _pretty(self, printer):
            a, b = (printer._print(arg) for arg in self.args)
            inside = prettyForm(*prettyForm(*a.right(" | ")).right(b))
            return prettyForm(*prettyForm(*inside.parens()).left("p"))

    return p


def _likelihood_answer() -> ModelAnswer:
    return ModelAnswer(
        Text("Sur un jeu de $N$ exemples supposés indépendants, la vraisemblance conditionnelle est "
             "$L = \\prod_n p(y_n \\mid x_n) = \\prod_n s_{y_n}(x_n)$. Comme $t$ est one-hot, l'entropie "
             "croisée d'un exemple vaut $-\\ln s_{y_n}(x_n)$, donc la somme des entropies croisées vaut "
             "$-\\sum_n \\ln p(y_n \\mid x_n) = -\\ln L$. Le logarithme étant croissant, minimiser la somme "
             "des entropies croisées revient à maximiser la log-vraisemblance, donc la vraisemblance "
             "conditionnelle (estimation du maximum de vraisemblance).",
             "Over a set of $N$ examples assumed independent, the conditional likelihood is "
             "$L = \\prod_n p(y_n \\mid x_n) = \\prod_n s_{y_n}(x_n)$. Since $t$ is one-hot, the cross-entropy "
             "of one example is $-\\ln s_{y_n}(x_n)$, so the sum of the cross-entropies is "
             "$-\\sum_n \\ln p(y_n \\mid x_n) = -\\ln L$. The logarithm being increasing, minimising the summed "
             "cross-entropy maximises the log-likelihood, hence the conditional likelihood (maximum "
             "likelihood estimation)."),
        rubric=(
            Text("vraisemblance conditionnelle = produit des $p(y_n \\mid x_n)$ (exemples indépendants)",
                 "conditional likelihood = product of the $p(y_n \\mid x_n)$ (independent examples)"),
            Text("$t$ one-hot : l'entropie croisée d'un exemple se réduit à $-\\ln s_{y_n}(x_n)$",
                 "$t$ one-hot: the cross-entropy of one example reduces to $-\\ln s_{y_n}(x_n)$"),
            Text("somme des entropies croisées = $-$ log-vraisemblance", "summed cross-entropy = $-$ log-likelihood"),
            Text("$\\ln$ croissant : minimiser l'une = maximiser l'autre",
                 "$\\ln$ increasing: minimising one = maximising the other"),
        ))


def _validate_ce(values) -> None:
    if values["y"] is SYMBOLIC:
        return
    if values["K"] is SYMBOLIC:
        raise ParamError(Text("donner aussi K pour fixer la classe y (-p K=...)",
                              "also give K to fix the class y (-p K=...)"))
    if not 1 <= values["y"] <= values["K"]:
        raise ParamError(Text(f"la classe y = {values['y']} doit être entre 1 et K = {values['K']}",
                              f"the class y = {values['y']} must lie between 1 and K = {values['K']}"))


def _draw_class(rng, shared) -> dict:
    """The example's class, given the chain's number of classes."""
    return {"y": rng.randint(1, shared["K"])}


def _check_ce(q, sol, checks) -> None:
    """Against autograd of F.cross_entropy (class and soft targets) and of −Σ t ln s."""
    import torch
    import torch.nn.functional as F

    gen = torch.Generator().manual_seed(3000 + (q.seed or 0))
    sizes = range(2, 11) if q.is_symbolic("K") else (q["K"],)
    for K in sizes:
        y = q["y"] if not q.is_symbolic("y") else int(torch.randint(1, K + 1, (1,), generator=gen))
        one_hot = F.one_hot(torch.tensor(y - 1), K).double()
        soft = torch.softmax(torch.randn(K, generator=gen, dtype=torch.float64), 0)
        a = (2 * torch.randn(K, generator=gen, dtype=torch.float64)).requires_grad_()
        s = torch.softmax(a.detach(), 0)
        (g_class,) = torch.autograd.grad(F.cross_entropy(a[None], torch.tensor([y - 1])), a)
        (g_soft,) = torch.autograd.grad(F.cross_entropy(a[None], soft[None]), a)
        (g_manual,) = torch.autograd.grad(-(soft * torch.log_softmax(a, 0)).sum(), a)
        checks.close(f"K={K}, y={y}: dC/da vs F.cross_entropy", _eval(sol, "dC_da", s, one_hot), g_class)
        checks.close(f"K={K}: dC/da vs F.cross_entropy, soft target", _eval(sol, "dC_da", s, soft), g_soft)
        checks.close(f"K={K}: dC/da vs -sum t log_softmax", _eval(sol, "dC_da", s, soft), g_manual)
        for label, target in (("one-hot", one_hot), ("soft", soft)):
            leaf = s.clone().requires_grad_()
            (g_s,) = torch.autograd.grad(-(target * torch.log(leaf)).sum(), leaf)
            checks.close(f"K={K}: dC/ds vs autograd, {label} target", _eval(sol, "dC_ds", s, target), g_s)
    _check_likelihood(checks, gen, sizes[-1] if q.is_symbolic("K") else q["K"])


def _eval(sol, part, s, t):
    """The component answer at every k, for the output and target vectors s, t."""
    import sympy as sp

    sk, tk = _component_symbols()
    expr = sol.answers[part]
    return [float(expr.xreplace({sk: sp.Float(float(u)), tk: sp.Float(float(v))})) for u, v in zip(s, t)]


def _check_likelihood(checks, gen, K) -> None:
    """Summed cross-entropy = − log of the product of the probabilities of the observed classes."""
    import torch
    import torch.nn.functional as F

    N = 6
    logits = torch.randn(N, K, generator=gen, dtype=torch.float64)
    labels = torch.randint(K, (N,), generator=gen)
    total = F.cross_entropy(logits, labels, reduction="sum")
    likelihood = torch.prod(torch.softmax(logits, 1)[torch.arange(N), labels])
    checks.close(f"N={N}, K={K}: sum of cross-entropies = -ln likelihood", total, -torch.log(likelihood))


def _wrong_ce(make):
    def wrong(q):
        import sympy as sp

        sk, tk = _component_symbols()
        return make(sp, sk, tk)
    return wrong


# ----------------------------------------------------------------------------------------------
# Why softmax (td2.I.2)
# ----------------------------------------------------------------------------------------------

def _statement_why(q) -> Text:
    return Text(
        "En classification à $K$ classes, on place souvent une softmax sur les préactivations $a_k$ de la "
        "dernière couche : $s_k = e^{a_k} / \\sum_j e^{a_j}$. Quel intérêt présente cette activation ?",
        "In $K$-class classification, a softmax is often put on the pre-activations $a_k$ of the last layer: "
        "$s_k = e^{a_k} / \\sum_j e^{a_j}$. What does this activation bring?")


def _solve_why(q) -> Solution:
    import sympy as sp

    from solver.derive.chain import Chain

    (_, j, k, l, K), (a, s, _) = _indices()
    c = sp.Symbol("c")
    total = sp.Sum(sp.exp(a[l]), (l, 1, K))
    shifted_num = sp.exp(a[k] + c).expand()
    shifted_den = sp.factor_terms(sp.Sum(sp.exp(a[l] + c), (l, 1, K)).expand())
    a1, a2 = sp.symbols("a_1 a_2")
    s1 = sp.exp(a1) / (sp.exp(a1) + sp.exp(a2))
    steps = [
        Step(Text("Définition.", "Definition."), _softmax_definition(k)),
        Step(Text("Chaque $s_k$ est strictement positif et leur somme vaut 1 : $s$ est une distribution de "
                  "probabilité sur les $K$ classes, lisible comme $p(y = k \\mid x)$.",
                  "Every $s_k$ is positive and they sum to 1: $s$ is a probability distribution over the $K$ "
                  "classes, read as $p(y = k \\mid x)$."),
             Chain(sp.Sum(s[k], (k, 1, K)), sp.Mul(total, sp.Pow(total, -1), evaluate=False), total / total)),
        Step(Text("Le rapport de deux sorties ne dépend que de l'écart des préactivations : l'ordre est "
                  "conservé, la plus grande préactivation reçoit la plus grande probabilité. C'est un "
                  "« arg max doux », dérivable partout, qui tend vers l'indicatrice de l'arg max quand on "
                  "multiplie $a$ par un grand facteur.",
                  "The ratio of two outputs only depends on the gap between pre-activations: the order is "
                  "kept, the largest pre-activation gets the largest probability. It is a differentiable "
                  "\"soft arg max\", which tends to the indicator of the arg max when $a$ is multiplied by a "
                  "large factor."),
             sp.Eq(s[k] / s[j], sp.powsimp(sp.exp(a[k]) / sp.exp(a[j])))),
        Step(Text("Ajouter la même constante $c$ à toutes les préactivations ne change rien (on s'en sert pour "
                  "un calcul stable, avec $c = -\\max_k a_k$).",
                  "Adding the same constant $c$ to every pre-activation changes nothing (used for a stable "
                  "computation, with $c = -\\max_k a_k$)."),
             Chain(sp.exp(a[k] + c) / sp.Sum(sp.exp(a[l] + c), (l, 1, K)), shifted_num / shifted_den)),
        Step(Text("Pour $K = 2$, on retrouve la sigmoïde de l'écart : la softmax généralise la régression "
                  "logistique.",
                  "For $K = 2$, this is the sigmoid of the gap: softmax generalises logistic regression."),
             Chain(s1, 1 / sp.powsimp(sp.expand(1 / s1)))),
        Step(Text("Associée à l'entropie croisée, elle donne le gradient très simple $s - t$ (td2.I.4), qui "
                  "ne s'annule pas quand la prédiction est fausse, contrairement à une sigmoïde saturée avec "
                  "l'erreur quadratique (td2.I.1).",
                  "Paired with the cross-entropy, it gives the very simple gradient $s - t$ (td2.I.4), which "
                  "does not vanish when the prediction is wrong, unlike a saturated sigmoid with the quadratic "
                  "loss (td2.I.1).")),
    ]
    return Solution(q, tuple(steps), {"text": _why_answer()})


def _why_answer() -> ModelAnswer:
    return ModelAnswer(
        Text("La softmax transforme $K$ scores réels quelconques en $K$ nombres strictement positifs de somme "
             "1 : une distribution de probabilité sur les classes, que l'on interprète comme "
             "$p(y = k \\mid x)$, ce qui convient à un problème où chaque exemple a une seule classe. Elle "
             "conserve l'ordre des scores (c'est une version douce et dérivable de l'arg max, qui accentue les "
             "écarts grâce à l'exponentielle), elle est invariante par ajout d'une constante à tous les scores "
             "(d'où un calcul numériquement stable), elle généralise la sigmoïde ($K = 2$), et combinée à "
             "l'entropie croisée (log-vraisemblance) elle donne le gradient simple $s - t$ par rapport aux "
             "préactivations.",
             "Softmax maps $K$ arbitrary real scores to $K$ positive numbers summing to 1: a probability "
             "distribution over the classes, read as $p(y = k \\mid x)$, which suits a problem where each "
             "example has exactly one class. It keeps the order of the scores (a soft, differentiable version "
             "of arg max, whose exponential stresses the gaps), it is invariant to adding a constant to every "
             "score (hence a numerically stable computation), it generalises the sigmoid ($K = 2$), and "
             "combined with the cross-entropy (log-likelihood) it gives the simple gradient $s - t$ with "
             "respect to the pre-activations."),
        rubric=(
            Text("sorties positives de somme 1 : distribution de probabilité sur les classes, $p(y = k \\mid x)$",
                 "positive outputs summing to 1: a probability distribution over classes, $p(y = k \\mid x)$"),
            Text("arg max doux et dérivable (ordre conservé, écarts accentués) ; entraînable par gradient",
                 "soft, differentiable arg max (order kept, gaps stressed); trainable by gradient descent"),
            Text("adaptée aux classes mutuellement exclusives (une seule classe par exemple)",
                 "suits mutually exclusive classes (one class per example)"),
            Text("avec l'entropie croisée : gradient $s - t$, interprétation en maximum de vraisemblance",
                 "with the cross-entropy: gradient $s - t$, maximum-likelihood reading"),
            Text("bonus : invariance par translation des scores (calcul stable), généralise la sigmoïde",
                 "bonus: invariance to shifting the scores (stable computation), generalises the sigmoid"),
        ))


def _check_why(q, sol, checks) -> None:
    """The properties the model answer states, on random scores."""
    import torch
    import torch.nn.functional as F

    gen = torch.Generator().manual_seed(4000)
    for K in range(2, 7):
        a = 3 * torch.randn(K, generator=gen, dtype=torch.float64)
        s = torch.softmax(a, 0)
        checks.true(f"K={K}: outputs positive", bool(torch.all(s > 0)))
        checks.close(f"K={K}: outputs sum to 1", s.sum(), 1.0)
        checks.close(f"K={K}: shift invariance", torch.softmax(a + 7.5, 0), s)
        checks.equal(f"K={K}: order kept", torch.argsort(s).tolist(), torch.argsort(a).tolist())
        top = torch.topk(a, 2).values
        sharp = torch.softmax(a * 50 / (top[0] - top[1]), 0)
        checks.close(f"K={K}: scaled scores tend to the one-hot arg max", sharp,
                     F.one_hot(a.argmax(), K).double(), atol=1e-12)
        y = int(torch.randint(K, (1,), generator=gen))
        leaf = a.clone().requires_grad_()
        (grad,) = torch.autograd.grad(F.cross_entropy(leaf[None], torch.tensor([y])), leaf)
        checks.close(f"K={K}: cross-entropy gradient is s - t", grad, s - F.one_hot(torch.tensor(y), K))
    a = torch.randn(2, generator=gen, dtype=torch.float64)
    checks.close("K=2: softmax is the sigmoid of the gap", torch.softmax(a, 0)[0], torch.sigmoid(a[0] - a[1]))


# ----------------------------------------------------------------------------------------------

_K_DOMAIN: Mapping[str, Domain] = {"s": "probability", "i": "size", "j": "size",
                                   **{f"s_{n}": "probability" for n in range(1, MAX_K + 1)}}
_CE_DOMAIN: Mapping[str, Domain] = {"s_k": "probability", "t_k": "probability"}


def _param_K():
    return Param("K", "int", SYMBOLIC, Text("nombre de classes", "number of classes"), minimum=2, maximum=MAX_K,
                 symbolic_ok=True)


SOFTMAX = Chain("td2.I", ("K",), lambda rng: {"K": rng.randint(2, 6)})


EXERCISES = (
    Exercise(
        id="td2.I.2",
        sheet="td2",
        title=Text("Pourquoi une softmax en sortie", "Why a softmax output"),
        statement=_statement_why,
        parts=(Part("text", "text", Text("intérêt de la softmax", "what softmax brings")),),
        solve=_solve_why,
        check=_check_why,
    ),
    Exercise(
        id="td2.I.3",
        sheet="td2",
        aliases=("softmax-jacobian",),
        title=Text("Jacobienne de la softmax", "Jacobian of softmax"),
        statement=_statement_jacobian,
        params=(_param_K(),), chain=SOFTMAX,
        parts=(Part("A", "matrix", Text("la matrice $A$ ($A_{ij} = \\partial s_j/\\partial a_i$)",
                                        "the matrix $A$ ($A_{ij} = \\partial s_j/\\partial a_i$)"),
                    domain=_K_DOMAIN),),
        solve=_solve_jacobian,
        check=_check_jacobian,
        diagnoses=(
            mistake("sign-error", "A", _wrong_jacobian(lambda si, sj, d: -si * (d - sj)),
                      Text("Erreur de signe : la dérivée du dénominateur $Z$ entre avec un signe moins.",
                           "Sign error: the derivative of the denominator $Z$ comes in with a minus sign.")),
            mistake("diagonal-only", "A", _wrong_jacobian(lambda si, sj, d: d * si * (1 - si))),
            Diagnosis("missing-delta-term", "A", _wrong_jacobian(lambda si, sj, d: -si * sj),
                      Text("Il manque le terme $s_i \\delta_{ij}$ venant du numérateur quand $i = j$.",
                           "The term $s_i \\delta_{ij}$, from the numerator when $i = j$, is missing.")),
            Diagnosis("missing-outer-product", "A", _wrong_jacobian(lambda si, sj, d: d * si),
                      Text("Il manque $-s s^\\top$ : la dérivée du dénominateur a été oubliée.",
                           "The $-s s^\\top$ term is missing: the derivative of the denominator was forgotten.")),
        ),
    ),
    Exercise(
        id="td2.I.4",
        sheet="td2",
        aliases=("cross-entropy-gradient",),
        title=Text("Gradient de l'entropie croisée avec une softmax", "Gradient of the cross-entropy with softmax"),
        statement=_statement_ce,
        chain=SOFTMAX,
        params=(_param_K(),
                Param("y", "int", SYMBOLIC, Text("classe de l'exemple (1..K)", "class of the example (1..K)"),
                      minimum=1, maximum=MAX_K, symbolic_ok=True)),
        parts=(
            Part("dC_ds", "expr", Text("$\\partial C / \\partial s_k$", "$\\partial C / \\partial s_k$"),
                 domain=_CE_DOMAIN),
            Part("dC_da", "expr", Text("$\\partial C / \\partial a_k$", "$\\partial C / \\partial a_k$"),
                 domain=_CE_DOMAIN),
            Part("likelihood", "text", Text("lien avec la vraisemblance conditionnelle",
                                            "link with the conditional likelihood")),
        ),
        solve=_solve_ce,
        check=_check_ce,
        draw=_draw_class,
        validate=_validate_ce,
        diagnoses=(
            mistake("sign-error", "dC_ds", _wrong_ce(lambda sp, s, t: t / s),
                      Text("Erreur de signe : le coût est $-\\sum_k t_k \\ln s_k$.",
                           "Sign error: the loss is $-\\sum_k t_k \\ln s_k$.")),
            Diagnosis("missing-reciprocal", "dC_ds", _wrong_ce(lambda sp, s, t: -t),
                      Text("La dérivée de $\\ln s_k$ est $1/s_k$.", "The derivative of $\\ln s_k$ is $1/s_k$.")),
            mistake("log10-instead-of-ln", "dC_ds", _wrong_ce(lambda sp, s, t: -t / (s * sp.log(10))),
                      Text("L'entropie croisée utilise le logarithme népérien : pas de facteur $1/\\ln 10$.",
                           "The cross-entropy uses the natural logarithm: no $1/\\ln 10$ factor.")),
            mistake("sign-error", "dC_da", _wrong_ce(lambda sp, s, t: t - s),
                      Text("Erreur de signe : le gradient est la prédiction moins la cible, $s_k - t_k$.",
                           "Sign error: the gradient is the prediction minus the target, $s_k - t_k$.")),
            mistake("diagonal-only", "dC_da", _wrong_ce(lambda sp, s, t: -t * (1 - s)),
                      Text("Seul le terme diagonal $A_{kk}$ de la jacobienne a été gardé ; les termes "
                           "$-s_k s_j$ ($j \\neq k$) apportent $s_k \\sum_j t_j$.",
                           "Only the diagonal term $A_{kk}$ of the Jacobian was kept; the terms $-s_k s_j$ "
                           "($j \\neq k$) bring $s_k \\sum_j t_j$.")),
            Diagnosis("missing-softmax-jacobian", "dC_da", _wrong_ce(lambda sp, s, t: -t / s),
                      Text("C'est $\\partial C/\\partial s_k$ : il faut encore passer par la jacobienne de la "
                           "softmax (td2.I.3).",
                           "This is $\\partial C/\\partial s_k$: you still need the Jacobian of softmax "
                           "(td2.I.3).")),
        ),
    ),
)
