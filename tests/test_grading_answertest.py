"""The answer test on its own (`answertest`, `tdsolver compare`) and the readings it shares with `grade`.

Expected values are worked out by hand in each test (not taken from the peers' data)."""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sympy as sp

from solver.core.errors import UsageError
from solver.grading.answertest import answer_test
from solver.grading.build import Context, read, without_unit
from solver.grading.compare import same_number
from solver.grading.lexer import ParseError
from solver.grading.normalise import letter_times, square_side
from solver.grading.parse import parse_shape

ROOT = Path(__file__).resolve().parents[1]


def verdict(key, answer, **options):
    return answer_test(key, answer, lang="en", **options)["verdict"]


# -- readings ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("key, answer", [
    ("z*k**2 + 1", "zk^2 + 1"),      # the power binds to k only: z·k² + 1
    ("2*p*s**2", "2ps^2"),
    ("n*k**2", "nk^2"),
    ("n/m", "nm^(-1)"),
])
def test_a_power_binds_to_the_last_letter_of_a_split_name(key, answer):
    assert verdict(key, answer) == "equal"
    # and not to the whole product: (z·k)² + 1 is another formula
    assert verdict("(z*k)**2 + 1", "zk^2 + 1") == "different"


def test_greek_letter_with_digits_is_one_name_of_the_key():
    assert verdict("mu0 + 1", "1 + μ0") == "equal"
    assert verdict("beta_1 * 2", "2β1") == "equal"
    assert verdict("beta1 - mu0", "beta1 - mu0") == "equal"


@pytest.mark.parametrize("answer, reason", [
    ("3.277.056", "two decimal points"),
    ("2256O", "the letter 'O' among digits"),
    ("(3277056", "closing bracket expected"),
])
def test_what_cannot_be_a_number_is_invalid_with_one_message(answer, reason):
    for kind in ("int", "number"):
        result = answer_test("3277056", answer, lang="en", kind=kind)
        assert result["verdict"] == "invalid"
        assert len(result["notes"]) == 1 and reason in result["notes"][0]


def test_a_vector_may_be_written_as_a_tuple_or_a_flat_list():
    row = "[[0.002, 0.006, 0.118, 0.874]]"
    column = "[[0.002], [0.006], [0.118], [0.874]]"
    for key in (row, column):
        assert verdict(key, "(0.002, 0.006, 0.118, 0.874)", kind="matrix") == "equal"
        assert verdict(key, "[0.002, 0.006, 0.118, 0.874]", kind="matrix") == "equal"
    assert verdict(row, "(0.002, 0.006, 0.874, 0.118)", kind="matrix") == "different"


def test_an_unknown_function_is_refused_by_name():
    result = answer_test("1", "sek(0)", lang="en")
    assert result["verdict"] == "invalid" and "unknown function 'sek'" in result["notes"][0]
    assert verdict("n", "eval(n)") == "invalid"
    assert verdict("n", "2 + exp") == "invalid"  # a function name without its argument


@pytest.mark.parametrize("answer, key", [
    # values known by hand: sec 0 = 1, csc(π/2) = 1, cot(π/4) = 1, asin(1/2) = π/6, arccos 0 = π/2,
    # atan 1 = π/4, sinh 0 = 0, cosh 0 = 1, tanh 0 = 0, asinh 0 = 0, acosh 1 = 0, atanh 0 = 0,
    # sgn(−3) = −1, 5! = 120, factorial(4) = 24, ∛125 = 5, √9 = 3
    ("sec(0)", "1"), ("csc(pi/2)", "1"), ("cot(pi/4)", "1"), ("asin(1/2)", "pi/6"), ("arcsin(1/2)", "pi/6"),
    ("arccos(0)", "pi/2"), ("acos(0)", "pi/2"), ("arctan(1)", "pi/4"), ("atan(1)", "pi/4"),
    ("sinh(0)", "0"), ("cosh(0)", "1"), ("tanh(0)", "0"), ("asinh(0)", "0"), ("arcsinh(0)", "0"),
    ("acosh(1)", "0"), ("arccosh(1)", "0"), ("atanh(0)", "0"), ("arctanh(0)", "0"),
    ("sgn(-3)", "-1"), ("sign(-3)", "-1"), ("5!", "120"), ("factorial(4)", "24"),
    ("root(125, 3)", "5"), ("root(9)", "3"),
])
def test_the_usual_functions_are_read_and_computed(answer, key):
    assert verdict(key, answer) == "equal"


