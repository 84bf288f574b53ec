"""What one answer is graded against: a `Question`.

A question is a part of an exercise with its key, the parameters the key was computed with and
the reading context of the names the key uses (`build.Context`). `question_of` gives a variant's
question (cached per process); `general_question` the same part solved with some parameters
left as symbols, the general key a formula answered for a numeric variant is graded against.

>>> q = question_of("td2.II.1", None, "o")
>>> q.address, q.asked, q.general
('td2.II.1/o', 'expr', False)
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import sympy as sp

from solver.core.exercise import Exercise, Part
from solver.core.params import Params

from .build import Context


@dataclass(frozen=True)
class Question:
    """One part as it is graded: `key` and `params` of the variant (or of the general key),
    `context` the names the key uses (None for ``choice`` and ``text`` parts, not read by the
    parser); `asked` the kind the exercise asks for, `part.kind` the kind compared (``expr``
    for the general key of an ``int`` or ``number`` part: a formula is compared as a formula);
    `address` the part as it was asked for (``<exercise id or alias>/<part id>``)."""

    exercise: Exercise
    params: Params
    part: Part
    key: Any
    context: Context | None
    asked: str
    address: str
    general: bool = False


@lru_cache(maxsize=512)
def solved(exercise_id: str, seed: int | None):
    """The exercise, its parameters for this seed and its solution (cached per process)."""
    from solver.sheets import registry

    exercise = registry.get(exercise_id)
    params = exercise.make_params(seed if exercise.parametrised else None)
    return exercise, params, exercise.run(params)


@lru_cache(maxsize=2048)
def question_of(exercise_id: str, seed: int | None, part_id: str) -> Question:
    """The question of one part of a variant (cached per process)."""
    exercise, params, solution = solved(exercise_id, seed)
    part = exercise.part(part_id)
    key = solution.answers[part_id]
    return Question(exercise, params, part, key, _context(key, part), part.kind, f"{exercise_id}/{part_id}")


def _context(key: Any, part: Part) -> Context | None:
    if part.kind in ("choice", "text"):
        return None
    return Context.of(list(key) if isinstance(key, (sp.MatrixBase, sp.Tuple)) else [key], part.domain)


@lru_cache(maxsize=512)
def general_solved(exercise_id: str, seed: int | None, names: frozenset):
    """The general key: the exercise solved with the parameters `names` (those that may be) and
    those the sheet itself keeps symbolic as symbols, the others at the variant's values;
    (params, solution), or None when none of `names` may be symbolic or the exercise cannot be
    solved so."""
    from solver.core.errors import ParamError
    from solver.core.params import SYMBOLIC
    from solver.sheets import registry

    exercise = registry.get(exercise_id)
    if not any(p.name in names and p.symbolic_ok for p in exercise.params):
        return None
    symbolic = {p.name: p.name for p in exercise.params
                if p.symbolic_ok and (p.name in names or p.default is SYMBOLIC)}
    try:
        params = exercise.make_params(seed if exercise.parametrised else None, symbolic)
        return params, exercise.run(params)
    except (ParamError, TypeError, ValueError, ArithmeticError, AttributeError):
        return None  # the exercise only knows these values as numbers


def general_question(question: Question, names: frozenset) -> Question | None:
    """`question` against its general key, the parameters `names` left as symbols (see
    `general_solved`); None when there is no such key."""
    found = general_solved(question.exercise.id, question.params.seed, names)
    if found is None:
        return None
    params, solution = found
    key = solution.answers[question.part.id]
    part = replace(question.part, kind="expr") if question.part.kind in ("int", "number") else question.part
    return replace(question, params=params, part=part, key=key, context=_context(key, question.part), general=True)
