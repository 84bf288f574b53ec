"""Follow-through credit: one early mistake carried consistently costs the points of that part only.

Every expected value below is worked out by hand in the test (or with `math`), never asked from
the solver.
"""

import math

import pytest

from solver.core.exercise import Exercise, Part, source_of
from solver.core.text import Text
from solver.grading.check import check_answer, solved
from solver.grading.submission import Submission, grade_submissions
from solver.grading.verdict import Verdict
from solver.sheets import registry


def grade(answers: dict, seed=None) -> dict:
    """Grade one submission in this process; verdicts by part id ``<exercise>/<part>``."""
    sub = Submission("s.yaml", "s", seed, None, answers)
    report = grade_submissions([sub], lambda tasks: [check_answer(*t) for t in tasks])[0]
    return {v.id: v for v in report.parts}


def credited(verdicts, pid):
    v = verdicts[pid]
    return v.verdict == "correct" and v.follow_through and v.score == v.max_score


# tp-cnn.10, the sheet's values: 32 × 32 × 3 images, k = 5 (padding 2), filters 32, 64, 64, fc4 1000, fc5 10.
TP_RIGHT = {
    "conv1.shape": "32x32x32", "conv1.params": "2432",          # 32·(3·25 + 1)
    "pool1.shape": "16x16x32", "pool1.params": "0",
    "conv2.shape": "16x16x64", "conv2.params": "51264",         # 64·(32·25 + 1)
    "pool2.shape": "8x8x64", "pool2.params": "0",
    "conv3.shape": "8x8x64", "conv3.params": "102464",          # 64·(64·25 + 1)
    "pool3.shape": "4x4x64", "pool3.params": "0",
    "fc4.shape": "1000", "fc4.params": "1025000",                # 1000·(4·4·64 + 1)
    "fc5.shape": "10", "fc5.params": "10010",
}
# pool1 forgot the pooling: 32 × 32 × 32, and every later size follows from it
TP_CARRIED = dict(TP_RIGHT, **{
    "pool1.shape": "32x32x32", "conv2.shape": "32x32x64", "pool2.shape": "16x16x64", "conv3.shape": "16x16x64",
    "pool3.shape": "8x8x64", "fc4.params": str(1000 * (8 * 8 * 64 + 1)),
})


def tp(answers):
    return {f"tp-cnn.10/{k}": v for k, v in answers.items()}


def test_tp_cnn_10_one_early_mistake_costs_one_part():
    verdicts = grade(tp(TP_CARRIED))
    wrong = verdicts["tp-cnn.10/pool1.shape"]
    assert wrong.verdict == "incorrect" and not wrong.follow_through and wrong.score == 0
    for pid in ("conv2.shape", "pool2.shape", "conv3.shape", "pool3.shape", "fc4.params"):
        assert credited(verdicts, f"tp-cnn.10/{pid}"), verdicts[f"tp-cnn.10/{pid}"].feedback("en")
    for pid in ("conv1.shape", "conv1.params", "conv2.params", "fc5.params"):
        v = verdicts[f"tp-cnn.10/{pid}"]
        assert v.verdict == "correct" and not v.follow_through
    report_total = sum(v.score or 0 for v in verdicts.values())
    assert report_total == len(TP_RIGHT) - 1


# the same chain written channels first, as the grader accepts: pool1 pooled with stride 1
# (32 − 2 + 1 = 31 per side), then conv2 keeps 31, the pools halve it: 15, then 7
TP_CARRIED_CHANNELS_FIRST = dict(TP_RIGHT, **{
    "pool1.shape": "32x31x31", "conv2.shape": "64x31x31", "pool2.shape": "64x15x15", "conv3.shape": "(64, 15, 15)",
    "pool3.shape": "64x7x7", "fc4.params": str(1000 * (7 * 7 * 64 + 1)),
})


