"""The answer test on its own: one key, one answer, one verdict — `tdsolver compare`.

Both texts go through the grader's safe reader (`build.read`); the comparison is `compare.compare`
with a `Part` built on the fly, so this is exactly what `grade` does for a part of that kind.

On top of it, two tests of the *written* number (STACK's NumSigFigs and NumDecPlaces):

- ``sigfigs=n`` (or ``(n, m)``): the answer is a number written with digits (``0.0499``,
  ``1.38*10^-1``, ``-5.3e21``) with ``n`` significant figures (``100`` may have 1 to 3), and it is
  the key to ``m`` figures (``m = n`` by default): both rounded half away from zero to ``m``
  figures differ by less than half a unit of the key's ``m``-th figure (so ``9.8`` is ``10`` to 2
  figures). ``m = 0``: only the figures written are checked; ``m = -1``: at least ``n`` figures
  written, accurate to ``n``.
- ``decimals=n``: the answer is written with exactly ``n`` decimals and equals the key rounded to
  ``n`` decimals.

Rounding is done in exact decimal arithmetic (the key at 50 digits), never in binary floats.

>>> answer_test("1/7", "0.1429", sigfigs=4)["verdict"]
'equal'
>>> answer_test("2*p + 1", "1 + 2p", domain={"p": "natural"})["verdict"]
'equal'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any, cast

import sympy as sp

from solver.core.errors import UsageError
from solver.core.exercise import DOMAINS, PART_KINDS, Domain, Part, PartKind
from solver.core.text import Text

from .build import Context, read
from .compare import compare
from .lexer import Literal, ParseError
from .parse import Node, parse

KINDS = ("expr", "number", "int", "matrix", "shape")
DIGITS = 50  # decimal digits of a key evaluated for a figures/decimals test
_STATUS = {"equal": "equal", "partial": "different", "different": "different", "undecided": "unknown"}


@dataclass(frozen=True)
class Options:
    """What a comparison is asked: the part's kind, domains, tolerances, a figures test."""

    kind: str = "expr"
    domain: Mapping[str, str] | None = None
    rtol: float | None = None
    atol: float | None = None
    sigfigs: Any = None
    decimals: int | None = None


def answer_test(key: str, answer: str, lang: str = "fr", **options) -> dict:
    """Compare `answer` with `key` (see the module doc); the result as `compare --json` prints it.

    Raises `UsageError` for options that do not make sense and for a key that cannot be read.
    """
    opts = Options(**options)
    part = make_part(opts)
    key_reading = read_key(key, part)
    result = {"verdict": "invalid", "read_as": None, "key_read_as": key_reading.text, "notes": []}
    try:
        reading = read(_int_text(answer, part.kind), Context.of(_values(key_reading.value), part.domain), part.kind)
    except ParseError as exc:
        result["notes"] = [Text("Réponse illisible, ", "Answer could not be read, ")(lang) + exc.message(lang)]
        return result
    result["read_as"] = reading.text
    if opts.sigfigs is not None or opts.decimals is not None:
        status, notes = written_test(key_reading.value, answer, part, opts)
    else:
        outcome = compare(part, key_reading.value, reading)
        status, notes = _STATUS[outcome.status], list(outcome.notes)
    if reading.unknown:
        names = ", ".join(reading.unknown)
        notes.append(Text(f"noms inconnus dans la clé : {names}", f"names the key does not use: {names}"))
    result["verdict"] = status
    result["notes"] = [n(lang) for n in notes]
    return result


