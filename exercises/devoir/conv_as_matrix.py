"""devoir.4.3 and devoir.4.4 — a convolution and a transposed convolution written as matrices.

Both are built by `solver.maths.convmatrix` from index arithmetic; the symbolic output maps come from
`solver.maths.convolution.correlate2d` and `solver.maths.convmatrix.conv_transpose2d`, and the derivation
checks that the matrix reproduces them. Entries are SymPy `Indexed` symbols: ``w[u, v]`` in
plain text, ``w_{u,v}`` in LaTeX.
"""

from __future__ import annotations

from functools import partial

from solver.core.errors import ParamError
from solver.core.exercise import Diagnosis, Exercise, Part, Solution, Step
from solver.core.params import Param
from solver.core.text import Text
from solver.derive.draw import input_side
from solver.derive.mistakes import mistakes_of
from solver.maths.layers import effective_kernel

SHOW = 16  # largest number of rows or columns of a matrix written out in a step


# ----------------------------------------------------------------------------- shared helpers

def _bmatrix(name: str, rows: int, cols: int) -> str:
    """LaTeX of a matrix of indexed names, without SymPy (for statements)."""
    if rows > 4 or cols > 4:
        return f"({name}_{{m,n}})_{{0 \\le m < {rows},\\, 0 \\le n < {cols}}}"
    body = " \\\\ ".join(" & ".join(f"{name}_{{{m},{n}}}" for n in range(cols)) for m in range(rows))
    return "\\begin{bmatrix} " + body + " \\end{bmatrix}"


def _symbols():
    import sympy as sp

    return sp.IndexedBase("w"), sp.IndexedBase("x")


def _kernel(k: int):
    import sympy as sp

    w, _ = _symbols()
    return sp.Matrix(k, k, lambda u, v: w[u, v])


def _input(n: int):
    import sympy as sp

    _, x = _symbols()
    return sp.Matrix(n, n, lambda m, c: x[m, c])


def _sizes():
    """Size symbols for the general formulas, named as the parameters."""
    import sympy as sp

    pos = dict(integer=True, positive=True)
    nat = dict(integer=True, nonnegative=True)
    return {"i": sp.Symbol("i", **pos), "k": sp.Symbol("k", **pos), "s": sp.Symbol("s", **pos),
            "p": sp.Symbol("p", **nat), "op": sp.Symbol("op", **nat), "d": sp.Symbol("d", **pos),
            "o": sp.Symbol("o", **pos)}


def _bind(q, names) -> dict:
    sz = _sizes()
    return {sz[n]: q[n] for n in names}


def _small(M) -> bool:
    return max(M.shape) <= SHOW


def _unless_same(wrong, right):
    """A mistake that gives the right value is no mistake: None then."""
    if wrong is None or (wrong.shape == right.shape and wrong == right):
        return None
    return wrong


def _entry_formula(q, names, transposed: bool):
    """Lines of the general entry formula ``A[...] = w_{u,v}`` (or 0), then with the values here.

    Convolution: row (a, b) is an output (side o), column (m, n) an input (side i). Transposed
    convolution: row (m, n) is an output (side o), column (a, b) an input (side i). In both the
    tap relation is ``m = a·s + u·d − p``.
    """
    import sympy as sp

    from solver.derive.chain import Chain

    w, _ = _symbols()
    sz = _sizes()
    a, b, m, n, u, v = sp.symbols("a b m n u v", integer=True)
    s, p, k, o, i = sz["s"], sz["p"], sz["k"], sz["o"], sz["i"]
    d = sz["d"] if q["d"] != 1 else 1
    gu, gv = (m - a * s + p) / d, (n - b * s + p) / d
    inside = sp.And(sp.Contains(u, sp.Interval(0, k - 1), evaluate=False),
                    sp.Contains(v, sp.Interval(0, k - 1), evaluate=False))
    entry = sp.Piecewise((w[u, v], inside), (0, True))
    A = sp.IndexedBase("A")
    lhs = A[m * o + n, a * i + b] if transposed else A[a * o + b, m * i + n]
    bind = _bind(q, names)
    bind[o] = q["_o"]
    return (Chain(u, gu, gu.xreplace(bind)), Chain(v, gv, gv.xreplace(bind)),
            Chain(lhs, entry), Chain(lhs.xreplace(bind), entry.xreplace(bind)))


def _reproduces(A, X, M) -> bool:
    """Whether ``A · vec(X) = vec(M)`` term by term (products over the non-zeros of A only)."""
    import sympy as sp

    xs = list(X)
    rows: dict = {}
    for (r, c), a in A.todok().items():
        rows.setdefault(r, []).append(a * xs[c])
    return all(sp.expand(sp.Add(*rows.get(r, ())) - e) == 0 for r, e in enumerate(M))


def _torch_values(q, n_in: int, k: int):
    """Random float64 kernel and input (fixed generator per seed) and the SymPy substitution."""
    import torch

    g = torch.Generator().manual_seed(1000 + (q.seed if q.seed is not None else 0))
    wt = torch.randn(k, k, dtype=torch.float64, generator=g)
    xt = torch.randn(n_in, n_in, dtype=torch.float64, generator=g)
    w, x = _symbols()
    subs = {w[u, v]: float(wt[u, v]) for u in range(k) for v in range(k)}
    subs.update({x[m, c]: float(xt[m, c]) for m in range(n_in) for c in range(n_in)})
    return wt, xt, subs


def _basis(n: int):
    """The n² one-hot n × n images, as a batch (n², 1, n, n) for torch."""
    import torch

    return torch.eye(n * n, dtype=torch.float64).reshape(n * n, 1, n, n)


