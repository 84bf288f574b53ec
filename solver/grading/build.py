"""Syntax tree -> SymPy objects, names resolved against the key, numbers bounded; plus "read as".

Names: a name the key uses (``i``, ``y_k``, ``w_{1,1}``, an `IndexedBase` ``x``, an undefined
function ``g``) becomes the key's own object, with the same assumptions. ``2ps`` is ``2·p·s`` when
``p`` and ``s`` are the key's symbols. ``s_i`` is ``s[i]`` when the key indexes ``s``; ``δ_{ij}`` is
the Kronecker delta (unless the key has a symbol of that name); ``e`` is Euler's number, ``pi``
is π and ``oo``/``inf``/``∞`` is infinity unless the key uses these names. ``f(x)`` with a name the
key does not know is a product ``f·x`` — unless the key has undefined functions (``g(a)``), then
it is another undefined function. Any other name is kept as an unknown real symbol (the answer
is then read, and found different, with a note naming it).

Numbers: decimals are exact rationals (``0.874`` is 437/500); every exact number met while
building stays under `MAX_BITS`, powers of numbers are estimated before they are computed, and
functions (sqrt, log, …) of a number accept only numbers under `ARG_BITS` — SymPy's exact
algorithms on huge integers can take minutes.

>>> import sympy as sp
>>> i, p = sp.Symbol("i", integer=True, positive=True), sp.Symbol("p", integer=True)
>>> ctx = Context.of([i + p])
>>> reading = read("2ip + 1", ctx)
>>> reading.value == 2*i*p + 1, reading.text
(True, '2*i*p + 1')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import sympy as sp
from sympy.core.function import AppliedUndef

from solver.core.text import Text

from .lexer import ParseError, greek_name
from .parse import Node, parse, parse_shape

MAX_BITS = 1024
ARG_BITS = 128
MAX_POWER = 1000
MAX_SYMBOLIC_POWER = 10000
_ASSUME = {"size": dict(integer=True, positive=True), "odd": dict(integer=True, positive=True, odd=True),
           "natural": dict(integer=True, nonnegative=True),
           "integer": dict(integer=True), "real": dict(real=True), "positive": dict(positive=True),
           "probability": dict(positive=True), "index": dict(integer=True)}
_CONSTANTS = {"pi": sp.pi, "e": sp.E, "E": sp.E, "oo": sp.oo, "inf": sp.oo, "infty": sp.oo, "infinity": sp.oo,
              "Infinity": sp.oo}


def canonical(name: str) -> str:
    """A name as the grader compares it: Greek letters spelt out, no braces, spaces or backslashes.

    >>> canonical("k_{eff}"), canonical("\\\\beta"), canonical("β_1"), canonical("w_{1, 1}")
    ('k_eff', 'beta', 'beta_1', 'w_1,1')
    """
    out = []
    for ch in name:
        if ch in "{}\\ ":
            continue
        out.append(greek_name(ch) or ch)
    return "".join(out)


def _domain_kind(value: str) -> str:
    return value.split(":")[0]


@dataclass
class Context:
    """What the key names: symbols, indexed bases (with their rank) and undefined functions."""

    symbols: dict[str, sp.Symbol] = field(default_factory=dict)
    declared: dict[str, sp.Symbol] = field(default_factory=dict)
    bases: dict[str, tuple[sp.IndexedBase, int]] = field(default_factory=dict)
    functions: dict[str, Any] = field(default_factory=dict)
    unknown: set[str] = field(default_factory=set)
    open_functions: bool = False  # a key: any name applied to arguments is a function of its own

    @classmethod
    def of(cls, values: Iterable[Any], domain: Mapping[str, str] | None = None) -> "Context":
        ctx = cls()
        for value in values:
            if isinstance(value, sp.Basic):
                ctx._collect(value)
        for name, kind in (domain or {}).items():
            key = canonical(name)
            if key not in ctx.symbols and key not in ctx.bases and _domain_kind(kind) in _ASSUME:
                ctx.declared.setdefault(key, sp.Symbol(name, **_ASSUME[_domain_kind(kind)]))
        return ctx

    def _collect(self, value: sp.Basic) -> None:
        for atom in value.atoms(sp.Symbol):
            self._add_symbol(atom)
        for idx in value.atoms(sp.Indexed):
            self.bases.setdefault(canonical(str(idx.base.label)), (idx.base, len(idx.indices)))
        for fn in value.atoms(AppliedUndef):
            self.functions.setdefault(canonical(fn.func.__name__), fn.func)

    def _add_symbol(self, symbol: sp.Symbol) -> None:
        key = canonical(symbol.name)
        self.symbols.setdefault(key, symbol)
        self.symbols.setdefault(key.replace(",", ""), symbol)

    def fresh(self) -> "Context":
        """The same names, with an empty list of unknown ones (one per answer read)."""
        return Context(self.symbols, self.declared, self.bases, self.functions, set(), self.open_functions)

    def lookup(self, key: str, declared: bool = True) -> sp.Symbol | None:
        """The key's symbol of this canonical name (or a symbol only the part's domain declares)."""
        for table in (self.symbols, self.declared) if declared else (self.symbols,):
            for candidate in (key, key.replace(",", "")):
                if candidate in table:
                    return table[candidate]
        return None

    def hint(self, name: str) -> str | None:
        """A key name equal to `name` up to case (``x`` for ``X``)."""
        close = sorted({str(v) for k, v in self.symbols.items() if k.lower() == name.lower()}
                       | {k for k in self.bases if k.lower() == name.lower()})
        return close[0] if close else None


@dataclass(frozen=True)
class Reading:
    """An answer as read: the SymPy value, how it was read (text), names the key does not use,
    the half unit of the last digit of a number written alone (or, for a matrix, per entry)."""

    value: Any
    text: str
    unknown: tuple[str, ...] = ()
    resolution: Any = None
    flat: bool = False


def read(text: str, ctx: Context, kind: str = "expr") -> Reading:
    """Read an answer for a part of this kind (``shape`` reads products of sizes as shapes; a count
    may end with its unit, see `without_unit`)."""
    if kind in ("int", "number"):
        text = without_unit(text)
        letter_digit(text)
    comma = {"int": "thousands", "shape": "separator"}.get(kind, "decimal")
    node = parse_shape(text) if kind == "shape" else parse(text, comma, big=kind == "matrix")
    ctx = ctx.fresh()
    value, shown, _ = Builder(ctx).build(node)
    return Reading(value, shown, tuple(sorted(ctx.unknown)), _resolution(node), node.tag == "matrix" and node.data == "flat")


_UNITS = sorted("pixels pixel px params paramètres paramètre parametres parametre parameters parameter poids "
                "weights weight neurones neurone neurons neuron".split(), key=len, reverse=True)


_LOOKALIKES = {"O": "0", "o": "0", "l": "1", "I": "1"}


def letter_digit(text: str) -> None:
    """A number part: a letter that looks like a digit glued to digits (``2256O``, ``1O24``) is
    refused with one message (a linear scan, no regular expression).

    >>> letter_digit("2256O")
    Traceback (most recent call last):
    ...
    solver.grading.lexer.ParseError: at 4: the letter 'O' among digits: write the digit 0
    """
    for i, ch in enumerate(text):
        if ch in _LOOKALIKES:
            before = text[i - 1] if i else ""
            after = text[i + 1] if i + 1 < len(text) else ""
            if (before.isdigit() or after.isdigit()) and not (before.isalpha() or after.isalpha()):
                digit = _LOOKALIKES[ch]
                raise _err(i, f"la lettre « {ch} » au milieu de chiffres : écrivez le chiffre {digit}",
                           f"the letter '{ch}' among digits: write the digit {digit}")


def without_unit(text: str) -> str:
    """A number followed by the unit it counts (pixels, parameters, weights, neurons): the number.
    A linear scan from the end (no regular expression on the answer).

    >>> without_unit("41 pixels"), without_unit("32*(9+1) paramètres"), without_unit("2 p")
    ('41', '32*(9+1)', '2 p')
    """
    end = text.rstrip()
    end = end[:-1].rstrip() if end.endswith(".") else end
    lower = end.lower()
    for unit in _UNITS:
        if lower.endswith(unit):
            number = end[:len(end) - len(unit)].rstrip()
            if number and (number[-1].isdigit() and number[-1].isascii() or number[-1] == ")"):
                return number
            break
    return text


def _resolution(node: Node) -> Any:
    """Half a unit of the last written digit of a lone (signed) number; per entry for a matrix."""
    if node.tag == "num":
        return node.data
    if node.tag == "neg" and node.args[0].tag == "num":
        return node.args[0].data
    if node.tag == "matrix":
        return [[_resolution(e) for e in row.args] for row in node.args]
    if node.tag == "tuple":
        return [[_resolution(e) for e in node.args]]
    return None


def _err(pos: int, fr: str, en: str) -> ParseError:
    return ParseError(pos, Text(fr, en))


# precedences for "read as": sum 1, product 2, unary minus 3, power 4, atom 5
class Builder:
    """Build SymPy objects (and their "read as" text) from a tree."""

    def __init__(self, ctx: Context):
        self.ctx = ctx

    def build(self, node: Node) -> tuple[Any, str, int]:
        return getattr(self, "b_" + node.tag)(node)

    def scalar(self, node: Node) -> tuple[Any, str, int]:
        value, text, prec = self.build(node)
        if not isinstance(value, sp.Expr):
            raise _err(node.pos, "un nombre ou une expression est attendu ici (pas une liste)",
                       "a number or an expression is expected here (not a list)")
        return value, text, prec

    def checked(self, value: Any, pos: int) -> Any:
        if isinstance(value, sp.Rational) and max(value.p.bit_length(), value.q.bit_length()) > MAX_BITS:
            raise _err(pos, "nombre trop grand", "number too large")
        return value

    # -- leaves
    def b_num(self, node: Node):
        f = node.data.value
        value = self.checked(sp.Rational(f.numerator, f.denominator), node.pos)
        return value, node.data.text, 5

    def b_name(self, node: Node):
        value = self.name(node.data, node.pos)
        return value, _show(value), 5 if isinstance(value, (sp.Symbol, sp.Indexed)) or value.is_Atom else 2

    def name(self, raw: str, pos: int) -> Any:
        key = canonical(raw)
        ctx = self.ctx
        if ctx.lookup(key) is not None:
            return ctx.lookup(key)
        if key in _CONSTANTS:
            return _CONSTANTS[key]
        greek = _GREEK_INDEX.fullmatch(key)
        if greek and _is_greek(greek.group(1)) and ctx.lookup(greek.group(1) + "_" + greek.group(2)) is not None:
            return ctx.lookup(greek.group(1) + "_" + greek.group(2))  # ``β1`` for the key's ``β_1``
        if key.lower() in _BUILTINS and not _is_greek(key) and key != "O":
            raise _err(pos, f"« {raw} » est une fonction : écrivez {raw}(x)", f"'{raw}' is a function: write {raw}(x)")
        if key in ctx.bases or key in ctx.functions or len(key) == 1 or greek_name(raw[:1]) or _is_greek(key):
            return self.unknown(raw)
        pieces = _split(key, ctx.symbols)
        if pieces:
            return sp.Mul(*[ctx.symbols[p] for p in pieces])
        return self.unknown(raw)

    def unknown(self, raw: str) -> sp.Symbol:
        self.ctx.unknown.add(canonical(raw))
        return sp.Symbol(canonical(raw), real=True)

    def b_script(self, node: Node):
        base, raw = node.data
        key = canonical(base) + "_" + canonical(raw)
        ctx = self.ctx
        sym = ctx.lookup(key, declared=canonical(base) not in ctx.bases)
        if sym is not None:
            return sym, sym.name, 5
        seen = set(ctx.unknown)
        indices = [self.scalar(a)[0] for a in node.args]
        if canonical(base) in ctx.bases:
            indexed_base, rank = ctx.bases[canonical(base)]
            if len(indices) == 1 and rank > 1 and len(raw) == rank and raw.isalnum():
                indices = [self.name(c, node.pos) if c.isalpha() else sp.Integer(int(c)) for c in raw]
            value = indexed_base[tuple(indices)]
            return value, _show(value), 5
        if canonical(base) == "delta" and (len(indices) == 2 or (len(raw) == 2 and raw.isalpha())):
            if len(indices) != 2:
                indices = [self.name(c, node.pos) for c in raw]
            value = sp.KroneckerDelta(*indices)
            return value, _show(value), 5
        if ctx.lookup(key) is not None:
            return ctx.lookup(key), key, 5
        if all(n.tag in ("name", "num") for n in node.args):
            ctx.unknown.intersection_update(seen)  # ``s_k`` is one unknown name, not also ``k``
            return self.unknown(key), key, 5
        value = sp.IndexedBase(canonical(base))[tuple(indices)]
        self.ctx.unknown.add(canonical(base))
        return value, _show(value), 5

    def b_index(self, node: Node):
        indices = tuple(self.scalar(a)[0] for a in node.args)
        key = canonical(node.data)
        if key in self.ctx.bases:
            base = self.ctx.bases[key][0]
        else:
            self.ctx.unknown.add(key)
            base = sp.IndexedBase(key)
        value = base[indices]
        return value, _show(value), 5

    def b_group(self, node: Node):
        return self.build(node.args[0])

    # -- operators
    def b_neg(self, node: Node):
        value, text, prec = self.scalar(node.args[0])
        return self.checked(-value, node.pos), "-" + _wrap(text, prec, 3), 3

    def b_add(self, node: Node):
        return self.binary(node, lambda a, b: a + b, " + ", 1, 1, 1)

    def b_sub(self, node: Node):
        return self.binary(node, lambda a, b: a - b, " - ", 1, 1, 2)

    def b_mul(self, node: Node):
        return self.binary(node, lambda a, b: a * b, "*", 2, 2, 2)

    def b_div(self, node: Node):
        def divide(a, b):
            if b == 0:
                raise _err(node.pos, "division par zéro", "division by zero")
            return a / b
        return self.binary(node, divide, "/", 2, 2, 3)

    def binary(self, node, op, sign, prec, left_min, right_min):
        a, ta, pa = self.scalar(node.args[0])
        b, tb, pb = self.scalar(node.args[1])
        value = self.checked(op(a, b), node.pos)
        return value, _wrap(ta, pa, left_min) + sign + _wrap(tb, pb, right_min), prec

    def b_pow(self, node: Node):
        pieces = self.split_name(node.args[0])
        if pieces:  # ``zk^2`` is z·k², ``2ps^2`` is 2·p·s²: the power binds to the last letter
            base = Node("name", node.args[0].pos, (), pieces[-1])
            power = self.b_pow(Node("pow", node.pos, (base, node.args[1])))
            factors = [self.ctx.symbols[p] for p in pieces[:-1]]
            text = "*".join([_show(f) for f in factors] + [power[1]])
            return self.checked(sp.Mul(*factors) * power[0], node.pos), text, 2
        a, ta, pa = self.scalar(node.args[0])
        b, tb, pb = self.scalar(node.args[1])
        self.check_power(a, b, node.pos)
        value = self.checked(a ** b, node.pos)
        return value, _wrap(ta, pa, 5) + "^" + _wrap(tb, pb, 5), 4

    def split_name(self, node: Node) -> list[str] | None:
        """The key names a name splits into (``zk`` -> z, k), when it is not itself a name."""
        if node.tag != "name":
            return None
        key = canonical(node.data)
        ctx = self.ctx
        if (ctx.lookup(key) is not None or key in _CONSTANTS or key in ctx.bases or key in ctx.functions
                or len(key) == 1 or _is_greek(key) or greek_name(node.data[:1])):
            return None
        pieces = _split(key, ctx.symbols)
        return pieces if pieces and len(pieces) > 1 else None

    def check_power(self, base, exponent, pos: int) -> None:
        """Refuse powers whose result would be huge, before SymPy computes them."""
        if not exponent.is_Number:
            return
        limit = MAX_POWER if base.is_Number else MAX_SYMBOLIC_POWER  # (x - a)^6000 stays unexpanded
        if exponent.is_Rational and abs(exponent) > limit and not (base.is_Number and abs(base) == 1):
            raise _err(pos, f"exposant trop grand (au plus {limit})", f"exponent too large (at most {limit})")
        if base.is_Rational and exponent.is_Rational:
            bits = max(base.p.bit_length(), base.q.bit_length())
            if abs(exponent) * bits > MAX_BITS or (not exponent.is_Integer and bits > ARG_BITS):
                raise _err(pos, "nombre trop grand", "number too large")

    # -- functions
    def b_call(self, node: Node):
        name = node.data
        args = [self.build(a) for a in node.args]
        key = canonical(name)
        if key in self.ctx.functions or (self.ctx.functions and key.isalpha() and key.lower() not in _BUILTINS
                                         and key not in self.ctx.symbols and key != "O"):
            fn = self.ctx.functions.get(key) or sp.Function(key)
            if key not in self.ctx.functions:
                self.ctx.unknown.add(key)
            value = fn(*[a[0] for a in args])
            return value, _show(value), 5
        if key.lower() not in _BUILTINS and key != "O" and self.unknown_function(key):
            if not self.ctx.open_functions:
                raise _err(node.pos, f"fonction inconnue « {name} »", f"unknown function '{name}'")
            fn = self.ctx.functions.setdefault(key, sp.Function(key))
            value = fn(*[a[0] for a in args])
            return value, _show(value), 5
        if key in self.ctx.symbols or (key.lower() not in _BUILTINS and key != "O"):
            if len(args) != 1:
                raise _err(node.pos, f"fonction inconnue « {name} »", f"unknown function '{name}'")
            left = self.name(name, node.pos)
            value, text, prec = args[0]
            return self.checked(left * value, node.pos), _show(left) + "*" + _wrap(text, prec, 5), 2
        for (value, _, _), sub in zip(args, node.args):
            if not isinstance(value, sp.Expr) and not (key.lower() == "sum" and isinstance(value, sp.Tuple)):
                raise _err(sub.pos, "argument non numérique", "argument is not a number")
            if isinstance(value, sp.Rational) and max(value.p.bit_length(), value.q.bit_length()) > ARG_BITS:
                raise _err(sub.pos, "nombre trop grand pour cette fonction", "number too large for this function")
        arity, make = _BUILTINS["O" if key == "O" else key.lower()]
        if not arity[0] <= len(args) <= arity[1]:
            raise _err(node.pos, f"{name} : mauvais nombre d'arguments ({len(args)})",
                       f"{name}: wrong number of arguments ({len(args)})")
        try:
            value = self.checked(make(*[a[0] for a in args]), node.pos)
        except (ValueError, TypeError, ZeroDivisionError, ArithmeticError) as exc:
            raise _err(node.pos, f"{name} : calcul impossible ({exc})", f"{name}: cannot be computed ({exc})") from None
        return value, f"{_FN_TEXT.get(key.lower(), key)}({', '.join(a[1] for a in args)})", 5

    def unknown_function(self, key: str) -> bool:
        """A name applied to arguments that is neither a key name, nor a product of key names, nor a
        Greek letter (``sec(x)``, ``eval(n)``; in a key, any such name: ``f(x)``)."""
        ctx = self.ctx
        if ctx.lookup(key) is not None or key in _CONSTANTS or _is_greek(key) or key in ctx.bases:
            return False
        if ctx.open_functions:
            return key.isidentifier()
        return len(key) > 1 and not _split(key, ctx.symbols)

    def b_deriv(self, node: Node):
        if len(node.args) != 1:
            raise _err(node.pos, "g'(a) prend un seul argument", "g'(a) takes one argument")
        arg, text, _ = self.scalar(node.args[0])
        fn = self.ctx.functions.get(canonical(node.data)) or sp.Function(canonical(node.data))
        if isinstance(arg, sp.Symbol):
            value = sp.Derivative(fn(arg), arg)
        else:
            t = sp.Dummy("t")
            value = sp.Subs(sp.Derivative(fn(t), t), t, arg)
        return value, f"{node.data}'({text})", 5

    def b_sum(self, node: Node):
        name = canonical(node.data)
        var = self.ctx.lookup(name) or sp.Symbol(name, integer=True)
        low, tl, _ = self.scalar(node.args[0])
        high, th, ph = self.scalar(node.args[1])
        saved = self.ctx.declared
        self.ctx.declared = {**saved, name: var}  # the bound variable is no unknown name
        try:
            body, tb, pb = self.scalar(node.args[2])
        finally:
            self.ctx.declared = saved
        value = sp.Sum(body, (var, low, high))
        return value, f"sum_{{{var}={tl}}}^{{{th}}} {_wrap(tb, pb, 3)}", 2

    # -- containers
    def b_tuple(self, node: Node):
        items = [self.build(a) for a in node.args]
        return sp.Tuple(*[v for v, _, _ in items]), "(" + ", ".join(t for _, t, _ in items) + ")", 5

    def b_matrix(self, node: Node):
        rows = [[self.scalar(e) for e in row.args] for row in node.args]
        value = sp.Matrix([[v for v, _, _ in row] for row in rows])
        text = "[" + ", ".join("[" + ", ".join(t for _, t, _ in row) + "]" for row in rows) + "]"
        return value, text, 5


def _wrap(text: str, prec: int, needed: int) -> str:
    return text if prec >= needed else f"({text})"


_GREEK_INDEX = re.compile(r"([a-zA-Z]{2,7})([0-9]{1,4})")


def _is_greek(name: str) -> bool:
    return name in _GREEK_NAMES


_GREEK_NAMES = set("alpha beta gamma delta epsilon varepsilon zeta eta theta iota kappa lambda mu nu xi "
                   "rho sigma tau upsilon phi varphi chi psi omega".split())


def _split(name: str, known: Mapping[str, Any]) -> list[str] | None:
    """``ps`` -> ``['p', 's']`` when both are known names (longest pieces first), else None."""
    if len(name) > 12:
        return None
    best: dict[int, list[str]] = {0: []}
    for end in range(1, len(name) + 1):
        for start in range(end):
            piece = name[start:end]
            if start in best and piece in known and "_" not in piece:
                candidate = best[start] + [piece]
                if end not in best or len(candidate) < len(best[end]):
                    best[end] = candidate
    return best.get(len(name))


def _show(value: Any) -> str:
    """A SymPy value in the grader's plain syntax (indices as ``x[i, j]``)."""
    from ..render.values import plain

    return plain(value)


