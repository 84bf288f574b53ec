"""Follow-through credit: a later answer that is right given the student's own wrong earlier answers.

A `Part` names the earlier parts it is computed from (`Part.follows`: a layer's shape from the
previous layer's shape, a total from the per-layer counts, or a part of an earlier question of the
same chain, ``"td2.III.2a/flatten"`` for fc1's parameters), and the exercise recomputes it from
given values of those parts with its own code (`Exercise.follow`). Once a submission's answers are
checked, `follow_through` takes each part that declares `follows`, is not right, and follows at
least one wrong part: it reads the student's earlier answers with the grader's reader (never
eval), asks the exercise for the later value they imply, and compares the student's later answer
with it by the part's own comparison. A match earns `Exercise.follow_credit` of the points (verdict
``correct``, or ``partial`` below full credit), ``follow_through`` set and feedback naming the
earlier part. Parts of two exercises only meet when the student answered both on the same variant
(one seed), where the chain gives them the same network, data or weights. An earlier part the
student left unanswered counts at its key's value: the later part is then checked as usual against
what the wrong earlier parts imply.

Never from a degenerate earlier answer: it must be readable, of the key's form, a whole number
where sizes or counts are expected (at least 1, or the key's own value), and never the neutral value
(a size of 1, a number 0) where the key has another: such a value makes the later part trivial.
A part that is itself wrong stays wrong: credit only goes to the parts that follow it.

This runs in the main process, after the workers' verdicts come back. It stays small: answers
longer than `MAX_TEXT` characters are not read again, the reader bounds every number it builds,
values beyond `MAX_VALUE` are refused, and the recomputation is a handful of exact operations;
any failure means no follow-through.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any, Sequence

import sympy as sp

from solver.core.exercise import source_of
from solver.core.layouts import MATRIX, from_channels_first
from solver.core.text import Text

from .compare import compare
from .normalise import read_answer, rewrite
from .question import question_of, solved
from .verdict import Verdict

MAX_TEXT = 200
MAX_VALUE = 10 ** 12
WRONG = ("incorrect", "partial")


def follow_through(tasks: Sequence[tuple], verdicts: Sequence[Verdict], owners: Sequence[Any]) -> list[Verdict]:
    """The verdicts with follow-through credit given; `tasks[n]` is ``(exercise id, seed, part id,
    answer text)`` of `verdicts[n]`, `owners[n]` the submission it belongs to."""
    out = list(verdicts)
    groups: dict[tuple, dict[str, int]] = {}
    for n, (task, owner) in enumerate(zip(tasks, owners)):
        groups.setdefault((owner, task[1]), {})[f"{task[0]}/{task[2]}"] = n
    for (_, seed), index in groups.items():
        answers = {qualified: tasks[n][3] for qualified, n in index.items()}
        found = {qualified: verdicts[n] for qualified, n in index.items()}
        for qualified, n in index.items():
            exercise_id, _, part_id = qualified.rpartition("/")
            try:
                better = credited(exercise_id, seed, part_id, answers, found)
            except Exception:  # noqa: BLE001 — any failure is "no follow-through", never a crash
                better = None
            if better is not None:
                out[n] = better
    return out


def credited(exercise_id: str, seed, part_id: str, answers: dict, verdicts: dict) -> Verdict | None:
    """The follow-through verdict of one part, or None when it earns none.

    `answers` and `verdicts` hold the student's answer texts and the checked verdicts on this
    variant, by qualified part id (``"td2.III.2a/flatten"``).
    """
    from solver.sheets import registry

    exercise = registry.get(exercise_id)
    part = exercise.part(part_id)
    if not part.follows:
        return None
    verdict = verdicts.get(f"{exercise_id}/{part_id}")
    if verdict is None or verdict.verdict not in WRONG:
        return None
    sources = [source_of(exercise_id, f) for f in part.follows]
    earlier_verdicts = [_answered(verdicts.get("/".join(source))) for source in sources]
    if any(v is not None and v.verdict not in WRONG + ("correct",) for v in earlier_verdicts):
        return None
    wrong = [f for f, v in zip(part.follows, earlier_verdicts) if v is not None and v.verdict in WRONG]
    if not wrong:
        return None
    readings = {}
    for f, (source_id, source_part), v in zip(part.follows, sources, earlier_verdicts):
        key = solved(source_id, seed)[2].answers[source_part]
        if v is None or v.verdict == "correct":  # right, or not answered: the later part starts from the key
            readings[f] = (key,)
            continue
        earlier_part = registry.get(source_id).part(source_part)
        value = student_value(source_id, seed, source_part, answers.get(f"{source_id}/{source_part}"), key)
        if value is None or degenerate(earlier_part, key, value):
            return None
        readings[f] = orders(earlier_part, value)
    _, params, _ = solved(exercise_id, seed)
    text = answers.get(f"{exercise_id}/{part_id}")
    if not any(_consistent(exercise, params, part, dict(zip(readings, chosen)), text, seed)
               for chosen in itertools.product(*readings.values())):
        return None
    score = round(exercise.follow_credit * part.points, 6)
    if score <= (verdict.score or 0):
        return None
    return replace(verdict, verdict="correct" if exercise.follow_credit >= 1 else "partial", score=score,
                   diagnosis=None, follow_through=True, feedback=_feedback(wrong, verdict.expected,
                                                                           exercise.follow_credit))


def _answered(verdict: Verdict | None) -> Verdict | None:
    """A verdict, None for a part the student left unanswered."""
    return None if verdict is None or verdict.verdict == "missing" else verdict


def _consistent(exercise, params, part, earlier: dict, text, seed) -> bool:
    """Whether the student's later answer is what the exercise derives from `earlier` values."""
    later = exercise.follow(params, part.id, earlier)
    if later is None or not sane(part, later):
        return False
    reading = _reading(exercise.id, seed, part.id, text, later)
    return reading is not None and compare(part, later, reading).status == "equal"


