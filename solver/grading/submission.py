"""Submission files in, `Report`s out.

A submission is YAML (read with ``yaml.safe_load`` only) or JSON::

    student: alice          # optional; defaults to the file name without extension
    seed: 12                # optional; the variant this student received
    sheet: td2              # optional; grade every exercise of the sheet (else those answered)
    answers:
      td2.II.1/o: "floor((i + 2p - k)/s) + 1"

An exercise may be named by an alias (``conv-output-size/o``). YAML turns some unquoted answers
into numbers, booleans or lists: they are turned back into text (``yes`` -> "yes", ``[[1, 2]]`` ->
"[[1, 2]]"). In one batch every submission is graded on the same parts — those of every
exercise (or sheet) any submission of the batch answers — so that the gradebook has the same
columns for all; an answer left out is `missing`. A file that cannot be read still gets a report
saying why.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from ..text import Text
from .verdict import Report

MAX_FILE_BYTES = 2_000_000
SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class Submission:
    """A submission file as read: who, which variant, and the answers by full part id."""

    file: str
    student: str
    seed: int | None = None
    sheet: str | None = None
    answers: dict = field(default_factory=dict)
    unknown_parts: tuple[str, ...] = ()
    error: Text | None = None


def expand(paths: Sequence[str], exclude: Sequence[str] = ()) -> list[Path]:
    """Files given, and the submission files (.yaml, .yml, .json) under directories, sorted.

    Under a directory, hidden folders and the `exclude` folders (the grader's own output) are
    skipped, so that grading the same folder twice never grades its previous results.
    """
    skip = [Path(e).resolve() for e in exclude]
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
                              and not _skipped(p.relative_to(path), p.resolve(), skip)))
        else:
            out.append(path)
    return out


def _skipped(relative: Path, resolved: Path, skip: Sequence[Path]) -> bool:
    if any(part.startswith(".") for part in relative.parts[:-1]):
        return True
    return any(folder == resolved or folder in resolved.parents for folder in skip)


def _fail(path: Path, fr: str, en: str) -> Submission:
    return Submission(str(path), path.stem, error=Text(fr, en))


def read_submission(path: Path) -> Submission:
    """Read one file; never raises for a bad file (the error is in the `Submission`)."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return _fail(path, f"fichier trop gros ({size} octets)", f"file too large ({size} bytes)")
        raw = path.read_bytes().decode("utf-8")
    except OSError as exc:
        return _fail(path, f"fichier illisible ({exc.strerror})", f"file cannot be read ({exc.strerror})")
    except UnicodeDecodeError:
        return _fail(path, "fichier non UTF-8", "file is not UTF-8")
    try:
        data = _load(path, raw)
    except ValueError as exc:
        return _fail(path, f"format invalide : {exc}", f"invalid format: {exc}")
    return _interpret(path, data)


def _load(path: Path, raw: str) -> Any:
    import yaml

    if path.suffix.lower() == ".json":
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValueError(f"JSON line {exc.lineno}: {exc.msg}") from None
    try:
        return yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        raise ValueError(f"YAML {where}{getattr(exc, 'problem', None) or 'syntax error'}") from None


def _interpret(path: Path, data: Any) -> Submission:
    if not isinstance(data, dict):
        return _fail(path, "le fichier doit contenir un dictionnaire (student, seed, answers)",
                     "the file must hold a mapping (student, seed, answers)")
    if "answers" not in data and "sheet" not in data:
        return _fail(path, "pas une copie : ni « answers » ni « sheet » (un fichier de résultats ?)",
                     "not a submission: neither 'answers' nor 'sheet' (a results file?)")
    answers = data.get("answers")
    if answers is None:
        answers = {}
    if not isinstance(answers, dict):
        return _fail(path, "« answers » doit être un dictionnaire partie -> réponse",
                     "'answers' must be a mapping part -> answer")
    seed = data.get("seed")
    if isinstance(seed, str) and re.fullmatch(r"\d{1,9}", seed.strip()):
        seed = int(seed)
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 10**9):
        return _fail(path, f"« seed » doit être un entier positif (reçu {seed!r})",
                     f"'seed' must be a non-negative integer (got {seed!r})")
    student = data.get("student")
    student = str(student).strip() if student not in (None, "") else path.stem
    sheet = data.get("sheet")
    known, unknown = _resolve(answers)
    return Submission(str(path), student[:100], seed, str(sheet) if sheet else None, known, tuple(unknown))


