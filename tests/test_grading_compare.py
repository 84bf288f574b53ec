"""The grader's comparison by kind, its diagnoses, the STACK-like self-tests and the worker budget."""

import time
from types import SimpleNamespace

import pytest
import sympy as sp

from solver.core.text import Text
from solver.grading import check as check_module
from solver.grading.build import Context, read
from solver.grading.check import check_answer, solved
from solver.grading.compare import compare
from solver.grading.diagnose import as_sympy
from solver.grading.worker import CheckerPool
from solver.render.values import plain
from solver.sheets import registry

EXERCISES = registry.all_exercises()
i, k, s = (sp.Symbol(n, integer=True, positive=True) for n in "iks")
p = sp.Symbol("p", integer=True, nonnegative=True)
CONV = sp.floor((i + 2 * p - k) / s) + 1


def part(kind, **extra):
    """A part-like object (the grader reads attributes only), e.g. with `accept`."""
    base = dict(id="x", kind=kind, rtol=1e-3, atol=1e-9, choices=(), points=1.0,
                domain={"i": "size", "k": "size", "s": "size", "p": "natural"})
    base.update(extra)
    return SimpleNamespace(**base)


def outcome(kind, key, text, **extra):
    values = list(key) if isinstance(key, (sp.MatrixBase, sp.Tuple)) else [key]
    return compare(part(kind, **extra), key, read(text, Context.of(values), kind))


@pytest.mark.parametrize("text, status", [
    ("0.874", "equal"), ("0,87", "equal"), ("0.8738", "equal"), ("0.87382", "equal"),
    ("0.9", "different"),  # one significant digit: not a rounding the tolerance allows
    ("0.88", "different"), ("0.873", "different"), ("-0.874", "different"),
])
def test_numbers_rounded_to_the_digits_written(text, status):
    assert outcome("number", sp.Float(0.87382), text, rtol=1e-6).status == status


def test_numbers_within_the_parts_tolerance():
    assert outcome("number", sp.Float(2.302585), "2.3026").status == "equal"
    assert outcome("number", sp.Float(2.302585), "ln(10)").status == "equal"
    assert outcome("number", sp.Float(2.302585), "2.31", rtol=1e-6).status == "different"


def test_integers_are_exact():
    assert outcome("int", sp.Integer(51264), "51 264").status == "equal"
    assert outcome("int", sp.Integer(51264), "51263").status == "different"
    assert outcome("int", sp.Integer(51264), "51264.4").status == "different"
    assert outcome("int", sp.Integer(51264), "64*(32*25+1)").status == "equal"


@pytest.mark.parametrize("text", ["floor((i+2p-k)/s)+1", "floor((i+2p-k+s)/s)", "ceil((i+2p-k+1)/s)",
                                  r"\left\lfloor\frac{i-k+2p}{s}\right\rfloor+1"])
def test_equivalent_integer_formulas_are_accepted(text):
    assert outcome("expr", CONV, text).status == "equal"


@pytest.mark.parametrize("text", ["floor((i+2p-k)/s)+2", "floor((i+2p-k+1)/s)+1", "ceil((i+2p-k)/s)+1",
                                  "(i+2p-k)/s+1", "floor((i+2p-k)/s)", "floor((i+2p-k-1)/s)+1"])
def test_off_by_one_and_rounding_mistakes_are_caught(text):
    """Random sampling misses some of these; the exhaustive integer grid does not."""
    assert outcome("expr", CONV, text).status == "different"


def test_matrix_per_entry_credit_and_transposition():
    key = sp.Matrix([[1, 2, 3], [4, 5, 6]])
    assert outcome("matrix", key, "[1 2 3; 4 5 6]").status == "equal"
    half = outcome("matrix", key, "[1 2 3; 0 0 0]")
    assert half.status == "partial" and half.score == pytest.approx(0.5)
    flipped = outcome("matrix", key, "[[1, 4], [2, 5], [3, 6]]")
    assert (flipped.status, flipped.diagnosis) == ("different", "transposed")
    accepted = outcome("matrix", key, "[[1, 4], [2, 5], [3, 6]]", accept=("transpose",))
    assert accepted.status == "equal" and accepted.notes
    assert "2×2" in outcome("matrix", key, "[1 2; 3 4]").notes[0]("en")


