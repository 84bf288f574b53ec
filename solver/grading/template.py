"""A blank submission file (YAML) listing every part with its kind and a syntax hint.

No SymPy here: the template is written from the exercises' declarations only.

>>> from solver.sheets import registry
>>> text = template_yaml([registry.get("td2.II.1")], None, "en")
>>> import yaml
>>> yaml.safe_load(text)["answers"]
{'td2.II.1/o': ''}
"""

from __future__ import annotations

import json
from typing import Sequence

from ..render.prose import to_plain

_HINTS = {
    "int": ("un entier, ex. 1010688 ou 1 010 688", "a whole number, e.g. 1010688 or 1 010 688"),
    "number": ("un nombre décimal (point ou virgule), ex. 0,874", "a decimal number (point or comma), e.g. 0.874"),
    "expr": ("une formule (texte ou LaTeX)", "a formula (plain text or LaTeX)"),
    "matrix": ("une matrice : [[1, 2], [3, 4]], [1 2; 3 4] ou \\begin{bmatrix}…\\end{bmatrix}",
               "a matrix: [[1, 2], [3, 4]], [1 2; 3 4] or \\begin{bmatrix}…\\end{bmatrix}"),
    "shape": ("une forme : (32, 14, 14) ou 32x14x14", "a shape: (32, 14, 14) or 32x14x14"),
    "choice": ("un mot parmi : {choices}", "one word among: {choices}"),
    "text": ("texte libre (corrigé par l'enseignant)", "free text (graded by the teacher)"),
}


def hint(part, lang: str) -> str:
    """The syntax hint of a part, in `lang`."""
    fr, en = _HINTS[part.kind]
    text = (fr if lang == "fr" else en).replace("{choices}", ", ".join(part.choices))
    names = [n for n in part.domain if not any(ch.isdigit() for ch in n)]
    if part.kind == "expr" and names:
        text += (" en " if lang == "fr" else " in ") + ", ".join(names[:10])
    return text


def template_yaml(exercises: Sequence, seed: int | None, lang: str, sheet: str | None = None,
                  student: str = "") -> str:
    """The YAML text of a blank submission for these exercises (a whole sheet when `sheet`)."""
    head = ("# Copie à rendre : une réponse (entre guillemets) par partie." if lang == "fr"
            else "# Submission: one answer (in quotes) per part.")
    lines = [head, f"student: {json.dumps(student, ensure_ascii=False)}", f"seed: {'null' if seed is None else seed}"]
    if sheet:
        lines.append(f"sheet: {sheet}")
    lines.append("answers:")
    for ex in exercises:
        lines.append(f"  # {ex.id} — {_one_line(ex.title(lang))}")
        for part in ex.parts:
            prompt = _one_line(to_plain(part.prompt(lang)))
            lines.append(f"  # {part.id} [{part.kind}] {prompt} — {_one_line(hint(part, lang))}")
            lines.append(f"  {json.dumps(ex.id + '/' + part.id)}: \"\"")
    return "\n".join(lines) + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())
