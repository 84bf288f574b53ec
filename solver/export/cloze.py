"""The embedded-answer (cloze) syntax of Moodle's multianswer questions.

A sub-question is ``{weight:TYPE:answer~answer…}``; an answer is ``=text`` (right) or ``%n%text``
(n percent), optionally ``:tolerance`` for NUMERICAL, then ``#feedback``. Inside answers and
feedback the characters ``\\ } # ~ / "`` are written with a backslash before them (Moodle's
documentation of the Embedded Answers (Cloze) question type).
"""

from __future__ import annotations

from dataclasses import dataclass

_SPECIAL = '\\}#~/"'


def escape(text: str) -> str:
    """Text safe inside a cloze answer or feedback.

    >>> escape('a}b#c~d/e"f\\\\g')
    'a\\\\}b\\\\#c\\\\~d\\\\/e\\\\"f\\\\\\\\g'
    """
    return "".join("\\" + ch if ch in _SPECIAL else ch for ch in text)


@dataclass(frozen=True)
class Answer:
    """One answer of a sub-question: its text, its credit in percent, its feedback (HTML)."""

    text: str
    percent: int = 100
    feedback: str = ""
    tolerance: str | None = None

    def written(self) -> str:
        mark = "=" if self.percent == 100 else f"%{self.percent}%"
        tol = f":{self.tolerance}" if self.tolerance is not None else ""
        fb = f"#{escape(self.feedback)}" if self.feedback else ""
        return mark + escape(self.text) + tol + fb


def subquestion(kind: str, answers, weight: int = 1) -> str:
    """One sub-question: `kind` is NUMERICAL, MULTICHOICE or SHORTANSWER.

    >>> subquestion("NUMERICAL", [Answer("12", tolerance="0.01", feedback="ok"),
    ...                           Answer("9", 0, "mistake: k/2", tolerance="0")])
    '{1:NUMERICAL:=12:0.01#ok~%0%9:0#mistake: k\\\\/2}'
    """
    if kind not in ("NUMERICAL", "MULTICHOICE", "SHORTANSWER"):
        raise ValueError(f"unknown cloze sub-question type {kind!r}")
    return "{" + f"{int(weight)}:{kind}:" + "~".join(a.written() for a in answers) + "}"
