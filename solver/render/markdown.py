"""Markdown rendering with `$…$` math (renders on GitHub and in Jupyter)."""

from __future__ import annotations

from . import words
from .values import latex, plain


def render_markdown_body(exercise, solution, lang: str, level: int = 2, figure=None) -> str:
    """The statement, derivation and answers of one exercise, headings from `level` down.

    `figure` is an optional (relative path, caption `Text`) shown after the derivation.
    """
    h = "#" * level
    out = [f"{h} {exercise.id} — {exercise.heading(solution.params)(lang)}", "", exercise.statement(solution.params)(lang), "",
           f"{h}# {words.DERIVATION(lang)}", ""]
    n = 0  # remarks are quoted, not numbered: the steps' numbers have no gap
    for step in solution.steps:
        if step.kind != "remark":
            n += 1
        prefix = f"> **{words.REMARK(lang)}.** " if step.kind == "remark" else f"{n}. "
        out.append(prefix + step.text(lang))
        if step.math is not None:
            out += ["", "$$", aligned(step.math, lang), "$$"]
        out.append("")
    if figure is not None:
        out += [f"![{figure[1](lang)}]({figure[0]})", "", f"*{figure[1](lang)}*", ""]
    out += [f"{h}# {words.ANSWERS(lang)}", ""]
    for part in exercise.parts:
        value = solution.answers[part.id]
        if part.kind == "text":
            out.append(f"- `{part.id}` : {value.answer(lang)}")
            out += [f"  - {item(lang)}" for item in value.rubric]
        elif part.kind == "choice":
            out.append(f"- `{part.id}` : **{words.choice(plain(value, lang), lang)}**")
        else:
            out.append(f"- `{part.id}` : ${latex(value, lang)}$")
    return "\n".join(out) + "\n"


def aligned(math, lang: str) -> str:
    """Display math of a step: one object, or several gathered one per line."""
    items = math if isinstance(math, tuple) else (math,)
    if len(items) == 1:
        return latex(items[0], lang)
    return "\\begin{gathered}" + " \\\\ ".join(latex(m, lang) for m in items) + "\\end{gathered}"


def render_markdown(exercise, solution, lang: str) -> str:
    return render_markdown_body(exercise, solution, lang, level=1)


def render_statement_markdown(exercise, params, lang: str, level: int = 2) -> str:
    """The statement and the parts to answer, without the solution (a student's copy)."""
    h = "#" * level
    out = [f"{h} {exercise.id} — {exercise.heading(params)(lang)}", "", exercise.statement(params)(lang), ""]
    out += [f"- `{exercise.id}/{part.id}` : {part.prompt(lang)}" for part in exercise.parts]
    return "\n".join(out) + "\n"
