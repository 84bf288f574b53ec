"""The engine names no sheet and no exercise: those belong to the sheets' own folders.

Every string constant of solver/ (and cli.py) that is not a docstring is matched against the
catalogue's sheet ids and exercise ids/aliases. Docstrings (doctests included) may name them.
"""

import ast
import pathlib
import re

from solver.sheets import registry

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _docstrings(tree) -> set:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                out.add(id(body[0].value))
    return out


def _constants(path: pathlib.Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            yield node.lineno, node.value


def _pattern():
    # aliases that are also ordinary words of the field (`conv1d` is torch's too) are left out
    names = {e.id for e in registry.all_exercises()} | {a for e in registry.all_exercises() for a in e.aliases
                                                        if "-" in a or "." in a}
    sheets = set(registry.sheets())
    # an exercise id or alias as a whole token; a sheet id alone, or opening an id ("td2.…")
    words = sorted(names, key=len, reverse=True)
    token = r"(?<![\w.-])(?:" + "|".join(map(re.escape, words)) + r")(?![\w-])"
    sheet = r"^\s*(?:" + "|".join(map(re.escape, sheets)) + r")\s*$|(?<![\w.-])(?:" + \
        "|".join(map(re.escape, sheets)) + r")\.[A-Za-z0-9]"
    return re.compile(token + "|" + sheet)


def offenders():
    pattern = _pattern()
    files = sorted((ROOT / "solver").rglob("*.py")) + [ROOT / "cli.py"]
    return [f"{p.relative_to(ROOT)}:{line}: {value[:60]!r}" for p in files for line, value in _constants(p)
            if pattern.search(value)]


def test_the_scan_finds_an_id():
    pattern = _pattern()
    some = registry.all_exercises()[0]
    assert pattern.search(f"see {some.id} for that")
    assert pattern.search(some.sheet)
    assert not pattern.search("a sentence that names no sheet")


def test_no_sheet_or_exercise_id_outside_docstrings():
    assert offenders() == []