def make_part(opts: Options) -> Part:
    """The `Part` a comparison is made for (the defaults of a `Part` where nothing is said)."""
    if opts.kind not in KINDS or opts.kind not in PART_KINDS:
        raise UsageError(Text(f"type inconnu « {opts.kind} » (expr, number, int, matrix, shape)",
                              f"unknown kind '{opts.kind}' (expr, number, int, matrix, shape)"))
    if opts.sigfigs is not None and opts.decimals is not None:
        raise UsageError(Text("--sigfigs et --decimals s'excluent", "--sigfigs and --decimals exclude each other"))
    for name, value in (("rtol", opts.rtol), ("atol", opts.atol)):
        if value is not None and not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
            raise UsageError(Text(f"--{name} doit être un nombre ≥ 0", f"--{name} must be a number ≥ 0"))
    domain = dict(opts.domain or {})
    for name, kind in domain.items():
        if not isinstance(name, str) or not isinstance(kind, str) or not name.strip():
            raise UsageError(Text("domaine : NOM=DOMAINE attendu", "domain: NAME=DOMAIN expected"))
        if kind not in DOMAINS:
            raise UsageError(Text(f"domaine inconnu « {kind} » ({', '.join(DOMAINS)})",
                                  f"unknown domain '{kind}' ({', '.join(DOMAINS)})"))
    extra = {k: float(v) for k, v in (("rtol", opts.rtol), ("atol", opts.atol)) if v is not None}
    kind = "number" if (opts.sigfigs is not None or opts.decimals is not None) else opts.kind
    layout = "channels-first" if kind == "shape" else None  # the key is read as channels first
    # kind and domains checked above (and again by `Part`): the casts state it
    return ComparePart(id="compare", kind=cast(PartKind, kind), prompt=Text("", ""),
                       domain=cast(dict[str, Domain], domain), written_digits=not extra, layout=layout,
                       rtol=extra.get("rtol", Part.rtol), atol=extra.get("atol", Part.atol))


@dataclass(frozen=True)
class ComparePart(Part):
    """A `Part` made for one comparison; an explicit tolerance turns the written-digits rule off."""

    written_digits: bool = True


def read_key(key: str, part: Part):
    """The key, read by the answers' reader (its names become symbols of the part's domains)."""
    if not isinstance(key, str) or not key.strip():
        raise UsageError(Text("clé vide", "empty key"))
    try:
        ctx = Context.of([], part.domain)
        ctx.open_functions = True
        return read(key, ctx, part.kind)
    except ParseError as exc:
        reason = Text(exc.message("fr"), exc.message("en"))
        raise UsageError(Text("clé illisible, ", "key could not be read, ") + reason) from None


def _values(value) -> list:
    return list(value) if isinstance(value, (sp.MatrixBase, sp.Tuple)) else [value]


def _int_text(text: str, kind: str) -> str:
    if kind != "int":
        return text
    from .normalise import letter_times

    return letter_times(text)


# -- the written number: significant figures, decimal places ---------------------------------------
@dataclass(frozen=True)
class Written:
    """A number as the student wrote it: its exact value, figures (min, max) and decimals."""

    value: Decimal
    figures: tuple[int, int]
    decimals: int


def written_number(node: Node) -> Written | None:
    """The number a tree writes with digits: ``0.0499``, ``-(0.05)``, ``1.38*10^-1``, ``5.3e21``.

    >>> written_number(parse("1.38*10^-1")).figures, written_number(parse("1000")).figures
    ((3, 3), (1, 4))
    """
    sign, scale = 1, 0
    while node.tag == "neg":
        sign, node = -sign, node.args[0]
    if node.tag == "mul" and node.args[1].tag == "pow":
        power = node.args[1]
        exponent = _signed_int(power.args[1])
        if power.args[0].tag != "num" or power.args[0].data.text != "10" or exponent is None:
            return None
        scale, node = exponent, node.args[0]
    while node.tag == "neg":
        sign, node = -sign, node.args[0]
    if node.tag != "num":
        return None
    literal: Literal = node.data
    value = Decimal(sign) * Decimal(literal.text) * Decimal(10) ** scale
    return Written(value, _figures(literal.text), _decimals(literal.text, scale))


