"""td2.V — a convolution commutes with translations (proof by index substitution, checked with torch)."""

from __future__ import annotations

from solver.core.errors import ParamError
from solver.core.exercise import Exercise, ModelAnswer, Part, Solution, Step
from solver.core.params import Param
from solver.core.text import Text

STRIDE = 2  # stride (and pooling size) of the counter-example


def _symbols() -> dict:
    import sympy as sp

    out = {c: sp.Symbol(c, integer=True) for c in "ijuvxy"}
    out["k"] = sp.Symbol("k", integer=True, positive=True)
    out.update(X=sp.IndexedBase("X"), K=sp.IndexedBase("K"),
               TX=sp.IndexedBase(sp.Symbol("(T_{x,y}X)")))
    return out


def correlation_sum(image, i, j, x: dict, k=None, flip: bool = False):
    """(image ⋆ K)_{i,j} as a SymPy double sum; `image(a, b)` gives the pixel (a, b).

    With `flip`, the true convolution: K_{u,v} multiplies the pixel (i − u, j − v).

    >>> x = _symbols()
    >>> correlation_sum(lambda a, b: x["X"][a, b], 0, 0, x, k=2).doit()
    K[0, 0]*X[0, 0] + K[0, 1]*X[0, 1] + K[1, 0]*X[1, 0] + K[1, 1]*X[1, 1]
    """
    import sympy as sp

    u, v = x["u"], x["v"]
    k = x["k"] if k is None else k
    sign = -1 if flip else 1
    return sp.Sum(x["K"][u, v] * image(i + sign * u, j + sign * v), (u, 0, k - 1), (v, 0, k - 1))


def _note(latex: str, plain: str):
    from solver.core.written import Written

    return Written(plain, latex)


def statement(q) -> Text:
    return Text(
        "Soit $X$ une image et $K$ un filtre de convolution. Pour un décalage $(x, y)$, l'opérateur de "
        "translation $T_{x,y}$ déplace chaque pixel : $(T_{x,y}X)_{i,j} = X_{i-x,\\, j-y}$. Montrer que la "
        "convolution commute avec la translation : $(T_{x,y}X) * K = T_{x,y}(X * K)$. "
        f"(Vérification numérique : image ${q['n']} \\times {q['n']}$, filtre ${q['k']} \\times {q['k']}$, "
        f"décalage $(x, y) = ({q['x']}, {q['y']})$.)",
        "Let $X$ be an image and $K$ a convolution filter. For a shift $(x, y)$, the translation operator "
        "$T_{x,y}$ moves every pixel: $(T_{x,y}X)_{i,j} = X_{i-x,\\, j-y}$. Show that convolution commutes "
        "with translation: $(T_{x,y}X) * K = T_{x,y}(X * K)$. "
        f"(Numeric check: ${q['n']} \\times {q['n']}$ image, ${q['k']} \\times {q['k']}$ filter, shift "
        f"$(x, y) = ({q['x']}, {q['y']})$.)")


