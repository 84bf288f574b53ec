"""td2.II.2 — feature map of a matrix by a 3×3 filter, stride 1, half padding (computed by hand)."""

from __future__ import annotations

from solver.core.errors import ParamError
from solver.core.exercise import Exercise, Part, Solution, Step
from solver.core.params import Param
from solver.core.text import Text
from solver.derive.draw import matrix
from solver.sheets.figures import Figure

SHEET_M = ((1, 4, 2, 3, 2), (1, 2, 4, 1, 6), (2, 2, 4, 0, 1), (2, 5, 1, 3, 4), (3, 5, 4, 1, 0))
SHEET_K = ((2, 0, 2), (3, 5, 1), (0, 1, 4))


def _names():
    from solver.derive.conv_steps import Names

    return Names(X="M", W="K", Y="Y", padded="M_{pad}")


def _operands(q) -> dict:
    """The exact matrices and the geometry: stride 1, half padding ⌊k/2⌋."""
    M, K = q.sym("M"), q.sym("K")
    return {"X": M, "W": K, "stride": 1, "padding": K.rows // 2, "bias": 0}


def statement(q) -> Text:
    return Text(
        f"On applique le filtre $K = {q.show('K')}$ à la matrice $M = {q.show('M')}$ avec un pas de 1 et "
        "un remplissage « half » (autant de zéros de chaque côté qu'il faut pour garder la taille). "
        "Calculer la carte de sortie $Y$.",
        f"The filter $K = {q.show('K')}$ is applied to the matrix $M = {q.show('M')}$ with stride 1 and "
        "\"half\" padding (as many zeros on each side as needed to keep the size). "
        "Compute the output map $Y$.")


def solve(q) -> Solution:
    from solver.derive.conv_steps import correlation_steps, decimal_matrix, true_convolution_remark

    o = _operands(q)
    k = o["W"].rows
    steps = [_half_padding_step(k)]
    body, Y = correlation_steps(o["X"], o["W"], stride=1, padding=o["padding"], names=_names())
    steps += body
    steps.append(true_convolution_remark(o["X"], o["W"], padding=o["padding"], names=_names(), why=Text(
        "L'énoncé parle de « convolution » sans préciser : on a suivi la convention des couches "
        "(torch, Keras). ",
        "The sheet says \"convolution\" without more detail: we followed the convention of layers "
        "(torch, Keras). ")))
    return Solution(q, tuple(steps), {"Y": decimal_matrix(Y)})


def _half_padding_step(k: int) -> Step:
    import sympy as sp

    from solver.derive.chain import derive

    ks = sp.Symbol("k", integer=True, positive=True)
    return Step(Text(
        "Remplissage « half » avec un pas de 1 : il faut $2p = k - 1$ pour que la sortie ait la taille "
        "de l'entrée, soit $p = (k - 1)/2 = \\lfloor k/2 \\rfloor$ zéros de chaque côté (noyau impair).",
        "\"Half\" padding at stride 1: the output keeps the input's size when $2p = k - 1$, that is "
        "$p = (k - 1)/2 = \\lfloor k/2 \\rfloor$ zeros on each side (odd kernel)."),
        derive(sp.Symbol("p"), sp.floor(ks / 2), {ks: k}))


def validate(values) -> None:
    M, K = values["M"], values["K"]
    if len(K) != len(K[0]) or len(K) % 2 == 0:
        raise ParamError(Text(
            f"le filtre doit être carré de côté impair pour un remplissage « half » (reçu {len(K)}×{len(K[0])})",
            f"the filter must be square with an odd side for \"half\" padding (got {len(K)}×{len(K[0])})"))
    if len(K) > 9 or len(M) > 12 or len(M[0]) > 12:
        raise ParamError(Text("matrices trop grandes pour un calcul à la main (M ≤ 12×12, K ≤ 9×9)",
                              "matrices too large for a hand computation (M ≤ 12×12, K ≤ 9×9)"))


def draw(rng) -> dict:
    n = rng.randint(4, 6)
    return {"M": matrix(rng, n, n, 0, 5), "K": matrix(rng, 3, 3, 0, 5)}


def check(q, sol, checks) -> None:
    """The answer and the remark's flipped-kernel map against torch's conv2d (float64)."""
    from solver.derive.conv_steps import check_correlation
    from solver.maths.convolution import convolve2d

    o = _operands(q)
    n_rows, n_cols = o["X"].shape
    checks.equal("Y keeps the size of M", tuple(sol.answers["Y"].shape), (n_rows, n_cols))
    check_correlation(checks, "Y vs F.conv2d(padding=k//2)", sol.answers["Y"], o["X"], o["W"],
                      padding=o["padding"])
    check_correlation(checks, "true convolution vs F.conv2d(flipped kernel)",
                      convolve2d(o["X"], o["W"], padding=o["padding"]), o["X"], o["W"],
                      padding=o["padding"], flipped=True)


def _diagnoses():
    """The usual mal-rules; the flipped kernel is a legitimate reading of this sheet, said so kindly."""
    from dataclasses import replace

    from solver.derive.conv_steps import correlation_diagnoses

    fair = Text("C'est la convolution au sens mathématique (noyau retourné de 180°) : une lecture possible "
                "de l'énoncé, qui ne précise pas la convention. La correction suit celle des couches (torch, "
                "Keras), une corrélation croisée sans retournement ; indiquez toujours la convention choisie.",
                "This is the mathematical convolution (kernel rotated by 180°): a possible reading of the "
                "sheet, which does not state its convention. The correction follows the layers' convention "
                "(torch, Keras), a cross-correlation without flipping; always state the convention you use.")
    return tuple(replace(d, feedback=fair) if d.code == "flipped-kernel" else d
                 for d in correlation_diagnoses("Y", _operands))


def _plot_sliding_kernel(ax, q, sol, lang):
    import matplotlib.patches as patches

    M, K = q["M"], q["K"]
    p = len(K) // 2
    n = len(M) + 2 * p
    for r in range(n):
        for c in range(n):
            inside = p <= r < n - p and p <= c < n - p
            value = M[r - p][c - p] if inside else 0
            ax.text(c + 0.5, n - r - 0.5, str(value), ha="center", va="center", fontsize=9,
                    color="black" if inside else "0.6")
    for i in range(n + 1):
        ax.plot([0, n], [i, i], color="0.8", lw=0.5)
        ax.plot([i, i], [0, n], color="0.8", lw=0.5)
    k = len(K)
    ax.add_patch(patches.Rectangle((0, n - k), k, k, facecolor="tab:blue", alpha=0.25,
                                   edgecolor="tab:blue", lw=1.5))
    ax.add_patch(patches.Rectangle((1, n - k), k, k, fill=False, edgecolor="tab:blue", lw=1,
                                   linestyle="--"))
    ax.set_xlim(0, n)
    ax.set_ylim(0, n)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])


FIGURE = Figure(Text("Le noyau glisse sur l'entrée complétée de zéros (première position).",
                     "The kernel slides over the zero-padded input (first position)."), _plot_sliding_kernel)


EXERCISES = (Exercise(
    id="td2.II.2",
    sheet="td2",
    figure=FIGURE,
    aliases=("conv-numeric",),
    title=Text("Calcul numérique d'une convolution", "Computing a convolution by hand"),
    statement=statement,
    params=(
        Param("M", "matrix", SHEET_M, Text("matrice d'entrée", "input matrix")),
        Param("K", "matrix", SHEET_K, Text("filtre (carré, côté impair)", "filter (square, odd side)")),
    ),
    parts=(Part("Y", "matrix", Text("carte de sortie $Y$ (même taille que $M$)",
                                    "output map $Y$ (same size as $M$)")),),
    solve=solve,
    check=check,
    draw=draw,
    validate=validate,
    diagnoses=_diagnoses(),
),)
