"""Markdown with `$…$` maths (renders on GitHub and in Jupyter)."""

from __future__ import annotations

from . import words
from .printer import Printer
from .values import latex


def aligned(math, lang: str) -> str:
    """Display maths of a step: one object, or several gathered one per line."""
    items = math if isinstance(math, tuple) else (math,)
    if len(items) == 1:
        return latex(items[0], lang)
    return "\\begin{gathered}" + " \\\\ ".join(latex(m, lang) for m in items) + "\\end{gathered}"


class MarkdownPrinter(Printer):
    """`#` headings, numbered steps, remarks quoted, maths in `$$` blocks."""

    def heading(self, title, level):
        return f"{'#' * level} {title}"

    def remark(self, text):
        return f"> **{words.REMARK(self.lang)}.** {text}"

    def math(self, math):
        return "$$\n" + aligned(math, self.lang) + "\n$$"

    def figure(self, path, caption):
        return f"![{caption(self.lang)}]({path})\n\n*{caption(self.lang)}*"

    def model_answer(self, label, answer, rubric):
        return "\n".join([f"- `{label}`{self.colon}{answer}", *(f"  - {item}" for item in rubric)])

    def word_answer(self, label, word):
        return f"- `{label}`{self.colon}**{word}**"

    def math_answer(self, label, value):
        return f"- `{label}`{self.colon}${latex(value, self.lang)}$"

    def prompt(self, label, prompt):
        return f"- `{label}`{self.colon}{prompt}"


def render_markdown_body(exercise, solution, lang: str, level: int = 2, figure=None) -> str:
    """Statement, derivation and answers, headings from `level` down; `figure`: (path, caption)."""
    return MarkdownPrinter(lang).solution(exercise, solution, level, figure)


def render_markdown(exercise, solution, lang: str) -> str:
    return render_markdown_body(exercise, solution, lang, level=1)


def render_statement_markdown(exercise, params, lang: str, level: int = 2) -> str:
    """The statement and the parts to answer, without the solution (a student's copy)."""
    return MarkdownPrinter(lang).statement(exercise, params, level)
