"""One walk over a solved exercise, shared by every output format.

`Printer.solution` visits the heading, the statement, the derivation's steps (numbered by
`numbered`: remarks carry no number, so the steps' numbers have no gap), the figure and the
answers; each format's subclass says how to write each piece and nothing else, so the four formats
agree by construction (same numbering, same words for a choice, same answers).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

from . import words
from .values import plain

if TYPE_CHECKING:
    from solver.core.exercise import Step


def numbered(steps):
    """(number, step) pairs: steps numbered 1, 2, … and remarks None.

    >>> from solver.core.exercise import Step
    >>> from solver.core.text import Text
    >>> [n for n, _ in numbered([Step(Text("a", "a")), Step(Text("r", "r"), kind="remark"), Step(Text("b", "b"))])]
    [1, None, 2]
    """
    n = 0
    out: list[tuple[int | None, Step]] = []
    for step in steps:
        if step.kind == "remark":
            out.append((None, step))
        else:
            n += 1
            out.append((n, step))
    return out


class Printer(ABC):
    """A solved exercise as one document; subclasses write each piece in their format."""

    def __init__(self, lang: str):
        self.lang = lang
        self.colon = " : " if lang == "fr" else ": "

    # -- the walk ----------------------------------------------------------------------------
    def solution(self, exercise, solution, level: int = 1, figure=None) -> str:
        """Statement, derivation and answers; `figure` is an optional (path, caption `Text`)."""
        q = solution.params
        pieces = [self.heading(f"{exercise.id} — {exercise.heading(q)(self.lang)}", level),
                  self.paragraphs(exercise.statement(q)(self.lang)),
                  self.subheading(words.DERIVATION(self.lang), level),
                  self.steps([self.step(n, s) for n, s in numbered(solution.steps)])]
        if figure is not None:
            pieces.append(self.figure(*figure))
        pieces += [self.subheading(words.ANSWERS(self.lang), level),
                   self.answers([self.answer(exercise, part, solution.answers[part.id])
                                 for part in exercise.parts])]
        return self.join(pieces)

    def statement(self, exercise, params, level: int = 1) -> str:
        """What a student receives: the statement and the parts to answer, no solution."""
        return self.join([self.heading(f"{exercise.id} — {exercise.heading(params)(self.lang)}", level),
                          self.paragraphs(exercise.statement(params)(self.lang)),
                          self.answers([self.prompt(f"{exercise.id}/{part.id}", part.prompt(self.lang))
                                        for part in exercise.parts])])

    def step(self, number: int | None, step) -> str:
        """One step: its sentence (a remark is labelled, not numbered), then its maths."""
        text = self.prose(step.text(self.lang))
        head = self.remark(text) if number is None else self.numbered(number, text)
        return head if step.math is None else self.join_step(head, self.math(step.math))

    def answer(self, exercise, part, value) -> str:
        """One part's answer, by kind: a model answer with its rubric, a word, or maths."""
        label = f"{exercise.id}/{part.id}"
        if part.kind == "text":
            return self.model_answer(label, self.prose(value.answer(self.lang)),
                                     [self.prose(item(self.lang)) for item in value.rubric])
        if part.kind == "choice":
            return self.word_answer(label, words.choice(plain(value, self.lang), self.lang))
        return self.math_answer(label, value)

    # -- what each format writes -----------------------------------------------------------
    @abstractmethod
    def heading(self, title: str, level: int) -> str:
        """An exercise's title at `level` (1: the document's own)."""

    def subheading(self, title: str, level: int) -> str:
        """A heading inside an exercise at `level` (Derivation, Answers)."""
        return self.heading(title, level + 1)

    def prose(self, text: str) -> str:
        """A sentence with inline `$…$` maths, in this format."""
        return text

    def paragraphs(self, text: str) -> str:
        """A statement: prose that may hold several paragraphs."""
        return self.prose(text)

    def remark(self, text: str) -> str:
        return f"{words.REMARK(self.lang)}. {text}"

    def numbered(self, number: int, text: str) -> str:
        return f"{number}. {text}"

    @abstractmethod
    def math(self, math) -> str:
        """A step's maths (a SymPy object, a `Chain`, or a tuple of them, one per line)."""

    def join_step(self, head: str, math: str) -> str:
        return head + "\n\n" + math

    def steps(self, items: list[str]) -> str:
        return "\n\n".join(items)

    def figure(self, path: str, caption) -> str:
        return ""

    def answers(self, items: list[str]) -> str:
        return "\n".join(items)

    def model_answer(self, label: str, answer: str, rubric: list[str]) -> str:
        return "\n".join([f"{label}{self.colon}{answer}", *(f"  - {item}" for item in rubric)])

    def word_answer(self, label: str, word: str) -> str:
        return f"{label}{self.colon}{word}"

    @abstractmethod
    def math_answer(self, label: str, value) -> str:
        """A computed answer (number, expression, matrix, shape)."""

    def prompt(self, label: str, prompt: str) -> str:
        return f"- {label}{self.colon}{self.prose(prompt)}"

    def join(self, pieces: list[str]) -> str:
        return "\n\n".join(p for p in pieces if p) + "\n"