def _value(e, subs) -> float:
    """Float value of a sum of products of symbols, evaluated in Python floats (xreplace with
    floats rebuilds every SymPy product and is ~10 times slower)."""
    import math

    if e in subs:
        return subs[e]
    if e.is_Number:
        return float(e)
    if e.is_Add:
        return math.fsum(_value(t, subs) for t in e.args)
    if e.is_Mul:
        return math.prod(_value(t, subs) for t in e.args)
    if e.is_Pow:
        return _value(e.base, subs) ** _value(e.exp, subs)
    return float(e.xreplace(subs))


def _numeric(M, subs):
    """Float array of a symbolic matrix whose entries are polynomials in the w's and x's."""
    import numpy as np

    return np.array([[_value(e, subs) for e in row] for row in M.tolist()], dtype=float)


# ----------------------------------------------------------------------------- devoir.4.3

CONV = ("i", "k", "s", "p", "d")


def conv_statement(q) -> Text:
    i, k, s, p, d = (q[n] for n in CONV)
    W, X = _bmatrix("w", k, k), _bmatrix("x", i, i)
    dil_fr = "" if d == 1 else f", une dilatation ${d}$"
    dil_en = "" if d == 1 else f", dilation ${d}$"
    return Text(
        f"Une couche de convolution de noyau $W = {W}$ s'applique à l'entrée $X = {X}$ avec un pas "
        f"${s}$, {_zeros_fr(p)}{dil_fr}. (1) Calculer la carte de sortie "
        "$Z = W \\star X$ (corrélation croisée, comme `torch.nn.functional.conv2d`). (2) Cette "
        "opération est linéaire en $X$ : donner la matrice $A$ telle que "
        "$\\operatorname{vec}(Z) = A \\operatorname{vec}(X)$, où $\\operatorname{vec}$ aplatit une "
        "carte ligne après ligne ($x_{0,0}, x_{0,1}, \\dots$).",
        f"A convolutional layer with kernel $W = {W}$ is applied to the input $X = {X}$ with stride "
        f"${s}$ and {_zeros_en(p)}{dil_en}. (1) Compute the output map "
        "$Z = W \\star X$ (cross-correlation, as `torch.nn.functional.conv2d` does). (2) This "
        "operation is linear in $X$: give the matrix $A$ such that "
        "$\\operatorname{vec}(Z) = A \\operatorname{vec}(X)$, where $\\operatorname{vec}$ flattens a "
        "map row after row ($x_{0,0}, x_{0,1}, \\dots$).")


def conv_solve(q) -> Solution:
    from solver.maths.convmatrix import conv_matrix
    from solver.maths.convolution import correlate2d
    from solver.maths.layers import conv_output_size

    i, k, s, p, d = (q[n] for n in CONV)
    W, X = _kernel(k), _input(i)
    o = int(conv_output_size(i, k, s, p, d))
    Z = correlate2d(X, W, s, p, d)
    A = conv_matrix(i, i, W, s, p, d)
    if not _reproduces(A, X, Z):
        raise RuntimeError("conv_matrix disagrees with correlate2d")
    q2 = _with_output(q, o)
    steps = [_remark_sheet_formula(), *_conv_z_steps(q, X, W, Z, o), *_conv_a_steps(q2, X, Z, A),
             *_conv_remarks(q, A)]
    return Solution(q, tuple(steps), {"Z": Z, "A": A})


def _with_output(q, o):
    """The params with the output side added (for the entry-formula helper)."""
    from solver.core.params import Params

    return Params({**q, "_o": o}, q.seed, q.assume)


def _remark_sheet_formula() -> Step:
    return Step(Text(
        "L'énoncé dit qu'une fonction linéaire « peut être calculée comme , pour une matrice A » : la "
        "formule a disparu. On lit $f(X) = A \\operatorname{vec}(X)$ avec des vecteurs colonnes ; "
        "l'indication d'un vecteur ligne $(x_{0,0}, x_{0,1}, \\dots)$ suggère aussi l'écriture "
        "$\\operatorname{vec}(X)^\\top A^\\top$, dont la matrice est la transposée (voir la fin).",
        "The sheet says a linear function \"can be computed as , for a matrix A\": the formula is "
        "missing. We read $f(X) = A \\operatorname{vec}(X)$ with column vectors; the hint of a row "
        "vector $(x_{0,0}, x_{0,1}, \\dots)$ also suggests the form "
        "$\\operatorname{vec}(X)^\\top A^\\top$, whose matrix is the transpose (see the end)."),
        kind="remark")


def _zeros_fr(p: int) -> str:
    return "sans remplissage" if p == 0 else f"${p}$ zéro{'s' if p > 1 else ''} de remplissage de chaque côté"


def _zeros_en(p: int) -> str:
    return "no padding" if p == 0 else f"${p}$ zero{'s' if p > 1 else ''} of padding on each side"


def _tap_relation(d: int) -> tuple[str, str]:
    """The tap relation written with the dilation only when there is one."""
    return ("$m = as + u - p$ et $n = bs + v - p$", "$m = as + u - p$ and $n = bs + v - p$") if d == 1 else \
        ("$m = as + ud - p$ et $n = bs + vd - p$", "$m = as + ud - p$ and $n = bs + vd - p$")