def solve(q) -> Solution:
    import sympy as sp

    x = _symbols()
    i, j, sx, sy = x["i"], x["j"], x["x"], x["y"]

    def X(a, b):  # a pixel of the image
        return x["X"][a, b]

    def TX(a, b):  # a pixel of the shifted image, as a symbol of its own
        return x["TX"][a, b]

    def shifted(a, b):  # the same pixel written with X: (T X)_{a,b} = X_{a-x, b-y}
        return x["X"][a - sx, b - sy]

    on_T = correlation_sum(shifted, i, j, x)
    at_shift = correlation_sum(X, i - sx, j - sy, x)
    if on_T != at_shift:
        raise RuntimeError("index substitution did not give the shifted correlation")
    steps = [
        Step(Text(
            "Convention des couches (torch) : $\\star$ est la corrélation croisée, indices entiers ; on "
            "travaille sur une image infinie (ou prolongée par des zéros), pour que tous les indices aient "
            "un sens.",
            "Convention of layers (torch): $\\star$ is the cross-correlation, integer indices; we work on an "
            "infinite image (or one extended by zeros), so that every index makes sense."),
            (sp.Eq(x["TX"][i, j], X(i - sx, j - sy), evaluate=False),
             _chain(_note("(X \\star K)_{i,j}", "(X ⋆ K)[i, j]"), correlation_sum(X, i, j, x)))),
        Step(Text(
            "On applique la définition à l'image décalée $T_{x,y}X$, puis celle de $T_{x,y}$ au pixel "
            "$(i + u, j + v)$ :",
            "Apply the definition to the shifted image $T_{x,y}X$, then that of $T_{x,y}$ at the pixel "
            "$(i + u, j + v)$:"),
            _chain(_note("((T_{x,y}X) \\star K)_{i,j}", "((T X) ⋆ K)[i, j]"),
                   correlation_sum(TX, i, j, x), on_T)),
        Step(Text(
            "On regroupe les indices : $i + u - x = (i - x) + u$. C'est exactement la définition de "
            "$X \\star K$ au point $(i - x, j - y)$ (les deux sommes sont identiques terme à terme).",
            "Regroup the indices: $i + u - x = (i - x) + u$. This is exactly the definition of "
            "$X \\star K$ at the point $(i - x, j - y)$ (both sums agree term by term)."),
            _chain(on_T, at_shift, _note("(X \\star K)_{i-x,\\,j-y}", "(X ⋆ K)[i - x, j - y]"))),
        Step(Text(
            "Par définition de $T_{x,y}$ appliqué à la carte $X \\star K$, c'est $(T_{x,y}(X \\star K))_{i,j}$. "
            "L'égalité vaut pour tous $i, j$ : la corrélation commute avec la translation.",
            "By definition of $T_{x,y}$ applied to the map $X \\star K$, this is $(T_{x,y}(X \\star K))_{i,j}$. "
            "The equality holds for all $i, j$: the correlation commutes with translation."),
            _chain(_note("((T_{x,y}X) \\star K)_{i,j}", "((T X) ⋆ K)[i, j]"),
                   _note("(X \\star K)_{i-x,\\,j-y}", "(X ⋆ K)[i - x, j - y]"),
                   _note("(T_{x,y}(X \\star K))_{i,j}", "(T (X ⋆ K))[i, j]")), kind="result"),
        _true_convolution_step(q, x),
        _example_step(q, x),
        Step(Text(
            "L'énoncé prend $(x, y) \\in \\mathbb{R}^2$, mais $X_{i-x,\\, j-y}$ n'est défini que pour des "
            "indices entiers : il faut $(x, y) \\in \\mathbb{Z}^2$. Un décalage non entier demanderait une "
            "interpolation, et l'égalité ne vaut plus en général.",
            "The sheet takes $(x, y) \\in \\mathbb{R}^2$, but $X_{i-x,\\, j-y}$ is only defined for integer "
            "indices: $(x, y) \\in \\mathbb{Z}^2$ is needed. A non-integer shift would need interpolation, "
            "and the equality no longer holds in general."), kind="remark"),
        _border_remark(q),
        _stride_remark(),
    ]
    return Solution(q, tuple(steps), {"proof": _model_answer()})


def _chain(*terms):
    from solver.derive.chain import Chain

    return Chain(*terms)


def _true_convolution_step(q, x) -> Step:
    i, j, sx, sy = x["i"], x["j"], x["x"], x["y"]
    on_T = correlation_sum(lambda a, b: x["X"][a - sx, b - sy], i, j, x, flip=True)
    at_shift = correlation_sum(lambda a, b: x["X"][a, b], i - sx, j - sy, x, flip=True)
    if on_T != at_shift:
        raise RuntimeError("index substitution did not give the shifted convolution")
    return Step(Text(
        "Même calcul pour la vraie convolution $*$ de l'énoncé (noyau retourné, "
        "$(X * K)_{i,j} = \\sum K_{u,v} X_{i-u,\\, j-v}$) : seul le signe de $u, v$ change.",
        "Same computation for the sheet's true convolution $*$ (flipped kernel, "
        "$(X * K)_{i,j} = \\sum K_{u,v} X_{i-u,\\, j-v}$): only the sign of $u, v$ changes."),
        _chain(_note("((T_{x,y}X) * K)_{i,j}", "((T X) * K)[i, j]"), on_T, at_shift,
               _note("(T_{x,y}(X * K))_{i,j}", "(T (X * K))[i, j]")))


def _example_step(q, x) -> Step:
    i, j = x["i"], x["j"]
    k, sx, sy = q["k"], q["x"], q["y"]
    on_T = correlation_sum(lambda a, b: x["X"][a - sx, b - sy], i, j, x, k=k)
    return Step(Text(
        f"Exemple avec $k = {k}$ et $(x, y) = ({sx}, {sy})$ : chaque terme lit le pixel décalé de "
        f"$({sx}, {sy})$.",
        f"Example with $k = {k}$ and $(x, y) = ({sx}, {sy})$: every term reads the pixel shifted by "
        f"$({sx}, {sy})$."),
        _chain(_note(f"((T_{{{sx},{sy}}}X) \\star K)_{{i,j}}", f"((T_({sx},{sy}) X) ⋆ K)[i, j]"), on_T,
               _note(f"(X \\star K)_{{{_latex(i - sx)},\\,{_latex(j - sy)}}}",
                     f"(X ⋆ K)[{i - sx}, {j - sy}]")))