@pytest.mark.parametrize("answer, key", [
    # the numeric evaluator at sample points: identities checked by hand
    ("sec(x)", "1/cos(x)"), ("csc(x)", "1/sin(x)"), ("cot(x)", "cos(x)/sin(x)"),
    ("asinh(x)", "log(x + sqrt(x**2 + 1))"), ("sinh(x)", "(exp(x) - exp(-x))/2"),
    ("atan2(y, 1)", "atan(y)"), ("n!/(n-1)!", "n"),
])
def test_the_usual_functions_are_sampled(answer, key):
    assert verdict(key, answer, domain={"n": "size"}) == "equal"


def test_functions_read_the_way_students_write_them():
    assert verdict("sin(5*n)", "sin 5n") == "equal"              # the coefficient stays with its letter
    assert verdict("n*log(2*n)**2", "n log^2(2n)") == "equal"    # log²(2n)
    assert verdict("sin(m)**2", "sin^2 m") == "equal"
    assert verdict("sigma**2", "sigma^2") == "equal"              # σ² is the letter squared


def test_non_ascii_digits_are_digits_everywhere():
    assert verdict("3", "\u0663", kind="int") == "equal"          # Arabic-Indic three
    assert verdict("3", "\uff13", kind="int") == "equal"          # full-width three
    assert verdict("0.5", ".\u0665", kind="number") == "equal"    # '.' then Arabic-Indic five
    assert verdict("n - m", "m - \uff08n + m\uff09 + m - m") == "different"
    assert verdict("-n", "m \u2212 \uff08n \uff0b m\uff09") == "equal"


def test_comparisons_and_python_are_not_values():
    assert verdict("5", "5==5") == "invalid"
    assert verdict("5", "5!=5") == "invalid"


# -- numbers ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("key, answer, options, expected", [
    # |1.05 − 1| = 0.05 exactly: within rtol 0.05 (floats would say 0.05000000000000004)
    pytest.param("1", "1.05", dict(kind="number", rtol=0.05, atol=0), "equal", id="tolerance-boundary-above"),
    pytest.param("1", "0.95", dict(kind="number", rtol=0.05, atol=0), "equal", id="tolerance-boundary-below"),
    pytest.param("1", "1.0500001", dict(kind="number", rtol=0.05, atol=0), "different", id="beyond-the-boundary"),
    # exact keys are compared exactly
    pytest.param("99999998/99999999", "99999999/10^8", {}, "different", id="exact-fraction"),
    pytest.param("1/3", "0.333333333333333", {}, "different", id="exact-third"),
    pytest.param("x**2/3", "0.333333333333333*x^2", {}, "different", id="exact-coefficient"),
    pytest.param("1/4", "0.25", {}, "equal", id="exact-decimal"),
    # (5√2 − 7)² = 99 − 70√2 and (99 − 70√2)² = 19601 − 13860√2, so the 7/4 power of the latter is
    # (5√2 − 7)^7, a positive number near 9e-9 that floats lose to cancellation: constants at high precision
    pytest.param("(5*sqrt(2) - 7)**7", "(19601 - 13860*sqrt(2))^(7/4)", {}, "equal", id="high-precision"),
    pytest.param("(5*sqrt(2) - 7)**7", "(19601 - 13860*sqrt(2))^(7/4) + 10^(-20)", {}, "different",
                 id="high-precision-off-by-1e-20"),
    # a = −2, b = 2, c = 1/2: ((−2)²)^(1/2) = 2 but (−2)^1 = −2
    pytest.param("a**(b*c)", "(a^b)^c", {}, "different", id="real-power-of-power"),
    pytest.param("a**(b + c)", "a^b * a^c", {}, "equal", id="real-sum-of-exponents"),  # equal wherever both are real
    pytest.param("x**2", "x*x", {}, "equal", id="real-square"),
    # √(x − 5) is real only for x ≥ 5, beyond the first box [−2, 2] of most points: a wider box is sampled
    pytest.param("sqrt(x - 5)", "(x - 5)^(1/2)", {}, "equal", id="real-only-far-from-zero"),
    pytest.param("sqrt(x - 5)", "(x - 5)^(1/3)", {}, "different", id="real-only-far-from-zero-different"),
    # a removable singularity of the answer is not a difference
    pytest.param("1", "abs(x^2 - 4)/(abs(x - 2)*abs(x + 2))", {}, "equal", id="removable-singularity"),
    pytest.param("1", "cos(x)^2 + sin(x)^2", {}, "equal", id="identity"),
    # Σ_{i=1}^{3} Σ_{j=1}^{i} j = 1 + 3 + 6 = 10; Σ_i Σ_j i·j = (n(n+1)/2)²
    pytest.param("10", "sum_{i=1}^{3} sum_{j=1}^{i} j", {}, "equal", id="nested-sums"),
    pytest.param("n**2*(n + 1)**2/4", "sum_{i=1}^{n} sum_{j=1}^{n} (i*j)", dict(domain={"n": "size"}), "equal",
                 id="nested-symbolic-sums"),
    # |3.14 − π| = 0.0016 > 0.001: a declared absolute tolerance is not loosened by the digits written
    pytest.param("pi", "3.14", dict(kind="number", rtol=0, atol=0.001), "different", id="declared-tolerance"),
    # without a declared tolerance, a correct rounding to 3 figures is accepted (a part's default)
    pytest.param("pi", "3.14", dict(kind="number"), "equal", id="default-tolerance"),
])
def test_verdicts_worked_out_by_hand(key, answer, options, expected):
    assert verdict(key, answer, **options) == expected


