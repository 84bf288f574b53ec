"""Sheet folders: the built-in ones (sub-packages of `exercises`) and those of a course folder.

A sheet folder holds a `sheet.yaml`, exercise modules (Python files that assign ``EXERCISES`` at
the top level) and model exercises (every other ``*.yaml`` / ``*.yml`` file). Other Python files
(a network a model exercise uses, helpers) are not imported here. A course's modules are loaded
from their files under unique module names; a module that fails to import, or a malformed file,
is a one-line `UsageError` naming the file — never a traceback.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import os
import pkgutil
from dataclasses import dataclass
from pathlib import Path

from solver.core.errors import UsageError
from solver.core.modules import import_file, one_line
from solver.core.sheetfile import SHEET_FILE
from solver.core.text import Text


@dataclass(frozen=True)
class SheetFolder:
    path: str
    package: str | None = None  # the package name of a built-in sheet (None: a course's folder)


def builtin_folders() -> list[SheetFolder]:
    """Every sub-package of `exercises` that declares its sheet."""
    import exercises

    out = []
    for base in exercises.__path__:
        for info in pkgutil.iter_modules([base]):
            path = os.path.join(base, info.name)
            if info.ispkg and os.path.isfile(os.path.join(path, SHEET_FILE)):
                out.append(SheetFolder(path, f"exercises.{info.name}"))
    return sorted(out, key=lambda f: f.path)


def notebook_recipes() -> dict:
    """The built-in exercises' notebook recipes (`exercises/notebook_recipes.py`), by exercise id."""
    return importlib.import_module("exercises.notebook_recipes").RECIPES


def course_folders(course: str) -> list[SheetFolder]:
    """The sheet folders of a course: DIR itself when it has a `sheet.yaml`, and its sub-folders that do."""
    if not os.path.isdir(course):
        raise UsageError(Text(f"--course : le dossier {course} n'existe pas",
                              f"--course: the folder {course} does not exist"))
    found = [SheetFolder(course)] if os.path.isfile(os.path.join(course, SHEET_FILE)) else []
    for entry in sorted(os.scandir(course), key=lambda e: e.name):
        if entry.is_dir() and os.path.isfile(os.path.join(entry.path, SHEET_FILE)):
            found.append(SheetFolder(entry.path))
    if not found:
        raise UsageError(Text(f"--course : aucun dossier de feuille (avec {SHEET_FILE}) dans {course}",
                              f"--course: no sheet folder (with a {SHEET_FILE}) in {course}"))
    return found


def folder_exercises(folder: SheetFolder, sheet) -> list:
    """[(exercise, file it comes from)] of the folder of `sheet`, every exercise checked to be of that sheet."""
    items = []
    for module, path in _modules(folder):
        exercises = getattr(module, "EXERCISES", None)
        if exercises is None:
            continue
        items += [(ex, path) for ex in _checked(exercises, path, sheet.id)]
    for path in _model_files(folder.path):
        from solver.analyze.model_exercise import load_model_exercise

        items.append((load_model_exercise(path, sheet.id), str(path)))
    return items


def _checked(exercises, path: str, sheet_id: str) -> list:
    from solver.core.exercise import Exercise

    if not isinstance(exercises, (tuple, list)) or not all(isinstance(e, Exercise) for e in exercises):
        raise UsageError(Text(f"{path} : EXERCISES doit être un tuple d'objets Exercise",
                              f"{path}: EXERCISES must be a tuple of Exercise objects"))
    for ex in exercises:
        if ex.sheet != sheet_id:
            raise UsageError(Text(
                f"{path} : l'exercice « {ex.id} » déclare la feuille « {ex.sheet} », mais son dossier est celui "
                f"de « {sheet_id} » ({SHEET_FILE})",
                f"{path}: the exercise '{ex.id}' declares the sheet '{ex.sheet}', but its folder is that of "
                f"'{sheet_id}' ({SHEET_FILE})"))
    return list(exercises)


def _modules(folder: SheetFolder):
    """(module, file) of the folder's exercise modules, in file-name order."""
    if folder.package is not None:
        package = importlib.import_module(folder.package)
        for info in sorted(pkgutil.walk_packages(package.__path__, folder.package + "."), key=lambda i: i.name):
            if not info.ispkg:
                module = importlib.import_module(info.name)
                yield module, getattr(module, "__file__", info.name)
        return
    for path in sorted(Path(folder.path).glob("*.py")):
        if _declares_exercises(path):
            yield import_file(path), str(path)


def _declares_exercises(path: Path) -> bool:
    """Whether a Python file assigns ``EXERCISES`` at its top level (read, not run)."""
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (OSError, SyntaxError, ValueError) as exc:
        raise UsageError(Text(f"{path} : ne peut pas être lu ({one_line(exc)})",
                              f"{path}: cannot be read ({one_line(exc)})")) from None
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else []
        if any(isinstance(t, ast.Name) and t.id == "EXERCISES" for t in targets):
            return True
    return False


def _model_files(folder: str) -> list[Path]:
    files = [p for ext in ("*.yaml", "*.yml") for p in Path(folder).glob(ext) if p.name != SHEET_FILE]
    return sorted(files)


