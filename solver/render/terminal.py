"""Maths for a terminal: no SymPy syntax, and nothing wider than the screen.

`readable` rewrites what SymPy would print in its own syntax (``s[k]``, ``KroneckerDelta(j, k)``,
``Derivative(C, s[k])``, ``log``) into the notation of the course (``s_k``, ``δ_jk``, ``∂C/∂s_k``,
``ln``); `terminal_math` pretty-prints it in two dimensions when that fits the width, else on one
line wrapped at the width; a matrix too wide keeps its corners (the full one is in Markdown/LaTeX).
"""

from __future__ import annotations

import functools
import textwrap

WIDTH = 100  # columns when the terminal does not say


def terminal_width() -> int:
    """The terminal's width, at most 100 columns (100 when the output is not a terminal)."""
    import shutil

    return min(shutil.get_terminal_size((WIDTH, 24)).columns, WIDTH)


def readable(math):
    """The same maths with the course's notation: subscripts, δ, ∂ and ln.

    >>> import sympy as sp
    >>> s, C = sp.IndexedBase("s"), sp.Symbol("C")
    >>> j, k = sp.symbols("j k")
    >>> print(linear(readable(s[k] * (sp.KroneckerDelta(j, k) - s[j]) + sp.log(s[j]))))
    s_k·(-s_j + δ_jk) + ln(s_j)
    >>> print(linear(readable(sp.Derivative(C, s[j]) * sp.Derivative(s[j], s[k]))))
    ∂C/∂s_j·∂s_j/∂s_k
    """
    import sympy as sp

    from solver.derive.chain import Chain

    if isinstance(math, tuple):
        return tuple(readable(m) for m in math)
    if isinstance(math, Chain):
        return Chain(*(readable(t) for t in math.terms))
    if isinstance(math, sp.MatrixBase):
        return math.applyfunc(readable)
    if isinstance(math, sp.Rel):
        return math.func(readable(math.lhs), readable(math.rhs), evaluate=False)
    if not isinstance(math, sp.Basic):
        return math
    math = math.replace(lambda n: isinstance(n, sp.Derivative), _partial)
    math = math.replace(lambda n: isinstance(n, sp.Indexed),
                        lambda n: sp.Symbol(_subscripted(str(n.base), n.indices)))
    math = math.replace(lambda n: isinstance(n, sp.KroneckerDelta),
                        lambda n: sp.Symbol(_subscripted("δ", n.args, sep="")))
    math = math.replace(lambda n: isinstance(n, sp.log) and len(n.args) == 1, lambda n: _ln()(n.args[0]))
    return math.replace(lambda n: type(n) is sp.Symbol and "{" in n.name,
                        lambda n: sp.Symbol(n.name.replace("{", "").replace("}", ""), **n.assumptions0))


def _subscripted(base: str, indices, sep: str = ",") -> str:
    """``s_k``, ``s_n,k``, ``δ_jk``, ``x_2·a+u``: a name with its indices after an underscore."""
    return f"{base}_" + sep.join(linear(i).replace(" ", "") for i in indices)


@functools.lru_cache(maxsize=None)
def _ln():
    """A function SymPy prints as ``ln`` and never evaluates."""
    import sympy as sp

    class ln(sp.Function):
        pass

    return ln


def _partial(derivative):
    """∂f/∂x as one opaque symbol (so ∂C/∂s·∂s/∂a never cancels); ∂/∂x(…) for an expression."""
    import sympy as sp

    order = sum(n for _, n in derivative.variable_count)
    top = "∂" + ("" if order == 1 else _superscript(order))
    bottom = "".join(f"∂{readable(v)}" + ("" if n == 1 else _superscript(n)) for v, n in derivative.variable_count)
    expr = readable(derivative.expr)
    if isinstance(expr, sp.Symbol):
        return _fraction_symbol()(f"{top}{expr}", bottom)
    return sp.Function(f"{top}/{bottom}")(expr)


def _superscript(n: int) -> str:
    return str(n).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))


@functools.lru_cache(maxsize=None)
def _fraction_symbol():
    """A symbol printed as a fraction of two names (∂C over ∂s_k), and as ``∂C/∂s_k`` on one line."""
    import sympy as sp

    class PartialRatio(sp.Symbol):
        def __new__(cls, top, bottom):
            obj = sp.Symbol.__xnew__(cls, f"{top}/{bottom}")
            obj._parts = (top, bottom)
            return obj

        def __getnewargs_ex__(self):
            return self._parts, {}

        def _pretty(self, printer):
            top, bottom = (printer._print(sp.Symbol(part)) for part in self._parts)
            return top / bottom

    return PartialRatio


