"""Grader benchmark: per-answer time by part kind (median, p95) and batch throughput.

    python bench/grading.py [--students 200] [--jobs 2]

Per-answer times are measured in-process (`check_answer`, keys already solved) on the solutions'
own answers and on typical wrong ones (mal-rules), for every exercise. The batch is a folder of
`--students` submissions (every 20th file broken) graded by `tdsolver grade`'s code path,
worker processes included; the figure is answers graded per second, wall clock, and the CPU
seconds the main process and its workers used (on a machine other jobs load, wall-clock figures
grow with the load; CPU figures hardly do: the CPU medians and answers per CPU second are the
comparable ones, with `uptime`'s load printed beside them). The hostile
batch is one file of every kind of abuse the loader and the writers must survive
(`write_hostile`, also used by tests/test_abuse.py) among as many normal files; its figures are
the wall time and the main process's peak memory (ru_maxrss).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PARTS = ["td2.II.1/o", "td2.III.3a/conv1", "td2.III.3a/conv2", "td2.III.3a/fc1", "td2.III.3a/total",
         "td2.III.2a/conv1", "td2.III.2a/flatten", "td2.II.2/Y", "td2.VI.3/activation", "devoir.4.2/variable_size",
         "cours-intro.forward/o1", "cours-intro.ce-loss/loss", "td2.I.3/A", "devoir.1.4/log_softmax", "td2.IV/dY_dW"]


def per_answer() -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Wall-clock and CPU seconds per answer, by part kind."""
    from solver.grading.check import check_answer, solved
    from solver.grading.diagnose import as_sympy
    from solver.render.values import plain
    from solver.sheets import registry

    times: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    for ex in registry.all_exercises():
        _, params, sol = solved(ex.id, None)
        answers = [(p, plain(sol.answers[p.id])) for p in ex.parts if p.kind != "text"]
        for d in ex.diagnoses:
            try:
                wrong = d.wrong(params)
            except TypeError:
                continue
            if wrong is not None:
                answers.append((ex.part(d.part), plain(as_sympy(wrong))))
        for part, text in answers:
            start, start_cpu = time.perf_counter(), time.thread_time()
            check_answer(ex.id, None, part.id, text)
            cpu.setdefault(part.kind, []).append(time.thread_time() - start_cpu)
            times.setdefault(part.kind, []).append(time.perf_counter() - start)
    return times, cpu


def make_batch(folder: Path, students: int) -> int:
    """Write `students` submission files (every 20th one broken); the number of answers."""
    from solver.grading.check import solved
    from solver.render.values import plain

    answers = 0
    for n in range(students):
        path = folder / f"student{n:03d}.yaml"
        if n % 20 == 7:
            path.write_text("answers: [this is not: valid\n", encoding="utf-8")
            continue
        seed = None if n % 3 == 0 else n % 5
        lines = [f"student: s{n:03d}", f"seed: {'null' if seed is None else seed}", "answers:"]
        for k, pid in enumerate(PARTS):
            ex_id, part_id = pid.split("/")
            value = plain(solved(ex_id, seed)[2].answers[part_id])
            if (n + k) % 4 == 0:
                value = "x + 1" if k % 2 else "42"
            lines.append(f"  {pid}: {json.dumps(value)}")
            answers += 1
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return answers


def _laughs(target: str) -> str:
    """YAML whose `target` ("student", "seed" or "answer") stands for 9**9 strings."""
    lines = ['l0: &l0 "lol"'] + [f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]" for n in range(1, 10)]
    if target == "answer":
        return "\n".join(lines + ["answers:", "  td2.II.1/o: *l9"]) + "\n"
    return "\n".join(lines + [f"{target}: *l9", "answers:", '  td2.II.1/o: "1"']) + "\n"


