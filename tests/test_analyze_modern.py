"""`tdsolver analyze` on the blocks of today's networks (tests/models/modern.py), checked against torch.

For every network: parameters against ``sum(p.numel())``, every module's output shape against the
real forward pass, receptive fields against the gradient support of one output unit measured here
on the real network (positive weights, positive random input, fixed seed: no cancellation and no
ReLU dead zone), and mult-adds against a count written here from each layer type's formula.
"""

import json
import math
import os

import pytest
from click.testing import CliRunner

torch = pytest.importorskip("torch")
nn = torch.nn

from cli import main
from solver.analyze.analyze import Convention, analyze, load, table

MODELS = os.path.join(os.path.dirname(__file__), "models")
MODERN = os.path.join(MODELS, "modern.py")

NETWORKS = {   # name: (input, hand-written matmuls outside modules: (count, contracted size, output numel))
    "SENet": ((3, 64, 64), ()),
    "DepthwiseSeparable": ((3, 64, 64), ()),
    "InvertedResidual": ((3, 32, 32), ()),
    "InceptionC": ((3, 64, 64), ()),
    "InceptionWide": ((3, 40, 64), ()),
    "ShuffleUnit": ((3, 64, 64), ()),
    "ConvNeXtBlock": ((3, 64, 64), ()),
    "TinyViT": ((3, 32, 32), ((1, 8, 2 * 17 * 17), (1, 17, 2 * 17 * 8))),   # q·kᵀ over d = 8, attn·v over L = 17
    "SegmentationHead": ((3, 64, 64), ()),
    "ASPP": ((3, 64, 64), ()),
    "ShapeDependent": ((3, 32, 32), ()),
}


def build(name):
    return load(f"{MODERN}:{name}")


def positive(net):
    """Weights uniform in [0.1, 1] / fan-in, biases 0.01, norm scales 1 (seeded): positive everywhere."""
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, p in net.named_parameters():
            if p.dim() > 1:
                p.copy_((torch.rand(p.shape, generator=gen) * 0.9 + 0.1) / max(p[0].numel(), 1))
            else:
                p.fill_(0.01 if name.endswith("bias") else 1.0)
        for name, b in net.named_buffers():
            if name.endswith("running_var"):
                b.fill_(1.0)
            elif name.endswith("running_mean"):
                b.zero_()
    return net.double().eval()


def module_outputs(net, x, grad=False):
    """Every module call's input and output, in call order: [(name, module, input, output)]."""
    calls, handles = [], []
    for name, m in net.named_modules():
        if name and (not list(m.children()) or isinstance(m, nn.MultiheadAttention)):
            handles.append(m.register_forward_hook(
                lambda mod, args, out, name=name: calls.append((name, mod, args, out))))
    try:
        with torch.set_grad_enabled(grad):
            out = net(x)
    finally:
        for h in handles:
            h.remove()
    return calls, out


def first(out):
    return out[0] if isinstance(out, tuple) else out


@pytest.fixture(scope="module", params=sorted(NETWORKS))
def case(request):
    name = request.param
    shape, _ = NETWORKS[name]
    net = build(name)
    return name, net, shape, analyze(net, shape, name)


def test_self_checks_and_parameters(case):
    _name, net, _shape, result = case
    assert result.error is None
    assert result.checks.ok, [f"{r.label}: {r.detail}" for r in result.checks.failures()]
    assert result.total_params == sum(p.numel() for p in net.parameters())


def test_shapes_match_the_real_forward(case):
    _name, net, shape, result = case
    calls, _ = module_outputs(net.eval(), torch.zeros(1, *shape))
    real = [(n, tuple(first(o).shape[1:])) for n, m, a, o in calls
            if any(l.module == n for l in result.layers)]
    mine = [(l.module, tuple(l.shape)) for l in result.layers if l.module is not None]
    assert mine == real


