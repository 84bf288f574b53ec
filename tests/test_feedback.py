"""What students receive: `--feedback full|wrong|scores`, `--hide-answers`, Markdown and HTML."""

import re

import pytest
import yaml
from click.testing import CliRunner

from cli import main
from solver.core.text import Text
from solver.grading.check import solved
from solver.grading.feedback import feedback_html, feedback_markdown
from solver.grading.verdict import Report, Verdict
from solver.render.values import plain

FORMULA, PARAMS, TEXT = "td2.II.1/o", "td2.III.3a/conv1", "td2.III.4/text"
EVIL = "<script>alert(1)</script>"


def key(pid):
    ex_id, part_id = pid.split("/")
    return solved(ex_id, None)[2].answers[part_id]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    subs = tmp_path_factory.mktemp("subs")
    right = {f"td2.III.3a/{part.id}": plain(key(f"td2.III.3a/{part.id}")) for part in solved("td2.III.3a", None)[0].parts}
    answers = {"ana": {**right, FORMULA: plain(key(FORMULA)), TEXT: "Partage des poids."},
               "bob": {**right, FORMULA: "ceil((i+2p-k)/s)+1", PARAMS: "12345", TEXT: "Je ne sais pas."},
               "eve": {FORMULA: '<img src=x onerror="alert(2)">', PARAMS: "7 ** 2", TEXT: EVIL}}
    for name, given in answers.items():
        student = EVIL if name == "eve" else name
        (subs / f"{name}.yaml").write_text(yaml.safe_dump({"student": student, "answers": given}), encoding="utf-8")
    return subs


def grade(folder, out, *options):
    result = CliRunner().invoke(main, ["grade", str(folder), "--out", str(out), "--lang", "en", *options],
                                catch_exceptions=False)
    assert result.exit_code == 0
    return out


def md(text: str) -> str:
    """A part id as the feedback writes it (Markdown-escaped)."""
    return text.replace("_", "\\_")


def details(markdown: str) -> list[str]:
    """The part ids with a details section (### headings)."""
    return [re.sub(r"\\(.)", r"\1", m) for m in re.findall(r"^### (\S+)", markdown, flags=re.M)]


def test_wrong_is_the_default_and_shows_only_parts_not_fully_right(folder, tmp_path):
    out = grade(folder, tmp_path / "out")
    ana = (out / "feedback" / "ana.md").read_text(encoding="utf-8")
    bob = (out / "feedback" / "bob.md").read_text(encoding="utf-8")
    assert details(ana) == [] and "Every part answered is right." in ana
    assert re.search(r"^No answer: td2\.I\.1/dC\\_da, ", ana, re.M)  # the rest of the sheet, on one line
    assert details(bob) == [FORMULA, PARAMS]
    assert "ceil-instead-of-floor" in bob
    for text in (ana, bob):  # the summary table lists every part
        assert all(f"| {md(pid)} |" in text for pid in (FORMULA, PARAMS, TEXT))


def test_a_follow_through_credit_is_named_and_explained(tmp_path):
    # td2.III.3a: conv1 without its bias (32·9 = 288 instead of 320), the total summed from that count
    counts = {"conv1": 288, "conv2": 64 * (32 * 25 + 1), "conv3": 128 * (64 * 9 + 1), "conv4": 256 * (128 * 9 + 1),
              "fc1": 256 * (256 * 3 * 3 + 1)}
    given = {f"td2.III.3a/{k}": str(v) for k, v in counts.items()}
    given |= {"td2.III.3a/fc2": "257*C", "td2.III.3a/total": f"{sum(counts.values())} + 257*C"}
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "cat.yaml").write_text(yaml.safe_dump({"student": "cat", "answers": given}), encoding="utf-8")
    for lang, word in (("en", "correct (follow-through)"), ("fr", "juste (par suite logique)")):
        out = tmp_path / lang
        assert CliRunner().invoke(main, ["grade", str(subs), "--out", str(out), "--lang", lang]).exit_code == 0
        text = (out / "feedback" / "cat.md").read_text(encoding="utf-8")
        assert f"| td2.III.3a/total | {word} | 1 / 1 |" in text
        assert details(text) == ["td2.III.3a/conv1", "td2.III.3a/total"]  # its value differs from the key: shown
        assert "1010688" in text  # the total expected without the earlier mistake: 257 C + 1 010 688
    out = tmp_path / "hidden"
    assert CliRunner().invoke(main, ["grade", str(subs), "--out", str(out), "--hide-answers"]).exit_code == 0
    hidden = (out / "feedback" / "cat.md").read_text(encoding="utf-8")
    assert "juste (par suite logique)" in hidden and "1010688" not in hidden