# One file per abuse: name -> (content, True when the file must get an error row). Contents that
# are not text are made by `write_hostile` (FIFO, links, a file too large).
HOSTILE = {
    "deep.yaml": ("answers:\n  td2.II.1/o: " + "[" * 3000 + "]" * 3000 + "\n", True),
    "deep.json": ('{"answers": {"td2.II.1/o": ' + "[" * 3000 + "]" * 3000 + "}}", True),
    "laughs-student.yaml": (_laughs("student"), True),
    "laughs-seed.yaml": (_laughs("seed"), True),
    "laughs-answer.yaml": (_laughs("answer"), True),
    "recursive.yaml": ("student: &s [*s]\nanswers: {}\n", True),
    "huge-int.yaml": ("answers:\n  td2.II.1/o: 1" + "0" * 5000 + "\n", True),
    "not-utf8.json": ("\udcff", True),
    "bad-seed.yaml": ('seed: "<img src=x onerror=alert(1)>"\nanswers: {}\n', True),
    "long-name.yaml": ('student: "' + "\U0001d54f" * 100 + '"\nanswers:\n  td2.II.1/o: "1"\n', False),
    "alice1.yaml": ('student: alice\nanswers:\n  td2.II.1/o: "1"\n', False),
    "alice2.yaml": ('student: alice\nanswers:\n  td2.II.1/o: "2"\n', False),
    "alice3.yaml": ('student: alice-2\nanswers:\n  td2.II.1/o: "3"\n', False),
    "formula.yaml": (('student: "=HYPERLINK(\\"http://x\\";\\"y\\")"\nseed: 3\nanswers:\n'
                      '  td2.II.1/o: "<img src=x onerror=alert(1)>"\n  td2.III.3a/conv1: "-1+1"\n'
                      '  td2.III.3a/fc1: "@SUM(A1)"\n  "td9.1/<b>x</b>": "1"\n'), False),
    "markup.yaml": (('student: "<script>alert(1)</script>\\n# pwned ``x``"\nanswers:\n'
                     '  td2.II.1/o: "`` ` `` x\\n# pwned | a | b |"\n'
                     '  td2.III.3a/conv1: "$\\\\frac{<b>}{$"\n'), False),
    "bidi.yaml": ('student: "ali\\u202ece\\x1b[31m"\nanswers:\n  td2.II.1/o: "[x](javascript:alert(1))"\n', False),
}
MADE = {"fifo.yaml": True, "broken.yaml": True, "outside.yaml": True, "too-big.yaml": True}


def write_hostile(folder: Path, outside: Path) -> dict[str, bool]:
    """Write every abuse into `folder` (a link points to a file in `outside`); name -> whether
    that file must get an error row."""
    from solver.grading.submission import MAX_FILE_BYTES

    folder.mkdir(parents=True, exist_ok=True)
    for name, (content, _) in HOSTILE.items():
        (folder / name).write_bytes(content.encode("utf-8", "surrogateescape"))
    os.mkfifo(folder / "fifo.yaml")
    os.symlink(folder / "missing.yaml", folder / "broken.yaml")
    secret = outside / "secret.yaml"
    secret.write_text('student: mallory\nanswers:\n  td2.II.1/o: "1"\n', encoding="utf-8")
    os.symlink(secret, folder / "outside.yaml")
    (folder / "too-big.yaml").write_bytes(b"answers: {}\n#" + b"x" * MAX_FILE_BYTES)
    return {name: bad for name, (_, bad) in HOSTILE.items()} | MADE


def hostile(students: int, jobs: int) -> tuple[int, float, float]:
    """Grade and write the hostile files among `students` normal ones: (files, seconds, peak MB)."""
    from solver.grading.output import write_outputs
    from solver.grading.submission import grade_paths

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "subs"
        folder.mkdir()
        make_batch(folder, students)
        kinds = write_hostile(folder, Path(tmp))
        start = time.perf_counter()
        reports = grade_paths([str(folder)], jobs=jobs)
        write_outputs(Path(tmp) / "out", reports, "en")
        elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    return students + len(kinds), elapsed, peak


def batch(students: int, jobs: int) -> tuple[int, float, float]:
    """Grade `students` files: (answers, wall seconds, CPU seconds of this process and its workers)."""
    from solver.grading.output import write_outputs
    from solver.grading.submission import grade_paths

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "subs"
        folder.mkdir()
        make_batch(folder, students)
        start, start_cpu = time.perf_counter(), _cpu_seconds()
        reports = grade_paths([str(folder)], jobs=jobs)
        write_outputs(Path(tmp) / "out", reports, "en")
        elapsed, cpu = time.perf_counter() - start, _cpu_seconds() - start_cpu
        graded = sum(len(r.parts) for r in reports)
    return graded, elapsed, cpu


def _cpu_seconds() -> float:
    """User + system CPU seconds of this process and of its workers that ended."""
    return sum(u.ru_utime + u.ru_stime for u in (resource.getrusage(resource.RUSAGE_SELF),
                                                  resource.getrusage(resource.RUSAGE_CHILDREN)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=min(os.cpu_count() or 1, 4))
    args = parser.parse_args()
    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    times, cpu = per_answer()
    print(f"{'kind':<8} {'answers':>7} {'median ms':>10} {'p95 ms':>8} {'CPU median ms':>14}")
    for kind in sorted(times):
        values = sorted(times[kind])
        p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
        print(f"{kind:<8} {len(values):>7} {1000 * statistics.median(values):>10.2f} {1000 * p95:>8.2f} "
              f"{1000 * statistics.median(cpu[kind]):>14.2f}")
    graded, elapsed, used = batch(args.students, args.jobs)
    print(f"batch: {args.students} submissions, {graded} answers in {elapsed:.2f} s with {args.jobs} "
          f"worker(s): {graded / elapsed:.0f} answers/s; {used:.2f} CPU s: {graded / used:.0f} answers per CPU s")
    files, elapsed, peak = hostile(args.students, args.jobs)
    print(f"hostile batch: {files} files ({len(HOSTILE) + len(MADE)} hostile) in {elapsed:.2f} s; "
          f"main process peak memory {peak:.0f} MB")


if __name__ == "__main__":
    main()