def test_a_mistake_carried_in_channels_first_order_earns_follow_through():
    verdicts = grade(tp(TP_CARRIED_CHANNELS_FIRST))
    assert verdicts["tp-cnn.10/pool1.shape"].verdict == "incorrect"
    for pid in ("conv2.shape", "pool2.shape", "conv3.shape", "pool3.shape", "fc4.params"):
        assert credited(verdicts, f"tp-cnn.10/{pid}"), verdicts[f"tp-cnn.10/{pid}"].feedback("en")


def test_follow_through_feedback_names_the_earlier_part_in_both_languages():
    v = grade(tp(TP_CARRIED))["tp-cnn.10/conv2.shape"]
    assert "pool1.shape" in v.feedback("fr") and "pool1.shape" in v.feedback("en")
    assert "suite logique" in v.feedback("fr") and "follow-through" in v.feedback("en")
    assert v.as_dict("en")["follow_through"] is True
    assert "follow_through" not in grade(tp(TP_RIGHT))["tp-cnn.10/conv2.shape"].as_dict("en")


def test_an_inconsistent_later_answer_gets_nothing_and_breaks_the_chain():
    answers = dict(TP_CARRIED, **{"conv3.shape": "15x15x64"})  # 16 × 16 kept by a 'same' convolution
    verdicts = grade(tp(answers))
    assert verdicts["tp-cnn.10/conv3.shape"].verdict == "incorrect"
    assert not verdicts["tp-cnn.10/conv3.shape"].follow_through
    # pool3 = 8 × 8 × 64 follows 16 × 16, not the 15 × 15 written for conv3 (which pools to 7 × 7)
    assert verdicts["tp-cnn.10/pool3.shape"].verdict == "incorrect"
    assert credited(verdicts, "tp-cnn.10/pool2.shape")


@pytest.mark.parametrize("pool1,conv2", [
    ("1x1x32", "1x1x64"),        # a size of 1: a 'same' convolution keeps it, trivially
    ("0x0x32", "0x0x64"),        # zero size
    ("16.5x16.5x32", "16.5x16.5x64"),  # not whole numbers
    ("(-16, -16, 32)", "(-16, -16, 64)"),
])
def test_a_degenerate_earlier_answer_gives_no_credit(pool1, conv2):
    answers = dict(TP_RIGHT, **{"pool1.shape": pool1, "conv2.shape": conv2})
    v = grade(tp(answers))["tp-cnn.10/conv2.shape"]
    assert v.verdict != "correct" and not v.follow_through and v.score == 0


# td2.III.2a, the sheet's values: input (1, 28, 28); conv1 32 filters stride 2 'same', conv2 64,
# pool 2, conv3 128, pool 2, conv4 256.
TD2_RIGHT = {"conv1": "(32, 14, 14)", "conv2": "(64, 14, 14)", "pool1": "(64, 7, 7)", "conv3": "(128, 7, 7)",
             "pool2": "(128, 3, 3)", "conv4": "(256, 3, 3)", "flatten": "(2304,)"}   # 256·3·3


def test_td2_III_2a_pool1_without_pooling_carried_to_the_flatten():
    carried = dict(TD2_RIGHT, pool1="(64, 14, 14)", conv3="(128, 14, 14)", pool2="(128, 7, 7)",
                   conv4="(256, 7, 7)", flatten=f"({256 * 7 * 7},)")
    verdicts = grade({f"td2.III.2a/{k}": v for k, v in carried.items()})
    assert verdicts["td2.III.2a/pool1"].verdict == "incorrect" and not verdicts["td2.III.2a/pool1"].follow_through
    for pid in ("conv3", "pool2", "conv4", "flatten"):
        assert credited(verdicts, f"td2.III.2a/{pid}"), verdicts[f"td2.III.2a/{pid}"].feedback("en")
    assert sum(v.score or 0 for v in verdicts.values()) == len(TD2_RIGHT) - 1


def test_td2_III_2a_a_later_mistake_of_its_own_is_not_excused():
    carried = dict(TD2_RIGHT, pool1="(64, 14, 14)", conv3="(128, 12, 12)")  # 'same' keeps 14: 12 is a new mistake
    verdicts = grade({f"td2.III.2a/{k}": v for k, v in carried.items()})
    assert verdicts["td2.III.2a/conv3"].verdict == "incorrect" and not verdicts["td2.III.2a/conv3"].follow_through


