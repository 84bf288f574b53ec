"""A class: `sheet --class ROSTER.csv` then `grade --keys keys.json`; the roster decides each variant.

The output size of td2.II.1 is worked out here from the variant's parameters (the draw), never
taken from the solver.
"""

import csv
import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from cli import main
from solver.grading.classlist import read_class_list
from solver.sheets import registry

ROSTER = "Nom;Prénom;E-mail;Groupe\nMartin;Alice;alice@ecole.fr;G1\nDurand;Bob;bob@ecole.fr;G2\n" \
         "Petit;Carol;carol@ecole.fr;G1\nRoux;Dave;dave@ecole.fr;G2\nLeroy;Nina;nina@ecole.fr;G1\n"


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def output_size(seed):
    q = registry.get("td2.II.1").make_params(seed)
    return (q["i"] + 2 * q["p"] - q["d"] * (q["k"] - 1) - 1) // q["s"] + 1


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    """The class folder written by `sheet --class` from a roster with a header row."""
    folder = tmp_path_factory.mktemp("class")
    (folder / "roster.csv").write_text(ROSTER, encoding="utf-8")
    result = run("sheet", "td2", "--class", str(folder / "roster.csv"), "-o", str(folder / "out"))
    assert result.exit_code == 0, result.output
    return folder / "out"


def submission(klass, name):
    return yaml.safe_load((klass / "submissions" / f"{name}.yaml").read_text(encoding="utf-8"))


def test_the_roster_header_is_recognised_and_every_column_kept(klass):
    table = json.loads((klass / "keys.json").read_text(encoding="utf-8"))
    assert table["sheet"] == "td2"
    alice = table["students"][0]
    assert alice["student"] == "alice@ecole.fr"  # the e-mail identifies the student
    assert (alice["Nom"], alice["Prénom"], alice["Groupe"]) == ("Martin", "Alice", "G1")
    assert len({s["seed"] for s in table["students"]}) == 5
    assert submission(klass, alice["file"])["student"] == "alice@ecole.fr"


