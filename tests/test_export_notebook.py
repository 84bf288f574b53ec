"""`tdsolver export notebook`: the notebook runs in a fresh kernel, its torch code recomputes the keys,
and a wrong key makes it fail."""

import nbformat
import pytest
from click.testing import CliRunner
from nbclient import NotebookClient

import cli
from exercises.notebook_recipes import RECIPES
from solver.export.notebook import build_notebook
from solver.export.torch_code import uncovered
from solver.sheets import registry


def run(nb):
    NotebookClient(nb, timeout=180, kernel_name="python3").execute()
    return nb


def outputs_of(nb, exercise_id):
    """The printed lines of the code cell that checks this exercise."""
    cells = nb.cells
    for n, cell in enumerate(cells):
        if cell.cell_type == "code" and cell.source.startswith(f"# {exercise_id}:"):
            return "".join(o.get("text", "") for o in cells[n + 1].outputs)
    raise AssertionError(f"no code for {exercise_id}")


def checked():
    """Every exercise that has a check, in catalogue order."""
    return [e for e in registry.all_exercises() if e.check is not None]


def test_every_computable_answer_has_a_recipe():
    exercises = registry.all_exercises()
    assert uncovered(exercises) == []
    assert all(registry.get(i).check is not None for i in RECIPES)
    # without a recipe: only written answers, or design choices no computation decides (an activation, a loss)
    for ex in checked():
        if ex.id not in RECIPES:
            assert {p.kind for p in ex.parts} <= {"text", "choice"}, ex.id


@pytest.mark.parametrize("seed", [None, 5])
def test_the_notebook_of_every_checked_exercise_runs_and_agrees_with_the_keys(seed):
    exercises = checked()  # one notebook, one fresh kernel, for all of them
    nb, missing = build_notebook(exercises, seed, "en")
    assert missing == []
    nbformat.validate(nb)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    imports = {line.split()[1].split(".")[0] for line in code.splitlines() if line.startswith(("import ", "from "))}
    assert imports == {"itertools", "math", "torch"}
    run(nb)  # raises on the first cell that fails
    for ex in (e for e in exercises if e.id in RECIPES):
        printed = outputs_of(nb, ex.id)
        assert "DIFF" not in printed and printed.count("ok  ") >= sum(p.kind != "text" for p in ex.parts), ex.id


# (exercise, piece of its key cell, replacement): each makes the key wrong
WRONG_KEYS = [
    ("td2.II.2", "'Y': [[", "'Y': [[1000 + "),  # one entry of a matrix
    ("td2.I.1", "lambda g, a_k, y_k, **_: 2*", "lambda g, a_k, y_k, **_: 3*"),  # a formula with g and g'
    ("devoir.3.4", "Order(lambda r: r)", "Order(lambda r: r**2)"),  # O(r^2) is not the error's order
    ("devoir.1.1", "'relu_beta': math.inf", "'relu_beta': 1000"),  # a finite beta is not the limit
    ("devoir.1.4", "-m - log(", "-log("),  # the stable form without its shift
]


def test_a_wrong_key_makes_its_check_fail():
    # one kernel for all the cases: a failing cell does not stop the next ones
    nb, _ = build_notebook([registry.get(i) for i, _, _ in WRONG_KEYS], None, "en")
    for exercise_id, old, new in WRONG_KEYS:
        (keys,) = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith(f"# {exercise_id}:")]
        assert old in keys.source
        keys.source = keys.source.replace(old, new, 1)
    NotebookClient(nb, timeout=180, kernel_name="python3", allow_errors=True).execute()
    for exercise_id, _, _ in WRONG_KEYS:
        n = next(n for n, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.startswith(f"# {exercise_id}:"))
        errors = [o for o in nb.cells[n + 1].outputs if o.output_type == "error"]
        assert errors and "torch gives" in errors[0].evalue, exercise_id


def test_a_hand_computed_value_is_the_key_of_the_notebook():
    # devoir.5.3: four 3x3 convolutions see 1 + 4 * 2 = 9 pixels per side
    nb, _ = build_notebook([registry.get("devoir.5.3")], None, "en")
    assert "'rf': 9," in next(c.source for c in nb.cells if c.source.startswith("# devoir.5.3:"))
    # devoir.1.1: x sigmoid(beta x) tends to ReLU only as beta grows without bound
    nb, _ = build_notebook([registry.get("devoir.1.1")], None, "en")
    assert "'relu_beta': math.inf," in next(c.source for c in nb.cells if c.source.startswith("# devoir.1.1:"))


def test_cli_writes_a_valid_notebook_and_names_what_it_does_not_recompute(tmp_path):
    out = tmp_path / "td2.ipynb"
    result = CliRunner().invoke(cli.main, ["export", "notebook", "td2", "--seed", "2", "--lang", "en", "-o", str(out)])
    assert result.exit_code == 0, result.output
    nb = nbformat.read(out, as_version=4)
    nbformat.validate(nb)
    assert nb.cells[0].cell_type == "markdown" and "td2" in nb.cells[0].source
    assert any("## td2.II.2" in c.source for c in nb.cells if c.cell_type == "markdown")
    assert result.stderr == ""  # every computable answer of td2 is recomputed
    again = tmp_path / "again.ipynb"
    CliRunner().invoke(cli.main, ["export", "notebook", "td2", "--seed", "2", "--lang", "en", "-o", str(again)])
    assert out.read_bytes() == again.read_bytes()