def _conv_z_steps(q, X, W, Z, o):
    import sympy as sp

    from solver.derive.chain import derive
    from solver.maths.convolution import pad
    from solver.maths.layers import conv_output_size

    i, k, s, p, d = (q[n] for n in CONV)
    w, x = _symbols()
    sz = _sizes()
    a, b, u, v = sp.symbols("a b u v", integer=True)
    dd = sz["d"] if d != 1 else 1
    general = sp.Eq(sp.IndexedBase("z")[a, b], sp.Sum(
        w[u, v] * x[a * sz["s"] + u * dd - sz["p"], b * sz["s"] + v * dd - sz["p"]],
        (v, 0, sz["k"] - 1), (u, 0, sz["k"] - 1)), evaluate=False)
    bind = _bind(q, CONV if d != 1 else CONV[:-1])
    size = conv_output_size(sz["i"], sz["k"], sz["s"], sz["p"], dd)
    steps = [
        Step(Text(
            "Convention : comme `conv2d` de PyTorch, la couche calcule une corrélation croisée (le noyau "
            "n'est pas retourné), indices à partir de 0 ; $x_{m,n} = 0$ hors de l'entrée (zéros de "
            "remplissage). Une « vraie » convolution utiliserait $w_{k-1-u, k-1-v}$ à la place de "
            "$w_{u,v}$.",
            "Convention: like PyTorch's `conv2d`, the layer computes a cross-correlation (the kernel "
            "is not flipped), indices from 0; $x_{m,n} = 0$ outside the input (padding zeros). A "
            "\"true\" convolution would use $w_{k-1-u, k-1-v}$ instead of $w_{u,v}$."),
            (general, general.xreplace(bind))),
        Step(Text("Taille de la sortie, le long de chaque dimension :",
                  "Size of the output, along each dimension:"),
             derive(sp.Symbol("o"), size, bind)),
    ]
    if max(i + 2 * p, k) <= 8:
        steps.append(Step(Text("L'entrée entourée de ses zéros de remplissage :",
                               "The input surrounded by its padding zeros:"),
                          sp.Eq(sp.Symbol("X_pad"), pad(X, p), evaluate=False)))
    shown = Z if o <= 3 else sp.Eq(sp.IndexedBase("z")[0, 0], Z[0, 0])
    steps.append(Step(Text(
        f"Chaque sortie est la somme des produits du noyau et de la fenêtre de l'entrée remplie qu'il "
        f"recouvre ; la fenêtre avance de ${s}$ case{'s' if s > 1 else ''}. La carte de sortie est ${o} \\times {o}$"
        + ("." if o <= 3 else " (première entrée ci-dessous, la carte entière dans les réponses)."),
        "Each output is the sum of the products of the kernel with the window of the padded input it "
        f"covers; the window moves by ${s}$ cell{'s' if s > 1 else ''}. The output map is ${o} \\times {o}$"
        + ("." if o <= 3 else " (first entry below, the whole map in the answers).")),
        sp.Eq(sp.Symbol("Z"), shown, evaluate=False) if o <= 3 else shown, kind="result"))
    return steps


def _conv_a_steps(q, X, Z, A):
    import sympy as sp

    from solver.derive.chain import Chain
    from solver.maths.convmatrix import vec

    i, o = q["i"], q["_o"]
    vx = sp.Function("vec")(sp.Symbol("X"))
    steps = [Step(Text(
        f"Aplatissement ligne par ligne : $x_{{m,n}}$ est la composante $m \\cdot {i} + n$ de "
        f"$\\operatorname{{vec}}(X)$ (longueur ${i * i}$) et $z_{{a,b}}$ la composante $a \\cdot {o} + b$ "
        f"de $\\operatorname{{vec}}(Z)$ (longueur ${o * o}$).",
        f"Row-major flattening: $x_{{m,n}}$ is entry $m \\cdot {i} + n$ of $\\operatorname{{vec}}(X)$ "
        f"(length ${i * i}$) and $z_{{a,b}}$ is entry $a \\cdot {o} + b$ of $\\operatorname{{vec}}(Z)$ "
        f"(length ${o * o}$)."),
        Chain(sp.MatrixSymbol("vec(X)", i * i, 1).T, vec(X).T) if i * i <= SHOW else None)]
    tap_fr, tap_en = _tap_relation(q["d"])
    steps.append(Step(Text(
        "Chaque $z_{a,b}$ est une somme de termes $w_{u,v} x_{m,n}$, sans terme constant : $Z$ dépend "
        "linéairement de $X$. Le coefficient de $x_{m,n}$ dans $z_{a,b}$ est $w_{u,v}$ si la case "
        f"$(m, n)$ est lue par le coefficient $(u, v)$ du noyau, c'est-à-dire {tap_fr} ($u$, $v$ "
        "entiers entre $0$ et $k - 1$), et $0$ sinon :",
        "Each $z_{a,b}$ is a sum of terms $w_{u,v} x_{m,n}$ with no constant term: $Z$ depends "
        "linearly on $X$. The coefficient of $x_{m,n}$ in $z_{a,b}$ is $w_{u,v}$ when cell $(m, n)$ "
        f"is read by kernel tap $(u, v)$, that is {tap_en} ($u$, $v$ integers between $0$ and "
        "$k - 1$), and $0$ otherwise:"),
        _entry_formula(q, CONV, transposed=False)))
    nnz = sum(1 for e in A if e != 0)
    steps.append(Step(Text(
        f"D'où $A$, de taille ${A.rows} \\times {A.cols}$ (sorties × entrées), avec {nnz} coefficients "
        "non nuls ; chaque ligne contient les coefficients du noyau qui voient l'entrée.",
        f"Hence $A$, of size ${A.rows} \\times {A.cols}$ (outputs × inputs), with {nnz} non-zero "
        "entries; each row holds the kernel coefficients that see the input."),
        sp.Eq(sp.Symbol("A"), A, evaluate=False) if _small(A) else None, kind="result"))
    if _small(A):
        steps.append(Step(Text(
            "Vérification : le produit $A \\operatorname{vec}(X)$ redonne $\\operatorname{vec}(Z)$ terme "
            "à terme.",
            "Check: the product $A \\operatorname{vec}(X)$ gives back $\\operatorname{vec}(Z)$ term by "
            "term."),
            Chain(sp.MatMul(sp.Symbol("A"), vx), (A * vec(X)).T.T)))
    return steps


