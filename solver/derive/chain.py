"""Chains of equalities for derivations: ``o = ⌊(i + 2p − k)/s⌋ + 1 = ⌊(7 + 0 − 5)/1⌋ + 1 = 3``.

A `Chain` is printed by SymPy's printers (str, LaTeX, Unicode pretty) as its terms joined
by "=", so a derivation step shows the general formula, the substitution and the value.
"""

from __future__ import annotations


class Chain:
    """Terms joined by `=` when printed; consecutive duplicates are dropped.

    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> print(sp.latex(Chain(sp.Symbol("y"), 2*x + 1, 7, 7)))
    y = 2 x + 1 = 7
    """

    def __init__(self, *terms):
        kept: list = []
        for t in terms:
            if not kept or _text(t) != _text(kept[-1]):
                kept.append(t)
        self.terms = tuple(kept)

    def _latex(self, printer):
        return " = ".join(printer._print(t) for t in self.terms)

    def _sympystr(self, printer):
        return " = ".join(printer._print(t) for t in self.terms)

    def _pretty(self, printer):
        from sympy.printing.pretty.stringpict import prettyForm

        out = printer._print(self.terms[0])
        for t in self.terms[1:]:
            out = prettyForm(*out.right(" = "))
            out = prettyForm(*out.right(printer._print(t)))
        return out

    def atoms(self, *types):
        import sympy as sp

        found = set()
        for t in self.terms:
            if isinstance(t, sp.Basic):
                found |= t.atoms(*types)
        return found

    def xreplace(self, rule):
        import sympy as sp

        return Chain(*(t.xreplace(rule) if isinstance(t, sp.Basic) else t for t in self.terms))


def _text(term) -> str:
    from sympy import sstr

    return sstr(term)


def _shown_value_class():
    """A Symbol printed as a number, distinct per substituted variable (so `2p/s` with p = s = 2
    shows as 2·2/2 instead of cancelling)."""
    import sympy as sp

    class ShownValue(sp.Symbol):
        def __new__(cls, text, origin, plain=None):
            obj = sp.Symbol.__xnew__(cls, text)
            obj._origin = origin
            obj._plain = plain or text
            return obj

        def _sympystr(self, printer):  # LaTeX (the name) for documents, plain text for terminals
            return self._plain

        def _pretty(self, printer):
            from sympy.printing.pretty.stringpict import prettyForm

            return prettyForm(self._plain)

        def _hashable_content(self):
            return super()._hashable_content() + (self._origin,)

        def sort_key(self, order=None):  # by variable, as in the general formula (never by hash)
            return self.class_key(), (1, (self._origin, self.name)), sp.S.One.sort_key(), sp.S.One

        def __str__(self):  # what SymPy sorts a power's base by (k² in C_in·k²); printers use the name
            return self._origin

        def __getnewargs_ex__(self):
            return (self.name, self._origin, self._plain), {}

    return ShownValue


_SHOWN: list[type] = []  # the class, made once on first use


def number_text(value) -> str:
    """A number as it is written in a substitution: integers and decimals plainly, fractions in LaTeX.

    >>> number_text(3), number_text(0.1), number_text(-2)
    ('3', '0.1', '-2')
    """
    from fractions import Fraction

    import sympy as sp

    if isinstance(value, Fraction):
        value = sp.Rational(value.numerator, value.denominator)
    if isinstance(value, (float, sp.Float)):
        return f"{float(value):.6g}"
    return sp.latex(sp.sympify(value))


def _plain_number(value) -> str:
    """A number for a terminal: 1/3, 0.25, -2."""
    from fractions import Fraction

    import sympy as sp

    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    if isinstance(value, (float, sp.Float)):
        return f"{float(value):.6g}"
    return sp.sstr(sp.sympify(value))


def substituted(expr, bindings):
    """`expr` with values written in place of symbols, its structure kept (to show the substitution).

    Each value becomes a symbol printed as the value, so SymPy neither evaluates nor reorders it.

    >>> import sympy as sp
    >>> i, p, s = sp.symbols("i p s")
    >>> print(sp.latex(substituted((i + 2*p)/s, {i: 7, p: 2, s: 2})))
    \\frac{7 + 2 \\cdot 2}{2}
    """
    import sympy as sp

    if not _SHOWN:
        _SHOWN.append(_shown_value_class())
    shown_value = _SHOWN[0]

    def shown(symbol, value):
        if isinstance(value, sp.Basic) and not value.is_Number:
            return value
        text, plain = number_text(value), _plain_number(value)
        wrap = (lambda t: f"({t})") if plain.startswith("-") else (lambda t: t)
        return shown_value(wrap(text), str(symbol), wrap(plain))

    return expr.xreplace({k: shown(k, v) for k, v in bindings.items()})


def derive(lhs, general, bindings):
    """`lhs = general = general with values = value` (the last two only when values are bound)."""
    import sympy as sp

    if not bindings:
        return Chain(lhs, general)
    return Chain(lhs, general, substituted(general, bindings), sp.simplify(general.xreplace(bindings)))
