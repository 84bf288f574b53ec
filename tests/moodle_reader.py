"""How Moodle reads what `export moodle` writes, for the tests (no Moodle server here).

No maintained Python library reads Moodle XML question banks with cloze and numerical questions
(the few on PyPI that read one at all split a cloze text on every ``~``, ignoring its escapes), so
this module restates, in Python, the rules of Moodle's own importer:

- `read_cloze`: the cloze (multianswer) parser, ``qtype_multianswer_extract_question`` in
  question/type/multianswer/questiontype.php (Moodle 4.x, 5.x): its regular expressions, then
  HTML entities decoded and ``\\}``, ``\\#`` unescaped in answers and feedback;
  `cloze_errors` restates ``qtype_multianswer_validate_question``.
- `MOODLE_FRACTIONS`: the grades an ``<answer fraction="…">`` may take, from
  ``question_bank::fraction_options_full`` (question/engine/bank.php), built from its stated rule.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from fractions import Fraction

_FRACTION = r"=|%(-?[0-9]+(?:[.,][0-9]*)?)%"
# an answer ends before ~ # } unless a backslash or & (an entity's #) comes just before
_ANSWER = r".+?(?<!\\)(?<!&)(?<!&amp;)(?=[~#}]|$)"
_FEEDBACK = r".*?(?<!\\)(?=[~}]|$)"
_ALTERNATIVE = f"({_FRACTION})?({_ANSWER})(#({_FEEDBACK}))?"
_TYPES = {"NUMERICAL": "NUMERICAL|NM", "MULTICHOICE": "MULTICHOICE|MC|MULTICHOICE_V|MCV|MULTICHOICE_H|MCH",
          "SHORTANSWER": "SHORTANSWER|SA|MW|SHORTANSWER_C|SAC|MWC"}
_SUBQUESTION = re.compile(r"\{([0-9]*):(" + "|".join(_TYPES.values()) + f"):({_ALTERNATIVE}(?:~{_ALTERNATIVE})*)" + r"\}",
                          re.DOTALL)
_NUMBER = r"-?(?:[0-9]+[.,]?[0-9]*|[.,][0-9]+)(?:[eE][-+]?[0-9]+)?"
NUMERICAL_ANSWER = re.compile(f"^({_NUMBER})(?::({_NUMBER}))?$", re.DOTALL)


@dataclass(frozen=True)
class Alternative:
    fraction: float  # 1 for "=", n/100 for "%n%", else 0
    answer: str
    feedback: str
    tolerance: str | None = None  # NUMERICAL answers that Moodle reads as numbers
    numeric: bool = False


@dataclass(frozen=True)
class Subquestion:
    weight: int
    kind: str  # NUMERICAL, MULTICHOICE or SHORTANSWER
    alternatives: tuple


def _unescape(text: str) -> str:
    return html.unescape(text).replace("\\}", "}").replace("\\#", "#")


def _alternatives(source: str, numerical: bool) -> tuple:
    out, pattern, pos = [], re.compile("~?" + _ALTERNATIVE, re.DOTALL), 0
    while (m := pattern.match(source, pos)) and m.end() > pos:
        mark, percent, answer, feedback = m.group(1), m.group(2), m.group(3), m.group(5)
        fraction = 1.0 if mark == "=" else 0.01 * float(percent.replace(",", ".")) if percent else 0.0
        number = NUMERICAL_ANSWER.match(answer) if numerical else None
        if number:
            out.append(Alternative(fraction, number.group(1), _unescape(feedback or ""), number.group(2) or "0", True))
        else:
            out.append(Alternative(fraction, _unescape(answer), _unescape(feedback or "")))
        pos = m.end()
    return tuple(out)


def read_cloze(text: str) -> tuple[str, list]:
    """(the text with each sub-question replaced by ``{#n}``, the sub-questions), as Moodle reads them.

    >>> text, (sub,) = read_cloze(r"Side: {2:NUMERICAL:=14:0.5#ok~%0%13#off by one \\} \\#1} px")
    >>> text, sub.weight, sub.kind, [(a.fraction, a.answer, a.tolerance, a.feedback) for a in sub.alternatives]
    ('Side: {#1} px', 2, 'NUMERICAL', [(1.0, '14', '0.5', 'ok'), (0.0, '13', '0', 'off by one } #1')])
    """
    subs = []
    while m := _SUBQUESTION.search(text):
        kind = next(k for k, names in _TYPES.items() if re.fullmatch(names, m.group(2)))
        subs.append(Subquestion(int(m.group(1) or 1), kind, _alternatives(m.group(3), kind == "NUMERICAL")))
        text = text[:m.start()] + "{#%d}" % len(subs) + text[m.end():]
    return text, subs


def cloze_errors(subs) -> list[str]:
    """What Moodle's validation of a cloze question would refuse (empty: it imports)."""
    errors = []
    if not subs:
        errors.append("no sub-question")
    for n, sub in enumerate(subs, 1):
        answers = [a for a in sub.alternatives if a.answer.strip()]
        if sub.kind == "NUMERICAL":
            errors += [f"sub {n}: {a.answer!r} is not a number" for a in answers if not a.numeric and a.answer != "*"]
        if len(answers) < (2 if sub.kind == "MULTICHOICE" else 1):
            errors.append(f"sub {n}: not enough answers")
        if not any(a.fraction == 1 for a in answers):
            errors.append(f"sub {n}: no answer worth 100%")
    return errors


def _fractions() -> set:
    """p/q for q <= 6, p/10, 1/q for q <= 10, 1/20, their negatives, as percentages to 5 decimals."""
    base = {Fraction(p, q) for q in range(1, 7) for p in range(q + 1)} | {Fraction(p, 10) for p in range(11)}
    base |= {Fraction(1, q) for q in range(1, 11)} | {Fraction(1, 20)}
    return {round(float(100 * s * f), 5) for f in base for s in (1, -1)}


MOODLE_FRACTIONS = frozenset(_fractions())
