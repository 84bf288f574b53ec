"""What the grader says about one answer (`Verdict`) and about one submission (`Report`).

Scores: a `manual` part (free text) has no score and does not count in `max_score`; the
teacher adds it (`--manual`: its score is then set and `manual` is true, and it counts in
`score` only). Every other part counts its `points` (1 by default), including `missing`,
`invalid` and `unknown` answers (scored 0; `unknown` is flagged for manual review).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from solver.core.text import Text

VERDICTS = ("correct", "partial", "incorrect", "invalid", "missing", "manual", "unknown")

# The words naming a submission's and a verdict's fields, as the feedback and the class report head
# their columns with them.
FIELD_WORDS = {
    "file": Text("fichier", "file"), "part": Text("partie", "part"), "points": Text("points", "points"),
    "answer": Text("réponse", "answer"), "diagnosis": Text("diagnostic", "diagnosis"),
}


@dataclass(frozen=True)
class Verdict:
    """The grading of one part: ``id`` is ``<exercise id>/<part id>``."""

    id: str
    verdict: str
    score: float | None
    max_score: float
    diagnosis: str | None = None
    feedback: Text = Text("", "")
    expected: str = ""
    read_as: str | None = None
    answer: str | None = None
    manual: bool = False  # the score was given by the teacher (`--manual`), not by the grader
    follow_through: bool = False  # right given the student's own (wrong) earlier answers

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"unknown verdict {self.verdict!r}")

    def as_dict(self, lang: str) -> dict:
        """The contract's form (../shared/INTERFACE.md), plus ``read_as`` and ``answer``;
        ``"manual": true`` for a mark given by the teacher, ``"follow_through": true`` for a part
        credited by follow-through."""
        data = {"id": self.id, "verdict": self.verdict, "score": _num(self.score),
                "max_score": _num(self.max_score), "diagnosis": self.diagnosis,
                "feedback": self.feedback(lang), "expected": self.expected,
                "read_as": self.read_as, "answer": self.answer}
        if self.manual:
            data["manual"] = True
        if self.follow_through:
            data["follow_through"] = True
        return data


@dataclass(frozen=True)
class Report:
    """One submission file graded: its parts, or why it could not be read (`error`)."""

    student: str
    file: str
    seed: int | None = None
    parts: tuple[Verdict, ...] = ()
    error: Text | None = None
    unknown_parts: tuple[str, ...] = field(default_factory=tuple)
    sheet: str | None = None
    flags: tuple[str, ...] = ()  # see roster.FLAGS

    @property
    def score(self) -> float:
        return round(sum(v.score for v in self.parts if v.score is not None), 6)

    @property
    def max_score(self) -> float:
        return round(sum(v.max_score for v in self.parts if graded_automatically(v)), 6)

    def as_dict(self, lang: str) -> dict:
        return {"student": self.student, "file": self.file, "seed": self.seed, "sheet": self.sheet,
                "flags": list(self.flags), "score": _num(self.score), "max_score": _num(self.max_score),
                "error": self.error(lang) if self.error else None,
                "unknown_parts": list(self.unknown_parts),
                "parts": [v.as_dict(lang) for v in self.parts]}


def _num(x: float | None):
    """Whole numbers as ints in JSON (1, not 1.0); others rounded to 6 decimals."""
    if x is None:
        return None
    x = round(float(x), 6)
    return int(x) if x == int(x) else x


def graded_automatically(v: Verdict) -> bool:
    """Whether a part's points count in `max_score`: not a written (`text`) part, which the teacher
    marks (verdict `manual`, or `missing` with no score when left blank)."""
    return v.verdict != "manual" and v.score is not None
