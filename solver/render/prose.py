"""Prose with inline `$…$` math: kept for Markdown, escaped for LaTeX, readable in a terminal."""

from __future__ import annotations

import re
from collections.abc import Callable

_MATH = re.compile(r"(\$\$.+?\$\$|\$.+?\$)", re.S)

_UNICODE = [
    (r"\left", ""), (r"\right", ""), (r"\lfloor", "⌊"), (r"\rfloor", "⌋"), (r"\lceil", "⌈"),
    (r"\rceil", "⌉"), (r"\cdot", "·"), (r"\times", "×"), (r"\partial", "∂"), (r"\delta", "δ"),
    (r"\sigma", "σ"), (r"\beta", "β"), (r"\alpha", "α"), (r"\eta", "η"), (r"\lambda", "λ"),
    (r"\theta", "θ"), (r"\pi", "π"), (r"\sum", "Σ"), (r"\prod", "Π"), (r"\in", "∈"),
    (r"\leq", "≤"), (r"\geq", "≥"), (r"\le", "≤"), (r"\ge", "≥"), (r"\neq", "≠"),
    (r"\to", "→"), (r"\infty", "∞"), (r"\mathbb{R}", "ℝ"), (r"\mathbb{Z}", "ℤ"), (r"\mathbb{N}", "ℕ"),
    (r"\star", "⋆"), (r"\ast", "*"),
    (r"\approx", "≈"), (r"\ln", "ln"), (r"\log", "log"), (r"\exp", "exp"), (r"\max", "max"),
    (r"\min", "min"), (r"\top", "ᵀ"), (r"\nabla", "∇"), (r"\quad", "  "), (r"\,", " "),
    (r"\;", " "), (r"\ldots", "…"), (r"\dots", "…"), (r"\{", "{"), (r"\}", "}"), (r"\mid", "|"),
    (r"\Delta", "Δ"), (r"\odot", "⊙"), (r"\otimes", "⊗"), (r"\varepsilon", "ε"), (r"\epsilon", "ε"),
    (r"\varphi", "φ"), (r"\phi", "φ"), (r"\psi", "ψ"), (r"\mu", "μ"), (r"\tau", "τ"), (r"\omega", "ω"),
    (r"\gamma", "γ"), (r"\Sigma", "Σ"), (r"\sim", "~"), (r"\propto", "∝"), (r"\equiv", "≡"),
    (r"\lVert", "‖"), (r"\rVert", "‖"), (r"\|", "‖"), (r"\langle", "⟨"), (r"\rangle", "⟩"),
    (r"\succ", "≻"), (r"\prec", "≺"), (r"\pm", "±"), (r"\circ", "∘"), (r"\forall", "∀"),
    (r"\Rightarrow", "⇒"), (r"\Leftrightarrow", "⇔"), (r"\cdots", "⋯"), (r"\vdots", "⋮"),
    (r"\big", ""), (r"\Big", ""), (r"\bigl", ""), (r"\bigr", ""), (r"\displaystyle", ""), (r"\!", ""),
    (r"\sqrt", "√"), (r"\operatorname", ""), (r"\mathrm", ""),
]


def to_plain(prose: str) -> str:
    """Prose for a terminal: math delimiters dropped, common macros turned into symbols.

    >>> to_plain(r"so $o = \\lfloor (i+2p-k)/s \\rfloor + 1$.")
    'so o = ⌊ (i+2p-k)/s ⌋ + 1.'
    >>> to_plain(r"$\\frac{a}{b}$ and $\\mathrm{relu}(x)$")
    '(a)/(b) and relu(x)'
    >>> to_plain(r"$w^{(t)}$, $H^{-1} g$, $e^{x_{j}}$, $x_{0,0}$, $u^\\top$, $e^{709{,}8}$")
    'w^(t), H^(-1) g, e^(x_j), x_{0,0}, uᵀ, e^(709,8)'
    """
    def clean(match: re.Match) -> str:
        s = _matrices_as_lists(match.group(0).strip("$")).replace("{,}", ",")
        for _ in range(3):
            s = re.sub(r"\\[dt]?frac\{([^{}]*)\}\{([^{}]*)\}", r"(\1)/(\2)", s)
            s = re.sub(r"\\(?:mathrm|operatorname|text|mathbf|boldsymbol|mathcal|textbf|mathit|hat|bar)"
                       r"\{([^{}]*)\}", r"\1", s)
            s = re.sub(r"(?<!\\)([_^])\{([^{}]*)\}", _script, s)
        for macro, char in _UNICODE:
            guard = r"(?![A-Za-z])" if macro[-1].isalpha() else ""
            s = re.sub(re.escape(macro) + guard, _as_is(char), s)
        s = re.sub(r"(\S)× ", r"\1×", s).replace("^ᵀ", "ᵀ")
        return re.sub(r" {2,}", " ", s)

    return _MATH.sub(clean, prose)


def _as_is(text: str) -> Callable[[re.Match], str]:
    """A `re.sub` replacement that inserts `text` as it is (a backslash in it is no escape)."""
    return lambda _match: text


def _script(match: re.Match) -> str:
    """A braced sub- or superscript without its braces: `x_j`, `e^(x - m)`, `w^(t)`; a subscript of
    several indices keeps them (`x_{0,0}`)."""
    mark, body = match.group(1), match.group(2).strip()
    if re.fullmatch(r"[A-Za-z0-9.]+|\\[A-Za-z]+", body):
        return mark + body
    if mark == "_":
        return "_{" + body + "}"
    if body.startswith("(") and body.endswith(")") and body.count("(") == 1:
        return "^" + body
    return "^(" + body + ")"


_MATRIX = re.compile(r"\\begin\{[bpv]?matrix\}(.*?)\\end\{[bpv]?matrix\}", re.S)


def _matrices_as_lists(tex: str) -> str:
    """LaTeX matrices as nested lists, the way a terminal (and the grader) reads them; separated by
    semicolons when an entry has a French decimal comma (``{,}``).

    >>> _matrices_as_lists(r"M = \\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}")
    'M = [[1, 2], [3, 4]]'
    >>> _matrices_as_lists(r"\\begin{bmatrix} 0{,}5 & 2 \\end{bmatrix}")
    '[[0{,}5 ; 2]]'
    """
    def as_list(match: re.Match) -> str:
        rows = [r for r in match.group(1).split(r"\\") if r.strip()]
        sep = " ; " if "{,}" in match.group(1) else ", "
        return "[" + sep.join("[" + sep.join(c.strip() for c in r.split("&")) + "]" for r in rows) + "]"

    return _MATRIX.sub(as_list, tex)


_LATEX_SPECIAL = {"%": r"\%", "&": r"\&", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}",
                  "^": r"\textasciicircum{}", "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}"}


def escape_latex(s: str) -> str:
    """Escape LaTeX's special characters in text (not math).

    >>> escape_latex("50% & x_1")
    '50\\\\% \\\\& x\\\\_1'
    """
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in s)


def to_latex(prose: str) -> str:
    """Prose for LaTeX: text escaped, `$…$` math kept, `**bold**` and `` `code` `` converted."""
    out = []
    for i, piece in enumerate(_MATH.split(prose)):
        if i % 2:
            out.append(piece if not piece.startswith("$$") else "\\[" + piece[2:-2] + "\\]")
        else:
            text = escape_latex(piece)
            text = re.sub(r"\*\*(.+?)\*\*", r"\\textbf{\1}", text)
            text = re.sub(r"`(.+?)`", r"\\texttt{\1}", text)
            out.append(text)
    return "".join(out)
