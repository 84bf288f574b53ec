"""LaTeX rendering: a body per exercise, and a standalone document around it."""

from __future__ import annotations

from . import words
from .markdown import aligned
from .prose import escape_latex, to_latex
from .values import latex, plain

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


def render_latex_body(exercise, solution, lang: str, section: str = "section", figure=None) -> str:
    """Statement, derivation and answers of one exercise, as LaTeX (no preamble).

    `figure` is an optional (path, caption `Text`) placed after the derivation.
    """
    out = [rf"\{section}*{{{escape_latex(exercise.id)} --- {to_latex(exercise.heading(solution.params)(lang))}}}",
           to_latex(exercise.statement(solution.params)(lang)), "",
           rf"\paragraph{{{words.DERIVATION(lang)}}}", r"\begin{enumerate}"]
    for step in solution.steps:
        text = to_latex(step.text(lang))
        if step.kind == "remark":
            text = rf"\textbf{{{words.REMARK(lang)}.}} \emph{{{text}}}"
        out.append(r"\item " + text)
        if step.math is not None:
            out.append(display(step.math, lang))
    out.append(r"\end{enumerate}")
    if figure is not None:
        out += [r"\begin{center}", rf"\includegraphics[width=0.6\linewidth]{{{figure[0]}}}\\",
                rf"\small {to_latex(figure[1](lang))}", r"\end{center}"]
    out += [rf"\paragraph{{{words.ANSWERS(lang)}}}", r"\begin{itemize}"]
    for part in exercise.parts:
        value = solution.answers[part.id]
        label = rf"\texttt{{{escape_latex(part.id)}}}"
        if part.kind == "text":
            out.append(rf"\item {label} : {to_latex(value.answer(lang))}")
            if value.rubric:
                out += [r"\begin{itemize}"] + [r"\item " + to_latex(r(lang)) for r in value.rubric] + [r"\end{itemize}"]
        elif part.kind == "choice":
            out.append(rf"\item {label} : \textbf{{{escape_latex(words.choice(plain(value, lang), lang))}}}")
        else:
            out.append(rf"\item {label} : " + answer_math(value, lang))
    out.append(r"\end{itemize}")
    return "\n".join(out) + "\n"


def render_latex_document(exercise, solution, lang: str) -> str:
    title = f"{exercise.id} --- {exercise.heading(solution.params)(lang)}"
    return preamble(lang, title) + "\n" + render_latex_body(exercise, solution, lang) + "\\end{document}\n"


def render_statement_latex(exercise, params, lang: str, section: str = "section") -> str:
    """The statement and the parts to answer, without the solution (a student's copy)."""
    out = [rf"\{section}*{{{escape_latex(exercise.id)} --- {to_latex(exercise.heading(params)(lang))}}}",
           to_latex(exercise.statement(params)(lang)), r"\begin{itemize}"]
    out += [rf"\item \texttt{{{escape_latex(exercise.id + '/' + part.id)}}} : {to_latex(part.prompt(lang))}"
            for part in exercise.parts]
    out.append(r"\end{itemize}")
    return "\n".join(out) + "\n"
