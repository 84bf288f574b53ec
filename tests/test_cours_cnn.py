"""cours-cnn: parameter counts and receptive fields of the lecture's worked examples, known independently."""

import pytest
import sympy as sp
from helpers import assert_checks_pass

from solver.sheets import registry

C = sp.Symbol("C", integer=True, positive=True)


def answers(ex_id, **overrides):
    ex = registry.get(ex_id)
    return ex.run(ex.make_params(None, {k: str(v) for k, v in overrides.items()})).answers


def test_mlp_params():
    a = answers("cours-cnn.mlp-params")
    assert (a["fc1"], a["fc2"], a["fc3"]) == (120 * 785, 80 * 121, 10 * 81)
    assert a["total"] == 94200 + 9680 + 810


def test_rgb_mlp_params():
    assert answers("cours-cnn.rgb-mlp-params")["fc1"] == 120 * (640 * 480 * 3 + 1) == 110_592_120


def test_stacked_3x3():
    a = answers("cours-cnn.stacked-3x3")
    assert a["rf"] == 7
    assert sp.expand(a["params_3x3"] - 3 * (9 * C ** 2 + C)) == 0
    assert sp.expand(a["params_7x7"] - (49 * C ** 2 + C)) == 0


def test_rf_depth():
    L, k = sp.Symbol("L", integer=True, positive=True), sp.Symbol("k", integer=True, positive=True)
    assert sp.expand(answers("cours-cnn.rf-depth")["rf"] - (L * (k - 1) + 1)) == 0
    assert answers("cours-cnn.rf-depth", L=3, k=3)["rf"] == 7


def test_dilation():
    a = answers("cours-cnn.dilation", i=7, k=3, s=1, p=0, d=2)
    assert (a["k_eff"], a["o"]) == (5, 3)
    a = answers("cours-cnn.dilation", i=32, k=3, s=2, p=2, d=2)
    assert (a["k_eff"], a["o"]) == (5, 16)        # floor((32 + 4 − 5)/2) + 1


def test_conv1x1():
    a = answers("cours-cnn.conv1x1")
    assert a["params_direct"] == 3 * 3 * 256 * 256 + 256 == 590_080
    assert a["params_bottleneck"] == 16_448 + 36_928 + 16_640 == 70_016


def test_vgg16():
    a = answers("cours-cnn.vgg16")
    assert a["params"] == 138_357_544          # published figure (Simonyan & Zisserman, configuration D)
    assert a["rf"] == 212                      # after pool5 (conv5_3: 196)


def test_lenet5():
    a = answers("cours-cnn.lenet5")
    assert {k: int(v) for k, v in a.items()} == {"conv1": 156, "conv3": 2416, "conv5": 48_120, "fc6": 10_164,
                                                 "output": 850, "total": 61_706}


@pytest.mark.parametrize("ex_id", [e.id for e in registry.by_sheet("cours-cnn")
                                   if e.id in {"cours-cnn.mlp-params", "cours-cnn.rgb-mlp-params",
                                               "cours-cnn.stacked-3x3", "cours-cnn.rf-depth", "cours-cnn.dilation",
                                               "cours-cnn.conv1x1", "cours-cnn.vgg16", "cours-cnn.lenet5"}])
@pytest.mark.parametrize("seed", [None, 0, 1])
def test_checks_pass(ex_id, seed):
    assert_checks_pass(ex_id, seed)


def test_lenet_partial_connection_diagnosis():
    ex = registry.get("cours-cnn.lenet5")
    q = ex.make_params()
    partial = [d for d in ex.diagnoses if d.code == "partial-connection" and d.part == "conv3"][0]
    assert partial.wrong(q) == 1516            # LeCun et al. 1998, table I


def _solution(ex_id, seed=None, **overrides):
    ex = registry.get(ex_id)
    return ex.run(ex.make_params(seed, {k: str(v) for k, v in overrides.items()}))


def test_lenet_remark_quotes_the_counts_of_the_variant():
    # original table: 6 maps with 3 inputs, 9 with 4, 1 with 6, each 5x5 + bias; full: 16 (6*25 + 1)
    remark = _solution("cours-cnn.lenet5").steps[1].text("en")
    assert f"{60 * 25 + 16:,} parameters instead of {16 * (6 * 25 + 1):,}" in remark
    remark = _solution("cours-cnn.lenet5", k=3).steps[1].text("en")
    assert f"{60 * 9 + 16:,} parameters instead of {16 * (6 * 9 + 1):,}" in remark
    assert "parameters instead" not in _solution("cours-cnn.lenet5", c3=20).steps[1].text("en")


def test_rf_depth_has_no_repeated_step():
    symbolic = _solution("cours-cnn.rf-depth")
    assert len(symbolic.steps) == 1 and symbolic.steps[0].kind == "result"
    numeric = _solution("cours-cnn.rf-depth", L=4, k=3)
    assert numeric.answers["rf"] == 4 * 2 + 1 and numeric.steps[-1].kind == "result"


def test_vgg_remark_on_small_images():
    assert "larger than the image (64 pixels)" in _solution("cours-cnn.vgg16", n=64).steps[-1].text("en")
    assert "larger than the image" not in _solution("cours-cnn.vgg16").steps[-1].text("en")


def test_stacked_single_convolution_has_its_own_name():
    sol = _solution("cours-cnn.stacked-3x3")
    assert any("single7x7" in s.text("en") for s in sol.steps)
