"""A Jupyter notebook (nbformat 4) of exercises: statement and derivation as Markdown, then torch code
that recomputes the answers and compares them with the keys.

Per exercise with a recipe (exercises/notebook_recipes.py, exercises/devoir_notebook_recipes.py), two code
cells: the variant's values and the keys (exact literals from the solution; a key that is a formula
becomes a Python function of its parameters and of the names the recipe draws, written by
`python_key`: derivatives by autograd, sums, ∞, O(r)), then ``by_torch`` and the comparison. A
student may change a value and run the cells again: torch's value is printed next to the key. The
code imports torch only.
"""

from __future__ import annotations

import re

from solver.core.params import SYMBOLIC
from solver.core.text import Text

from .python_key import PYTHON_WORDS, free_names, function_names, python_expr
from .torch_code import PRELUDE, recipes

NO_RECIPE = Text("*Pas de recalcul PyTorch pour cet exercice.*", "*No PyTorch recomputation for this exercise.*")
INTRO = Text("Chaque exercice : l'énoncé et sa résolution, puis du code PyTorch qui recalcule les réponses et "
             "les compare aux clés. Changez une valeur et relancez les cellules pour voir ce que donne torch.",
             "Each exercise: its statement and derivation, then PyTorch code that recomputes the answers and "
             "compares them with the keys. Change a value and run the cells again to see what torch gives.")


def missing_message(ids) -> Text:
    """One line naming the exercises whose answers the notebook does not recompute."""
    names = ", ".join(ids)
    return Text(f"sans recalcul PyTorch dans le carnet : {names}", f"not recomputed with PyTorch in the notebook: {names}")


class NotCovered(Exception):
    """A key the notebook cannot write as Python (a symbol that is not a parameter…)."""


def build_notebook(exercises, seed: int | None = None, lang: str = "fr", title: str = "tdsolver"):
    """The notebook of these exercises (the sheet's values, or the variant of `seed`), and the ids of
    the exercises with a computable part that it does not recompute."""
    import nbformat.v4 as nbf

    from ..render.markdown import render_markdown_body

    cells = [nbf.new_markdown_cell(f"# {title}\n\n{INTRO(lang)}"), nbf.new_code_cell(PRELUDE.rstrip())]
    missing = []
    for ex in exercises:
        params = ex.make_params(seed if ex.parametrised else None)
        solution = ex.run(params)
        cells.append(nbf.new_markdown_cell(render_markdown_body(ex, solution, lang, level=2)))
        computable = [p for p in ex.parts if p.kind != "text"]
        try:
            code = exercise_cells(ex, params, solution) if ex.id in recipes() and computable else None
        except NotCovered:
            code = None
        if code is None:
            if any(p.kind != "choice" for p in computable):
                missing.append(ex.id)
            cells.append(nbf.new_markdown_cell(NO_RECIPE(lang)))
            continue
        cells += [nbf.new_code_cell(c) for c in code]
    nb = nbf.new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                 "language": "python"},
                                                 "language_info": {"name": "python"}})
    _stable_ids(nb)
    return nb, missing


def _stable_ids(nb) -> None:
    """Cell ids from their position: the same notebook gives the same bytes."""
    for n, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{n}"


def exercise_cells(ex, params, solution) -> tuple[str, str]:
    """(values and keys, torch recomputation and comparison) of one exercise."""
    recipe = recipes()[ex.id]
    names = list(params)
    used = {s.name for part in ex.parts if part.kind != "text"
            for s in getattr(solution.answers[part.id], "free_symbols", ())} | set(recipe.grid)
    # a symbol the recipe has a grid for, or a key depends on, is tried on the grid; another one is
    # passed as its name (the recipe does not use it)
    values = "".join(f"    {n!r}: {_value(params[n], n, n in used)},\n" for n in names)
    keys, tols = [], []
    for part in ex.parts:
        if part.kind == "text":
            continue
        keys.append(f"    {part.id!r}: {key_literal(solution.answers[part.id], names, recipe.given)}")
        exact = part.kind in ("int", "shape", "choice")
        tols.append(f"    {part.id!r}: {(0.0, 0.0) if exact else (part.rtol, part.atol)}")
    grid = {n: recipe.grid[n] for n in names if params[n] is SYMBOLIC and n in used and n in recipe.grid}
    if any(params[n] is SYMBOLIC and n in used and n not in grid for n in names):
        raise NotCovered(ex.id)
    first = (f"# {ex.id}: values (None: kept as a symbol, tried on a grid) and keys\n"
             f"VALUES = {{\n{values}}}\nKEYS = {{\n" + ",\n".join(keys) + ",\n}\n"
             "TOL = {\n" + ",\n".join(tols) + ",\n}\n" + f"GRID = {grid!r}")
    body = "\n".join("    " + line if line else "" for line in recipe.body.splitlines())
    second = (f"def by_torch({', '.join(names)}):\n{body}\n\n\n"
              "check_exercise(by_torch, VALUES, KEYS, TOL, GRID)")
    return first, second