def linear(math, lang: str = "en") -> str:
    """One line of Unicode maths: ``⌊(i + 2·p - k)/s⌋ + 1``, ``x^2``; French decimals with a comma.

    >>> import sympy as sp
    >>> i, k, p, s = sp.symbols("i k p s")
    >>> linear(sp.floor((i + 2*p - k)/s) + 1)
    '⌊(i - k + 2·p)/s⌋ + 1'
    >>> linear(sp.Matrix([[sp.Float(0.5), 2]]), "fr")
    '[[0,5 ; 2]]'
    """
    from .values import localised_decimals

    return localised_decimals(_linear_printer(lang).doprint(math), lang)


@functools.lru_cache(maxsize=None)
def _linear_printer(lang: str):
    from sympy.printing.str import StrPrinter

    separator = " ; " if lang == "fr" else ", "

    class LinearPrinter(StrPrinter):
        def _print_Mul(self, expr):
            return super()._print_Mul(expr).replace("**", "^").replace("*", "·")

        def _print_Pow(self, expr, rational=False):
            return super()._print_Pow(expr, rational).replace("**", "^")

        def _print_floor(self, expr):
            return "⌊" + self._print(expr.args[0]) + "⌋"

        def _print_ceiling(self, expr):
            return "⌈" + self._print(expr.args[0]) + "⌉"

        def _print_Float(self, expr):
            return f"{float(expr):.6g}"

        def _print_Sum(self, expr):
            return self._big("Σ", expr)

        def _print_Product(self, expr):
            return self._big("Π", expr)

        def _big(self, sign, expr):
            limits = ", ".join(f"{self._print(v)}={self._print(a)}..{self._print(b)}" for v, a, b in expr.limits)
            return f"{sign}_({limits}) ({self._print(expr.function)})"

        def _print_Relational(self, expr):
            op = {"==": "=", "!=": "≠", "<=": "≤", ">=": "≥"}.get(expr.rel_op, expr.rel_op)
            return f"{self._print(expr.lhs)} {op} {self._print(expr.rhs)}"

        def _print_MatrixBase(self, expr):
            return "[" + separator.join("[" + separator.join(self._print(c) for c in row) + "]"
                                        for row in expr.tolist()) + "]"

        _print_ImmutableDenseMatrix = _print_MutableDenseMatrix = _print_MatrixBase

    return LinearPrinter()


def terminal_math(math, width: int, lang: str = "en") -> str:
    """A step's maths for a terminal: 2D when it fits in `width` columns, else wrapped lines."""
    import sympy as sp

    from .values import localised_decimals, rounded

    items = math if isinstance(math, tuple) else (math,)
    blocks = []
    for item in items:
        item = readable(rounded(item))
        if isinstance(item, sp.MatrixBase):
            item = _cornered(item, width)
        block = sp.pretty(item, use_unicode=True, wrap_line=False)
        if max(map(len, block.splitlines()), default=0) > width:
            block = textwrap.fill(linear(item, lang), width=width, subsequent_indent="    ", break_on_hyphens=False,
                                  break_long_words=False)
        blocks.append(_localised(localised_decimals(block, lang), lang))
    return "\n".join(blocks)


def _cornered(matrix, width: int):
    """A matrix whose 2D form is wider than `width`: its first and last columns, ⋯ between."""
    import sympy as sp

    rows, cols = matrix.shape
    if cols <= 4 or max(map(len, sp.pretty(matrix).splitlines())) <= width:
        return matrix
    dots = sp.Symbol("⋯")
    kept = 2
    while kept + 1 < cols // 2:
        trial = sp.Matrix.hstack(matrix[:, :kept + 1], sp.Matrix([dots] * rows), matrix[:, -(kept + 1):])
        if max(map(len, sp.pretty(trial).splitlines())) > width:
            break
        kept += 1
    return sp.Matrix.hstack(matrix[:, :kept], sp.Matrix([dots] * rows), matrix[:, -kept:])


def _localised(block: str, lang: str) -> str:
    """Piecewise functions: SymPy's English words, in French padded to keep the columns aligned."""
    if lang == "fr":
        block = block.replace(" otherwise", " sinon    ").replace(" for ", " si  ")
    return block
