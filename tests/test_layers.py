"""solver/ is layered: each subpackage imports only what its docstring's "May import:" line names.

Every import counts, at module level or inside a function: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

SOLVER = Path(__file__).resolve().parent.parent / "solver"
PACKAGES = sorted(p.name for p in SOLVER.iterdir() if (p / "__init__.py").is_file())
# the registry finds the built-in sheets in the `exercises` package: the engine's one way into it
EXERCISES_ALLOWED = {"solver/sheets/course.py"}


def allowed(package: str) -> set[str]:
    """The subpackages a package's docstring allows it to import (itself included)."""
    doc = importlib.import_module(f"solver.{package}").__doc__ or ""
    line = doc.split("May import:", 1)
    assert len(line) == 2, f"solver/{package}/__init__.py: its docstring has no 'May import:' line"
    declared = line[1].split("\n\n", 1)[0]
    if "every other part of `solver`" in declared:
        return set(PACKAGES)
    return {package} | set(re.findall(r"`solver\.(\w+)`", declared))


def imports(path: Path, package: str | None = None) -> list[tuple[int, str]]:
    """(line, absolute module) of every import in a file of solver/, relative ones resolved."""
    package = package or ".".join(path.relative_to(SOLVER.parent).with_suffix("").parts[:-1])
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names = [f"{module}.{a.name}" for a in node.names] if module == "solver" else [module]
            out += [(node.lineno, m) for m in names]
        elif isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
    return out


def test_every_module_of_solver_is_in_a_subpackage():
    loose = [p.name for p in SOLVER.glob("*.py") if p.name != "__init__.py"]
    assert loose == [], f"modules outside the subpackages: {loose}"


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_follow_the_declared_direction(package):
    may = allowed(package)
    wrong = []
    for path in sorted((SOLVER / package).rglob("*.py")):
        where = path.relative_to(SOLVER.parent).as_posix()
        for line, module in imports(path):
            top = module.split(".")
            if top[0] == "solver" and len(top) > 1 and top[1] not in may:
                wrong.append(f"{where}:{line} imports {module}")
            if top[0] == "exercises" and where not in EXERCISES_ALLOWED:
                wrong.append(f"{where}:{line} imports {module}")
    assert wrong == [], "\n".join(wrong)


def test_the_direction_is_a_strict_order():
    """No two subpackages may import each other: the declarations form a layering."""
    may = {p: allowed(p) - {p} for p in PACKAGES}
    both = [(a, b) for a in PACKAGES for b in may[a] if a in may.get(b, set())]
    assert both == []


def test_the_check_sees_a_wrong_import(tmp_path):
    """The checker itself: a lazy upward import in a function is found."""
    fake = tmp_path / "probe.py"
    fake.write_text("def f():\n    from ...grading import check\n", encoding="utf-8")
    assert [m for _, m in imports(fake, "solver.maths.sub")] == ["solver.grading"]
    assert "grading" not in allowed("maths")