def test_same_number_includes_the_tolerance_boundary_exactly():
    assert same_number(sp.Integer(1), sp.Rational(105, 100), 0.0, 0.05)


# -- significant figures and decimal places (STACK's NumSigFigs / NumDecPlaces) --------------------------
@pytest.mark.parametrize("key, answer, figures, expected", [
    ("1/7", "0.1429", 4, "equal"),        # 1/7 = 0.142857… -> 0.1429
    ("1/7", "0.1428", 4, "different"),
    ("1/7", "0.143", 4, "different"),     # 3 figures written
    ("10", "9.8", 2, "equal"),            # within half a unit of 10 at 2 figures
    ("999", "1000", 2, "equal"),          # 1000 may have 1 to 4 figures
    ("999", "1E3", 2, "different"),       # 1E3 has exactly one
    ("0.001234567", "1.23e-3", 3, "equal"),
    ("-138*10**-3", "-138*10^-3", 3, "equal"),
    ("pi", "pi", 4, "different"),         # a number written with digits is expected
    ("1/7", "0.14285", [4, -1], "equal"),   # at least 4 figures, right to 4
    ("1/7", "0.14295", [4, -1], "different"),
    ("0", "0.00", [2, 0], "equal"),       # only the figures written
])
def test_significant_figures(key, answer, figures, expected):
    assert verdict(key, answer, sigfigs=figures) == expected


@pytest.mark.parametrize("key, answer, places, expected", [
    ("3.143", "3.14", 2, "equal"), ("3.140", "3.14", 3, "different"), ("7", "7.0000", 4, "equal"),
    ("3.99999", "4.000", 3, "equal"), ("pi", "3.1416", 4, "equal"), ("3.143", "x", 2, "different"),
])
def test_decimal_places(key, answer, places, expected):
    assert verdict(key, answer, decimals=places) == expected


def test_bad_keys_and_options_are_usage_errors():
    with pytest.raises(UsageError):
        answer_test("(", "1")
    with pytest.raises(UsageError):
        answer_test("1", "1", sigfigs=2, decimals=2)
    with pytest.raises(UsageError):
        answer_test("1", "1", kind="choice")


# -- regular expressions on student text are linear --------------------------------------------------
BIG = 100_000


