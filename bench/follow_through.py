"""Time the follow-through pass (solver/grading/follow.py), which runs in the main process.

    python bench/follow_through.py

Three batches of tp-cnn.10 submissions, each with pool1 wrong so that every later part is looked at:
200 students carrying the mistake consistently (credit found), the same students also answering
tp-cnn.11's total from their own counts (credit across questions), and students whose later answers
are the hostile inputs of the parser's tests (nothing to credit, everything read again). Only the
pass is timed: the workers' verdicts are computed beforehand.
"""

from __future__ import annotations

import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]

CARRIED = {"conv1.shape": "32x32x32", "conv1.params": "2432", "pool1.shape": "32x32x32", "pool1.params": "0",
           "conv2.shape": "32x32x64", "conv2.params": "51264", "pool2.shape": "16x16x64", "pool2.params": "0",
           "conv3.shape": "16x16x64", "conv3.params": "102464", "pool3.shape": "8x8x64", "pool3.params": "0",
           "fc4.shape": "1000", "fc4.params": "4097000", "fc5.shape": "10", "fc5.params": "10010"}


def batch(answer_sets):
    """(tasks, verdicts, owners) as `grade_submissions` has them after the workers."""
    from solver.grading.check import check_answer

    tasks, owners, cache = [], [], {}
    for n, answers in enumerate(answer_sets):
        for part_id, text in answers.items():
            exercise_id, _, part_id = part_id.rpartition("/") if "/" in part_id else ("tp-cnn.10", "", part_id)
            tasks.append((exercise_id, None, part_id, text))
            owners.append(n)
    verdicts = []
    for task in tasks:
        if task not in cache:
            cache[task] = check_answer(*task)
        verdicts.append(cache[task])
    return tasks, verdicts, owners


def timed(label, answer_sets):
    from solver.grading.follow import follow_through

    tasks, verdicts, owners = batch(answer_sets)
    start = time.perf_counter()
    out = follow_through(tasks, verdicts, owners)
    elapsed = time.perf_counter() - start
    credited = sum(v.follow_through for v in out)
    print(f"{label}: {len(answer_sets)} submissions, {len(tasks)} answers, {credited} credited, "
          f"{elapsed:.3f} s ({1000 * elapsed / len(answer_sets):.2f} ms per submission)")


def main():
    from test_grading_parse import HOSTILE

    from solver.grading.check import solved

    solved("tp-cnn.10", None)  # the solution is cached per process, as in a real run after the first student
    timed("carried mistake", [CARRIED] * 200)
    total = sum(int(v) for k, v in CARRIED.items() if k.endswith(".params"))
    solved("tp-cnn.11", None)
    timed("carried into tp-cnn.11", [dict(CARRIED, **{"tp-cnn.11/total": str(total)})] * 200)
    hostile = []
    for n in range(len(HOSTILE)):
        answers = dict(CARRIED)
        for k, part_id in enumerate(p for p in CARRIED if p not in ("conv1.shape", "pool1.shape")):
            answers[part_id] = HOSTILE[(n + k) % len(HOSTILE)]
        hostile.append(answers)
    timed("hostile later answers", hostile)


if __name__ == "__main__":
    main()