def test_td2_III_3a_total_from_the_students_own_counts():
    # conv1 without its bias: 32·9 = 288 instead of 320; the rest right; fc2 = 257 C
    counts = {"conv1": 288, "conv2": 64 * (32 * 25 + 1), "conv3": 128 * (64 * 9 + 1), "conv4": 256 * (128 * 9 + 1),
              "fc1": 256 * (256 * 3 * 3 + 1)}
    answers = {f"td2.III.3a/{k}": str(v) for k, v in counts.items()}
    answers["td2.III.3a/fc2"] = "257*C"
    answers["td2.III.3a/total"] = f"{sum(counts.values())} + 257 C"
    verdicts = grade(answers)
    assert verdicts["td2.III.3a/conv1"].verdict == "incorrect"
    assert credited(verdicts, "td2.III.3a/total")
    answers["td2.III.3a/total"] = f"{sum(counts.values()) + 1} + 257 C"
    assert not grade(answers)["td2.III.3a/total"].follow_through


def test_devoir_4_1_sides_follow_an_off_by_one():
    # 32 × 32, 3 × 3 convolutions, pool 2: right 30, 28, 14, 12; conv1 = 32 − 3 = 29 then consistent
    verdicts = grade({"devoir.4.1/conv1": "29", "devoir.4.1/conv2": "27", "devoir.4.1/pool": "13",
                      "devoir.4.1/conv3": "11"})
    assert verdicts["devoir.4.1/conv1"].verdict == "incorrect"
    assert all(credited(verdicts, f"devoir.4.1/{p}") for p in ("conv2", "pool", "conv3"))


def test_cours_intro_forward_o1_from_a_hidden_output_without_bias():
    def sigma(z):
        return 1 / (1 + math.exp(-z))
    x = (0.15, 0.25, -0.5)
    h1 = sigma(0.1 * x[0] + 2 * x[1] + 0.5 * x[2] + 0.2)
    h2 = sigma(0.3 * x[0] - 0.4 * x[1] - 0.5 * x[2])             # the bias −0.3 forgotten
    o1 = sigma(0.1 * h1 + 1 * h2 + 1.4)
    answers = {"cours-intro.forward/h1": f"{h1:.6f}", "cours-intro.forward/h2": f"{h2:.6f}",
               "cours-intro.forward/o1": f"{o1:.6f}"}
    verdicts = grade(answers)
    assert verdicts["cours-intro.forward/h1"].verdict == "correct"
    assert verdicts["cours-intro.forward/h2"].verdict == "incorrect"
    assert credited(verdicts, "cours-intro.forward/o1")
    answers["cours-intro.forward/h2"] = "1.2"  # not a sigmoid output: nothing follows from it
    assert not grade(answers)["cours-intro.forward/o1"].follow_through


def test_cours_intro_backprop_from_the_students_own_delta():
    # δ_o1 = −(1 − o1); a student who wrote +(1 − o1) (sign slip) then wo1_1 = δ·h1 with their δ
    x = (0.15, 0.25, -0.5)
    h1 = 1 / (1 + math.exp(-(0.1 * x[0] + 2 * x[1] + 0.5 * x[2] + 0.2)))
    h2 = 1 / (1 + math.exp(-(0.3 * x[0] - 0.4 * x[1] - 0.5 * x[2] - 0.3)))
    o1 = 1 / (1 + math.exp(-(0.1 * h1 + h2 + 1.4)))
    delta = 1 - o1
    verdicts = grade({"cours-intro.backprop/bo1": f"{delta:.8f}", "cours-intro.backprop/wo1_1": f"{delta * h1:.8f}",
                      "cours-intro.backprop/wo1_2": f"{delta * h2 + 0.01:.8f}"})
    assert verdicts["cours-intro.backprop/bo1"].verdict == "incorrect"
    assert credited(verdicts, "cours-intro.backprop/wo1_1")
    assert verdicts["cours-intro.backprop/wo1_2"].verdict == "incorrect"