def _signed_int(node: Node) -> int | None:
    sign = 1
    if node.tag == "neg":
        sign, node = -1, node.args[0]
    if node.tag == "num" and node.data.text.isdigit() and len(node.data.text) <= 4:
        return sign * int(node.data.text)
    return None


def _figures(text: str) -> tuple[int, int]:
    """Significant figures of a written number, as a range: ``100`` has 1 to 3 (its trailing zeros
    may only place the point), ``0.00`` has 2 (zero: its decimals, at least 1).

    >>> _figures("0.0010"), _figures("100"), _figures("10.0"), _figures("0.00"), _figures("5.3e21")
    ((2, 2), (1, 3), (3, 3), (2, 2), (2, 2))
    """
    mantissa = text.lower().partition("e")[0]
    whole, point, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    if not digits:
        return (max(1, len(frac)),) * 2
    if point:
        return (len(digits),) * 2
    core = digits.rstrip("0")
    return len(core), len(digits)


def _decimals(text: str, scale: int) -> int:
    mantissa, _, exponent = text.lower().partition("e")
    frac = mantissa.partition(".")[2]
    return len(frac) - scale - (int(exponent) if exponent else 0)


def exact_decimal(value) -> Decimal | None:
    """A key's value as a decimal of `DIGITS` digits (SymPy's evalf at that precision), or None."""
    if not isinstance(value, sp.Expr) or value.free_symbols:
        return None
    try:
        number = sp.N(value, DIGITS)
    except (TypeError, ValueError, ArithmeticError):
        return None
    if not number.is_Number or not number.is_finite or number.is_real is False:
        return None
    if number.is_Integer:
        return Decimal(int(number))
    if number.is_Rational:
        with localcontext() as ctx:
            ctx.prec = DIGITS
            return Decimal(number.p) / Decimal(number.q)
    return Decimal(str(sp.Float(number, DIGITS)))


def round_figures(x: Decimal, m: int) -> Decimal:
    """`x` rounded half away from zero to `m` significant figures.

    >>> round_figures(Decimal("0.14285"), 4), round_figures(Decimal("61250"), 3)
    (Decimal('0.1429'), Decimal('6.13E+4'))
    """
    if x == 0:
        return x
    return x.quantize(Decimal(1).scaleb(x.adjusted() - m + 1), rounding=ROUND_HALF_UP)


def accurate_to(answer: Decimal, key: Decimal, m: int) -> bool:
    """`answer` is `key` to `m` significant figures (see the module doc).

    >>> accurate_to(Decimal("9.8"), Decimal(10), 2), accurate_to(Decimal("9.5"), Decimal(10), 2)
    (True, False)
    """
    a, k = round_figures(answer, m), round_figures(key, m)
    if k == 0:
        return a == 0
    return abs(a - k) < Decimal(5).scaleb(k.adjusted() - m)


def written_test(key, text: str, part: Part, opts: Options) -> tuple[str, list[Text]]:
    """STACK's NumSigFigs / NumDecPlaces on the answer as written."""
    written = written_number(parse(text, "decimal"))
    if written is None:
        return "different", [Text("un nombre écrit avec ses chiffres est attendu",
                                  "a number written with its digits is expected")]
    k = exact_decimal(key)
    if k is None:
        raise UsageError(Text("la clé d'un test de chiffres doit être un nombre", "the key of a digits test must be a number"))
    if opts.decimals is not None:
        return _decimal_places(written, k, int(opts.decimals))
    n, m = _figure_options(opts.sigfigs)
    low, high = written.figures
    if not (low <= n <= high or m == -1 and high >= n):
        shown = f"{low}" if low == high else f"{low}–{high}"
        return "different", [Text(f"{shown} chiffre(s) significatif(s) écrit(s), {n} attendu(s)",
                                  f"{shown} significant figure(s) written, {n} expected")]
    m = n if m == -1 else m
    if m == 0 or accurate_to(written.value, k, m):
        return "equal", []
    return "different", [Text(f"pas la clé à {m} chiffre(s) significatif(s)",
                              f"not the key to {m} significant figure(s)")]


