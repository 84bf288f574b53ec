"""Follow-through credit on a teacher's model exercise: a total from the student's own per-layer counts.

The network and its course folder are written here; every expected number is worked out by hand
in this file, never asked from the solver.
"""

import pytest
import sympy as sp

from solver.grading.check import check_answer, solved
from solver.grading.submission import Submission, grade_submissions
from solver.sheets import registry

NET = '''\
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3)
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(8, 16, 3)
        self.mix = nn.Conv2d(16, 16, 1)
        self.flat = nn.Flatten()
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = F.relu(self.conv2(x))
        x = self.pool(self.mix(self.mix(x)))
        return self.fc(self.flat(x))
'''

MODEL = """\
id: mf.net
title: {fr: "Un petit réseau", en: "A small network"}
model: net.py:Net
input: [3, 16, 16]
ask:
  conv1: [shape, params, mult_adds, rf]
  pool: [shape, mult_adds, rf, jump]
  conv2: [shape, rf]
  mix: [params, mult_adds, rf, jump]
  flat: [shape]
  fc: [params, mult_adds]
totals: [params, mult_adds]
"""

# A residual block: the add takes two paths, so nothing after it follows a layer before it.
RES = '''\
import torch.nn as nn


class Res(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(1, 4, 3, padding=1)
        self.b = nn.Conv2d(4, 4, 3, padding=1)
        self.pool = nn.MaxPool2d(2)

    def forward(self, x):
        x = self.a(x)
        return self.pool(x + self.b(x))
'''

RES_MODEL = """\
id: mf.res
title: {fr: "Un bloc résiduel", en: "A residual block"}
model: res.py:Res
input: [1, 8, 8]
ask:
  a: [rf, jump]
  pool: [rf, jump]
"""

# A transposed convolution: the analyzer and the engine's step both divide the jump by its stride.
UP = '''\
import torch.nn as nn


class Up(nn.Module):
    def __init__(self):
        super().__init__()
        self.down = nn.Conv2d(1, 4, 2, stride=2)
        self.up = nn.ConvTranspose2d(4, 1, 2, stride=2)

    def forward(self, x):
        return self.up(self.down(x))
'''

UP_MODEL = """\
id: mf.up
title: {fr: "Descendre puis remonter", en: "Down then up"}
model: up.py:Up
input: [1, 8, 8]
ask:
  down: [rf, jump]
  up: [rf, jump]
"""

# A depthwise convolution: its groups must divide the channels a student carries into it.
DW = '''\
import torch.nn as nn


class Dw(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(1, 4, 3)
        self.dw = nn.Conv2d(4, 4, 3, groups=4)

    def forward(self, x):
        return self.dw(self.a(x))
'''

DW_MODEL = """\
id: mf.dw
title: {fr: "Une convolution par canal", en: "A depthwise convolution"}
model: dw.py:Dw
input: [1, 8, 8]
ask:
  a: [shape]
  dw: [params, mult_adds]
"""

# A batch norm: γ and β per channel, so its parameters follow the channels carried into it.
BN = '''\
import torch.nn as nn


class Bn(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(1, 4, 3)
        self.bn = nn.BatchNorm2d(4)

    def forward(self, x):
        return self.bn(self.a(x))
'''

BN_MODEL = """\
id: mf.bn
title: {fr: "Une normalisation", en: "A batch norm"}
model: bn.py:Bn
input: [1, 8, 8]
ask:
  a: [shape]
  bn: [params]
"""

# Tied weights: b uses a's weight matrix, the analyzer counts it once (b's row: its bias only).
TIED = '''\
import torch.nn as nn


class Tied(nn.Module):
    def __init__(self):
        super().__init__()
        self.flat = nn.Flatten()
        self.a = nn.Linear(4, 4)
        self.b = nn.Linear(4, 4)
        self.b.weight = self.a.weight

    def forward(self, x):
        return self.b(self.a(self.flat(x)))
'''

TIED_MODEL = """\
id: mf.tied
title: {fr: "Des poids partagés", en: "Tied weights"}
model: tied.py:Tied
input: [1, 2, 2]
ask:
  a: [shape]
  b: [params, mult_adds]
"""

