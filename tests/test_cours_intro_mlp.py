"""cours-intro worked examples (3-2-2 sigmoid network, softmax): values checked by hand and with torch."""

import math
from fractions import Fraction

import pytest
import torch
from helpers import assert_checks_pass

from solver.sheets import registry

WH = [[0.1, 2.0, 0.5], [0.3, -0.4, -0.5]]
BH = [0.2, -0.3]
WO1, BO1 = [0.1, 1.0], 1.4
X = [0.15, 0.25, -0.5]


def sig(z):
    return 1 / (1 + math.exp(-z))


def hand_forward(wh=WH, bh=BH, wo1=WO1, bo1=BO1, x=X):
    h = [sig(sum(w * v for w, v in zip(row, x)) + b) for row, b in zip(wh, bh)]
    return h, sig(sum(w * v for w, v in zip(wo1, h)) + bo1)


def solve(ex_id, seed=None, **overrides):
    ex = registry.get(ex_id)
    return ex.run(ex.make_params(seed, overrides))


def test_forward_matches_hand_computation_and_lecture():
    sol = solve("cours-intro.forward")
    (h1, h2), o1 = hand_forward()
    assert float(sol.answers["h1"]) == pytest.approx(h1, rel=1e-12)
    assert float(sol.answers["h2"]) == pytest.approx(h2, rel=1e-12)
    assert float(sol.answers["o1"]) == pytest.approx(o1, rel=1e-12)
    assert float(sol.answers["o1"]) == pytest.approx(0.87382, abs=1e-5)  # the lecture's value
    assert float(sol.answers["h1"]) == pytest.approx(sig(0.465), rel=1e-12)


def test_loss_is_minus_ln_o1():
    _, o1 = hand_forward()
    assert float(solve("cours-intro.ce-loss").answers["loss"]) == pytest.approx(-math.log(o1), rel=1e-12)


def torch_gradients():
    wh = torch.tensor(WH, dtype=torch.float64, requires_grad=True)
    bh = torch.tensor(BH, dtype=torch.float64, requires_grad=True)
    wo = torch.tensor([WO1], dtype=torch.float64, requires_grad=True)
    bo = torch.tensor([BO1], dtype=torch.float64, requires_grad=True)
    x = torch.tensor(X, dtype=torch.float64)
    o1 = torch.sigmoid(wo @ torch.sigmoid(wh @ x + bh) + bo)[0]
    loss = -torch.log(o1)
    loss.backward()
    grads = {"wo1_1": wo.grad[0, 0], "wo1_2": wo.grad[0, 1], "bo1": bo.grad[0]}
    for j in range(2):
        grads.update({f"wh{j + 1}_{i + 1}": wh.grad[j, i] for i in range(3)})
        grads[f"bh{j + 1}"] = bh.grad[j]
    return {k: v.item() for k, v in grads.items()}, (wh, bh, wo, bo, x)


def test_backprop_matches_autograd_and_hand_chain_rule():
    sol = solve("cours-intro.backprop")
    grads, _ = torch_gradients()
    assert set(grads) == set(sol.answers)
    for pid, want in grads.items():
        assert float(sol.answers[pid]) == pytest.approx(want, rel=1e-10, abs=1e-15), pid
    (h1, h2), o1 = hand_forward()
    delta_o = -(1 - o1)
    assert float(sol.answers["wo1_1"]) == pytest.approx(delta_o * h1, rel=1e-12)
    delta_h2 = delta_o * 1.0 * h2 * (1 - h2)
    assert float(sol.answers["wh2_3"]) == pytest.approx(delta_h2 * -0.5, rel=1e-12)


def test_sgd_step_matches_torch_optimizer():
    sol = solve("cours-intro.sgd-step")
    grads, (wh, bh, wo, bo, x) = torch_gradients()
    torch.optim.SGD([wh, bh, wo, bo], lr=0.001).step()
    assert float(sol.answers["wo1_1"]) == pytest.approx(wo[0, 0].item(), rel=1e-13)
    assert float(sol.answers["wh1_1"]) == pytest.approx(0.1 - 0.001 * grads["wh1_1"], rel=1e-13)
    assert float(sol.answers["bh2"]) == pytest.approx(bh[1].item(), rel=1e-13)
    with torch.no_grad():
        after = -torch.log(torch.sigmoid(wo @ torch.sigmoid(wh @ x + bh) + bo)[0]).item()
    assert float(sol.answers["loss_after"]) == pytest.approx(after, rel=1e-12)
    assert after < -math.log(hand_forward()[1])


