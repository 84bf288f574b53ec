"""The project's prose as HTML: text escaped, `$…$` math as `\\( … \\)` and `$$…$$` as `\\[ … \\]`.

Moodle's MathJax (or TeX notation) filter typesets those delimiters; everything else is escaped,
so no text of an exercise becomes markup.
"""

from __future__ import annotations

import html
import re

from ..render.prose import _MATH

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`(.+?)`")


def prose_html(prose: str) -> str:
    """One piece of prose as inline HTML.

    >>> prose_html(r"so $o < \\lfloor i/s \\rfloor$ & **done** with `x`")
    'so \\\\(o &lt; \\\\lfloor i/s \\\\rfloor\\\\) &amp; <strong>done</strong> with <code>x</code>'
    """
    out = []
    for i, piece in enumerate(_MATH.split(prose)):
        if i % 2:
            display = piece.startswith("$$")
            body = html.escape(piece[2:-2] if display else piece[1:-1], quote=False)
            out.append(("\\[" + body + "\\]") if display else ("\\(" + body + "\\)"))
        else:
            text = html.escape(piece, quote=False)
            text = _BOLD.sub(r"<strong>\1</strong>", text)
            out.append(_CODE.sub(r"<code>\1</code>", text))
    return "".join(out)


def paragraphs(prose: str) -> str:
    """Prose as HTML paragraphs (a blank line separates them, a newline breaks a line).

    >>> paragraphs("a\\nb\\n\\nc")
    '<p>a<br>b</p><p>c</p>'
    """
    blocks = [b for b in re.split(r"\n\s*\n", prose.strip()) if b.strip()]
    return "".join("<p>" + "<br>".join(prose_html(line) for line in b.split("\n")) + "</p>" for b in blocks)


def display_math(tex: str) -> str:
    """Display math (a step's LaTeX) as escaped HTML."""
    return "<p>\\[" + html.escape(tex, quote=False) + "\\]</p>"


def worked_solution(exercise, solution, lang: str, figure_html: str = "") -> str:
    """The derivation as HTML: numbered steps with their math, remarks set apart, the answers."""
    from ..render import words
    from ..render.markdown import aligned
    from ..render.values import latex, plain

    items = []
    for step in solution.steps:
        text = prose_html(step.text(lang))
        if step.kind == "remark":
            text = f"<em>{html.escape(words.REMARK(lang))}.</em> " + text
        math = display_math(aligned(step.math, lang)) if step.math is not None else ""
        items.append(f"<li>{text}{math}</li>")
    out = [f"<p><strong>{html.escape(words.DERIVATION(lang))}</strong></p>", "<ol>" + "".join(items) + "</ol>",
           figure_html, f"<p><strong>{html.escape(words.ANSWERS(lang))}</strong></p>", "<ul>"]
    for part in exercise.parts:
        value = solution.answers[part.id]
        label = f"<code>{html.escape(part.id)}</code> : " if lang == "fr" else f"<code>{html.escape(part.id)}</code>: "
        if part.kind == "text":
            rubric = "".join(f"<li>{prose_html(r(lang))}</li>" for r in value.rubric)
            out.append(f"<li>{label}{prose_html(value.answer(lang))}" + (f"<ul>{rubric}</ul>" if rubric else "") + "</li>")
        elif part.kind == "choice":
            out.append(f"<li>{label}<strong>{html.escape(words.choice(plain(value, lang), lang))}</strong></li>")
        else:
            out.append(f"<li>{label}\\({html.escape(latex(value, lang), quote=False)}\\)</li>")
    out.append("</ul>")
    return "".join(out)
