"""The command-line contract: outputs, exit codes, one-line errors."""

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner
from helpers import cli_in_fresh_interpreter

import cli

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(*args):
    result = CliRunner().invoke(cli.main, list(args))
    return result.exit_code, result.output


def test_list_json_has_ids_aliases_and_parts():
    code, out = run("list", "--json")
    assert code == 0
    rows = {r["id"]: r for r in json.loads(out)}
    assert rows["td2.II.1"]["aliases"] == ["conv-output-size"]
    assert rows["td2.II.1"]["parts"] == [{"id": "o", "kind": "expr"}]
    assert rows["td2.II.1"]["sheet"] == "td2"


def test_solve_with_dilation_gives_three():
    # 7 cells, kernel 3 dilated by 2 spans 5 cells: positions 0, 1, 2 -> 3 outputs
    code, out = run("solve", "td2.II.1", "-p", "i=7", "-p", "k=3", "-p", "s=1", "-p", "p=0", "-p", "d=2",
                    "--format", "json")
    assert code == 0
    assert json.loads(out)["answers"]["o"]["value"] == "3"


@pytest.mark.parametrize("i,k,s,p,want", [(32, 5, 1, 2, 32), (28, 3, 2, 1, 14), (10, 3, 3, 0, 3), (5, 5, 1, 0, 1)])
def test_solve_output_size_values(i, k, s, p, want):
    code, out = run("solve", "conv-output-size", "-p", f"i={i}", "-p", f"k={k}", "-p", f"s={s}", "-p", f"p={p}",
                    "--format", "json")
    assert code == 0 and json.loads(out)["answers"]["o"]["value"] == str(want)


def test_symbolic_answer_is_the_general_formula():
    code, out = run("solve", "td2.II.1", "--format", "json")
    assert json.loads(out)["answers"]["o"]["value"] == "floor((i - k + 2*p)/s) + 1"


@pytest.mark.parametrize("args,needle", [
    (("solve", "td2.II.9"), "td2.II.1"),
    (("solve", "conv-output-sise"), "conv-output-size"),
    (("solve", "td2.II.1", "-p", "k=abc"), "k"),
    (("solve", "td2.II.1", "-p", "s=0"), "s = 0"),
    (("solve", "td2.II.1", "-p", "i=3", "-p", "k=7", "-p", "p=1", "-p", "s=1"), "7"),
    (("solve", "td2.II.1", "-p", "zz=3"), "zz"),
    (("solve", "td2.II.1", "-p", "novalue"), "NAME=VALUE"),
    (("list", "--sheet", "nope"), "nope"),
    (("verify",), "--all"),
])
def test_bad_input_is_one_line_and_exit_2(args, needle):
    code, out = run(*args, "--lang", "en") if args[0] != "list" else run(*args)
    assert code == 2
    assert needle in out
    assert "Traceback" not in out


def test_french_is_the_default_language():
    code, out = run("solve", "td2.II.9")
    assert code == 2 and "exercice inconnu" in out


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex", "json"])
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_format_and_language(fmt, lang):
    code, out = run("solve", "td2.II.1", "--format", fmt, "--lang", lang, "--seed", "4")
    assert code == 0 and out.strip()


def test_same_input_same_bytes():
    assert run("solve", "td2.II.1", "--seed", "7", "--format", "latex") == \
        run("solve", "td2.II.1", "--seed", "7", "--format", "latex")


def test_show_prints_the_statement_and_parts():
    code, out = run("show", "conv-output-size", "--seed", "1", "--lang", "en")
    assert code == 0 and "td2.II.1/o" in out and "stride" in out


def test_list_imports_neither_sympy_nor_torch():
    assert cli_in_fresh_interpreter(["list"])[0] == set()


def test_solve_does_not_import_torch():
    assert "torch" not in cli_in_fresh_interpreter(["solve", "td2.II.1"])[0]


def test_verify_passes_on_the_sheet_and_seeds():
    code, out = run("verify", "td2.II.1", "--seeds", "10", "--json")
    assert code == 0
    results = json.loads(out)
    assert len(results) == 11 and all(r["status"] == "pass" for r in results)


def test_show_of_every_exercise_imports_neither_sympy_nor_torch():
    from solver.sheets import registry

    shows = [["show", e.id] + extra for e in registry.all_exercises() for extra in ([], ["--seed", "1"])]
    assert cli_in_fresh_interpreter(*shows)[0] == set()


def test_a_variant_title_quotes_the_variant_data():
    from solver.sheets import registry

    q = registry.get("td2.III.2a").make_params(3)
    code, out = run("show", "td2.III.2a", "--seed", "3", "--lang", "en")
    assert code == 0 and f"({q['c']}, {q['n']}, {q['n']})" in out.splitlines()[0]
    code, out = run("list", "--json", "--lang", "en")
    titles = {r["id"]: r["title"] for r in json.loads(out)}
    assert "(1, 28, 28)" in titles["td2.III.2a"]  # the catalogue names the sheet's question


def test_version_works_from_a_checkout():
    code, out = run("--version")
    assert code == 0 and "tdsolver" in out


@pytest.mark.parametrize("args,lang,needle", [
    (("solve", "td2.II.1", "--seed", "abc"), "en", "--seed: 'abc' is not an integer"),
    (("solve", "td2.II.1", "--seed", "abc"), "fr", "--seed : « abc » n'est pas un entier"),
    (("solve", "td2.II.1", "--format", "docx"), "fr", "valeurs : text, markdown, latex, json"),
    (("verify", "--jobs", "0"), "en", "outside [1, 64]"),
    (("slove", "td2.II.1"), "fr", "vouliez-vous dire : solve"),
    (("solve",), "en", "missing EXERCISE_ID"),
    (("list", "--bogus"), "fr", "option inconnue « --bogus »"),
    (("solve", "td2.II.1", "extra"), "en", "unexpected argument: extra"),
])
def test_click_usage_errors_are_one_line_in_the_chosen_language(args, lang, needle):
    result = CliRunner().invoke(cli.main, [*args, "--lang", lang])
    lines = result.output.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1, result.output
    assert needle in lines[0] and "Usage" not in lines[0] and "Error" not in lines[0]


def test_show_lists_each_parameter_with_value_and_range():
    code, out = run("show", "td2.II.1", "-p", "k=5", "--lang", "en")
    assert code == 0
    assert "k = 5 — kernel side (integer ≥ 1, or k to keep it symbolic; sheet: k)" in out
    assert "p (symbolic) — padding per side (integer ≥ 0" in out


def test_closed_pipe_is_silent():
    proc = subprocess.Popen([sys.executable, "cli.py", "list"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    err = proc.stderr.read().decode()
    proc.wait(timeout=30)
    assert err == ""


def test_ctrl_c_stops_verify_and_its_workers_with_one_line():
    import os
    import signal
    import time

    proc = subprocess.Popen([sys.executable, "cli.py", "verify", "--all", "--jobs", "2", "--lang", "en"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    time.sleep(4)  # imports done, workers busy
    os.killpg(proc.pid, signal.SIGINT)
    err = proc.communicate(timeout=60)[1]
    assert proc.returncode == 130
    assert err.strip() == "tdsolver: interrupted"
    time.sleep(0.5)
    with pytest.raises(ProcessLookupError):  # no worker left in the session
        os.killpg(proc.pid, 0)