def test_variants_match_an_independent_float_computation():
    for seed in range(5):
        ex = registry.get("cours-intro.forward")
        q = ex.make_params(seed)
        flat = {k: [float(v) for row in q[k] for v in row] for k in ("wh1", "wh2", "wo1", "x")}
        (h1, h2), o1 = hand_forward([flat["wh1"], flat["wh2"]], [float(q["bh1"]), float(q["bh2"])],
                                    flat["wo1"], float(q["bo1"]), flat["x"])
        sol = ex.run(q)
        assert float(sol.answers["o1"]) == pytest.approx(o1, rel=1e-12)
        assert float(sol.answers["h2"]) == pytest.approx(h2, rel=1e-12)


def test_overrides_are_read():
    sol = solve("cours-intro.forward", x="[0 0 0]", bh1="0")
    assert float(sol.answers["h1"]) == pytest.approx(0.5)


def test_diagnoses_give_the_typical_wrong_values():
    _, o1 = hand_forward()
    loss_ex = registry.get("cours-intro.ce-loss")
    q = loss_ex.make_params()
    wrong = {d.code: float(d.wrong(q)) for d in loss_ex.diagnoses}
    assert wrong["log10-instead-of-ln"] == pytest.approx(-math.log10(o1), rel=1e-12)
    assert wrong["sign-error"] == pytest.approx(math.log(o1), rel=1e-12)

    bp = registry.get("cours-intro.backprop")
    q = bp.make_params()
    by = {(d.code, d.part): d for d in bp.diagnoses}
    (h1, h2), _ = hand_forward()
    assert float(by["missing-sigmoid-derivative", "wo1_1"].wrong(q)) == pytest.approx(-h1 / o1, rel=1e-12)
    assert float(by["sign-error", "bo1"].wrong(q)) == pytest.approx(1 - o1, rel=1e-12)
    assert float(by["missing-input-factor", "wh1_2"].wrong(q)) == pytest.approx(
        -(1 - o1) * 0.1 * h1 * (1 - h1), rel=1e-12)

    sgd = registry.get("cours-intro.sgd-step")
    q = sgd.make_params()
    grads, _ = torch_gradients()
    by = {(d.code, d.part): d for d in sgd.diagnoses}
    assert float(by["sign-error", "bo1"].wrong(q)) == pytest.approx(1.4 + 0.001 * grads["bo1"], rel=1e-13)
    assert float(by["missing-learning-rate", "wo1_2"].wrong(q)) == pytest.approx(1 - grads["wo1_2"], rel=1e-13)


def test_every_computable_part_has_two_diagnoses():
    for ex_id in ("cours-intro.forward", "cours-intro.ce-loss", "cours-intro.backprop", "cours-intro.sgd-step",
                  "cours-intro.softmax-example"):
        ex = registry.get(ex_id)
        for part in ex.parts:
            assert sum(d.part == part.id for d in ex.diagnoses) >= 2, (ex_id, part.id)


def test_softmax_example():
    sol = solve("cours-intro.softmax-example")
    s = [float(v) for v in sol.answers["s"]]
    exps = [math.exp(a) for a in (-1, 0, 3, 5)]
    assert s == pytest.approx([e / sum(exps) for e in exps], rel=1e-12)
    assert sol.answers["s"].shape == (1, 4)
    sol = solve("cours-intro.softmax-example", a="[1 1]")
    assert [float(v) for v in sol.answers["s"]] == pytest.approx([0.5, 0.5])


@pytest.mark.parametrize("ex_id", ["cours-intro.forward", "cours-intro.ce-loss", "cours-intro.backprop",
                                   "cours-intro.sgd-step", "cours-intro.softmax-example"])
def test_checks_pass_on_sheet_and_variants(ex_id):
    for seed in (None, 0, 1):
        assert_checks_pass(ex_id, seed)


def test_missing_output_weights_are_explained_not_invented():
    ex = registry.get("cours-intro.backprop")
    assert not any(p.name in ("wo2", "bo2") for p in ex.params)
    remarks = [s for s in solve("cours-intro.backprop").steps if s.kind == "remark"]
    assert any("w_{o2}" in s.text("en") for s in remarks)


def test_exact_parameters_from_decimals():
    q = registry.get("cours-intro.forward").make_params()
    assert q["x"][0][0] == Fraction(3, 20) and q["bo1"] == Fraction(7, 5)
