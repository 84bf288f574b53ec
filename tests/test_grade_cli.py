"""`tdsolver grade` and `tdsolver template`: files in, gradebook, feedback and Gradescope results out."""

import csv
import json
import os
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from cli import main
from solver.grading.check import solved
from solver.render.values import plain

PARTS = ["td2.II.1/o", "td2.III.3a/conv1", "td2.III.3a/total", "td2.III.2a/conv1", "td2.VI.3/activation",
         "cours-intro.forward/o1", "td2.II.2/Y"]


def key(pid, seed=None):
    ex_id, part_id = pid.split("/")
    return plain(solved(ex_id, seed)[2].answers[part_id])


def write(path: Path, data) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=True), encoding="utf-8")
    return path


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_template_lists_every_part_and_grades_as_missing(tmp_path):
    result = run("template", "td2", "--lang", "en")
    assert result.exit_code == 0
    data = yaml.safe_load(result.output)
    assert data["sheet"] == "td2" and "td2.II.1/o" in data["answers"]
    sub = tmp_path / "blank.yaml"
    sub.write_text(result.output, encoding="utf-8")
    graded = json.loads(run("grade", str(sub), "--json").output)
    verdicts = {p["verdict"] for p in graded["parts"]}
    assert verdicts <= {"missing", "manual"} and graded["student"] == "blank"


def test_template_of_one_exercise_and_unknown_id():
    assert "td2.II.1/o" in run("template", "conv-output-size").output
    assert run("template", "td9.9").exit_code == 2


def test_single_file_json_follows_the_contract(tmp_path):
    sub = write(tmp_path / "alice.yaml", {"student": "alice", "answers": {
        "td2.II.1/o": "floor((i + 2p - k)/s) + 1", "conv-output-size/o": "ignored duplicate via alias",
        "td2.III.3a/conv1": "321", "td9.1/x": "3"}})
    result = run("grade", str(sub), "--json", "--lang", "en")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert set(data) >= {"student", "seed", "score", "max_score", "parts"}
    parts = {p["id"]: p for p in data["parts"]}
    assert set(parts["td2.III.3a/conv1"]) >= {"id", "verdict", "score", "max_score", "diagnosis", "feedback", "expected"}
    assert parts["td2.III.3a/conv1"]["verdict"] == "incorrect"
    assert parts["td2.III.3a/conv1"]["diagnosis"] == "off-by-one"
    assert data["unknown_parts"] == ["td9.1/x"]


def test_the_seed_grades_the_students_variant(tmp_path):
    seed = 4
    sub = write(tmp_path / "bob.yaml", {"seed": seed, "answers": {"td2.III.3a/conv1": key("td2.III.3a/conv1", seed)}})
    data = json.loads(run("grade", str(sub), "--json").output)
    assert data["seed"] == seed
    assert [p["verdict"] for p in data["parts"] if p["id"] == "td2.III.3a/conv1"] == ["correct"]


