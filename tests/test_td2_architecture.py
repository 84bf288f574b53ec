"""td2.III: the sheet's CustomModel, values worked out by hand (and by torch where stated)."""

import pytest
from helpers import assert_checks_pass

from solver.sheets import registry


def solve(ex_id, seed=None, **overrides):
    ex = registry.get(ex_id)
    return ex.run(ex.make_params(seed, {k: str(v) for k, v in overrides.items()}))


def test_receptive_fields_by_hand():
    # r: 1 → conv1 (k3, j1) 3 → conv2 (k5, j2) 3+4·2 = 11 → pool1 (k2, j2) 13 → conv3 (k3, j4) 21
    #    → pool2 (k2, j4) 25 → conv4 (k3, j8) 41
    answers = solve("td2.III.1").answers
    assert {k: int(v) for k, v in answers.items()} == {"conv1": 3, "conv2": 11, "pool1": 13, "conv3": 21,
                                                        "pool2": 25, "conv4": 41}


@pytest.mark.parametrize("ex_id, shapes", [
    ("td2.III.2a", {"conv1": (32, 14, 14), "conv2": (64, 14, 14), "pool1": (64, 7, 7), "conv3": (128, 7, 7),
                    "pool2": (128, 3, 3), "conv4": (256, 3, 3), "flatten": (2304,)}),
    ("td2.III.2b", {"conv1": (32, 32, 32), "conv2": (64, 32, 32), "pool1": (64, 16, 16), "conv3": (128, 16, 16),
                    "pool2": (128, 8, 8), "conv4": (256, 8, 8), "flatten": (16384,)}),
])
def test_feature_map_shapes_by_hand(ex_id, shapes):
    answers = solve(ex_id).answers
    assert {k: tuple(int(x) for x in v) for k, v in answers.items()} == shapes


def test_odd_input_uses_ceil_reading():
    # 'same' at stride 2 on 29 pixels: ceil(29/2) = 15 (floor with symmetric padding would give 15 too at k=3,
    # but at k=5 and 30 pixels: ceil(30/2) = 15, TensorFlow pads 3 = 1 before + 2 after)
    answers = solve("td2.III.2a", n=29).answers
    assert tuple(int(x) for x in answers["conv1"]) == (32, 15, 15)
    answers = solve("td2.III.2a", n=30, k1=5).answers
    assert tuple(int(x) for x in answers["conv1"]) == (32, 15, 15)


@pytest.mark.parametrize("ex_id, convs, fc1, rest", [
    # conv1 32·(1·9+1) = 320, conv2 64·(32·25+1) = 51 264, conv3 128·(64·9+1) = 73 856, conv4 256·(128·9+1) = 295 168
    ("td2.III.3a", (320, 51264, 73856, 295168), 256 * (2304 + 1), 1010688),
    # conv1 32·(3·9+1) = 896; fc1 256·(16384+1) = 4 194 560
    ("td2.III.3b", (896, 51264, 73856, 295168), 256 * (16384 + 1), 4615744),
])
def test_parameter_counts_by_hand(ex_id, convs, fc1, rest):
    import sympy as sp

    answers = solve(ex_id).answers
    assert tuple(int(answers[c]) for c in ("conv1", "conv2", "conv3", "conv4")) == convs
    assert int(answers["fc1"]) == fc1
    C = sp.Symbol("C", integer=True, positive=True)
    assert sp.expand(answers["fc2"] - 257 * C) == 0
    assert sp.expand(answers["total"] - (rest + 257 * C)) == 0
    assert sum(convs) + fc1 == rest


def test_total_with_number_of_classes():
    assert int(solve("td2.III.3a", C=10).answers["total"]) == 1010688 + 2570


def test_remarks_and_text_answers():
    steps = solve("td2.III.2a").steps
    remarks = " ".join(s.text("en") for s in steps if s.kind == "remark")
    assert "stride" in remarks and "dim" in remarks          # 'same' + stride 2, softmax without dim
    assert "(28, 28, 1)" in " ".join(s.text("en") for s in solve("td2.III.3a").steps if s.kind == "remark")
    why = solve("td2.III.4").answers["text"].answer("en")
    assert "2304" in why and "16384" in why


@pytest.mark.parametrize("ex_id", ["td2.III.1", "td2.III.2a", "td2.III.2b", "td2.III.3a", "td2.III.3b"])
@pytest.mark.parametrize("seed", [None, 0, 1, 2])
def test_checks_pass(ex_id, seed):
    assert_checks_pass(ex_id, seed)


def test_diagnoses_recognise_typical_mistakes():
    ex = registry.get("td2.III.1")
    q = ex.make_params()
    wrong = {d.code: int(d.wrong(q)) for d in ex.diagnoses if d.part == "conv4"}
    assert wrong["no-jump"] == 1 + 2 + 4 + 1 + 2 + 1 + 2       # 13: every k − 1 added at jump 1
    assert wrong["off-by-one"] == 40
    ex = registry.get("td2.III.3a")
    q = ex.make_params()
    missing = [d for d in ex.diagnoses if d.code == "missing-bias" and d.part == "conv2"][0]
    assert int(missing.wrong(q)) == 64 * 32 * 25
