"""Small assertions several test modules share (imported as `from helpers import ...`; conftest puts
tests/ on sys.path)."""

import json
import os
import subprocess
import sys

from solver.core.checks import Checks
from solver.sheets import registry

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def checks_of(ex_id_or_exercise, seed=None, params=None):
    """Solve one exercise (the sheet's data, a seeded variant or the given params) and run its torch checks.

    Returns (params, solution, checks) so a test can look further than "every check passed".
    """
    ex = registry.get(ex_id_or_exercise) if isinstance(ex_id_or_exercise, str) else ex_id_or_exercise
    q = ex.make_params(seed) if params is None else params
    sol = ex.run(q)
    checks = Checks()
    ex.check(q, sol, checks)
    return q, sol, checks


def assert_checks_pass(ex_id_or_exercise, seed=None):
    """The exercise's independent checks run at least once, and all of them pass."""
    checks = checks_of(ex_id_or_exercise, seed)[2]
    assert checks.count and checks.ok, checks.failures()


def cli_in_fresh_interpreter(*invocations, env=None):
    """Run `cli.main` on each argument list in a new Python process (each must exit 0).

    Returns (heavy, outputs): which of sympy and torch the process imported, and each invocation's output.
    What a command imports can only be seen from a process that imported nothing before it.
    """
    code = ("import json, sys, cli\n"
            "from click.testing import CliRunner\n"
            "outputs = []\n"
            f"for args in {[list(a) for a in invocations]!r}:\n"
            "    r = CliRunner().invoke(cli.main, args)\n"
            "    assert r.exit_code == 0, (args, r.output)\n"
            "    outputs.append(r.output)\n"
            "print(json.dumps([[m for m in ('sympy', 'torch') if m in sys.modules], outputs]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                          env=env)
    heavy, outputs = json.loads(done.stdout)
    return set(heavy), outputs