def test_a_roster_without_header_uses_the_first_column(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("Alice Martin,G1\nBob Durand,G2\n", encoding="utf-8")
    assert [(s["student"], s["column_2"]) for s in read_class_list(str(path))] == [("Alice Martin", "G1"),
                                                                                  ("Bob Durand", "G2")]


def test_grading_a_class_with_its_keys(klass, tmp_path):
    table = {s["student"].split("@")[0]: s for s in json.loads((klass / "keys.json").read_text("utf-8"))["students"]}
    # Alice copied a classmate's seed: a classmate whose variant has another output size
    other = next(s for s in table.values() if output_size(s["seed"]) != output_size(table["alice"]["seed"]))
    subs = tmp_path / "subs"
    subs.mkdir()
    alice = submission(klass, table["alice"]["file"])
    alice["seed"] = other["seed"]
    alice["answers"]["td2.II.1/o"] = str(output_size(table["alice"]["seed"]))
    (subs / "alice.yaml").write_text(yaml.safe_dump(alice), encoding="utf-8")
    # Bob left the seed out and gives only his file stem as name
    bob = submission(klass, table["bob"]["file"])
    del bob["seed"], bob["student"]
    bob["answers"]["td2.II.1/o"] = str(output_size(table["bob"]["seed"]))
    (subs / f"{table['bob']['file']}.yaml").write_text(yaml.safe_dump(bob), encoding="utf-8")
    # Carol and Nina hand in their files as written; Eve is not in the class; Dave hands in nothing
    for name in ("carol", "nina"):
        (subs / f"{name}.yaml").write_text(yaml.safe_dump(submission(klass, table[name]["file"])), encoding="utf-8")
    (subs / "eve.yaml").write_text(yaml.safe_dump({"student": "eve", "sheet": "td2", "answers": {
        "td2.II.1/o": "floor((i + 2p - k)/s) + 1", "td2.II.1/zz": "1"}}), encoding="utf-8")
    out = tmp_path / "out"
    result = run("grade", str(subs), "--keys", str(klass / "keys.json"), "--out", str(out), "--json", "--lang", "en")
    assert result.exit_code == 0, result.output
    graded = {r["student"].split("@")[0]: r for r in json.loads(result.output)}
    assert set(graded) == {"alice", "bob", "carol", "dave", "nina", "eve"}

    def verdict(name):
        return next(p["verdict"] for p in graded[name]["parts"] if p["id"] == "td2.II.1/o")

    assert graded["alice"]["flags"] == ["seed-mismatch"] and graded["alice"]["seed"] == table["alice"]["seed"]
    assert verdict("alice") == "correct"
    assert graded["bob"]["flags"] == ["seed-from-roster"] and graded["bob"]["seed"] == table["bob"]["seed"]
    assert verdict("bob") == "correct"
    assert graded["carol"]["flags"] == [] and verdict("carol") == "missing"
    assert graded["dave"]["flags"] == ["no-submission"] and graded["dave"]["score"] == 0
    assert graded["eve"]["flags"] == ["not-in-roster", "unknown-parts"]
    # one denominator: the whole sheet, for everyone
    assert len({r["max_score"] for r in graded.values()}) == 1 and graded["dave"]["max_score"] > 1
    rows = {r["student"].split("@")[0]: r for r in csv.DictReader((out / "gradebook.csv").open(encoding="utf-8"))}
    assert rows["dave"]["flags"] == "no-submission" and rows["dave"]["score"] == "0"
    assert rows["eve"]["unknown parts"] == "td2.II.1/zz"
    files = {g["student"]: out / g["feedback_file"] for g in json.loads((out / "grades.json").read_text(encoding="utf-8"))}
    assert "seed-mismatch" in files["alice@ecole.fr"].read_text(encoding="utf-8")
    assert "td2.II.1/zz" in files["eve"].read_text(encoding="utf-8")
    assert {r["student"]: r["flags"] for r in json.loads((out / "grades.json").read_text("utf-8"))}["dave@ecole.fr"] \
        == ["no-submission"]


def test_max_score_is_the_whole_sheet_alone_or_in_a_batch(tmp_path):
    one = tmp_path / "one.yaml"
    one.write_text(yaml.safe_dump({"answers": {"td2.II.1/o": "floor((i + 2p - k)/s) + 1"}}), encoding="utf-8")
    other = tmp_path / "other.yaml"
    other.write_text(yaml.safe_dump({"answers": {"cours-intro.forward/o1": "1", "td2.VI.3/activation": "relu"}}),
                     encoding="utf-8")
    alone = json.loads(run("grade", str(one), "--json").output)
    batch = {Path(r["file"]).name: r for r in json.loads(run("grade", str(one), str(other), "--json").output)}
    automatic = sum(p.points for e in registry.by_sheet("td2") for p in e.parts if p.kind != "text")
    assert alone["max_score"] == batch["one.yaml"]["max_score"] == automatic
    assert alone["sheet"] == "td2" and alone["score"] == 1
    assert batch["other.yaml"]["sheet"] == "cours-intro, td2"


def test_two_files_for_one_student_are_both_graded_and_flagged(klass, tmp_path):
    table = {s["student"].split("@")[0]: s for s in json.loads((klass / "keys.json").read_text("utf-8"))["students"]}
    subs = tmp_path / "subs"
    subs.mkdir()
    first = submission(klass, table["alice"]["file"])
    first["answers"]["td2.II.1/o"] = str(output_size(table["alice"]["seed"]))
    second = dict(first, answers={"td2.II.1/o": str(output_size(table["alice"]["seed"]) + 1)})
    (subs / "alice-a.yaml").write_text(yaml.safe_dump(first), encoding="utf-8")
    (subs / "alice-b.yaml").write_text(yaml.safe_dump(second), encoding="utf-8")
    (subs / "bob.yaml").write_text(yaml.safe_dump(submission(klass, table["bob"]["file"])), encoding="utf-8")
    out = tmp_path / "out"
    result = run("grade", str(subs), "--keys", str(klass / "keys.json"), "--out", str(out), "--json", "--lang", "en")
    assert result.exit_code == 0, result.output
    alice = {Path(r["file"]).name: r for r in json.loads(result.output) if r["student"] == "alice@ecole.fr"}
    assert set(alice) == {"alice-a.yaml", "alice-b.yaml"}
    assert all(r["flags"] == ["duplicate-submission"] for r in alice.values())
    verdicts = {name: next(p["verdict"] for p in r["parts"] if p["id"] == "td2.II.1/o") for name, r in alice.items()}
    assert verdicts == {"alice-a.yaml": "correct", "alice-b.yaml": "incorrect"}
    # the gradebook keeps a row per file, told apart by the file column
    rows = [r for r in csv.DictReader((out / "gradebook.csv").open(encoding="utf-8")) if r["student"] == "alice@ecole.fr"]
    assert sorted(Path(r["file"]).name for r in rows) == ["alice-a.yaml", "alice-b.yaml"]
    assert {r["flags"] for r in rows} == {"duplicate-submission"}
    # Moodle's import gets one row for her, with no total: the teacher decides which file counts
    moodle = list(csv.reader((out / "moodle_grades.csv").open(encoding="utf-8")))
    assert [row for row in moodle if row[0] == "alice@ecole.fr"] == [["alice@ecole.fr", ""]]
    assert [row[1] != "" for row in moodle if row[0] == "bob@ecole.fr"] == [True]
    for entry in json.loads((out / "grades.json").read_text(encoding="utf-8")):
        if entry["student"] == "alice@ecole.fr":
            assert "several submissions for this student" in (out / entry["feedback_file"]).read_text("utf-8")
            gradescope = json.loads((out / entry["results_file"]).read_text(encoding="utf-8"))
            assert "duplicate-submission" in gradescope["output"]
            assert "several submissions for this student" in gradescope["output"]


def test_gradescope_results_show_the_flags_in_the_chosen_language():
    from solver.grading.output import gradescope_json
    from solver.grading.verdict import Report

    report = Report("alice", "a.yaml", seed=3, flags=("seed-mismatch", "unknown-parts"))
    fr = json.loads(gradescope_json(report, "fr"))["output"].splitlines()
    en = json.loads(gradescope_json(report, "en"))["output"].splitlines()
    assert len(fr) == len(en) == 2
    assert fr[0].startswith("- seed-mismatch") and "graine du fichier diffère" in fr[0]
    assert en[1].startswith("- unknown-parts") and "unknown parts were ignored" in en[1]
    assert "output" not in json.loads(gradescope_json(Report("bob", "b.yaml"), "en"))