def _resolve(answers: dict) -> tuple[dict, list[str]]:
    """Answers by canonical part id (aliases resolved); ids that name no part."""
    from .. import registry
    from ..errors import UnknownExercise

    known: dict = {}
    unknown: list[str] = []
    for raw_id, value in answers.items():
        ex_name, _, part_id = str(raw_id).strip().rpartition("/")
        try:
            exercise = registry.get(ex_name)
            exercise.part(part_id)
        except (UnknownExercise, KeyError):
            unknown.append(str(raw_id))
            continue
        known[f"{exercise.id}/{part_id}"] = answer_text(value)
    return known, sorted(unknown)


def answer_text(value: Any) -> str | None:
    """A YAML/JSON value as the text of an answer (None: no answer).

    >>> answer_text(True), answer_text(0.874), answer_text([[1, 2], [3, 4]]), answer_text(None)
    ('yes', '0.874', '[[1, 2], [3, 4]]', None)
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(answer_text(v) or "" for v in value) + "]"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def parts_to_grade(submissions: Sequence[Submission]) -> list[tuple[str, str]]:
    """(exercise id, part id) of every exercise any submission answers (or whose sheet it names),
    in catalogue order."""
    from .. import registry

    wanted = set()
    for sub in submissions:
        if sub.error:
            continue
        wanted.update(pid.rpartition("/")[0] for pid in sub.answers)
        if sub.sheet:
            wanted.update(e.id for e in registry.by_sheet(sub.sheet))
    return [(e.id, p.id) for e in registry.all_exercises() if e.id in wanted for p in e.parts]


def grade_submissions(submissions: Sequence[Submission], run: Callable[[list], list]) -> list[Report]:
    """Grade every readable submission on the batch's parts; `run(tasks)` checks the answers
    (a `worker.CheckerPool.run`)."""
    parts = parts_to_grade(submissions)
    tasks, owners = [], []
    for n, sub in enumerate(submissions):
        if sub.error:
            continue
        for ex_id, part_id in parts:
            tasks.append((ex_id, sub.seed, part_id, sub.answers.get(f"{ex_id}/{part_id}")))
            owners.append(n)
    verdicts = run(tasks)
    from .follow import follow_through  # follow-through credit (solver/grading/follow.py)
    verdicts = follow_through(tasks, verdicts, owners)
    by_sub: dict[int, list] = {}
    for n, verdict in zip(owners, verdicts):
        by_sub.setdefault(n, []).append(verdict)
    reports = []
    for n, sub in enumerate(submissions):
        reports.append(Report(sub.student, sub.file, sub.seed, tuple(by_sub.get(n, ())), sub.error, sub.unknown_parts))
    return reports


def unique_names(reports: Sequence[Report]) -> list[str]:
    """A safe, unique file name per report (``alice``, ``alice-2`` when two files say alice).

    >>> unique_names([Report("al ice", "a.yaml"), Report("al ice", "b.yaml"), Report("../x", "c.yaml")])
    ['al_ice', 'al_ice-2', 'x']
    """
    seen: dict[str, int] = {}
    out = []
    for r in reports:
        name = re.sub(r"[^\w.-]", "_", r.student).strip("._") or "student"
        count = seen.get(name, 0) + 1
        seen[name] = count
        out.append(name if count == 1 else f"{name}-{count}")
    return out


def grade_paths(paths: Sequence[str], jobs: int = 1, timeout: float = 3.0,
                progress: Callable[[int, int], None] | None = None, exclude: Sequence[str] = ()) -> list[Report]:
    """Read and grade every submission file under `paths` in `jobs` worker processes;
    reports sorted by file."""
    from .output import sorted_reports
    from .worker import CheckerPool

    submissions = [read_submission(p) for p in expand(paths, exclude)]
    total = len(parts_to_grade(submissions)) * sum(1 for s in submissions if not s.error)
    with CheckerPool(jobs=max(1, min(jobs, total // 20 + 1)), timeout=timeout) as pool:
        def run(tasks):
            return pool.run(tasks, (lambda done: progress(done, len(tasks))) if progress else None)
        return sorted_reports(grade_submissions(submissions, run))
