"""td2 review: what a student reads (derivation text and math), for the slips found in review."""

import re

import sympy as sp

from solver.render.markdown import render_markdown_body
from solver.render.text import render_text
from solver.sheets import registry


def solve(ex_id, seed=None, **overrides):
    ex = registry.get(ex_id)
    return ex, ex.run(ex.make_params(seed, {k: str(v) for k, v in overrides.items()}))


def latex_of(solution):
    from solver.render.markdown import aligned

    return "\n".join(aligned(s.math, "en") for s in solution.steps if s.math is not None)


def test_likelihood_is_conditional_not_joint():
    # the product of the p(y_n | x_n), never the joint p(y_n, x_n)
    _, sol = solve("td2.I.4")
    tex = latex_of(sol)
    assert r"p\left({y}_{n} \mid {x}_{n}\right)" in tex
    assert "p{\\left({y}_{n},{x}_{n}" not in tex


def test_identity_output_has_no_relu_wording():
    _, sol = solve("td2.I.1", g="identity")
    text = " ".join(s.text("en") for s in sol.steps)
    assert "zero for $a_k < 0$" not in text
    assert sol.answers["dC_da"] == 2 * sp.Symbol("a_k") - 2 * sp.Symbol("y_k")


def test_dilated_statement_gives_the_dilated_formula():
    # d = 2, k = 3: the kernel spans 5 cells; i = 10, p = 0, s = 1 -> o = 10 - 5 + 1 = 6
    ex, sol = solve("td2.II.1", i=10, k=3, s=1, p=0, d=2)
    assert "d(k - 1) - 1" in ex.statement(sol.params)("en")
    assert int(sol.answers["o"]) == 6


def test_substituted_values_follow_the_general_formula():
    # conv2 of the CustomModel: j_in = 2 (after conv1's stride 2), s = 1, so j = j_in·s shows 2·1 (not 1·2)
    _, sol = solve("td2.III.1")
    tex = latex_of(sol)
    assert r"j_{\mathrm{conv2}} = j_{\mathrm{in}} s = 2 \cdot 1 = 2" in tex
    # conv3 of III.3a: C_out (C_in k² + 1) = 128 (64·3² + 1)
    _, sol = solve("td2.III.3a")
    assert r"128 \left(64 \cdot 3^{2} + 1\right) = 73856" in latex_of(sol)


def test_parameter_count_derivation_shows_every_shape():
    # the flattened size 256·3·3 = 2304 is reached layer by layer, not announced
    _, sol = solve("td2.III.3a")
    tex = latex_of(sol)
    for shape in ("(32, 14, 14)", "(64, 14, 14)", "(64, 7, 7)", "(128, 7, 7)", "(128, 3, 3)", "(256, 3, 3)"):
        assert r"\mathrm{shape}_{" in tex and r"\left( " + shape[1:-1].replace(", ", r", \  ") + r"\right)" in tex
    assert "256 \\cdot 3 \\cdot 3 = 2304" in tex
    assert "C H W" not in tex  # C is the number of classes in this exercise


def test_markdown_steps_are_numbered_without_gaps():
    ex, sol = solve("td2.III.2a")
    md = render_markdown_body(ex, sol, "fr")
    numbers = [int(m) for m in re.findall(r"^(\d+)\. ", md, re.M)]
    assert numbers == list(range(1, len(numbers) + 1))
    assert sum(s.kind != "remark" for s in sol.steps) == len(numbers)


def test_no_plural_placeholders_in_td2_text():
    placeholder = re.compile(r"(ligne|colonne|row|column|neurone|neuron|canal|channel|zéro|zero|cellule|cell)"
                             r"\((s|aux)\)")
    for ex in registry.by_sheet("td2"):
        for seed in (None, 1):
            sol = ex.run(ex.make_params(seed))
            for lang in ("fr", "en"):
                text = render_text(ex, sol, lang)
                assert not placeholder.search(text), (ex.id, seed, lang)


def test_one_output_neuron_reads_in_the_singular():
    ex, sol = solve("td2.VI.3", outputs=1)
    assert "1$ neurone ;" in ex.statement(sol.params)("fr")
    assert sol.answers["activation"] == "sigmoid"


def test_parameter_count_mal_rules_by_hand():
    ex = registry.get("td2.III.3a")
    q = ex.make_params()
    wrong = {(d.code, d.part): d.wrong(q) for d in ex.diagnoses}
    C = sp.Symbol("C", integer=True, positive=True)
    assert wrong[("depth-ignored", "conv2")] == 64 * (5 * 5 + 1)          # 1664
    assert wrong[("depth-ignored", "conv4")] == 256 * (3 * 3 + 1)         # 2560
    assert wrong[("kernel-not-squared", "conv3")] == 128 * (64 * 3 + 1)   # 24704
    assert wrong[("bias-per-input", "fc1")] == 2304 * (256 + 1)           # 592128
    assert sp.expand(wrong[("bias-per-input", "fc2")] - 256 * (C + 1)) == 0


def test_flipped_kernel_feedback_admits_the_reading():
    ex = registry.get("td2.II.2")
    (flipped,) = [d for d in ex.diagnoses if d.code == "flipped-kernel"]
    assert "possible reading" in flipped.feedback("en")
    # the mathematical convolution of the sheet's M by K (kernel rotated by 180°), worked out with torch
    import torch
    import torch.nn.functional as F

    M = torch.tensor(ex.param("M").default, dtype=torch.float64)[None, None]
    K = torch.tensor(ex.param("K").default, dtype=torch.float64).flip(0, 1)[None, None]
    want = F.conv2d(M, K, padding=1)[0, 0].tolist()
    assert [[float(v) for v in row] for row in flipped.wrong(ex.make_params()).tolist()] == want
