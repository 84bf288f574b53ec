"""Figures of the corrections, drawn with matplotlib from an exercise's parameters and solution.

Each figure is registered for one exercise id; `sheet` draws it beside the document (vector PDF
for LaTeX, SVG for Markdown). Output is deterministic: no dates in the files, fixed hash salt.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable

from .text import Text


@dataclass(frozen=True)
class Figure:
    caption: Text
    draw: Callable  # draw(ax, params, solution, lang) -> None


def _swish(ax, q, sol, lang):
    import numpy as np

    x = np.linspace(-4, 4, 401)
    for beta in (0.0, 1.0, 3.0, 10.0):
        ax.plot(x, x / (1 + np.exp(-beta * x)), label=f"β = {beta:g}")
    ax.plot(x, np.maximum(x, 0), "k--", lw=1, label="ReLU")
    ax.plot(x, x / 2, "k:", lw=1, label="x/2")
    ax.legend(fontsize=8)
    ax.set_xlabel("x")
    ax.set_ylabel("x·σ(βx)")


def _illustrative(q, names_values):
    """Parameter values for a drawing: the parameter's own when numeric, an example otherwise."""
    from .params import SYMBOLIC

    return {n: (float(q[n]) if n in q and q[n] is not SYMBOLIC else v) for n, v in names_values.items()}


def _relu_construction(ax, q, sol, lang):
    import numpy as np

    v = _illustrative(q, {"a": 1.0, "b": 0.5, "alpha": 1.0, "beta": -1.0})
    x = np.linspace(v["beta"] - 2, v["alpha"] + 2, 401)
    right = v["a"] * np.maximum(x - v["alpha"], 0)
    left = v["b"] * np.maximum(v["beta"] - x, 0)
    ax.plot(x, right + left, "k", lw=2, label="h(x)")
    ax.plot(x, right, "--", label="a·relu(x − α)")
    ax.plot(x, left, "--", label="b·relu(β − x)")
    ax.axvline(v["alpha"], color="grey", lw=0.5)
    ax.axvline(v["beta"], color="grey", lw=0.5)
    ax.legend(fontsize=8)
    ax.set_xlabel("x")


def _receptive_field(part):
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


def _sliding_kernel(ax, q, sol, lang):
    import matplotlib.patches as patches

    M, K = q["M"], q["K"]
    p = len(K) // 2
    n = len(M) + 2 * p
    for r in range(n):
        for c in range(n):
            inside = p <= r < n - p and p <= c < n - p
            value = M[r - p][c - p] if inside else 0
            ax.text(c + 0.5, n - r - 0.5, str(value), ha="center", va="center", fontsize=9,
                    color="black" if inside else "0.6")
    for i in range(n + 1):
        ax.plot([0, n], [i, i], color="0.8", lw=0.5)
        ax.plot([i, i], [0, n], color="0.8", lw=0.5)
    k = len(K)
    ax.add_patch(patches.Rectangle((0, n - k), k, k, facecolor="tab:blue", alpha=0.25,
                                   edgecolor="tab:blue", lw=1.5))
    ax.add_patch(patches.Rectangle((1, n - k), k, k, fill=False, edgecolor="tab:blue", lw=1,
                                   linestyle="--"))
    ax.set_xlim(0, n)
    ax.set_ylim(0, n)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])


def _finite_difference_error(ax, q, sol, lang):
    import numpy as np

    rng = np.random.default_rng(0)
    A = rng.normal(size=(4, 4))
    w, v = rng.normal(size=4), rng.normal(size=4)

    def grad(x):  # gradient of f(x) = sum(sin(A x)) + |x|^4 / 4
        return A.T @ np.cos(A @ x) + np.dot(x, x) * x

    def hess_v(x):
        return A.T @ (-np.sin(A @ x) * (A @ v)) + np.dot(x, x) * v + 2 * np.dot(x, v) * x

    r = np.logspace(-9, 0, 60)
    err = [np.linalg.norm((grad(w + t * v) - grad(w)) / t - hess_v(w)) for t in r]
    ax.loglog(r, err, ".-", label="‖(g(w + r v) − g(w))/r − Hv‖")
    ax.loglog(r, r * err[-15] / r[-15], "k--", lw=1, label="∝ r")
    ax.set_xlabel("r")
    ax.legend(fontsize=8)


FIGURES: dict[str, Figure] = {
    "devoir.1.1": Figure(Text("$x\\,\\sigma(\\beta x)$ pour plusieurs $\\beta$, comparée à ReLU et à $x/2$.",
                              "$x\\,\\sigma(\\beta x)$ for several $\\beta$, against ReLU and $x/2$."), _swish),
    "devoir.1.2": Figure(Text("$h$ et sa décomposition en deux ReLU (valeurs d'exemple si symboliques).",
                              "$h$ and its decomposition into two ReLUs (example values when symbolic)."),
                         _relu_construction),
    "td2.III.1": Figure(Text("Champ récepteur d'une unité de conv4 sur l'entrée.",
                             "Receptive field of one unit of conv4 on the input."), _receptive_field("conv4")),
    "devoir.5.3": Figure(Text("Champ récepteur d'une unité de sortie sur l'entrée.",
                              "Receptive field of one output unit on the input."), _receptive_field("rf")),
    "td2.II.2": Figure(Text("Le noyau glisse sur l'entrée complétée de zéros (première position).",
                            "The kernel slides over the zero-padded input (first position)."), _sliding_kernel),
    "devoir.3.4": Figure(Text("Erreur de l'estimation par différence finie en fonction de $r$ : pente 1, "
                              "puis les erreurs d'arrondi dominent pour $r$ petit.",
                              "Error of the finite-difference estimate against $r$: slope 1, then rounding "
                              "errors dominate for small $r$."), _finite_difference_error),
}


def draw_figure(exercise_id: str, params, solution, lang: str, path: str) -> bool:
    """Draw the figure of an exercise into `path` (.pdf, .svg or .png); False when it has none."""
    figure = FIGURES.get(exercise_id)
    if figure is None:
        return False
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
    return True


def _metadata(path: str) -> dict:
    if path.endswith(".pdf"):
        return {"CreationDate": None, "ModDate": None, "Producer": "tdsolver"}
    if path.endswith(".svg"):
        return {"Date": None}
    return {"Software": "tdsolver"}