def orders(part, value) -> tuple:
    """The readings of a wrong earlier answer: as written, and, for a shape, also as channels
    first (the grader accepts both orders, so a student may have used either).

    >>> from solver.core.exercise import Part
    >>> from solver.core.text import Text
    >>> orders(Part("pool1", "shape", Text("", ""), layout="HWC"), sp.Tuple(32, 31, 31))
    ((32, 31, 31), (31, 31, 32))
    """
    if part.kind != "shape" or not isinstance(value, sp.Tuple) or part.layout == MATRIX:
        return (value,)
    try:
        other = sp.Tuple(*from_channels_first(tuple(value), part.layout))
    except ValueError:  # a number of axes the layout does not have
        return (value,)
    return (value,) if other == value else (value, other)


def _reading(exercise_id: str, seed, part_id: str, text, key):
    """The student's answer to a part read exactly as `check.check_answer` reads it, its names
    resolved against `key`; None when it is too long or names what the key does not."""
    if text is None or not str(text).strip() or len(str(text)) > MAX_TEXT:
        return None
    read = read_answer(replace(question_of(exercise_id, seed, part_id), key=key), str(text))
    if read.reading is None or read.reading.unknown:
        return None
    return rewrite(read).reading


def student_value(exercise_id: str, seed, part_id: str, text, key):
    """The value of the student's answer to an earlier part (None when it cannot be read)."""
    reading = _reading(exercise_id, seed, part_id, text, key)
    return None if reading is None else reading.value


def _entries(value) -> tuple:
    return tuple(value) if isinstance(value, (sp.Tuple, tuple)) else (value,)


def degenerate(part, key, value) -> bool:
    """An earlier answer no later value may be credited from (see the module's docstring).

    >>> from solver.core.exercise import Part
    >>> from solver.core.text import Text
    >>> shape = Part("pool1", "shape", Text("", ""), layout="HWC")
    >>> key = sp.Tuple(16, 16, 32)
    >>> [degenerate(shape, key, sp.Tuple(*v)) for v in ((32, 32, 32), (0, 32, 32), (1, 1, 32), (16, 16))]
    [False, True, True, True]
    >>> degenerate(shape, key, sp.Tuple(sp.Rational(33, 2), 16, 32))
    True
    """
    if not sane(part, value):
        return True
    keys, entries = _entries(key), _entries(value)
    if len(keys) != len(entries):
        return True
    neutral = 1 if part.kind in ("int", "shape") else 0
    return any(_is_number(v) and v == neutral and not (_is_number(k) and k == neutral)
               for k, v in zip(keys, entries))


def sane(part, value) -> bool:
    """A value of the part's kind within the grader's bounds: whole numbers from 0 for counts, from 1
    for shapes; finite numbers; expressions of the key's kind."""
    entries = _entries(value)
    if part.kind == "shape" and not all(isinstance(v, sp.Integer) and 1 <= v <= MAX_VALUE for v in entries):
        return False
    if part.kind == "int" and not all(isinstance(v, sp.Integer) and 0 <= v <= MAX_VALUE for v in entries):
        return False
    if not all(isinstance(v, sp.Expr) and not v.has(sp.zoo, sp.oo, sp.nan, -sp.oo) for v in entries):
        return False
    return all(not _is_number(v) or abs(float(v)) <= MAX_VALUE for v in entries)


def _is_number(value) -> bool:
    return isinstance(value, sp.Expr) and value.is_number


def _feedback(wrong: Sequence[str], expected: str, credit: float) -> Text:
    names = ", ".join(wrong)
    share = "" if credit >= 1 else f" ({round(100 * credit):d} %)"
    return Text(
        f"Réponse cohérente avec votre propre réponse à {names}, qui diffère de la clé : points accordés par "
        f"suite logique{share}. Réponse attendue sans l'erreur d'origine : {expected}.",
        f"Consistent with your own answer to {names}, which differs from the key: follow-through "
        f"credit{share}. Expected without the original mistake: {expected}.")