def _latex(expr) -> str:
    import sympy as sp

    return sp.latex(expr)


def interior(n: int, k: int, shift: int) -> tuple[int, int]:
    """Output rows (first, last) where zero padding "same" keeps equivariance for a shift along rows.

    The window of row i covers rows i − p … i − p + k − 1 (p = ⌊(k − 1)/2⌋ zeros above); both
    sides agree when it stays within the rows that are real pixels in X and in T X.

    >>> interior(8, 3, 1), interior(8, 3, -2), interior(8, 1, 0)
    ((2, 6), (1, 4), (0, 7))
    """
    p = (k - 1) // 2
    return max(0, shift) + p, min(n - 1, n - 1 + shift) - (k - 1 - p)


def _border_remark(q) -> Step:
    n, k, sx, sy = q["n"], q["k"], q["x"], q["y"]
    (r0, r1), (c0, c1) = interior(n, k, sx), interior(n, k, sy)
    return Step(Text(
        "Sur une image finie, la translation fait sortir des pixels et en fait entrer d'inconnus. "
        "L'égalité est exacte avec un remplissage circulaire (image sur un tore, translation = "
        f"`torch.roll`). Avec un remplissage par zéros « same », elle n'est garantie que loin des bords : ici "
        f"(image ${n} \\times {n}$, filtre ${k} \\times {k}$, décalage $({sx}, {sy})$) sur les lignes "
        f"{r0} à {r1} et les colonnes {c0} à {c1}.",
        "On a finite image, translation pushes pixels out and brings unknown ones in. The equality is "
        "exact with circular padding (image on a torus, translation = `torch.roll`). With \"same\" zero "
        f"padding it is only guaranteed away from the borders: here (${n} \\times {n}$ image, ${k} \\times {k}$ "
        f"filter, shift $({sx}, {sy})$) on rows {r0} to {r1} and columns {c0} to {c1}."), kind="remark")


def _stride_remark() -> Step:
    s = STRIDE
    return Step(Text(
        f"L'équivariance concerne la convolution de pas 1. Avec un pas {s} (ou un max-pooling {s}×{s}), "
        "décaler l'entrée d'un pixel ne donne en général aucune copie décalée de la sortie ; un décalage "
        f"de $({s}a, {s}b)$ devient un décalage de $(a, b)$ de la sortie (image circulaire). Un réseau "
        "n'est donc équivariant que pour les décalages multiples du pas total (et les couches denses "
        "finales donnent au mieux une invariance approchée).",
        f"Equivariance is a property of the stride-1 convolution. With stride {s} (or {s}×{s} "
        "max-pooling), shifting the input by one pixel gives in general no shifted copy of the output; "
        f"a shift of $({s}a, {s}b)$ becomes a shift of $(a, b)$ of the output (circular image). A network "
        "is therefore only equivariant for shifts that are multiples of its total stride (and the final "
        "dense layers give at best an approximate invariance)."), kind="remark")


