"""Time of the exports (prints figures; not a test).

    python bench/export.py

The Moodle bank of every sheet with 3 variants, through the command line; then one notebook of every
exercise that has a check (as tests/test_export_notebook.py does), built and executed in a fresh
kernel, on the sheet's values and on seed 5 (one kernel each).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

SHEETS = ("td2", "devoir", "tp-cnn", "cours-intro", "cours-cnn")


def moodle(tmp: str) -> None:
    for sheet in SHEETS:
        start = time.perf_counter()
        subprocess.run([sys.executable, os.path.join(ROOT, "cli.py"), "export", "moodle", sheet, "--variants", "3",
                        "-o", os.path.join(tmp, f"{sheet}.xml")], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        size = os.path.getsize(os.path.join(tmp, f"{sheet}.xml"))
        print(f"moodle {sheet:<12} {time.perf_counter() - start:6.2f} s  {size / 1024:8.0f} KiB")


def notebooks() -> None:
    from nbclient import NotebookClient

    from solver.export.notebook import build_notebook
    from solver.sheets import registry

    exercises = [ex for ex in registry.all_exercises() if ex.check is not None]
    total = 0.0
    for seed in (None, 5):
        start = time.perf_counter()
        nb, _ = build_notebook(exercises, seed, "fr")
        built = time.perf_counter() - start
        NotebookClient(nb, timeout=180, kernel_name="python3").execute()
        elapsed = time.perf_counter() - start
        total += elapsed
        print(f"notebook seed={seed!s:<5} {len(exercises)} exercises: built in {built:.2f} s, "
              f"built and run in {elapsed:.2f} s")
    print(f"notebooks total {total:.2f} s")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        moodle(tmp)
    notebooks()
