"""Architecture exercises (td2.VI, devoir 3.2/4.x/5.x, tp-cnn 1/6–11, cours-intro): values known
independently (worked by hand here, or measured with torch in the test), never the solver's output fed
back."""

import pytest
import sympy as sp
import torch
import torch.nn as nn

from solver.render.values import plain
from solver.sheets import registry
from solver.verify.runner import verify_one

IDS = ("td2.VI.1", "td2.VI.2", "td2.VI.3", "td2.VI.4", "td2.VI.5", "devoir.3.2", "devoir.4.1", "devoir.4.2",
       "devoir.5.1", "devoir.5.2", "devoir.5.3", "devoir.5.4", "tp-cnn.1", "tp-cnn.6", "tp-cnn.7", "tp-cnn.8",
       "tp-cnn.9", "tp-cnn.10", "tp-cnn.11", "cours-intro.mlp-params", "cours-intro.image-mlp-params",
       "cours-intro.layer-sizes", "cours-intro.padding-example")


def answers(ex_id, seed=None, **overrides):
    ex = registry.get(ex_id)
    params = ex.make_params(seed, {k: str(v) for k, v in overrides.items()})
    return ex.run(params).answers


def ints(value):
    return tuple(int(v) for v in value) if isinstance(value, (tuple, sp.Tuple)) else int(value)


# --- td2.VI ----------------------------------------------------------------------------------

def test_td2_vi_1_sheet_values():
    a = answers("conv1d")
    # 32 filters of 5 steps × 10 sensors + bias; length ⌊(168 − 5)/2⌋ + 1 = 82, then ⌊(82 − 5)/2⌋ + 1 = 39
    assert ints(a["conv1.params"]) == 32 * (5 * 10 + 1) == 1632
    assert ints(a["conv2.params"]) == 32 * (5 * 32 + 1) == 5152
    assert ints(a["conv1.shape"]) == (82, 32)
    assert ints(a["conv2.shape"]) == (39, 32)
    assert ints(a["flatten.shape"]) == (1248,)


@pytest.mark.parametrize("seed", [0, 4, 7])
def test_td2_vi_1_and_2_variants_against_torch(seed):
    ex = registry.get("td2.VI.1")
    q = ex.make_params(seed)
    a = ex.run(q).answers
    dense = answers("td2.VI.2", **q)  # the same network
    x = torch.zeros(1, q["d"], q["T"])
    c1, c2 = nn.Conv1d(q["d"], q["f"], q["K"], q["s"]), nn.Conv1d(q["f"], q["f"], q["K"], q["s"])
    y1 = c1(x)
    y2 = c2(y1)
    assert ints(a["conv1.shape"]) == (y1.shape[2], y1.shape[1])
    assert ints(a["conv2.shape"]) == (y2.shape[2], y2.shape[1])
    assert ints(a["conv2.params"]) == sum(p.numel() for p in c2.parameters())
    fc = nn.Linear(y2.flatten(1).shape[1], q["h"])
    assert ints(dense["dense.params"]) == sum(p.numel() for p in fc.parameters())


def test_td2_vi_2_and_3():
    assert ints(answers("td2.VI.2")["dense.params"]) == 64 * (1248 + 1) == 79936
    a = answers("td2.VI.3")
    assert (a["activation"], a["loss"]) == ("softmax", "cross-entropy")
    assert answers("td2.VI.3", outputs=1)["activation"] == "sigmoid"


# --- devoir ----------------------------------------------------------------------------------

def test_devoir_3_2():
    a = answers("mlp-parameter-count")
    total = 512 * 33 + 512 * 513 + 10 * 513
    assert total == 284682
    assert ints(a["params"]) == total
    assert ints(a["hessian_shape"]) == (total, total)
    net = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 5))
    a = answers("devoir.3.2", inputs=20, h1=64, h2=32, classes=5)
    assert ints(a["params"]) == sum(p.numel() for p in net.parameters())


def test_devoir_4_1_and_4_2():
    a = answers("devoir.4.1")
    assert [ints(a[n]) for n in ("conv1", "conv2", "pool", "conv3")] == [30, 28, 14, 12]
    a = answers("devoir.4.1", n=40, k=5, pool=3)   # 36, 32, ⌊(32 − 3)/3⌋ + 1 = 10, 6
    assert [ints(a[n]) for n in ("conv1", "conv2", "pool", "conv3")] == [36, 32, 10, 6]
    a = answers("devoir.4.2")
    assert (a["variable_size"], ints(a["min_size"]), a["mlp_variable"]) == ("yes", 9, "no")
    assert ints(answers("devoir.4.2", k=3)["min_size"]) == 5
    assert ints(answers("devoir.4.2", k=7)["min_size"]) == 13


