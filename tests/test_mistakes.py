"""The mistake catalogue: stable codes, one default feedback each, used by every exercise."""

from collections import defaultdict

import pytest

from solver.core.exercise import Diagnosis
from solver.core.text import Text
from solver.derive.mistakes import CATALOGUE, feedback, mistake
from solver.grading.diagnose import GENERIC
from solver.sheets.registry import all_exercises


def _declared():
    """code -> {exercise ids whose diagnoses use it}."""
    where = defaultdict(set)
    for exercise in all_exercises():
        for d in exercise.diagnoses:
            where[d.code].add(exercise.id)
    return where


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_each_entry_is_bilingual(code):
    text = CATALOGUE[code]
    assert isinstance(text, Text)
    assert text.fr.strip() and text.en.strip() and text.fr != text.en
    assert code == code.lower() and " " not in code


def test_every_diagnosis_has_bilingual_feedback():
    for exercise in all_exercises():
        for d in exercise.diagnoses:
            assert isinstance(d.feedback, Text), (exercise.id, d.code)
            assert d.feedback.fr.strip() and d.feedback.en.strip(), (exercise.id, d.code)


def test_recurring_codes_are_catalogued():
    """A code used by two exercises or more is in the catalogue (one default wording)."""
    recurring = sorted(code for code, ids in _declared().items() if len(ids) > 1 and code not in CATALOGUE)
    assert recurring == []


def test_most_exercises_use_the_default_bias_feedback():
    """`missing-bias` has one default wording; an exercise overrides it only to say something specific."""
    wordings = {d.feedback for e in all_exercises() for d in e.diagnoses if d.code == "missing-bias"}
    assert CATALOGUE["missing-bias"] in wordings
    assert len(wordings) <= 3


def test_generic_mal_rules_name_catalogued_codes():
    for code, _rule, _feedback in GENERIC:
        assert code in CATALOGUE


def test_mistake_takes_the_default_or_a_specific_feedback():
    d = mistake("no-padding", "o", lambda q: 3)
    assert isinstance(d, Diagnosis) and d.feedback == CATALOGUE["no-padding"]
    own = Text("Ici le remplissage vaut 2.", "Here the padding is 2.")
    assert mistake("no-padding", "o", lambda q: 3, own).feedback == own
    assert mistake("only-here", "o", lambda q: 3, own).feedback == own


def test_an_unknown_code_without_feedback_is_a_clear_error():
    with pytest.raises(KeyError, match="not in solver/derive/mistakes.py"):
        mistake("no-such-mistake", "o", lambda q: 3)
    with pytest.raises(KeyError, match="no-such-mistake"):
        feedback("no-such-mistake")