def test_a_vector_may_be_written_as_a_row_or_a_column():
    key = sp.Matrix([[0.1, 0.2, 0.7]])
    assert outcome("matrix", key, "[0.1; 0.2; 0.7]").status == "equal"
    assert outcome("matrix", key, "[0.1, 0.2, 0.7]").status == "equal"


def test_entry_formula_key_against_an_explicit_matrix():
    sym_i, sym_j = sp.symbols("i j", integer=True, positive=True)
    sbase = sp.IndexedBase("s")
    key = sbase[sym_i] * (sp.KroneckerDelta(sym_i, sym_j) - sbase[sym_j])
    assert outcome("matrix", key, "[[s_1(1-s_1), -s_1 s_2], [-s_2 s_1, s_2(1-s_2)]]").status == "equal"
    assert outcome("matrix", key, r"s_i(\delta_{ij} - s_j)").status == "equal"
    assert outcome("matrix", key, r"s_i(\delta_{ij} - s_i)").status == "different"


def test_shapes_exact_and_channel_order():
    key = sp.Tuple(32, 14, 14)
    assert outcome("shape", key, "32x14x14").status == "equal"
    last = outcome("shape", key, "(14, 14, 32)")
    assert (last.status, last.diagnosis) == ("different", "channel-order")
    assert outcome("shape", key, "(14, 14, 32)", accept=("channels-last",)).status == "equal"
    assert outcome("shape", key, "(32, 14)").status == "different"


def test_a_shape_is_right_as_the_sheet_writes_it_and_channels_first():
    """The policy: the sheet's order and channels first (JSON's order) are both right, whatever the
    layout; any other order of the same sizes is ``channel-order``; a matrix's size has one order."""
    hwc = sp.Tuple(16, 8, 32)  # H × W × C as a practical writes it
    assert outcome("shape", hwc, "16x8x32", layout="HWC").status == "equal"
    first = outcome("shape", hwc, "(32, 16, 8)", layout="HWC")
    assert first.status == "equal" and first.notes[0]("en") == (
        "channels-first order (C, H, W) accepted (the sheet writes (H, W, C))")
    for wrong in ("(32, 8, 16)", "(8, 16, 32)", "(16, 32, 8)"):
        assert outcome("shape", hwc, wrong, layout="HWC").diagnosis == "channel-order", wrong
    tc = sp.Tuple(82, 32)  # (length, channels) of a 1D convolution's output
    assert outcome("shape", tc, "(32, 82)", layout="TC").status == "equal"
    assert outcome("shape", sp.Tuple(32, 82), "(82, 32)", layout="CT").diagnosis == "channel-order"
    assert outcome("shape", sp.Tuple(3, 5), "(5, 3)", layout="matrix").diagnosis is None
    assert outcome("shape", sp.Tuple(3, 5), "(5, 3)", layout="matrix").status == "different"


def test_expressions_with_indices_and_sums():
    x = sp.IndexedBase("x")
    ii, jj, d = sp.symbols("i j d", integer=True, positive=True)
    m = sp.Symbol("m", real=True)
    key = x[ii] - m - sp.log(sp.Sum(sp.exp(x[jj] - m), (jj, 1, d)))
    dom = {"x": "real", "m": "real", "i": "size", "j": "size", "d": "size"}
    assert outcome("expr", key, r"x_i - \ln\sum_{j=1}^{d} e^{x_j}", domain=dom).status == "equal"
    assert outcome("expr", key, "x_i - m - log(sum_{j=1}^{d} exp(x_j))", domain=dom).status == "different"


def test_a_check_that_cannot_be_decided_is_unknown_never_a_guess():
    assert outcome("number", sp.Float(0.5), "sum_{j=1}^{10^9} j").status == "undecided"


@pytest.mark.parametrize("seed", [None, 0, 1])
@pytest.mark.parametrize("ex", EXERCISES, ids=[e.id for e in EXERCISES])
def test_the_solutions_own_answers_grade_correct(ex, seed):
    _, _, solution = solved(ex.id, seed)
    for prt in ex.parts:
        if prt.kind == "text":
            continue
        verdict = check_answer(ex.id, seed, prt.id, plain(solution.answers[prt.id]))
        assert verdict.verdict == "correct", (prt.id, verdict.feedback("en"))


