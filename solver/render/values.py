"""Answer values as plain text (the grader's syntax) and as LaTeX.

Answer values are SymPy objects (numbers, expressions, matrices, tuples for shapes),
plain strings for `choice` parts and `ModelAnswer` for `text` parts.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from solver.core.exercise import ModelAnswer

DIGITS = 6  # significant digits shown for floating-point numbers


def rounded(expr: Any, digits: int = DIGITS) -> Any:
    """Replace every Float in a SymPy object by its value at `digits` significant digits.

    >>> import sympy as sp
    >>> rounded(sp.Float(0.873820123) * sp.Symbol("x"))
    0.87382*x
    """
    import sympy as sp

    if not isinstance(expr, sp.Basic) or not expr.atoms(sp.Float):
        return expr
    return expr.xreplace({f: sp.Float(f"{float(f):.{digits}g}", digits) for f in expr.atoms(sp.Float)})


def plain(value: Any, lang: str = "fr", digits: int = DIGITS) -> str:
    """The value in the plain syntax the grader reads.

    >>> import sympy as sp
    >>> i, k, s, p = sp.symbols("i k s p")
    >>> plain(sp.floor((i + 2*p - k)/s) + 1)
    'floor((i - k + 2*p)/s) + 1'
    >>> plain(sp.Matrix([[1, 2], [3, 4]]))
    '[[1, 2], [3, 4]]'
    >>> plain(sp.Tuple(32, 14, 14)), plain(sp.Tuple(1248))
    ('(32, 14, 14)', '(1248,)')
    """
    import sympy as sp

    if isinstance(value, ModelAnswer):
        return value.answer(lang)
    if isinstance(value, str):
        return value
    if isinstance(value, (sp.MatrixBase, list)):
        rows = sp.Matrix(value).tolist()
        return "[" + ", ".join("[" + ", ".join(plain(c, digits=digits) for c in row) + "]" for row in rows) + "]"
    if isinstance(value, (sp.Tuple, tuple)):
        inner = ", ".join(plain(c, digits=digits) for c in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    value = sp.sympify(value)
    if exact_irrational(value):  # the grader's syntax wants numbers as decimals
        return f"{float(value):.{digits}g}"
    return _plain_printer(digits).doprint(rounded(value, digits))


def exact_irrational(value) -> bool:
    """An exact number that is not a fraction: ln 10, e², √2 (shown with its decimal value).

    >>> import sympy as sp
    >>> exact_irrational(sp.log(10)), exact_irrational(sp.Rational(1, 3)), exact_irrational(sp.oo)
    (True, False, False)
    """
    import sympy as sp

    return (isinstance(value, sp.Expr) and value.is_number and bool(value.is_finite) and not value.is_Rational
            and not value.atoms(sp.Float) and value.is_real is not False)


def latex(value: Any, lang: str = "fr") -> str:
    """The value as LaTeX math (no surrounding dollars).

    >>> import sympy as sp
    >>> latex(sp.Matrix([[1, 0], [0, 1]]))
    '\\\\begin{bmatrix}1 & 0\\\\\\\\0 & 1\\\\end{bmatrix}'
    """
    import sympy as sp

    if isinstance(value, ModelAnswer):
        return "\\text{" + value.answer(lang) + "}"
    if isinstance(value, str):
        return "\\text{" + value + "}"
    if isinstance(value, (sp.Tuple, tuple)):
        return "(" + ", ".join(latex(c, lang) for c in value) + ")"
    if isinstance(value, list):
        value = sp.Matrix(value)
    if isinstance(value, sp.Basic) and getattr(value, "is_Relational", False):
        return latex(value.lhs, lang) + " " + _REL[value.rel_op] + " " + latex(value.rhs, lang)
    if not hasattr(value, "_latex") and not isinstance(value, sp.Basic):
        value = sp.sympify(value)
    tex = localise(_latex_printer().doprint(rounded(value)), lang)
    if exact_irrational(value):
        tex += f" \\approx {float(value):.{DIGITS}g}"
    return localised_decimals(tex, lang, "{,}")


def localised_decimals(text: str, lang: str, comma: str = ",") -> str:
    """Decimal points between digits written as French decimal commas (`comma`: ``{,}`` in LaTeX).

    >>> localised_decimals("x = 0.25 + 1.5", "fr"), localised_decimals("0.25", "en")
    ('x = 0,25 + 1,5', '0.25')
    """
    if lang != "fr":
        return text
    return re.sub(r"(?<=\d)\.(?=\d)", comma, text)


@functools.lru_cache(maxsize=None)
def _latex_printer():
    """SymPy's LaTeX printer with the course's conventions: ∂ for every derivative (a loss depends on
    many variables), words in subscripts upright (``P_{\\mathrm{conv1}}``), matrices in brackets, ln."""
    from sympy.printing.latex import LatexPrinter

    class CoursePrinter(LatexPrinter):
        def _print_Derivative(self, expr):
            order = sum(n for _, n in expr.variable_count)
            top = r"\partial" + (f"^{{{order}}}" if order > 1 else "")
            bottom = " ".join(r"\partial " + self._print(v) + (f"^{{{n}}}" if n > 1 else "")
                              for v, n in expr.variable_count)
            import sympy as sp

            if isinstance(expr.expr, (sp.Symbol, sp.Indexed, sp.Function)):
                return rf"\frac{{{top} {self._print(expr.expr)}}}{{{bottom}}}"
            return rf"\frac{{{top}}}{{{bottom}}} \left({self._print(expr.expr)}\right)"

        def _print_Symbol(self, expr, style="plain"):
            return upright_words(re.sub(r"^([A-Za-z]{3,})(?=_|$)", r"\\mathrm{\1}",
                                        super()._print_Symbol(expr, style)))

    return CoursePrinter({"mat_str": "bmatrix", "mat_delim": "", "ln_notation": True})


_WORD = re.compile(r"[A-Za-z]{3,}|[A-Za-z]{2}(?=\d)|(?<=\d)[A-Za-z]{2}|^(?:in|fc|rf|bn)$")


def upright_words(tex: str) -> str:
    r"""Subscripts that are words (``conv1``, ``pad``, ``total``, ``fc4``) upright; indices (``kj``,
    ``h1``, ``i+u``) stay italic.

    >>> upright_words("P_{conv1 1}"), upright_words("n_{pad}"), upright_words("A_{kj}"), upright_words("b_{h2}")
    ('P_{\\mathrm{conv1\\_1}}', 'n_{\\mathrm{pad}}', 'A_{kj}', 'b_{h2}')
    """
    def fix(match: re.Match) -> str:
        body = match.group(1)
        if not _WORD.search(body):
            return match.group(0)
        return "_{\\mathrm{" + body.replace(" ", "\\_") + "}}"

    return re.sub(r"_\{([A-Za-z0-9 ]+)\}", fix, tex)


_FRENCH_WORDS = {r"\text{for}": r"\text{si}", r"\text{otherwise}": r"\text{sinon}"}


def localise(tex: str, lang: str) -> str:
    """SymPy writes a few English words in LaTeX (piecewise functions); translate them.

    >>> localise(r"0 & \\text{otherwise}", "fr")
    '0 & \\\\text{sinon}'
    """
    if lang == "fr":
        for word, french in _FRENCH_WORDS.items():
            tex = tex.replace(word, french)
    return tex


_REL = {"==": "=", "!=": "\\neq", "<": "<", "<=": "\\le", ">": ">", ">=": "\\ge"}


@functools.lru_cache(maxsize=None)
def _plain_printer(digits: int):
    """A StrPrinter whose floats show `digits` significant digits and no trailing zeros."""
    from sympy.printing.str import StrPrinter

    class PlainPrinter(StrPrinter):
        def _print_Float(self, expr):
            return f"{float(expr):.{digits}g}"

    return PlainPrinter()
