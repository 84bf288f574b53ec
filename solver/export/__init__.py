"""Bridges to the tools a course already uses: Moodle and Jupyter.

- `moodle`: a Moodle XML question bank (numerical, multichoice, cloze and essay questions);
  `cloze` writes the embedded-answer syntax of cloze sub-questions; `html` turns the project's
  prose (text with `$…$` math) into HTML with TeX delimiters Moodle's filters read.
- `notebook`: a Jupyter notebook per sheet or exercise, whose code cells recompute the answers with
  PyTorch; `torch_code` holds, per exercise, the standalone torch code those cells run.

These modules read the engine (`solver.core.exercise`, `solver.render`, `solver.sheets.figures`,
the grader's `check_answer`) and never the other way round. (The grades CSV for Moodle's gradebook
is an output of the grader: `solver.grading.moodle_grades`.)

May import: every other part of `solver` (nothing imports `solver.export`).
"""

from __future__ import annotations

from solver.core.errors import UsageError
from solver.core.text import Text


def exercises_of(targets) -> list:
    """The exercises named by sheet ids or exercise ids (aliases work), in order, without repeats."""
    from solver.sheets import registry

    if not targets:
        raise UsageError(Text("donnez une feuille ou des identifiants d'exercices",
                              "give a sheet or exercise ids"))
    out = []
    for name in targets:
        found = registry.by_sheet(name) if name in registry.SHEETS else (registry.get(name),)
        out += [ex for ex in found if ex not in out]
    return out


def variant_seeds(exercise, seed: int | None, variants: int | None) -> list:
    """The seeds to export: the sheet's values (None) when no count is given, else seed..seed+n-1;
    an exercise without variants has only the sheet's values."""
    if variants is None:
        return [seed if exercise.parametrised else None]
    if not exercise.parametrised:
        return [None]
    start = 0 if seed is None else seed
    return list(range(start, start + variants))