def _wrong_values(ex, params):
    for d in ex.diagnoses:
        try:
            wrong = d.wrong(params)
        except TypeError:  # a mal-rule with a wrong signature is the exercise's bug, reported elsewhere
            continue
        if wrong is not None:
            yield d, as_sympy(wrong)


@pytest.mark.parametrize("seed", [None, 0])
@pytest.mark.parametrize("ex", [e for e in EXERCISES if e.diagnoses], ids=lambda e: e.id)
def test_every_mal_rule_is_recognised(ex, seed):
    """STACK-like: each Diagnosis's wrong answer gets that diagnosis (or one with the same value)."""
    _, params, solution = solved(ex.id, seed)
    wrongs = list(_wrong_values(ex, params))
    for d, wrong in wrongs:
        verdict = check_answer(ex.id, seed, d.part, plain(wrong))
        if verdict.verdict == "correct":  # the mistake gives the right value for these parameters
            continue
        same = {d2.code for d2, w2 in wrongs if d2.part == d.part and w2 == wrong} | {d.code}
        assert verdict.verdict in ("incorrect", "partial"), (d.code, verdict)
        assert verdict.diagnosis in same, (d.code, verdict.diagnosis, plain(wrong))


def test_generic_mal_rules():
    assert check_answer("td2.III.3a", None, "conv2", "51265").diagnosis == "off-by-one"
    assert check_answer("cours-intro.forward", None, "o1", "87.38").diagnosis == "percent"
    assert check_answer("td2.II.1", None, "o", "-floor((i+2p-k)/s)-1").diagnosis == "sign-error"


def test_text_parts_are_manual_and_missing_answers_missing():
    text_ex = next(e for e in EXERCISES if any(prt.kind == "text" for prt in e.parts))
    text_part = next(prt for prt in text_ex.parts if prt.kind == "text")
    verdict = check_answer(text_ex.id, None, text_part.id, "because")
    assert verdict.verdict == "manual" and verdict.score is None
    assert check_answer("td2.II.1", None, "o", "  ").verdict == "missing"


def _slow(*task):
    time.sleep(30)


def _greedy(*task):
    blob = []
    while True:
        blob.append(bytearray(50_000_000))


@pytest.mark.parametrize("culprit, limit", [(_slow, 0.5), (_greedy, 20)])
def test_worker_budget_gives_unknown_and_recovers(monkeypatch, culprit, limit):
    monkeypatch.setattr(check_module, "check_answer", culprit)
    start = time.perf_counter()
    with CheckerPool(jobs=1, timeout=limit, memory_mb=300) as pool:
        verdicts = pool.run([("td2.II.1", None, "o", "1")])
        assert verdicts[0].verdict == "unknown"
        assert verdicts[0].expected  # the fresh worker still names the key
        monkeypatch.undo()
        assert time.perf_counter() - start < 15
    with CheckerPool(jobs=1) as pool:
        assert pool.run([("td2.II.1", None, "o", "floor((i+2p-k)/s)+1")])[0].verdict == "correct"


def test_worker_bilingual_reasons():
    from solver.grading.worker import MEMORY_REASON, TIME_REASON
    assert isinstance(TIME_REASON, Text) and TIME_REASON("fr") != TIME_REASON("en")
    assert MEMORY_REASON("en")


def test_a_general_formula_is_right_for_a_numeric_variant():
    from solver.grading.check import check_answer
    from solver.sheets import registry

    params = registry.get("td2.II.1").make_params(3)
    i, k, s, p, d = (params[n] for n in "iksp d".replace(" ", ""))
    expected = (i + 2 * p - d * (k - 1) - 1) // s + 1   # worked out here, not by the solver
    verdict = check_answer("td2.II.1", 3, "o", "floor((i + 2p - d(k-1) - 1)/s) + 1")
    assert verdict.verdict == "correct" and "variant" in verdict.feedback("en")
    assert check_answer("td2.II.1", 3, "o", str(expected)).verdict == "correct"
    assert check_answer("td2.II.1", 3, "o", str(expected + 1)).verdict == "incorrect"