def _conv_remarks(q, A):
    steps = [Step(Text(
        "Avec des vecteurs lignes, $\\operatorname{vec}(Z)^\\top = \\operatorname{vec}(X)^\\top A^\\top$ : "
        f"la matrice est alors $A^\\top$, de taille ${A.cols} \\times {A.rows}$. Les deux réponses "
        "décrivent la même application ; on donne $A$ (convention $y = Ax$).",
        "With row vectors, $\\operatorname{vec}(Z)^\\top = \\operatorname{vec}(X)^\\top A^\\top$: the "
        f"matrix is then $A^\\top$, of size ${A.cols} \\times {A.rows}$. Both answers describe the "
        "same map; we give $A$ (convention $y = Ax$)."), kind="remark")]
    unseen = [c for c in range(A.cols) if all(A[r, c] == 0 for r in range(A.rows))]
    if unseen:
        i = q["i"]
        cells = ", ".join(f"x_{{{c // i},{c % i}}}" for c in unseen[:6]) + (", \\dots" if len(unseen) > 6 else "")
        steps.append(Step(Text(
            f"Les colonnes de ${cells}$ sont nulles : ces entrées ne sont lues par aucune position du "
            "noyau (le pas saute des cases, ou les dernières ne forment pas une fenêtre complète).",
            f"The columns of ${cells}$ are zero: these inputs are read by no position of the kernel "
            "(the stride skips cells, or the last ones do not make a full window)."), kind="remark"))
    return steps


def conv_validate(values) -> None:
    span = effective_kernel(values["k"], values["d"])
    padded = values["i"] + 2 * values["p"]
    if span > padded:
        raise ParamError(Text(
            f"le noyau couvre {span} cases mais l'entrée remplie n'en a que {padded} (i + 2p)",
            f"the kernel spans {span} cells but the padded input has only {padded} (i + 2p)"))


def conv_draw(rng) -> dict:
    k = rng.randint(1, 3)
    s = rng.randint(1, 3)
    p = rng.randint(0, 1)
    return {"i": input_side(rng, k, p, low=2, high=5), "k": k, "s": s, "p": p, "d": 1}


def conv_check(q, sol, checks) -> None:
    """Z against F.conv2d, A against the conv2d of every one-hot image, A·x against conv2d(x)."""
    import torch.nn.functional as F

    i, k, s, p, d = (q[n] for n in CONV)
    wt, xt, subs = _torch_values(q, i, k)
    conv = dict(stride=s, padding=p, dilation=d)
    want = F.conv2d(xt[None, None], wt[None, None], **conv)[0, 0]
    checks.close("Z vs conv2d", _numeric(sol.answers["Z"], subs), want)
    A = _numeric(sol.answers["A"], subs)
    columns = F.conv2d(_basis(i), wt[None, None], **conv).reshape(i * i, -1)
    checks.close("A vs conv2d of one-hot inputs", A, columns.T)
    checks.close("A·vec(X) vs conv2d(X).flatten()", A @ xt.flatten().numpy(), want.flatten())


def _conv_wrong(part, slip):
    """A mal-rule for devoir.4.3: Z or A with the kernel flipped, no padding, stride 1…"""
    def wrong(q):
        from solver.maths.convmatrix import conv_matrix, to_column_major
        from solver.maths.convolution import correlate2d, flip

        i, k, s, p, d = (q[n] for n in CONV)
        W, X = _kernel(k), _input(i)
        right = correlate2d(X, W, s, p, d) if part == "Z" else conv_matrix(i, i, W, s, p, d)
        if slip == "flipped-kernel":
            W = flip(W)
        elif slip == "no-padding":
            if p == 0 or effective_kernel(k, d) > i:
                return None
            p = 0
        elif slip == "no-stride":
            s = 1
        if part == "Z":
            return _unless_same(correlate2d(X, W, s, p, d), right)
        if slip == "transposed":
            return _unless_same(right.T, right)
        if slip == "column-major":
            o = int(right.rows ** 0.5)
            return _unless_same(to_column_major(right, o, o, i, i), right)
        return _unless_same(conv_matrix(i, i, W, s, p, d), right)
    return wrong


# ----------------------------------------------------------------------------- devoir.4.4

TCONV = ("i", "k", "s", "p", "op", "d")