def literal(value) -> str:
    """A parameter value as a Python literal (fractions as exact quotients, matrices as lists).

    >>> from fractions import Fraction
    >>> literal(3), literal(Fraction(-3, 10)), literal(((1, Fraction(1, 2)),)), literal("softmax")
    ('3', '-3/10', '[[1, 1/2]]', "'softmax'")
    """
    from fractions import Fraction

    if isinstance(value, str):
        return repr(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    return repr(value)


def key_literal(value, names, given: str = "") -> str:
    """A key as Python: a number, a list of lists, a tuple, a word, or a function of the parameters
    (and of the names matching `given`, drawn by torch) when the key is a formula, written by `python_expr`.

    >>> import sympy as sp
    >>> key_literal(sp.Rational(1, 3), ["k"]), key_literal(sp.floor(sp.Symbol("k") / 2), ["k"])
    ('1/3', 'lambda k, **_: floor(k/2)')
    >>> key_literal(sp.Symbol("s_k") - sp.Symbol("t_k"), ["K"], "s_k|t_k")
    'lambda K, s_k, t_k, **_: s_k - t_k'
    """
    import sympy as sp

    if isinstance(value, str):
        return repr(value)
    symbols = _names_in(value)
    body = _python(value)
    free = free_names(value)
    if not free:
        return body
    drawn = sorted(w for w in free - set(names) if given and re.fullmatch(given, w))
    words = set(re.findall(r"[A-Za-z_]\w*", body)) - PYTHON_WORDS - symbols
    if free - set(names) - set(drawn) or words or (isinstance(value, sp.Basic) and value.atoms(sp.Float)):
        raise NotCovered(body)
    return f"lambda {', '.join([*names, *drawn])}, **_: {body}"


def _names_in(value) -> set:
    """Symbols, arrays and unknown functions a key names."""
    import sympy as sp

    if not isinstance(value, (sp.Basic, sp.MatrixBase)):
        return set()
    return {s.name for s in value.atoms(sp.Symbol)} | _indexed_bases(value) | function_names(value)


def _indexed_bases(value) -> set:
    import sympy as sp

    return {str(b) for b in value.atoms(sp.IndexedBase)} if isinstance(value, (sp.Basic, sp.MatrixBase)) else set()


def _python(value) -> str:
    """A key's value as a Python expression: exact numbers, formulas in the grader's syntax."""
    import sympy as sp

    if isinstance(value, sp.MatrixBase):
        return "[" + ", ".join("[" + ", ".join(_python(v) for v in row) + "]" for row in value.tolist()) + "]"
    if isinstance(value, (sp.Tuple, tuple)):
        inner = ", ".join(_python(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    value = sp.sympify(value, strict=True)
    if value.free_symbols or value.atoms(sp.Indexed) or value.atoms(sp.Order):
        return python_expr(value)
    if value.is_Integer or value.is_Rational:
        return str(value)
    if value in (sp.oo, -sp.oo):
        return python_expr(value)
    if value.is_number and value.is_real and value.is_finite:
        return repr(float(value))
    raise NotCovered(str(value))


def _value(value, name: str, used: bool) -> str:
    if value is not SYMBOLIC:
        return literal(value)
    return "None" if used else repr(name)