def test_devoir_5():
    a = answers("devoir.5.1")
    assert (ints(a["output_size"]), a["same"]) == (32, "yes")
    a = answers("devoir.5.1", p=0)                  # four valid 3×3 convolutions: 32 − 8
    assert (ints(a["output_size"]), a["same"]) == (24, "no")
    assert ints(answers("devoir.5.3")["rf"]) == 1 + 4 * 2 == 9
    assert ints(answers("devoir.5.3", L=3, k=5)["rf"]) == 13
    a = answers("devoir.5.4")
    assert (a["perfect_accuracy"], a["residual_changes"]) == ("no", "no")
    assert answers("devoir.5.4", m=5)["perfect_accuracy"] == "yes"       # radius 4 reaches the corner
    assert answers("devoir.5.4", m=7, L=6)["perfect_accuracy"] == "yes"  # rf 13 = 2·6 + 1


def test_devoir_5_4_gradient_support_by_hand():
    """Corner output of 4 convs 3×3 (padding 1) on 7×7 does not depend on the opposite corner."""
    net = nn.Sequential(*[nn.Conv2d(1, 1, 3, padding=1) for _ in range(4)])
    for p in net.parameters():
        nn.init.constant_(p, 1.0)
    x = torch.ones(1, 1, 7, 7, requires_grad=True)
    net(x)[0, 0, 0, 0].backward()
    assert x.grad[0, 0, 4, 4] > 0 and x.grad[0, 0, 5, 5] == 0 and x.grad[0, 0, 6, 6] == 0


# --- tp-cnn ----------------------------------------------------------------------------------

def test_tp_cnn_1_symbolic():
    x, y, z, k, s = sp.symbols("x y z k s", integer=True, positive=True)
    p = sp.Symbol("p", integer=True, nonnegative=True)
    a = answers("tp-cnn.1")
    ox, oy = sp.floor((x + 2 * p - k) / s) + 1, sp.floor((y + 2 * p - k) / s) + 1
    assert tuple(a["output_shape"]) == (ox, oy, 1)
    assert sp.simplify(a["weights"] - (k ** 2 * z + 1)) == 0
    assert sp.simplify(a["fc_weights"] - (x * y * z + 1) * ox * oy) == 0


def test_tp_cnn_1_numeric():
    a = answers("tp-cnn.1", x=32, y=32, z=3, k=5, p=2, s=1)
    assert ints(a["output_shape"]) == (32, 32, 1)
    assert ints(a["weights"]) == 5 * 5 * 3 + 1
    assert ints(a["fc_weights"]) == (32 * 32 * 3 + 1) * 32 * 32


def test_tp_cnn_6_and_7():
    assert ints(answers("tp-cnn.6")["output_shape"]) == (6, 6, 1000)    # 384/32 = 12, 12 − 7 + 1 = 6
    assert ints(answers("tp-cnn.6", n=224)["output_shape"]) == (1, 1, 1000)
    assert ints(answers("tp-cnn.6", n=512)["output_shape"]) == (10, 10, 1000)
    a = answers("tp-cnn.7")
    assert (ints(a["rf_conv1"]), ints(a["rf_conv2"])) == (3, 5)
    a = answers("tp-cnn.7", k=5)
    assert (ints(a["rf_conv1"]), ints(a["rf_conv2"])) == (5, 9)


def test_tp_cnn_8_and_9():
    k = sp.Symbol("k", integer=True, positive=True)
    a = answers("tp-cnn.8")
    assert sp.simplify(a["padding"] - (k - 1) / 2) == 0 and ints(a["stride"]) == 1
    assert ints(answers("tp-cnn.8", k=5)["padding"]) == 2
    a = answers("tp-cnn.9")
    assert (ints(a["padding"]), ints(a["stride"])) == (0, 2)
    a = answers("tp-cnn.9", f=3)
    assert (ints(a["padding"]), ints(a["stride"])) == (0, 3)


TP_CNN_10 = {"conv1": ((32, 32, 32), 2432), "pool1": ((16, 16, 32), 0), "conv2": ((16, 16, 64), 51264),
             "pool2": ((8, 8, 64), 0), "conv3": ((8, 8, 64), 102464), "pool3": ((4, 4, 64), 0),
             "fc4": ((1000,), 1025000), "fc5": ((10,), 10010)}


def test_tp_cnn_10_and_11_sheet_values():
    a = answers("tp-cnn.10")
    for name, (shape, params) in TP_CNN_10.items():
        assert ints(a[f"{name}.shape"]) == shape, name
        assert ints(a[f"{name}.params"]) == params, name
    assert ints(answers("tp-cnn.11")["total"]) == sum(p for _, p in TP_CNN_10.values()) == 1191170