SHEET = 'id: mf\ntitle: {fr: "Suite logique", en: "Follow-through"}\n'

# By hand, input 3 × 16 × 16: conv1 → 8 × 14 × 14, pool → 8 × 7 × 7, conv2 → 16 × 5 × 5, mix (1 × 1,
# called twice) → 16 × 5 × 5, pool → 16 × 2 × 2, flat → 64, fc → 10.
PARAMS = {"conv1": 8 * (3 * 9 + 1),          # 224
          "conv2": 16 * (8 * 9 + 1),         # 1168, not asked: still in the total
          "mix": 16 * (16 + 1),              # 272, counted once although called twice
          "fc": 10 * (64 + 1)}               # 650
MULT_ADDS = {"conv1": 8 * 14 * 14 * 3 * 9,   # 42336: outputs × weights per output
             "conv2": 16 * 5 * 5 * 8 * 9,    # 28800
             "mix": 16 * 5 * 5 * 16,         # 6400 per call
             "fc": 64 * 10,                  # 640
             "pool": 0}                      # pooling is not counted
TOTAL_PARAMS = sum(PARAMS.values())                                  # 2314
TOTAL_MULT_ADDS = sum(MULT_ADDS.values()) + MULT_ADDS["mix"]         # mix's second call: 84576
# r ← r + (k − 1)·j, j ← j·s: conv1 3 (jump 1), pool 3 + 1 = 4 (jump 2), conv2 4 + 2·2 = 8,
# mix (1 × 1) 8, jump 2 throughout
RF = {"conv1": 3, "pool": 4, "conv2": 8, "mix": 8}
JUMP = {"pool": 2, "mix": 2}
SHAPES = {"conv1": "(8, 14, 14)", "pool": "(8, 7, 7)", "conv2": "(16, 5, 5)", "flat": "(64,)"}   # 16·2·2 = 64