def test_an_unreadable_file_exits_1_but_is_reported(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("answers: [oops\n", encoding="utf-8")
    result = run("grade", str(bad), "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["error"]  # the reason is also one line on stderr


def test_no_submission_in_a_folder_is_a_usage_error(tmp_path):
    assert run("grade", str(tmp_path)).exit_code == 2


def _batch(folder: Path, n: int) -> None:
    folder.mkdir()
    for s in range(n):
        if s % 25 == 3:
            (folder / f"s{s:03d}.yaml").write_text("answers: {unclosed\n", encoding="utf-8")
            continue
        if s % 25 == 11:
            (folder / f"s{s:03d}.json").write_bytes(b"\xff\xfe not utf-8")
            continue
        seed = None if s % 2 else s % 3
        answers = {pid: (key(pid, seed) if (s + k) % 3 else "2p + 1") for k, pid in enumerate(PARTS)}
        write(folder / f"s{s:03d}.yaml", {"student": f"st{s:03d}", "seed": seed, "answers": answers})


def test_a_batch_of_200_gives_200_rows_and_identical_bytes_twice(tmp_path):
    folder = tmp_path / "subs"
    _batch(folder, 200)
    outs = []
    for n in (1, 2):
        out = tmp_path / f"out{n}"
        start = time.perf_counter()
        result = run("grade", str(folder), "--out", str(out), "--jobs", "2", "--lang", "en")
        elapsed = time.perf_counter() - start
        assert result.exit_code == 1  # some files could not be read; the others are graded
        outs.append(out)
    rows = list(csv.DictReader((outs[0] / "gradebook.csv").open(encoding="utf-8")))
    assert len(rows) == 200
    broken = [r for r in rows if r["status"] != "ok"]
    assert len(broken) == 16 and all(r["status"] for r in broken)
    answers = sum(1 for r in rows if r["status"] == "ok") * (len(rows[0]) - 8)
    assert answers / elapsed >= 200, f"{answers} answers in {elapsed:.1f} s"
    files = sorted(p.relative_to(outs[0]) for p in outs[0].rglob("*") if p.is_file())
    # gradebook, grades.json, moodle_grades.csv; feedback .md and .html, results; report and 2 plots
    assert len(files) == 3 + 3 * 200 + 3
    for rel in files:
        assert (outs[0] / rel).read_bytes() == (outs[1] / rel).read_bytes(), rel
    grades = json.loads((outs[0] / "grades.json").read_text(encoding="utf-8"))
    assert len(grades) == 200
    gradescope = json.loads(next((outs[0] / "results").glob("st000.json")).read_text(encoding="utf-8"))
    assert set(gradescope) >= {"score", "max_score", "tests"}
    assert set(gradescope["tests"][0]) == {"name", "score", "max_score", "output"}
    assert not list(outs[0].rglob(".*"))  # no temporary file left


def test_a_file_full_of_hostile_answers_is_graded_in_seconds(tmp_path):
    from test_grading_parse import HOSTILE

    answers = {pid: HOSTILE[n % len(HOSTILE)] for n, pid in enumerate(PARTS)}
    subs = [write(tmp_path / f"h{n}.yaml", {"answers": {pid: HOSTILE[(n + k) % len(HOSTILE)]
                                                        for k, pid in enumerate(PARTS)}}) for n in range(len(HOSTILE))]
    assert answers
    start = time.perf_counter()
    result = run("grade", *map(str, subs), "--json")
    assert time.perf_counter() - start < 20
    assert result.exit_code == 0
    verdicts = {p["verdict"] for sub in json.loads(result.output) for p in sub["parts"]}
    assert verdicts <= {"invalid", "incorrect", "missing", "manual"}
    assert not os.path.exists("/tmp/tdsolver_pwned")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_feedback_is_written_in_the_language_asked(tmp_path, lang):
    sub = write(tmp_path / "c.yaml", {"answers": {"td2.II.1/o": "ceil((i+2p-k)/s)+1"}})
    run("grade", str(sub), "--out", str(tmp_path / "out"), "--lang", lang)
    text = (tmp_path / "out" / "feedback" / "c.md").read_text(encoding="utf-8")
    assert "ceil-instead-of-floor" in text
    assert ("Attendu" in text) == (lang == "fr")


def test_grading_a_folder_twice_never_grades_its_own_results(tmp_path):
    from click.testing import CliRunner

    import cli

    (tmp_path / "alice.yaml").write_text('answers:\n  td2.II.1/o: "floor((i+2p-k)/s)+1"\n', encoding="utf-8")
    out = tmp_path / "out"
    for _ in range(2):
        result = CliRunner().invoke(cli.main, ["grade", str(tmp_path), "--out", str(out)])
        assert result.exit_code == 0, result.output
    rows = (out / "gradebook.csv").read_text(encoding="utf-8").splitlines()
    assert len(rows) == 2  # header + alice


def test_a_json_file_without_answers_is_not_a_submission(tmp_path):
    from solver.grading.submission import read_submission

    path = tmp_path / "results.json"
    path.write_text('{"score": 1, "tests": []}', encoding="utf-8")
    assert read_submission(path).error is not None