def test_tp_cnn_10_variant_against_torch():
    ex = registry.get("tp-cnn.10")
    q = ex.make_params(5)
    a = ex.run(q).answers
    k, pad = q["k"], (q["k"] - 1) // 2
    convs = [nn.Conv2d(q["c"], q["c1"], k, padding=pad), nn.Conv2d(q["c1"], q["c2"], k, padding=pad),
             nn.Conv2d(q["c2"], q["c3"], k, padding=pad)]
    x = torch.zeros(1, q["c"], q["n"], q["n"])
    for n, conv in enumerate(convs, 1):
        x = conv(x)
        assert ints(a[f"conv{n}.shape"]) == (x.shape[2], x.shape[3], x.shape[1])
        assert ints(a[f"conv{n}.params"]) == sum(p.numel() for p in conv.parameters())
        x = nn.functional.max_pool2d(x, q["f"])
        assert ints(a[f"pool{n}.shape"]) == (x.shape[2], x.shape[3], x.shape[1])
    fc4 = nn.Linear(x.numel(), q["hidden"])
    assert ints(a["fc4.params"]) == sum(p.numel() for p in fc4.parameters())


# --- cours-intro -----------------------------------------------------------------------------

def test_cours_intro():
    assert ints(answers("cours-intro.mlp-params")["params"]) == 2 * (3 + 1) + 2 * (2 + 1) == 14
    assert ints(answers("cours-intro.image-mlp-params")["params"]) == 367 * 237 * 30 + 30 == 2609400
    a = answers("cours-intro.layer-sizes")
    assert [ints(a[f"layer{n}.shape"]) for n in (1, 2, 3)] == [(26, 26, 16), (24, 24, 16), (12, 12, 16)]
    assert [ints(a[f"layer{n}.params"]) for n in (1, 2, 3)] == [16 * (27 + 1), 16 * (144 + 1), 0]
    a = answers("cours-intro.padding-example")
    assert (ints(a["padded_size"]), ints(a["output_size"])) == (8, 6)


# --- every exercise: mal-rules, cross-checks --------------------------------------------------

KNOWN_MISTAKES = [
    ("td2.VI.1", "conv1.params", "missing-bias", 1600),
    ("td2.VI.1", "conv1.shape", "ignored-stride", (164, 32)),
    ("td2.VI.2", "dense.params", "per-timestep-dense", 64 * 33),
    ("devoir.3.2", "params", "missing-bias", 284682 - 1034),
    ("devoir.4.2", "min_size", "sum-of-kernels", 10),
    ("devoir.5.3", "rf", "sum-of-kernels", 12),
    ("tp-cnn.10", "conv1.shape", "no-padding", (28, 28, 32)),
    # without padding: 32 → 28 → 14 → 10 → 5 → 1 → 0, the network breaks: the mal-rule does not apply
    ("tp-cnn.10", "fc4.params", "no-padding", None),
    ("tp-cnn.10", "fc4.params", "channels-only", 1000 * (64 + 1)),
    ("cours-intro.padding-example", "padded_size", "padding-one-side", 7),
]


@pytest.mark.parametrize("ex_id,part,code,want", KNOWN_MISTAKES)
def test_known_mistakes(ex_id, part, code, want):
    ex = registry.get(ex_id)
    q = ex.make_params()
    found = [d.wrong(q) for d in ex.diagnoses if d.code == code and d.part == part]
    assert found, (ex_id, part, code)
    assert (found[0] if want is None else ints(found[0])) == want


@pytest.mark.parametrize("ex_id", IDS)
@pytest.mark.parametrize("seed", [None, 0, 3])
def test_mal_rules_differ_from_the_answer_and_every_part_has_them(ex_id, seed):
    ex = registry.get(ex_id)
    q = ex.make_params(seed)
    sol = ex.run(q)
    for d in ex.diagnoses:
        value = d.wrong(q)  # runs on every variant; may coincide with the answer by chance on a variant
        if seed is None and value is not None and ex.part(d.part).kind != "expr":
            assert plain(value) != plain(sol.answers[d.part]), (d.code, d.part)
    computable = [p.id for p in ex.parts if p.kind != "text"]
    for part in computable:
        assert any(d.part == part for d in ex.diagnoses), (ex_id, part)


@pytest.mark.parametrize("ex_id", IDS)
def test_verify_passes_on_sheet_and_seeds(ex_id):
    ex = registry.get(ex_id)
    for seed in [None, 0, 1, 2]:
        result = verify_one(ex, seed)
        assert result.status in ("pass", "skip"), (seed, result.detail)
