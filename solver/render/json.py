"""JSON (the contract of ../shared/INTERFACE.md): values in the grader's syntax, at full precision;
shapes channels first, with the tuple as the sheet writes it (`as_written`) and its `layout`
(null for a matrix's size, which has no channel axis; see `solver.core.layouts`)."""

from __future__ import annotations

import json

from solver.core import layouts

from . import words
from .markdown import aligned
from .printer import Printer, numbered
from .values import latex, plain

FULL_PRECISION = 15  # significant digits of a float in `value` (the contract asks for at least 12)


class JsonPrinter(Printer):
    """The same walk as the other formats, gathered into one object instead of a text."""

    def solution(self, exercise, solution, level: int = 1, figure=None) -> str:
        return json.dumps(self.data(exercise, solution), ensure_ascii=False, indent=2) + "\n"

    def data(self, exercise, solution) -> dict:
        q = solution.params
        return {"id": exercise.id, "title": exercise.heading(q)(self.lang), "lang": self.lang, "seed": q.seed,
                "params": q.plain(), "statement": exercise.statement(q)(self.lang),
                "answers": {part.id: self.entry(part, solution.answers[part.id]) for part in exercise.parts},
                "steps": [{"number": n, "kind": s.kind, "text": s.text(self.lang),
                           "latex": self.math(s.math) if s.math is not None else None}
                          for n, s in numbered(solution.steps)]}

    def entry(self, part, value) -> dict:
        out = {"kind": part.kind, "value": plain(value, self.lang, digits=FULL_PRECISION),
               "latex": latex(value, self.lang)}
        if part.kind == "shape":  # channels first, beside the sheet's own order
            out["as_written"] = out["value"]
            out["value"] = plain(layouts.channels_first(value, part.layout), self.lang, digits=FULL_PRECISION)
            out["layout"] = layouts.letters(part.layout, len(value))
        if part.kind == "choice":
            out["shown"] = words.choice(out["value"], self.lang)
        if part.kind == "text":
            out["rubric"] = [r(self.lang) for r in value.rubric]
        return out

    def heading(self, title, level):
        return title

    def math(self, math):
        return aligned(math, self.lang)

    def math_answer(self, label, value):
        return plain(value, self.lang, digits=FULL_PRECISION)


def solution_dict(exercise, solution, lang: str) -> dict:
    return JsonPrinter(lang).data(exercise, solution)


def render_json(exercise, solution, lang: str) -> str:
    return JsonPrinter(lang).solution(exercise, solution)
