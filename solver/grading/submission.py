"""Submission files in, `Report`s out.

A submission is YAML (read with ``yaml.safe_load`` only) or JSON::

    student: alice          # optional; defaults to the file name without extension
    seed: 12                # optional; the variant this student received
    sheet: td2              # optional; the sheet graded (else the sheet(s) of the answers)
    answers:
      td2.II.1/o: "floor((i + 2p - k)/s) + 1"

An exercise may be named by an alias (``conv-output-size/o``). YAML turns some unquoted answers
into numbers, booleans or lists: they are turned back into text (``yes`` -> "yes", ``[[1, 2]]`` ->
"[[1, 2]]"). A submission is graded on every part of its sheet (the file's `sheet`, else the
sheet(s) its answers belong to), so that its score is out of the whole sheet whatever else is in
the batch; an answer left out is `missing`. A file without a seed is graded on the sheet's own
values, unless a class roster (`roster.py`, ``grade --keys``) gives its seed. A file that cannot
be read still gets a report saying why.
"""

from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from solver.core.text import Text

from .verdict import Report

MAX_FILE_BYTES = 2_000_000
SUFFIXES = (".yaml", ".yml", ".json")
# Bounds on the document itself, aliases expanded, checked while it is composed, before any
# of it is turned into text: a few kB of YAML aliases can otherwise stand for gigabytes.
MAX_DEPTH = 40
MAX_NODES = 200_000
MAX_CHARS = 4_000_000


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
    flags: tuple[str, ...] = ()  # see roster.FLAGS


class Unreadable(Exception):
    """Why one file cannot be read (a one-line bilingual reason)."""

    def __init__(self, reason: Text):
        super().__init__(reason.en)
        self.reason = reason


def expand(paths: Sequence[str], exclude: Sequence[str] = ()) -> list[Path]:
    """Files given, and the submission files (.yaml, .yml, .json) under directories, sorted.

    Under a directory, hidden folders and the `exclude` folders (the grader's own output) are
    skipped, so that grading the same folder twice never grades its previous results; links
    to folders are not followed. Every other entry with a submission suffix is listed, also
    a link, a FIFO or a broken link, so that it gets its gradebook row saying why it is not read.
    """
    return [path for path, _ in _sources(paths, exclude)]


def _sources(paths: Sequence[str], exclude: Sequence[str] = ()) -> list[tuple[Path, Path | None]]:
    """(file, the folder it was found under or None when given itself), each file once."""
    skip = {os.path.abspath(e) for e in exclude} | {os.path.realpath(e) for e in exclude}
    out: dict[str, tuple[Path, Path | None]] = {}
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            root = path.resolve()
            for found in sorted(_walk(path, skip)):
                out.setdefault(os.path.abspath(found), (found, root))
        else:
            out.setdefault(os.path.abspath(path), (path, None))
    return list(out.values())


def _walk(top: Path, skip: set[str]) -> list[Path]:
    found, folders = [], [top]
    while folders:
        folder = folders.pop()
        if os.path.abspath(folder) in skip or os.path.realpath(folder) in skip:
            continue
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if not entry.name.startswith("."):
                    folders.append(Path(entry.path))
            elif os.path.splitext(entry.name)[1].lower() in SUFFIXES:
                found.append(Path(entry.path))
    return found


def _fail(path: Path, fr: str, en: str) -> Submission:
    return Submission(str(path), path.stem, error=Text(fr, en))


def read_submission(path: Path, root: Path | None = None) -> Submission:
    """Read one file (found under the folder `root`, if any); never raises: whatever goes
    wrong with this file is the `Submission`'s error, one line."""
    try:
        raw = read_text(path, root)
        return _interpret(path, _load(path, raw))
    except Unreadable as exc:
        return Submission(str(path), path.stem, error=exc.reason)
    except RecursionError:
        return _fail(path, "fichier trop imbriqué", "file nested too deeply")
    except MemoryError:
        return _fail(path, "fichier trop gros une fois lu", "file too large once read")
    except Exception as exc:  # one bad file never stops the batch: say which error it was
        name = type(exc).__name__
        return _fail(path, f"fichier illisible ({name})", f"file cannot be read ({name})")