@pytest.fixture(scope="module", autouse=True)
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    sheet = root / "mf"
    sheet.mkdir()
    for name, text in (("sheet.yaml", SHEET), ("net.py", NET), ("net.yaml", MODEL), ("res.py", RES),
                       ("res.yaml", RES_MODEL), ("up.py", UP), ("up.yaml", UP_MODEL),
                       ("dw.py", DW), ("dw.yaml", DW_MODEL), ("bn.py", BN), ("bn.yaml", BN_MODEL),
                       ("tied.py", TIED), ("tied.yaml", TIED_MODEL)):
        (sheet / name).write_text(text, encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(registry.COURSE_ENV, str(root))
        yield root


def right():
    out = {f"{layer}.params": str(PARAMS[layer]) for layer in ("conv1", "mix", "fc")}
    out.update({f"{layer}.mult_adds": str(MULT_ADDS[layer]) for layer in ("conv1", "pool", "mix", "fc")})
    out.update({f"{layer}.rf": str(v) for layer, v in RF.items()})
    out.update({f"{layer}.jump": str(v) for layer, v in JUMP.items()})
    out.update({f"{layer}.shape": v for layer, v in SHAPES.items()})
    out.update({"total.params": str(TOTAL_PARAMS), "total.mult_adds": str(TOTAL_MULT_ADDS)})
    return out


def grade(answers: dict, exercise="mf.net") -> dict:
    sub = Submission("s.yaml", "s", None, None, {f"{exercise}/{k}": v for k, v in answers.items()})
    report = grade_submissions([sub], lambda tasks: [check_answer(*t) for t in tasks])[0]
    return {v.id.split("/", 1)[1]: v for v in report.parts if v.id.startswith(f"{exercise}/")}


def credited(v) -> bool:
    return v.verdict == "correct" and v.follow_through and v.score == v.max_score


def test_the_right_answers_are_right_without_follow_through():
    verdicts = grade(right())
    assert all(v.verdict == "correct" and not v.follow_through for v in verdicts.values())


def test_a_total_from_the_students_own_wrong_count_earns_follow_through():
    answers = right()
    answers["conv1.params"] = str(8 * 3 * 9)                        # 216: the biases forgotten
    answers["total.params"] = str(TOTAL_PARAMS - 8)                 # their own sum, conv2 included
    verdicts = grade(answers)
    wrong = verdicts["conv1.params"]
    assert wrong.verdict == "incorrect" and not wrong.follow_through and wrong.score == 0
    total = verdicts["total.params"]
    assert credited(total), total.feedback("en")
    assert "conv1.params" in total.feedback("en") and "conv1.params" in total.feedback("fr")
    assert sum(v.score for v in verdicts.values()) == len(answers) - 1


def test_a_total_inconsistent_with_the_students_counts_gets_nothing():
    answers = right()
    answers["conv1.params"] = str(8 * 3 * 9)
    for total in (TOTAL_PARAMS - 7, TOTAL_PARAMS - 8 - PARAMS["conv2"]):   # off by one; conv2 left out
        answers["total.params"] = str(total)
        v = grade(answers)["total.params"]
        assert v.verdict == "incorrect" and not v.follow_through and v.score == 0


@pytest.mark.parametrize("count", ["1", "-224", "224.5"])
def test_a_degenerate_count_gives_nothing(count):
    answers = right()
    answers["conv1.params"] = count
    answers["total.params"] = str(TOTAL_PARAMS - PARAMS["conv1"] + float(count)).removesuffix(".0")
    v = grade(answers)["total.params"]
    assert v.verdict != "correct" and not v.follow_through and v.score == 0


def test_a_module_called_twice_counts_the_students_value_at_each_call():
    answers = right()
    answers["mix.mult_adds"] = str(5 * 5 * 16)                    # 400: the 16 output channels forgotten
    answers["total.mult_adds"] = str(TOTAL_MULT_ADDS - 2 * (MULT_ADDS["mix"] - 400))
    verdicts = grade(answers)
    assert verdicts["mix.mult_adds"].verdict == "incorrect"
    assert credited(verdicts["total.mult_adds"])
    answers["total.mult_adds"] = str(TOTAL_MULT_ADDS - (MULT_ADDS["mix"] - 400))   # only one call changed
    assert not grade(answers)["total.mult_adds"].follow_through
    # its parameters count once however often it is called
    answers["mix.params"] = str(16 * 16)                           # 256: no bias
    answers["total.params"] = str(TOTAL_PARAMS - 16)
    assert credited(grade(answers)["total.params"])


def test_a_module_called_on_different_shapes_gives_no_recomputation():
    # pool runs on 8 × 14 × 14 then on 16 × 5 × 5: a count for its first call says nothing of the second
    answers = right()
    answers["pool.mult_adds"] = "392"                               # 8 · 7 · 7, one per output
    for total in (TOTAL_MULT_ADDS + 392, TOTAL_MULT_ADDS + 2 * 392):
        answers["total.mult_adds"] = str(total)
        assert not grade(answers)["total.mult_adds"].follow_through


def test_the_totals_follow_every_asked_layer():
    exercise = registry.get("mf.net")
    assert exercise.part("total.params").follows == ("conv1.params", "mix.params", "fc.params")
    assert exercise.part("total.mult_adds").follows == ("conv1.mult_adds", "pool.mult_adds", "mix.mult_adds",
                                                        "fc.mult_adds")


def test_a_receptive_field_from_the_students_own_earlier_field_and_jump():
    answers = right()
    answers["pool.rf"] = "5"                                       # r + k·j = 3 + 2·1 instead of 3 + 1·1
    answers["conv2.rf"] = str(5 + 2 * 2)                           # then conv2 right from their 5
    verdicts = grade(answers)
    assert verdicts["pool.rf"].verdict == "incorrect" and not verdicts["pool.rf"].follow_through
    assert credited(verdicts["conv2.rf"])
    # a wrong jump carried: conv2 (k = 3) adds 2 of their jumps, mix's jump stays theirs (stride 1)
    answers = dict(right(), **{"pool.jump": "3", "conv2.rf": str(4 + 2 * 3), "mix.jump": "3"})
    verdicts = grade(answers)
    assert verdicts["pool.jump"].verdict == "incorrect"
    assert credited(verdicts["conv2.rf"]) and credited(verdicts["mix.jump"])


@pytest.mark.parametrize("pool_rf,conv2_rf", [("5", "10"),     # 5 + 2·2 = 9, not 10: a mistake of its own
                                              ("1", "5"),      # a field of one pixel: degenerate
                                              ("4.5", "8.5")])
def test_no_credit_for_an_inconsistent_or_degenerate_receptive_field(pool_rf, conv2_rf):
    v = grade(dict(right(), **{"pool.rf": pool_rf, "conv2.rf": conv2_rf}))["conv2.rf"]
    assert v.verdict == "incorrect" and not v.follow_through and v.score == 0


def test_nothing_follows_across_a_branch():
    # a: rf 3, jump 1; b: 3 + 2 = 5; the sum sees the wider one, 5; pool: 5 + 1 = 6, jump 2
    exercise, params, solution = solved("mf.res", None)
    assert (solution.answers["pool.rf"], solution.answers["pool.jump"]) == (6, 2)
    assert exercise.part("pool.rf").follows == ("a.rf", "a.jump")
    keys = {f: solution.answers[f] for f in ("a.rf", "a.jump")}
    assert exercise.follow(params, "pool.rf", keys) is None
    verdicts = grade({"a.rf": "4", "a.jump": "1", "pool.rf": str(4 + 2 + 1), "pool.jump": "2"}, "mf.res")
    assert verdicts["a.rf"].verdict == "incorrect" and not verdicts["pool.rf"].follow_through


def test_a_transposed_convolution_divides_the_students_jump_by_its_stride():
    # down: rf 2, jump 2; up sees ⌈2/2⌉ = 1 unit of down: rf 2, jump 2 / 2 = 1
    exercise, params, solution = solved("mf.up", None)
    assert [solution.answers[p] for p in ("down.rf", "down.jump", "up.rf", "up.jump")] == [2, 2, 2, 1]
    keys = {f: solution.answers[f] for f in ("down.rf", "down.jump")}
    assert exercise.follow(params, "up.rf", keys) == 2
    four, three, two = sp.Integer(4), sp.Integer(3), sp.Integer(2)
    assert exercise.follow(params, "up.jump", {"down.jump": four}) == 4 // 2       # a jump of 4 written for down
    assert exercise.follow(params, "up.rf", {"down.rf": three, "down.jump": two}) == 3 + (1 - 1) * 2


def test_shapes_carried_from_the_students_own_wrong_shape():
    # pool taken with stride 1: 14 − 2 + 1 = 13; then conv2 13 − 3 + 1 = 11, mix keeps 11, the
    # second pool 5, flattened 16·5·5 = 400
    answers = dict(right(), **{"pool.shape": "(8, 13, 13)", "conv2.shape": "(16, 11, 11)", "flat.shape": "(400,)"})
    verdicts = grade(answers)
    assert verdicts["pool.shape"].verdict == "incorrect" and not verdicts["pool.shape"].follow_through
    assert credited(verdicts["conv2.shape"]) and credited(verdicts["flat.shape"])
    assert verdicts["conv1.shape"].verdict == "correct" and not verdicts["conv1.shape"].follow_through


@pytest.mark.parametrize("pool,conv2", [("(8, 13, 13)", "(16, 12, 12)"),   # 13 − 3 + 1 = 11: a new mistake
                                        ("(8, 0, 0)", "(16, 0, 0)"),       # no size: degenerate
                                        ("(8, 1, 1)", "(16, 1, 1)"),       # a size of 1: degenerate
                                        ("(8, 7)", "(16, 5)")])            # an axis lost: not the key's form
def test_no_credit_for_an_inconsistent_or_degenerate_shape(pool, conv2):
    v = grade(dict(right(), **{"pool.shape": pool, "conv2.shape": conv2}))["conv2.shape"]
    assert v.verdict == "incorrect" and not v.follow_through and v.score == 0


def test_the_hook_gives_the_key_back_from_the_keys_of_the_earlier_parts():
    exercise, params, solution = solved("mf.net", None)
    declared = [p for p in exercise.parts if p.follows]
    assert {p.id for p in declared} == {"pool.rf", "conv2.rf", "mix.rf", "mix.jump", "pool.shape", "conv2.shape",
                                        "flat.shape", "total.params", "total.mult_adds", "pool.mult_adds",
                                        "mix.params", "mix.mult_adds", "fc.params", "fc.mult_adds"}
    for part in declared:
        earlier = {f: solution.answers[f] for f in part.follows}
        assert exercise.follow(params, part.id, earlier) == solution.answers[part.id]
    assert solution.answers["total.params"] == TOTAL_PARAMS and solution.answers["total.mult_adds"] == TOTAL_MULT_ADDS


# --- a layer's counts from the shape asked before it ------------------------------------------------------------

# pool taken with stride 1 (see the shape test above): flat 16·5·5 = 400 instead of 64
CARRIED = {"pool.shape": "(8, 13, 13)", "conv2.shape": "(16, 11, 11)", "flat.shape": "(400,)"}


def test_the_counts_follow_the_previous_asked_shape():
    exercise = registry.get("mf.net")
    assert exercise.part("fc.params").follows == ("flat.shape",)
    assert exercise.part("fc.mult_adds").follows == ("flat.shape",)
    assert exercise.part("mix.params").follows == ("conv2.shape",)       # mix asks no shape before it: conv2's
    assert exercise.part("conv1.params").follows == ()                   # no shape asked before conv1


def test_a_dense_layers_parameters_from_the_students_wrong_flatten():
    answers = dict(right(), **CARRIED, **{"fc.params": str(10 * (400 + 1))})         # 4010
    verdicts = grade(answers)
    assert verdicts["flat.shape"].follow_through and not verdicts["pool.shape"].follow_through
    fc = verdicts["fc.params"]
    assert credited(fc), fc.feedback("en")
    assert "flat.shape" in fc.feedback("en") and "flat.shape" in fc.feedback("fr")
    exercise, params, _ = solved("mf.net", None)
    assert exercise.follow(params, "fc.params", {"flat.shape": sp.Tuple(400)}) == 4010


def test_a_total_from_a_count_credited_by_follow_through():
    # wrong flatten → fc's parameters from it → the total from that count: 2314 − 650 + 4010
    answers = dict(right(), **CARRIED, **{"fc.params": "4010", "total.params": str(TOTAL_PARAMS - 650 + 4010)})
    verdicts = grade(answers)
    assert credited(verdicts["fc.params"]) and credited(verdicts["total.params"])
    assert "fc.params" in verdicts["total.params"].feedback("en")


def test_a_dense_layers_mult_adds_from_the_students_wrong_flatten():
    answers = dict(right(), **CARRIED, **{"fc.mult_adds": str(400 * 10),
                                          "total.mult_adds": str(TOTAL_MULT_ADDS - 640 + 4000)})
    verdicts = grade(answers)
    assert credited(verdicts["fc.mult_adds"]) and credited(verdicts["total.mult_adds"])


@pytest.mark.parametrize("fc_params", [str(10 * 400),            # the bias forgotten on top: a mistake of its own
                                       str(10 * (400 + 1) + 1),   # off by one
                                       str(10 * (64 + 1) + 1)])   # neither the key nor their flatten's
def test_no_credit_for_counts_inconsistent_with_the_students_flatten(fc_params):
    v = grade(dict(right(), **CARRIED, **{"fc.params": fc_params}))["fc.params"]
    assert v.verdict == "incorrect" and not v.follow_through and v.score == 0


@pytest.mark.parametrize("flat,fc_params", [("(1,)", str(10 * (1 + 1))),      # a size of 1: degenerate
                                            ("(0,)", "10"),                    # no size
                                            ("(400.5,)", str(10 * 401.5)),     # not whole
                                            ("(16, 5, 5)", "4010")])           # not flattened: not the key's form
def test_no_credit_for_counts_from_a_degenerate_flatten(flat, fc_params):
    v = grade(dict(right(), **{"flat.shape": flat, "fc.params": fc_params}))["fc.params"]
    assert v.verdict == "incorrect" and not v.follow_through and v.score == 0


def test_a_convolutions_counts_from_the_students_wrong_channel_count():
    # conv2's 16 output channels written as conv1's 8: mix (1 × 1, 16 filters) then sees 8 channels,
    # 16·(8·1·1 + 1) = 144 parameters and 16·5·5·8 = 3200 multiply-adds (the key: 272 and 6400)
    answers = dict(right(), **{"conv2.shape": "(8, 5, 5)", "mix.params": "144", "mix.mult_adds": "3200"})
    verdicts = grade(answers)
    assert verdicts["conv2.shape"].verdict == "incorrect"
    assert credited(verdicts["mix.params"]) and credited(verdicts["mix.mult_adds"])
    # a wrong size, not channels: the parameters do not move, the multiply-adds do (16·4·4·16 = 4096)
    answers = dict(right(), **{"conv2.shape": "(16, 4, 4)", "mix.params": "272", "mix.mult_adds": "4096"})
    verdicts = grade(answers)
    assert verdicts["mix.params"].verdict == "correct" and not verdicts["mix.params"].follow_through
    assert credited(verdicts["mix.mult_adds"])


def test_a_grouped_convolution_needs_channels_its_groups_divide():
    # a: 4 × 6 × 6; dw (groups 4): 4·(4/4)·9 + 4 = 40 parameters, 4·4·4·(4/4)·9 = 576 multiply-adds
    exercise, params, solution = solved("mf.dw", None)
    assert [solution.answers[p] for p in ("dw.params", "dw.mult_adds")] == [40, 576]
    assert exercise.follow(params, "dw.params", {"a.shape": sp.Tuple(8, 6, 6)}) == 4 * (8 // 4) * 9 + 4   # 76
    assert exercise.follow(params, "dw.mult_adds", {"a.shape": sp.Tuple(4, 7, 7)}) == 4 * 5 * 5 * 9      # 900
    # 10 channels in 4 groups: torch refuses it; rounding 10/4 down would say 4·2·9 + 4 = 76
    assert exercise.follow(params, "dw.params", {"a.shape": sp.Tuple(10, 6, 6)}) is None
    v = grade({"a.shape": "(10, 6, 6)", "dw.params": "76"}, "mf.dw")["dw.params"]
    assert v.verdict == "incorrect" and not v.follow_through


def test_a_batch_norm_counts_from_the_students_channels():
    # a: 4 × 6 × 6; bn: γ and β for each of the 4 channels = 8 (running statistics are buffers)
    exercise, params, solution = solved("mf.bn", None)
    assert solution.answers["bn.params"] == 2 * 4
    verdicts = grade({"a.shape": "(6, 6, 6)", "bn.params": str(2 * 6)}, "mf.bn")   # six channels written for a
    assert verdicts["a.shape"].verdict == "incorrect"
    assert credited(verdicts["bn.params"])
    assert not grade({"a.shape": "(6, 6, 6)", "bn.params": str(4 * 6)}, "mf.bn")["bn.params"].follow_through


def test_counts_do_not_follow_across_a_branch():
    # the residual block: pool's input is the sum of two paths, nothing steps from a's shape through it
    exercise, params, _ = solved("mf.res", None)
    assert exercise.follow(params, "pool.mult_adds", {"a.shape": sp.Tuple(4, 8, 8)}) is None


def test_counts_only_where_the_engine_gives_the_analyzers_own():
    # b's row counts its bias only (4; the engine would say 4·4 + 4 = 20): no parameters recomputed,
    # even from the key's own shape; its multiply-adds (4·4 = 16, the same either way) still follow
    exercise, params, solution = solved("mf.tied", None)
    assert [solution.answers[p] for p in ("b.params", "b.mult_adds")] == [4, 16]
    assert exercise.follow(params, "b.params", {"a.shape": sp.Tuple(4)}) is None
    assert exercise.follow(params, "b.mult_adds", {"a.shape": sp.Tuple(4)}) == 16
    assert exercise.follow(params, "b.mult_adds", {"a.shape": sp.Tuple(5)}) == 5 * 4
