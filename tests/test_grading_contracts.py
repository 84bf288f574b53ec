"""Typed contracts of the grader: a mal-rule that raises (strict in tests, skipped once in
production), part kinds and domains checked when a Part is built, typed worker tasks."""

from __future__ import annotations

import pytest

from solver.core.exercise import Diagnosis
from solver.core.text import Text
from solver.grading import diagnose

BROKEN = Diagnosis("demo-bug", "o", lambda params: params["missing"] // 0, Text("", ""))
EXERCISE = type("Exercise", (), {"id": "demo.contract", "diagnoses": (BROKEN,)})()


def test_a_mal_rule_that_raises_fails_loudly_in_tests():
    assert diagnose.strict()  # tests/conftest.py turns it on
    with pytest.raises(KeyError):
        diagnose.wrong_value(EXERCISE, BROKEN, {})


def test_in_production_a_mal_rule_that_raises_is_skipped_and_reported_once(monkeypatch, capsys):
    monkeypatch.setenv("TDSOLVER_STRICT", "0")
    monkeypatch.setattr(diagnose, "_REPORTED", set())
    assert [diagnose.wrong_value(EXERCISE, BROKEN, {}) for _ in range(3)] == [None, None, None]
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "demo-bug" in err and "demo.contract/o" in err and "KeyError" in err


def test_a_part_of_an_unknown_kind_or_domain_is_refused_naming_the_part():
    from solver.core.exercise import Part

    with pytest.raises(ValueError, match=r"part conv1: unknown kind 'integer'"):
        Part("conv1", "integer", Text("", ""))
    with pytest.raises(ValueError, match=r"part o: unknown domain 'sizes' for 'k'"):
        Part("o", "expr", Text("", ""), domain={"i": "size", "k": "sizes"})
    assert Part("o", "expr", Text("", ""), domain={"i": "size", "p": "natural"}).domain["p"] == "natural"


def test_every_exercise_part_declares_known_kinds_and_domains():
    from solver.core.exercise import DOMAINS, PART_KINDS
    from solver.sheets import registry

    parts = [p for ex in registry.all_exercises() for p in ex.parts]
    assert parts and all(p.kind in PART_KINDS and set(dict(p.domain).values()) <= set(DOMAINS) for p in parts)


def test_compare_with_an_unknown_domain_is_a_usage_error():
    from solver.core.errors import UsageError
    from solver.grading.answertest import answer_test

    with pytest.raises(UsageError) as caught:
        answer_test("2*p + 1", "1 + 2p", domain={"p": "naturals"})
    assert "naturals" in caught.value.message("en")


def test_worker_messages_are_typed_and_a_stopped_answer_is_unknown():
    from solver.grading.worker import CheckerPool, GiveUp, Task

    task = Task("td2.II.1", None, "o", "floor((i+2p-k)/s)+1")
    assert (task.exercise_id, task.part_id) == ("td2.II.1", "o") and GiveUp(task, Text("", "")).task is task
    with CheckerPool(jobs=1) as pool:
        assert [v.verdict for v in pool.run([task, ("td2.II.1", None, "o", "2")])] == ["correct", "incorrect"]
        stopped = pool._give_up(pool.workers[0], tuple(task), Text("arrêt", "stopped"))
    assert stopped.verdict == "unknown" and stopped.id == "td2.II.1/o" and "stopped" in stopped.feedback("en")


def test_a_mal_rule_is_evaluated_once_per_variant():
    """A batch checks many answers of one variant: each mal-rule's value is computed once for it."""
    from solver.grading.diagnose import cached_wrong_value

    calls = []
    rule = type("Rule", (), {"code": "x", "part": "o", "wrong": lambda self, q: calls.append(q) or 7})()
    exercise = type("Ex", (), {"id": "fake", "diagnoses": (rule,)})()
    params = object()
    assert [cached_wrong_value(exercise, 0, params) for _ in range(3)] == [7, 7, 7] and len(calls) == 1
    assert cached_wrong_value(exercise, 0, object()) == 7 and len(calls) == 2  # another variant