def _model_answer() -> ModelAnswer:
    return ModelAnswer(
        Text(
            "Avec $(X \\star K)_{i,j} = \\sum_{u,v} K_{u,v} X_{i+u,\\, j+v}$ et "
            "$(T_{x,y}X)_{i,j} = X_{i-x,\\, j-y}$ : $((T_{x,y}X) \\star K)_{i,j} = \\sum_{u,v} K_{u,v} "
            "(T_{x,y}X)_{i+u,\\, j+v} = \\sum_{u,v} K_{u,v} X_{(i-x)+u,\\, (j-y)+v} = (X \\star K)_{i-x,\\, j-y} "
            "= (T_{x,y}(X \\star K))_{i,j}$ pour tous $i, j$. Même calcul pour la vraie convolution "
            "($X_{i-u,\\, j-v}$). Cela suppose $(x, y)$ entiers et une image infinie (ou circulaire) ; "
            "avec des bords, l'égalité ne vaut qu'à l'intérieur, et un pas > 1 ou un pooling la cassent "
            "pour les décalages non multiples du pas.",
            "With $(X \\star K)_{i,j} = \\sum_{u,v} K_{u,v} X_{i+u,\\, j+v}$ and "
            "$(T_{x,y}X)_{i,j} = X_{i-x,\\, j-y}$: $((T_{x,y}X) \\star K)_{i,j} = \\sum_{u,v} K_{u,v} "
            "(T_{x,y}X)_{i+u,\\, j+v} = \\sum_{u,v} K_{u,v} X_{(i-x)+u,\\, (j-y)+v} = (X \\star K)_{i-x,\\, j-y} "
            "= (T_{x,y}(X \\star K))_{i,j}$ for all $i, j$. Same computation for the true convolution "
            "($X_{i-u,\\, j-v}$). This assumes integer $(x, y)$ and an infinite (or circular) image; with "
            "borders the equality only holds inside, and a stride > 1 or pooling breaks it for shifts "
            "that are not multiples of the stride."),
        rubric=(
            Text("écrit la convolution (ou corrélation) avec ses indices et la translation $T_{x,y}$",
                 "writes the convolution (or correlation) with its indices and the translation $T_{x,y}$"),
            Text("substitue $(T_{x,y}X)_{i+u,\\, j+v} = X_{i+u-x,\\, j+v-y}$ dans la somme",
                 "substitutes $(T_{x,y}X)_{i+u,\\, j+v} = X_{i+u-x,\\, j+v-y}$ in the sum"),
            Text("reconnaît $(X \\star K)_{i-x,\\, j-y} = (T_{x,y}(X \\star K))_{i,j}$, pour tous $i, j$",
                 "recognises $(X \\star K)_{i-x,\\, j-y} = (T_{x,y}(X \\star K))_{i,j}$, for all $i, j$"),
            Text("précise les hypothèses : décalage entier ($\\mathbb{Z}^2$), image infinie ou circulaire "
                 "(bords)", "states the assumptions: integer shift ($\\mathbb{Z}^2$), infinite or circular "
                 "image (borders)"),
            Text("(bonus) note qu'un pas > 1 ou un pooling cassent l'équivariance",
                 "(bonus) notes that a stride > 1 or pooling breaks equivariance"),
        ))


def validate(values) -> None:
    n, k, sx, sy = values["n"], values["k"], values["x"], values["y"]
    if k > n:
        raise ParamError(Text(f"le filtre ({k}) dépasse l'image ({n})",
                              f"the filter ({k}) is larger than the image ({n})"))
    if max(abs(sx), abs(sy)) > n - k:
        raise ParamError(Text(
            f"décalage trop grand : il faut |x|, |y| ≤ n − k = {n - k} pour garder un intérieur",
            f"shift too large: |x|, |y| ≤ n − k = {n - k} is needed to keep an interior"))


def draw(rng) -> dict:
    n = rng.randint(6, 10)
    k = rng.randint(1, 4)
    limit = min(3, n - k)
    shift = (0, 0)
    while shift == (0, 0):
        shift = (rng.randint(-limit, limit), rng.randint(-limit, limit))
    return {"n": n, "k": k, "x": shift[0], "y": shift[1]}


def check(q, sol, checks) -> None:
    """Symbolic sums expanded; torch: circular padding, zero padding inside, stride/pooling counter-example."""
    import torch

    n, k, sx, sy = q["n"], q["k"], q["x"], q["y"]
    gen = torch.Generator().manual_seed(2024 + (q.seed or 0))
    X = torch.randn(n, n, dtype=torch.float64, generator=gen)
    K = torch.randn(k, k, dtype=torch.float64, generator=gen)
    _check_expanded(checks, k, sx, sy)
    _check_circular(checks, X, K, (sx, sy))
    _check_zero_padding(checks, X, K, (sx, sy))
    m = n + n % 2
    X2 = torch.randn(m, m, dtype=torch.float64, generator=gen)
    _check_subsampling(checks, "stride 2", lambda A: _corr(A, K, "circular", STRIDE), X2, (sx, sy))
    _check_subsampling(checks, "max-pool 2", lambda A: _max_pool(A), X2, (sx, sy))


def _check_expanded(checks, k, sx, sy) -> None:
    """With concrete k and shift, the two expanded sums are the same polynomial in the pixels."""
    import sympy as sp

    x = _symbols()
    i, j = x["i"], x["j"]
    left = correlation_sum(lambda a, b: x["X"][a - sx, b - sy], i, j, x, k=k).doit()
    right = correlation_sum(lambda a, b: x["X"][a, b], i - sx, j - sy, x, k=k).doit()
    checks.true(f"sympy: ((T X)⋆K)[i,j] - (X⋆K)[i-x,j-y] expands to 0 (k={k})", sp.expand(left - right) == 0)


def _pads(k: int) -> tuple[int, int, int, int]:
    lo = (k - 1) // 2
    hi = k - 1 - lo
    return (lo, hi, lo, hi)


