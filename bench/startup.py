"""Cold start-up times of the commands people wait for (prints figures; not a test).

    python bench/startup.py [--runs N]

Each command runs in a fresh interpreter; the figure is the median wall time of N runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = [sys.executable, os.path.join(ROOT, "cli.py")]


def wall(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-verify", action="store_true")
    args = parser.parse_args()
    python = wall([sys.executable, "-c", "pass"], args.runs)
    sympy = wall([sys.executable, "-c", "import sympy"], args.runs)
    figures = [
        ("python -c pass", python),
        ("python -c 'import sympy'", sympy),
        ("tdsolver list", wall(CLI + ["list"], args.runs)),
        ("tdsolver show td2.II.1", wall(CLI + ["show", "td2.II.1"], args.runs)),
        ("tdsolver solve td2.II.1", wall(CLI + ["solve", "td2.II.1"], args.runs)),
    ]
    if not args.skip_verify:
        figures.append(("tdsolver verify --all (seeds 0-9)", wall(CLI + ["verify", "--all"], 1)))
    for label, seconds in figures:
        print(f"{label:<40} {seconds:7.3f} s")
    solve = dict(figures)["tdsolver solve td2.II.1"]
    print(f"{'solve td2.II.1 minus import sympy':<40} {solve - sympy:7.3f} s")


if __name__ == "__main__":
    main()