def tconv_statement(q) -> Text:
    i, k, s, p, op, d = (q[n] for n in TCONV)
    W, X = _bmatrix("w", k, k), _bmatrix("x", i, i)
    extra_fr = "" if op == 0 else f", un remplissage de sortie (output_padding) de ${op}$"
    extra_en = "" if op == 0 else f", output padding ${op}$"
    extra_fr += "" if d == 1 else f", une dilatation ${d}$"
    extra_en += "" if d == 1 else f", dilation ${d}$"
    return Text(
        f"Une convolution transposée (`conv_transpose2d`) de noyau $W = {W}$ est appliquée à "
        f"$X = {X}$ avec un pas ${s}$ et un remplissage ${p}${extra_fr}. (1) Calculer la sortie $O$. "
        "(2) $O$ est-elle une fonction linéaire de $X$ (oui/non) ? (3) Donner la matrice $A$ telle "
        "que $\\operatorname{vec}(O) = A \\operatorname{vec}(X)$ (aplatissement ligne par ligne) et la "
        "relier à la matrice d'une convolution ordinaire.",
        f"A transposed convolution (`conv_transpose2d`) with kernel $W = {W}$ is applied to "
        f"$X = {X}$ with stride ${s}$ and padding ${p}${extra_en}. (1) Compute the output $O$. "
        "(2) Is $O$ a linear function of $X$ (yes/no)? (3) Give the matrix $A$ such that "
        "$\\operatorname{vec}(O) = A \\operatorname{vec}(X)$ (row-major flattening) and relate it to "
        "the matrix of an ordinary convolution.")


def tconv_solve(q) -> Solution:
    from solver.maths.convmatrix import conv_transpose2d, conv_transpose_matrix

    i, k, s, p, op, d = (q[n] for n in TCONV)
    W, X = _kernel(k), _input(i)
    O = conv_transpose2d(X, W, s, p, op, d)
    A = conv_transpose_matrix(i, i, W, s, p, op, d)
    if not _reproduces(A, X, O):
        raise RuntimeError("conv_transpose_matrix disagrees with conv_transpose2d")
    linear = _is_linear(O)
    q2 = _with_output(q, O.rows)
    steps = [*_tconv_o_steps(q, O), _linear_step(linear), *_tconv_a_steps(q2, A, W)]
    return Solution(q, tuple(steps), {"O": O, "A": A, "linear": "yes" if linear else "no"})


def _is_linear(M) -> bool:
    """Every entry a sum of terms of degree exactly 1 in the x's (no constant, no x·x).

    Reads the expanded sums term by term (cheaper than building polynomials).
    """
    import sympy as sp

    _, x = _symbols()
    for e in M:
        for term in sp.Add.make_args(sp.expand(e)):
            if term == 0:
                continue
            degree = 0
            for factor, power in term.as_powers_dict().items():
                if isinstance(factor, sp.Indexed) and factor.base == x:
                    degree += power
            if degree != 1:
                return False
    return True


def _tconv_o_steps(q, O):
    import sympy as sp

    from solver.derive.chain import derive
    from solver.maths.layers import conv_transpose_output_size

    i, k, s, p, op, d = (q[n] for n in TCONV)
    w, x = _symbols()
    sz = _sizes()
    a, b, m, n = sp.symbols("a b m n", integer=True)
    dd = sz["d"] if d != 1 else 1
    general = sp.Eq(sp.IndexedBase("O")[m, n], sp.Sum(
        x[a, b] * w[(m - a * sz["s"] + sz["p"]) / dd, (n - b * sz["s"] + sz["p"]) / dd],
        (b, 0, sz["i"] - 1), (a, 0, sz["i"] - 1)), evaluate=False)
    names = [nm for nm in TCONV if (nm, q[nm]) not in (("d", 1), ("op", 0))]
    bind = _bind(q, names)
    size = conv_transpose_output_size(sz["i"], sz["k"], sz["s"], sz["p"], sz["op"] if op else 0, dd)
    o = O.rows
    overlap = s < effective_kernel(k, d)
    steps = [
        Step(Text(
            "Convention de PyTorch (`conv_transpose2d`) : chaque entrée $x_{a,b}$ dépose la copie "
            "$x_{a,b} W$ du noyau avec son coin supérieur gauche en case $(as - p,\\, bs - p)$ de la "
            "sortie ; les dépôts qui se chevauchent s'additionnent, et les $p$ premières et dernières "
            "lignes et colonnes sont rognées. Dans la formule, $w_{u,v} = 0$ hors du noyau"
            + (" (et pour des indices non entiers)." if d != 1 else "."),
            "PyTorch's convention (`conv_transpose2d`): each input $x_{a,b}$ lays down the copy "
            "$x_{a,b} W$ of the kernel with its top-left corner at output cell $(as - p,\\, bs - p)$; "
            "overlapping copies add up, and the first and last $p$ rows and columns are cropped. In the "
            "formula, $w_{u,v} = 0$ outside the kernel"
            + (" (and for non-integer indices)." if d != 1 else ".")),
            (general, general.xreplace(bind))),
        Step(Text("Taille de la sortie, le long de chaque dimension :",
                  "Size of the output, along each dimension:"),
             derive(sp.Symbol("o"), size, bind)),
        Step(Text(
            (f"Le pas (${s}$) est au moins la largeur du noyau : les copies ne se chevauchent pas, chaque "
             "sortie est un seul produit (ou 0)." if not overlap else
             f"Le pas (${s}$) est plus court que le noyau : des copies voisines se chevauchent et "
             "s'additionnent.") + f" La sortie est ${o} \\times {o}$"
            + ("." if o <= 4 else " (première entrée ci-dessous, la sortie entière dans les réponses)."),
            (f"The stride (${s}$) is at least the kernel's width: copies do not overlap, each output "
             "is a single product (or 0)." if not overlap else
             f"The stride (${s}$) is shorter than the kernel: neighbouring copies overlap and add "
             "up.") + f" The output is ${o} \\times {o}$"
            + ("." if o <= 4 else " (first entry below, the whole output in the answers).")),
            sp.Eq(sp.Symbol("O"), O, evaluate=False) if o <= 4 else
            sp.Eq(sp.IndexedBase("O")[0, 0], O[0, 0]), kind="result"),
    ]
    return steps


