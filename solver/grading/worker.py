"""Checks run in persistent worker processes, each answer within a time and memory budget.

A worker is forked once (it inherits the loaded engine) and then checks answers one at a time;
its address space is capped with ``RLIMIT_AS`` (its size when it starts plus `memory_mb`). When an
answer takes longer than `timeout` seconds, or the worker dies (memory), the worker is killed and
a new one forked; that answer gets the verdict ``unknown`` — never a guess. With ``jobs`` workers,
answers are checked in parallel; results come back in the order of the tasks.

A worker dies with the main process, whatever kills it (``PR_SET_PDEATHSIG`` on Linux, else a
thread watching the parent's pid). Verdicts do not depend on the machine's load: an answer still
running after `FAST_SHARE` of the timeout in CPU time is checked again from a fixed state (engine
caches cleared, the exercise solved) while Python calls are counted; past `work_budget(timeout)`
calls it is ``unknown``. The same answer stops at the same count on every run. C code that never
returns to Python is stopped when the worker has used `timeout` seconds of CPU time (read from
``/proc``, so a busy machine does not shorten it), and a worker that waits after `WALL_FACTOR`
times the timeout of wall-clock time.

Before its first answer, and again after a restart, each worker is warmed up: it solves once every
exercise the answers belong to (`CheckerPool.run`), outside any time budget, so that what an
exercise loads once per process (torch, a model exercise's network traced) is never charged to a
student's answer. This happens in the forked worker: the main process never loads torch, and a
process with torch loaded is never forked.

>>> with CheckerPool(jobs=1) as pool:
...     [v.verdict for v in pool.run([("td2.II.1", None, "o", "floor((i+2p-k)/s)+1")])]
['correct']
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from multiprocessing.connection import wait
from typing import Any, Callable, NamedTuple, Sequence

from solver.core.text import Text

from .verdict import Verdict


class Task(NamedTuple):
    """One answer to check (a plain 4-tuple in this order is accepted by `CheckerPool.run`)."""

    exercise_id: str
    seed: int | None
    part_id: str
    answer: Any  # the text, or None when missing


class GiveUp(NamedTuple):
    """Write the ``unknown`` verdict of a task stopped by a limit (sent to a fresh worker)."""

    task: Task
    reason: Text


class WarmUp(NamedTuple):
    """Solve each (exercise id, seed) of `pairs` once, untimed, before checking answers."""

    pairs: tuple


TIMEOUT = 3.0
MEMORY_MB = 1024
FAST_SHARE = 0.05  # CPU seconds of free run, as a share of the timeout
# An upper bound of the engine's profile events per CPU second when not profiled (SymPy-heavy
# checks run at about 4 million): an answer that can finish within its free run also finishes
# within the counted budget, so whether the free run was cut short never changes a verdict.
FREE_EVENTS_PER_SECOND = 25_000_000


def work_budget(timeout: float) -> int:
    """Python profile events (calls and returns) an answer may take once counted: a fixed
    number for a given timeout, whatever the load of the machine.

    >>> work_budget(3.0)
    3750000
    """
    return int(FREE_EVENTS_PER_SECOND * FAST_SHARE * timeout)


class _FastRunOver(BaseException):
    """The answer outlived its free run (not an `Exception`: checks cannot swallow it)."""


class WorkBudgetExceeded(BaseException):
    """The answer used its whole counted budget."""


def _address_space() -> int:
    """This process's current virtual size, in bytes (0 when unknown)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return 0
    return 0


def _serve(conn, memory_mb: int, parent: int = 0, timeout: float = TIMEOUT) -> None:
    """The worker's loop: receive a `Task`, a `GiveUp` or a `WarmUp`, send back its answer (None ends the loop)."""
    import resource

    from .check import unknown_verdict

    _die_with(parent or os.getppid())
    timed = _arm_cpu_alarm()
    base = _address_space()
    if base:
        limit = base + memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    while True:
        try:
            task = conn.recv()
        except (EOFError, KeyboardInterrupt):
            return
        if task is None:
            return
        if isinstance(task, WarmUp):
            conn.send(_warm_up(task.pairs))
            continue
        args = task.task if isinstance(task, GiveUp) else task
        try:
            if isinstance(task, GiveUp):
                verdict = unknown_verdict(*task.task, reason=task.reason)
            else:
                verdict = _check_within(task, timeout, timed)
        except MemoryError:
            verdict = _safe_unknown(args, MEMORY_REASON)
        except RecursionError:
            verdict = _safe_unknown(args, DEPTH_REASON)
        except WorkBudgetExceeded:
            verdict = _safe_unknown(args, TIME_REASON)
        except Exception as exc:  # the process boundary: report the engine's error, do not die
            verdict = _crashed(args, exc)
        conn.send(verdict)


def _warm_up(pairs) -> tuple:
    """Solve each (exercise id, seed) once, untimed (its cost is the process's, not an answer's);
    an exercise that fails here fails again, and is reported, when an answer is checked."""
    from . import check

    for exercise_id, seed in pairs:
        try:
            check.solved(exercise_id, seed)
        except Exception:  # noqa: BLE001  (reported by the answer's own check)
            pass
    return ("warm", len(pairs))


