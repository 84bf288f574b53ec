"""`tdsolver export moodle`: a Moodle XML question bank, read back and checked against values
computed here by hand."""

import base64
import math
import re
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

import cli
from solver.sheets import registry

SUB = re.compile(r"\{(\d+):(NUMERICAL|MULTICHOICE|SHORTANSWER):((?:\\.|[^\\}])*)\}")


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


def split_unescaped(text, sep):
    """Split on `sep` where it is not escaped by a backslash (the cloze rule)."""
    parts, cur, i = [], "", 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            cur += text[i:i + 2]
            i += 2
            continue
        if text[i] == sep:
            parts.append(cur)
            cur = ""
        else:
            cur += text[i]
        i += 1
    return parts + [cur]


def unescape(text):
    return re.sub(r"\\(.)", r"\1", text)


def cloze_answers(body):
    """[(percent, answer, tolerance or None, feedback)] of one sub-question's body."""
    out = []
    for item in split_unescaped(body, "~"):
        answer, feedback = (split_unescaped(item, "#") + [""])[:2]
        m = re.match(r"(=|%(\d+)%)(.*)", answer, re.DOTALL)
        percent = 100 if m.group(1) == "=" else int(m.group(2))
        value, tol = m.group(3), None
        if ":" in value and re.fullmatch(r"[-0-9.]+:[0-9.]+", value):
            value, tol = value.split(":")
        out.append((percent, unescape(value), tol, unescape(feedback)))
    return out


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
    subs = SUB.findall(q.find("questiontext/text").text)
    assert [s[1] for s in subs] == ["SHORTANSWER"] * 7
    # input (1, 28, 28); conv1: 32 filters, stride 2, "same" -> ceil(28 / 2) = 14
    conv1 = cloze_answers(subs[0][2])
    assert {a[1] for a in conv1} >= {"(32, 14, 14)", "32x14x14", "32×14×14"}
    assert all(a[0] == 100 and "*" not in a[1] for a in conv1[:-1]) and conv1[-1][:2] == (0, "*")
    assert "(64, 7, 7)" in {a[1] for a in cloze_answers(subs[2][2])}  # conv2 keeps 14, pool1 halves it
    assert "2304" in {a[1] for a in cloze_answers(subs[6][2])}  # pool2: floor(7 / 2) = 3; 256 * 3 * 3


def test_numeric_matrix_becomes_a_table_of_numerical_cells(tmp_path):
    root, _, _ = export(tmp_path, "cours-intro.softmax-example")
    (q,) = questions(root, "cloze")
    subs = SUB.findall(q.find("questiontext/text").text)
    ex = registry.get("cours-intro.softmax-example")
    a, part = ex.make_params(None)["a"][0], ex.part("s")
    z = sum(math.exp(x) for x in a)
    for (_, kind, body), x in zip(subs, a):
        (percent, value, tol, _), *_ = cloze_answers(body)
        assert kind == "NUMERICAL" and percent == 100
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
    (_, kind, body), = SUB.findall(q.find("questiontext/text").text)
    percent, value, tol, _ = cloze_answers(body)[0]
    assert kind == "NUMERICAL" and percent == 100 and abs(float(value) - math.log(10)) < 1e-12
    part = registry.get("tp-cnn.17").part("initial_loss")
    assert float(tol) == pytest.approx(part.atol + part.rtol * math.log(10))
    (essay,) = questions(root, "essay")
    assert essay.find("graderinfo").get("format") == "html" and essay.find("graderinfo/text").text
    assert "tp-cnn.17/text" in result.stderr and result.stderr.count("\n") == 1


def test_short_formula_is_a_short_answer_of_forms_the_grader_accepts(tmp_path):
    root, _, _ = export(tmp_path, "td2.II.1", "--lang", "en")
    (q,) = questions(root, "cloze")
    assert q.find("name/text").text.endswith("@seed=sheet")
    ((_, kind, body),) = SUB.findall(q.find("questiontext/text").text)
    answers = cloze_answers(body)
    assert kind == "SHORTANSWER" and "floor((i - k + 2p)/s) + 1" in [a[1] for a in answers if a[0] == 100]
    assert not any("*" in a[1] for a in answers[:-1])
    assert answers[-1][:2] == (0, "*") and "Moodle" in answers[-1][3]  # any other text: reviewed by hand


def test_formula_with_a_derivative_is_an_essay_with_its_key(tmp_path):
    root, _, result = export(tmp_path, "td2.I.1", "--lang", "en")
    (q,) = questions(root, "essay")
    assert q.find("name/text").text.endswith("@seed=sheet")
    assert "Derivative" in q.find("graderinfo/text").text
    assert "td2.I.1/dC_da" in result.stderr


def test_cloze_feedback_escapes_special_characters(tmp_path):
    root, _, _ = export(tmp_path, "td2.VI.3", "--lang", "en")
    (q,) = questions(root, "cloze")
    subs = SUB.findall(q.find("questiontext/text").text)
    assert [s[1] for s in subs] == ["MULTICHOICE", "MULTICHOICE"]
    ex = registry.get("td2.VI.3")
    hinge = next(d for d in ex.diagnoses if d.wrong(ex.make_params(None)) == "hinge")
    feedback = {a[1]: a[3] for a in cloze_answers(subs[1][2])}
    # the feedback's TeX (\( \pm 1 \)) survives the escaping: backslashes doubled in the cloze text
    assert "\\pm" in feedback["hinge"] and "\\\\pm" in subs[1][2]
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


@pytest.mark.parametrize("sheet", ["td2", "devoir", "tp-cnn", "cours-intro", "cours-cnn"])
def test_every_sheet_parses_with_the_required_elements(tmp_path, sheet):
    root, _, _ = export(tmp_path, sheet, "--variants", "2", "--seed", "1")
    assert root.tag == "quiz"
    seen_category = None
    for q in questions(root):
        kind = q.get("type")
        if kind == "category":
            seen_category = q.find("category/text").text
            assert re.fullmatch(rf"\$course\$/tdsolver/{re.escape(sheet)}/[\w.-]+", seen_category)
            continue
        assert seen_category is not None and kind in REQUIRED
        for path in REQUIRED[kind]:
            assert q.find(path) is not None, (kind, path, q.find("name/text").text)
        assert re.search(r"@seed=(\d+|sheet)$", q.find("name/text").text)
        assert q.find("questiontext").get("format") == "html"
        for a in q.findall("answer"):
            assert a.get("fraction") in {"0", "100"}
            if kind == "numerical":
                float(a.find("text").text), float(a.find("tolerance").text)
        if kind == "cloze":
            text = q.find("questiontext/text").text
            subs = SUB.findall(text)
            assert subs and len(subs) == text.count(":NUMERICAL:") + text.count(":MULTICHOICE:") + text.count(":SHORTANSWER:")
            for _, sub_kind, body in subs:
                answers = cloze_answers(body)
                assert any(a[0] == 100 for a in answers)
                if sub_kind == "NUMERICAL":
                    for _, value, tol, _ in answers:
                        float(value), float(tol)


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
    for path in REQUIRED["multichoice"]:
        assert q.find(path) is not None, path
    answers = {a.find("text").text: (a.get("fraction"), a.find("feedback/text").text) for a in q.findall("answer")}
    assert answers == {"softmax": ("100", ""), "relu": ("0", "Unbounded.")}
    assert "\\(y\\)" in q.find("questiontext/text").text
