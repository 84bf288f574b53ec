"""Plain text for a terminal: prose wrapped at the width, maths without SymPy syntax."""

from __future__ import annotations

import textwrap

from . import words
from .printer import Printer
from .prose import to_plain
from .terminal import WIDTH, linear, readable, terminal_math
from .values import exact_irrational, localised_decimals, rounded


def pretty(math, lang: str = "en", width: int = WIDTH) -> str:
    """A step's maths for a terminal (see `terminal.terminal_math`)."""
    return terminal_math(math, width, lang)


class TextPrinter(Printer):
    """Headings underlined, steps numbered and indented, maths in two dimensions when it fits."""

    def __init__(self, lang: str, width: int = WIDTH):
        super().__init__(lang)
        self.width = width

    def heading(self, title, level):
        return f"{title}\n{('=' if level == 1 else '-') * len(title)}"

    def prose(self, text):
        return to_plain(text)

    def paragraphs(self, text):
        return "\n\n".join(self._fill(part, "") for part in self.prose(text).split("\n\n"))

    def _fill(self, text: str, indent: str = "   ") -> str:
        return textwrap.fill(text, width=self.width, subsequent_indent=indent, break_on_hyphens=False)

    def remark(self, text):
        return self._fill(f"   {words.REMARK(self.lang)}{self.colon}{text}", "   ")

    def numbered(self, number, text):
        return self._fill(f"{number}. {text}")

    def math(self, math):
        return textwrap.indent(terminal_math(math, self.width - 5, self.lang), "     ")

    def join_step(self, head, math):
        return head + "\n" + math

    def steps(self, items):
        return "\n".join(items)

    def model_answer(self, label, answer, rubric):
        return "\n".join([self._fill(f"{label} = {answer}", "    "),
                          *(self._fill(f"    - {item}", "      ") for item in rubric)])

    def word_answer(self, label, word):
        return f"{label} = {word}"

    def math_answer(self, label, value):
        shown = linear(readable(rounded(value)), self.lang)
        if exact_irrational(value):
            shown += " ≈ " + localised_decimals(f"{float(value):.6g}", self.lang)
        return self._fill(f"{label} = {shown}", "    ")

    def prompt(self, label, prompt):
        return self._fill(f"  {label}{self.colon}{self.prose(prompt)}", "    ")

    def join(self, pieces):
        return "\n\n".join(p for p in pieces if p) + "\n"


def render_text(exercise, solution, lang: str) -> str:
    return TextPrinter(lang).solution(exercise, solution)
