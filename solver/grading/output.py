"""The grader's outputs: gradebook.csv, grades.json, feedback/<stem>.md and .html (feedback.py),
results/<stem>.json, report.html and plots/ (report.py).

The whole set is written as one: into a fresh folder beside ``--out``, swapped in at the end
(`replace_folder`), so that a reader, or a run killed half-way, sees the complete old set or the
complete new one, never a mix, and files of students no longer graded disappear. Files are
created with the user's umask. Every file is byte-identical for the same inputs: rows sorted by
file, keys in a fixed order, no dates. A student's files are named by `file_stems` (unique,
bounded in bytes); ``grades.json`` records them (``feedback_file``, ``results_file``).
Student text is escaped for each format (`escape.py`). ``results/<stem>.json`` follows
Gradescope's autograder format (``{"score", "max_score", "tests": [{"name", "score",
"max_score", "output"}]}``, Markdown output).
"""

from __future__ import annotations

import contextlib
import csv
import ctypes
import hashlib
import io
import json
import os
import re
import secrets
import shutil
from pathlib import Path
from typing import Iterator, Sequence

from solver.core.errors import TdError
from solver.core.text import Text
from solver.grading.moodle_grades import moodle_grades_csv

from .escape import csv_cell, markdown
from .feedback import DEFAULT_MODE, feedback_html, feedback_markdown, flag_texts, public_reports
from .manual import Override
from .report import write_report
from .verdict import Report, _num, graded_automatically

STEM_BYTES = 80

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
    """Write `text` (UTF-8) to `path` through a temporary file and `os.replace`, with the
    permissions of a file created under the user's umask."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
    try:
        _write_new(tmp, text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _write_new(path: Path, text: str) -> None:
    """Create `path` (which must not exist; mode 0666 minus the umask) and write `text`."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o666)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)


def file_stems(reports: Sequence[Report]) -> list[str]:
    """A file name stem per report, unique by construction and at most `STEM_BYTES` bytes.

    The stem is the student's name cleaned to letters, digits, ``.``, ``_`` and single ``-``.
    When that cleaned name was changed, cut, is shared by another report (case ignored), or
    is a name Windows reserves, ``--`` and a hash of the report's file are added: cleaned
    names never hold ``--``, so a hashed stem never meets a plain one, and files differ.

    >>> file_stems([Report("alice", "a.yaml"), Report("bob", "b.yaml")])
    ['alice', 'bob']
    >>> file_stems([Report("alice", "a.yaml"), Report("alice", "b.yaml"), Report("alice-2", "c.yaml")])
    ['alice--a42a65b8', 'alice--0f9a30d3', 'alice-2']
    >>> file_stems([Report("../x", "c.yaml")])
    ['x--aab90a42']
    """
    cleaned = [_clean(r.student) for r in reports]
    counts: dict[str, int] = {}
    for stem in cleaned:
        counts[stem.casefold()] = counts.get(stem.casefold(), 0) + 1
    stems = []
    for report, stem in zip(reports, cleaned):
        plain = (stem == report.student and counts[stem.casefold()] == 1
                 and stem.split(".")[0].upper() not in _RESERVED)
        stems.append(stem if plain else _hashed(stem, report.file))
    seen: set[str] = set()
    for n, stem in enumerate(stems):  # the same file given twice, or two hashes that meet
        if stem.casefold() in seen:
            stems[n] = stem = f"{stem}-{n}"
        seen.add(stem.casefold())
    return stems


_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(10)), *(f"LPT{n}" for n in range(10))}


def _clean(name: str) -> str:
    stem = re.sub(r"-{2,}", "-", re.sub(r"[^\w.-]+", "_", name)).strip("._-")
    stem = stem or "student"
    while len(stem.encode("utf-8")) > STEM_BYTES:
        stem = stem[:-1]
    return stem.rstrip("-") or "student"


def _hashed(stem: str, file: str) -> str:
    digest = hashlib.sha256(file.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    while len(stem.encode("utf-8")) > STEM_BYTES - 10:
        stem = stem[:-1]
    return f"{stem.rstrip('-')}--{digest}"


class OutputFolderError(TdError):
    """--out names a folder that is not a previous grading output: it is never replaced."""


def _check_replaceable(out_dir: Path) -> None:
    if out_dir.is_symlink() or (out_dir.exists() and not out_dir.is_dir()):
        raise OutputFolderError(Text(f"{out_dir} : pas un dossier", f"{out_dir}: not a folder"))
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / MARKER).exists():
        raise OutputFolderError(Text(
            f"{out_dir} : dossier non vide qui n'est pas une sortie de tdsolver grade (non remplacé)",
            f"{out_dir}: a non-empty folder that is not a tdsolver grade output (not replaced)"))


MARKER = "grades.json"


@contextlib.contextmanager
def staged(out_dir: Path) -> Iterator[Path]:
    """A fresh folder beside `out_dir` to write the new set into; on success it replaces
    `out_dir` (`replace_folder`), on failure it is removed and `out_dir` is left as it was."""
    out_dir = Path(out_dir)
    _check_replaceable(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(out_dir)
    stage = out_dir.parent / f".{out_dir.name}.new-{secrets.token_hex(6)}"
    os.mkdir(stage)  # mode 0777 minus the umask, like any folder the user creates
    try:
        yield stage
        replace_folder(stage, out_dir)
    finally:
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)


