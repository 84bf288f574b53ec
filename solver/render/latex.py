"""LaTeX rendering: a body per exercise, and a standalone document around it."""

from __future__ import annotations

from . import words
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
        *FIT_MACROS,
        rf"\title{{{escape_latex(title)}}}",
        r"\date{}",
        r"\begin{document}",
        r"\maketitle",
    ])


# Display maths at the body size: the first of its writings that fits the line is typeset (one line,
# then broken at its "=" signs, then its long sums broken too); none is ever scaled down.
FIT_MACROS = (
    r"\newsavebox{\fitbox}\newif\iffitfound",
    r"\newcommand{\fitstart}{\fitfoundfalse}",
    r"\newcommand{\fittry}[1]{\iffitfound\else\sbox{\fitbox}{$\displaystyle #1$}%",
    r"  \ifdim\wd\fitbox>\linewidth\else\ifdim\dimexpr\ht\fitbox+\dp\fitbox\relax>0.6\textheight\else",
    r"  \usebox{\fitbox}\fitfoundtrue\fi\fi\fi}",
    # the last writing, as rows of an align*: it may run over several pages
    r"\newcommand{\fitlast}[1]{\iffitfound\else\sbox{\fitbox}{$\displaystyle\begin{aligned}#1\end{aligned}$}%",
    r"  \ifdim\wd\fitbox>\linewidth\typeout{tdsolver: equation wider than the line}\fi",
    r"  \vspace{-\baselineskip}\begin{align*}#1\end{align*}\fi}",
    r"\allowdisplaybreaks",
)

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
    """A step's maths centred, one line per object, each in the first writing that fits the line."""
    items = math if isinstance(math, tuple) else (math,)
    return "\\begin{center}" + "\\\\[1.5ex]\n".join(fitted(item, lang) for item in items) + "\\end{center}"


def fitted(math, lang: str) -> str:
    """`\\fittry` each writing of `math` from the widest to the most broken; the last always prints."""
    writings = list(dict.fromkeys(writings_of(math, lang)))
    last = writings[-1]
    if last.startswith(r"\begin{aligned}"):
        last = last[len(r"\begin{aligned}"):-len(r"\end{aligned}")]
    return "\\fitstart" + "".join(rf"\fittry{{{w}}}" for w in writings) + rf"\fitlast{{{last}}}"


def writings_of(math, lang: str) -> list[str]:
    """Ways of writing `math`, from one line to the most broken: a chain or an equation broken at
    its "=" signs, long sums over several lines, a wide matrix by blocks of columns, then entry by entry."""
    terms = _equal_terms(math)
    if terms is None:
        return _term_writings(math, lang)
    options = [_term_writings(t, lang) for t in terms[1:]]
    out = [latex(math, lang)]
    for level in range(max(len(o) for o in options)):
        out.append(_aligned([latex(terms[0], lang)] + [o[min(level, len(o) - 1)] for o in options]))
    return out


def _term_writings(term, lang: str) -> list[str]:
    import sympy as sp

    one_line = latex(term, lang)
    if isinstance(term, sp.Add):
        return [one_line, _broken_sum(term, lang)]
    if not isinstance(term, sp.MatrixBase):
        return [one_line]
    tight = r"{\setlength{\arraycolsep}{2pt}" + one_line + "}"
    rows, cols = term.shape
    blocks = [_column_blocks(term, size, lang) for size in (12, 8, 6, 4) if size < cols]
    return [one_line, tight, *blocks, _entries(term, lang)]


_COLUMNS = {"fr": r"\text{colonnes %d à %d :}", "en": r"\text{columns %d to %d:}"}


def _column_blocks(matrix, size: int, lang: str) -> str:
    """A wide matrix as blocks of `size` columns, one under the other, each saying which columns."""
    cols = matrix.shape[1]
    blocks = [_COLUMNS[lang] % (start + 1, min(start + size, cols)) + r"\ " + latex(matrix[:, start:start + size], lang)
              for start in range(0, cols, size)]
    return r"{\setlength{\arraycolsep}{3pt}\begin{gathered}" + r" \\[1ex] ".join(blocks) + r"\end{gathered}}"


def _entries(matrix, lang: str) -> str:
    """A matrix entry by entry: ``(i, j): value`` one per line (long sums broken), for entries too long
    for any matrix layout."""
    rows, cols = matrix.shape
    lines = [rf"({i + 1},\,{j + 1}) &\colon\ " + _broken_sum(matrix[i, j], lang).replace(r"&\quad", r"&\qquad")
             for i in range(rows) for j in range(cols)]
    return r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}"


def _equal_terms(math):
    """The terms a chain or an equation sets equal, or None."""
    import sympy as sp

    from solver.derive.chain import Chain

    if isinstance(math, Chain) and len(math.terms) >= 2:
        return math.terms
    if isinstance(math, sp.Equality):
        return (math.lhs, math.rhs)
    return None


def _aligned(terms: list[str]) -> str:
    return r"\begin{aligned}" + terms[0] + " &= " + r" \\ &= ".join(terms[1:]) + r"\end{aligned}"


SUM_LINE = 48  # visible characters of a sum's line before it breaks (a guess TeX then checks)


def _broken_sum(term, lang: str) -> str:
    """A long sum over several lines (continuation lines indented), or the term as it is."""
    import sympy as sp

    if not isinstance(term, sp.Add) or len(_visible(latex(term, lang))) <= SUM_LINE:
        return latex(term, lang)
    pieces = []
    for n, t in enumerate(term.as_ordered_terms()):
        negative = t.could_extract_minus_sign()
        body = latex(-t if negative else t, lang)
        pieces.append(("- " if negative else ("" if n == 0 else "+ ")) + body)
    lines, line = [], ""
    for piece in pieces:
        if line and len(_visible(line + piece)) > SUM_LINE:
            lines.append(line)
            line = ""
        line += (" " if line else "") + piece
    lines.append(line)
    return r" \\ &\quad ".join(lines)


def _visible(tex: str) -> str:
    """Roughly what a reader sees of some LaTeX: commands and braces dropped."""
    import re

    return re.sub(r"\\[A-Za-z]+|[{}^_]", "", tex)


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