def test_shape_channel_order_note_names_the_direction_and_size_one_dimensions():
    last = outcome("shape", sp.Tuple(32, 14, 14), "(14, 14, 32)", layout="CHW")
    assert last.diagnosis == "channel-order" and "channels-last order (H, W, C)" in last.notes[0]("en")
    odd = outcome("shape", sp.Tuple(16, 8, 32), "(8, 32, 16)", layout="HWC")  # (W, C, H): neither order
    assert odd.diagnosis == "channel-order"
    assert odd.notes[0]("en") == "order (W, C, H) instead of (H, W, C) / (C, H, W)"
    assert outcome("shape", sp.Tuple(1000), "1x1x1000").status == "equal"   # a dense output as a 1 × 1 map
    assert outcome("shape", sp.Tuple(1000), "1x1x1024").status == "different"
    assert outcome("shape", sp.Tuple(1, 28, 28), "28x28").status == "different"  # the key's own 1 counts


def test_a_one_by_one_matrix_may_be_written_as_its_entry():
    w, x = sp.IndexedBase("w"), sp.IndexedBase("x")
    key = sp.Matrix([[w[0, 0] * x[0, 0] + w[1, 1] * x[1, 1]]])
    assert outcome("matrix", key, "w_{0,0} x_{0,0} + w_{1,1} x_{1,1}").status == "equal"
    assert outcome("matrix", key, "w_{0,0} x_{0,0}").status == "different"
    assert outcome("matrix", sp.Matrix([[1, 2]]), "3").status == "different"


def test_a_square_written_n_x_n_is_its_side_only_when_the_key_is_the_side():
    # devoir.4.2: two 5 × 5 convolutions need an input of side 9 (9 -> 5 -> 1), worked out by hand
    for text in ("9", "9x9", r"9 \times 9", "9 × 9", "n = 9 x 9"):
        assert check_answer("devoir.4.2", None, "min_size", text).verdict == "correct", text
    assert check_answer("devoir.4.2", None, "min_size", "10x10").verdict == "incorrect"
    assert check_answer("devoir.4.2", None, "min_size", "81").diagnosis == "area-instead-of-side"
    # tp-cnn.10 conv1: (5·5·3 + 1)·32 = 2432 weights; a product with the letter x is a product
    assert check_answer("tp-cnn.10", None, "conv1.params", "(5x5x3 + 1)x32").verdict == "correct"
    assert check_answer("tp-cnn.10", None, "conv1.params", "32x32").verdict == "incorrect"


def test_keras_batch_dimension_none_is_ignored():
    key = sp.Tuple(82, 32)
    assert outcome("shape", key, "(None, 82, 32)").status == "equal"
    assert outcome("shape", key, "(None, 81, 32)").status == "different"
    assert outcome("shape", key, "(82, 32, None)").status == "different"


