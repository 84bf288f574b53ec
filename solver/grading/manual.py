"""Marks given by hand (`grade --manual MARKS.csv`) and the CSV to fill (`--manual-template`).

MARKS.csv has the columns ``student``, ``part`` (``<exercise id>/<part id>``), ``score`` and an
optional ``comment``, separated by commas or semicolons; a score may have a decimal comma. A row
with an empty score is skipped (a template not filled yet). A bad row (unknown student or part,
a score that is not a number, above the part's points or below 0, a second mark for the same
part) gives one message naming the file and line, and the other rows still apply.

A mark replaces the grader's score of that part: the `Verdict` gets ``manual=True``. A text
part keeps its verdict ``manual`` (its points stay out of `max_score`, which counts automatic
points only); another part's verdict follows the score (full marks: correct; 0: incorrect;
else partial). The feedback becomes the teacher's note, on one line, followed for a text part by
the model answer.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

from solver.core.text import Text

from .escape import FORMULA_START, csv_cell
from .verdict import Report, Verdict, _num

COLUMNS = ("student", "part", "score", "comment")
TEMPLATE_COLUMNS = ("student", "part", "score", "max_score", "comment", "answer", "rubric")
_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")
MAX_BYTES = 5_000_000


@dataclass(frozen=True)
class Mark:
    """One row of MARKS.csv; `where` is ``FILE:LINE``."""

    student: str
    part: str
    score: float
    comment: str
    where: str


@dataclass(frozen=True)
class Override:
    """A mark that replaced the grader's score (listed by the class report)."""

    student: str
    file: str
    part: str
    before: float | None
    after: float
    max_score: float
    comment: str


