"""`tdsolver analyze`: published parameter totals, receptive fields measured by gradient, clear errors."""

import json
import os

import pytest
from click.testing import CliRunner

torch = pytest.importorskip("torch")

from cli import main  # noqa: E402
from solver.analyze.analyze import (  # noqa: E402
    analyze,  # noqa: E402
    gradient_extent,
    load,
)

MODELS = os.path.join(os.path.dirname(__file__), "models")


def model(spec, **args):
    return load(os.path.join(MODELS, spec), args)


@pytest.mark.parametrize("spec, published", [
    ("vgg16.py:vgg16", 138_357_544),        # Simonyan & Zisserman, configuration D (torchvision)
    ("alexnet.py:alexnet", 61_100_840),     # torchvision's AlexNet
    ("resnet18.py:resnet18", 11_689_512),   # He et al., torchvision's resnet18
])
def test_published_totals(spec, published):
    net = model(spec)
    result = analyze(net, (3, 224, 224), spec, check=False)
    assert result.total_params == published
    assert sum(p.numel() for p in net.parameters()) == published


def test_resnet18_self_checks_and_receptive_field():
    result = analyze(model("resnet18.py:resnet18"), (3, 224, 224))
    assert result.checks.ok, [r.label for r in result.checks.failures()]
    last_conv = [l for l in result.layers if l.name == "layer4.1.conv2"][0]
    assert last_conv.row.rf == 435 and last_conv.row.jump == 32   # the usual ResNet-18 figures


def _positive(net):
    """Weights 1/fan-in, zero biases: activations stay positive, no cancellation in the gradient."""
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)):
                m.weight.fill_(1.0 / m.weight[0].numel())
                if m.bias is not None:
                    m.bias.zero_()
    return net.double().eval()


def test_vgg16_first_blocks_receptive_fields_match_gradient_support_of_real_network():
    """Real VGG16 layers (max pools kept): union of the supports over several random inputs."""
    features = _positive(model("vgg16.py:vgg16").features[:10])
    result = analyze(features, (3, 64, 64), check=False)
    gen = torch.Generator().manual_seed(0)
    inputs = [torch.rand(1, 3, 64, 64, generator=gen, dtype=torch.float64) + 0.1 for _ in range(12)]
    by_hand = {"0": 3, "2": 5, "4": 6, "5": 10, "7": 14, "9": 16}   # 1 + Σ (k − 1)·jump, jumps 1, 1, 1, 2, 2, 2
    for layer in result.layers:
        if layer.name not in by_hand:
            continue
        depth = int(layer.name) + 1
        t = 32 // int(layer.row.jump)          # a unit near the centre: no clipping at 64×64
        lo, hi = 64, -1
        for x in inputs:
            (a, b), _ = gradient_extent(features[:depth], x, (t, t))
            lo, hi = min(lo, a), max(hi, b)
        assert hi - lo + 1 == layer.row.rf == by_hand[layer.name], layer.name


def test_sheet_network_with_explicit_padding():
    result = analyze(model("td2_custom.py:CustomModelPadded"), (1, 28, 28))
    assert result.checks.ok
    flat = [l for l in result.layers if l.name == "flatten"][0]
    assert flat.shape == (2304,)                       # 256 · 3 · 3
    assert result.total_params == 1_010_688 + 257 * 10  # by hand: convs 720 608 + fc1 590 080, fc2 257·C


def run(*args):
    result = CliRunner().invoke(main, ["analyze", *args])
    return result.exit_code, result.output


def test_cli_json_follows_the_contract():
    code, out = run(os.path.join(MODELS, "alexnet.py:alexnet"), "--json")
    data = json.loads(out)
    assert code == 0 and data["total_params"] == 61_100_840 and data["input"] == [3, 224, 224]
    first = data["layers"][0]
    assert first["output_shape"] == [64, 55, 55] and first["params"] == 64 * (3 * 11 * 11 + 1)
    assert first["rf"] == 11 and first["jump"] == 4 and first["mult_adds"] == 64 * 3 * 121 * 55 * 55


def test_same_with_stride_gives_one_clear_line():
    code, out = run(os.path.join(MODELS, "td2_custom.py:CustomModel"), "--arg", "num_classes=10",
                    "--arg", "n_input_channel=1", "--arg", "size_of_flattened_feature_map=2304",
                    "--input", "1,28,28", "--lang", "en")
    assert code == 1 and "Traceback" not in out and len(out.strip().splitlines()) == 1
    assert "padding='same'" in out and "⌈input/stride⌉" in out and "td2_custom.py:10" in out


@pytest.mark.parametrize("args, code, words", [
    (["nope.py:Net"], 1, "file not found"),
    (["{m}/vgg16.py:VGG19"], 2, "not defined"),
    (["{m}/vgg16.py:vgg16", "--input", "3,16,16"], 1, "too small"),
    (["{m}/vgg16.py:vgg16", "--input", "3,22.5,224"], 2, "integers"),
    (["{m}/vgg16.py:vgg16", "--arg", "num_classes"], 2, "NAME=VALUE"),
    (["{m}/alexnet.py:alexnet", "--input", "1,224,224"], 1, "check --input"),
])
def test_bad_input_gives_one_line(args, code, words):
    got, out = run(*[a.format(m=MODELS) for a in args], "--lang", "en")
    assert got == code and words in out and "Traceback" not in out
    assert len(out.strip().splitlines()) == 1


def test_a_file_python_cannot_load_gives_one_line(tmp_path):
    """A model file without the .py suffix has no module spec: a usage error, not an internal one."""
    model = tmp_path / "model.txt"
    model.write_text("import torch.nn as nn\nNet = nn.Linear\n")
    got, out = run(f"{model}:Net", "--lang", "en")
    assert got == 2 and "expected a Python file (.py)" in out and "Traceback" not in out
    assert len(out.strip().splitlines()) == 1
