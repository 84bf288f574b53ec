"""The class in figures: totals, item statistics per part, named mistakes, unexplained wrong answers.

Everything here is plain Python over graded `Report`s (no SymPy, no torch), in a fixed order so
that the class report is byte-identical for the same input.

Discrimination of a part: the upper–lower index. Students are ranked by total score; the upper
and lower groups are the top and bottom 27 % (at least one student each); the index is the mean
score on the part of the upper group minus that of the lower group, divided by the part's points
(from −1 to 1). A part whose index is negative, or below `LOW_DISCRIMINATION`, is flagged: the
students who did well overall did not do better on it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from .verdict import Report, Verdict

GROUP_SHARE = 0.27
LOW_DISCRIMINATION = 0.1
WRONG = ("incorrect", "partial")


@dataclass(frozen=True)
class Item:
    """The statistics of one part over the students who were scored on it."""

    id: str
    max_score: float
    n: int
    mean: float
    sd: float
    success: float  # share of students with full marks
    discrimination: float | None  # None when fewer than 4 students were scored
    followed: int = 0  # students credited by follow-through (right from their own wrong earlier answer)

    @property
    def flag(self) -> str | None:
        """``negative``, ``low`` or None (see the module docstring)."""
        if self.discrimination is None or self.sd == 0:  # everyone alike: nothing to separate
            return None
        if self.discrimination < 0:
            return "negative"
        return "low" if self.discrimination < LOW_DISCRIMINATION else None


@dataclass(frozen=True)
class Group:
    """Students who wrote the same thing: a named mistake (`key` its code) or a wrong answer."""

    key: str
    parts: tuple[str, ...]
    students: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.students)


def mean_sd(values: Sequence[float]) -> tuple[float, float]:
    """Mean and population standard deviation (0, 0 for no values).

    >>> mean_sd([2, 4, 4, 4, 5, 5, 7, 9])
    (5.0, 2.0)
    """
    if not values:
        return 0.0, 0.0
    mean = sum(values) / len(values)
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))


def median(values: Sequence[float]) -> float:
    """The middle value (the mean of the two middle ones for an even count).

    >>> median([3, 1, 2]), median([1, 2, 3, 4])
    (2, 2.5)
    """
    ordered = sorted(values)
    if not ordered:
        return 0.0
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def graded(reports: Sequence[Report]) -> list[Report]:
    """The reports of files that could be read."""
    return [r for r in reports if r.error is None]


def part_order(reports: Sequence[Report]) -> list[str]:
    """Part ids in sheet order (the order the grader lists them)."""
    order: list[str] = []
    for r in reports:
        for v in r.parts:
            if v.id not in order:
                order.append(v.id)
    return order


def ranked(reports: Sequence[Report]) -> list[Report]:
    """Best total first; ties by student then file, so that the groups are reproducible."""
    return sorted(reports, key=lambda r: (-r.score, r.student, r.file))


def items(reports: Sequence[Report]) -> list[Item]:
    """One `Item` per part that has a score (text parts count once the teacher marked them)."""
    reports = graded(reports)
    order = ranked(reports)
    size = max(1, round(GROUP_SHARE * len(order)))
    upper, lower = order[:size], order[-size:]
    out = []
    for pid in part_order(reports):
        scored = [(v, v.score) for r in reports for v in r.parts if v.id == pid and v.score is not None]
        if not scored:
            continue
        top = max(v.max_score for v, _ in scored)
        mean, sd = mean_sd([s for _, s in scored])
        success = sum(1 for v, s in scored if s >= v.max_score > 0) / len(scored)
        out.append(Item(pid, top, len(scored), mean, sd, success, _discrimination(pid, upper, lower, top),
                        sum(1 for v, _ in scored if v.follow_through)))
    return out


def _discrimination(pid: str, upper: Sequence[Report], lower: Sequence[Report], top: float) -> float | None:
    if len(upper) + len(lower) < 4 or top <= 0:
        return None
    hi = [s for s in (_score(r, pid) for r in upper) if s is not None]
    lo = [s for s in (_score(r, pid) for r in lower) if s is not None]
    if not hi or not lo:
        return None
    return (sum(hi) / len(hi) - sum(lo) / len(lo)) / top


def _score(report: Report, pid: str) -> float | None:
    return next((v.score for v in report.parts if v.id == pid), None)


def mistakes(reports: Sequence[Report]) -> list[Group]:
    """Named mistakes (diagnosis codes), most frequent first."""
    found: dict[str, tuple[list[str], list[str]]] = {}
    for r in graded(reports):
        for v in r.parts:
            if v.diagnosis and v.verdict in WRONG:
                parts, students = found.setdefault(v.diagnosis, ([], []))
                if v.id not in parts:
                    parts.append(v.id)
                students.append(r.student)
    return _ranked_groups(found)


def answer_key(v: Verdict) -> str:
    """A wrong answer as the grader read it, blanks collapsed (the answer itself when unread).

    >>> answer_key(Verdict("a/b", "incorrect", 0.0, 1.0, read_as="x  +\\n1", answer="x+1"))
    'x + 1'
    """
    text = v.read_as if v.read_as is not None else (v.answer or "")
    return " ".join(text.split())


def unexplained(reports: Sequence[Report], least: int = 2) -> list[Group]:
    """Wrong answers no mistake names, grouped by part and answer read; those given by at least
    `least` students, most frequent first. A group's `key` is the answer, `parts` its one part."""
    found: dict[tuple[str, str], list[str]] = {}
    for r in graded(reports):
        for v in r.parts:
            if v.verdict in WRONG and not v.diagnosis and not v.manual:
                found.setdefault((v.id, answer_key(v)), []).append(r.student)
    order = {pid: n for n, pid in enumerate(part_order(reports))}
    groups = [Group(text, (pid,), tuple(students)) for (pid, text), students in found.items()
              if len(students) >= least]
    return sorted(groups, key=lambda g: (-g.count, order[g.parts[0]], g.key))


def _ranked_groups(found: dict) -> list[Group]:
    groups = [Group(key, tuple(parts), tuple(students)) for key, (parts, students) in found.items()]
    return sorted(groups, key=lambda g: (-g.count, g.key))