def _linear_step(linear: bool) -> Step:
    if linear:
        return Step(Text(
            "Chaque $O_{m,n}$ est une somme de termes $x_{a,b} w_{u,v}$, de degré 1 en $X$ et sans "
            "constante : $O$ est une fonction linéaire de $X$ (elle l'est toujours, quels que soient "
            "le pas et le remplissage). Réponse : oui.",
            "Each $O_{m,n}$ is a sum of terms $x_{a,b} w_{u,v}$, of degree 1 in $X$ with no constant: "
            "$O$ is a linear function of $X$ (it always is, whatever the stride and padding). Answer: "
            "yes."), kind="result")
    return Step(Text("Une entrée de $O$ n'est pas de degré 1 en $X$ : $O$ n'est pas linéaire.",
                     "An entry of $O$ is not of degree 1 in $X$: $O$ is not linear."), kind="result")


def _tconv_a_steps(q, A, W):
    import sympy as sp

    from solver.derive.chain import Chain
    from solver.maths.convmatrix import conv_matrix

    i, o = q["i"], q["_o"]
    s, p, d = q["s"], q["p"], q["d"]
    B = conv_matrix(o, o, W, s, p, d)
    extra = int(round(B.rows ** 0.5)) - i   # > 0 only when output_padding ≥ stride (dilation)
    if extra:
        side = i + extra
        B = B.extract([a * side + b for a in range(i) for b in range(i)], list(range(B.cols)))
    if {(c, r): e for (r, c), e in B.todok().items()} != A.todok():
        raise RuntimeError("transposed-convolution matrix is not the transpose of the convolution's")
    tap_fr, tap_en = _tap_relation(d)
    steps = [
        Step(Text(
            f"Le coefficient de $x_{{a,b}}$ dans $O_{{m,n}}$ est $w_{{u,v}}$ quand {tap_fr}, sinon 0 ; en "
            "ligne $(m, n)$ (sortie) et colonne $(a, b)$ (entrée) :",
            f"The coefficient of $x_{{a,b}}$ in $O_{{m,n}}$ is $w_{{u,v}}$ when {tap_en}, else 0; in row "
            "$(m, n)$ (output) and column $(a, b)$ (input):"),
            _entry_formula(q, TCONV, transposed=True)),
        Step(Text(
            f"C'est exactement la relation d'une convolution ordinaire de même noyau, pas ${s}$ et "
            f"remplissage ${p}$, qui va d'une entrée ${o} \\times {o}$ à une sortie ${i} \\times {i}$ : "
            f"sa matrice $B$ (${B.rows} \\times {B.cols}$) porte $w_{{u,v}}$ en ligne $(a, b)$, "
            "colonne $(m, n)$.",
            f"This is exactly the relation of an ordinary convolution with the same kernel, stride "
            f"${s}$ and padding ${p}$, going from a ${o} \\times {o}$ input to a ${i} \\times {i}$ "
            f"output: its matrix $B$ (${B.rows} \\times {B.cols}$) holds $w_{{u,v}}$ in row $(a, b)$, "
            "column $(m, n)$."),
            sp.Eq(sp.Symbol("B"), B, evaluate=False) if _small(B) else None),
        Step(Text(
            "Lignes et colonnes échangées : $A = B^\\top$ (d'où le nom de convolution transposée). "
            f"$A$ est ${A.rows} \\times {A.cols}$.",
            "Rows and columns swapped: $A = B^\\top$ (hence the name transposed convolution). "
            f"$A$ is ${A.rows} \\times {A.cols}$."),
            Chain(sp.Symbol("A"), sp.MatrixSymbol("B", B.rows, B.cols).T, A) if _small(A) else
            Chain(sp.Symbol("A"), sp.MatrixSymbol("B", B.rows, B.cols).T), kind="result"),
        Step(Text(
            "$B^\\top$ n'est pas l'inverse de $B$ : la convolution transposée rétablit la taille, pas "
            "les valeurs. C'est l'opération que calcule la rétropropagation d'une convolution "
            "(le gradient par rapport à son entrée). Avec des vecteurs lignes (la convention que suggère "
            "la source à la question précédente, qu'elle reprend « comme avant »), la matrice serait $B$ : "
            "les deux réponses sont acceptées.",
            "$B^\\top$ is not the inverse of $B$: the transposed convolution restores the size, not "
            "the values. It is what backpropagation through a convolution computes (the gradient "
            "with respect to its input). With row vectors (the convention the source hints at in the previous "
            "question and keeps \"as before\"), the matrix would be $B$: both answers are accepted."),
            kind="remark"),
    ]
    if extra:
        steps.insert(2, Step(Text(
            "Ici output_padding ≥ pas : la convolution de la sortie donnerait des lignes en plus ; on ne "
            f"garde que ses ${i} \\times {i}$ premières sorties.",
            "Here output_padding ≥ stride: the convolution of the output would give extra rows; only "
            f"its first ${i} \\times {i}$ outputs are kept."), kind="remark"))
    return steps


def tconv_validate(values) -> None:
    from solver.maths.layers import conv_transpose_output_size

    i, k, s, p, op, d = (values[n] for n in TCONV)
    if op >= s and op >= d:
        raise ParamError(Text(
            f"output_padding ({op}) doit être plus petit que le pas ({s}) ou que la dilatation ({d}), "
            "comme l'exige PyTorch",
            f"output_padding ({op}) must be smaller than the stride ({s}) or the dilation ({d}), as "
            "PyTorch requires"))
    o = conv_transpose_output_size(i, k, s, p, op, d)
    if o < 1:
        raise ParamError(Text(
            f"le remplissage {p} rogne toute la sortie (taille {o})",
            f"padding {p} crops the whole output (size {o})"))


