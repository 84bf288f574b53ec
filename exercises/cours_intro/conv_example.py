"""cours-intro.conv-example — a 3×3 filter with decimal weights on a 6×6 grey image (no padding)."""

from __future__ import annotations

from fractions import Fraction

from solver.core.errors import ParamError
from solver.core.exercise import Chain, Exercise, Part, Solution
from solver.core.params import Param
from solver.core.text import Text
from solver.derive.draw import fraction, matrix

LECTURE_IMAGE = ((146, 99, 147, 249, 176, 190), (212, 135, 152, 140, 50, 97),
                 (105, 127, 232, 179, 105, 31), (139, 54, 24, 149, 90, 241),
                 (1, 168, 208, 240, 118, 44), (7, 208, 141, 216, 33, 194))
LECTURE_FILTER = tuple(tuple(Fraction(c) for c in row.split())
                       for row in ("-0.09 0.66 0.68", "0.32 -0.75 0.63", "0.13 0.07 1"))


def _operands(q) -> dict:
    """Exact matrices (weights as rationals), stride 1, no padding."""
    return {"X": q.sym("X"), "W": q.sym("W"), "stride": 1, "padding": 0, "bias": q.sym("b")}


def statement(q) -> Text:
    from solver.derive.conv_steps import show_decimal, show_decimal_matrix

    n, m = len(q["X"]), len(q["X"][0])
    W, b = show_decimal_matrix(q["W"]), show_decimal(q["b"])
    return Text(
        f"Une image en niveaux de gris de taille ${n} \\times {m}$, $X = {q.show('X')}$, passe dans un "
        f"filtre de convolution $W = {W.fr}$ de biais $b = {b.fr}$, avec un pas de 1 et sans "
        "remplissage. Calculer la carte de caractéristiques $Y$ obtenue.",
        f"A grey-level image of size ${n} \\times {m}$, $X = {q.show('X')}$, goes through a convolution "
        f"filter $W = {W.en}$ with bias $b = {b.en}$, stride 1 and no padding. Compute the "
        "resulting feature map $Y$.")


def solve(q) -> Solution:
    from solver.derive.conv_steps import Names, correlation_steps, decimal_matrix, true_convolution_remark

    o = _operands(q)
    names = Names(X="X", W="W", Y="Y", padded="X_{pad}")
    steps, Y = correlation_steps(o["X"], o["W"], bias=o["bias"], names=names)
    steps.append(true_convolution_remark(o["X"], o["W"], bias=o["bias"], names=names))
    return Solution(q, tuple(steps), {"Y": decimal_matrix(Y)})


def validate(values) -> None:
    X, W = values["X"], values["W"]
    if len(W) > len(X) or len(W[0]) > len(X[0]):
        raise ParamError(Text(
            f"le filtre ({len(W)}×{len(W[0])}) dépasse l'image ({len(X)}×{len(X[0])}) sans remplissage",
            f"the filter ({len(W)}×{len(W[0])}) is larger than the image ({len(X)}×{len(X[0])}) "
            "without padding"))
    if len(X) > 12 or len(X[0]) > 12:
        raise ParamError(Text("image trop grande pour un calcul à la main (au plus 12×12)",
                              "image too large for a hand computation (at most 12×12)"))


def draw_image(rng) -> dict:
    """The lecture's image and filter of a variant; `n` and `k` are their sides (padding-example's data)."""
    n = rng.randint(5, 7)
    X, W = matrix(rng, n, n, 0, 255), matrix(rng, 3, 3, -100, 100, denominator=100)
    return {"X": X, "W": W, "n": n, "k": len(W)}


IMAGE = Chain("cours-intro.image", ("X", "W", "n", "k"), draw_image)


def draw(rng, shared) -> dict:
    return {"b": rng.choice((Fraction(0), fraction(rng, -20, 20, 10)))}


def check(q, sol, checks) -> None:
    """The answer (and the remark's flipped-kernel map) against torch's conv2d in float64."""
    from solver.derive.conv_steps import check_correlation, correlate_exact
    from solver.maths.convolution import flip

    o = _operands(q)
    want_shape = (o["X"].rows - o["W"].rows + 1, o["X"].cols - o["W"].cols + 1)
    checks.equal("shape of Y", tuple(sol.answers["Y"].shape), want_shape)
    check_correlation(checks, "Y vs F.conv2d", sol.answers["Y"], o["X"], o["W"], bias=o["bias"])
    check_correlation(checks, "true convolution vs F.conv2d(flipped kernel)",
                      correlate_exact(o["X"], flip(o["W"]), bias=o["bias"]), o["X"], o["W"],
                      bias=o["bias"], flipped=True)


def _diagnoses():
    from solver.derive.conv_steps import correlation_diagnoses

    return correlation_diagnoses("Y", _operands)


EXERCISES = (Exercise(
    id="cours-intro.conv-example",
    sheet="cours-intro",
    title=Text("Exemple de convolution sur une image", "Convolution example on an image"),
    statement=statement,
    params=(
        Param("X", "matrix", LECTURE_IMAGE, Text("image (niveaux de gris)", "image (grey levels)")),
        Param("W", "matrix", LECTURE_FILTER, Text("filtre", "filter")),
        Param("b", "number", Fraction(0), Text("biais", "bias")),
    ),
    parts=(Part("Y", "matrix", Text("carte de caractéristiques $Y$", "feature map $Y$")),),
    solve=solve,
    check=check,
    draw=draw,
    chain=IMAGE,
    validate=validate,
    diagnoses=_diagnoses(),
),)
