"""cours-intro.softmax-example — the lecture's softmax of a score vector, exact and as decimals."""

from __future__ import annotations

from solver.core.errors import ParamError
from solver.core.exercise import Exercise, Part, Solution, Step
from solver.core.params import Param
from solver.core.text import Text, numerals
from solver.derive.draw import matrix
from solver.derive.mistakes import mistakes_of


def _scores(q) -> tuple:
    return tuple(v for row in q["a"] for v in row)


def statement(q) -> Text:
    a = numerals(_scores(q), math=True)
    return Text(
        f"Un classifieur produit les scores $a = {a.fr}$ pour {len(_scores(q))} classes. Calculer le vecteur "
        "$s = \\mathrm{softmax}(a)$, $s_k = e^{a_k} / \\sum_j e^{a_j}$ (valeurs exactes et décimales).",
        f"A classifier outputs the scores $a = {a.en}$ for {len(_scores(q))} classes. Compute the vector "
        "$s = \\mathrm{softmax}(a)$, $s_k = e^{a_k} / \\sum_j e^{a_j}$ (exact values and decimals).")


def validate(values) -> None:
    if len(values["a"]) != 1 or len(values["a"][0]) < 2:
        raise ParamError(Text("a doit être un vecteur ligne d'au moins 2 scores, par ex. [-1 0 3 5]",
                              "a must be a row vector of at least 2 scores, e.g. [-1 0 3 5]"))
    if max(abs(v) for v in values["a"][0]) > 50:
        raise ParamError(Text("scores limités à [-50, 50]", "scores are limited to [-50, 50]"))


def draw(rng) -> dict:
    return {"a": matrix(rng, 1, 4, -5, 6)}


def _exact(q):
    import sympy as sp

    from solver.maths.activations import softmax

    a = [sp.nsimplify(v) for v in _scores(q)]
    return a, softmax(a).T


def solve(q) -> Solution:
    import sympy as sp

    from solver.derive.chain import Chain
    from solver.derive.mlp import final, number

    a, s = _exact(q)
    n = len(a)
    total = sp.Add(*(sp.exp(v) for v in a))
    steps = [
        Step(Text("Exponentielle de chaque score, puis leur somme (le dénominateur commun) :",
                  "Exponential of each score, then their sum (the common denominator):"),
             Chain(sp.Symbol("Z"), sp.Sum(sp.exp(sp.Indexed("a", sp.Symbol("j"))), (sp.Symbol("j"), 1, n)),
                   total, final(total))),
        Step(Text("Chaque composante est son exponentielle divisée par cette somme ; on écrit $s$ en vecteur "
                  "ligne $1 \\times n$, dans l'ordre des scores.",
                  "Each entry is its exponential divided by that sum; $s$ is written as a $1 \\times n$ row "
                  "vector, in the order of the scores."),
             tuple(Chain(sp.Symbol(f"s_{k + 1}"), s[k], final(s[k])) for k in range(n)), kind="result"),
        Step(Text("Contrôle : les composantes sont positives et leur somme vaut 1 ; l'ordre des scores est "
                  "conservé et l'exponentielle amplifie les écarts entre eux.",
                  "Check: the entries are positive and sum to 1; the order of the scores is kept and the "
                  "exponential magnifies the gaps between them."),
             Chain(sp.Sum(sp.Indexed("s", sp.Symbol("k")), (sp.Symbol("k"), 1, n)), sp.together(sum(s)))),
        Step(Text("En pratique on calcule $e^{a_k - \\max_j a_j}$ : même résultat (le facteur $e^{-\\max a}$ se "
                  "simplifie), sans débordement pour de grands scores.",
                  "In practice one computes $e^{a_k - \\max_j a_j}$: same result (the factor $e^{-\\max a}$ "
                  "cancels), without overflow for large scores."), kind="remark"),
    ]
    return Solution(q, tuple(steps), {"s": s.applyfunc(number)})


def _wrong(code: str):
    def wrong(q):
        import sympy as sp

        from solver.derive.mlp import number

        a = [sp.nsimplify(v) for v in _scores(q)]
        if code == "missing-normalisation":
            values = [sp.exp(v) for v in a]
        elif code == "sigmoid-instead-of-softmax":
            values = [1 / (1 + sp.exp(-v)) for v in a]
        else:
            total = sum(a)
            if total == 0:
                return None
            values = [v / total for v in a]
        return sp.Matrix([values]).applyfunc(number)
    return wrong


def check(q, sol, checks) -> None:
    import torch

    a = torch.tensor([float(v) for v in _scores(q)], dtype=torch.float64)
    got = [float(v) for v in sol.answers["s"]]
    checks.close("softmax", [got], torch.softmax(a, dim=0).unsqueeze(0))
    checks.close("sum = 1", sum(got), 1.0)


EXERCISES = (Exercise(
    id="cours-intro.softmax-example",
    sheet="cours-intro",
    title=Text("Softmax d'un vecteur de scores", "Softmax of a score vector"),
    statement=statement,
    params=(Param("a", "matrix", ((-1, 0, 3, 5),), Text("scores (vecteur ligne)", "scores (row vector)")),),
    parts=(Part("s", "matrix", Text("$s = \\mathrm{softmax}(a)$ (vecteur ligne)",
                                    "$s = \\mathrm{softmax}(a)$ (row vector)"), atol=1e-6),),
    solve=solve,
    check=check,
    draw=draw,
    validate=validate,
    diagnoses=mistakes_of("s", _wrong, {
        "missing-normalisation": Text("Il faut diviser chaque $e^{a_k}$ par la somme $\\sum_j e^{a_j}$.",
                                      "Each $e^{a_k}$ must be divided by the sum $\\sum_j e^{a_j}$."),
        "sigmoid-instead-of-softmax": Text("C'est la sigmoïde de chaque score : elles ne somment pas à 1. Le softmax normalise "
                                           "sur toutes les classes.",
                                           "This is the sigmoid of each score: they do not sum to 1. Softmax normalises over all "
                                           "classes."),
        "linear-normalisation": Text("Le softmax normalise les exponentielles $e^{a_k}$, pas les scores eux-mêmes.",
                                     "Softmax normalises the exponentials $e^{a_k}$, not the scores themselves."),
    }),
),)
