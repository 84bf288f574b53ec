"""Renderers of a solved exercise: plain text, Markdown (with $…$ math), LaTeX and JSON.

Every string is derived from the `Solution`'s SymPy objects; nothing is typed twice.

May import: `solver.core`, `solver.maths`, `solver.derive`.
"""

from __future__ import annotations

FORMATS = ("text", "markdown", "latex", "json")


def render(exercise, solution, fmt: str = "text", lang: str = "fr") -> str:
    """Render one solved exercise in the given format and language."""
    if fmt == "text":
        from .text import render_text as fn
    elif fmt == "markdown":
        from .markdown import render_markdown as fn
    elif fmt == "latex":
        from .latex import render_latex_document as fn
    elif fmt == "json":
        from .json import render_json as fn
    else:
        raise ValueError(f"unknown format {fmt!r}")
    return fn(exercise, solution, lang)
