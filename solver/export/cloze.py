"""The embedded-answer (cloze) syntax of Moodle's multianswer questions.

A sub-question is ``{weight:TYPE:answer~answer…}``; an answer is ``=text`` (right) or ``%n%text``
(n percent), optionally ``:tolerance`` for NUMERICAL, then ``#feedback``.

Escaping follows what Moodle's parser does (``qtype_multianswer_extract_question``, Moodle 4.x and
5.x), which is narrower than the list its documentation gives: an answer ends at the first ``~``,
``#`` or ``}`` not preceded by a backslash (nor by ``&``), a feedback at the first such ``~`` or
``}``; afterwards only ``\\}`` and ``\\#`` lose their backslash, and HTML entities are decoded. So
``}`` and ``#`` take a backslash, ``&`` and ``~`` become numeric entities (a ``\\~`` would keep its
backslash on screen), a final backslash becomes an entity too (it would hide the delimiter after it),
and ``/``, ``"`` and inner backslashes are left as they are (Moodle would show a backslash put before
them, and TeX such as ``\\(`` in a feedback must reach MathJax unchanged).
"""

from __future__ import annotations

from dataclasses import dataclass

_WRITTEN = {"}": "\\}", "#": "\\#", "&": "&#38;", "~": "&#126;"}


def escape(text: str) -> str:
    r"""Text safe inside a cloze answer or feedback: Moodle reads back exactly `text`.

    >>> print(escape('a}b#c~d/e"f&g \\(x\\)'))
    a\}b\#c&#126;d/e"f&#38;g \(x\)
    >>> print(escape("C:\\"))
    C:&#92;
    """
    out = "".join(_WRITTEN.get(ch, ch) for ch in text)
    return out[:-1] + "&#92;" if text.endswith("\\") else out


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
    ...                           Answer("9", 0, "mistake: k/2 {#1}", tolerance="0")])
    '{1:NUMERICAL:=12:0.01#ok~%0%9:0#mistake: k/2 {\\\\#1\\\\}}'
    """
    if kind not in ("NUMERICAL", "MULTICHOICE", "SHORTANSWER"):
        raise ValueError(f"unknown cloze sub-question type {kind!r}")
    return "{" + f"{int(weight)}:{kind}:" + "~".join(a.written() for a in answers) + "}"