def read_text(path: Path, root: Path | None = None) -> str:
    """The UTF-8 text of a regular file of at most `MAX_FILE_BYTES` bytes. The file is opened
    without blocking (a FIFO never hangs), then checked on the open descriptor: a regular file,
    its size, and, under a folder, that its real path stays in that folder."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        if os.path.islink(path) and not os.path.exists(path):
            raise Unreadable(Text("lien cassé", "broken link")) from None
        raise Unreadable(Text(f"fichier illisible ({exc.strerror})", f"file cannot be read ({exc.strerror})")) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Unreadable(Text("pas un fichier ordinaire (dossier, tube, périphérique…)",
                                  "not a regular file (folder, pipe, device…)"))
        if root is not None and not _inside(_real_path(fd, path), root):
            raise Unreadable(Text("lien vers un fichier hors du dossier corrigé",
                                  "link to a file outside the graded folder"))
        data = _read_at_most(fd, MAX_FILE_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:
        raise Unreadable(Text(f"fichier trop gros (plus de {MAX_FILE_BYTES} octets)",
                              f"file too large (more than {MAX_FILE_BYTES} bytes)"))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise Unreadable(Text("fichier non UTF-8", "file is not UTF-8")) from None


def _read_at_most(fd: int, limit: int) -> bytes:
    chunks, size = [], 0
    while size < limit:
        chunk = os.read(fd, min(1 << 20, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _real_path(fd: int, path: Path) -> str:
    """Where the open file really is (Linux: from the descriptor itself, so no link can be
    swapped between the check and the read)."""
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return os.path.realpath(path)


def _inside(real: str, root: Path) -> bool:
    return Path(real) == root or root in Path(real).parents


def _load(path: Path, raw: str) -> Any:
    """The document, within `MAX_DEPTH`, `MAX_NODES` and `MAX_CHARS` (else `Unreadable`)."""
    import yaml

    if path.suffix.lower() == ".json":
        _check_json_depth(raw)
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise Unreadable(Text(f"format invalide : JSON ligne {exc.lineno} : {exc.msg}",
                                  f"invalid format: JSON line {exc.lineno}: {exc.msg}")) from None
        _check_size(data)
        return data
    try:
        loader = _BoundedLoader(raw)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        problem = " ".join(str(getattr(exc, "problem", None) or "syntax error").split())[:120]
        raise Unreadable(Text(f"format invalide : YAML {where}{problem}",
                              f"invalid format: YAML {where}{problem}")) from None


def _too_big(what: Text) -> Unreadable:
    return Unreadable(Text("document trop gros ou trop imbriqué : ", "document too large or nested too deeply: ") + what)


DEPTH = Text(f"plus de {MAX_DEPTH} niveaux", f"more than {MAX_DEPTH} levels")
NODES = Text(f"plus de {MAX_NODES} valeurs (alias développés)", f"more than {MAX_NODES} values (aliases expanded)")
CHARS = Text(f"plus de {MAX_CHARS} caractères (alias développés)", f"more than {MAX_CHARS} characters (aliases expanded)")


def _check_json_depth(raw: str) -> None:
    """Nesting of a JSON text, counted on the text (strings skipped) before parsing it."""
    depth = 0
    for match in re.finditer(r'"(?:[^"\\]|\\.)*+"|[\[{\]}]', raw):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise _too_big(DEPTH)
        elif token in "]}":
            depth -= 1


def _check_size(data: Any) -> None:
    """Count the values and characters of a loaded document, stopping at the bounds."""
    nodes, chars, stack = 0, 0, [(data, 1)]
    while stack:
        value, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise _too_big(NODES)
        if depth > MAX_DEPTH:
            raise _too_big(DEPTH)
        if isinstance(value, dict):
            stack.extend((item, depth + 1) for pair in value.items() for item in pair)
        elif isinstance(value, (list, tuple, set)):
            stack.extend((item, depth + 1) for item in value)
        else:
            chars += len(value) if isinstance(value, (str, bytes)) else 1
            if chars > MAX_CHARS:
                raise _too_big(CHARS)


def _bounded_loader_class():
    import yaml

    class BoundedLoader(yaml.SafeLoader):
        """`yaml.SafeLoader` that measures every node as it is composed: depth, and values and
        characters with aliases expanded (memoised per node, so measuring costs no expansion)."""

        def __init__(self, stream):
            super().__init__(stream)
            self.depth = 0
            self.measured: dict[int, tuple[int, int, int]] = {}  # id(node) -> nodes, chars, height

        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                target = self.anchors.get(self.peek_event().anchor)
                if target is not None and id(target) not in self.measured:
                    raise _too_big(Text("alias récursif", "recursive alias"))
                if target is not None and self.depth + self.measured[id(target)][2] > MAX_DEPTH:
                    raise _too_big(DEPTH)
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise _too_big(DEPTH)
            try:
                node = super().compose_node(parent, index)
            finally:
                self.depth -= 1
            if id(node) not in self.measured:
                self.measured[id(node)] = self.measure(node)
            return node

        def measure(self, node) -> tuple[int, int, int]:
            if isinstance(node, yaml.ScalarNode):
                return 1, len(node.value), 1
            children = node.value if isinstance(node, yaml.SequenceNode) else [n for pair in node.value for n in pair]
            sizes = [self.measured[id(child)] for child in children]
            nodes = 1 + sum(s[0] for s in sizes)
            chars = sum(s[1] for s in sizes)
            if nodes > MAX_NODES:
                raise _too_big(NODES)
            if chars > MAX_CHARS:
                raise _too_big(CHARS)
            return nodes, chars, 1 + max((s[2] for s in sizes), default=0)

    return BoundedLoader


def _BoundedLoader(raw: str):
    global _LOADER
    if _LOADER is None:
        _LOADER = _bounded_loader_class()
    return _LOADER(raw)


_LOADER = None


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
        got = " ".join(repr(seed)[:40].split())
        return _fail(path, f"« seed » doit être un entier positif (reçu {got})",
                     f"'seed' must be a non-negative integer (got {got})")
    student = data.get("student")
    student = str(student).strip() if student not in (None, "") else path.stem
    sheet = data.get("sheet")
    known, unknown = _resolve(answers)
    return Submission(str(path), student[:100], seed, str(sheet) if sheet else None, known, tuple(unknown))


def _resolve(answers: dict) -> tuple[dict, list[str]]:
    """Answers by canonical part id (aliases resolved); ids that name no part."""
    from solver.core.errors import UnknownExercise
    from solver.sheets import registry

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


def sheets_of(sub: Submission) -> tuple[str, ...]:
    """The sheet(s) a submission is graded on: its `sheet`, else those of the exercises it answers."""
    from solver.sheets import registry

    if sub.error:
        return ()
    if sub.sheet:
        return (sub.sheet,)
    return tuple(sorted({registry.get(pid.rpartition("/")[0]).sheet for pid in sub.answers}))


def parts_to_grade(sheets: Sequence[str]) -> list[tuple[str, str]]:
    """(exercise id, part id) of every exercise of these sheets, in catalogue order."""
    from solver.sheets import registry

    return [(e.id, p.id) for e in registry.all_exercises() if e.sheet in sheets for p in e.parts]


def tasks_of(submissions: Sequence[Submission]) -> tuple[list[tuple], list[int]]:
    """The checks to run, (exercise id, seed, part id, answer), and the submission each is for."""
    tasks, owners = [], []
    for n, sub in enumerate(submissions):
        for ex_id, part_id in parts_to_grade(sheets_of(sub)):
            tasks.append((ex_id, sub.seed, part_id, sub.answers.get(f"{ex_id}/{part_id}")))
            owners.append(n)
    return tasks, owners


def grade_submissions(submissions: Sequence[Submission], run: Callable[[list], list]) -> list[Report]:
    """Grade every readable submission on every part of its sheet(s) (`sheets_of`: the score is
    out of the whole sheet, whatever else is in the batch); `run(tasks)` checks the answers
    (a `worker.CheckerPool.run`), each distinct (exercise, seed, part, answer) once."""
    tasks, owners = tasks_of(submissions)
    distinct = list(dict.fromkeys(tasks))
    checked = dict(zip(distinct, run(distinct)))
    verdicts = [checked[task] for task in tasks]
    from .follow import follow_through  # follow-through credit (solver/grading/follow.py)

    verdicts = follow_through(tasks, verdicts, owners)
    by_sub: dict[int, list] = {}
    for n, verdict in zip(owners, verdicts):
        by_sub.setdefault(n, []).append(verdict)
    return [Report(sub.student, sub.file, sub.seed, tuple(by_sub.get(n, ())), sub.error, sub.unknown_parts,
                   sheet=", ".join(sheets_of(sub)) or None, flags=sub.flags)
            for n, sub in enumerate(submissions)]


def grade_paths(paths: Sequence[str], jobs: int = 1, timeout: float = 3.0,
                progress: Callable[[int, int], None] | None = None, exclude: Sequence[str] = (),
                roster=None) -> list[Report]:
    """Read and grade every submission file under `paths` in `jobs` worker processes, each
    student's variant decided by the `roster` when one is given (`roster.assign`); reports
    sorted by file."""
    from .output import sorted_reports
    from .roster import assign
    from .worker import CheckerPool

    submissions = assign([read_submission(path, root) for path, root in _sources(paths, exclude)], roster)
    total = len(set(tasks_of(submissions)[0]))
    with CheckerPool(jobs=max(1, min(jobs, total // 20 + 1)), timeout=timeout) as pool:
        def run(tasks):
            return pool.run(tasks, (lambda done: progress(done, len(tasks))) if progress else None)
        return sorted_reports(grade_submissions(submissions, run))
