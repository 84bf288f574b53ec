"""The first two stages of grading one answer: read it, then normalise it.

- `read_answer` (question, text) -> `Read`: the text rewritten by the text rules, then parsed
  against the names the key uses (`build.read`; a ``choice`` part reads a word, `read_choice`),
  with the second readings the text also admits; or why it cannot be read;
- `normalise` (`Read`) -> `Normal`: the value read with the value rules applied (the statement's
  definitions, the variant's values); a formula written where the variant asks for a value is
  also read and normalised against the general key (`Normal.formula`).

Special readings are declared in `RULES`, each a named function with its docstring, the stage it
acts in and the kinds of part (as asked) it applies to:

- ``text`` (text -> text): rewrites the text before it is parsed (``5x5x3`` for a whole number);
- ``second`` (text -> `Second` or None): another reading of the text, taken by the comparison only
  when the first one is not right, with a note saying how it was read (``9 × 9`` for a side of 9);
- ``value`` ((`Question`, `Normal`) -> `Normal`): rewrites the value read.

>>> from .question import question_of
>>> normal = normalise(read_answer(question_of("td2.II.1", 3, "o"), "floor((i+2p-d(k-1)-1)/s)+1"))
>>> sorted(normal.substituted), normal.formula.question.general
(['d', 'i', 'k', 'p', 's'], True)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import lru_cache
from typing import Callable, Literal

import sympy as sp

from solver.core.text import Text

from .build import Reading, read
from .compare import read_choice
from .lexer import ParseError
from .question import Question, general_question


@dataclass(frozen=True)
class Second:
    """A second reading of the text, with the note the student gets when it is the one taken."""

    reading: Reading
    note: Text


@dataclass(frozen=True)
class Read:
    """Stage 1: the answer as written (`text`), as read (`reading`, None when it cannot be read:
    `error` says why) and its second readings."""

    question: Question
    text: str
    reading: Reading | None
    error: Text | None = None
    seconds: tuple[Second, ...] = ()


@dataclass(frozen=True)
class Normal:
    """Stage 2: the reading normalised; `substituted`, the parameters given the variant's values;
    `formula`, the same answer read against the general key (when the variant's values were put
    into a formula and a general key exists)."""

    read: Read
    reading: Reading
    substituted: frozenset = frozenset()
    formula: Normal | None = None

    @property
    def question(self) -> Question:
        return self.read.question


# -- the rules ------------------------------------------------------------------------------------
_LETTER_TIMES = re.compile(r"(?<=[\d)])\s*[xX]\s*(?=[\d(])")


def letter_times(text: str) -> str:
    """A whole number has no letters: ``5x5x3`` is a product written with the letter x.

    >>> letter_times("5x5x3x32 + 32"), letter_times("(5x5x3 + 1)x32")
    ('5*5*3*32 + 32', '(5*5*3 + 1)*32')
    """
    return _LETTER_TIMES.sub("*", text)


_SQUARE = re.compile(r"(\d{1,6})\s*(?:[xX\u00d7]|\\times)\s*(\d{1,6})")  # on stripped text: linear


def square_side(text: str) -> int | None:
    """``9 × 9``, ``9x9``, ``$9 \\times 9$``: the side of a square written as its size, else None.

    >>> square_side("9 x 9"), square_side(r"n = 9 \\times 9"), square_side("9 x 8"), square_side("9*9")
    (9, 9, None, None)
    """
    text = text.strip()
    text = text.removeprefix("$").removesuffix("$")
    if "=" in text:
        label, _, text = text.partition("=")
        if "$" in label or "=" in text:
            return None
    match = _SQUARE.fullmatch(text.strip())
    return int(match.group(1)) if match and match.group(1) == match.group(2) else None


def side_of_square(text: str) -> Second | None:
    """A square's size is also read as its side: a whole-number part whose key is that side (of
    an n × n image or receptive field) takes it as right; any other key reads the product."""
    side = square_side(text)
    if side is None:
        return None
    return Second(Reading(sp.Integer(side), str(side)), Text(f"lu comme le côté {side} d'un carré {side} × {side}",
                                                            f"read as the side {side} of a {side} × {side} square"))


def definitions(question: Question, normal: Normal) -> Normal:
    """The names the statement defines (`Part.given`, e.g. s_k = g(a_k)) replaced by their value."""
    part, reading = question.part, normal.reading
    if part.given is None or not isinstance(reading.value, (sp.Basic, sp.MatrixBase)):
        return normal
    given = part.given(question.params)
    bindings = {sym: given[sym.name] for sym in reading.value.free_symbols if getattr(sym, "name", None) in given}
    if not bindings:
        return normal
    return replace(normal, reading=replace(reading, value=reading.value.xreplace(bindings),
                                           unknown=tuple(n for n in reading.unknown if n not in given)))


def variant_values(question: Question, normal: Normal) -> Normal:
    """A general formula written for a numeric variant: the values of the parameters it names put
    in (only parameters with a numeric value that the key itself does not use as symbols); their
    names are kept in `Normal.substituted`."""
    reading, params = normal.reading, question.params
    value = reading.value
    if not isinstance(value, (sp.Basic, sp.MatrixBase)):
        return normal
    key_names = {getattr(s, "name", None) for s in getattr(question.key, "free_symbols", ())}
    numeric = {n for n, v in params.items() if isinstance(v, (int, Fraction)) and not isinstance(v, bool)}
    bindings = {sym: params.sym(sym.name) for sym in value.free_symbols
                if getattr(sym, "name", None) in numeric - key_names}
    if not bindings:
        return normal
    value = value.xreplace(bindings)
    value = value.applyfunc(lambda e: e.doit()) if isinstance(value, sp.MatrixBase) else value.doit()
    names = frozenset(s.name for s in bindings)
    return replace(normal, substituted=names, reading=replace(
        reading, value=value, unknown=tuple(n for n in reading.unknown if n not in names)))


@dataclass(frozen=True)
class Rule:
    """A special reading: its name, the stage it acts in, the kinds asked it applies to (none
    listed: every kind) and the function (see the module docstring for each stage's signature)."""

    name: str
    stage: Literal["text", "second", "value"]
    kinds: tuple[str, ...]
    apply: Callable


PARSED = ("int", "number", "expr", "matrix", "shape")  # the kinds whose answers the parser reads into SymPy

RULES = (
    Rule("letter-times", "text", ("int",), letter_times),
    Rule("square-side", "second", ("int",), side_of_square),
    Rule("definitions", "value", PARSED, definitions),
    Rule("variant-values", "value", PARSED, variant_values),
)


def rules(stage: str, question: Question) -> tuple[Rule, ...]:
    """The rules of `stage` that apply to the question's kind as asked, in declared order."""
    return _rules(stage, question.asked)


@lru_cache(maxsize=None)
def _rules(stage: str, kind: str) -> tuple[Rule, ...]:
    return tuple(r for r in RULES if r.stage == stage and (not r.kinds or kind in r.kinds))


# -- the stages -----------------------------------------------------------------------------------
def read_answer(question: Question, text: str) -> Read:
    """Stage 1: read the answer (see the module docstring)."""
    part = question.part
    if part.kind == "choice":
        choices = tuple(part.choices) or (question.key,)
        picked = read_choice(text, choices)
        if picked is None:
            allowed = ", ".join(choices)
            return Read(question, text, None, Text(f"Choix non reconnu ; réponses possibles : {allowed}.",
                                                   f"Unrecognised choice; possible answers: {allowed}."))
        return Read(question, text, Reading(picked, picked))
    if question.context is None:  # a text part: the teacher marks it (`check_answer`), nothing reads it
        raise ValueError(f"{question.address}: a {part.kind} part is not read")
    written = text
    for rule in rules("text", question):
        written = rule.apply(written)
    try:
        reading = read(written, question.context, part.kind)
    except ParseError as exc:
        return Read(question, text, None, Text("Réponse illisible, " + exc.message("fr"),
                                               "Answer could not be read, " + exc.message("en")))
    seconds = (rule.apply(text) for rule in rules("second", question))
    return Read(question, text, reading, seconds=tuple(s for s in seconds if s is not None))


def rewrite(read: Read) -> Normal:
    """The value rules applied to a reading, in declared order (no general key)."""
    if read.reading is None:  # `Read.error` says why; the caller reports it
        raise ValueError(f"{read.question.address}: an answer that could not be read has no value to rewrite")
    normal = Normal(read, read.reading)
    for rule in rules("value", read.question):
        normal = rule.apply(read.question, normal)
    return normal


def normalise(read: Read) -> Normal:
    """Stage 2: the value rules, then, for a formula given where the variant asks for a value,
    the same text read and normalised against the general key."""
    normal = rewrite(read)
    if not normal.substituted or read.question.general:
        return normal
    general = general_question(read.question, normal.substituted)
    formula = read_answer(general, read.text) if general is not None else None
    if formula is None or formula.reading is None:
        return normal  # no general key, or not a formula of it: graded at the variant's values
    return replace(normal, formula=rewrite(formula))