@pytest.mark.parametrize("scan, text", [
    (square_side, "1" + " " * BIG + "x"),
    (square_side, " " * BIG + "1"),
    (square_side, "$" + " " * BIG),
    (letter_times, "1" + " " * BIG + "y"),
    (letter_times, "1 " * (BIG // 2)),
    (without_unit, "1" + " " * BIG + "z"),
    (without_unit, "1)" * (BIG // 2)),
    (parse_shape, "Size(" + " " * BIG),
    (parse_shape, " " * BIG + "1"),
    (parse_shape, "(" + " " * BIG),
])
def test_scans_of_student_text_do_not_hang(scan, text):
    start = time.perf_counter()
    try:
        scan(text)
    except ParseError:
        pass  # too long: refused, which is fine — what matters is the time
    assert time.perf_counter() - start < 0.5


def test_a_plain_integer_with_long_whitespace_is_read_quickly():
    ctx = Context.of([sp.Integer(12)])
    start = time.perf_counter()
    assert read("12" + " " * 3000, ctx, "int").value == 12
    assert square_side("12" + " " * 3000) is None
    assert time.perf_counter() - start < 0.5


# -- the command -----------------------------------------------------------------------------------
def run(*args):
    proc = subprocess.run([sys.executable, str(ROOT / "cli.py"), "compare", *args], check=False,
                          capture_output=True,
                          text=True, cwd=ROOT)
    return proc.returncode, proc.stdout, proc.stderr


def test_compare_command_json_and_exit_codes(tmp_path):
    code, out, _ = run("2*p + 1", "1 + 2p", "--domain", "p=natural", "--json")
    assert code == 0 and json.loads(out)["verdict"] == "equal"
    code, out, _ = run("1", "(", "--json", "--lang", "en")
    assert code == 0 and json.loads(out)["verdict"] == "invalid"
    code, _, err = run("(", "1", "--lang", "en")
    assert code == 2 and err.count("\n") == 1 and "key could not be read" in err
    batch = tmp_path / "b.jsonl"
    batch.write_text('{"id": "a", "key": "1/7", "answer": "0.1429", "sigfigs": 4}\nnot json\n'
                     '{"id": 3, "key": "(", "answer": "1"}\n{"key": "1", "answer": "1.05", "kind": "number", '
                     '"rtol": 0.05}\n', encoding="utf-8")
    code, out, _ = run("--batch", str(batch), "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [r["verdict"] for r in rows] == ["equal", "error", "error", "equal"]
    assert rows[0]["id"] == "a" and rows[2]["id"] == 3


def test_grade_reads_zk2_as_the_key_z_k_squared():
    from solver.grading.check import check_answer

    # the key of tp-cnn.1/weights is z·k² + 1; (z·k)² + 1 is another number as soon as z > 1
    assert check_answer("tp-cnn.1", None, "weights", "zk^2 + 1").verdict == "correct"
    assert check_answer("tp-cnn.1", None, "weights", "(zk)^2 + 1").verdict == "incorrect"


def test_a_symbolic_fallback_inside_a_batch_line_keeps_the_lines_deadline():
    from solver.grading.evaluate import OutOfTime, time_budget

    start = time.monotonic()
    with pytest.raises(OutOfTime):
        with time_budget(0.3):
            with time_budget(0.05):  # an inner budget (simplify's) ends and gives the outer one back
                pass
            while True:
                pass
    assert time.monotonic() - start < 2.0


# -- values that are real only through complex steps; exact formulas compared exactly ----------------
@pytest.mark.parametrize("answer, key, verdict", [
    # at x = 0: √(−3)·√(−5) = i√3·i√5 = −√15, while √((0 − 3)(0 − 5)) = +√15
    ("sqrt((x-3)*(x-5))", "sqrt(x-3)*sqrt(x-5)", "different"),
    ("-sqrt((x-3)*(x-5))", "sqrt(x-3)*sqrt(x-5)", "different"),  # +√15 for x ≥ 5
    ("sqrt(x-3)*sqrt(x-5)", "sqrt(x-3)*sqrt(x-5)", "equal"),
    # (∛x)³ is x for x < 0 too, through the principal cube root
    ("x", "(x^(1/3))^3", "equal"),
])
def test_a_key_real_through_complex_steps_is_compared_there(answer, key, verdict):
    assert answer_test(key, answer)["verdict"] == verdict


@pytest.mark.parametrize("answer, key, verdict", [
    # 196078431373·51 = 10 000 000 000 023, so 196078431373/10¹² − 10/51 = 23/(51·10¹²) ≠ 0
    ("2^((1/5.1)*t)", "2^(0.196078431373*t)", "different"),
    ("2^(10*t/51)", "2^((1/5.1)*t)", "equal"),  # 1/5.1 = 10/51 exactly
    ("exp(t/3)", "exp(0.333333333333333*t)", "different"),
    ("exp(333333333333333*t/10^15)", "exp(0.333333333333333*t)", "equal"),
])
def test_exact_formulas_are_compared_exactly(answer, key, verdict):
    assert answer_test(key, answer)["verdict"] == verdict
