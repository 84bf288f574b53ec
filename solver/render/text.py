"""Plain-text rendering for a terminal: prose, then each step's math pretty-printed."""

from __future__ import annotations

import textwrap

from . import words
from .prose import to_plain
from .values import plain, rounded


def pretty(math, lang: str = "en") -> str:
    """SymPy's Unicode pretty printing of a step's math (a tuple: one per line)."""
    import sympy as sp

    items = math if isinstance(math, tuple) else (math,)
    out = "\n".join(sp.pretty(rounded(_without_braces(m)), use_unicode=True, wrap_line=False) for m in items)
    if lang == "fr":  # piecewise functions: SymPy's words, padded to keep the columns aligned
        out = out.replace(" otherwise", " sinon    ").replace(" for ", " si  ")
    return out


def _without_braces(math):
    """Symbols named in LaTeX style (``n_{pad}``) renamed for a terminal (``n_pad``)."""
    import sympy as sp

    if not hasattr(math, "atoms") or not hasattr(math, "xreplace"):
        return math
    renamed = {s: sp.Symbol(s.name.replace("{", "").replace("}", ""), **s.assumptions0)
               for s in math.atoms(sp.Symbol) if type(s) is sp.Symbol and "{" in s.name}
    return math.xreplace(renamed) if renamed else math


def render_text(exercise, solution, lang: str) -> str:
    title = f"{exercise.id} — {exercise.heading(solution.params)(lang)}"
    lines = [title, "=" * len(title), "", to_plain(exercise.statement(solution.params)(lang)), ""]
    lines += [words.DERIVATION(lang), "-" * len(words.DERIVATION(lang))]
    for n, step in enumerate(solution.steps, 1):
        label = f"({words.REMARK(lang)}) " if step.kind == "remark" else ""
        lines.append(textwrap.fill(f"{n}. {label}{to_plain(step.text(lang))}", width=100,
                                   subsequent_indent="   "))
        if step.math is not None:
            lines.append(textwrap.indent(pretty(step.math, lang), "     "))
    lines += ["", words.ANSWERS(lang), "-" * len(words.ANSWERS(lang))]
    for part in exercise.parts:
        value = solution.answers[part.id]
        shown = to_plain(value.answer(lang)) if part.kind == "text" else plain(value, lang)
        lines.append(f"{exercise.id}/{part.id} = {shown}")
        for item in getattr(value, "rubric", ()):
            lines.append(f"    - {to_plain(item(lang))}")
    return "\n".join(lines) + "\n"
