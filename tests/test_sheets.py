"""Whole-sheet corrections: every exercise present, deterministic, variants, real PDFs."""

import os
import shutil

import pytest
from click.testing import CliRunner

import cli
from solver.sheets import documents as sheets
from solver.sheets import registry


def run(*args):
    result = CliRunner().invoke(cli.main, list(args))
    return result.exit_code, result.output


@pytest.mark.parametrize("sheet", sheets.SHEETS)
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_markdown_has_every_exercise_of_the_sheet(sheet, lang):
    code, out = run("sheet", sheet, "--lang", lang)
    assert code == 0
    for ex in registry.by_sheet(sheet):
        assert ex.id in out


def test_seeded_sheet_is_deterministic_and_differs():
    a = sheets.build_latex("td2", "fr", seed=5)
    assert a == sheets.build_latex("td2", "fr", seed=5)
    assert a != sheets.build_latex("td2", "fr")


def test_seeded_sheet_agrees_with_solve():
    from solver.render.values import latex

    ex = registry.get("td2.II.1")
    answer = ex.run(ex.make_params(5)).answers["o"]
    assert f"$o = {latex(answer)}$" not in sheets.build_markdown("td2", "en", seed=None)
    assert latex(answer) in sheets.build_markdown("td2", "en", seed=5)


def test_student_version_has_no_solution():
    out = sheets.build_markdown("td2", "fr", seed=2, answers=False)
    assert "Résolution" not in out and "td2.II.1/o" in out


def test_unknown_sheet_is_a_usage_error():
    code, out = run("sheet", "td9")
    assert code == 2 and "td2" in out


def test_markdown_to_file_writes_figures(tmp_path):
    out = tmp_path / "td2.md"
    code, _ = run("sheet", "td2", "-o", str(out))
    assert code == 0 and out.exists()
    text = out.read_text(encoding="utf-8")
    for name in os.listdir(tmp_path / "td2-figures"):
        assert f"td2-figures/{name}" in text


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_pdf_compiles(tmp_path, lang):
    out = tmp_path / "td2.pdf"
    code, output = run("sheet", "td2", "--format", "pdf", "-o", str(out), "--lang", lang)
    assert code == 0, output
    assert out.read_bytes().startswith(b"%PDF")


def test_pdf_without_output_is_a_usage_error():
    code, out = run("sheet", "td2", "--format", "pdf")
    assert code == 2


def test_class_list_writes_one_variant_per_student(tmp_path):
    import json

    roster = tmp_path / "class.csv"
    roster.write_text("nom\nAlice Martin\nBob\n", encoding="utf-8")
    code, out = run("sheet", "td2", "--class", str(roster), "-o", str(tmp_path / "out"))
    assert code == 0, out
    table = json.loads((tmp_path / "out" / "keys.json").read_text(encoding="utf-8"))
    assert [s["student"] for s in table["students"]] == ["Alice Martin", "Bob"]
    alice, bob = table["students"]
    assert alice["seed"] != bob["seed"]
    statement = (tmp_path / "out" / "statements" / "bob.md").read_text(encoding="utf-8")
    assert statement == sheets.build_markdown("td2", "fr", bob["seed"], answers=False)
    assert (tmp_path / "out" / "keys" / "alice-martin.md").exists()
    import yaml

    submission = yaml.safe_load((tmp_path / "out" / "submissions" / "bob.yaml").read_text(encoding="utf-8"))
    assert submission["student"] == "Bob" and submission["seed"] == bob["seed"]


def test_a_class_submission_is_graded_against_its_variant(tmp_path):
    import json

    import yaml

    from solver.sheets import registry

    roster = tmp_path / "class.csv"
    roster.write_text("Bob\n", encoding="utf-8")
    assert run("sheet", "td2", "--class", str(roster), "-o", str(tmp_path / "out"))[0] == 0
    path = tmp_path / "out" / "submissions" / "bob.yaml"
    submission = yaml.safe_load(path.read_text(encoding="utf-8"))
    q = registry.get("td2.II.1").make_params(submission["seed"])
    # the output size of the variant, worked out here
    size = (q["i"] + 2 * q["p"] - q["d"] * (q["k"] - 1) - 1) // q["s"] + 1
    submission["answers"]["td2.II.1/o"] = str(size)
    path.write_text(yaml.safe_dump(submission), encoding="utf-8")
    code, out = run("grade", str(path), "--json")
    parts = {p["id"]: p for p in json.loads(out)["parts"]}
    assert parts["td2.II.1/o"]["verdict"] == "correct"


def test_class_list_with_duplicate_names_is_refused(tmp_path):
    roster = tmp_path / "class.csv"
    roster.write_text("Bob\nbob\n", encoding="utf-8")
    code, out = run("sheet", "td2", "--class", str(roster), "-o", str(tmp_path / "out"))
    assert code == 1 and "bob" in out


@pytest.mark.parametrize("sheet", ["devoir", "td2"])
def test_same_bytes_whatever_the_hash_seed(sheet, tmp_path):
    import subprocess
    import sys

    outputs = []
    for hash_seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        run_ = subprocess.run([sys.executable, "cli.py", "sheet", sheet, "--seed", "4", "--format", "latex"],
                              cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                              capture_output=True, env=env, check=True)
        outputs.append(run_.stdout)
    assert outputs[0] == outputs[1]


@pytest.mark.parametrize("fmt,ext", [("markdown", "md"), ("latex", "tex")])
def test_an_output_that_cannot_be_written_is_one_line_and_exit_1(tmp_path, fmt, ext):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    code, out = run("sheet", "td2", "--format", fmt, "-o", str(blocker / f"td2.{ext}"))
    assert code == 1 and "Traceback" not in out and len(out.strip().splitlines()) == 1
