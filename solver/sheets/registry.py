"""Find sheets and exercises: the built-in ones, and those of a teacher's course folder.

A sheet is a folder with a `sheet.yaml` (`solver.core.sheetfile`); its exercises are the modules of
that folder that define ``EXERCISES`` and its model-exercise YAML files (`solver.analyze.model_exercise`).
Built-in sheets are the sub-packages of the `exercises` package; a course folder (``--course DIR``
or the environment variable ``TDSOLVER_COURSE``) adds its own, loaded from their files. Exercise
modules import SymPy only inside their functions, so discovering them all is cheap.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from functools import lru_cache

from solver.core.errors import UnknownExercise, UsageError
from solver.core.exercise import Exercise
from solver.core.sheetfile import Sheet
from solver.core.text import Text

COURSE_ENV = "TDSOLVER_COURSE"


def course_dir() -> str | None:
    """The course folder in use (absolute), or None."""
    folder = os.environ.get(COURSE_ENV, "").strip()
    return os.path.abspath(folder) if folder else None


@dataclass(frozen=True)
class Catalogue:
    sheets: dict          # sheet id -> Sheet, in catalogue order
    exercises: tuple      # every Exercise, in catalogue order
    index: dict           # id or alias -> Exercise


@lru_cache(maxsize=None)
def _catalogue(course: str | None) -> Catalogue:
    from solver.sheets.course import builtin_folders, course_folders

    found = _Found()
    for folder in builtin_folders():
        found.add_folder(folder)
    if course is not None:
        for folder in course_folders(course):
            found.add_folder(folder)
    return found.catalogue()


def catalogue() -> Catalogue:
    return _catalogue(course_dir())


class _Found:
    """Sheets and exercises gathered folder by folder, with the file each came from (for errors)."""

    def __init__(self):
        self.sheets: dict[str, Sheet] = {}
        self.exercises: list[Exercise] = []
        self.origin: dict[str, str] = {}  # id or alias -> file

    def add_folder(self, folder) -> None:
        from solver.core.sheetfile import read_sheet
        from solver.sheets.course import folder_exercises

        sheet = read_sheet(folder.path)
        if sheet.id in self.sheets:
            where, other = folder.path, self.sheets[sheet.id].folder
            raise UsageError(Text(f"{where} : la feuille « {sheet.id} » existe déjà ({other})",
                                  f"{where}: the sheet '{sheet.id}' already exists ({other})"))
        self.sheets[sheet.id] = sheet
        items = folder_exercises(folder, sheet)
        for ex, path in items:
            for name in (ex.id, *ex.aliases):
                if name in self.origin:
                    raise UsageError(Text(f"{path} : l'identifiant « {name} » est déjà défini dans {self.origin[name]}",
                                          f"{path}: the id '{name}' is already defined in {self.origin[name]}"))
                self.origin[name] = path
            self.exercises.append(ex)
        missing = [i for i in sheet.order if not any(e.id == i and e.sheet == sheet.id for e in self.exercises)]
        if missing:
            from solver.core.sheetfile import SHEET_FILE, sheet_error

            raise sheet_error(os.path.join(sheet.folder, SHEET_FILE), "order",
                              f"« {missing[0]} » n'est pas un exercice de cette feuille",
                              f"'{missing[0]}' is not an exercise of this sheet")

    def catalogue(self) -> Catalogue:
        sheets = dict(sorted(self.sheets.items(), key=lambda kv: kv[1].catalogue_key))
        rank = {s: n for n, s in enumerate(sheets)}

        def key(ex: Exercise) -> tuple:
            order = sheets[ex.sheet].order
            position = order.index(ex.id) if ex.id in order else len(order)
            return (rank[ex.sheet], position, _id_key(ex.id))

        exercises = tuple(sorted(self.exercises, key=key))
        index = {name: ex for ex in exercises for name in (ex.id, *ex.aliases)}
        return Catalogue(sheets, exercises, index)


def all_exercises() -> tuple[Exercise, ...]:
    """Every exercise, in catalogue order (sheet, then the sheet's `order`, then its numbering)."""
    return catalogue().exercises


def sheets() -> dict:
    """Every sheet (id -> `Sheet`), in catalogue order."""
    return catalogue().sheets


def __getattr__(name: str):
    if name == "SHEETS":  # the sheet ids, as a tuple (kept for the callers of the former constant)
        return tuple(sheets())
    raise AttributeError(name)


_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8}


def _id_key(ex_id: str) -> tuple:
    """Numbers compared as numbers, Roman numerals as their value.

    >>> sorted(["s.10", "s.9", "s.III.1", "s.1b", "s.1"], key=_id_key)
    ['s.1', 's.1b', 's.III.1', 's.9', 's.10']
    """
    key = []
    for piece in ex_id.split(".")[1:]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        if piece in _ROMAN:
            key.append((_ROMAN[piece], ""))
        elif digits and piece.startswith(digits):
            key.append((int(digits), piece[len(digits):]))
        else:
            key.append((10_000, piece))
    return tuple(key)


def get(name: str) -> Exercise:
    """The exercise with this id or alias; `UnknownExercise` lists the closest names."""
    table = catalogue().index
    if name in table:
        return table[name]
    close = difflib.get_close_matches(name, list(table), n=3, cutoff=0.5)
    raise UnknownExercise(name, close)


def get_sheet(sheet_id: str) -> Sheet:
    """The sheet with this id; a `UsageError` listing the sheets otherwise."""
    known = sheets()
    if sheet_id not in known:
        names = ", ".join(known)
        raise UsageError(Text(f"feuille inconnue « {sheet_id} » (feuilles : {names})",
                              f"unknown sheet '{sheet_id}' (sheets: {names})"))
    return known[sheet_id]


def by_sheet(sheet: str) -> tuple[Exercise, ...]:
    return tuple(e for e in all_exercises() if e.sheet == sheet)
