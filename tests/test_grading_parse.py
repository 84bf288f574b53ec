"""The grader's reader: plain math, LaTeX, numbers, matrices, shapes, choices; limits; hostile input."""

import os
import time

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver.grading.build import Context, read
from solver.grading.compare import read_choice
from solver.grading.lexer import ParseError
from solver.grading.parse import parse, parse_shape, show

i, k, s, p = (sp.Symbol(n, integer=True, positive=True) for n in "iksp")
x = sp.Symbol("x", real=True)
X = sp.IndexedBase("X")
u, v, j = sp.symbols("u v j", integer=True, nonnegative=True)
CTX = Context.of([i + k + s + p + x + X[i + u, j + v]])


def value(text, kind="expr", ctx=CTX):
    return read(text, ctx, kind).value


@pytest.mark.parametrize("text, expected", [
    ("floor((i + 2p - k)/s) + 1", sp.floor((i + 2 * p - k) / s) + 1),
    ("floor((i + 2*p - k)/s) + 1", sp.floor((i + 2 * p - k) / s) + 1),
    ("⌊(i + 2p − k)/s⌋ + 1", sp.floor((i + 2 * p - k) / s) + 1),
    (r"\left\lfloor \frac{i+2p-k}{s} \right\rfloor + 1", sp.floor((i + 2 * p - k) / s) + 1),
    (r"$\lceil \dfrac{i}{s} \rceil$", sp.ceiling(i / s)),
    ("2(x+1)", 2 * x + 2),
    ("x^2^3", x ** 8),
    ("x**2", x ** 2),
    ("-x^2", -x ** 2),
    ("2ps", 2 * p * s),
    ("x²", x ** 2),
    (r"x^{2} \cdot 3", 3 * x ** 2),
    (r"$x^23$", 3 * x ** 2),  # TeX: one character after ^
    ("o = 3i", 3 * i),
    ("relu(x)", sp.Max(0, x)),
    ("max(0, x)", sp.Max(0, x)),
    ("σ(x)", 1 / (1 + sp.exp(-x))),
    ("sigmoid(x)", 1 / (1 + sp.exp(-x))),
    ("ln x", sp.log(x)),
    (r"\ln(x)", sp.log(x)),
    ("log10(x)", sp.log(x) / sp.log(10)),
    ("exp(-x)", sp.exp(-x)),
    ("e^{-x}", sp.exp(-x)),
    (r"\sqrt{x}", sp.sqrt(x)),
    (r"\sqrt[3]{8}", sp.Integer(2)),
    ("|x|", sp.Abs(x)),
    ("X[i+u, j+v]", X[i + u, j + v]),
    ("X_{i+u,j+v}", X[i + u, j + v]),
    (r"\delta_{ij}", sp.KroneckerDelta(i, j)),
    ("delta(i, j)", sp.KroneckerDelta(i, j)),
    ("+oo", sp.oo),
    ("∞", sp.oo),
    (r"\infty", sp.oo),
    ("inf", sp.oo),
    ("pi/2", sp.pi / 2),
    ("87.38%", sp.Rational(8738, 10000)),
    ("sum_{j=1}^{3} j", sp.Sum(j, (j, 1, 3))),
])
def test_plain_and_latex_forms(text, expected):
    got = value(text)
    assert got == expected or sp.simplify(got.doit() - expected.doit()) == 0, (text, got)


@pytest.mark.parametrize("text, kind, expected", [
    ("0,874", "number", sp.Rational(874, 1000)),
    (r"0{,}874", "number", sp.Rational(874, 1000)),
    ("0{,}874", "number", sp.Rational(874, 1000)),
    (".5", "number", sp.Rational(1, 2)),
    ("1.5e-3", "number", sp.Rational(15, 10000)),
    ("1 010 688", "int", sp.Integer(1010688)),
    ("1\u2009010\u2009688", "int", sp.Integer(1010688)),
    (r"1\,010\,688", "int", sp.Integer(1010688)),
    ("1,010,688", "int", sp.Integer(1010688)),
    ("1,010,688", "expr", sp.Integer(1010688)),
    ("51,264", "int", sp.Integer(51264)),
    ("1,5", "number", sp.Rational(3, 2)),
])
def test_numbers(text, kind, expected):
    assert value(text, kind) == expected


def test_a_comma_inside_brackets_separates():
    assert value("max(0,5)") == 5
    assert value("(32,14,14)", "shape") == sp.Tuple(32, 14, 14)


def test_two_numbers_side_by_side_are_an_error():
    with pytest.raises(ParseError):
        value("2 3")


@pytest.mark.parametrize("text", [
    "[[1, 2], [3, 4]]", "[1 2; 3 4]", "[1, 2; 3, 4]", r"\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}",
    r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \\ \end{pmatrix}", "[[1,2],[3,4]]",
])
def test_matrices(text):
    assert value(text, "matrix") == sp.Matrix([[1, 2], [3, 4]])


