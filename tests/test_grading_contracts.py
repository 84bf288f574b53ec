"""Typed contracts of the grader: a mal-rule that raises (strict in tests, skipped once in
production), part kinds and domains checked when a Part is built, typed worker tasks."""

from __future__ import annotations

import pytest

from solver.core import Diagnosis
from solver.grading import diagnose
from solver.text import Text

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
