"""Checks run in persistent worker processes, each answer within a time and memory budget.

A worker is forked once (it inherits the loaded engine) and then checks answers one at a time;
its address space is capped with ``RLIMIT_AS`` (its size when it starts plus `memory_mb`). When an
answer takes longer than `timeout` seconds, or the worker dies (memory), the worker is killed and
a new one forked; that answer gets the verdict ``unknown`` — never a guess. With ``jobs`` workers,
answers are checked in parallel; results come back in the order of the tasks.

>>> with CheckerPool(jobs=1) as pool:
...     [v.verdict for v in pool.run([("td2.II.1", None, "o", "floor((i+2p-k)/s)+1")])]
['correct']
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import deque
from multiprocessing.connection import wait
from typing import Callable, Sequence

from ..text import Text
from .verdict import Verdict

Task = tuple  # (exercise id, seed, part id, answer text or None)
TIMEOUT = 3.0
MEMORY_MB = 1024


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


def _serve(conn, memory_mb: int) -> None:
    """The worker's loop: receive a task, send back a `Verdict` (None ends the loop)."""
    import resource

    from .check import check_answer, unknown_verdict

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
        given_up = task[0] == "unknown"
        args = task[1:5] if given_up else task[:4]
        try:
            verdict = unknown_verdict(*args, reason=task[5]) if given_up else check_answer(*args)
        except MemoryError:
            verdict = _safe_unknown(args, MEMORY_REASON)
        except RecursionError:
            verdict = _safe_unknown(args, DEPTH_REASON)
        except Exception as exc:  # the process boundary: report the engine's error, do not die
            verdict = _crashed(args, exc)
        conn.send(verdict)


def _safe_unknown(args, reason: Text) -> Verdict:
    from .check import unknown_verdict

    try:
        return unknown_verdict(*args, reason=reason)
    except Exception as exc:  # the exercise itself cannot be solved: say so
        return _crashed(args, exc)


MEMORY_REASON = Text("limite de mémoire atteinte", "memory limit reached")
TIME_REASON = Text("limite de temps atteinte", "time limit reached")
DEPTH_REASON = Text("expression trop imbriquée", "expression nested too deeply")
DIED_REASON = Text("le processus de correction s'est arrêté", "the grading process stopped")


def _crashed(args, exc: Exception) -> Verdict:
    detail = f"{type(exc).__name__}: {exc}"[:300]
    return Verdict(id=f"{args[0]}/{args[2]}", verdict="unknown", score=0.0, max_score=1.0,
                   feedback=Text(f"Erreur du correcteur ({detail}) : à relire par l'enseignant.",
                                 f"Grader error ({detail}): sent to the teacher."))


class _Worker:
    def __init__(self, context, memory_mb: int):
        self.context = context
        self.memory_mb = memory_mb
        self.task_index: int | None = None
        self.deadline = 0.0
        self.start()

    def start(self) -> None:
        self.conn, child = self.context.Pipe()
        self.process = self.context.Process(target=_serve, args=(child, self.memory_mb), daemon=True)
        self.process.start()
        child.close()

    def send(self, index: int, task: Task, timeout: float) -> None:
        self.task_index = index
        self.deadline = time.monotonic() + timeout
        self.conn.send(task)

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
        self.workers = [_Worker(context, memory_mb) for _ in range(max(1, jobs))]
        self.restarts = 0

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
        idle = list(self.workers)
        busy: dict = {}
        done = 0
        while pending or busy:
            while pending and idle:
                w = idle.pop()
                index = pending.popleft()
                w.send(index, tasks[index], self.timeout)
                busy[w.conn] = w
            now = time.monotonic()
            wait_for = max(0.0, min(w.deadline for w in busy.values()) - now)
            for conn in wait(list(busy), timeout=wait_for):
                w = busy.pop(conn)
                try:
                    results[w.task_index] = conn.recv()
                except (EOFError, OSError):
                    results[w.task_index] = self._give_up(w, tasks[w.task_index], DIED_REASON)
                idle.append(w)
                done += 1
                if progress:
                    progress(done)
            now = time.monotonic()
            for conn, w in list(busy.items()):
                if now >= w.deadline:
                    del busy[conn]
                    results[w.task_index] = self._give_up(w, tasks[w.task_index], TIME_REASON)
                    idle.append(w)
                    done += 1
                    if progress:
                        progress(done)
        return results  # type: ignore[return-value]

    def _give_up(self, w: _Worker, task: Task, reason: Text) -> Verdict:
        """Kill the stuck worker, start a fresh one, and let it write the `unknown` verdict."""
        w.restart()
        self.restarts += 1
        w.conn.send(("unknown", *task[:4], reason))
        if w.conn.poll(self.timeout):
            try:
                verdict = w.conn.recv()
                if verdict is not None:
                    return verdict
            except (EOFError, OSError):
                w.restart()
        return Verdict(id=f"{task[0]}/{task[2]}", verdict="unknown", score=0.0, max_score=1.0,
                       feedback=Text("Réponse non vérifiée : ", "Answer not checked: ") + reason)


def cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
