"""Parameters of an exercise: declarations, values, parsing from the command line, variants.

Values are plain Python (int, Fraction, tuples of tuples for matrices) so that a statement can
be shown without importing SymPy. A parameter left *symbolic* keeps its name as a symbol in
the derivation (e.g. the general formula of an output size).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Literal, Mapping

from solver.core.errors import ParamError
from solver.core.text import Text


class _Symbolic:
    """Marker of a parameter kept as a symbol."""

    def __repr__(self) -> str:
        return "SYMBOLIC"


SYMBOLIC = _Symbolic()

KINDS = ("int", "number", "matrix", "choice")

# What a symbolic parameter is known to be, as SymPy assumptions (the names of `Part.domain`).
Assumption = Literal["size", "natural", "odd", "integer", "positive", "real"]  # a key of ASSUMPTIONS, a `Domain`
ASSUMPTIONS = {
    "size": {"integer": True, "positive": True},        # a side, a count: integer >= 1
    "natural": {"integer": True, "nonnegative": True},  # a padding, an index from 0
    "odd": {"odd": True, "positive": True},
    "integer": {"integer": True},
    "positive": {"positive": True},
    "real": {"real": True},
}


@dataclass(frozen=True)
class Param:
    """Declaration of one parameter.

    `draw(rng)` gives a random value for seeded variants; `minimum`/`maximum` bound what a
    user may pass with `-p`; `symbolic_ok` lets the user write the parameter's own name to
    keep it as a symbol; `assume` (a key of `ASSUMPTIONS`: ``size``, ``natural``…) is what its
    symbol is known to be, so that `Params.sym` and `Params.symbol` give the right SymPy symbol.
    """

    name: str
    kind: str
    default: Any
    doc: Text
    draw: Callable[[random.Random], Any] | None = None
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()
    symbolic_ok: bool = False
    assume: Assumption | None = None

    def __post_init__(self):
        if self.assume is not None and self.assume not in ASSUMPTIONS:
            raise ValueError(f"parameter {self.name}: unknown assumption {self.assume!r} "
                             f"(known: {', '.join(ASSUMPTIONS)})")

    def parse(self, raw: str) -> Any:
        """Read a command-line value for this parameter (never with eval).

        >>> Param("k", "int", 3, Text("noyau", "kernel"), minimum=1).parse("5")
        5
        >>> Param("x", "number", 0, Text("x", "x")).parse("0,5")
        Fraction(1, 2)
        """
        raw = raw.strip()
        if self.symbolic_ok and raw == self.name:
            return SYMBOLIC
        try:
            value = _PARSERS[self.kind](raw, self)
        except (ValueError, ZeroDivisionError) as exc:
            raise ParamError(Text(
                f"paramètre {self.name} : « {raw} » n'est pas {_KIND_FR[self.kind]} ({exc})",
                f"parameter {self.name}: '{raw}' is not {_KIND_EN[self.kind]} ({exc})")) from None
        self.check_bounds(value)
        return value

    def describe(self, value: Any, lang: str) -> str:
        """One line for `show`: the name, the value in use, what it is and what `-p` accepts.

        >>> Param("k", "int", 3, Text("noyau", "kernel"), minimum=1, maximum=9).describe(5, "en")
        'k = 5 — kernel (integer from 1 to 9; sheet: 3)'
        >>> Param("s", "int", SYMBOLIC, Text("pas", "stride"), minimum=1, symbolic_ok=True).describe(SYMBOLIC, "fr")
        's (symbolique) — pas (entier ≥ 1, ou s pour le garder symbolique)'
        """
        fr = lang == "fr"
        shown = f"{self.name} = {_plain(value)}" if value is not SYMBOLIC else \
            f"{self.name} ({'symbolique' if fr else 'symbolic'})"
        allowed = self._allowed(lang)
        if self.symbolic_ok:
            allowed += f", ou {self.name} pour le garder symbolique" if fr else f", or {self.name} to keep it symbolic"
        if value is not self.default and value != self.default:
            sheet = self.name if self.default is SYMBOLIC else _plain(self.default)
            allowed += (" ; énoncé : " if fr else "; sheet: ") + sheet
        return f"{shown} — {self.doc(lang)} ({allowed})"

    def _allowed(self, lang: str) -> str:
        """What a value of this parameter may be, in words."""
        fr = lang == "fr"
        if self.kind == "choice":
            return ("parmi " if fr else "one of ") + ", ".join(self.choices)
        if self.kind == "matrix":
            return "matrice, [[1, 2], [3, 4]]" if fr else "matrix, [[1, 2], [3, 4]]"
        noun = ("entier" if fr else "integer") if self.kind == "int" else ("nombre" if fr else "number")
        low, high = self.minimum, self.maximum
        if low is not None and high is not None:
            return f"{noun} de {low} à {high}" if fr else f"{noun} from {low} to {high}"
        if low is not None:
            return f"{noun} ≥ {low}"
        if high is not None:
            return f"{noun} ≤ {high}"
        return noun

    def check_bounds(self, value: Any) -> None:
        if value is SYMBOLIC or self.kind not in ("int", "number"):
            return
        if self.minimum is not None and value < self.minimum:
            raise ParamError(Text(f"paramètre {self.name} = {value} : il doit valoir au moins {self.minimum}",
                                  f"parameter {self.name} = {value}: it must be at least {self.minimum}"))
        if self.maximum is not None and value > self.maximum:
            raise ParamError(Text(f"paramètre {self.name} = {value} : il doit valoir au plus {self.maximum}",
                                  f"parameter {self.name} = {value}: it must be at most {self.maximum}"))


_KIND_FR = {"int": "un entier", "number": "un nombre", "matrix": "une matrice", "choice": "un choix permis"}
_KIND_EN = {"int": "an integer", "number": "a number", "matrix": "a matrix", "choice": "an allowed choice"}
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)(/[+-]?\d+)?$")


def _parse_int(raw: str, _p: Param) -> int:
    if not re.fullmatch(r"[+-]?\d{1,9}", raw):
        raise ValueError("expected a whole number")
    return int(raw)


def parse_number(raw: str) -> Fraction:
    """An exact number from a decimal (point or French comma) or a fraction.

    >>> parse_number("-0,25")
    Fraction(-1, 4)
    """
    raw = raw.strip()
    if not _NUMBER.match(raw) or len(raw) > 40:
        raise ValueError("expected a decimal number or a fraction")
    return Fraction(raw.replace(",", "."))


def _parse_matrix(raw: str, _p: Param) -> tuple[tuple[Fraction | int, ...], ...]:
    """Nested lists `[[1, 2], [3, 4]]` or MATLAB rows `[1 2; 3 4]`."""
    body = raw.strip()
    if len(body) > 5000:
        raise ValueError("too long")
    if body.startswith("[["):
        rows = re.findall(r"\[([^\[\]]*)\]", body[1:-1])
        cells = [[c for c in re.split(r"[,\s]+", r.strip()) if c] for r in rows]
    else:
        body = body.strip("[]")
        cells = [[c for c in re.split(r"[,\s]+", r.strip()) if c] for r in body.split(";")]
    if not cells or not cells[0] or len({len(r) for r in cells}) != 1:
        raise ValueError("rows of unequal length or empty matrix")
    return tuple(tuple(_exact(parse_number(c)) for c in row) for row in cells)


def _exact(x: Fraction) -> Fraction | int:
    return int(x) if x.denominator == 1 else x


def _parse_choice(raw: str, p: Param) -> str:
    if raw not in p.choices:
        raise ValueError("allowed: " + ", ".join(p.choices))
    return raw


_PARSERS = {"int": _parse_int, "number": lambda r, p: parse_number(r),
            "matrix": _parse_matrix, "choice": _parse_choice}


@dataclass(frozen=True)
class Params(Mapping):
    """The values of an exercise's parameters, the seed they came from (None: the sheet's) and
    what each symbol is known to be (`Param.assume`, by name).

    >>> q = Params({"k": 3, "p": SYMBOLIC}, assume={"k": "size", "p": "natural"})
    >>> q.bind("k", "p"), q.symbol("p").is_nonnegative, q.bindings()
    ((3, p), True, {k: 3})
    """

    entries: Mapping[str, Any] = field(default_factory=dict)  # not `values`: that is the Mapping method
    seed: int | None = None
    assume: Mapping[str, str] = field(default_factory=dict, compare=False)

    def __getitem__(self, name: str) -> Any:
        return self.entries[name]

    def __iter__(self):
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def is_symbolic(self, name: str) -> bool:
        return self.entries[name] is SYMBOLIC

    def symbol(self, name: str, **assumptions):
        """The parameter's SymPy symbol (with its declared assumptions), whatever its value."""
        import sympy as sp

        return sp.Symbol(name, **(assumptions or ASSUMPTIONS.get(self.assume.get(name, ""), {})))

    def symbols(self, *names: str) -> tuple:
        """`symbol` of each name."""
        return tuple(self.symbol(n) for n in names)

    def bind(self, *names: str) -> tuple:
        """`sym` of each name: its value, or its symbol when it is symbolic."""
        return tuple(self.sym(n) for n in names)

    def bindings(self, *names: str) -> dict:
        """Symbol → value of the parameters that have a value (all, or those named), for `derive`."""
        return {self.symbol(n): self.sym(n) for n in names or self.entries if not self.is_symbolic(n)}

    def sym(self, name: str, **assumptions):
        """The value as a SymPy object: the symbol named `name` when symbolic (with the declared
        assumptions, or those given)."""
        import sympy as sp

        v = self.entries[name]
        if v is SYMBOLIC:
            return self.symbol(name, **assumptions)
        if isinstance(v, tuple):
            return sp.Matrix([[sp.Rational(c.numerator, c.denominator) if isinstance(c, Fraction) else sp.Integer(c)
                               for c in row] for row in v])
        if isinstance(v, Fraction):
            return sp.Rational(v.numerator, v.denominator)
        if isinstance(v, str):  # a choice: a word, never parsed as an expression
            return sp.Symbol(v)
        return sp.Integer(v) if isinstance(v, int) else sp.Float(v)

    def show(self, name: str) -> str:
        """The value as LaTeX for a statement, without SymPy.

        >>> Params({"M": ((1, 2), (3, 4)), "k": 3, "s": SYMBOLIC}).show("M")
        '\\\\begin{bmatrix} 1 & 2 \\\\\\\\ 3 & 4 \\\\end{bmatrix}'
        >>> Params({"s": SYMBOLIC}).show("s")
        's'
        """
        v = self.entries[name]
        if v is SYMBOLIC:
            return name
        if isinstance(v, tuple):
            rows = " \\\\ ".join(" & ".join(_num(c) for c in row) for row in v)
            return "\\begin{bmatrix} " + rows + " \\end{bmatrix}"
        return _num(v)

    def given(self, name: str) -> str:
        """LaTeX naming a parameter and its value: ``k = 3``, or just ``k`` when symbolic.

        >>> Params({"k": 3, "s": SYMBOLIC}).given("k"), Params({"s": SYMBOLIC}).given("s")
        ('k = 3', 's')
        """
        return name if self.entries[name] is SYMBOLIC else f"{name} = {self.show(name)}"

    def plain(self) -> dict[str, str]:
        """Every value as a plain string (for JSON)."""
        return {name: name if v is SYMBOLIC else _plain(v) for name, v in self.entries.items()}


def _plain(v: Any) -> str:
    """A value as a user writes it after `-p` (matrices as nested lists, French-neutral fractions)."""
    if isinstance(v, tuple):
        return "[" + ", ".join("[" + ", ".join(_num(c) for c in row) + "]" for row in v) + "]"
    return _num(v)


def _num(v: Any) -> str:
    if isinstance(v, Fraction):
        return str(v.numerator) if v.denominator == 1 else f"{v.numerator}/{v.denominator}"
    return str(v)