def _die_with(parent: int) -> None:
    """End this process when `parent` ends, even by SIGKILL."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        armed = libc.prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        armed = False
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)
    if not armed:
        def watch():
            while os.getppid() == parent:
                time.sleep(0.5)
            os._exit(1)
        threading.Thread(target=watch, daemon=True).start()


_ALARM = {"armed": False}


def _arm_cpu_alarm() -> bool:
    """Install the handler ending a free run after its CPU time (False: not possible here)."""
    def ring(signum, frame):
        if _ALARM["armed"]:
            _ALARM["armed"] = False
            raise _FastRunOver()
    try:
        signal.signal(signal.SIGPROF, ring)
    except (ValueError, AttributeError, OSError):  # not the main thread, or no SIGPROF
        return False
    return True


def _check_within(args: Task, timeout: float, timed: bool):
    """`check_answer(*args)`, within the deterministic work budget (see the module docstring)."""
    from . import check

    check.solved(args.exercise_id, args.seed)  # the exercise's own solution is never the answer's cost
    if not timed:
        return check.check_answer(*args)
    try:
        _ALARM["armed"] = True
        signal.setitimer(signal.ITIMER_PROF, max(0.01, FAST_SHARE * timeout))
        return check.check_answer(*args)
    except _FastRunOver:
        pass
    finally:
        _ALARM["armed"] = False
        signal.setitimer(signal.ITIMER_PROF, 0)
    _fixed_state(check, args)
    return counted(lambda: check.check_answer(*args), work_budget(timeout))


def _fixed_state(check, args: Task) -> None:
    """The same engine state before every counted run: SymPy's cache empty, the part's key
    and reading context built."""
    from sympy.core.cache import clear_cache

    clear_cache()
    check.question_of(args.exercise_id, args.seed, args.part_id)


def counted(run: Callable, budget: int):
    """`run()`, stopped by `WorkBudgetExceeded` after `budget` Python profile events.

    >>> counted(lambda: sum(range(10)), 1000)
    45
    >>> def spin():
    ...     while True:
    ...         len([])
    >>> counted(spin, 1000)
    Traceback (most recent call last):
    ...
    solver.grading.worker.WorkBudgetExceeded: 1000
    """
    left = [budget]

    def tick(frame, event, arg):
        left[0] -= 1
        if left[0] < 0:
            sys.setprofile(None)
            raise WorkBudgetExceeded(budget)
    sys.setprofile(tick)
    try:
        return run()
    finally:
        sys.setprofile(None)


def _safe_unknown(args: Task, reason: Text) -> Verdict:
    from .check import unknown_verdict

    try:
        return unknown_verdict(*args, reason=reason)
    except Exception as exc:  # the exercise itself cannot be solved: say so
        return _crashed(args, exc)


MEMORY_REASON = Text("limite de mémoire atteinte", "memory limit reached")
TIME_REASON = Text("limite de calcul atteinte (temps ou travail)", "computation limit reached (time or work)")
DEPTH_REASON = Text("expression trop imbriquée", "expression nested too deeply")
DIED_REASON = Text("le processus de correction s'est arrêté", "the grading process stopped")


def _crashed(args: Task, exc: Exception) -> Verdict:
    detail = f"{type(exc).__name__}: {exc}"[:300]
    return Verdict(id=f"{args.exercise_id}/{args.part_id}", verdict="unknown", score=0.0, max_score=1.0,
                   feedback=Text(f"Erreur du correcteur ({detail}) : à relire par l'enseignant.",
                                 f"Grader error ({detail}): sent to the teacher."))


class _Worker:
    def __init__(self, context, memory_mb: int, timeout: float = TIMEOUT):
        self.context = context
        self.memory_mb = memory_mb
        self.timeout = timeout
        self.task_index: int | None = None
        self.deadline = 0.0
        self.cpu_start: float | None = None
        self.cpu_limit = timeout
        self.start()

    def start(self) -> None:
        self.conn, child = self.context.Pipe()
        self.process = self.context.Process(target=_serve, args=(child, self.memory_mb, os.getpid(), self.timeout),
                                            daemon=True)
        self.process.start()
        child.close()

    def send(self, index: int, task: Sequence, timeout: float) -> None:
        self.task_index = index
        self.cpu_limit = timeout
        self.cpu_start = cpu_seconds(self.process.pid)
        self.deadline = time.monotonic() + (timeout if self.cpu_start is None else WALL_FACTOR * timeout)
        self.conn.send(Task(*task))

    def over(self, now: float) -> bool:
        """Whether the task running has used up its limit: `timeout` seconds of the worker's own
        CPU time (what a busy machine does not stretch), or, as a last guard, wall-clock time."""
        if now >= self.deadline:
            return True
        if self.task_index is None or self.cpu_start is None:
            return False
        used = cpu_seconds(self.process.pid)
        return used is not None and used - self.cpu_start >= self.cpu_limit

    def restart(self) -> None:
        self.process.kill()
        self.process.join()
        self.conn.close()
        self.start()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except (BrokenPipeError, OSError):
            pass
        self.process.join(timeout=1)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


class CheckerPool:
    """`jobs` worker processes checking answers under a `timeout` (s) and `memory_mb` budget."""

    def __init__(self, jobs: int = 1, timeout: float = TIMEOUT, memory_mb: int = MEMORY_MB):
        from . import check  # noqa: F401  (loaded before forking: workers inherit it)

        self.timeout = timeout
        context = multiprocessing.get_context("fork")
        self.workers = [_Worker(context, memory_mb, timeout) for _ in range(max(1, jobs))]
        self.restarts = 0
        self.warm_pairs: tuple = ()  # (exercise id, seed) each worker solves before its answers

    def __enter__(self) -> "CheckerPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for w in self.workers:
            w.stop()

    def run(self, tasks: Sequence[Task], progress: Callable[[int], None] | None = None) -> list[Verdict]:
        """Check every task; the verdicts in the order of the tasks."""
        results: list[Verdict | None] = [None] * len(tasks)
        pending = deque(range(len(tasks)))
        idle: list = []
        busy: dict = {}
        self.warm_pairs = _first_seeds(tasks)
        for w in self.workers:
            self._warm(w, idle, busy)
        done = 0
        while pending or busy:
            while pending and idle:
                w = idle.pop()
                index = pending.popleft()
                w.send(index, tasks[index], self.timeout)
                busy[w.conn] = w
            now = time.monotonic()
            wait_for = max(0.0, min(w.deadline for w in busy.values()) - now)
            if any(w.task_index is not None and w.cpu_start is not None for w in busy.values()):
                wait_for = min(wait_for, POLL_SHARE * self.timeout)  # CPU time is read, not waited for
            for conn in wait(list(busy), timeout=wait_for):
                w = busy.pop(conn)
                if w.task_index is None:  # its warm-up is over
                    self._warmed(w, idle)
                    continue
                try:
                    results[w.task_index] = w.conn.recv()
                    idle.append(w)
                except (EOFError, OSError):
                    results[w.task_index] = self._give_up(w, tasks[w.task_index], DIED_REASON)
                    self._warm(w, idle, busy)
                done += 1
                if progress:
                    progress(done)
            now = time.monotonic()
            for conn, w in list(busy.items()):
                if w.over(now):
                    del busy[conn]
                    if w.task_index is None:  # a warm-up that does not end: go on without it
                        w.restart()
                        idle.append(w)
                        continue
                    results[w.task_index] = self._give_up(w, tasks[w.task_index], TIME_REASON)
                    self._warm(w, idle, busy)
                    done += 1
                    if progress:
                        progress(done)
        return results  # type: ignore[return-value]

    def _warm(self, w: _Worker, idle: list, busy: dict) -> None:
        """Start `w`'s warm-up (see the module docstring), untimed up to `WARM_SECONDS`; the other
        workers go on checking answers meanwhile."""
        if not self.warm_pairs:
            idle.append(w)
            return
        w.task_index, w.deadline = None, time.monotonic() + WARM_SECONDS
        w.conn.send(WarmUp(self.warm_pairs))
        busy[w.conn] = w

    @staticmethod
    def _warmed(w: _Worker, idle: list) -> None:
        try:
            w.conn.recv()
        except (EOFError, OSError):
            w.restart()
        idle.append(w)

    def _give_up(self, w: _Worker, task: Sequence, reason: Text) -> Verdict:
        """Kill the stuck worker, start a fresh one, and let it write the `unknown` verdict."""
        task = Task(*task)
        w.restart()
        self.restarts += 1
        w.conn.send(GiveUp(task, reason))
        if w.conn.poll(self.timeout):
            try:
                verdict = w.conn.recv()
                if verdict is not None:
                    return verdict
            except (EOFError, OSError):
                w.restart()
        return Verdict(id=f"{task.exercise_id}/{task.part_id}", verdict="unknown", score=0.0, max_score=1.0,
                       feedback=Text("Réponse non vérifiée : ", "Answer not checked: ") + reason)


WARM_SECONDS = 120.0
# An answer's limit is its worker's CPU time, so that a loaded machine does not turn a verdict into
# `unknown`; wall-clock time stays a last guard, this many times the timeout (a worker that waits).
WALL_FACTOR = 10.0
POLL_SHARE = 0.05  # how often (share of the timeout) the CPU time of the busy workers is read


def cpu_seconds(pid: int) -> float | None:
    """User and system CPU seconds a process has used (Linux `/proc`); None where it cannot be read.

    >>> cpu_seconds(os.getpid()) >= 0
    True
    """
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _first_seeds(tasks: Sequence[Task]) -> tuple:
    """(exercise id, seed) of the first task of each exercise, in the tasks' order.

    >>> _first_seeds([("a", 1, "x", "1"), ("a", 2, "y", "2"), ("b", None, "z", "3")])
    (('a', 1), ('b', None))
    """
    first: dict = {}
    for task in tasks:
        first.setdefault(task[0], task[1])
    return tuple(first.items())


def cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
