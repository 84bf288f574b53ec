"""Small assertions several test modules share (imported as `from helpers import ...`; conftest puts
tests/ on sys.path)."""

from solver import registry
from solver.crosscheck import Checks


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