def test_cours_intro_sgd_loss_after_from_the_students_own_step():
    """A step taken the wrong way (θ + η g) on every parameter, then the loss of those parameters."""
    def sigma(z):
        return 1 / (1 + math.exp(-z))
    x, eta = (0.15, 0.25, -0.5), 0.001
    w = {"wh1": [0.1, 2, 0.5], "bh1": 0.2, "wh2": [0.3, -0.4, -0.5], "bh2": -0.3, "wo1": [0.1, 1], "bo1": 1.4}

    def forward(p):
        h = [sigma(sum(a * b for a, b in zip(p[f"wh{j}"], x)) + p[f"bh{j}"]) for j in (1, 2)]
        return h, sigma(p["wo1"][0] * h[0] + p["wo1"][1] * h[1] + p["bo1"])
    h, o1 = forward(w)
    d_o = -(1 - o1)
    d_h = [d_o * w["wo1"][j] * h[j] * (1 - h[j]) for j in (0, 1)]
    grads = {"wo1_1": d_o * h[0], "wo1_2": d_o * h[1], "bo1": d_o}
    for j in (0, 1):
        grads.update({f"wh{j + 1}_{i + 1}": d_h[j] * x[i] for i in range(3)})
        grads[f"bh{j + 1}"] = d_h[j]
    up = {"wh1": [w["wh1"][i] + eta * grads[f"wh1_{i + 1}"] for i in range(3)], "bh1": w["bh1"] + eta * grads["bh1"],
          "wh2": [w["wh2"][i] + eta * grads[f"wh2_{i + 1}"] for i in range(3)], "bh2": w["bh2"] + eta * grads["bh2"],
          "wo1": [w["wo1"][i] + eta * grads[f"wo1_{i + 1}"] for i in range(2)], "bo1": w["bo1"] + eta * grads["bo1"]}
    flat = {"bo1": up["bo1"], "bh1": up["bh1"], "bh2": up["bh2"],
            **{f"wo1_{i + 1}": up["wo1"][i] for i in range(2)},
            **{f"wh{j}_{i + 1}": up[f"wh{j}"][i] for j in (1, 2) for i in range(3)}}
    answers = {f"cours-intro.sgd-step/{k}": f"{v:.12f}" for k, v in flat.items()}
    answers["cours-intro.sgd-step/loss_after"] = f"{-math.log(forward(up)[1]):.10f}"
    verdicts = grade(answers)
    assert verdicts["cours-intro.sgd-step/bo1"].verdict == "incorrect"
    assert credited(verdicts, "cours-intro.sgd-step/loss_after")


# ---- across the questions of a chain ---------------------------------------------------------------------

def test_td2_III_3a_fc1_from_the_flattened_size_found_in_III_2a():
    # III.2a without pool1: flatten 256·7·7 = 12544; fc1 (256 neurons) then has 256·(12544 + 1) weights
    answers = {"td2.III.2a/flatten": "(12544,)", "td2.III.3a/fc1": str(256 * (12544 + 1))}
    verdicts = grade(answers)
    assert verdicts["td2.III.2a/flatten"].verdict == "incorrect"
    assert credited(verdicts, "td2.III.3a/fc1")
    assert "td2.III.2a/flatten" in verdicts["td2.III.3a/fc1"].feedback("fr")
    answers["td2.III.3a/fc1"] = str(256 * 12544)  # a bias forgotten on top: a mistake of its own
    assert not grade(answers)["td2.III.3a/fc1"].follow_through


def test_td2_III_3b_follows_III_2b_not_III_2a():
    # the credit comes from the same input's shapes: III.2a's wrong flatten says nothing of III.3b
    answers = {"td2.III.2a/flatten": "(12544,)", "td2.III.3b/fc1": str(256 * (12544 + 1))}
    assert not grade(answers)["td2.III.3b/fc1"].follow_through