def test_matlab_rows_follow_matlab_spacing():
    assert value("[1 -2]", "matrix") == sp.Matrix([[1, -2]])
    assert value("[1 - 2]", "matrix") == sp.Matrix([[-1]])
    assert value("[2 x, 3]", "matrix") == sp.Matrix([[2 * x, 3]])


@pytest.mark.parametrize("text", ["(32, 14, 14)", "32x14x14", "32×14×14", "32*14*14", "[32, 14, 14]",
                                  "torch.Size([32, 14, 14])", "32 × 14 × 14"])
def test_shapes(text):
    assert value(text, "shape") == sp.Tuple(32, 14, 14)


def test_a_single_size_is_a_one_dimensional_shape():
    assert value("2304", "shape") == sp.Tuple(2304)
    assert value("(2304,)", "shape") == sp.Tuple(2304)


def test_shape_entries_may_be_expressions():
    assert show(parse_shape("x - k + 1 × y - k + 1 × n")) == "(tuple (add (sub x k) 1) (add (sub y k) 1) n)"


@pytest.mark.parametrize("word, choices, expected", [
    ("Oui", ("yes", "no"), "yes"), ("NON", ("yes", "no"), "no"), ("y", ("yes", "no"), "yes"),
    ("sigmoïde", ("softmax", "sigmoid"), "sigmoid"), (r"\text{Softmax}", ("softmax", "sigmoid"), "softmax"),
    ("Cross-Entropy", ("cross-entropy", "mse"), "cross-entropy"), ("maybe", ("yes", "no"), None),
])
def test_choices(word, choices, expected):
    assert read_choice(word, choices) == expected


LOSSES, ACTIVATIONS = ("cross-entropy", "mse", "hinge"), ("softmax", "sigmoid", "relu", "linear")


@pytest.mark.parametrize("word, choices, expected", [
    ("entropie croisée", LOSSES, "cross-entropy"), ("Categorical cross-entropy", LOSSES, "cross-entropy"),
    ("erreur quadratique moyenne", LOSSES, "mse"), ("Mean squared error", LOSSES, "mse"),
    ("linéaire", ACTIVATIONS, "linear"), ("identité", ACTIVATIONS, "linear"), ("logistique", ACTIVATIONS, "sigmoid"),
    ("entropie croisée", ("yes", "no"), None),
])
def test_choices_french_and_english_names_of_losses_and_activations(word, choices, expected):
    assert read_choice(word, choices) == expected


@pytest.mark.parametrize("text, kind, expected", [
    ("41 pixels", "int", 41), ("320 paramètres", "int", 320), ("32*(9+1) params", "int", 320),
    ("1 010 688 parameters", "int", 1010688), ("0,874 px", "number", sp.Rational(437, 500)),
])
def test_a_count_may_end_with_its_unit(text, kind, expected):
    assert value(text, kind) == expected


def test_a_unit_word_is_not_dropped_from_an_expression():
    assert value("3 pixels", "expr").free_symbols  # expr parts keep every name


def test_names_take_the_keys_assumptions():
    got = value("i + k")
    assert {str(a): a.is_integer for a in got.free_symbols} == {"i": True, "k": True}


def test_greek_letters_in_unicode_latex_and_words_are_one_symbol():
    beta = sp.Symbol("beta", real=True)
    ctx = Context.of([beta * x])
    assert value("βx", ctx=ctx) == value(r"\beta x", ctx=ctx) == value("beta*x", ctx=ctx) == beta * x


def test_unknown_names_are_reported():
    reading = read("q + i", CTX)
    assert reading.unknown == ("q",)


def test_an_unknown_subscripted_name_is_reported_once():
    ctx = Context.of([sp.Symbol("a_k") + sp.Symbol("y_k")])
    assert read("s_k - y_k", ctx).unknown == ("s_k",)  # not also its index k
    assert read("s_q + q", ctx).unknown == ("q", "s_q")


def test_read_as_shows_how_the_answer_was_understood():
    assert read("2p+1", CTX).text == "2*p + 1"
    assert read(r"\frac{i}{s}", CTX).text == "i/s"
    assert read("0,874", CTX, "number").text == "0.874"


def test_errors_say_where_and_why():
    with pytest.raises(ParseError) as err:
        parse("floor((i + 2p - k)/s + 1")
    assert err.value.pos == 24
    assert "expected" in err.value.reason("en")
    with pytest.raises(ParseError) as err:
        parse(r"\foo{x}")
    assert err.value.pos == 0 and "foo" in err.value.reason("en") and "foo" in err.value.reason("fr")


