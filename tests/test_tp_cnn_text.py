"""tp-cnn discussion questions (model answers + rubrics), tp-cnn.17 (initial loss) and tp-cnn.32 (dropout)."""

import math

import pytest
import sympy as sp
import torch
import torch.nn.functional as F

from solver.core.exercise import ModelAnswer
from solver.sheets import registry

TEXT_IDS = [f"tp-cnn.{n}" for n in (2, 3, 4, 5, 12, 14, 16, 18, 20, 23, 24, 27, 30, 31, 33)]


@pytest.mark.parametrize("ex_id", TEXT_IDS)
def test_text_questions_have_a_bilingual_model_answer_and_rubric(ex_id):
    ex = registry.get(ex_id)
    assert [(p.id, p.kind) for p in ex.parts] == [("text", "text")]
    assert ex.check is None
    answer = ex.run(ex.make_params()).answers["text"]
    assert isinstance(answer, ModelAnswer)
    assert len(answer.rubric) >= 2
    for lang in ("fr", "en"):
        assert len(answer.answer(lang)) > 80
        assert all(item(lang) for item in answer.rubric)
    assert answer.answer("fr") != answer.answer("en")


def test_questions_done_elsewhere_are_not_defined_here():
    import exercises.tp_cnn.discussion as d
    import exercises.tp_cnn.training as t

    ids = {e.id for e in d.EXERCISES + t.EXERCISES}
    assert ids == set(TEXT_IDS) | {"tp-cnn.17", "tp-cnn.32"}


def test_q12_quotes_the_counts_of_the_tp_network():
    # conv 5x5 with padding 2, three 2x2 pools: 32 -> 16 -> 8 -> 4, flatten 64*4*4
    cnn = (5 * 5 * 3 + 1) * 32 + (5 * 5 * 32 + 1) * 64 + (5 * 5 * 64 + 1) * 64 + (64 * 16 + 1) * 1000 + 1001 * 10
    bow = 1000 * 128 + 1001 * 10
    text = registry.get("tp-cnn.12").run(registry.get("tp-cnn.12").make_params()).answers["text"].answer("en")
    assert f"{cnn:,}" in text and f"{bow - 128000:,}" in text
    assert f"about {round(cnn / bow)} times fewer" in text


@pytest.mark.parametrize("C", [10, 2, 100])
def test_initial_loss_is_ln_c(C):
    ex = registry.get("tp-cnn.17")
    sol = ex.run(ex.make_params(overrides={"C": str(C)}))
    assert float(sol.answers["initial_loss"]) == pytest.approx(math.log(C), rel=1e-12)
    zero = F.cross_entropy(torch.zeros(3, C, dtype=torch.float64), torch.tensor([0, 1, 1])).item()
    assert float(sol.answers["initial_loss"]) == pytest.approx(zero, rel=1e-12)


def test_initial_loss_default_and_diagnoses():
    ex = registry.get("tp-cnn.17")
    q = ex.make_params()
    assert float(ex.run(q).answers["initial_loss"]) == pytest.approx(2.302585, abs=1e-6)
    wrong = {d.code: float(d.wrong(q)) for d in ex.diagnoses}
    assert wrong["log10-instead-of-ln"] == pytest.approx(1.0)
    assert wrong["probability-not-loss"] == pytest.approx(0.1)


def test_dropout_scale_symbolic_and_numeric():
    ex = registry.get("tp-cnn.32")
    scale = ex.run(ex.make_params()).answers["scale"]
    p = next(iter(scale.free_symbols))
    for rate in (0.1, 0.5, 0.8):
        assert float(scale.subs(p, rate)) == pytest.approx(1 / (1 - rate))
    sol = ex.run(ex.make_params(overrides={"p": "0.25"}))
    assert sol.answers["scale"] == sp.Rational(4, 3)
    torch.manual_seed(0)
    x = torch.full((1000,), 3.0, dtype=torch.float64)
    y = F.dropout(x, p=0.25, training=True)
    assert torch.all(y[y != 0] == 3.0 * 4 / 3)


def test_dropout_diagnoses_use_the_other_conventions():
    ex = registry.get("tp-cnn.32")
    q = ex.make_params(overrides={"p": "0.2"})
    wrong = {d.code: d.wrong(q) for d in ex.diagnoses}
    assert wrong["keep-probability-convention"] == 5
    assert wrong["scale-by-keep-probability"] == sp.Rational(4, 5)
    assert wrong["no-scaling"] == 1


def test_dropout_rate_must_be_below_one():
    from solver.core.errors import ParamError

    with pytest.raises(ParamError):
        registry.get("tp-cnn.32").make_params(overrides={"p": "1"})


def test_q11_answer_formats_numbers_and_names_fc4():
    ex = registry.get("tp-cnn.11")
    text = ex.run(ex.make_params()).answers["text"]
    total = 1191170
    assert "1\u202f191\u202f170" in text.answer("fr") and "1,191,170" in text.answer("en")
    assert f"{total / 50000:.1f}".replace(".", ",") in text.answer("fr")
    assert f"{round(100 * 1025000 / total)}% of them in fc4" in text.answer("en")
    assert "50\u202f000" in ex.statement(ex.make_params())("fr")


def test_tp_cnn_1_names_both_output_sides():
    ex = registry.get("tp-cnn.1")
    sol = ex.run(ex.make_params(None, {"x": "16", "y": "20", "z": "32", "k": "3", "p": "0", "s": "3"}))
    lines = sol.steps[0].math
    assert [str(chain.terms[0]) for chain in lines] == ["x'", "y'"]
    assert [int(chain.terms[-1]) for chain in lines] == [(16 - 3) // 3 + 1, (20 - 3) // 3 + 1]
    assert int(sol.answers["fc_weights"]) == 5 * 6 * (16 * 20 * 32 + 1)
