"""A grading batch survives anything a student (or a file system) throws at it.

Every class of abuse found by the security review has a test here: hostile documents (depth,
aliases, size), files that are not files, names that cannot be file names or that collide,
student text that would become markup or formulas, runs killed while writing, workers left
behind, verdicts that change with the machine's load.
"""

import csv
import io
import json
import os
import random
import re
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.grading import HOSTILE, write_hostile
from cli import main
from solver.grading import worker
from solver.grading.check import check_answer
from solver.grading.output import file_stems, write_outputs
from solver.grading.submission import MAX_DEPTH, read_submission
from solver.grading.verdict import Report

ROOT = Path(__file__).resolve().parents[1]
GOOD = 'student: {name}\nanswers:\n  td2.II.1/o: "floor((i + 2p - k)/s) + 1"\n'


def grade(*args):
    return CliRunner().invoke(main, ["grade", *map(str, args), "--lang", "en"], catch_exceptions=False)


def error_of(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    sub = read_submission(path)
    assert sub.error is not None, name
    assert "\n" not in sub.error("fr") and "\n" not in sub.error("en")
    assert sub.error("fr") != sub.error("en")
    return sub.error("en")


# --- loading -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(n for n, (_, bad) in HOSTILE.items() if bad))
def test_every_hostile_document_is_one_error_line(tmp_path, name):
    start = time.perf_counter()
    error_of(tmp_path, name, HOSTILE[name][0].encode("utf-8", "surrogateescape"))
    assert time.perf_counter() - start < 5  # does not hang


def test_depth_and_aliases_are_bounded_before_anything_becomes_text(tmp_path):
    assert "levels" in error_of(tmp_path, "d.yaml", "answers:\n  a/b: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    assert "levels" in error_of(tmp_path, "d.json", '{"answers": {"a/b": ' + "{\"x\": " * 5000 + "1" + "}" * 5002)
    assert "aliases" in error_of(tmp_path, "l.yaml", HOSTILE["laughs-student.yaml"][0])
    assert "recursive" in error_of(tmp_path, "r.yaml", "answers: &a {x: *a}\n")
    # an alias to a deep value, used deep down, is as deep as its expansion
    deep = "[" * 30 + "]" * 30
    assert "levels" in error_of(tmp_path, "a.yaml", f"x: &d {deep}\nanswers:\n  a/b: {'[' * 15}*d{']' * 15}\n")
    # a string in brackets is not nesting
    ok = tmp_path / "ok.json"
    ok.write_text(json.dumps({"answers": {"td2.II.1/o": "[[[[" * 20}}), encoding="utf-8")
    assert read_submission(ok).error is None


def test_files_that_are_not_files_get_a_row(tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    write_hostile(tmp_path / "subs", outside)
    for name in ("fifo.yaml", "broken.yaml", "outside.yaml", "too-big.yaml"):
        assert read_submission(tmp_path / "subs" / name, (tmp_path / "subs").resolve()).error, name
    # a link that stays inside the folder is read
    (tmp_path / "subs" / "inside.yaml").symlink_to(tmp_path / "subs" / "alice1.yaml")
    assert read_submission(tmp_path / "subs" / "inside.yaml", (tmp_path / "subs").resolve()).error is None


def test_a_fifo_or_a_device_on_the_command_line_never_hangs(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    done = subprocess.run([sys.executable, "cli.py", "grade", str(fifo), "/dev/zero", "--lang", "en"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 2 and all("not a regular file" in line for line in lines)


def _values(depth=4):
    scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30))
    return st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                         st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                        max_leaves=depth * 6)


_PART_IDS = st.sampled_from(["td2.II.1/o", "td2.III.3a/conv1", "conv-output-size/o", "td9/x", "", "/"])
_SUBMISSIONS = st.one_of(_values(), st.fixed_dictionaries(
    {}, optional={"student": _values(2), "seed": _values(2), "sheet": _values(2),
                  "answers": st.one_of(_values(3), st.dictionaries(_PART_IDS, _values(3), max_size=4))}))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=_SUBMISSIONS, as_json=st.booleans())
def test_fuzzed_submission_files_never_fail_the_batch(tmp_path, data, as_json):
    path = tmp_path / ("f.json" if as_json else "f.yaml")
    try:
        raw = json.dumps(data) if as_json else yaml.safe_dump(data, allow_unicode=True)
    except ValueError:  # NaN keys and the like cannot be written: nothing to read then
        return
    path.write_text(raw, encoding="utf-8", errors="surrogatepass")
    sub = read_submission(path)
    assert sub.error is None or "\n" not in sub.error("en")
    assert isinstance(sub.student, str) and all(isinstance(v, (str, type(None))) for v in sub.answers.values())


@settings(max_examples=60, deadline=None)
@given(names=st.lists(st.text(min_size=0, max_size=120), min_size=1, max_size=6))
def test_file_stems_are_unique_and_bounded(names):
    reports = [Report(name, f"{n}.yaml") for n, name in enumerate(names)]
    stems = file_stems(reports)
    assert len({s.casefold() for s in stems}) == len(stems)
    assert all(0 < len(s.encode("utf-8")) <= 90 and re.fullmatch(r"[\w.-]+", s) and not s.startswith(".")
               for s in stems)


# --- the whole batch -----------------------------------------------------------------------

def _hostile_batch(tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    subs = tmp_path / "subs"
    kinds = write_hostile(subs, outside)
    for n in range(3):
        (subs / f"normal{n}.yaml").write_text(GOOD.format(name=f"normal{n}"), encoding="utf-8")
        kinds[f"normal{n}.yaml"] = False
    return subs, kinds


def test_a_batch_of_every_abuse_gives_every_file_its_row_feedback_and_results(tmp_path):
    subs, kinds = _hostile_batch(tmp_path)
    out = tmp_path / "out"
    old_umask = os.umask(0o022)
    try:
        result = grade(subs, "--out", out, "--jobs", "2")
    finally:
        os.umask(old_umask)
    assert result.exit_code == 1
    bad = sorted(name for name, is_bad in kinds.items() if is_bad)
    errors = result.stderr.strip().splitlines()
    assert len(errors) == len(bad) and all(any(name in line for line in errors) for name in bad)
    grades = json.loads((out / "grades.json").read_text(encoding="utf-8"))
    assert sorted(Path(g["file"]).name for g in grades) == sorted(kinds)
    rows = list(csv.reader(io.StringIO((out / "gradebook.csv").read_text(encoding="utf-8"))))
    assert len(rows) == 1 + len(kinds)
    files = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}
    listed = {g[key] for g in grades for key in ("feedback_file", "feedback_html", "results_file")}
    report = {"report.html", "plots/scores.svg", "plots/success.svg"}
    assert len(listed) == 3 * len(kinds) and files == listed | {"gradebook.csv", "grades.json", "moodle_grades.csv"} | report
    for path in out.rglob("*"):
        assert stat.S_IMODE(path.stat().st_mode) == (0o755 if path.is_dir() else 0o644), path
    assert stat.S_IMODE(out.stat().st_mode) == 0o755
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging folder left
    _assert_nothing_unescaped(out, rows)
    assert "\x1b" not in result.output and "\u202e" not in result.output


def _assert_nothing_unescaped(out: Path, rows) -> None:
    """No student text acts as markup or formula in any output file."""
    for path in list(out.glob("feedback/*.md")) + list(out.glob("results/*.json")):
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".json":
            data = json.loads(text)
            text = "\n".join([data.get("output", "")] + [t["output"] + "\n" + t["name"] for t in data["tests"]])
        assert "<" not in text, path  # no raw HTML at all: our own Markdown never needs it
        assert not re.search(r"(?<!\\)`", text), path  # no code span a student could break out of
        assert not re.search(r"^#+ pwned|^pwned", text, re.MULTILINE), path  # no heading broken by a newline
        assert not re.search(r"(?<!\\)\[x(?<!\\)\]\(", text), path  # no link
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell
            assert not cell.startswith("-") or re.fullmatch(r"-\d+(\.\d+)?", cell), cell


def test_collisions_and_long_names_each_get_their_files(tmp_path):
    subs, _ = _hostile_batch(tmp_path)
    out = tmp_path / "out"
    grade(subs, "--out", out)
    grades = {Path(g["file"]).name: g for g in json.loads((out / "grades.json").read_text(encoding="utf-8"))}
    alices = [grades[f"alice{n}.yaml"]["feedback_file"] for n in (1, 2, 3)]
    assert len(set(alices)) == 3
    long_name = grades["long-name.yaml"]
    assert len(Path(long_name["feedback_file"]).name.encode("utf-8")) < 255
    assert (out / long_name["results_file"]).exists()
    assert "\U0001d54f" * 10 in (out / long_name["feedback_file"]).read_text(encoding="utf-8")


def test_a_rerun_drops_students_no_longer_there_and_a_foreign_folder_is_never_replaced(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    for name in ("ann", "ben"):
        (subs / f"{name}.yaml").write_text(GOOD.format(name=name), encoding="utf-8")
    out = tmp_path / "out"
    assert grade(subs, "--out", out).exit_code == 0
    (subs / "ben.yaml").unlink()
    assert grade(subs, "--out", out).exit_code == 0
    assert sorted(p.name for p in out.rglob("*.md")) == ["ann.md"]
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("precious", encoding="utf-8")
    result = grade(subs, "--out", foreign)
    assert result.exit_code == 1 and "not a tdsolver grade output" in result.stderr
    assert (foreign / "thesis.tex").read_text(encoding="utf-8") == "precious"


# --- killed while writing ------------------------------------------------------------------

def _snapshot(out: Path) -> dict:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_a_writer_failing_half_way_leaves_the_previous_set(tmp_path, monkeypatch):
    from solver.grading import output

    out = tmp_path / "out"
    reports = [Report(f"s{n}", f"s{n}.yaml") for n in range(5)]
    write_outputs(out, reports[:2], "en")
    before = _snapshot(out)
    real, calls = output._write_new, []

    def failing(path, text):
        calls.append(path)
        if len(calls) == 4:
            raise OSError(28, "No space left on device")
        real(path, text)
    monkeypatch.setattr(output, "_write_new", failing)
    with pytest.raises(OSError):
        write_outputs(out, reports, "en")
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_run_killed_at_random_moments_leaves_a_complete_old_or_new_set(tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    for folder, names in ((old, ["ann", "ben"]), (new, [f"n{k:02d}" for k in range(40)])):
        folder.mkdir()
        for name in names:
            (folder / f"{name}.yaml").write_text(GOOD.format(name=name), encoding="utf-8")
    out = tmp_path / "out"
    command = [sys.executable, "cli.py", "grade", "--out", str(out), "--jobs", "1"]
    subprocess.run(command + [str(new)], cwd=ROOT, check=True, capture_output=True, timeout=120)
    new_set = _snapshot(out)
    start = time.perf_counter()
    subprocess.run(command + [str(old)], cwd=ROOT, check=True, capture_output=True, timeout=120)
    old_set = _snapshot(out)
    full = time.perf_counter() - start
    rng = random.Random(7)
    seen = set()
    for _ in range(6):
        subprocess.run(command + [str(old)], cwd=ROOT, check=True, capture_output=True, timeout=120)
        run = subprocess.Popen(command + [str(new)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.6, 1.3) * full)
        run.send_signal(signal.SIGKILL)
        run.wait()
        now = _snapshot(out)
        assert now in (old_set, new_set)
        seen.add("new" if now == new_set else "old")
    subprocess.run(command + [str(new)], cwd=ROOT, check=True, capture_output=True, timeout=120)
    assert _snapshot(out) == new_set
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new", "old", "out"]  # leftovers cleaned


# --- worker processes ----------------------------------------------------------------------

WORKERS_SCRIPT = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {root!r})
    from solver.grading import check
    def spin(*task):
        while True:
            time.sleep(0)
    check.check_answer = spin
    from solver.grading.worker import CheckerPool
    pool = CheckerPool(jobs=2, timeout=600)
    print(" ".join(str(w.process.pid) for w in pool.workers), flush=True)
    pool.run([("td2.II.1", None, "o", "1")] * 2)
""")


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_workers_die_when_the_main_process_is_killed(tmp_path):
    main_process = subprocess.Popen([sys.executable, "-c", WORKERS_SCRIPT.format(root=str(ROOT))],
                                    stdout=subprocess.PIPE, text=True)
    pids = [int(p) for p in main_process.stdout.readline().split()]
    assert len(pids) == 2
    time.sleep(0.5)
    assert not any(_gone(pid) for pid in pids)
    main_process.send_signal(signal.SIGKILL)
    main_process.wait()
    deadline = time.monotonic() + 10
    while not all(_gone(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert all(_gone(pid) for pid in pids)


def _calls(n):
    for _ in range(n):
        len(())


def _engine_work(n):
    """Work at the engine's pace (SymPy arithmetic, nothing cached across calls)."""
    import sympy as sp

    total = sp.Integer(0)
    for k in range(n):
        total += sp.Rational(k, 7)
    return total


def _slow_then_check(*task):
    _engine_work(int(task[3]))
    return check_answer(task[0], task[1], task[2], "floor((i + 2p - k)/s) + 1")


def _events(run) -> int:
    seen = [0]

    def count(frame, event, arg):
        seen[0] += 1
    from sympy.core.cache import clear_cache

    clear_cache()
    sys.setprofile(count)
    try:
        run()
    finally:
        sys.setprofile(None)
    return seen[0]


def test_the_work_budget_gives_the_same_verdict_on_every_run(monkeypatch):
    from solver.grading import check

    timeout = 2.0
    budget = worker.work_budget(timeout)
    per_step = _events(lambda: _engine_work(200)) / 200
    under, over = int(budget / 4 / per_step), int(2 * budget / per_step)
    monkeypatch.setattr(check, "check_answer", _slow_then_check)
    verdicts = []
    for _ in range(3):
        with worker.CheckerPool(jobs=1, timeout=timeout) as pool:
            verdicts.append([v.verdict for v in pool.run([("td2.II.1", None, "o", str(under)),
                                                          ("td2.II.1", None, "o", str(over))])])
    assert verdicts == [["correct", "unknown"]] * 3


def test_counted_work_is_the_same_on_every_run():
    for _ in range(3):
        with pytest.raises(worker.WorkBudgetExceeded):
            worker.counted(lambda: _calls(10**9), 50_000)
    # the first run also pays SymPy's one-time lazy set-up; every later one counts the same
    used = [_events(lambda: _engine_work(300)) for _ in range(4)]
    assert len(set(used[1:])) == 1 and used[1] > 300


def test_a_worker_that_gets_no_cpu_for_a_while_is_not_timed_out(monkeypatch):
    """A machine so loaded that the worker gets no CPU for longer than the timeout (here: the
    worker stopped right after receiving its answer) does not turn the verdict into `unknown`:
    the limit is the worker's CPU time, wall-clock time only a last guard."""
    import threading

    send = worker._Worker.send

    def send_then_stall(self, index, task, timeout):
        send(self, index, task, timeout)
        os.kill(self.process.pid, signal.SIGSTOP)
        threading.Timer(3 * timeout, os.kill, (self.process.pid, signal.SIGCONT)).start()

    monkeypatch.setattr(worker._Worker, "send", send_then_stall)
    with worker.CheckerPool(jobs=1, timeout=0.5) as pool:
        verdicts = pool.run([("td2.II.1", None, "o", "floor((i+2p-k)/s)+1")])
    assert [v.verdict for v in verdicts] == ["correct"]
