"""STACK-like self-tests: hand-written student answers and the verdict each must get.

`tests/samples/<sheet>.yaml` maps ``<exercise id>/<part id>`` to
``{seed: N (optional), correct: [answers…], wrong: [{answer, verdict, diagnosis}…]}`` (a list of
diagnoses when two mistakes give the same value). The answers
are written by hand, in the forms students use (plain text, LaTeX, French decimal comma…), for the
sheet's values (or the seed given); none comes from the solver.
"""

import glob
import os

import pytest
import yaml

from solver.grading.check import check_answer

HERE = os.path.dirname(os.path.abspath(__file__))


def _cases():
    for path in sorted(glob.glob(os.path.join(HERE, "samples", "*.yaml"))):
        with open(path, encoding="utf-8") as fh:
            table = yaml.safe_load(fh) or {}
        for address, entry in table.items():
            exercise_id, _, part_id = address.rpartition("/")
            seed = entry.get("seed")
            for answer in entry.get("correct", ()):
                yield pytest.param(exercise_id, seed, part_id, str(answer), "correct", None,
                                   id=f"{address}:ok:{answer}"[:90])
            for wrong in entry.get("wrong", ()):
                yield pytest.param(exercise_id, seed, part_id, str(wrong["answer"]), wrong.get("verdict", "incorrect"),
                                   wrong.get("diagnosis"), id=f"{address}:ko:{wrong['answer']}"[:90])


CASES = list(_cases())


@pytest.mark.parametrize("exercise_id,seed,part_id,answer,verdict,diagnosis", CASES)
def test_sample_answer_gets_its_verdict(exercise_id, seed, part_id, answer, verdict, diagnosis):
    got = check_answer(exercise_id, seed, part_id, answer)
    assert got.verdict == verdict, (got.read_as, got.feedback("en"))
    if isinstance(diagnosis, list):  # the same value for two mistakes: either name is right
        assert got.diagnosis in diagnosis, got.feedback("en")
    elif diagnosis is not None:
        assert got.diagnosis == diagnosis, got.feedback("en")


def test_samples_exist_for_every_sheet():
    sheets = {os.path.basename(p)[:-5] for p in glob.glob(os.path.join(HERE, "samples", "*.yaml"))}
    assert sheets >= {"td2"}