HOSTILE = [
    "__import__('os').system('touch /tmp/tdsolver_pwned')",
    "().__class__.__bases__[0].__subclasses__()",
    "＿＿import＿＿('os').system('touch /tmp/tdsolver_pwned')",
    "lambda: 0",
    "open('/etc/passwd').read()",
    "eval('1')",
    "exec('import os')",
    "9^9^9^9",
    "10**10**10",
    "(10^300)^(10^300)",
    "2^(2^(2^(2^(2^2))))",
    "x^(10^10)",
    "(" * 5000 + "1" + ")" * 5000,
    "(" * 60 + "1" + ")" * 60,
    "x" * 1_000_000,
    "factorial(100000)",
    "100000!",
    "sqrt(10^300 + 1)",
    "1e99999",
    r"\input{/etc/passwd}",
    "-" * 3000 + "1",
    "s_{" * 60 + "1" + "}" * 60,
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_inputs_are_refused_quickly_and_run_nothing(text):
    from solver.grading.check import check_answer

    start = time.perf_counter()
    for ex, part in (("td2.II.1", "o"), ("cours-intro.forward", "o1"), ("td2.III.3a", "conv1"), ("td2.II.2", "Y")):
        verdict = check_answer(ex, None, part, text)
        assert verdict.verdict in ("invalid", "incorrect"), (part, verdict)
    assert time.perf_counter() - start < 2.0
    assert not os.path.exists("/tmp/tdsolver_pwned")


ALPHABET = st.sampled_from(list("0123456789+-*/^()[]{},;_|'=.xyzikps ") + ["\\frac", "\\left(", "\\right)", "\\cdot",
                                                                           "floor", "max", "σ", "∞", "⌊", "⌋", "$",
                                                                           "\\begin{bmatrix}", "&", "\\\\", "{,}", "e"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ALPHABET, max_size=40).map("".join))
def test_fuzz_math_like_strings_never_crash_the_reader(text):
    for kind in ("expr", "number", "int", "matrix", "shape"):
        try:
            read(text, CTX, kind)
        except ParseError:
            pass


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_fuzz_any_text_never_crashes_the_reader(text):
    try:
        read(text, CTX, "expr")
    except ParseError:
        pass


@pytest.mark.parametrize("text, expected", [
    ("o = 2p + 1", 2 * p + 1), ("≈ 0.874", sp.Rational(437, 500)), (r"o_1 \approx 0{,}874", sp.Rational(437, 500)),
    ("E = -ln(0.8738) ≈ 0.1349", sp.Rational(1349, 10000)), ("32*(9+1) = 320", 320),
])
def test_labels_and_chains_of_equalities_keep_the_last_member(text, expected):
    assert value(text) == expected


def test_a_dangling_equal_sign_is_an_error():
    with pytest.raises(ParseError):
        read("o =", CTX)


@pytest.mark.parametrize("text, expected", [
    (r"8 \times 8 \times 64", (8, 8, 64)), (r"$8 \times 8 \times 64$", (8, 8, 64)),
    (r"\left(8 \times 8 \times 64\right)", (8, 8, 64)), (r"shape = 8 \cdot 8 \cdot 64", (8, 8, 64)),
    ("(2p + 1) × 2p × 3", (2 * p + 1, 2 * p, 3)),
    ("⌊(i + 2p − k)/s⌋ + 1 × ⌊(i + 2p − k)/s⌋ + 1 × 1", (sp.floor((i + 2 * p - k) / s) + 1,) * 2 + (1,)),
    (r"\left\lfloor \frac{i-k}{s} \right\rfloor \times 4", (sp.floor((i - k) / s), 4)),
    ("1000", (1000,)), ("(2p + 1)", (2 * p + 1,)),
])
def test_a_shape_written_as_a_product_of_expressions_or_in_latex(text, expected):
    assert tuple(value(text, "shape")) == expected


def test_latex_matrix_rows_are_separated_by_ampersands_not_spaces():
    assert show(parse(r"\begin{bmatrix} a b + c \end{bmatrix}")) == "(matrix (row (add (mul a b) c)))"
    assert show(parse(r"\begin{pmatrix} 2 x \\ 3 y \end{pmatrix}")) == "(matrix (row (mul 2 x)) (row (mul 3 y)))"
    assert show(parse("[a b + c]")) == "(matrix (row a (add b c)))"  # MATLAB rows keep their spaces


@pytest.mark.parametrize("text", [r"\beta \to +\infty", r"\beta \rightarrow \infty", "β → +∞", "beta -> oo"])
def test_an_arrow_ends_a_label_like_an_equal_sign(text):
    assert value(text) == sp.oo


def test_mathcal_o_is_the_big_o():
    r = sp.Symbol("r", positive=True)
    assert value(r"\mathcal{O}(r^2)", ctx=Context.of([sp.Order(r, (r, 0))])) == sp.Order(r ** 2, (r, 0))