def read_marks(path: Path) -> tuple[list[Mark], list[Text]]:
    """The marks of a CSV file and one message per bad row (never raises for bad content)."""
    name = str(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            return [], [Text(f"{name} : fichier trop gros", f"{name}: file too large")]
        raw = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        return [], [Text(f"{name} : illisible ({exc.strerror})", f"{name}: cannot be read ({exc.strerror})")]
    except UnicodeDecodeError:
        return [], [Text(f"{name} : pas en UTF-8", f"{name}: not UTF-8")]
    lines = raw.splitlines()
    header = lines[0] if lines else ""
    delimiter = ";" if header.count(";") > header.count(",") else ","
    rows = list(csv.reader(io.StringIO(raw), delimiter=delimiter))
    if not rows:
        return [], [Text(f"{name} : fichier vide", f"{name}: empty file")]
    columns = [unquote(c).strip().lower() for c in rows[0]]
    absent = [c for c in COLUMNS[:3] if c not in columns]
    if absent:
        cols = ", ".join(absent)
        return [], [Text(f"{name}:1 : colonnes manquantes : {cols}", f"{name}:1: missing columns: {cols}")]
    marks, problems = [], []
    for number, row in enumerate(rows[1:], start=2):
        cells = dict(zip(columns, (unquote(c).strip() for c in row)))
        if not any(cells.values()) or not cells.get("score"):
            continue
        where = f"{name}:{number}"
        score = parse_score(cells["score"])
        if score is None:
            problems.append(Text(f"{where} : note illisible « {cells['score'][:40]} »",
                                 f"{where}: score is not a number '{cells['score'][:40]}'"))
            continue
        marks.append(Mark(cells.get("student", ""), cells.get("part", ""), score,
                          " ".join(cells.get("comment", "").split()), where))
    return marks, problems


def parse_score(text: str) -> float | None:
    """A score written with a decimal point or comma, else None.

    >>> parse_score("7,5"), parse_score(" 2 "), parse_score("-1.25"), parse_score("1e3"), parse_score("")
    (7.5, 2.0, -1.25, None, None)
    """
    text = text.strip().replace(",", ".")
    return float(text) if _NUMBER.fullmatch(text) else None


def unquote(cell: str) -> str:
    """Undo `escape.csv_cell`: a leading apostrophe before a formula character.

    >>> unquote("'=1+1"), unquote("'hello"), unquote("abc")
    ('=1+1', "'hello", 'abc')
    """
    return cell[1:] if cell[:1] == "'" and cell[1:].lstrip(" ").startswith(FORMULA_START) else cell


def apply_marks(reports: Sequence[Report], marks: Sequence[Mark]
                ) -> tuple[list[Report], list[Override], list[Text]]:
    """The reports with the marks in place, the overrides made, one message per mark refused.
    A mark names a student by the `student` of the submission, or by its file name."""
    by_student: dict[str, list[int]] = {}
    for n, r in enumerate(reports):
        for name in dict.fromkeys((r.student, Path(r.file).stem)):
            by_student.setdefault(name, []).append(n)
    parts = [list(r.parts) for r in reports]
    done: set[tuple[int, str]] = set()
    overrides: list[Override] = []
    problems: list[Text] = []
    for mark in marks:
        targets = by_student.get(mark.student)
        if not targets:
            problems.append(Text(f"{mark.where} : étudiant inconnu « {mark.student[:60]} »",
                                 f"{mark.where}: unknown student '{mark.student[:60]}'"))
            continue
        for n in targets:
            problem = _apply(mark, n, reports[n], parts[n], done, overrides)
            if problem:
                problems.append(problem)
                break
    new = [replace(r, parts=tuple(p)) for r, p in zip(reports, parts)]
    return new, overrides, problems


def _apply(mark: Mark, n: int, report: Report, parts: list, done: set, overrides: list) -> Text | None:
    where = mark.where
    index = next((k for k, v in enumerate(parts) if v.id == mark.part), None)
    if index is None:
        return Text(f"{where} : partie « {mark.part[:60]} » absente de la copie de {report.student}",
                    f"{where}: part '{mark.part[:60]}' is not graded for {report.student}")
    if (n, mark.part) in done:
        return Text(f"{where} : deuxième note pour {report.student} {mark.part}, ligne ignorée",
                    f"{where}: second mark for {report.student} {mark.part}, line ignored")
    v = parts[index]
    if not 0 <= mark.score <= v.max_score:
        return Text(f"{where} : note {_num(mark.score)} hors de [0, {_num(v.max_score)}]",
                    f"{where}: score {_num(mark.score)} outside [0, {_num(v.max_score)}]")
    done.add((n, mark.part))
    parts[index] = marked(v, mark.score, mark.comment)
    overrides.append(Override(report.student, report.file, v.id, v.score, mark.score, v.max_score, mark.comment))
    return None


def marked(v: Verdict, score: float, comment: str) -> Verdict:
    """The verdict `v` with the teacher's score (see the module docstring)."""
    note = Text("Note de l'enseignant", "Teacher's mark") + (Text(f" : {comment}", f": {comment}") if comment else Text(".", "."))
    if v.verdict == "manual" or v.score is None:  # a written part (blank or not) stays out of the total
        return replace(v, verdict="manual", score=score, manual=True, feedback=note + Text("\n", "\n") + v.feedback)
    verdict = "correct" if score >= v.max_score else "incorrect" if score == 0 else "partial"
    if verdict != "correct" and v.expected:
        note = note + Text(f" Attendu : {v.expected}.", f" Expected: {v.expected}.")
    return replace(v, verdict=verdict, score=score, diagnosis=None, manual=True, feedback=note)


def template_csv(reports: Sequence[Report], lang: str) -> str:
    """Every text part answered in a readable submission, with the student's answer and the rubric
    (a text part left blank has nothing to mark)."""
    from .check import solved

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TEMPLATE_COLUMNS)
    for r in reports:
        if r.error:
            continue
        for v in r.parts:
            if v.verdict != "manual" or not (v.answer or "").strip():
                continue
            ex_id, _, part_id = v.id.rpartition("/")
            key = solved(ex_id, r.seed)[2].answers[part_id]
            rubric = " | ".join([key.answer(lang)] + [item(lang) for item in key.rubric])
            score = "" if v.score is None else str(_num(v.score))  # a mark already given (--manual)
            writer.writerow([csv_cell(c) for c in (r.student, v.id, score, str(_num(v.max_score)), "",
                                                   " ".join((v.answer or "").split()), rubric)])
    return out.getvalue()
