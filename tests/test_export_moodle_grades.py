"""moodle_grades.csv: the identifier Moodle matches on, the total, and no spreadsheet formulas."""

import csv
import io
import json

import pytest
import yaml
from click.testing import CliRunner

from cli import main
from solver.core.errors import WorkError
from solver.core.text import Text
from solver.grading.moodle_grades import moodle_grades_csv, read_roster
from solver.grading.verdict import Report, Verdict


def report(student, file, scores, error=None):
    parts = tuple(Verdict(id=f"x/{i}", verdict="correct" if s else "incorrect", score=s, max_score=1)
                  for i, s in enumerate(scores))
    return Report(student=student, file=file, parts=parts, error=error)


def rows(text):
    return list(csv.reader(io.StringIO(text)))


def test_email_from_the_roster_is_the_identifier():
    roster = [{"student": "Alice Martin", "file": "alice-martin", "seed": 1, "email": "alice@example.org", "id": "7"},
              {"student": "Bob", "file": "bob", "seed": 2, "email": "bob@example.org", "id": "8"}]
    reports = [report("Alice Martin", "subs/alice-martin.yaml", [1, 0.5, 1]), report("bob?", "subs/bob.yaml", [0, 1])]
    assert rows(moodle_grades_csv(reports, roster)) == [["email", "total"], ["alice@example.org", "2.5"],
                                                        ["bob@example.org", "1"]]


def test_a_roster_object_with_students_works_too():
    class Roster:  # the grader's own roster type carries the keys.json entries as `students`
        students = ({"student": "Alice", "file": "alice", "email": "a@example.org"},)

    assert rows(moodle_grades_csv([report("Alice", "", [])], Roster()))[1] == ["a@example.org", "0"]


def test_id_then_student_name_when_no_email():
    roster = [{"student": "Alice", "file": "alice", "id": "2024-17"}]
    assert rows(moodle_grades_csv([report("Alice", "alice.yaml", [1])], roster))[1] == ["2024-17", "1"]
    assert rows(moodle_grades_csv([report("Alice", "alice.yaml", [1])]))[0:2] == [["student", "total"], ["Alice", "1"]]


def test_formula_cells_are_neutralised_and_unreadable_files_left_empty():
    reports = [report("=HYPERLINK(\"http://x\")", "a.yaml", [1]), report("@SUM(A1)", "b.yaml", [], Text("x", "x")),
               report("+1", "c.yaml", [0]), report("-1", "d.yaml", [1])]
    out = rows(moodle_grades_csv(reports))
    assert [r[0][0] for r in out[1:]] == ["'"] * 4
    assert out[2][1] == ""


def test_roster_file_read_and_bad_one_refused(tmp_path):
    good = tmp_path / "keys.json"
    good.write_text(json.dumps({"sheet": "td2", "students": [{"student": "A", "file": "a", "seed": 3}]}))
    assert read_roster(str(good))[0]["seed"] == 3
    bad = tmp_path / "bad.json"
    bad.write_text("{\"students\": 3}")
    with pytest.raises(WorkError) as caught:
        read_roster(str(bad))
    assert "bad.json" in caught.value.message("en")


def test_grade_out_writes_moodle_grades(tmp_path):
    sub = tmp_path / "subs" / "alice.yaml"
    sub.parent.mkdir()
    # softmax is right for two exclusive classes, mse is the wrong loss: 1 point
    sub.write_text(yaml.safe_dump({"student": "alice", "answers": {"td2.VI.3/activation": "softmax",
                                                                   "td2.VI.3/loss": "mse"}}))
    result = CliRunner().invoke(main, ["grade", str(sub), "--out", str(tmp_path / "out")], catch_exceptions=False)
    assert result.exit_code == 0
    assert rows((tmp_path / "out" / "moodle_grades.csv").read_text()) == [["student", "total"], ["alice", "1"]]