def test_full_shows_every_part_and_scores_none(folder, tmp_path):
    full = grade(folder, tmp_path / "full", "--feedback", "full")
    scores = grade(folder, tmp_path / "scores", "--feedback", "scores")
    ana_full = (full / "feedback" / "ana.md").read_text(encoding="utf-8")
    parts = [re.sub(r"\\(.)", r"\1", p) for p in re.findall(r"^\| (\S+) \| ", ana_full, flags=re.M)][1:]
    assert details(ana_full) == parts and TEXT in parts
    bob = (scores / "feedback" / "bob.md").read_text(encoding="utf-8")
    assert details(bob) == [] and "##" not in bob.replace("# bob", "") and "| td2.II.1/o | incorrect | 0 / 1 |" in bob
    assert "<h3>" not in (scores / "feedback" / "bob.html").read_text(encoding="utf-8")
    assert "<h3>" in (full / "feedback" / "bob.html").read_text(encoding="utf-8")


def secrets():
    """What must not reach students before the deadline: keys, the model answer, the rubric."""
    model = key(TEXT)
    return [plain(key(FORMULA)), plain(key(PARAMS)), model.answer("en")[:60]] + [r("en")[:50] for r in model.rubric]


def student_files(out, names=("bob", "eve")):
    return {p: p.read_text(encoding="utf-8") for name in names
            for p in [out / "feedback" / f"{name}.md", out / "feedback" / f"{name}.html", out / "results" / f"{name}.json"]
            if p.exists()} | {p: p.read_text(encoding="utf-8") for p in (out / "results").glob("*script*.json")}


def test_hide_answers_removes_keys_model_answers_and_rubrics(folder, tmp_path):
    shown = grade(folder, tmp_path / "shown", "--feedback", "full")
    hidden = grade(folder, tmp_path / "hidden", "--feedback", "full", "--hide-answers")
    seen = "".join(student_files(shown).values())
    assert all(secret in seen for secret in secrets())  # the check below can fail
    for path, text in student_files(hidden).items():
        for secret in secrets():
            assert secret not in text, (path.name, secret)
    assert (hidden / "grades.json").read_text() == (shown / "grades.json").read_text()  # the teacher's copy is whole


def test_html_feedback_is_escaped_and_self_contained(folder, tmp_path):
    out = grade(folder, tmp_path / "out", "--feedback", "full")
    page = next((out / "feedback").glob("*script*.html")).read_text(encoding="utf-8")
    assert "<script" not in page and "<img" not in page and "&lt;script&gt;" in page
    assert "<style>" in page and "http" not in page
    markdown = next((out / "feedback").glob("*script*.md")).read_text(encoding="utf-8")
    assert "<script>" not in markdown.split("\n")[0]  # the name in the heading is escaped


def test_french_scores_have_a_decimal_comma():
    report = Report("ana", "ana.yaml", parts=(Verdict("a.b/x", "partial", 0.5, 1.0, feedback=Text("En partie.", "Partly.")),))
    assert "| a.b/x | en partie juste | 0,5 / 1 |" in feedback_markdown(report, "fr")
    assert "0,5 / 1" in feedback_html(report, "fr") and "0.5 / 1" in feedback_html(report, "en")
