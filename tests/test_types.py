"""The type annotations hold (mypy, configured in pyproject.toml): the test command runs it.

mypy runs from scratch each time, its cache in a temporary directory: about 15 s here, the same
answer whatever a cache left by an earlier run or another checkout holds (`mypy` run by hand uses
the project's .mypy_cache and answers in under a second once warm)."""

import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _mypy() -> str:
    beside = os.path.join(os.path.dirname(sys.executable), "mypy")
    return beside if os.path.isfile(beside) else shutil.which("mypy") or beside


def test_mypy_finds_nothing(tmp_path):
    run = subprocess.run([_mypy(), "--config-file", os.path.join(ROOT, "pyproject.toml"), "--cache-dir", str(tmp_path)],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-1000:]
