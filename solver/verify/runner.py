"""`verify`: solve each exercise on the sheet's values and seeded variants and cross-check it."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from solver.core.checks import Checks
from solver.core.exercise import Exercise
from solver.core.text import Text


@dataclass
class VerifyResult:
    id: str
    seed: int | None
    status: str  # pass | fail | skip
    checks: int
    max_abs_err: float | None
    detail: str | Text

    def as_dict(self, lang: str = "en") -> dict:
        detail = self.detail(lang) if isinstance(self.detail, Text) else self.detail
        return {"id": self.id, "seed": self.seed, "status": self.status, "checks": self.checks,
                "max_abs_err": self.max_abs_err, "detail": detail}


TEXT_ONLY = Text("parties rédigées seulement", "text parts only")
NO_CHECK = Text("aucun contrôle numérique défini", "no numeric check defined")
NOTHING_COMPARED = Text("le contrôle n'a rien comparé", "the check compared nothing")


def verify_one(exercise: Exercise, seed: int | None) -> VerifyResult:
    """Solve for the sheet's values (seed None) or a variant, then run the exercise's checks."""
    params = exercise.make_params(seed)
    if exercise.check is None:
        if all(p.kind == "text" for p in exercise.parts):
            exercise.run(params)
            return VerifyResult(exercise.id, seed, "skip", 0, None, TEXT_ONLY)
        return VerifyResult(exercise.id, seed, "fail", 0, None, NO_CHECK)
    solution = exercise.run(params)
    checks = Checks()
    exercise.check(params, solution, checks)
    if checks.count == 0:
        return VerifyResult(exercise.id, seed, "fail", 0, None, NOTHING_COMPARED)
    failures = checks.failures()
    detail = "; ".join(f"{r.label}: {r.detail}" for r in failures[:5])
    return VerifyResult(exercise.id, seed, "fail" if failures else "pass", checks.count,
                        checks.max_abs_err, detail)


def seeds_for(exercise: Exercise, n: int) -> list[int | None]:
    """The sheet's values, then seeds 0..n-1 when the exercise has variants."""
    return [None] + (list(range(n)) if exercise.parametrised else [])


def _verify_by_id(task: tuple[str, int | None]) -> VerifyResult:
    from solver.sheets import registry

    exercise_id, seed = task
    return verify_one(registry.get(exercise_id), seed)


def verify_many(exercises, n_seeds: int, jobs: int = 1) -> list[VerifyResult]:
    """Verify every exercise on the sheet's values and seeds 0..n-1, in order, on `jobs` processes."""
    tasks = [(ex.id, seed) for ex in exercises for seed in seeds_for(ex, n_seeds)]
    if jobs <= 1 or len(tasks) < 4:
        return [_verify_by_id(t) for t in tasks]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # forking a process that already runs torch's thread pools can deadlock the children
    context = multiprocessing.get_context("fork" if "torch" not in sys.modules else "forkserver")
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_ignore_interrupt)
    try:
        results = list(pool.map(_verify_by_id, tasks, chunksize=max(1, len(tasks) // (8 * jobs))))
    except BaseException:  # Ctrl-C: the children ignore it; stop them now rather than finish the queue
        import threading

        threading.excepthook = lambda _args: None  # the pool's own thread sees its workers go: say nothing
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        raise
    pool.shutdown()
    return results


def _ignore_interrupt() -> None:
    """Workers leave Ctrl-C to the main process, which stops them (no trace from each child)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
