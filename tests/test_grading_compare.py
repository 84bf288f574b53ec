"""The grader's comparison by kind, its diagnoses, the STACK-like self-tests and the worker budget."""

import time
from types import SimpleNamespace

import pytest
import sympy as sp

from solver import registry
from solver.grading import check as check_module
from solver.grading.build import Context, read
from solver.grading.check import check_answer, solved
from solver.grading.compare import compare
from solver.grading.diagnose import as_sympy
from solver.grading.worker import CheckerPool
from solver.render.values import plain
from solver.text import Text

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
    from solver import registry
    from solver.grading.check import check_answer

    params = registry.get("td2.II.1").make_params(3)
    i, k, s, p, d = (params[n] for n in "iksp d".replace(" ", ""))
    expected = (i + 2 * p - d * (k - 1) - 1) // s + 1   # worked out here, not by the solver
    verdict = check_answer("td2.II.1", 3, "o", "floor((i + 2p - d(k-1) - 1)/s) + 1")
    assert verdict.verdict == "correct" and "variant" in verdict.feedback("en")
    assert check_answer("td2.II.1", 3, "o", str(expected)).verdict == "correct"
    assert check_answer("td2.II.1", 3, "o", str(expected + 1)).verdict == "incorrect"