def _figure_options(sigfigs) -> tuple[int, int]:
    if isinstance(sigfigs, (list, tuple)):
        n, m = (int(v) for v in sigfigs)
    else:
        n = m = int(sigfigs)
    if n < 1 or m < -1 or m > n:
        raise UsageError(Text("--sigfigs N (ou [N, M] avec -1 ≤ M ≤ N) attendu",
                              "--sigfigs N (or [N, M] with -1 ≤ M ≤ N) expected"))
    return n, m


def _decimal_places(written: Written, key: Decimal, n: int) -> tuple[str, list[Text]]:
    if n < 0:
        raise UsageError(Text("--decimals N ≥ 0 attendu", "--decimals N ≥ 0 expected"))
    if written.decimals != n:
        return "different", [Text(f"{written.decimals} décimale(s) écrite(s), {n} attendue(s)",
                                  f"{written.decimals} decimal place(s) written, {n} expected")]
    unit = Decimal(1).scaleb(-n)
    if written.value.quantize(unit, ROUND_HALF_UP) == key.quantize(unit, ROUND_HALF_UP):
        return "equal", []
    return "different", [Text(f"pas la clé à {n} décimale(s)", f"not the key to {n} decimal place(s)")]


# -- a batch: one JSON object per line ---------------------------------------------------------------
BATCH_FIELDS = ("key", "answer", "kind", "domain", "rtol", "atol", "sigfigs", "decimals", "id")
LINE_SECONDS = 3.0  # the worker's budget for one answer (`worker.TIMEOUT`)


def run_batch(path, lang: str = "fr"):
    """Each line of a JSONL file compared (`answer_test`); one result per line, in order, with its
    `id`. A line that is not valid JSON, or whose key cannot be read, gets ``"verdict": "error"``
    and the reason; a comparison over `LINE_SECONDS` is ``unknown``."""
    import json

    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if line.strip():
                yield batch_line(line, number, lang, json)


def batch_line(line: str, number: int, lang: str, json) -> dict:
    from .evaluate import OutOfTime, time_budget

    where = Text(f"ligne {number} : ", f"line {number}: ")
    try:
        item = json.loads(line)
    except ValueError as exc:
        return {"verdict": "error", "error": (where + Text(f"JSON invalide ({exc})", f"invalid JSON ({exc})"))(lang)}
    if not isinstance(item, dict):
        return {"verdict": "error", "error": (where + Text("un objet JSON est attendu", "a JSON object is expected"))(lang)}
    out = {"id": item["id"]} if "id" in item else {}
    unknown = sorted(set(item) - set(BATCH_FIELDS))
    if unknown or not isinstance(item.get("key"), str) or not isinstance(item.get("answer"), str):
        reason = Text(f"champs inconnus : {', '.join(unknown)}", f"unknown fields: {', '.join(unknown)}") if unknown else Text(
            "« key » et « answer » (textes) sont attendus", "'key' and 'answer' (strings) are expected")
        return {**out, "verdict": "error", "error": (where + reason)(lang)}
    options = {k: item[k] for k in ("kind", "domain", "rtol", "atol", "sigfigs", "decimals") if item.get(k) is not None}
    try:
        with time_budget(LINE_SECONDS):
            return {**out, **answer_test(item["key"], item["answer"], lang, **options)}
    except UsageError as exc:
        return {**out, "verdict": "error", "error": (where + exc.message)(lang)}
    except (OutOfTime, RecursionError, MemoryError):
        return {**out, "verdict": "unknown", "read_as": None, "key_read_as": None,
                "notes": [Text("limite de temps ou de mémoire atteinte", "time or memory limit reached")(lang)]}
    except (TypeError, ValueError) as exc:
        return {**out, "verdict": "error", "error": (where + Text(f"option invalide ({exc})", f"invalid option ({exc})"))(lang)}
