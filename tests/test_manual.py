"""Marks given by hand: `grade --manual MARKS.csv` and `--manual-template FILE.csv`."""

import csv
import json

import pytest
import yaml
from click.testing import CliRunner

from cli import main
from solver.grading.check import solved
from solver.grading.manual import read_marks
from solver.render.values import plain

FORMULA, TEXT = "td2.II.1/o", "td2.III.4/text"


def key(pid):
    ex_id, part_id = pid.split("/")
    return solved(ex_id, None)[2].answers[part_id]


@pytest.fixture()
def folder(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    answers = {"ana": {FORMULA: plain(key(FORMULA)), TEXT: "Le partage des poids."},
               "bob": {FORMULA: "ceil((i+2p-k)/s)+1", TEXT: "=HYPERLINK(\"x\")"},
               "chloé": {FORMULA: "floor((i+3p-k)/s)+1", TEXT: "fc1 est dense."}}
    for name, given in answers.items():
        (subs / f"{name}.yaml").write_text(yaml.safe_dump({"student": name, "answers": given}, allow_unicode=True),
                                           encoding="utf-8")
    return subs


def grade(*args):
    return CliRunner().invoke(main, ["grade", *map(str, args), "--lang", "en"], catch_exceptions=False)


def gradebook(out):
    return {row["student"]: row for row in csv.DictReader((out / "gradebook.csv").open(encoding="utf-8"))}


def test_marks_replace_the_grader_and_totals_change_exactly(folder, tmp_path):
    before = tmp_path / "before"
    assert grade(folder, "--out", before).exit_code == 0
    marks = tmp_path / "marks.csv"
    marks.write_text("student;part;score;comment\n"
                     f"ana;{TEXT};0,5;idée juste, incomplète\n"
                     f"bob;{FORMULA};1;ceil accepté ici\n"
                     f"chloé;{TEXT};1;\n", encoding="utf-8")
    after = tmp_path / "after"
    result = grade(folder, "--out", after, "--manual", marks)
    assert result.exit_code == 0 and result.stderr == ""
    old, new = gradebook(before), gradebook(after)
    assert old["ana"][TEXT] == "manual" and new["ana"][TEXT] == "0.5"
    assert float(new["ana"]["score"]) == float(old["ana"]["score"]) + 0.5
    assert float(new["bob"]["score"]) == float(old["bob"]["score"]) + 1 and new["bob"][FORMULA] == "1"
    assert float(new["chloé"]["score"]) == float(old["chloé"]["score"]) + 1
    assert all(new[s]["max_score"] == old[s]["max_score"] for s in old)  # automatic points only
    grades = {g["student"]: {p["id"]: p for p in g["parts"]} for g in json.loads((after / "grades.json").read_text())}
    assert grades["ana"][TEXT]["manual"] is True and grades["ana"][TEXT]["score"] == 0.5
    assert grades["bob"][FORMULA]["verdict"] == "correct" and grades["bob"][FORMULA]["diagnosis"] is None
    assert "manual" not in grades["ana"][FORMULA]
    assert "idée juste, incomplète" in (after / "feedback" / "ana.md").read_text(encoding="utf-8")
    assert json.loads((after / "results" / "bob.json").read_text())["score"] == float(new["bob"]["score"])
    html = (after / "report.html").read_text(encoding="utf-8")
    assert "Marks given by hand" in html and "ceil accepté ici" in html


def test_bad_rows_give_one_line_each_and_the_rest_applies(folder, tmp_path):
    marks = tmp_path / "marks.csv"
    marks.write_text("student,part,score,comment\n"
                     f"zoe,{TEXT},1,\n"               # 2: unknown student
                     "ana,td2.II.9/o,1,\n"            # 3: part not graded
                     f"ana,{TEXT},2,\n"               # 4: above the points
                     f"ana,{TEXT},-1,\n"              # 5: below 0
                     f"ana,{TEXT},abc,\n"             # 6: not a number
                     f"ana,{TEXT},\"0,25\",ok\n"      # 7: applies (quoted decimal comma)
                     f"ana,{TEXT},1,again\n"          # 8: second mark
                     f"bob,{TEXT},,\n", encoding="utf-8")  # 9: empty score: skipped silently
    out = tmp_path / "out"
    result = grade(folder, "--out", out, "--manual", marks)
    assert result.exit_code == 0
    lines = result.stderr.splitlines()
    assert [line.split(":")[2] for line in lines] == ["6", "2", "3", "4", "5", "8"]
    assert all(line.startswith(f"tdsolver: {marks}:") for line in lines)
    assert gradebook(out)["ana"][TEXT] == "0.25" and gradebook(out)["bob"][TEXT] == "manual"


def test_template_lists_every_text_part_with_its_rubric_and_reads_back(folder, tmp_path):
    template = tmp_path / "template.csv"
    assert grade(folder, "--manual-template", template).exit_code == 0
    rows = list(csv.DictReader(template.open(encoding="utf-8")))
    assert [(r["student"], r["part"]) for r in rows] == [("ana", TEXT), ("bob", TEXT), ("chloé", TEXT)]
    model = key(TEXT)
    for r in rows:
        assert r["max_score"] == "1" and r["score"] == ""
        assert all(item("en") in r["rubric"] for item in model.rubric) and model.answer("en") in r["rubric"]
    assert rows[1]["answer"].startswith("'=HYPERLINK")  # not a formula in a spreadsheet
    for r in rows:
        r["score"] = "1"
    with template.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    marks, problems = read_marks(template)
    assert problems == [] and [(m.student, m.score) for m in marks] == [("ana", 1.0), ("bob", 1.0), ("chloé", 1.0)]


def test_missing_columns_is_one_message(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("name;points\nana;1\n", encoding="utf-8")
    marks, problems = read_marks(bad)
    assert marks == [] and len(problems) == 1 and "score" in problems[0]("en") and f"{bad}:1" in problems[0]("en")


def test_a_blank_written_answer_is_missing_and_the_total_does_not_move():
    from solver.grading.check import check_answer
    from solver.grading.verdict import Report

    blank = check_answer("td2.III.4", None, "text", None)
    written = check_answer("td2.III.4", None, "text", "fc1 domine le nombre de paramètres")
    assert (blank.verdict, blank.score) == ("missing", None) and written.verdict == "manual"
    number = check_answer("td2.II.1", None, "o", None)  # an automatic part left blank: 0 out of 1
    assert Report("a", "a.yaml", parts=(blank, number)).max_score == \
        Report("b", "b.yaml", parts=(written, number)).max_score == 1