def test_devoir_and_tp_cnn_variants_with_values_worked_out_here():
    """Seeded variants, answers computed here from the variant's parameters (not from the solver)."""
    from solver.sheets import registry

    q = registry.get("devoir.4.1").make_params(1)
    side = q["n"]
    for name in ("conv1", "conv2", "pool", "conv3"):
        side = side // q["pool"] if name == "pool" else side - q["k"] + 1
        assert check_answer("devoir.4.1", 1, name, str(side)).verdict == "correct", name
    q = registry.get("tp-cnn.1").make_params(3)
    x, y, z, k, pad, st = (q[n] for n in ("x", "y", "z", "k", "p", "s"))
    ox, oy = (x + 2 * pad - k) // st + 1, (y + 2 * pad - k) // st + 1
    assert check_answer("tp-cnn.1", 3, "output_shape", f"{ox}x{oy}x1").verdict == "correct"
    assert check_answer("tp-cnn.1", 3, "output_shape", f"{ox}x{oy}x{z}").diagnosis == "depth-equals-input"
    assert check_answer("tp-cnn.1", 3, "weights", str(k * k * z + 1)).verdict == "correct"
    assert check_answer("tp-cnn.1", 3, "weights", "k^2 z + 1").verdict == "correct"
    assert check_answer("tp-cnn.1", 3, "fc_weights", str((x * y * z + 1) * ox * oy)).verdict == "correct"
    assert check_answer("tp-cnn.1", 3, "fc_weights", str(x * y * z * ox * oy)).diagnosis == "missing-bias"
    drop = registry.get("tp-cnn.32").make_params(2)["p"]
    keep = 1 - drop
    assert check_answer("tp-cnn.32", 2, "scale", f"{keep.denominator}/{keep.numerator}").verdict == "correct"
    assert check_answer("tp-cnn.32", 2, "scale", f"{drop.denominator}/{drop.numerator}").diagnosis == \
        "keep-probability-convention"
    k = registry.get("tp-cnn.8").make_params(3)["k"]
    assert check_answer("tp-cnn.8", 3, "padding", str((k - 1) // 2)).verdict == "correct"
    assert check_answer("tp-cnn.8", 3, "stride", str(k)).diagnosis == "stride-equals-kernel"
    q = registry.get("devoir.4.3").make_params(4)
    assert (q["i"], q["k"], q["s"], q["p"]) == (2, 2, 2, 0)   # one output: Z = Σ w[u, v] x[u, v]
    whole = "w_{0,0} x_{0,0} + w_{0,1} x_{0,1} + w_{1,0} x_{1,0} + w_{1,1} x_{1,1}"
    assert check_answer("devoir.4.3", 4, "Z", whole).verdict == "correct"
    assert check_answer("devoir.4.3", 4, "Z", "w_{1,1} x_{0,0} + w_{1,0} x_{0,1} + w_{0,1} x_{1,0} + w_{0,0} x_{1,1}"
                        ).diagnosis == "flipped-kernel"
    assert check_answer("devoir.4.3", 4, "A", "[w_00, w_01, w_10, w_11]").verdict == "correct"


def test_a_rounding_that_also_matches_a_mistake_is_not_accepted():
    from solver.grading.check import check_answer

    # b_o1 = 1.4 - 0.001 * dE/db_o1 with dE/db_o1 = o1 - 1 < 0: the update is in the 4th decimal,
    # so "1.4" is also the value of a student who updated in the wrong direction.
    assert check_answer("cours-intro.sgd-step", None, "bo1", "1.4").diagnosis == "too-few-digits"
    assert check_answer("cours-intro.sgd-step", None, "bo1", "1,4001262").verdict == "correct"
    # a rounding that no known mistake shares stays accepted: ce-loss = -ln(0.873823...) = 0.134877...
    assert check_answer("cours-intro.ce-loss", None, "loss", "0,13").verdict == "correct"


def test_a_sum_over_indexed_entries_is_the_sum_of_those_entries():
    """Entries met at a sum's own (scalar) index and at indices that vary by point are the same draw."""
    import numpy as np

    from solver.grading.evaluate import evaluate

    x = sp.IndexedBase("x")
    j, n = sp.Symbol("j", integer=True), sp.Symbol("n", integer=True, positive=True)
    at = {n: np.array([3.0, 3.0])}
    total = evaluate(sp.Sum(x[j] ** 2, (j, 1, n)), at)
    by_hand = sum(evaluate(x[sp.Integer(m)] ** 2, at) for m in (1, 2, 3))
    assert np.allclose(total, by_hand)
    varying = evaluate(x[n], {n: np.array([1.0, 3.0])})  # an index that is an array
    assert np.allclose(varying, [evaluate(x[sp.Integer(1)], at)[0], evaluate(x[sp.Integer(3)], at)[0]])


def test_a_double_sum_mistake_is_diagnosed_within_the_default_budget():
    """devoir.2's mixture without its weights π_k: Σ_k σ(w_kᵀx) instead of Σ_k π_k σ(w_kᵀx)."""
    forgot_weights = "Sum(1/(1 + exp(-Sum(w[k, l]*x[l], (l, 1, d)))), (k, 1, K))"
    with CheckerPool(jobs=1) as pool:
        verdict = pool.run([("devoir.2", None, "p", forgot_weights)])[0]
    assert (verdict.verdict, verdict.diagnosis) == ("incorrect", "missing-mixing-weights")