def test_td2_VI_2_dense_from_the_flattened_size_found_in_VI_1():
    # VI.1 on the sheet: conv2's output is 39 steps × 32 channels; a student off by one writes 40 × 32 = 1280;
    # the dense layer (64 neurons) then has 64·(1280 + 1) = 81984 weights
    verdicts = grade({"td2.VI.1/flatten.shape": "(1280,)", "td2.VI.2/dense.params": "81984"})
    assert verdicts["td2.VI.1/flatten.shape"].verdict == "incorrect"
    assert credited(verdicts, "td2.VI.2/dense.params")


def test_tp_cnn_11_total_from_the_students_own_counts_in_tp_cnn_10():
    counts = {"conv1": 2432, "pool1": 0, "conv2": 64 * 32 * 25, "pool2": 0,   # conv2 without its 64 biases
              "conv3": 102464, "pool3": 0, "fc4": 1025000, "fc5": 10010}
    answers = {f"tp-cnn.10/{k}.params": str(v) for k, v in counts.items()}
    answers["tp-cnn.11/total"] = str(sum(counts.values()))
    verdicts = grade(answers)
    assert verdicts["tp-cnn.10/conv2.params"].verdict == "incorrect"
    assert credited(verdicts, "tp-cnn.11/total")
    answers["tp-cnn.11/total"] = str(sum(counts.values()) + 64)
    assert not grade(answers)["tp-cnn.11/total"].follow_through


def _cours_intro_forward(bias_h2=-0.3):
    """(h1, h2, o1) of the lecture's network, worked out here with `math`."""
    def sigma(z):
        return 1 / (1 + math.exp(-z))
    x = (0.15, 0.25, -0.5)
    h1 = sigma(0.1 * x[0] + 2 * x[1] + 0.5 * x[2] + 0.2)
    h2 = sigma(0.3 * x[0] - 0.4 * x[1] - 0.5 * x[2] + bias_h2)
    return h1, h2, sigma(0.1 * h1 + 1 * h2 + 1.4)


def test_cours_intro_loss_and_backprop_from_the_students_own_forward_pass():
    h1, h2, o1 = _cours_intro_forward(bias_h2=0)      # h2's bias forgotten in the forward pass
    delta = -(1 - o1)                                 # δ_o1 = −(1 − o1) for E = −ln o1
    verdicts = grade({"cours-intro.forward/h1": f"{h1:.8f}", "cours-intro.forward/h2": f"{h2:.8f}",
                      "cours-intro.forward/o1": f"{o1:.8f}", "cours-intro.ce-loss/loss": f"{-math.log(o1):.8f}",
                      "cours-intro.backprop/bo1": f"{delta:.8f}", "cours-intro.backprop/wo1_2": f"{delta * h2:.8f}",
                      "cours-intro.backprop/bh2": f"{delta * 1 * h2 * (1 - h2):.8f}"})
    assert verdicts["cours-intro.forward/h2"].verdict == "incorrect"
    for pid in ("ce-loss/loss", "backprop/bo1", "backprop/wo1_2", "backprop/bh2"):
        assert credited(verdicts, f"cours-intro.{pid}"), verdicts[f"cours-intro.{pid}"].feedback("en")


def test_cours_intro_sgd_step_from_the_students_own_gradient():
    _, _, o1 = _cours_intro_forward()
    slipped = 1 - o1                                   # backprop's δ_o1 with the sign slipped
    verdicts = grade({"cours-intro.backprop/bo1": f"{slipped:.10f}",
                      "cours-intro.sgd-step/bo1": f"{1.4 - 0.001 * slipped:.10f}"})
    assert verdicts["cours-intro.backprop/bo1"].verdict == "incorrect"
    assert credited(verdicts, "cours-intro.sgd-step/bo1")