def tconv_draw(rng) -> dict:
    k = rng.randint(1, 3)
    s = rng.randint(1, 3)
    p = rng.randint(0, 1)
    op = rng.randint(0, s - 1)
    i = rng.randint(2, 5)
    if (i - 1) * s - 2 * p + k + op < 1:
        p = 0
    return {"i": i, "k": k, "s": s, "p": p, "op": op, "d": 1}


def tconv_check(q, sol, checks) -> None:
    """O, A and linearity against F.conv_transpose2d; A against the transpose of conv2d's matrix."""
    import torch
    import torch.nn.functional as F

    i, k, s, p, op, d = (q[n] for n in TCONV)
    wt, xt, subs = _torch_values(q, i, k)
    kw = wt[None, None]

    def T(t):
        return F.conv_transpose2d(t, kw, stride=s, padding=p, output_padding=op, dilation=d)

    want = T(xt[None, None])[0, 0]
    o = want.shape[-1]
    checks.close("O vs conv_transpose2d", _numeric(sol.answers["O"], subs), want)
    A = _numeric(sol.answers["A"], subs)
    checks.close("A vs conv_transpose2d of one-hot inputs", A, T(_basis(i)).reshape(i * i, -1).T)
    forward = F.conv2d(_basis(o), kw, stride=s, padding=p, dilation=d)[..., :i, :i]
    checks.close("A vs (matrix of conv2d from o×o)^T", A, forward.reshape(o * o, i * i))
    checks.close("A·vec(X) vs conv_transpose2d(X)", A @ xt.flatten().numpy(), want.flatten())
    g = torch.Generator().manual_seed(7)
    y = torch.randn(1, 1, i, i, dtype=torch.float64, generator=g)
    lin = torch.allclose(T(2.5 * xt[None, None] - 1.5 * y), 2.5 * T(xt[None, None]) - 1.5 * T(y))
    checks.equal("linear", sol.answers["linear"], "yes" if lin else "no")


def _tconv_wrong(part, slip):
    """A mal-rule for devoir.4.4."""
    def wrong(q):
        from solver.maths.convmatrix import conv_transpose2d, conv_transpose_matrix, to_column_major
        from solver.maths.convolution import correlate2d, flip, pad

        i, k, s, p, op, d = (q[n] for n in TCONV)
        W, X = _kernel(k), _input(i)
        if part == "O":
            right = conv_transpose2d(X, W, s, p, op, d)
            if slip == "flipped-kernel":
                return _unless_same(conv_transpose2d(X, flip(W), s, p, op, d), right)
            if slip == "forward-conv":
                if effective_kernel(k, d) > i + 2 * p:
                    return None
                return _unless_same(correlate2d(X, W, s, p, d), right)
            if p == 0:   # padding-added: zeros added around instead of cells cropped
                return None
            return _unless_same(pad(conv_transpose2d(X, W, s, 0, op, d), p), right)
        right = conv_transpose_matrix(i, i, W, s, p, op, d)
        if slip == "transposed":
            return _unless_same(right.T, right)
        if slip == "flipped-kernel":
            return _unless_same(conv_transpose_matrix(i, i, flip(W), s, p, op, d), right)
        o = int(round(right.rows ** 0.5))
        return _unless_same(to_column_major(right, o, o, i, i), right)
    return wrong


# ----------------------------------------------------------------------------- declarations

def _size_params(i, k, s, p):
    return (
        Param("i", "int", i, Text("côté de l'entrée", "input side"), minimum=1, maximum=12),
        Param("k", "int", k, Text("côté du noyau", "kernel side"), minimum=1, maximum=7),
        Param("s", "int", s, Text("pas (stride)", "stride"), minimum=1, maximum=6),
        Param("p", "int", p, Text("remplissage par côté", "padding per side"), minimum=0, maximum=6),
    )


_DIL = Param("d", "int", 1, Text("dilatation", "dilation"), minimum=1, maximum=3)