def _corr(A, K, mode: str, stride: int = 1):
    """Cross-correlation keeping the size ("same"), with circular or zero padding."""
    import torch.nn.functional as F

    x = A[None, None]
    x = F.pad(x, _pads(K.shape[0]), mode="circular") if mode == "circular" else F.pad(x, _pads(K.shape[0]))
    return F.conv2d(x, K[None, None], stride=stride)[0, 0]


def _max_pool(A):
    import torch.nn.functional as F

    return F.max_pool2d(A[None, None], STRIDE)[0, 0]


def _shift_zero(A, sx: int, sy: int):
    """T_{x,y} on a finite image: pixels moved by (x, y), zeros coming in."""
    import torch

    out = torch.zeros_like(A)
    n, m = A.shape
    out[max(0, sx):n + min(0, sx), max(0, sy):m + min(0, sy)] = \
        A[max(0, -sx):n - max(0, sx), max(0, -sy):m - max(0, sy)]
    return out


def _check_circular(checks, X, K, shift) -> None:
    import torch

    left = _corr(torch.roll(X, shift, dims=(0, 1)), K, "circular")
    right = torch.roll(_corr(X, K, "circular"), shift, dims=(0, 1))
    checks.close(f"circular padding: conv(roll(X)) = roll(conv(X)), shift {shift}", left, right,
                 rtol=1e-12, atol=1e-12)


def _check_zero_padding(checks, X, K, shift) -> None:
    """Equal inside; different somewhere when the window reaches past the edge pixels leave by."""
    n, k = X.shape[0], K.shape[0]
    left = _corr(_shift_zero(X, *shift), K, "zeros")
    right = _shift_zero(_corr(X, K, "zeros"), *shift)
    (r0, r1), (c0, c1) = interior(n, k, shift[0]), interior(n, k, shift[1])
    checks.close(f"zero padding: equal on rows {r0}..{r1}, columns {c0}..{c1}",
                 left[r0:r1 + 1, c0:c1 + 1], right[r0:r1 + 1, c0:c1 + 1], rtol=1e-12, atol=1e-12)
    lo, hi = _pads(k)[:2]
    if any((t > 0 and hi > 0) or (t < 0 and lo > 0) for t in shift):
        gap = float((left - right).abs().max())
        checks.true("zero padding: the maps differ near the border", gap > 1e-9,
                    f"largest difference {gap:.3g}")


def _is_some_shift(Z, Z_shifted) -> bool:
    """Whether Z_shifted equals a circular shift of Z (any offset)."""
    import torch

    a, b = Z.shape
    return any(torch.allclose(torch.roll(Z, (r, c), dims=(0, 1)), Z_shifted, rtol=1e-12, atol=1e-12)
               for r in range(a) for c in range(b))


def _check_subsampling(checks, name, layer, X, shift) -> None:
    import torch

    s = STRIDE
    base = layer(X)
    odd = {(1, 0)} | ({shift} if shift[0] % s or shift[1] % s else set())
    for sh in sorted(odd):
        moved = layer(torch.roll(X, sh, dims=(0, 1)))
        checks.true(f"{name}: input shift {sh} is no shift of the output", not _is_some_shift(base, moved),
                    "the output happened to be a shifted copy")
    for sh in sorted({(s, 0), (s * shift[0], s * shift[1])}):
        moved = layer(torch.roll(X, sh, dims=(0, 1)))
        checks.close(f"{name}: input shift {sh} = output shift {(sh[0] // s, sh[1] // s)}",
                     moved, torch.roll(base, (sh[0] // s, sh[1] // s), dims=(0, 1)), rtol=1e-12, atol=1e-12)


EXERCISES = (Exercise(
    id="td2.V",
    sheet="td2",
    aliases=("translation-equivariance",),
    title=Text("Équivariance par translation", "Translation equivariance"),
    statement=statement,
    params=(
        Param("n", "int", 8, Text("côté de l'image (vérification)", "image side (check)"), minimum=2,
              maximum=64),
        Param("k", "int", 3, Text("côté du filtre", "filter side"), minimum=1, maximum=15),
        Param("x", "int", 1, Text("décalage vertical (lignes)", "vertical shift (rows)")),
        Param("y", "int", 2, Text("décalage horizontal (colonnes)", "horizontal shift (columns)")),
    ),
    parts=(Part("proof", "text", Text("démonstration de $(T_{x,y}X) * K = T_{x,y}(X * K)$",
                                      "proof of $(T_{x,y}X) * K = T_{x,y}(X * K)$")),),
    solve=solve,
    check=check,
    draw=draw,
    validate=validate,
),)
