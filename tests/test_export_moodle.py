"""`tdsolver export moodle`: a Moodle XML question bank, read back and checked against values
computed here by hand."""

import base64
import json
import math
import re
import xml.etree.ElementTree as ET
from fractions import Fraction

import pytest
from click.testing import CliRunner

import cli
from solver.sheets import registry
from tests.moodle_reader import MOODLE_FRACTIONS, NUMERICAL_ANSWER, cloze_errors, read_cloze


def export(tmp_path, *args):
    out = tmp_path / "bank.xml"
    result = CliRunner().invoke(cli.main, ["export", "moodle", *args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    return ET.parse(out).getroot(), out, result


def questions(root, kind=None):
    return [q for q in root.findall("question") if kind is None or q.get("type") == kind]


def named(root, prefix):
    return [q for q in questions(root) if q.get("type") != "category"
            and q.find("name/text").text.startswith(prefix + " ")]


def subs_of(q):
    """The cloze sub-questions of a question, as Moodle's importer reads them."""
    return read_cloze(q.find("questiontext/text").text)[1]


def answers(sub):
    """[(percent, answer, tolerance or None, feedback)] of a sub-question."""
    return [(round(100 * a.fraction), a.answer, a.tolerance, a.feedback) for a in sub.alternatives]


def conv_out(i, k, s, p, d=1):
    return (i + 2 * p - d * (k - 1) - 1) // s + 1


def test_td2_variants_give_numerical_questions_with_hand_computed_answers(tmp_path):
    root, _, _ = export(tmp_path, "td2", "--variants", "3", "--seed", "10")
    ex = registry.get("td2.II.1")
    found = named(root, "td2.II.1")
    assert [q.find("name/text").text.rsplit(" ", 1)[1] for q in found] == ["@seed=10", "@seed=11", "@seed=12"]
    for seed, q in zip((10, 11, 12), found):
        assert q.get("type") == "numerical"
        v = ex.make_params(seed)
        want = conv_out(v["i"], v["k"], v["s"], v["p"], v["d"])
        answers = q.findall("answer")
        assert answers[0].get("fraction") == "100" and answers[0].find("text").text == str(want)
        assert answers[0].find("tolerance").text == "0"
        wrong = answers[1:]
        assert wrong and all(a.get("fraction") == "0" and a.find("feedback/text").text for a in wrong)
        assert str(want) not in [a.find("text").text for a in wrong]
        # the plus-one mistake, computed by hand, is among the named mistakes
        assert str(want - 1) in [a.find("text").text for a in wrong]
        assert "\\(" in q.find("questiontext/text").text


def test_multi_part_exercises_are_cloze_with_hand_computed_shapes(tmp_path):
    root, _, _ = export(tmp_path, "td2.III.2a")
    (q,) = named(root, "td2.III.2a")
    assert q.get("type") == "cloze"
    subs = subs_of(q)
    assert [s.kind for s in subs] == ["SHORTANSWER"] * 7
    # input (1, 28, 28); conv1: 32 filters, stride 2, "same" -> ceil(28 / 2) = 14
    conv1 = answers(subs[0])
    assert {a[1] for a in conv1} >= {"(32, 14, 14)", "32x14x14", "32×14×14"}
    assert all(a[0] == 100 and "*" not in a[1] for a in conv1[:-1]) and conv1[-1][:2] == (0, "*")
    assert "(64, 7, 7)" in {a[1] for a in answers(subs[2])}  # conv2 keeps 14, pool1 halves it
    assert "2304" in {a[1] for a in answers(subs[6])}  # pool2: floor(7 / 2) = 3; 256 * 3 * 3


def test_numeric_matrix_becomes_a_table_of_numerical_cells(tmp_path):
    root, _, _ = export(tmp_path, "cours-intro.softmax-example")
    (q,) = questions(root, "cloze")
    subs = subs_of(q)
    ex = registry.get("cours-intro.softmax-example")
    a, part = ex.make_params(None)["a"][0], ex.part("s")
    z = sum(math.exp(x) for x in a)
    for sub, x in zip(subs, a):
        (percent, value, tol, _), *_ = answers(sub)
        assert sub.kind == "NUMERICAL" and percent == 100
        assert abs(float(value) - math.exp(x) / z) < 1e-9
        assert float(tol) == pytest.approx(part.atol + part.rtol * math.exp(x) / z)


def test_single_whole_number_with_mistakes(tmp_path):
    root, _, _ = export(tmp_path, "cours-cnn.rgb-mlp-params")
    (q,) = questions(root, "numerical")
    answers = {a.find("text").text: a.get("fraction") for a in q.findall("answer")}
    assert answers[str((640 * 480 * 3 + 1) * 120)] == "100"
    assert answers[str(640 * 480 * 3 * 120)] == "0"  # bias forgotten


def test_tolerance_of_a_real_number_and_essay_for_text(tmp_path):
    root, _, result = export(tmp_path, "tp-cnn.17", "--lang", "en")
    (q,) = questions(root, "cloze")
    (sub,) = subs_of(q)
    percent, value, tol, _ = answers(sub)[0]
    assert sub.kind == "NUMERICAL" and percent == 100 and abs(float(value) - math.log(10)) < 1e-12
    part = registry.get("tp-cnn.17").part("initial_loss")
    assert float(tol) == pytest.approx(part.atol + part.rtol * math.log(10))
    (essay,) = questions(root, "essay")
    assert essay.find("graderinfo").get("format") == "html" and essay.find("graderinfo/text").text
    assert "tp-cnn.17/text" in result.stderr and result.stderr.count("\n") == 1


def test_short_formula_is_a_short_answer_of_forms_the_grader_accepts(tmp_path):
    root, _, _ = export(tmp_path, "td2.II.1", "--lang", "en")
    (q,) = questions(root, "cloze")
    assert q.find("name/text").text.endswith("@seed=sheet")
    (sub,) = subs_of(q)
    alternatives = answers(sub)
    assert sub.kind == "SHORTANSWER" and "floor((i - k + 2p)/s) + 1" in [a[1] for a in alternatives if a[0] == 100]
    assert not any("*" in a[1] for a in alternatives[:-1])
    assert alternatives[-1][:2] == (0, "*") and "Moodle" in alternatives[-1][3]  # any other text: reviewed by hand


def test_formula_with_a_derivative_is_an_essay_with_its_key(tmp_path):
    root, _, result = export(tmp_path, "td2.I.1", "--lang", "en")
    (q,) = questions(root, "essay")
    assert q.find("name/text").text.endswith("@seed=sheet")
    assert "Derivative" in q.find("graderinfo/text").text
    assert "td2.I.1/dC_da" in result.stderr


def test_cloze_feedback_escapes_special_characters(tmp_path):
    root, _, _ = export(tmp_path, "td2.VI.3", "--lang", "en")
    (q,) = questions(root, "cloze")
    subs = subs_of(q)
    assert [s.kind for s in subs] == ["MULTICHOICE", "MULTICHOICE"]
    ex = registry.get("td2.VI.3")
    hinge = next(d for d in ex.diagnoses if d.wrong(ex.make_params(None)) == "hinge")
    feedback = {a[1]: a[3] for a in answers(subs[1])}
    # the feedback's TeX (\( \pm 1 \)) reaches Moodle as written: a backslash before it would stay visible
    assert "\\pm" in feedback["hinge"] and "\\\\pm" not in q.find("questiontext/text").text
    assert hinge.feedback("en").split("$")[0].strip() in feedback["hinge"]


def test_figure_is_embedded_as_a_base64_file(tmp_path):
    root, _, _ = export(tmp_path, "devoir.5.3")
    (q,) = questions(root, "numerical")
    general = q.find("generalfeedback")
    (f,) = general.findall("file")
    assert f.get("encoding") == "base64" and base64.b64decode(f.text).startswith(b"\x89PNG")
    assert f'@@PLUGINFILE@@/{f.get("name")}' in general.find("text").text


def test_same_arguments_same_bytes(tmp_path):
    _, a, _ = export(tmp_path / "a", "devoir", "--variants", "2", "--seed", "3")
    _, b, _ = export(tmp_path / "b", "devoir", "--variants", "2", "--seed", "3")
    assert a.read_bytes() == b.read_bytes()


REQUIRED = {
    "numerical": ["name/text", "questiontext/text", "generalfeedback/text", "defaultgrade", "penalty", "hidden",
                  "answer/text", "answer/tolerance", "answer/feedback/text"],
    "multichoice": ["name/text", "questiontext/text", "generalfeedback/text", "defaultgrade", "penalty", "hidden",
                    "single", "shuffleanswers", "answernumbering", "answer/text", "answer/feedback/text"],
    "cloze": ["name/text", "questiontext/text", "generalfeedback/text", "penalty", "hidden"],
    "essay": ["name/text", "questiontext/text", "generalfeedback/text", "defaultgrade", "penalty", "hidden",
              "responseformat", "graderinfo/text"],
}


NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?:/\d+)?")


def solved_numbers(exercise_id, seed):
    """The numbers of `solve ID [--seed S] --format json`, part after part (matrices row by row), for
    the parts whose answer is a number or a matrix of numbers."""
    args = ["solve", exercise_id, "--format", "json"] + ([] if seed == "sheet" else ["--seed", seed])
    result = CliRunner().invoke(cli.main, args)
    assert result.exit_code == 0, result.output
    data, out = json.loads(result.output), []
    for part in registry.get(exercise_id).parts:
        answer = data["answers"][part.id]
        if answer["kind"] in ("int", "number", "expr", "matrix") and re.fullmatch(r"[-\d.eE/+\[\], ]+", answer["value"]):
            out += [float(Fraction(n)) for n in NUMBER.findall(answer["value"])]
    return out


def exported_numbers(q):
    """The right answers of a numerical question, or of the NUMERICAL sub-questions of a cloze."""
    if q.get("type") == "numerical":
        return [float(a.find("text").text) for a in q.findall("answer") if a.get("fraction") == "100"]
    return [float(next(a.answer for a in s.alternatives if a.fraction == 1)) for s in subs_of(q) if s.kind == "NUMERICAL"]


def check_structure(q, kind):
    """What Moodle's XML importer needs of one question of ours."""
    for path in REQUIRED[kind]:
        assert q.find(path) is not None, (kind, path, q.find("name/text").text)
    assert q.find("questiontext").get("format") == "html"
    for a in q.findall("answer"):
        assert round(float(a.get("fraction")), 5) in MOODLE_FRACTIONS
        if kind == "numerical":
            assert NUMERICAL_ANSWER.match(a.find("text").text) and float(a.find("tolerance").text) >= 0
    if kind in ("numerical", "multichoice"):
        fractions = [a.get("fraction") for a in q.findall("answer")]
        assert "100" in fractions and len(fractions) >= (2 if kind == "multichoice" else 1)
    if kind == "cloze":
        rest, subs = read_cloze(q.find("questiontext/text").text)
        assert cloze_errors(subs) == []
        assert not re.search(r"\{\d*:[A-Z_]+:", rest)  # every sub-question was read
        for sub in subs:
            assert all(round(100 * a.fraction, 5) in MOODLE_FRACTIONS for a in sub.alternatives)
            assert all(float(a.tolerance) >= 0 for a in sub.alternatives if a.numeric)


@pytest.mark.parametrize("sheet", ["td2", "devoir", "tp-cnn", "cours-intro", "cours-cnn"])
def test_every_sheet_imports_by_moodle_rules_with_the_numbers_of_solve(tmp_path, sheet):
    root, _, _ = export(tmp_path, sheet, "--variants", "3", "--seed", "10")
    assert root.tag == "quiz"
    seen_category, kinds, compared = None, set(), 0
    for q in questions(root):
        kind = q.get("type")
        if kind == "category":
            seen_category = q.find("category/text").text
            assert re.fullmatch(rf"\$course\$/tdsolver/{re.escape(sheet)}/[\w.-]+", seen_category)
            continue
        assert seen_category is not None and kind in REQUIRED
        kinds.add(kind)
        check_structure(q, kind)
        name = q.find("name/text").text
        exercise_id, seed = name.split()[0], re.search(r"@seed=(\d+|sheet)$", name).group(1)
        if kind in ("numerical", "cloze"):
            got, want = exported_numbers(q), solved_numbers(exercise_id, seed)
            assert got == pytest.approx(want, rel=1e-9, abs=1e-12), name
            compared += len(got)
    assert compared and "cloze" in kinds


def test_unknown_exercise_is_a_usage_error_in_one_line(tmp_path):
    result = CliRunner().invoke(cli.main, ["export", "moodle", "td2.II.9", "-o", str(tmp_path / "x.xml")])
    assert result.exit_code == 2 and result.output.count("\n") == 1 and "td2.II.1" in result.output
    assert not (tmp_path / "x.xml").exists()


def test_a_seed_without_variants_exports_that_variant(tmp_path):
    root, _, _ = export(tmp_path, "td2.II.1", "--seed", "4")
    (q,) = named(root, "td2.II.1")
    v = registry.get("td2.II.1").make_params(4)
    assert q.find("name/text").text.endswith("@seed=4")
    assert q.find("answer/text").text == str(conv_out(v["i"], v["k"], v["s"], v["p"], v["d"]))


def test_single_choice_part_is_a_multichoice_question():
    # no exercise of the catalogue has a single choice part: a small one is made here
    from solver.core.exercise import Diagnosis, Exercise, Part, Solution
    from solver.core.text import Text
    from solver.export.moodle import Bank, add_exercise

    ex = Exercise(id="demo.1", sheet="td2", title=Text("Choix", "Choice"),
                  statement=lambda q: Text("Sortie ?", "Output $y$?"),
                  parts=(Part("act", "choice", Text("activation", "activation"), choices=("softmax", "relu")),),
                  solve=lambda q: Solution(q, (), {"act": "softmax"}),
                  diagnoses=(Diagnosis("relu-output", "act", lambda q: "relu", Text("Non bornée.", "Unbounded.")),))
    bank = Bank("en")
    params = ex.make_params(None)
    add_exercise(bank, ex, params, ex.run(params))
    (q,) = bank.root.findall("question")
    assert q.get("type") == "multichoice"
    check_structure(q, "multichoice")
    answers = {a.find("text").text: (a.get("fraction"), a.find("feedback/text").text) for a in q.findall("answer")}
    assert answers == {"softmax": ("100", ""), "relu": ("0", "Unbounded.")}
    assert "\\(y\\)" in q.find("questiontext/text").text


def test_cloze_text_with_every_special_character_reads_back_as_written():
    from solver.export import cloze

    tricky = ["a}b", "c#d", "e~f", "g/h", 'i"j', "k\\l", "m&n", "&lt;", "\\(\\frac{1}{2}\\)", "ends with \\"]
    subs = [cloze.subquestion(kind, [cloze.Answer(t, feedback=f"right {t}"), cloze.Answer("other", 0, f"wrong {t}")])
            for kind in ("SHORTANSWER", "MULTICHOICE") for t in tricky]
    head = "<p>\\(\\frac{a}{b}\\) and {braces}:</p>"
    rest, read = read_cloze(head + " ".join(subs))
    assert cloze_errors(read) == []
    assert rest == head + " ".join(f"{{#{n}}}" for n in range(1, len(subs) + 1))
    assert [s.alternatives[0].answer for s in read] == tricky * 2
    assert [s.alternatives[0].feedback for s in read] == [f"right {t}" for t in tricky] * 2
    assert [s.alternatives[1].feedback for s in read] == [f"wrong {t}" for t in tricky] * 2
    # the backslash forms Moodle's documentation lists for ~ / " \ are not undone by its parser
    assert read_cloze("{1:SHORTANSWER:=a\\~b\\/c}")[1][0].alternatives[0].answer == "a\\~b\\/c"


def test_numerical_cloze_answers_keep_their_tolerance():
    from solver.export import cloze

    text = cloze.subquestion("NUMERICAL", [cloze.Answer("-0.25", tolerance="0.001", feedback="x~y"),
                                           cloze.Answer("12", 0, tolerance="0", feedback="mistake #2")])
    ((sub,),) = [read_cloze(text)[1]]
    assert [(a.fraction, a.answer, a.tolerance, a.feedback, a.numeric) for a in sub.alternatives] == [
        (1.0, "-0.25", "0.001", "x~y", True), (0.0, "12", "0", "mistake #2", True)]
