"""JSON rendering (the contract of ../shared/INTERFACE.md): values in the grader's syntax."""

from __future__ import annotations

import json

from .markdown import aligned
from .values import latex, plain


def solution_dict(exercise, solution, lang: str) -> dict:
    answers = {}
    for part in exercise.parts:
        value = solution.answers[part.id]
        entry = {"kind": part.kind, "value": plain(value, lang), "latex": latex(value, lang)}
        if part.kind == "text":
            entry["rubric"] = [r(lang) for r in value.rubric]
        answers[part.id] = entry
    return {
        "id": exercise.id,
        "title": exercise.heading(solution.params)(lang),
        "lang": lang,
        "seed": solution.params.seed,
        "params": solution.params.plain(),
        "statement": exercise.statement(solution.params)(lang),
        "answers": answers,
        "steps": [{"kind": s.kind, "text": s.text(lang),
                   "latex": aligned(s.math, lang) if s.math is not None else None} for s in solution.steps],
    }


def render_json(exercise, solution, lang: str) -> str:
    return json.dumps(solution_dict(exercise, solution, lang), ensure_ascii=False, indent=2) + "\n"