def hand_mult_adds(name, net, shape, bias=False, norm=False):
    """Σ over module calls of the layer type's formula, plus the network's functional matmuls."""
    calls, _ = module_outputs(net.eval(), torch.zeros(1, *shape))
    total = 0
    for _, m, args, out in calls:
        out = first(out)
        if isinstance(m, nn.Conv2d):
            kh, kw = m.kernel_size
            total += out.numel() * (m.in_channels // m.groups) * kh * kw + (out.numel() if bias and m.bias is not None else 0)
        elif isinstance(m, nn.ConvTranspose2d):
            kh, kw = m.kernel_size
            total += args[0].numel() * (m.out_channels // m.groups) * kh * kw + (out.numel() if bias else 0)
        elif isinstance(m, nn.Linear):
            total += out.numel() * m.in_features + (out.numel() if bias and m.bias is not None else 0)
        elif isinstance(m, nn.MultiheadAttention):
            length, e = args[0].shape[1], m.embed_dim
            total += 4 * length * e * e + 2 * length * length * e + (4 * length * e if bias else 0)
        elif isinstance(m, (nn.BatchNorm2d, nn.LayerNorm)) and norm:
            total += out.numel()
    for count, contracted, numel in NETWORKS[name][1]:
        total += count * contracted * numel
    return total


def test_mult_adds_match_a_count_by_formula(case):
    name, net, shape, result = case
    assert result.total_mult_adds == hand_mult_adds(name, net, shape)


@pytest.mark.parametrize("name", ["SENet", "DepthwiseSeparable", "TinyViT", "SegmentationHead"])
def test_mult_adds_conventions(name):
    net, shape = build(name), NETWORKS[name][0]
    for count, bias, norm in (("macs", True, False), ("macs", False, True), ("flops", False, False)):
        result = analyze(net, shape, name, check=False, convention=Convention(count, bias, norm))
        want = hand_mult_adds(name, net, shape, bias, norm)
        if count == "flops":
            want *= 2
        assert result.total_mult_adds == want, (count, bias, norm)


def support(grad):
    """(rows, cols) extents of the non-zero input gradient."""
    nz = grad.abs().sum(dim=(0, 1)) != 0
    rows, cols = nz.any(dim=1).nonzero(), nz.any(dim=0).nonzero()
    return (int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1)), nz


def as_pair(rf):
    return rf if rf == "global" or isinstance(rf, tuple) else (rf, rf)


def test_receptive_fields_match_gradient_support(case):
    """Each module output of the real network: one unit near the centre (the largest over a 4×4 block
    where an upsampling makes units differ), or every input pixel for a unit said to see it all."""
    name, net, shape, result = case
    net = positive(build(name))
    gen = torch.Generator().manual_seed(1)
    x = (torch.rand(1, *shape, generator=gen, dtype=torch.float64) + 0.5).requires_grad_(True)
    calls, _ = module_outputs(net, x, grad=True)
    by_module = {}
    for l in result.layers:
        if l.module is not None:
            by_module.setdefault(l.module, []).append(l)   # a module called twice: its calls in order
    measured = 0
    for mod_name, _m, _args, out in calls:
        if not by_module.get(mod_name):
            continue
        out, layer = first(out), by_module[mod_name].pop(0)
        rf = as_pair(layer.row.rf)
        units = _units(out, rf, layer)
        extents = []
        for unit in units:
            grad, = torch.autograd.grad(out[unit], x, retain_graph=True)
            extent, nz = support(grad)
            extents.append((extent, bool(nz.all())))
        if rf == "global":
            assert all(whole for _, whole in extents), mod_name
        else:
            got = tuple(max(e[0][i] for e in extents) for i in range(2))
            assert got == rf, (mod_name, got, rf)
        measured += 1
    assert measured >= 2


def _units(out, rf, layer):
    if out.dim() == 4:   # (N, C, H, W) or, after a permute, (N, H, W, C): the centre of every dimension
        c, h, w = (v // 2 for v in out.shape[1:])
        block = 4 if isinstance(layer.row.jump, float) or isinstance(layer.row.jump, tuple) and \
            any(isinstance(j, float) for j in layer.row.jump) else 1
        return [(0, c, h + i, w + j) if out.shape[1] <= out.shape[3] else (0, c + i, h + j, w)
                for i in range(block) for j in range(block)]
    if out.dim() == 3:
        return [(0, out.shape[1] // 2, 0)]
    return [(0, 0)]


def layer(result, name):
    return next(l for l in result.layers if l.name == name)


def test_squeeze_excitation_is_global_with_the_maps_jump():
    result = analyze(build("SENet"), (3, 64, 64))
    product = layer(result, "mul")
    assert product.row.rf == "global" and product.row.jump == 2 and layer(result, "head").row.rf == "global"
    assert layer(result, "se.fc1").row.rf == "global"


def test_non_square_kernels_give_pairs():
    result = analyze(build("InceptionWide"), (3, 40, 64))
    # by hand: 1×7 stride (1, 2): rf (1, 7), jump (1, 2); then 3×5 dilation (2, 1): rf (1 + 2·2, 7 + 4·2)
    assert layer(result, "conv").row.rf == (1, 7) and layer(result, "conv").row.jump == (1, 2)
    assert layer(result, "conv2").row.rf == (5, 15) and layer(result, "conv2").row.jump == (1, 2)
    data = json.loads(CliRunner().invoke(main, ["analyze", f"{MODERN}:InceptionWide", "--input", "3,40,64",
                                                "--json"]).output)
    assert data["layers"][0]["rf"] == [1, 7] and data["layers"][0]["jump"] == [1, 2]


def test_vit_is_global_after_the_first_attention():
    result = analyze(build("TinyViT"), (3, 32, 32))
    names = [l.name for l in result.layers]
    attention = names.index("attention")
    assert all(l.row.rf != "global" for l in result.layers[:attention])
    assert all(l.row.rf == "global" for l in result.layers[attention:])
    assert layer(result, "conv_proj").row.rf == 8


def test_segmentation_upsampling_divides_the_jump():
    result = analyze(build("SegmentationHead"), (3, 64, 64))
    assert layer(result, "atrous").row.jump == 4 and layer(result, "up").row.jump == 2
    assert layer(result, "interpolate").row.jump == 1 and layer(result, "interpolate").shape == (5, 64, 64)


def test_aspp_image_pooling_branch_makes_the_concatenation_global():
    result = analyze(build("ASPP"), (3, 64, 64))
    assert layer(result, "b2").row.rf == 3 + 8 * 2 and layer(result, "b2").row.jump == 2   # dilation 4: k_eff 9
    assert layer(result, "interpolate").row.rf == "global" and layer(result, "cat").row.rf == "global"
    assert layer(result, "project").row.jump == 2


def test_shape_dependent_code_follows_the_input():
    big = analyze(build("ShapeDependent"), (3, 32, 32))
    small = analyze(build("ShapeDependent"), (3, 16, 16))
    assert [l.name for l in big.layers].count("conv2") == 2 and "avg_pool2d" in [l.name for l in big.layers]
    assert [l.name for l in small.layers].count("conv2") == 2 and "avg_pool2d" not in [l.name for l in small.layers]
    assert layer(big, "getitem").shape == (8, 14, 14)


def test_memory_estimate():
    net = build("SENet")
    result = analyze(net, (3, 64, 64), check=False)
    assert result.memory["params_bytes"] == 4 * sum(p.numel() for p in net.parameters())
    calls, _ = module_outputs(net.eval(), torch.zeros(1, 3, 64, 64))
    # every module output, plus the functional relu and the product (views excluded)
    modules = sum(first(o).numel() for _, _, _, o in calls)
    assert result.memory["activations_bytes"] == 4 * (modules + 16 * 32 * 32 * 2)


def roll_line():
    with open(MODERN, encoding="utf-8") as f:
        return next(n for n, line in enumerate(f, 1) if "return torch.roll" in line)


def test_unreadable_operation_names_the_users_line_and_keeps_the_layers_before():
    runner = CliRunner()
    result = runner.invoke(main, ["analyze", f"{MODERN}:Roller", "--input", "3,16,16", "--lang", "en"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"modern.py:{roll_line()}" in result.output and "roll" in result.output
    assert "conv" in result.output and "(4, 14, 14)" in result.output
    data = json.loads(runner.invoke(main, ["analyze", f"{MODERN}:Roller", "--input", "3,16,16", "--json"]).output)
    assert f"modern.py:{roll_line()}" in data["error"] and [l["name"] for l in data["layers"]] == ["conv", "relu"]


def test_cli_json_has_totals_convention_and_memory():
    out = CliRunner().invoke(main, ["analyze", f"{MODERN}:SENet", "--input", "3,64,64", "--json", "--count",
                                    "flops", "--bias"]).output
    data = json.loads(out)
    net = build("SENet")
    assert data["total_mult_adds"] == 2 * hand_mult_adds("SENet", net, (3, 64, 64)) - \
        hand_mult_adds("SENet", net, (3, 64, 64)) + hand_mult_adds("SENet", net, (3, 64, 64), bias=True)
    assert data["mult_adds_convention"]["unit"] == "flops" and data["mult_adds_convention"]["bias"] is True
    assert data["memory"]["params_bytes"] == 4 * sum(p.numel() for p in net.parameters())
    assert math.isclose(sum(l["mult_adds"] for l in data["layers"]), data["total_mult_adds"])


def test_a_decision_on_values_runs_on_real_numbers():
    result = analyze(build("ValueDependent"), (3, 16, 16))
    assert result.checks.ok and [l.name for l in result.layers] == ["conv", "abs", "sum", "ge", "conv2"]
    assert layer(result, "conv2").row.rf == 5 and layer(result, "sum").row.rf == "global"


@pytest.mark.parametrize("built", ["load", "direct"])
def test_tied_weights_are_counted_once(built):
    """conv 3·4 + 4 = 16, a 64·64 + 64 = 4160, b shares a's weight (no bias), c 64·10 + 10 = 650."""
    if built == "load":  # built on the meta device, then given memory: the tie must survive
        net = build("TiedLinear")
    else:
        import importlib.util
        spec = importlib.util.spec_from_file_location("modern_direct", MODERN)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        net = module.TiedLinear()
    assert net.b.weight is net.a.weight
    result = analyze(net, (3, 4, 4), "TiedLinear")
    assert result.total_params == 16 + 4160 + 650 == sum(p.numel() for p in net.parameters())
    rows = {l.name: l for l in result.layers}
    assert (rows["a"].params, rows["b"].params, rows["b"].shared) == (4160, 0, (("a", 64 * 64),))
    assert result.checks.ok
    assert result.as_dict()["layers"][[l.name for l in result.layers].index("b")]["shared_params"] == {"a": 4096}
    assert "b: 4,096 parameters shared with a, counted once (at a)" in table(result, "en")
