"""Time to build a sheet's correction in each format (prints figures; not a test).

    python bench/sheets.py [SHEET ...]

Each build runs the command line in a fresh interpreter, as a teacher would.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def timed(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, os.path.join(ROOT, "cli.py"), *args], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    sheets = sys.argv[1:] or ["td2"]
    with tempfile.TemporaryDirectory() as tmp:
        for sheet in sheets:
            for fmt, ext in (("markdown", "md"), ("latex", "tex"), ("pdf", "pdf")):
                seconds = timed(["sheet", sheet, "--format", fmt, "-o", os.path.join(tmp, f"{sheet}.{ext}")])
                print(f"sheet {sheet:<12} {fmt:<9} {seconds:6.2f} s")


if __name__ == "__main__":
    main()
