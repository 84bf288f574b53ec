"""The grader's reports as the CSV Moodle's grade import reads: one identifier column, one total.

The identifier is the roster's ``email`` when the roster (``keys.json`` of ``sheet --class``) has
one, else its ``id``, else the student's name as graded. A cell that a spreadsheet would read as a
formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading quote.
Totals are written with a decimal point, which Moodle's import reads in every language. A file
that could not be graded gets an empty total: Moodle's import leaves an empty cell unchanged
instead of writing 0. A student with several files in the batch (flag ``duplicate-submission``)
gets one row with an empty total: which file counts is the teacher's decision.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Sequence

from solver.core.errors import WorkError
from solver.core.text import Text
from solver.grading.escape import csv_cell

IDENTIFIERS = ("email", "id", "student")


def read_roster(path: str) -> list[dict]:
    """The students of a ``keys.json`` (``{"students": [{"student", "file", "seed", …}]}``)."""
    try:
        with open(path, encoding="utf-8") as fh:
            students = json.load(fh)["students"]
        if not isinstance(students, list) or not all(isinstance(s, dict) for s in students):
            raise ValueError("students is not a list of objects")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise WorkError(Text(f"liste de clés illisible {path} : {exc}", f"cannot read keys file {path}: {exc}")) from None
    return students


def identifier_column(roster: Sequence[dict] | None) -> str:
    """`email` when the roster has emails, else `id`, else `student`.

    >>> identifier_column([{"student": "a", "id": "12"}]), identifier_column(None)
    ('id', 'student')
    """
    for column in IDENTIFIERS[:2]:
        if roster and any(str(entry.get(column) or "").strip() for entry in roster):
            return column
    return "student"


def moodle_grades_csv(reports, roster=None) -> str:
    """The CSV for Moodle's grade import (see the module docstring), rows in the reports' order.

    `roster`: the students of ``keys.json`` (a list of dicts, or an object with such a `students`).
    A report is matched to its roster entry by student name, else by file stem.
    """
    from solver.grading.verdict import _num

    roster = getattr(roster, "students", roster)
    column = identifier_column(roster)
    by_name = {str(e.get("student", "")): e for e in roster or ()}
    by_file = {str(e.get("file", "")): e for e in roster or ()}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([column, "total"])
    duplicates = set()
    for report in reports:
        stem = os.path.splitext(os.path.basename(report.file))[0]
        entry = by_name.get(report.student) or by_file.get(stem) or {}
        ident = str(entry.get(column) or "").strip() or report.student
        duplicate = "duplicate-submission" in getattr(report, "flags", ())
        if duplicate and ident in duplicates:
            continue
        duplicates.update([ident] if duplicate else [])
        total = "" if report.error or duplicate else str(_num(report.score))
        writer.writerow([csv_cell(ident), total])
    return out.getvalue()
