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
        kept = []
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
    return str(term)


def substituted(expr, bindings):
    """`expr` with values written in place of symbols, its structure kept (to show the substitution).

    Each value becomes a symbol named by the value, so SymPy neither evaluates nor reorders it.

    >>> import sympy as sp
    >>> i, p, k = sp.symbols("i p k")
    >>> print(sp.latex(substituted(i + 2*p - k, {i: 7, p: 0, k: -3})))
    - (-3) + 2 \\cdot 0 + 7
    """
    import sympy as sp

    def shown(value):
        if isinstance(value, sp.Basic) and not value.is_Number:
            return value
        text = sp.latex(sp.nsimplify(value)) if not isinstance(value, int) else str(value)
        return sp.Symbol(f"({text})" if text.startswith("-") else text)

    return expr.xreplace({k: shown(v) for k, v in bindings.items()})


def derive(lhs, general, bindings):
    """`lhs = general = general with values = value` (the last two only when values are bound)."""
    import sympy as sp

    if not bindings:
        return Chain(lhs, general)
    return Chain(lhs, general, substituted(general, bindings), sp.simplify(general.xreplace(bindings)))
