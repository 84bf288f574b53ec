"""Prose with inline `$…$` math: kept for Markdown, escaped for LaTeX, readable in a terminal."""

from __future__ import annotations

import re

_MATH = re.compile(r"(\$\$.+?\$\$|\$.+?\$)", re.S)

_UNICODE = [
    (r"\left", ""), (r"\right", ""), (r"\lfloor", "⌊"), (r"\rfloor", "⌋"), (r"\lceil", "⌈"),
    (r"\rceil", "⌉"), (r"\cdot", "·"), (r"\times", "×"), (r"\partial", "∂"), (r"\delta", "δ"),
    (r"\sigma", "σ"), (r"\beta", "β"), (r"\alpha", "α"), (r"\eta", "η"), (r"\lambda", "λ"),
    (r"\theta", "θ"), (r"\pi", "π"), (r"\sum", "Σ"), (r"\prod", "Π"), (r"\in", "∈"),
    (r"\leq", "≤"), (r"\geq", "≥"), (r"\le", "≤"), (r"\ge", "≥"), (r"\neq", "≠"),
    (r"\to", "→"), (r"\infty", "∞"), (r"\mathbb{R}", "ℝ"), (r"\mathbb{Z}", "ℤ"), (r"\mathbb{N}", "ℕ"), (r"\star", "⋆"), (r"\ast", "*"),
    (r"\approx", "≈"), (r"\ln", "ln"), (r"\log", "log"), (r"\exp", "exp"), (r"\max", "max"),
    (r"\min", "min"), (r"\top", "ᵀ"), (r"\nabla", "∇"), (r"\quad", "  "), (r"\,", " "),
    (r"\;", " "), (r"\ldots", "…"), (r"\dots", "…"), (r"\{", "{"), (r"\}", "}"), (r"\mid", "|"),
    (r"\Delta", "Δ"), (r"\odot", "⊙"), (r"\otimes", "⊗"), (r"\varepsilon", "ε"), (r"\epsilon", "ε"),
]


def to_plain(prose: str) -> str:
    """Prose for a terminal: math delimiters dropped, common macros turned into symbols.

    >>> to_plain(r"so $o = \\lfloor (i+2p-k)/s \\rfloor + 1$.")
    'so o = ⌊ (i+2p-k)/s ⌋ + 1.'
    >>> to_plain(r"$\\frac{a}{b}$ and $\\mathrm{relu}(x)$")
    '(a)/(b) and relu(x)'
    """
    def clean(match: re.Match) -> str:
        s = match.group(0).strip("$")
        for _ in range(3):
            s = re.sub(r"\\[dt]?frac\{([^{}]*)\}\{([^{}]*)\}", r"(\1)/(\2)", s)
        s = re.sub(r"\\(?:mathrm|operatorname|text|mathbf|boldsymbol|mathcal|textbf)\{([^{}]*)\}", r"\1", s)
        for macro, char in _UNICODE:
            s = re.sub(re.escape(macro) + r"(?![A-Za-z])", lambda _m, c=char: c, s)
        return s

    return _MATH.sub(clean, prose)


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