EXERCISES = (
    Exercise(
        id="devoir.4.3",
        sheet="devoir",
        aliases=("conv-as-matrix",),
        title=Text("Une convolution écrite comme une matrice", "A convolution written as a matrix"),
        statement=conv_statement,
        params=_size_params(3, 3, 2, 1) + (_DIL,),
        parts=(
            Part("Z", "matrix", Text("carte de sortie $Z = W \\star X$", "output map $Z = W \\star X$")),
            Part("A", "matrix", Text("matrice $A$ telle que $\\operatorname{vec}(Z) = A \\operatorname{vec}(X)$",
                                     "matrix $A$ such that $\\operatorname{vec}(Z) = A \\operatorname{vec}(X)$"),
                 accept=("transpose",)),
        ),
        solve=conv_solve,
        check=conv_check,
        draw=conv_draw,
        validate=conv_validate,
        diagnoses=mistakes_of("Z", partial(_conv_wrong, "Z"), {
            "flipped-kernel": Text(
                "Noyau retourné : c'est la convolution au sens mathématique ; la couche (comme `conv2d`) "
                "calcule une corrélation croisée, sans retourner $W$.",
                "Flipped kernel: that is the mathematical convolution; the layer (like `conv2d`) "
                "computes a cross-correlation, without flipping $W$."),
            "no-padding": Text(
                "Le remplissage a été oublié : entourez $X$ de $p$ zéros avant de faire glisser le noyau.",
                "The padding was forgotten: surround $X$ with $p$ zeros before sliding the kernel."),
            "no-stride": Text(
                "Le noyau avance de $s$ cases, pas d'une seule : gardez une position sur $s$.",
                "The kernel moves by $s$ cells, not one: keep one position out of $s$."),
        }) + mistakes_of("A", partial(_conv_wrong, "A"), {
            "transposed": Text(
                "C'est $A^\\top$ : la bonne matrice si l'on écrit des vecteurs lignes "
                "($\\operatorname{vec}(Z)^\\top = \\operatorname{vec}(X)^\\top A^\\top$). Avec "
                "$\\operatorname{vec}(Z) = A \\operatorname{vec}(X)$, $A$ a une ligne par sortie.",
                "This is $A^\\top$: the right matrix when writing row vectors "
                "($\\operatorname{vec}(Z)^\\top = \\operatorname{vec}(X)^\\top A^\\top$). With "
                "$\\operatorname{vec}(Z) = A \\operatorname{vec}(X)$, $A$ has one row per output."),
            "flipped-kernel": Text(
                "Les coefficients sont ceux du noyau retourné (vraie convolution) ; la couche ne retourne "
                "pas $W$.",
                "The entries are those of the flipped kernel (true convolution); the layer does not "
                "flip $W$."),
            "no-padding": Text(
                "Matrice d'une convolution sans remplissage : les zéros de bord changent la taille de "
                "$Z$ et les positions lues.",
                "Matrix of a convolution without padding: the border zeros change the size of $Z$ "
                "and the cells read."),
            "column-major": Text(
                "Aplatissement colonne par colonne : l'énoncé aplatit ligne par ligne "
                "($x_{0,0}, x_{0,1}, x_{0,2}, x_{1,0}, \\dots$).",
                "Column-by-column flattening: the sheet flattens row by row "
                "($x_{0,0}, x_{0,1}, x_{0,2}, x_{1,0}, \\dots$)."),
        }),
    ),
    Exercise(
        id="devoir.4.4",
        sheet="devoir",
        aliases=("transposed-conv",),
        title=Text("Convolution transposée et sa matrice", "Transposed convolution and its matrix"),
        statement=tconv_statement,
        params=_size_params(2, 2, 2, 0) + (
            Param("op", "int", 0, Text("remplissage de sortie (output_padding)", "output padding"),
                  minimum=0, maximum=5), _DIL),
        parts=(
            Part("O", "matrix", Text("sortie $O$", "output $O$")),
            Part("A", "matrix", Text("matrice $A$ telle que $\\operatorname{vec}(O) = A \\operatorname{vec}(X)$",
                                     "matrix $A$ such that $\\operatorname{vec}(O) = A \\operatorname{vec}(X)$"),
                 accept=("transpose",)),
            Part("linear", "choice", Text("$O$ est-elle linéaire en $X$ ?", "is $O$ linear in $X$?"),
                 choices=("yes", "no")),
        ),
        solve=tconv_solve,
        check=tconv_check,
        draw=tconv_draw,
        validate=tconv_validate,
        diagnoses=mistakes_of("O", partial(_tconv_wrong, "O"), {
            "flipped-kernel": Text(
                "Noyau retourné : `conv_transpose2d` dépose $x_{a,b} W$ tel quel, sans retourner $W$.",
                "Flipped kernel: `conv_transpose2d` lays $x_{a,b} W$ as it is, without flipping $W$."),
            "forward-conv": Text(
                "C'est une convolution ordinaire (qui réduit la taille) ; la convolution transposée "
                "dépose une copie du noyau par entrée et agrandit la carte.",
                "That is an ordinary convolution (which shrinks the map); the transposed convolution "
                "lays one copy of the kernel per input and enlarges the map."),
            "padding-added": Text(
                "Dans une convolution transposée, le remplissage $p$ retire $p$ lignes et colonnes de "
                "chaque bord ; il n'ajoute pas de zéros.",
                "In a transposed convolution, padding $p$ removes $p$ rows and columns from each "
                "border; it does not add zeros."),
        }) + mistakes_of("A", partial(_tconv_wrong, "A"), {
            "transposed": Text(
                "C'est $B = A^\\top$, la matrice de la convolution ordinaire (ou la convention en "
                "vecteurs lignes) ; avec $\\operatorname{vec}(O) = A \\operatorname{vec}(X)$, $A$ a une "
                "ligne par sortie.",
                "This is $B = A^\\top$, the matrix of the ordinary convolution (or the row-vector "
                "convention); with $\\operatorname{vec}(O) = A \\operatorname{vec}(X)$, $A$ has one row "
                "per output."),
            "flipped-kernel": Text(
                "Les coefficients sont ceux du noyau retourné ; `conv_transpose2d` ne retourne pas $W$.",
                "The entries are those of the flipped kernel; `conv_transpose2d` does not flip $W$."),
            "column-major": Text(
                "Aplatissement colonne par colonne : on aplatit ligne par ligne, comme à la question "
                "précédente.",
                "Column-by-column flattening: maps are flattened row by row, as in the previous "
                "question."),
        }) + (
            Diagnosis("not-linear", "linear", lambda q: "no", Text(
                "Chaque sortie est une somme de $x_{a,b} w_{u,v}$ : degré 1 en $X$, sans constante, donc "
                "linéaire (c'est la transposée d'une matrice de convolution).",
                "Each output is a sum of $x_{a,b} w_{u,v}$: degree 1 in $X$, no constant, hence linear "
                "(it is the transpose of a convolution matrix).")),
        ),
    ),
)
