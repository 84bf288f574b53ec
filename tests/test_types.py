"""The type annotations hold (mypy, configured in pyproject.toml: solver, exercises, cli.py): the test
command runs it.

mypy runs from scratch each time, its cache in a temporary directory: about 15-20 s here, the same
answer whatever a cache left by an earlier run or another checkout holds (`mypy` run by hand uses
the project's .mypy_cache and answers in under a second once warm)."""

import os
import shutil
import subprocess
import sys
from typing import get_args

from solver.core.exercise import DOMAINS
from solver.core.params import ASSUMPTIONS, Assumption

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _mypy() -> str:
    beside = os.path.join(os.path.dirname(sys.executable), "mypy")
    return beside if os.path.isfile(beside) else shutil.which("mypy") or beside


def test_mypy_finds_nothing(tmp_path):
    run = subprocess.run([_mypy(), "--config-file", os.path.join(ROOT, "pyproject.toml"), "--cache-dir", str(tmp_path)],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-1000:]


def test_assumption_literal_names_the_assumptions_and_they_are_domains():
    """`Param.assume` is typed with the `Assumption` literal: the keys of ASSUMPTIONS, each also a
    `Part` domain (so mypy accepts a part's domain built from the parameters' assumptions)."""
    assert set(get_args(Assumption)) == set(ASSUMPTIONS)
    assert set(ASSUMPTIONS) <= set(DOMAINS)
