"""The class roster decides each student's variant (``tdsolver grade --keys DIR/keys.json``).

``keys.json`` is written by ``tdsolver sheet SHEET --class ROSTER.csv -o DIR`` (`solver.grading.classlist`):
``{"sheet": "td2", "students": [{"student": "<identifier>", "file": "<file stem>", "seed": N, …}]}``.
A submission is matched to its roster entry by its ``student`` (compared without case or
surrounding spaces), else by its file stem (the entry's ``file``); it is then graded against the
roster's seed, whatever its own says. What the matching found is reported as flags (`FLAGS`), the
same codes with or without a roster for the two that concern the file itself.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from solver.core.errors import WorkError
from solver.core.text import Text

from .submission import Submission

FLAGS = {
    "seed-mismatch": Text("la graine du fichier diffère de celle de la liste de classe : copie notée sur la variante "
                          "de la liste", "the file's seed differs from the class list's: graded on the class "
                          "list's variant"),
    "seed-from-roster": Text("pas de graine dans le fichier : variante prise dans la liste de classe",
                             "no seed in the file: variant taken from the class list"),
    "not-in-roster": Text("étudiant absent de la liste de classe", "student not in the class list"),
    "no-submission": Text("aucune copie rendue", "no submission handed in"),
    "unknown-parts": Text("des parties inconnues ont été ignorées", "unknown parts were ignored"),
    "unreadable-file": Text("fichier illisible : non noté", "file could not be read: not graded"),
    "duplicate-submission": Text("plusieurs copies pour cet étudiant dans le lot : chacune est notée, l'enseignant "
                                 "choisit (aucune note exportée vers Moodle)", "several submissions for this "
                                 "student in the batch: each is graded, the teacher chooses (no grade exported "
                                 "to Moodle)"),
}


@dataclass(frozen=True)
class Roster:
    """A class: its sheet and, per student, the identifier, file stem, seed and roster columns."""

    sheet: str
    students: tuple[dict, ...]

    def find(self, sub: Submission) -> dict | None:
        """The roster entry of a submission: by `student`, else by file stem."""
        wanted = _key(sub.student)
        for entry in self.students:
            if _key(entry["student"]) == wanted:
                return entry
        stem = _key(Path(sub.file).stem)
        for entry in self.students:
            if _key(entry.get("file", "")) == stem:
                return entry
        return None


def _key(name) -> str:
    return str(name).strip().casefold()


def load_roster(path: str) -> Roster:
    """Read ``keys.json``; a bad file is a `WorkError` saying what is wrong and where."""
    from solver.sheets import registry

    def bad(fr: str, en: str) -> WorkError:
        return WorkError(Text(f"{path} : {fr}", f"{path}: {en}"))

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise bad(f"illisible ({exc.strerror})", f"cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise bad("pas en UTF-8", "not UTF-8") from None
    except json.JSONDecodeError as exc:
        raise bad(f"JSON invalide ligne {exc.lineno} : {exc.msg}", f"invalid JSON line {exc.lineno}: {exc.msg}") from None
    if not isinstance(data, dict) or not isinstance(data.get("students"), list) or not isinstance(data.get("sheet"), str):
        raise bad("attendu {\"sheet\": …, \"students\": [...]} (écrit par sheet --class)",
                  "expected {\"sheet\": …, \"students\": [...]} (written by sheet --class)")
    if not registry.by_sheet(data["sheet"]):
        raise bad(f"feuille inconnue « {data['sheet']} »", f"unknown sheet '{data['sheet']}'")
    students = []
    for n, entry in enumerate(data["students"], 1):
        seed = entry.get("seed") if isinstance(entry, dict) else None
        if not isinstance(entry, dict) or not str(entry.get("student", "")).strip() or isinstance(seed, bool) \
                or not isinstance(seed, int) or not 0 <= seed < 10**9:
            raise bad(f"étudiant n° {n} : « student » et « seed » (entier positif) sont requis",
                      f"student #{n}: 'student' and 'seed' (a non-negative integer) are required")
        students.append({**entry, "student": str(entry["student"]).strip(), "file": str(entry.get("file", ""))})
    return Roster(data["sheet"], tuple(students))


def file_flags(sub: Submission) -> tuple[str, ...]:
    """The flags a submission carries by itself (no roster needed)."""
    return (("unreadable-file",) if sub.error else ()) + (("unknown-parts",) if sub.unknown_parts else ())


def assign(submissions: Sequence[Submission], roster: Roster | None) -> list[Submission]:
    """Every submission with its seed, sheet and flags decided (the roster's seed wins), then one
    empty submission per roster student who handed nothing in (flag ``no-submission``). Two files
    or more matched to one student are all graded and all flagged ``duplicate-submission``."""
    if roster is None:
        return [replace(s, flags=file_flags(s)) for s in submissions]
    out, seen = [], []
    for sub in submissions:
        entry = roster.find(sub)  # an unreadable file is matched by its stem
        if entry is None:
            out.append(replace(sub, flags=(() if sub.error else ("not-in-roster",)) + file_flags(sub)))
            continue
        seen.append(entry["student"])
        flag = () if sub.seed == entry["seed"] or sub.error else \
            ("seed-from-roster",) if sub.seed is None else ("seed-mismatch",)
        out.append(replace(sub, student=entry["student"], seed=entry["seed"], sheet=sub.sheet or roster.sheet,
                           flags=flag + file_flags(sub)))
    twice = {name for name in seen if seen.count(name) > 1}
    out = [replace(s, flags=("duplicate-submission",) + s.flags) if s.student in twice else s for s in out]
    for entry in roster.students:
        if entry["student"] not in seen:
            out.append(Submission(file="", student=entry["student"], seed=entry["seed"], sheet=roster.sheet,
                                  flags=("no-submission",)))
    return out
