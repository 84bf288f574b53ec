"""LaTeX rendering: a body per exercise, and a standalone document around it."""

from __future__ import annotations

from . import words
from .markdown import aligned
from .printer import Printer
from .prose import escape_latex, to_latex
from .values import latex

BABEL = {"fr": "french", "en": "english"}


def preamble(lang: str, title: str) -> str:
    """The preamble of a standalone document in `lang` (babel, amsmath, UTF-8)."""
    return "\n".join([
        r"\documentclass[11pt,a4paper]{article}",
        r"\usepackage[utf8]{inputenc}",
        r"\IfFileExists{lmodern.sty}{\usepackage[T1]{fontenc}\usepackage{lmodern}}{}",
        rf"\usepackage[{BABEL[lang]}]{{babel}}",
        r"\usepackage{amsmath,amssymb}",
        r"\usepackage[margin=2cm]{geometry}",
        r"\usepackage{graphicx}",
        r"\setcounter{MaxMatrixCols}{40}",
        *unicode_declarations(),
        r"\sloppy",
        r"\newsavebox{\fitbox}",
        # display math shrunk to the line width and to most of the page height when larger
        r"\newcommand{\fitmath}[1]{\sbox{\fitbox}{$\displaystyle #1$}%",
        r"  \ifdim\wd\fitbox>\linewidth\sbox{\fitbox}{\resizebox{\linewidth}{!}{\usebox{\fitbox}}}\fi",
        r"  \ifdim\dimexpr\ht\fitbox+\dp\fitbox\relax>0.8\textheight",
        r"    \sbox{\fitbox}{\resizebox*{!}{0.8\textheight}{\usebox{\fitbox}}}\fi",
        r"  \usebox{\fitbox}}",
        rf"\title{{{escape_latex(title)}}}",
        r"\date{}",
        r"\begin{document}",
        r"\maketitle",
    ])


# Characters that prose may contain and pdflatex does not know by itself.
UNICODE_MATH = {
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\varepsilon", "η": r"\eta",
    "θ": r"\theta", "λ": r"\lambda", "μ": r"\mu", "π": r"\pi", "σ": r"\sigma", "τ": r"\tau",
    "φ": r"\varphi", "ω": r"\omega", "Δ": r"\Delta", "Σ": r"\Sigma", "Π": r"\Pi", "∂": r"\partial",
    "∇": r"\nabla", "≈": r"\approx", "≤": r"\le", "≥": r"\ge", "≠": r"\neq", "×": r"\times",
    "·": r"\cdot", "→": r"\to", "←": r"\leftarrow", "⇒": r"\Rightarrow", "∞": r"\infty", "∈": r"\in",
    "∑": r"\sum", "√": r"\surd", "±": r"\pm", "−": "-", "⌊": r"\lfloor", "⌋": r"\rfloor",
    "⌈": r"\lceil", "⌉": r"\rceil", "ℝ": r"\mathbb{R}", "ℤ": r"\mathbb{Z}", "ℕ": r"\mathbb{N}",
    "⋆": r"\star", "⊙": r"\odot", "′": r"'", "²": r"^2", "³": r"^3", "ᵀ": r"^\top", "∘": r"\circ",
    "≡": r"\equiv", "∝": r"\propto", "⊂": r"\subset", "∀": r"\forall", "∃": r"\exists",
}
UNICODE_TEXT = {"\u202f": r"\,", "\u2009": r"\,", "\u2011": "-", "\u2010": "-", "…": r"\ldots{}",
                "✓": "v", "✗": "x", "\u200b": ""}


def unicode_declarations() -> list[str]:
    """`\\DeclareUnicodeCharacter` lines so that Greek letters and symbols in prose compile."""
    lines = [rf"\DeclareUnicodeCharacter{{{ord(ch):04X}}}{{\ensuremath{{{cmd}}}}}"
             for ch, cmd in UNICODE_MATH.items()]
    lines += [rf"\DeclareUnicodeCharacter{{{ord(ch):04X}}}{{{cmd}}}" for ch, cmd in UNICODE_TEXT.items()]
    return lines


def display(math, lang: str) -> str:
    """A step's math, centred on its own line, shrunk when wider than the line or taller than a page."""
    return "\\begin{center}\\fitmath{" + aligned(math, lang) + "}\\end{center}"


def answer_math(value, lang: str) -> str:
    """An answer: inline when short and flat, displayed otherwise."""
    import sympy as sp

    body = latex(value, lang)
    if len(body) < 90 and not isinstance(value, sp.MatrixBase) and "\\frac" not in body:
        return "$" + body + "$"
    return display(value, lang)


class LatexPrinter(Printer):
    """Starred sections, steps in an `enumerate` (remarks unnumbered), answers in an `itemize`."""

    SECTIONS = {1: "section*", 2: "subsection*", 3: "subsubsection*"}

    def heading(self, title, level):
        return rf"\{self.SECTIONS.get(level, 'paragraph')}{{{to_latex(title)}}}"

    def subheading(self, title, level):
        return rf"\paragraph{{{title}}}"

    def prose(self, text):
        return to_latex(text)

    def remark(self, text):
        return rf"\item[] \textbf{{{words.REMARK(self.lang)}.}} \emph{{{text}}}"

    def numbered(self, number, text):
        return r"\item " + text

    def math(self, math):
        return display(math, self.lang)

    def join_step(self, head, math):
        return head + "\n" + math

    def steps(self, items):
        return "\n".join([r"\begin{enumerate}", *items, r"\end{enumerate}"])

    def figure(self, path, caption):
        return "\n".join([r"\begin{center}", rf"\includegraphics[width=0.6\linewidth]{{{path}}}\\",
                          rf"\small {to_latex(caption(self.lang))}", r"\end{center}"])

    def answers(self, items):
        return "\n".join([r"\begin{itemize}", *items, r"\end{itemize}"])

    def _label(self, label):
        return rf"\texttt{{{escape_latex(label)}}}{self.colon}"

    def model_answer(self, label, answer, rubric):
        out = [rf"\item {self._label(label)}{answer}"]
        if rubric:
            out += [r"\begin{itemize}", *(r"\item " + item for item in rubric), r"\end{itemize}"]
        return "\n".join(out)

    def word_answer(self, label, word):
        return rf"\item {self._label(label)}\textbf{{{escape_latex(word)}}}"

    def math_answer(self, label, value):
        return rf"\item {self._label(label)}" + answer_math(value, self.lang)

    def prompt(self, label, prompt):
        return rf"\item {self._label(label)}{self.prose(prompt)}"


def _level(section: str) -> int:
    return 1 if section == "section" else 2


def render_latex_body(exercise, solution, lang: str, section: str = "section", figure=None) -> str:
    """Statement, derivation and answers of one exercise as LaTeX (no preamble); `figure`: (path, caption)."""
    return LatexPrinter(lang).solution(exercise, solution, _level(section), figure)


def render_latex_document(exercise, solution, lang: str) -> str:
    title = f"{exercise.id} --- {exercise.heading(solution.params)(lang)}"
    return preamble(lang, title) + "\n" + render_latex_body(exercise, solution, lang) + "\\end{document}\n"


def render_statement_latex(exercise, params, lang: str, section: str = "section") -> str:
    """The statement and the parts to answer, without the solution (a student's copy)."""
    return LatexPrinter(lang).statement(exercise, params, _level(section))
