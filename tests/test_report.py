"""The class report: a generated class graded by `tdsolver grade`, its figures checked against
what the class generator planted, and the page rendered by a real browser (headless Chromium)."""

import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner

from bench.report import FORMULA, PARAMS, PARAMS_UNEXPLAINED, TEXT, make_class
from cli import main
from solver.grading import report as class_report
from solver.grading import stats
from solver.grading.verdict import Report, Verdict

STUDENTS = 36
NBSP = "\u00a0"


class Sections(HTMLParser):
    """The page's text: h1, and per h2 title the rows of its table (cell texts)."""

    def __init__(self):
        super().__init__()
        self.h1, self.tables = "", {}
        self._tag, self._section, self._row, self._cell = None, None, None, None

    def handle_starttag(self, tag, attrs):
        if tag in ("h1", "h2"):
            self._tag, self._text = tag, ""
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = ""

    def handle_endtag(self, tag):
        if tag == "h1":
            self.h1, self._tag = self._text, None
        elif tag == "h2":
            self._section, self._tag = self._text, None
            self.tables[self._section] = []
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append(re.sub(r"[ \t\n]+", " ", self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._section].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._tag:
            self._text += data
        if self._cell is not None:
            self._cell += data


def sections(html: str) -> Sections:
    parser = Sections()
    parser.feed(html)
    return parser


def french(x: float, digits: int = 2) -> str:
    text = f"{x:.{digits}f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """A class of 36 students and one unreadable file, graded into out/ (French)."""
    root = tmp_path_factory.mktemp("class")
    folder = root / "subs"
    folder.mkdir()
    plans = make_class(folder, STUDENTS)
    out = root / "out"
    result = CliRunner().invoke(main, ["grade", str(folder), "--out", str(out), "--jobs", "2"], catch_exceptions=False)
    assert result.exit_code == 1  # the unreadable file
    return plans, out


def count(plans, part, what):
    return sum(1 for plan in plans.values() if plan[part] == what)


def test_named_mistakes_are_counted_with_their_students(graded):
    plans, out = graded
    page = sections((out / "report.html").read_text(encoding="utf-8"))
    rows = {row[0]: row for row in page.tables["Erreurs identifiées"][1:]}
    for code, part in (("ceil-instead-of-floor", FORMULA), ("missing-floor", FORMULA), ("off-by-one", PARAMS)):
        assert rows[code][1] == str(count(plans, part, code)), code
        assert rows[code][2] == part
        who = {name for name, plan in plans.items() if plan[part] == code}
        assert set(rows[code][3].split(", ")) == who


def test_success_rate_and_mean_per_part(graded):
    plans, out = graded
    page = sections((out / "report.html").read_text(encoding="utf-8"))
    table = page.tables["Statistiques par partie"]
    assert table[0][:6] == ["partie", "notés", "points", "moyenne", "écart-type", "réussite"]
    rows = {row[0]: row for row in table[1:]}
    assert [row[0] for row in table[1:]].index(FORMULA) < [row[0] for row in table[1:]].index(PARAMS)  # sheet order
    for part in (FORMULA, PARAMS):
        right = count(plans, part, "right")
        assert rows[part][1] == str(STUDENTS)
        assert rows[part][3] == french(right / STUDENTS)
        assert rows[part][5] == french(100 * right / STUDENTS, 1) + NBSP + "%"
    assert TEXT not in rows  # not marked yet: no score


def test_class_mean_and_size(graded):
    plans, out = graded
    html = (out / "report.html").read_text(encoding="utf-8")
    cards = {key: value for value, key in re.findall(r'<div class="v">([^<]*)</div><div class="k">([^<]*)</div>', html)}
    totals = [sum(1 for what in plan.values() if what == "right") for plan in plans.values()]
    assert cards["copies"] == str(STUDENTS + 1) and cards["notées"] == str(STUDENTS)
    assert cards["moyenne"] == french(sum(totals) / STUDENTS)


def test_unexplained_wrong_answers_are_grouped(graded):
    plans, out = graded
    page = sections((out / "report.html").read_text(encoding="utf-8"))
    rows = page.tables["Réponses fausses non expliquées"][1:]
    by_part = {row[0]: row for row in rows}
    assert by_part[PARAMS][1] == PARAMS_UNEXPLAINED
    assert by_part[PARAMS][2] == str(count(plans, PARAMS, "unexplained"))
    assert "3*p" in by_part[FORMULA][1]
    assert by_part[FORMULA][2] == str(count(plans, FORMULA, "unexplained"))
    assert [int(row[2]) for row in rows] == sorted((int(row[2]) for row in rows), reverse=True)


def test_manual_look_lists_invalid_answers_text_parts_and_broken_files(graded):
    plans, out = graded
    page = sections((out / "report.html").read_text(encoding="utf-8"))
    rows = page.tables["À regarder à la main"][1:]
    invalid = [row for row in rows if row[3] == "réponse illisible"]
    assert sorted(row[0] for row in invalid) == sorted(n for n, p in plans.items() if p[FORMULA] == "invalid")
    assert [row for row in rows if row[2] == TEXT][0][3].startswith(f"{STUDENTS} réponses rédigées")
    assert any(row[1].endswith("zz-broken0.yaml") and "non noté" in row[3] for row in rows)


def test_the_page_is_escaped_self_contained_and_has_its_plots(graded):
    _, out = graded
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<b>Zoé" not in html and "&lt;b&gt;Zoé &amp; Co&lt;/b&gt;" in html
    for outside in ("<script", "<link", 'src="http', "url("):
        assert outside not in html
    assert html.count('<img src="data:image/svg+xml;base64,') == 2
    for name in ("scores.svg", "success.svg"):
        svg = (out / "plots" / name).read_text(encoding="utf-8")
        assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "<dc:date>" not in svg


def test_same_reports_same_bytes_and_english():
    reports = [Report(f"s{n}", f"s{n}.yaml", parts=(Verdict("a.b/x", "correct" if n % 2 else "incorrect",
                                                           float(n % 2), 1.0, answer="1,5"),)) for n in range(6)]
    first, again = class_report.build(reports, "en"), class_report.build(reports, "en")
    assert first == again
    page = sections(first[0])
    assert page.h1 == "Class report"
    assert page.tables["Item statistics"][1][5] == "50%"


def make(scores):
    """Reports with two parts: `scores` gives (part a, part b) per student."""
    return [Report(f"s{n}", f"s{n}.yaml", parts=(Verdict("e/a", "correct" if a else "incorrect", a, 1.0),
                                                 Verdict("e/b", "correct" if b else "incorrect", b, 2.0)))
            for n, (a, b) in enumerate(scores)]


def test_discrimination_upper_minus_lower_27_percent():
    # 10 students; the 27 % groups hold 3 each: the 3 best totals (0 + 2) missed part a, the 3 lowest
    # (1 + 0) got it: a is negative (-1), b is +1; the 4 in the middle (0 + 1.5) are in neither group.
    scores = [(0.0, 2.0)] * 3 + [(0.0, 1.5)] * 4 + [(1.0, 0.0)] * 3
    items = {it.id: it for it in stats.items(make(scores))}
    assert items["e/a"].discrimination == pytest.approx(0 - 1)
    assert items["e/a"].flag == "negative"
    assert items["e/b"].discrimination == pytest.approx((2 - 0) / 2)
    assert items["e/b"].flag is None
    assert items["e/b"].mean == pytest.approx((3 * 2 + 4 * 1.5) / 10)
    assert items["e/a"].success == pytest.approx(3 / 10)


def test_follow_through_credits_are_counted_per_part():
    carried = Verdict("e/b", "correct", 2.0, 2.0, follow_through=True)
    reports = make([(0.0, 2.0)] * 3)
    reports = [*reports, Report("s9", "s9.yaml", parts=(Verdict("e/a", "incorrect", 0.0, 1.0), carried))]
    items = {it.id: it for it in stats.items(reports)}
    assert (items["e/a"].followed, items["e/b"].followed) == (0, 1)
    assert items["e/b"].success == 1.0  # credited: full marks


CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary (.ci/run installs Debian's chromium)")
def test_a_real_browser_renders_the_report(graded, tmp_path):
    plans, out = graded
    url = (out / "report.html").resolve().as_uri()
    base = [CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox", f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run(base + ["--dump-dom", url], capture_output=True, text=True, timeout=120).stdout
    page = sections(dom)
    assert page.h1 == "Bilan de la classe"
    assert {"Distribution des notes", "Réussite par partie", "Statistiques par partie", "Erreurs identifiées",
            "Réponses fausses non expliquées", "À regarder à la main"} <= set(page.tables)
    named = page.tables["Erreurs identifiées"][1:]
    assert sum(int(row[1]) for row in named if row[0] == "ceil-instead-of-floor") == \
        count(plans, FORMULA, "ceil-instead-of-floor")
    shot = tmp_path / "shot.png"
    subprocess.run(base + [f"--screenshot={shot}", "--window-size=1100,2400", url], capture_output=True, timeout=120)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


def test_near_zero_discrimination_is_flagged_low_but_not_when_everyone_alike():
    assert stats.Item("e/a", 1.0, 10, 0.5, 0.5, 0.5, 0.05).flag == "low"
    assert stats.Item("e/a", 1.0, 10, 0.5, 0.5, 0.5, 0.3).flag is None
    assert stats.Item("e/a", 1.0, 10, 0.0, 0.0, 0.0, 0.0).flag is None  # nobody right: nothing to separate
