"""A key formula written as Python for a notebook's code cells.

SymPy's plain printer, plus what a key of a derivation may hold and Python lacks: a derivative
(computed by autograd in the notebook), a substitution, a finite sum, a piecewise formula, ∞ and
``O(·)``. The names it writes besides the formula's own (``derivative``, ``where``, ``Order``,
``math.inf``) are defined by the notebook's first cell (`solver.export.torch_code.PRELUDE`).
"""

from __future__ import annotations

import functools

# words the printed code may hold besides the formula's symbols: Python's and the prelude's
PYTHON_WORDS = {"lambda", "for", "in", "range", "sum", "math", "inf", "derivative", "where", "Order", "True",
                "floor", "ceil", "Max", "Min", "exp", "log", "sqrt", "tanh", "KroneckerDelta"}


def python_expr(expr) -> str:
    """The formula as a Python expression.

    >>> import sympy as sp
    >>> a, r, j, d = sp.symbols("a r j d")
    >>> g, x = sp.Function("g"), sp.IndexedBase("x")
    >>> python_expr(sp.Derivative(g(a), a))
    'derivative(lambda a: g(a), a)'
    >>> python_expr(sp.Subs(sp.Derivative(g(r * a), r), r, 0))
    '(lambda r: derivative(lambda r: g(a*r), r))(0)'
    >>> python_expr(sp.Sum(sp.exp(x[j]), (j, 1, d)))
    'sum(exp(x[j]) for j in range(1, d + 1))'
    >>> python_expr(sp.Piecewise((0, a <= 0), (2 * a, True))), python_expr(-sp.oo), python_expr(sp.O(r))
    ('where(a <= 0, 0, 2*a)', '-math.inf', 'Order(lambda r: r)')
    """
    return _printer().doprint(expr)


def free_names(expr) -> set:
    """Names a formula needs a value for: its free symbols (the variable of an O(·) is bound), and
    the unknown functions it applies.

    >>> import sympy as sp
    >>> r, v = sp.symbols("r v")
    >>> sorted(free_names(sp.O(r))), sorted(free_names(sp.Function("g")(r * v) + sp.Derivative(sp.Function("g")(v), v)))
    ([], ['g', 'r', 'v'])
    """
    import sympy as sp

    if not hasattr(expr, "free_symbols"):
        return set()
    bound = {v for o in (expr.atoms(sp.Order) if isinstance(expr, sp.Basic) else ()) for v in o.variables}
    return {s.name for s in expr.free_symbols - bound if isinstance(s, sp.Symbol)} | function_names(expr)


def function_names(expr) -> set:
    """Names of the unknown functions the formula applies (g in g(a_k))."""
    from sympy.core.function import AppliedUndef

    return {type(f).__name__ for f in expr.atoms(AppliedUndef)} if hasattr(expr, "atoms") else set()


@functools.lru_cache(maxsize=None)
def _printer():
    from sympy.printing.str import StrPrinter

    class KeyPrinter(StrPrinter):
        def _print_Derivative(self, expr):
            code = self._print(expr.expr)
            for var, count in expr.variable_count:
                for _ in range(count):
                    name = self._print(var)
                    code = f"derivative(lambda {name}: {code}, {name})"
            return code

        def _print_Subs(self, expr):
            names = ", ".join(self._print(v) for v in expr.variables)
            points = ", ".join(self._print(p) for p in expr.point)
            return f"(lambda {names}: {self._print(expr.expr)})({points})"

        def _print_Sum(self, expr):
            code = self._print(expr.function)
            for var, low, high in expr.limits:
                code = f"sum({code} for {self._print(var)} in range({self._print(low)}, {self._print(high + 1)}))"
            return code

        def _print_Piecewise(self, expr):
            *pieces, (last, cond) = expr.args
            if cond is not True and str(cond) != "True":
                raise ValueError(f"a piecewise formula without an 'otherwise' piece: {expr}")
            code = self._print(last)
            for value, cond in reversed(pieces):
                code = f"where({self._print(cond)}, {self._print(value)}, {code})"
            return code

        def _print_Infinity(self, expr):
            return "math.inf"

        def _print_NegativeInfinity(self, expr):
            return "-math.inf"

        def _print_Order(self, expr):
            names = ", ".join(self._print(v) for v in expr.variables)
            return f"Order(lambda {names}: {self._print(expr.expr)})"

    return KeyPrinter()
