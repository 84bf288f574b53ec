"""Figures of the corrections, drawn with matplotlib from an exercise's parameters and solution.

An exercise declares its figure (``Exercise(figure=Figure(caption, draw))``, in its own module);
`sheet` draws it beside the document (vector PDF for LaTeX, SVG for Markdown) with `draw_figure`.
This module holds that mechanism and the drawing helpers several exercises share. Output is
deterministic: no dates in the files, fixed hash salt.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable

from solver.core.text import Text


@dataclass(frozen=True)
class Figure:
    caption: Text
    draw: Callable  # draw(ax, params, solution, lang) -> None


def illustrative(q, names_values):
    """Parameter values for a drawing: the parameter's own when numeric, an example otherwise."""
    from solver.core.params import SYMBOLIC

    return {n: (float(q[n]) if n in q and q[n] is not SYMBOLIC else v) for n, v in names_values.items()}


def receptive_field(part: str):
    """A drawing of the square receptive field given by the answer `part`, on a grid of input pixels."""
    def draw(ax, q, sol, lang):
        import matplotlib.patches as patches

        rf = int(sol.answers[part])
        side = rf + 4
        for i in range(side + 1):
            ax.plot([0, side], [i, i], color="0.8", lw=0.5)
            ax.plot([i, i], [0, side], color="0.8", lw=0.5)
        ax.add_patch(patches.Rectangle((2, 2), rf, rf, facecolor="tab:orange", alpha=0.4,
                                       edgecolor="tab:red", lw=1.5))
        ax.plot([side / 2], [side / 2], "o", color="tab:red")
        ax.set_xlim(0, side)
        ax.set_ylim(0, side)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"{rf} × {rf}")
    return draw


def draw_figure(figure: Figure, params, solution, lang: str, path: str) -> None:
    """Draw a figure (an exercise's `figure`) for these parameters into `path` (.pdf, .svg or .png)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with matplotlib.rc_context({"svg.hashsalt": "tdsolver", "font.size": 9}):
        fig, ax = plt.subplots(figsize=(4.5, 3.2))
        try:
            figure.draw(ax, params, solution, lang)
            fig.tight_layout()
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            fig.savefig(path, metadata=_metadata(path))
        finally:
            plt.close(fig)


def _metadata(path: str) -> dict:
    if path.endswith(".pdf"):
        return {"CreationDate": None, "ModDate": None, "Producer": "tdsolver"}
    if path.endswith(".svg"):
        return {"Date": None}
    return {"Software": "tdsolver"}
