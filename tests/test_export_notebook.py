"""`tdsolver export notebook`: the notebook runs in a fresh kernel, its torch code recomputes the keys,
and a wrong key makes it fail."""

import nbformat
import pytest
from click.testing import CliRunner
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

import cli
from exercises.notebook_recipes import RECIPES
from solver.export.notebook import build_notebook
from solver.export.torch_code import uncovered
from solver.sheets import registry

# formulas of functions or of symbols no recipe draws (g(a_k), a sum over j, O(r), a limit ∞, a variable
# x of a piecewise function, the w, g, H of a Newton step): listed here so that the gap stays visible
NOT_RECOMPUTED = {"td2.I.1", "devoir.1.1", "devoir.1.2", "devoir.1.4", "devoir.2", "devoir.3.1", "devoir.3.3",
                  "devoir.3.4", "devoir.3.6"}


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


def test_coverage_is_what_is_claimed():
    exercises = registry.all_exercises()
    assert set(uncovered(exercises)) == NOT_RECOMPUTED
    assert all(registry.get(i).check is not None for i in RECIPES)


@pytest.mark.parametrize("seed", [None, 5])
def test_every_recipe_runs_and_agrees_with_the_keys(seed):
    exercises = [e for e in registry.all_exercises() if e.id in RECIPES]  # catalogue order
    nb, missing = build_notebook(exercises, seed, "en")
    assert missing == []
    nbformat.validate(nb)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    imports = {line.split()[1].split(".")[0] for line in code.splitlines() if line.startswith(("import ", "from "))}
    assert imports == {"itertools", "math", "torch"}
    run(nb)  # raises on the first cell that fails
    for ex in exercises:
        printed = outputs_of(nb, ex.id)
        assert "DIFF" not in printed and printed.count("ok  ") >= sum(p.kind != "text" for p in ex.parts), ex.id


def test_a_wrong_key_makes_the_notebook_fail():
    nb, _ = build_notebook([registry.get("td2.II.2")], None, "en")
    (keys,) = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith("# td2.II.2:")]
    # one entry of the key made wrong: torch's value no longer matches
    keys.source = keys.source.replace("'Y': [[", "'Y': [[1000 + ", 1)
    with pytest.raises(CellExecutionError, match="torch gives"):
        run(nb)


def test_a_hand_computed_value_is_the_key_of_the_notebook():
    # devoir.5.3: four 3x3 convolutions see 1 + 4 * 2 = 9 pixels per side
    nb, _ = build_notebook([registry.get("devoir.5.3")], None, "en")
    assert "'rf': 9," in next(c.source for c in nb.cells if c.source.startswith("# devoir.5.3:"))


def test_cli_writes_a_valid_notebook_and_names_what_it_does_not_recompute(tmp_path):
    out = tmp_path / "td2.ipynb"
    result = CliRunner().invoke(cli.main, ["export", "notebook", "td2", "--seed", "2", "--lang", "en", "-o", str(out)])
    assert result.exit_code == 0, result.output
    nb = nbformat.read(out, as_version=4)
    nbformat.validate(nb)
    assert nb.cells[0].cell_type == "markdown" and "td2" in nb.cells[0].source
    assert any("## td2.II.2" in c.source for c in nb.cells if c.cell_type == "markdown")
    assert result.stderr.count("\n") == 1 and "td2.I.1" in result.stderr
    again = tmp_path / "again.ipynb"
    CliRunner().invoke(cli.main, ["export", "notebook", "td2", "--seed", "2", "--lang", "en", "-o", str(again)])
    assert out.read_bytes() == again.read_bytes()