def _sigmoid(x):
    return 1 / (1 + sp.exp(-x))


def _log(x, base=None):
    return sp.log(x) if base is None else sp.log(x) / sp.log(base)


def _order(x):
    free = sorted(x.free_symbols, key=str)
    return sp.Order(x, *[(s, 0) for s in free]) if free else sp.Order(x)


_BUILTINS = {
    "relu": ((1, 1), lambda x: sp.Max(0, x)), "max": ((1, 20), sp.Max), "min": ((1, 20), sp.Min),
    "floor": ((1, 1), sp.floor), "ceil": ((1, 1), sp.ceiling), "ceiling": ((1, 1), sp.ceiling),
    "exp": ((1, 1), sp.exp), "log": ((1, 2), _log), "ln": ((1, 1), sp.log),
    "log10": ((1, 1), lambda x: sp.log(x) / sp.log(10)), "lg": ((1, 2), lambda x, base=10: _log(x, base)),
    "log2": ((1, 1), lambda x: sp.log(x) / sp.log(2)), "sqrt": ((1, 1), sp.sqrt),
    "root": ((1, 2), lambda x, n=2: sp.root(x, n)), "sigma": ((1, 1), _sigmoid),
    "sigmoid": ((1, 1), _sigmoid), "abs": ((1, 1), sp.Abs), "delta": ((2, 2), sp.KroneckerDelta),
    "kronecker": ((2, 2), sp.KroneckerDelta), "tanh": ((1, 1), sp.tanh), "sin": ((1, 1), sp.sin),
    "cos": ((1, 1), sp.cos), "tan": ((1, 1), sp.tan), "sinh": ((1, 1), sp.sinh), "cosh": ((1, 1), sp.cosh),
    "arctan": ((1, 1), sp.atan), "atan": ((1, 1), sp.atan), "mod": ((2, 2), sp.Mod),
    "softplus": ((1, 1), lambda x: sp.log(1 + sp.exp(x))), "heaviside": ((1, 1), sp.Heaviside),
    "sign": ((1, 1), sp.sign), "sgn": ((1, 1), sp.sign), "signum": ((1, 1), sp.sign), "O": ((1, 1), _order),
    "asin": ((1, 1), sp.asin), "arcsin": ((1, 1), sp.asin), "acos": ((1, 1), sp.acos), "arccos": ((1, 1), sp.acos),
    "atan2": ((2, 2), sp.atan2), "arctan2": ((2, 2), sp.atan2),
    "sec": ((1, 1), sp.sec), "csc": ((1, 1), sp.csc), "cosec": ((1, 1), sp.csc), "cot": ((1, 1), sp.cot),
    "sech": ((1, 1), sp.sech), "csch": ((1, 1), sp.csch), "cosech": ((1, 1), sp.csch), "coth": ((1, 1), sp.coth),
    "asinh": ((1, 1), sp.asinh), "arcsinh": ((1, 1), sp.asinh), "arsinh": ((1, 1), sp.asinh),
    "acosh": ((1, 1), sp.acosh), "arccosh": ((1, 1), sp.acosh), "arcosh": ((1, 1), sp.acosh),
    "atanh": ((1, 1), sp.atanh), "arctanh": ((1, 1), sp.atanh), "artanh": ((1, 1), sp.atanh),
    "factorial": ((1, 1), lambda x: _factorial(x)),
    "sum": ((2, 4), lambda body, *bounds: _sum(body, *bounds)), "kroneckerdelta": ((2, 2), sp.KroneckerDelta),
    "derivative": ((2, 2), lambda f, x: sp.Derivative(f, _variable(x))),
    "subs": ((3, 3), lambda f, x, at: sp.Subs(f, _variable(x), at)),
}
_FN_TEXT = {"ceil": "ceiling", "ln": "log", "sigmoid": "sigma", "kronecker": "delta", "arcsin": "asin",
            "arccos": "acos", "arctan": "atan", "sgn": "sign", "signum": "sign", "cosec": "csc", "cosech": "csch",
            "arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh", "arsinh": "asinh", "arcosh": "acosh",
            "artanh": "atanh", "arctan2": "atan2"}
MAX_FACTORIAL = 170


def _factorial(x):
    """``n!``: only of a whole number up to `MAX_FACTORIAL`, or of a symbol (kept as ``factorial(n)``)."""
    if x.is_Number and not (x.is_Integer and 0 <= x <= MAX_FACTORIAL):
        raise ValueError(f"n! is only defined here for whole numbers 0 … {MAX_FACTORIAL}")
    return sp.factorial(x)


def _variable(x):
    if not isinstance(x, sp.Symbol):
        raise ValueError("a variable is expected")
    return x


def _sum(body, *bounds):
    """``sum(body, j, 1, K)`` or SymPy's own ``Sum(body, (j, 1, K))``."""
    if len(bounds) == 1 and isinstance(bounds[0], sp.Tuple):
        bounds = tuple(bounds[0])
    if len(bounds) != 3:
        raise ValueError("sum(body, j, low, high)")
    return sp.Sum(body, (_variable(bounds[0]), bounds[1], bounds[2]))
