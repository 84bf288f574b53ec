"""The grader's outputs: gradebook.csv, grades.json, feedback/<student>.md, results/<student>.json.

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

from ..export.moodle_grades import moodle_grades_csv
from ..text import Text
from .submission import unique_names
from .verdict import Report, _num

VERDICT_WORDS = {
    "correct": Text("juste", "correct"), "partial": Text("en partie juste", "partly right"),
    "incorrect": Text("faux", "incorrect"), "invalid": Text("illisible", "could not be read"),
    "missing": Text("sans réponse", "no answer"), "manual": Text("à corriger par l'enseignant", "graded by the teacher"),
    "unknown": Text("à relire par l'enseignant", "sent to the teacher"),
}

_LABELS = {
    "fr": {"student": "étudiant", "file": "fichier", "seed": "graine", "score": "note", "max": "sur",
           "status": "état", "ok": "ok", "part": "partie", "verdict": "verdict", "answer": "réponse",
           "read": "lu comme", "feedback": "commentaire", "unknown": "parties inconnues (non notées)",
           "error": "fichier non noté"},
    "en": {"student": "student", "file": "file", "seed": "seed", "score": "score", "max": "max_score",
           "status": "status", "ok": "ok", "part": "part", "verdict": "verdict", "answer": "answer",
           "read": "read as", "feedback": "feedback", "unknown": "unknown parts (not graded)",
           "error": "file not graded"},
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
    writer.writerow([t["student"], t["file"], t["seed"], t["score"], t["max"], t["status"], *part_ids])
    for r in reports:
        cells = {v.id: ("manual" if v.verdict == "manual" else _num(v.score)) for v in r.parts}
        status = r.error(lang) if r.error else t["ok"]
        writer.writerow([r.student, r.file, "" if r.seed is None else r.seed, _num(r.score), _num(r.max_score),
                         status, *[cells.get(pid, "") for pid in part_ids]])
    return out.getvalue()


def grades_json(reports: Sequence[Report], lang: str) -> str:
    return json.dumps([r.as_dict(lang) for r in reports], ensure_ascii=False, indent=2) + "\n"


def feedback_markdown(report: Report, lang: str) -> str:
    """A student's readable report."""
    t = _LABELS[lang]
    lines = [f"# {report.student}", "", f"- {t['file']} : `{report.file}`" if lang == "fr" else f"- {t['file']}: `{report.file}`"]
    if report.seed is not None:
        lines.append(f"- {t['seed']} : {report.seed}" if lang == "fr" else f"- {t['seed']}: {report.seed}")
    if report.error:
        lines += ["", f"**{t['error']}** — {report.error(lang)}", ""]
        return "\n".join(lines) + "\n"
    sep = " : " if lang == "fr" else ": "
    lines += [f"- {t['score']}{sep}**{_num(report.score)} / {_num(report.max_score)}**", ""]
    for v in report.parts:
        score = "—" if v.score is None else f"{_num(v.score)} / {_num(v.max_score)}"
        lines += [f"## {v.id} — {VERDICT_WORDS[v.verdict](lang)} ({score})", ""]
        start = len(lines)
        if v.answer is not None:
            lines.append(f"- {t['answer']}{sep}`{_inline(v.answer)}`")
        if v.read_as is not None:
            lines.append(f"- {t['read']}{sep}`{_inline(v.read_as)}`")
        if v.diagnosis:
            lines.append(f"- diagnostic{sep}`{v.diagnosis}`")
        lines += ([""] if len(lines) > start else []) + [v.feedback(lang), ""]
    if report.unknown_parts:
        lines += [f"## {t['unknown']}", ""] + [f"- `{p}`" for p in report.unknown_parts] + [""]
    return "\n".join(lines).rstrip() + "\n"


def _inline(text: str) -> str:
    text = " ".join(text.split())
    return (text[:300] + "…") if len(text) > 300 else text.replace("`", "'")


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


def write_outputs(out_dir: Path, reports: Sequence[Report], lang: str) -> None:
    """Every output file under `out_dir` (see the module docstring)."""
    reports = sorted_reports(reports)
    write_atomic(out_dir / "gradebook.csv", gradebook_csv(reports, lang))
    write_atomic(out_dir / "grades.json", grades_json(reports, lang))
    write_atomic(out_dir / "moodle_grades.csv", moodle_grades_csv(reports))  # hook: solver/export/moodle_grades.py
    for name, report in zip(unique_names(reports), reports):
        write_atomic(out_dir / "feedback" / f"{name}.md", feedback_markdown(report, lang))
        write_atomic(out_dir / "results" / f"{name}.json", gradescope_json(report, lang))