def _remove_leftovers(out_dir: Path) -> None:
    """Folders a killed run left beside `out_dir`: an unfinished new set is dropped; an old set
    moved aside comes back if `out_dir` itself is missing."""
    for path in sorted(out_dir.parent.glob(f".{glob_escape(out_dir.name)}.*-*")):
        if path.name.startswith(f".{out_dir.name}.old-") and not out_dir.exists():
            os.rename(path, out_dir)
        elif path.name.startswith((f".{out_dir.name}.new-", f".{out_dir.name}.old-")):
            shutil.rmtree(path, ignore_errors=True)


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


def replace_folder(new: Path, target: Path) -> None:
    """Put folder `new` at `target`. On Linux both are exchanged in one atomic
    ``renameat2(RENAME_EXCHANGE)`` and the old set is removed; elsewhere the old folder is
    renamed aside first (a run killed between the two renames leaves it there, and the next
    run puts it back)."""
    if not target.exists():
        os.rename(new, target)
        return
    if _exchange(new, target):
        shutil.rmtree(new)
        return
    old = target.parent / f".{target.name}.old-{secrets.token_hex(6)}"
    os.rename(target, old)
    os.rename(new, target)
    shutil.rmtree(old, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 with RENAME_EXCHANGE); False if unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    status = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return status == 0


def sorted_reports(reports: Sequence[Report]) -> list[Report]:
    return sorted(reports, key=lambda r: (r.file, r.student))


def gradebook_csv(reports: Sequence[Report], lang: str) -> str:
    """One row per submission file, one column per part score, the total and a status; text
    cells a spreadsheet would evaluate are neutralised (`escape.csv_cell`)."""
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
        cells = {v.id: (_num(v.score) if v.score is not None else "manual" if v.verdict == "manual" else "")
                 for v in r.parts}
        status = r.error(lang) if r.error else t["ok"]
        row = [r.student, r.file, r.seed, _num(r.score), _num(r.max_score), status,
               *[cells.get(pid) for pid in part_ids], " ".join(r.flags), " ".join(r.unknown_parts)]
        writer.writerow([csv_cell(cell) for cell in row])
    return out.getvalue()


def grades_json(reports: Sequence[Report], lang: str, stems: Sequence[str] | None = None) -> str:
    """The reports as in ``--json``; with `stems`, each entry also names its two files."""
    entries = [r.as_dict(lang) for r in reports]
    for entry, stem in zip(entries, stems or ()):
        entry["feedback_file"] = f"feedback/{stem}.md"
        entry["feedback_html"] = f"feedback/{stem}.html"
        entry["results_file"] = f"results/{stem}.json"
    return json.dumps(entries, ensure_ascii=False, indent=2) + "\n"


def gradescope_json(report: Report, lang: str) -> str:
    """Gradescope's autograder results (manual parts listed with no score); the outputs are
    Markdown with the student's text escaped. The top-level ``output`` (shown to the student)
    lists the submission's flags (`roster.FLAGS`, in `lang`) and why a file was not graded."""
    tests = []
    for v in report.parts:
        test = {"name": markdown(v.id), "score": _num(v.score) if v.score is not None else 0,
                "max_score": _num(v.max_score) if graded_automatically(v) else 0,
                "output": f"{v.verdict}: {markdown(v.feedback(lang))}"}
        tests.append(test)
    data = {"score": _num(report.score), "max_score": _num(report.max_score), "output_format": "md",
            "test_output_format": "md", "tests": tests}
    lines = [f"- {markdown(line)}" for line in flag_texts(report, lang)]
    if report.error:
        lines.append(markdown(report.error(lang)))
    if lines:
        data["output"] = "\n".join(lines)
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def write_outputs(out_dir: Path, reports: Sequence[Report], lang: str, feedback: str = DEFAULT_MODE,
                  hide_answers: bool = False, overrides: Sequence[Override] = (), roster=None) -> None:
    """Every output file under `out_dir` (see the module docstring), as one set; `feedback` and
    `hide_answers` shape what students see (feedback.py), `overrides` are the marks given by hand."""
    reports = sorted_reports(reports)
    stems = file_stems(reports)
    with staged(Path(out_dir)) as stage:
        write_set(stage, reports, stems, lang, feedback, hide_answers, overrides, roster)


def write_set(folder: Path, reports: Sequence[Report], stems: Sequence[str], lang: str,
              feedback: str = DEFAULT_MODE, hide_answers: bool = False, overrides: Sequence[Override] = (),
              roster=None) -> None:
    """The files of one set into `folder` (fresh and empty); `roster` (``grade --keys``) names the
    students in moodle_grades.csv."""
    (folder / "feedback").mkdir()
    (folder / "results").mkdir()
    _write_new(folder / "gradebook.csv", gradebook_csv(reports, lang))
    _write_new(folder / "moodle_grades.csv", moodle_grades_csv(reports, roster))
    for stem, report in zip(stems, public_reports(reports, hide_answers)):
        _write_new(folder / "feedback" / f"{stem}.md", feedback_markdown(report, lang, feedback))
        _write_new(folder / "feedback" / f"{stem}.html", feedback_html(report, lang, feedback))
        _write_new(folder / "results" / f"{stem}.json", gradescope_json(report, lang))
    write_report(folder, reports, lang, overrides)
    _write_new(folder / MARKER, grades_json(reports, lang, stems))
