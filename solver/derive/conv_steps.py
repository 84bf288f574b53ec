"""Derivation of a numeric 2D cross-correlation, shared by every "compute this feature map" exercise.

The computation itself is `solver.maths.convolution.correlate2d` (exact, on SymPy matrices); this
module turns it into steps a student can follow (convention, padded input, output size, one
entry written in full, the whole map, the flipped-kernel reading), offers the typical wrong
answers (mal-rules) and the torch cross-check.

Entries are exact (integers or `Rational`); terminating decimals such as −0.09 are *shown* as
decimals (`as_decimal`), so a result like 312.45 is printed as such and not as 6249/20.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable

from solver.core.exercise import Diagnosis, Step
from solver.core.text import Text, numeral
from solver.core.written import decimal_string
from solver.derive.mistakes import mistake

DPS = 30  # decimal digits of the Floats that display exact terminating decimals


def show_decimal(value) -> Text:
    """A parameter value (int or Fraction) as written in a statement's maths, without SymPy: decimals
    if exact (a decimal comma in French).

    >>> d = show_decimal(Fraction(-4, 5))
    >>> print(d.fr, d.en, show_decimal(Fraction(1, 3)).fr, show_decimal(Fraction(6, 1)).fr)
    -0{,}8 -0.8 \\frac{1}{3} 6
    """
    if decimal_string(value) is not None:
        return numeral(Fraction(value), math=True)
    q = Fraction(value)
    sign = "-" if q < 0 else ""
    frac = f"{sign}\\frac{{{abs(q.numerator)}}}{{{q.denominator}}}"
    return Text(frac, frac)


def show_decimal_matrix(rows) -> Text:
    """A matrix parameter (tuple of tuples) as a LaTeX bmatrix with decimal entries, without SymPy.

    >>> print(show_decimal_matrix(((Fraction(-9, 100), 1), (2, Fraction(1, 2))))("en"))
    \\begin{bmatrix} -0.09 & 1 \\\\ 2 & 0.5 \\end{bmatrix}
    """
    cells = [[show_decimal(c) for c in row] for row in rows]

    def tex(lang: str) -> str:
        body = " \\\\ ".join(" & ".join(c(lang) for c in row) for row in cells)
        return "\\begin{bmatrix} " + body + " \\end{bmatrix}"
    return Text(tex("fr"), tex("en"))


def as_decimal(value):
    """A SymPy number shown as a decimal when exact: Integer stays, 1/4 becomes Float 0.25.

    A non-terminating rational (1/3) stays a `Rational`; the Float keeps DPS digits so that its
    float value is the nearest double of the exact decimal.

    >>> import sympy as sp
    >>> as_decimal(sp.Rational(-9, 100)), as_decimal(sp.Integer(4)), as_decimal(sp.Rational(1, 3))
    (-0.0900000000000000000000000000000, 4, 1/3)
    """
    import sympy as sp

    value = sp.nsimplify(value) if not isinstance(value, sp.Basic) else value
    if not value.is_Rational or value.is_Integer:
        return value
    text = decimal_string(Fraction(int(value.p), int(value.q)))
    return value if text is None else sp.Float(text, DPS)


def decimal_matrix(M):
    """Every entry of a matrix through `as_decimal`."""
    return M.applyfunc(as_decimal)


class Shown:
    """A number printed exactly as written (no trailing zeros), in str, LaTeX and pretty form.

    >>> import sympy as sp
    >>> print(sp.latex(Shown(sp.Rational(-9, 100))), Shown(sp.Integer(3)))
    -0.09 3
    """

    def __init__(self, value):
        self.value = value
        self.text = decimal_string(Fraction(str(value))) if value.is_Rational else None

    def _latex(self, printer):
        return self.text if self.text is not None else printer._print(self.value)

    def _sympystr(self, printer):
        return self.text if self.text is not None else printer._print(self.value)

    def _pretty(self, printer):
        from sympy.printing.pretty.stringpict import prettyForm

        return prettyForm(self.text) if self.text is not None else printer._print(self.value)

    def __str__(self):
        import sympy as sp

        return sp.sstr(self)


class Products:
    """A sum of products kept in the order given: ``w1·x1 + w2·x2 + …`` (negatives in brackets).

    With `per_line`, a long sum is broken after every `per_line` products (one kernel row per
    line), as an aligned block in LaTeX and as several lines in a terminal.

    >>> import sympy as sp
    >>> print(sp.latex(Products([(sp.Rational(-9, 100), sp.Integer(146)), (sp.Integer(2), sp.Integer(0))])))
    \\left(-0.09\\right) \\cdot 146 + 2 \\cdot 0
    >>> print(Products([(sp.Integer(1), sp.Integer(-3))], constant=sp.Integer(2)))
    1·(-3) + 2
    >>> print(Products([(sp.Integer(10**5 + c), sp.Integer(10**5)) for c in range(6)], per_line=3))
    100000·100000 + 100001·100000 + 100002·100000
    + 100003·100000 + 100004·100000 + 100005·100000
    """

    WIDE = 70  # characters of the one-line form above which a sum is broken (with per_line)

    def __init__(self, pairs, constant=None, per_line: int | None = None):
        self.pairs = list(pairs)
        self.constant = constant
        self.per_line = per_line

    @staticmethod
    def _wrap(value, left, right):
        shown = Shown(value)
        text = shown.text if shown.text is not None else str(shown.value)
        return f"{left}{text}{right}" if text.startswith("-") else text

    def _terms(self, times, left, right):
        terms = [f"{self._wrap(a, left, right)}{times}{self._wrap(b, left, right)}" for a, b in self.pairs]
        if self.constant is not None and self.constant != 0:
            terms.append(self._wrap(self.constant, left, right))
        return terms

    def _lines(self, times, left, right):
        terms = self._terms(times, left, right)
        one_line = " + ".join(self._terms("·", "(", ")"))
        if not self.per_line or len(one_line) <= self.WIDE:
            return [" + ".join(terms)]
        n = self.per_line
        return [" + ".join(terms[t:t + n]) for t in range(0, len(terms), n)]

    def _latex(self, printer):
        lines = self._lines(" \\cdot ", "\\left(", "\\right)")
        if len(lines) == 1:
            return lines[0]
        return "\\begin{aligned}&" + " \\\\ &+ ".join(lines) + "\\end{aligned}"

    def _sympystr(self, printer):
        return "\n+ ".join(self._lines("·", "(", ")"))

    def _pretty(self, printer):
        from sympy.printing.pretty.stringpict import prettyForm

        lines = self._sympystr(printer).split("\n")
        width = max(len(line) for line in lines)
        return prettyForm("\n".join(line.ljust(width) for line in lines))

    def __str__(self):
        return self._sympystr(None)


@dataclass(frozen=True)
class Names:
    """LaTeX names of the input, the kernel, the output and the padded input."""

    X: str = "X"
    W: str = "W"
    Y: str = "Y"
    padded: str = "X_{pad}"


def correlate_exact(X, W, stride: int = 1, padding: int = 0, bias=0):
    """Exact cross-correlation (torch's conv2d) plus a bias, on SymPy matrices.

    >>> import sympy as sp
    >>> correlate_exact(sp.Matrix([[1, 2], [3, 4]]), sp.Matrix([[1]]), bias=sp.Rational(1, 2))
    Matrix([
    [3/2, 5/2],
    [7/2, 9/2]])
    """
    from solver.maths.convolution import correlate2d

    Y = correlate2d(X, W, stride=stride, padding=padding)
    return Y.applyfunc(lambda e: e + bias) if bias != 0 else Y


def correlation_steps(X, W, *, stride: int = 1, padding: int = 0, bias=0, names: Names = Names(),
                      entry: tuple[int, int] = (0, 0)):
    """The steps of a numeric cross-correlation and its exact result: ``(steps, Y)``.

    Steps: torch's convention (no kernel flip), the padded input, the output size, one entry
    written as a sum of products, the whole map (kind ``result``, shown with decimals).
    """
    import sympy as sp

    from solver.maths.convolution import pad

    Y = correlate_exact(X, W, stride, padding, bias)
    steps = [_convention_step(W, stride, padding, bias, names)]
    if padding:
        steps.append(Step(Text(
            f"On entoure ${names.X}$ de ${padding}$ {_plural(padding, 'ligne')} et "
            f"{_plural(padding, 'colonne')} de zéros de chaque côté.",
            f"${names.X}$ is surrounded by ${padding}$ {_plural(padding, 'row')} and "
            f"{_plural(padding, 'column')} of zeros on each side."),
            _chain(sp.Symbol(names.padded), decimal_matrix(pad(X, padding)))))
    steps.append(_size_step(X, W, stride, padding, Y, names))
    steps.append(_entry_step(X, W, stride, padding, bias, Y, entry, names))
    steps.append(Step(Text("En faisant de même pour chaque position, on obtient la carte entière :",
                           "Doing the same at every position gives the whole map:"),
                      _chain(sp.Symbol(names.Y), decimal_matrix(Y)), kind="result"))
    return steps, Y


def _chain(*terms):
    from solver.derive.chain import Chain

    return Chain(*terms)


def _convention_step(W, stride, padding, bias, names: Names) -> Step:
    import sympy as sp

    i, j, u, v = sp.symbols("i j u v", integer=True, nonnegative=True)
    Xp, K, Yb = (sp.IndexedBase(n) for n in (names.padded if padding else names.X, names.W, names.Y))
    body = sp.Sum(K[u, v] * Xp[stride * i + u, stride * j + v], (u, 0, W.rows - 1), (v, 0, W.cols - 1))
    rhs = body + sp.Symbol("b") if bias != 0 else body
    b = sp.nsimplify(bias)
    shown = show_decimal(Fraction(int(b.p), int(b.q))) if b.is_Rational else Text(sp.latex(b), sp.latex(b))
    bias_fr = f" plus le biais $b = {shown.fr}$" if bias != 0 else ""
    bias_en = f" plus the bias $b = {shown.en}$" if bias != 0 else ""
    return Step(Text(
        "Convention de torch (nn.Conv2d) : une « convolution » y est une corrélation croisée, le noyau "
        f"n'est pas retourné. Chaque sortie est la somme des produits terme à terme du noyau et de la "
        f"fenêtre qu'il recouvre{bias_fr} (indices à partir de 0).",
        "Convention of torch (nn.Conv2d): a \"convolution\" there is a cross-correlation, the kernel is "
        f"not flipped. Each output is the sum of the elementwise products of the kernel and the window "
        f"it covers{bias_en} (indices from 0)."), sp.Eq(Yb[i, j], rhs))


def _size_step(X, W, stride, padding, Y, names: Names) -> Step:
    import sympy as sp

    from solver.derive.chain import derive
    from solver.maths.layers import conv_output_size

    n, k, s, p = (sp.Symbol(c, integer=True, positive=True) for c in "nksp")
    general = conv_output_size(n, k, s, p)
    lines = [derive(sp.Symbol("o_{rows}"), general, {n: X.rows, k: W.rows, s: stride, p: padding})]
    if (X.cols, W.cols) != (X.rows, W.rows):
        lines.append(derive(sp.Symbol("o_{cols}"), general, {n: X.cols, k: W.cols, s: stride, p: padding}))
    return Step(Text(
        f"Taille de la sortie (une dimension à la fois) : ${names.Y}$ a {Y.rows} {_plural(Y.rows, 'ligne')} et "
        f"{Y.cols} {_plural(Y.cols, 'colonne')}.",
        f"Size of the output (one dimension at a time): ${names.Y}$ has {Y.rows} {_plural(Y.rows, 'row')} and "
        f"{Y.cols} {_plural(Y.cols, 'column')}."), tuple(lines))


def _plural(count: int, word: str) -> str:
    """`word` with an s when `count` is not 1 (ligne/lignes, row/rows).

    >>> _plural(1, "row"), _plural(2, "ligne")
    ('row', 'lignes')
    """
    return word if count == 1 else word + "s"


def _entry_step(X, W, stride, padding, bias, Y, entry, names: Names) -> Step:
    import sympy as sp

    from solver.maths.convolution import pad

    a, b = entry
    Xp = pad(X, padding)
    pairs = [(W[u, v], Xp[stride * a + u, stride * b + v]) for u in range(W.rows) for v in range(W.cols)]
    r0, c0 = stride * a, stride * b
    window = Xp[r0:r0 + W.rows, c0:c0 + W.cols]
    source = names.padded if padding else names.X
    lhs = sp.IndexedBase(names.Y)[a, b]
    return Step(Text(
        f"Exemple de calcul complet : pour ${names.Y}_{{{a},{b}}}$ le noyau recouvre la fenêtre "
        f"${window.rows} \\times {window.cols}$ de ${source}$ qui commence en ({r0}, {c0}) (lignes "
        f"{r0} à {r0 + W.rows - 1}, colonnes {c0} à {c0 + W.cols - 1}) ; on multiplie terme à terme "
        "et on additionne.",
        f"One entry in full: for ${names.Y}_{{{a},{b}}}$ the kernel covers the "
        f"${window.rows} \\times {window.cols}$ window of ${source}$ that starts at ({r0}, {c0}) (rows "
        f"{r0} to {r0 + W.rows - 1}, columns {c0} to {c0 + W.cols - 1}); multiply elementwise and "
        "add up."),
        (_chain(sp.Symbol(f"{source}[{r0}:{r0 + W.rows}, {c0}:{c0 + W.cols}]"), decimal_matrix(window)),
         _chain(lhs, Products(pairs, sp.nsimplify(bias), per_line=W.cols), Shown(Y[a, b]))))


def true_convolution_remark(X, W, *, stride: int = 1, padding: int = 0, bias=0, names: Names = Names(),
                            why: Text | None = None) -> Step:
    """A remark: the mathematical convolution flips the kernel first, and gives this other map."""
    import sympy as sp

    from solver.maths.convolution import flip

    Yc = correlate_exact(X, flip(W), stride, padding, bias)
    same = Yc == correlate_exact(X, W, stride, padding, bias)
    tail = Text(" Ici le noyau est symétrique par rotation de 180° : les deux lectures coïncident.",
                " Here the kernel is symmetric under a 180° rotation: both readings agree.") if same else Text(
        " Les deux résultats diffèrent : il faut préciser la convention.",
        " The two results differ: the convention must be stated.")
    flipped = sp.Symbol(names.W + "_{flip}")
    return Step((why or Text("", "")) + Text(
        "La convolution au sens mathématique retourne d'abord le noyau (rotation de 180°) puis fait la "
        "même corrélation croisée ; elle donne la carte ci-dessous.",
        "The mathematical convolution first flips the kernel (180° rotation), then does the same "
        "cross-correlation; it gives the map below.") + tail,
        (_chain(flipped, decimal_matrix(flip(W))),
         _chain(sp.Symbol(names.Y + "_{conv}"), decimal_matrix(Yc))), kind="remark")


Operands = Callable[[Any], dict]


def correlation_diagnoses(part: str, operands: Operands) -> tuple[Diagnosis, ...]:
    """Typical wrong maps for a numeric correlation; `operands(params)` gives X, W, stride, padding, bias.

    Each mal-rule returns None when, for these values, it coincides with the right answer.
    """
    from solver.maths.convolution import flip

    def rule(transform):
        def wrong(q):
            o = operands(q)
            right = correlate_exact(o["X"], o["W"], o["stride"], o["padding"], o["bias"])
            got = transform(o)
            if got is None or (got.shape == right.shape and got == right):
                return None
            return decimal_matrix(got)
        return wrong

    def corr(o, **change):
        o = {**o, **change}
        return correlate_exact(o["X"], o["W"], o["stride"], o["padding"], o["bias"])

    def same_padding(o):
        k = o["W"].rows
        return corr(o, padding=k // 2) if o["padding"] == 0 and k % 2 == 1 and k == o["W"].cols else None

    return (
        mistake("flipped-kernel", part, rule(lambda o: corr(o, W=flip(o["W"])))),
        mistake("transposed-kernel", part, rule(lambda o: corr(o, W=o["W"].T))),
        mistake("transposed-result", part, rule(lambda o: corr(o).T)),
        mistake("no-padding", part, rule(lambda o: corr(o, padding=0) if o["padding"] else None)),
        mistake("same-padding", part, rule(same_padding),
                Text("Un remplissage a été ajouté alors qu'il n'y en a pas : la sortie est trop grande.",
                     "Padding was added although there is none: the output is too large.")),
        mistake("missing-bias", part, rule(lambda o: corr(o, bias=0) if o["bias"] != 0 else None),
                Text("Le biais n'a pas été ajouté à chaque sortie.", "The bias was not added to each output.")),
    )


def check_correlation(checks, label: str, Y, X, W, *, stride: int = 1, padding: int = 0, bias=0,
                      flipped: bool = False) -> None:
    """Compare an exact map with torch's `F.conv2d` in float64 (kernel flipped first if `flipped`)."""
    import torch
    import torch.nn.functional as F

    from solver.core.checks import to_float_array

    x = torch.tensor(to_float_array(X), dtype=torch.float64)[None, None]
    w = torch.tensor(to_float_array(W), dtype=torch.float64)[None, None]
    if flipped:
        w = torch.flip(w, dims=(-2, -1))
    b = torch.tensor([float(bias)], dtype=torch.float64)
    want = F.conv2d(x, w, b, stride=stride, padding=padding)[0, 0]
    checks.close(label, to_float_array(Y), want, rtol=1e-9, atol=1e-9)
