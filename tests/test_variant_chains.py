"""Seeded variants shared across exercise ids (`solver.core.exercise.Chain`).

One seed gives one network, one data set, one set of weights to every question of a chain:
the members' shared parameters are equal, statements and model answers quote them, and the
variants are deterministic and valid. Expected values are computed here (by hand or by torch).
"""

import math
import os
import subprocess
import sys
from collections import defaultdict

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from solver.core.errors import ParamError
from solver.core.exercise import Chain
from solver.sheets import registry

SEEDS = range(10)

# The chains and their members, written out (not read back from the code under test).
CHAINS = {
    "td2.I": ("td2.I.3", "td2.I.4"),
    "td2.III": ("td2.III.1", "td2.III.2a", "td2.III.2b", "td2.III.3a", "td2.III.3b", "td2.III.4", "td2.III.5"),
    "td2.VI": ("td2.VI.1", "td2.VI.2", "td2.VI.3", "td2.VI.4", "td2.VI.5"),
    "tp-cnn.vgg16": ("tp-cnn.6", "tp-cnn.7"),
    "tp-cnn.network": ("tp-cnn.8", "tp-cnn.9", "tp-cnn.10", "tp-cnn.11", "tp-cnn.12", "tp-cnn.17"),
    "cours-intro.mlp": ("cours-intro.forward", "cours-intro.ce-loss", "cours-intro.backprop",
                        "cours-intro.sgd-step"),
    "cours-intro.image": ("cours-intro.conv-example", "cours-intro.padding-example"),
    "devoir.5": ("devoir.5.1", "devoir.5.3", "devoir.5.4"),
}
NETWORK = ("k1", "k2", "k3", "k4", "s1", "q", "f1", "f2", "f3", "f4", "h")


def _members():
    found = defaultdict(set)
    for ex in registry.all_exercises():
        if ex.chain is not None:
            found[ex.chain.name].add(ex.id)
    return found


def test_the_chains_and_their_members():
    assert {name: set(ids) for name, ids in CHAINS.items()} == dict(_members())


@pytest.mark.parametrize("chain", sorted(CHAINS))
@pytest.mark.parametrize("seed", SEEDS)
def test_members_share_the_chain_values(chain, seed):
    seen = {}
    for ex_id in CHAINS[chain]:
        ex = registry.get(ex_id)
        q = ex.make_params(seed)
        assert ex.shared_names, ex_id
        for name in ex.shared_names:
            key = ex.shared_as.get(name, name)
            seen.setdefault(key, (ex_id, q[name]))
            assert q[name] == seen[key][1], f"{ex_id}.{name} differs from {seen[key][0]}"


def test_the_custom_model_is_one_network_for_one_seed():
    for seed in SEEDS:
        params = {ex_id: registry.get(ex_id).make_params(seed) for ex_id in CHAINS["td2.III"]}
        for name in NETWORK:
            assert len({q[name] for q in params.values()}) == 1, (seed, name)
        a, b, why = params["td2.III.2a"], params["td2.III.2b"], params["td2.III.4"]
        assert (a["c"], a["n"]) == (params["td2.III.3a"]["c"], params["td2.III.3a"]["n"]) == (why["c_a"], why["n_a"])
        assert (b["c"], b["n"]) == (params["td2.III.3b"]["c"], params["td2.III.3b"]["n"]) == (why["c_b"], why["n_b"])
        assert (params["td2.III.5"]["c"], params["td2.III.5"]["n"]) == (b["c"], b["n"])


@pytest.mark.parametrize("chain", sorted(CHAINS))
def test_same_seed_same_params(chain):
    for ex_id in CHAINS[chain]:
        ex = registry.get(ex_id)
        for seed in SEEDS:
            assert ex.make_params(seed) == ex.make_params(seed)


def test_a_seed_changes_the_shared_values():
    ex = registry.get("td2.III.2a")
    assert len({tuple(sorted(ex.make_params(seed).items())) for seed in SEEDS}) > 5


@pytest.mark.parametrize("chain", sorted(CHAINS))
def test_variants_are_valid_for_seeds_0_to_99(chain):
    for ex_id in CHAINS[chain]:
        ex = registry.get(ex_id)
        for seed in range(100):
            q = ex.make_params(seed)           # runs validate
            assert ex.statement(q)("fr") and ex.statement(q)("en")


def test_overrides_still_apply_on_a_chain_member():
    ex = registry.get("td2.III.2a")
    drawn, forced = ex.make_params(7), ex.make_params(7, {"n": "96", "k2": "7"})
    assert (forced["n"], forced["k2"]) == (96, 7)
    assert all(forced[name] == drawn[name] for name in NETWORK if name != "k2")
    with pytest.raises(ParamError):
        ex.make_params(7, {"k1": "4"})     # even kernel: validate still runs


def test_a_chain_draw_must_give_what_it_declares():
    chain = Chain("demo", ("a", "b"), lambda rng: {"a": rng.randint(1, 3)})
    with pytest.raises(RuntimeError):
        chain.values(0)
    assert Chain("demo", ("a",), lambda rng: {"a": rng.random()}).values(3) == \
        Chain("demo", ("a",), lambda rng: {"a": rng.random()}).values(3)


