"""Find exercises by id or alias.

Exercise modules live in the `exercises` package (one sub-package per sheet). They import
SymPy only inside their functions, so discovering them all is cheap.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
from functools import lru_cache

from .core import Exercise
from .errors import UnknownExercise

SHEETS = ("td2", "devoir", "tp-cnn", "cours-intro", "cours-cnn")


@lru_cache(maxsize=None)
def all_exercises() -> tuple[Exercise, ...]:
    """Every exercise, in catalogue order (sheet, then the numbering of the sheet)."""
    import exercises

    found: list[Exercise] = []
    for info in pkgutil.walk_packages(exercises.__path__, "exercises."):
        if info.ispkg:
            continue
        module = importlib.import_module(info.name)
        found.extend(getattr(module, "EXERCISES", ()))
    ids = [e.id for e in found]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise RuntimeError(f"exercise ids defined twice: {sorted(duplicates)}")
    return tuple(sorted(found, key=catalogue_key))


def catalogue_key(ex: Exercise) -> tuple:
    """Sort key: sheet order, then numbers compared as numbers (td2.II.1 < td2.II.2 < td2.III.1).

    >>> from solver.text import Text
    >>> sorted(["tp-cnn.10", "tp-cnn.9", "tp-cnn.1"], key=lambda i: _id_key(i))
    ['tp-cnn.1', 'tp-cnn.9', 'tp-cnn.10']
    """
    sheet_rank = SHEETS.index(ex.sheet) if ex.sheet in SHEETS else len(SHEETS)
    return (sheet_rank, _id_key(ex.id))


_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8}


def _id_key(ex_id: str) -> tuple:
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


@lru_cache(maxsize=None)
def _index() -> dict[str, Exercise]:
    table: dict[str, Exercise] = {}
    for ex in all_exercises():
        for name in (ex.id, *ex.aliases):
            if name in table:
                raise RuntimeError(f"name {name!r} given to {table[name].id} and {ex.id}")
            table[name] = ex
    return table


def get(name: str) -> Exercise:
    """The exercise with this id or alias; `UnknownExercise` lists the closest names."""
    table = _index()
    if name in table:
        return table[name]
    close = difflib.get_close_matches(name, list(table), n=3, cutoff=0.5)
    raise UnknownExercise(name, close)


def by_sheet(sheet: str) -> tuple[Exercise, ...]:
    return tuple(e for e in all_exercises() if e.sheet == sheet)
