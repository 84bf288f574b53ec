"""Shapes in `solve --format json` (../shared/INTERFACE.md): `value` channels first, `as_written` in
the sheet's order, `layout` naming that order; and the layout a shape part must declare.

The permutation is redone here from the layout's letters, and a few answers are computed by hand.
"""

import json

import pytest
from click.testing import CliRunner

import cli
from solver.core.exercise import Part
from solver.core.text import Text
from solver.sheets import registry

SHAPED = [ex.id for ex in registry.all_exercises() if any(p.kind == "shape" for p in ex.parts)]


def answers(exercise_id, *args):
    result = CliRunner().invoke(cli.main, ["solve", exercise_id, "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["answers"]


def entries(text: str) -> list[str]:
    """``"(16, 16, 32)"`` → ``["16", "16", "32"]`` (entries have no top-level comma of their own here:
    a floor((x + 2*p - k)/s) keeps its commas inside parentheses)."""
    inner, depth, out, item = text.strip()[1:-1], 0, [], ""
    for ch in inner:
        depth += (ch in "([") - (ch in ")]")
        if ch == "," and depth == 0:
            out.append(item.strip())
            item = ""
        else:
            item += ch
    return out + ([item.strip()] if item.strip() else [])


def test_every_built_in_sheet_has_shape_parts():
    assert {"td2.III.2a", "td2.VI.1", "tp-cnn.10", "cours-intro.layer-sizes", "devoir.3.2"} <= set(SHAPED)


@pytest.mark.parametrize("exercise_id", SHAPED)
@pytest.mark.parametrize("seed", [None, "3"])
def test_value_is_as_written_put_channels_first(exercise_id, seed):
    ex = registry.get(exercise_id)
    got = answers(exercise_id, *(["--seed", seed] if seed and ex.parametrised else []))
    for part in ex.parts:
        if part.kind != "shape":
            continue
        entry = got[part.id]
        written, value, layout = entries(entry["as_written"]), entries(entry["value"]), entry["layout"]
        if layout is None:  # a matrix's size: no channel axis, one order
            assert part.layout == "matrix" and value == written, entry
            continue
        assert layout in ("CHW", "HWC", "CT", "TC", "C", "CDHW") and len(layout) == len(written), entry
        c = layout.index("C")
        assert value == [written[c]] + written[:c] + written[c + 1:], entry


def test_a_few_shapes_by_hand():
    # tp-cnn.10: 32 × 32 × 3 CIFAR image, conv1 32 filters 5 × 5 keeping the size, 2 × 2 pooling
    pool1 = answers("tp-cnn.10")["pool1.shape"]
    assert (pool1["value"], pool1["as_written"], pool1["layout"]) == ("(32, 16, 16)", "(16, 16, 32)", "HWC")
    # td2.III.2a: 1 × 28 × 28 input, conv1 32 filters 'same' with stride 2 → 14 × 14; flatten 256 × 3 × 3
    td2 = answers("td2.III.2a")
    assert (td2["conv1"]["value"], td2["conv1"]["as_written"], td2["conv1"]["layout"]) == \
        ("(32, 14, 14)", "(32, 14, 14)", "CHW")
    assert (td2["flatten"]["value"], td2["flatten"]["layout"]) == ("(2304,)", "C")
    # td2.VI.1: 168 steps × 10 sensors, 32 filters of 5 with stride 2: ⌊(168 − 5)/2⌋ + 1 = 82 steps
    conv1 = answers("td2.VI.1")["conv1.shape"]
    assert (conv1["value"], conv1["as_written"], conv1["layout"]) == ("(32, 82)", "(82, 32)", "TC")
    # cours-intro: 28 × 28 × 3, 16 filters 3 × 3 without padding → 26 × 26 × 16
    layer1 = answers("cours-intro.layer-sizes")["layer1.shape"]
    assert (layer1["value"], layer1["as_written"], layer1["layout"]) == ("(16, 26, 26)", "(26, 26, 16)", "HWC")
    # devoir.3.2: 32·512 + 512 + 512·512 + 512 + 512·10 + 10 parameters, H is square
    n = 32 * 512 + 512 + 512 * 512 + 512 + 512 * 10 + 10
    hessian = answers("devoir.3.2")["hessian_shape"]
    assert (hessian["value"], hessian["as_written"], hessian["layout"]) == (f"({n}, {n})", f"({n}, {n})", None)


def test_a_shape_part_declares_a_known_layout_and_only_a_shape_part():
    prompt = Text("forme", "shape")
    assert Part("x", "shape", prompt, layout="TC").layout == "TC"
    for bad in (dict(kind="shape"), dict(kind="shape", layout="WHC"), dict(kind="int", layout="CHW")):
        with pytest.raises(ValueError):
            Part("x", prompt=prompt, **bad)