# --- statements and model answers quote the variant --------------------------------------------

def _flatten_size(c, n, q):
    """conv1 'same' at stride s1 (TensorFlow's ceil rule), conv2, pool, conv3, pool, conv4 — by torch."""
    meta = {"device": "meta", "dtype": torch.float64}
    x = torch.zeros(1, c, n, n, **meta)
    side = math.ceil(n / q["s1"])
    pad = max((side - 1) * q["s1"] + q["k1"] - n, 0)
    x = F.pad(x, (pad // 2, pad - pad // 2, pad // 2, pad - pad // 2))
    x = nn.Conv2d(c, q["f1"], q["k1"], stride=q["s1"], **meta)(x)
    x = nn.Conv2d(q["f1"], q["f2"], q["k2"], padding="same", **meta)(x)
    x = nn.Conv2d(q["f2"], q["f3"], q["k3"], padding="same", **meta)(F.max_pool2d(x, q["q"]))
    x = nn.Conv2d(q["f3"], q["f4"], q["k4"], padding="same", **meta)(F.max_pool2d(x, q["q"]))
    return x[0].numel()


@pytest.mark.parametrize("seed", [None, *SEEDS])
def test_td2_iii_4_quotes_its_inputs_and_their_flattened_sizes(seed):
    ex = registry.get("td2.III.4")
    q = ex.make_params(seed)
    a, b = registry.get("td2.III.3a").make_params(seed), registry.get("td2.III.3b").make_params(seed)
    for lang in ("fr", "en"):
        text = ex.statement(q)(lang)
        assert f"({a['n']}, {a['n']}, {a['c']})" in text and f"({b['n']}, {b['n']}, {b['c']})" in text
    answer = ex.run(q).answers["text"].answer("en")
    fa, fb = _flatten_size(a["c"], a["n"], q), _flatten_size(b["c"], b["n"], q)
    assert f"({fa} then {fb})" in answer
    assert f"goes from {(fa + 1) * q['h']} to {(fb + 1) * q['h']} parameters" in answer


def test_td2_iii_4_on_the_sheet_quotes_the_sheets_inputs():
    ex = registry.get("td2.III.4")
    text = ex.statement(ex.make_params())("en")
    assert "$(28, 28, 1)$ and $(64, 64, 3)$" in text


@pytest.mark.parametrize("seed", SEEDS)
def test_td2_iii_5_quotes_its_input(seed):
    ex = registry.get("td2.III.5")
    q = ex.make_params(seed)
    b = registry.get("td2.III.2b").make_params(seed)
    assert f"({b['n']}, {b['n']}, {b['c']})" in ex.statement(q)("fr")
    flat = _flatten_size(b["c"], b["n"], q)
    assert f"fc1 goes from {(flat + 1) * q['h']} to {(q['f4'] + 1) * q['h']}" in ex.run(q).answers["text"].answer("en")


@pytest.mark.parametrize("seed", SEEDS)
def test_the_custom_model_statement_names_the_variant_network(seed):
    for ex_id in ("td2.III.1", "td2.III.4"):
        ex = registry.get(ex_id)
        q = ex.make_params(seed)
        text = ex.statement(q)("en")
        assert f"conv1: {q['f1']} filters ${q['k1']}\\times {q['k1']}$, stride {q['s1']}" in text
        assert f"fc1: {q['h']} neurons" in text


@pytest.mark.parametrize("seed", SEEDS)
def test_td2_vi_statements_describe_one_sequence_data_set(seed):
    q = registry.get("td2.VI.1").make_params(seed)
    for ex_id in ("td2.VI.3", "td2.VI.4"):
        ex = registry.get(ex_id)
        text = ex.statement(ex.make_params(seed))("en")
        assert f"Sequences of ${q['T']}$ time steps, each made of ${q['d']}$ sensor readings" in text
    ex = registry.get("td2.VI.5")
    assert f"${q['T']} \\times {q['d']}$" in ex.statement(ex.make_params(seed))("en")


@pytest.mark.parametrize("seed", SEEDS)
def test_td2_vi_4_quotes_the_dense_and_conv_counts(seed):
    ex = registry.get("td2.VI.4")
    q = ex.make_params(seed)
    c1, c2 = nn.Conv1d(q["d"], q["f"], q["K"], q["s"]), nn.Conv1d(q["f"], q["f"], q["K"], q["s"])
    flat = c2(c1(torch.zeros(1, q["d"], q["T"]))).numel()
    dense = (flat + 1) * q["h"]
    convs = sum(p.numel() for m in (c1, c2) for p in m.parameters())
    answer = ex.run(q).answers["text"].answer("en")
    assert str(dense) in answer and str(convs) in answer


@pytest.mark.parametrize("seed", SEEDS)
def test_the_worked_example_shows_the_same_weights_everywhere(seed):
    statements = []
    for ex_id in CHAINS["cours-intro.mlp"]:
        ex = registry.get(ex_id)
        statements.append(ex.statement(ex.make_params(seed))("en"))
    q = registry.get("cours-intro.forward").make_params(seed)
    x = ", ".join(str(float(v)).rstrip("0").rstrip(".") for v in q["x"][0])
    prefix = statements[0].split(" Compute")[0]
    assert all(s.startswith(prefix) for s in statements)
    assert f"$x = ({x})$" in prefix


@pytest.mark.parametrize("seed", SEEDS)
def test_the_worked_example_loss_is_that_of_the_forward_pass(seed):
    """One seed: ce-loss's E is −ln of forward's o1, both against torch on the same weights."""
    fw, ce = registry.get("cours-intro.forward"), registry.get("cours-intro.ce-loss")
    q = fw.make_params(seed)

    def row(name):
        return torch.tensor([float(v) for v in q[name][0]], dtype=torch.float64)

    h = torch.sigmoid(torch.stack([row("wh1"), row("wh2")]) @ row("x")
                      + torch.tensor([float(q["bh1"]), float(q["bh2"])], dtype=torch.float64))
    o1 = torch.sigmoid(row("wo1") @ h + float(q["bo1"]))
    assert float(fw.run(q).answers["o1"]) == pytest.approx(o1.item(), rel=1e-9)
    assert float(ce.run(ce.make_params(seed)).answers["loss"]) == pytest.approx(-math.log(o1.item()), rel=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_padding_example_pads_the_convolution_example_image(seed):
    image = registry.get("cours-intro.conv-example").make_params(seed)
    ex = registry.get("cours-intro.padding-example")
    q = ex.make_params(seed)
    assert (q["n"], q["k"]) == (len(image["X"]), len(image["W"]))
    assert f"${q['n']} \\times {q['n']}$ image of the convolution example" in ex.statement(q)("en")


@pytest.mark.parametrize("seed", SEEDS)
def test_tp_cnn_8_to_12_are_about_one_network(seed):
    q = registry.get("tp-cnn.10").make_params(seed)
    k, f = q["k"], q["f"]
    assert registry.get("tp-cnn.8").make_params(seed)["k"] == k
    assert registry.get("tp-cnn.9").make_params(seed)["f"] == f
    assert registry.get("tp-cnn.17").make_params(seed)["C"] == q["classes"]
    remark = registry.get("tp-cnn.8")
    steps = remark.run(remark.make_params(seed)).steps
    assert f"($k = {k}$), $p = {(k - 1) // 2}$" in steps[-1].text("en")
    layers, c = [], q["c"]
    for width in (q["c1"], q["c2"], q["c3"]):
        layers += [nn.Conv2d(c, width, k, padding=(k - 1) // 2), nn.MaxPool2d(f, f)]
        c = width
    flat = nn.Sequential(*layers)(torch.zeros(1, q["c"], q["n"], q["n"])).numel()
    layers += [nn.Linear(flat, q["hidden"]), nn.Linear(q["hidden"], q["classes"])]
    total = sum(p.numel() for m in layers for p in m.parameters())
    ex = registry.get("tp-cnn.12")
    answer = ex.run(ex.make_params(seed)).answers["text"].answer("en")
    assert f"The CNN learns {total:,} weights" in answer
    assert f"SVM over {q['classes']} classes ({1001 * q['classes']:,} weights)" in answer


@pytest.mark.parametrize("seed", [None, *SEEDS])
def test_tp_cnn_17_rubric_quotes_ln_c(seed):
    ex = registry.get("tp-cnn.17")
    q = ex.make_params(seed)
    rubric = ex.run(q).answers["text"].rubric[0]
    assert f"≈ {math.log(q['C']):.2f} for {q['C']} classes" in rubric("en")
    assert f"≈ {math.log(q['C']):.2f} pour".replace(".", ",") in rubric("fr")


@pytest.mark.parametrize("seed", SEEDS)
def test_tp_cnn_6_uses_the_vgg_kernel_of_tp_cnn_7(seed):
    six, seven = registry.get("tp-cnn.6"), registry.get("tp-cnn.7")
    q = six.make_params(seed)
    k = seven.make_params(seed)["k"]
    assert q["k"] == k
    assert f"${k} \\times {k}$ convolutions of stride 1" in six.statement(q)("en")


@pytest.mark.parametrize("seed", SEEDS)
def test_devoir_5_questions_share_the_stack(seed):
    one, three, four = (registry.get(i).make_params(seed) for i in CHAINS["devoir.5"])
    assert (one["L"], one["k"]) == (three["L"], three["k"]) == (four["L"], four["k"])
    ex = registry.get("devoir.5.3")
    rf = ex.run(ex.make_params(seed)).answers["rf"]
    assert int(rf) == 1 + one["L"] * (one["k"] - 1)


def test_chain_statements_need_neither_sympy_nor_torch():
    code = ("import sys\nfrom solver.sheets import registry\n"
            "for ex in registry.all_exercises():\n"
            "    if ex.chain is not None:\n"
            "        for seed in (None, 3):\n"
            "            q = ex.make_params(seed); ex.statement(q); ex.heading(q)\n"
            "print('sympy' in sys.modules, 'torch' in sys.modules)\n")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
