"""The grader's outputs: gradebook.csv, grades.json, feedback/<student>.md and .html (feedback.py),
results/<student>.json, report.html and plots/ (report.py).

Every file is written atomically (a temporary file in the same folder, then ``os.replace``) and
is byte-identical for the same inputs: rows sorted by file, keys in a fixed order, no dates.
``results/<student>.json`` follows Gradescope's autograder format
(``{"score", "max_score", "tests": [{"name", "score", "max_score", "output"}]}``).
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Sequence

from .feedback import DEFAULT_MODE, feedback_html, feedback_markdown, public_reports
from .manual import Override
from .report import write_report
from .submission import unique_names
from .verdict import Report, _num

_LABELS = {
    "fr": {"student": "étudiant", "file": "fichier", "seed": "graine", "score": "note", "max": "sur",
           "status": "état", "ok": "ok", "part": "partie", "verdict": "verdict", "answer": "réponse",
           "read": "lu comme", "feedback": "commentaire", "unknown": "parties inconnues (non notées)",
           "error": "fichier non noté", "flags": "signalements", "flag": "signalement", "unknown_ids": "parties inconnues"},
    "en": {"student": "student", "file": "file", "seed": "seed", "score": "score", "max": "max_score",
           "status": "status", "ok": "ok", "part": "part", "verdict": "verdict", "answer": "answer",
           "read": "read as", "feedback": "feedback", "unknown": "unknown parts (not graded)",
           "error": "file not graded", "flags": "flags", "flag": "flag", "unknown_ids": "unknown parts"},
}


def write_atomic(path: Path, text: str) -> None:
    """Write `text` (UTF-8) to `path` through a temporary file and `os.replace`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def sorted_reports(reports: Sequence[Report]) -> list[Report]:
    return sorted(reports, key=lambda r: (r.file, r.student))


def gradebook_csv(reports: Sequence[Report], lang: str) -> str:
    """One row per submission file, one column per part score, the total and a status."""
    t = _LABELS[lang]
    part_ids: list[str] = []
    for r in reports:
        for v in r.parts:
            if v.id not in part_ids:
                part_ids.append(v.id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([t["student"], t["file"], t["seed"], t["score"], t["max"], t["status"], *part_ids,
                     t["flags"], t["unknown_ids"]])
    for r in reports:
        cells = {v.id: ("manual" if v.score is None else _num(v.score)) for v in r.parts}
        status = r.error(lang) if r.error else t["ok"]
        writer.writerow([r.student, r.file, "" if r.seed is None else r.seed, _num(r.score), _num(r.max_score),
                         status, *[cells.get(pid, "") for pid in part_ids], " ".join(r.flags),
                         " ".join(r.unknown_parts)])
    return out.getvalue()


def grades_json(reports: Sequence[Report], lang: str) -> str:
    return json.dumps([r.as_dict(lang) for r in reports], ensure_ascii=False, indent=2) + "\n"


def gradescope_json(report: Report, lang: str) -> str:
    """Gradescope's autograder results (manual parts listed with no score)."""
    tests = []
    for v in report.parts:
        test = {"name": v.id, "score": _num(v.score) if v.score is not None else 0,
                "max_score": _num(v.max_score) if v.verdict != "manual" else 0,
                "output": f"{v.verdict}: {v.feedback(lang)}"}
        tests.append(test)
    data = {"score": _num(report.score), "max_score": _num(report.max_score), "tests": tests}
    if report.error:
        data["output"] = report.error(lang)
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def write_outputs(out_dir: Path, reports: Sequence[Report], lang: str, feedback: str = DEFAULT_MODE,
                  hide_answers: bool = False, overrides: Sequence[Override] = ()) -> None:
    """Every output file under `out_dir` (see the module docstring); `feedback` and
    `hide_answers` shape what students see (feedback.py), `overrides` are the marks given by hand."""
    reports = sorted_reports(reports)
    write_atomic(out_dir / "gradebook.csv", gradebook_csv(reports, lang))
    write_atomic(out_dir / "grades.json", grades_json(reports, lang))
    for name, report in zip(unique_names(reports), public_reports(reports, hide_answers)):
        write_atomic(out_dir / "feedback" / f"{name}.md", feedback_markdown(report, lang, feedback))
        write_atomic(out_dir / "feedback" / f"{name}.html", feedback_html(report, lang, feedback))
        write_atomic(out_dir / "results" / f"{name}.json", gradescope_json(report, lang))
    write_report(out_dir, reports, lang, overrides)
