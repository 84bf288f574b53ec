"""Class report benchmark: time to build report.html and its plots, beyond grading itself.

    python bench/report.py [--students 200] [--jobs 2]

A folder of `--students` generated submissions (`make_class`: right answers, typical mistakes,
a shared wrong answer no mistake explains, unreadable answers, a text part) is graded once by
`tdsolver grade`'s code path; then the report is built and written, and that is what is timed
(median of 3 runs).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FORMULA = "td2.II.1/o"
PARAMS = "td2.III.3a/conv1"
CHOICE = "td2.VI.3/activation"
TEXT = "td2.III.4/text"
# What a student writes for each planted answer of the formula part (a key is derived, not typed).
FORMULA_WRONG = {"ceil-instead-of-floor": "ceil((i+2p-k)/s)+1", "missing-floor": "(i+2p-k)/s+1",
                 "unexplained": "floor((i+3p-k)/s)+1", "invalid": "floor(("}
PARAMS_UNEXPLAINED = "12345"


def key(pid: str, seed=None) -> str:
    from solver.grading.check import solved
    from solver.render.values import plain

    ex_id, part_id = pid.split("/")
    return plain(solved(ex_id, seed)[2].answers[part_id])


def plan_for(n: int) -> dict[str, str]:
    """What student `n` plants in each part: ``right`` or the name of a mistake."""
    formula = {0: "ceil-instead-of-floor", 1: "missing-floor", 2: "unexplained"}.get(n % 6, "right")
    if n % 11 == 5:
        formula = "invalid"
    params = {0: "off-by-one", 1: "unexplained"}.get(n % 4, "right")
    return {FORMULA: formula, PARAMS: params, CHOICE: "right" if n % 3 else "wrong"}


def name_of(n: int) -> str:
    return "<b>Zoé & Co</b>" if n == 3 else f"étudiant{n:03d}"


def make_class(folder: Path, students: int, broken: int = 1) -> dict[str, dict[str, str]]:
    """Write the submissions of `students` students (and `broken` unreadable files); the plan
    (student -> part -> what was planted)."""
    plans = {}
    for n in range(students):
        plan = plan_for(n)
        answers = {}
        for pid, what in plan.items():
            if pid == FORMULA:
                answers[pid] = key(pid) if what == "right" else FORMULA_WRONG[what]
            elif pid == PARAMS:
                answers[pid] = {"right": key(pid), "off-by-one": str(int(key(pid)) + 1),
                                "unexplained": PARAMS_UNEXPLAINED}[what]
            else:
                answers[pid] = key(pid) if what == "right" else "relu"
        answers[TEXT] = f"Réponse rédigée numéro {n}."
        data = {"student": name_of(n), "answers": answers}
        (folder / f"s{n:03d}.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        plans[name_of(n)] = plan
    for n in range(broken):
        (folder / f"zz-broken{n}.yaml").write_text("answers: [not: valid\n", encoding="utf-8")
    return plans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    from solver.grading.report import write_report
    from solver.grading.submission import grade_paths

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "subs"
        folder.mkdir()
        make_class(folder, args.students)
        start = time.perf_counter()
        reports = grade_paths([str(folder)], jobs=args.jobs)
        grading = time.perf_counter() - start
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            write_report(Path(tmp) / "out", reports, "fr")
            runs.append(time.perf_counter() - start)
        size = (Path(tmp) / "out" / "report.html").stat().st_size
    print(f"students: {args.students}  parts: {sum(len(r.parts) for r in reports)}  grading: {grading:.1f} s")
    print(f"report (first run, matplotlib import included): {runs[0]:.2f} s")
    print(f"report (median of 3): {statistics.median(runs):.2f} s  report.html: {size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
