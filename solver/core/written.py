"""Math written exactly as a teacher writes it: exact decimals, and pieces SymPy would reorder.

SymPy merges and reorders ``0.1·0.15 + 2·0.25`` and prints 1/4 as a fraction; derivation lines
want the teacher's order and ``0.25``. No SymPy is needed to build these values.
"""

from __future__ import annotations

from fractions import Fraction


def decimal_string(value) -> str | None:
    """The exact decimal writing of a rational number, or None when it does not terminate.

    >>> decimal_string(Fraction(-9, 100)), decimal_string(Fraction(5, 2)), decimal_string(7)
    ('-0.09', '2.5', '7')
    >>> decimal_string(Fraction(1, 3)) is None
    True
    """
    q = Fraction(value) if isinstance(value, (int, Fraction)) else Fraction(str(value))
    twos = fives = 0
    den = q.denominator
    while den % 2 == 0:
        den, twos = den // 2, twos + 1
    while den % 5 == 0:
        den, fives = den // 5, fives + 1
    if den != 1:
        return None
    places = max(twos, fives)
    scaled = q.numerator * 10 ** places // q.denominator
    if places == 0:
        return str(scaled)
    digits = str(abs(scaled)).rjust(places + 1, "0")
    sign = "-" if scaled < 0 else ""
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


class Written:
    """A piece of math printed as given: `text` in a terminal, `tex` in documents.

    It prints through SymPy's printers, so it fits in a `solver.derive.chain.Chain` or a step.

    >>> import sympy as sp
    >>> w = Written("(X ⋆ K)[i, j]", r"(X \\star K)_{i,j}")
    >>> print(sp.sstr(w), "|", sp.latex(w))
    (X ⋆ K)[i, j] | (X \\star K)_{i,j}
    """

    def __init__(self, text: str, tex: str):
        self.text, self.tex = text, tex

    def __str__(self) -> str:
        return self.text

    def _latex(self, printer):
        return self.tex

    def _sympystr(self, printer):
        return self.text

    def _pretty(self, printer):
        from sympy.printing.pretty.stringpict import prettyForm

        return prettyForm(self.text)