def test_questions_of_two_variants_do_not_meet():
    from solver.grading import follow

    tasks = [("td2.III.2a", 3, "flatten", "(12544,)"), ("td2.III.3a", None, "fc1", str(256 * (12544 + 1)))]
    verdicts = [check_answer(*t) for t in tasks]
    assert not any(v.follow_through for v in follow.follow_through(tasks, verdicts, ["s", "s"]))


def test_a_cross_question_reference_names_an_earlier_question_of_the_same_chain():
    order = [e.id for e in registry.all_exercises()]
    for exercise in registry.all_exercises():
        for part in exercise.parts:
            for ref in part.follows:
                other_id, part_id = source_of(exercise.id, ref)
                if other_id == exercise.id:
                    continue
                other = registry.get(other_id)
                assert other.chain is exercise.chain and other.sheet == exercise.sheet, ref
                assert order.index(other_id) < order.index(exercise.id), ref
                assert other.part(part_id) is not None, ref


def test_a_partial_follow_credit_is_a_partial_verdict(monkeypatch):
    from dataclasses import replace

    from solver.grading import follow

    half = replace(registry.get("devoir.4.1"), follow_credit=0.5)
    real = registry.get
    monkeypatch.setattr(registry, "get", lambda name: half if name == "devoir.4.1" else real(name))
    answers = {"devoir.4.1/conv1": "29", "devoir.4.1/conv2": "27"}
    verdicts = {p: check_answer("devoir.4.1", None, p.rpartition("/")[2], a) for p, a in answers.items()}
    v = follow.credited("devoir.4.1", None, "conv2", answers, verdicts)
    assert v.verdict == "partial" and v.score == 0.5 and v.follow_through and "50 %" in v.feedback("fr")


def _exercise(parts, follow=None):
    return Exercise(id="x.1", sheet="x", title=Text("t", "t"), statement=lambda q: Text("", ""),
                    parts=parts, solve=lambda q: None, follow=follow)


def test_follows_must_name_other_parts_and_need_a_hook():
    a, b = Part("a", "int", Text("a", "a")), Part("b", "int", Text("b", "b"), follows=("a",))
    _exercise((a, b), follow=lambda q, p, e: None)
    with pytest.raises(ValueError, match="hook"):
        _exercise((a, b))
    with pytest.raises(ValueError, match="not other parts"):
        _exercise((Part("b", "int", Text("b", "b"), follows=("zz",)),), follow=lambda q, p, e: None)
    with pytest.raises(ValueError, match="itself"):
        _exercise((Part("a", "int", Text("a", "a"), follows=("b",)), b), follow=lambda q, p, e: None)


DECLARED = [(e.id, p.id) for e in registry.all_exercises() for p in e.parts if p.follows]


def test_the_exercises_asked_for_declare_follow_through():
    ids = {e for e, _ in DECLARED}
    assert ids >= {"tp-cnn.10", "tp-cnn.11", "td2.III.2a", "td2.III.2b", "td2.III.3a", "td2.III.3b", "devoir.4.1",
                   "cours-intro.forward", "cours-intro.ce-loss", "cours-intro.backprop", "cours-intro.sgd-step",
                   "td2.VI.1", "td2.VI.2"}


@pytest.mark.parametrize("exercise_id,part_id", DECLARED)
@pytest.mark.parametrize("seed", [None, 3])
def test_the_hook_gives_the_key_back_from_the_keys_of_the_earlier_parts(exercise_id, part_id, seed):
    """Each hook is the exercise's own computation: fed the right earlier values it finds the key."""
    exercise, params, solution = solved(exercise_id, seed)
    earlier = {f: solved(*source_of(exercise_id, f)[:1], seed)[2].answers[source_of(exercise_id, f)[1]]
               for f in exercise.part(part_id).follows}
    got = exercise.follow(params, part_id, earlier)
    key = solution.answers[part_id]
    if exercise.part(part_id).kind == "number":
        assert math.isclose(float(got), float(key), rel_tol=1e-9, abs_tol=1e-12)
    else:
        assert got == key


def test_no_follow_through_verdict_is_left_over():
    assert Verdict("a/b", "incorrect", 0.0, 1.0).follow_through is False
