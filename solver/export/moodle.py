"""A Moodle XML question bank of exercises: one category per exercise, one question per variant.

Question types, by the parts of an exercise (see README, "Moodle"):

- one `int`/`number` part (or an `expr` part whose key is a number): ``numerical``, with the part's
  tolerance as an absolute tolerance (``atol + rtol·|key|``, 0 for whole numbers) and, for each
  known mistake (`Diagnosis`) of the part, an extra answer worth 0 carrying the mistake's feedback;
- one `choice` part: ``multichoice`` (one right answer; a mistake's feedback on its wrong choice);
- several parts (or one shape, matrix or formula): one ``cloze`` question (Moodle's type
  "multianswer") with a NUMERICAL, MULTICHOICE or SHORTANSWER sub-question per part: a numeric matrix
  becomes a table of NUMERICAL cells; a shape, or a short formula with symbols, a SHORTANSWER listing
  written forms the grader accepts (each one checked with the grader, none with ``*``, Moodle's
  wildcard), then a catch-all worth 0 saying that another form is reviewed by the teacher (a short
  answer compares strings);
- what Moodle cannot grade — `text` parts, long formulas or formulas with sums, derivatives or indexed
  names, shapes and matrices with symbols — becomes an ``essay`` question whose grader information
  holds the model answer (and the rubric).

The statement is HTML with TeX math between ``\\( … \\)``; the general feedback holds the worked
solution, with the exercise's figure as a file embedded in base64 (``@@PLUGINFILE@@``). The XML is
built with ElementTree; the same arguments give the same bytes.
"""

from __future__ import annotations

import base64
import html
import os
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from decimal import Decimal

from solver.core import layouts
from solver.core.text import Text

from . import cloze
from .html import paragraphs, prose_html, worked_solution

PENALTY = "0.3333333"
SHEET_SEED = "sheet"  # the label of the sheet's own values in question names: ``… @seed=sheet``


@dataclass
class Bank:
    """The question bank being built, and the parts exported as essays (``<exercise>/<part>``)."""

    lang: str
    root: ET.Element = field(default_factory=lambda: ET.Element("quiz"))
    essays: list = field(default_factory=list)

    def xml(self) -> bytes:
        ET.indent(self.root, "  ")
        return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(self.root, encoding="utf-8") + b"\n"


def export_moodle(exercises, seed: int | None = None, variants: int | None = None, lang: str = "fr") -> Bank:
    """The bank of these exercises: the sheet's values, or `variants` seeds from `seed` (0 by default)."""
    from . import variant_seeds

    bank = Bank(lang)
    for ex in exercises:
        category(bank, f"$course$/tdsolver/{ex.sheet}/{ex.id}")
        for s in variant_seeds(ex, seed, variants):
            params = ex.make_params(s)
            add_exercise(bank, ex, params, ex.run(params))
    return bank


def essay_message(bank: Bank) -> Text | None:
    """One line saying which parts went to essay questions, or None."""
    if not bank.essays:
        return None
    names = ", ".join(dict.fromkeys(bank.essays))
    return Text(f"exportées en questions de composition (notées à la main dans Moodle) : {names}",
                f"exported as essay questions (graded by hand in Moodle): {names}")


def category(bank: Bank, path: str) -> None:
    question = ET.SubElement(bank.root, "question", type="category")
    _text(ET.SubElement(question, "category"), path)


def add_exercise(bank: Bank, ex, params, solution) -> None:
    """The questions of one variant of an exercise (see the module docstring)."""
    lang = bank.lang
    label = SHEET_SEED if params.seed is None else str(params.seed)
    specs = {p.id: gradable(ex, p, params, solution.answers[p.id], lang) for p in ex.parts}
    graded = [p for p in ex.parts if specs[p.id] is not None]
    manual = [p for p in ex.parts if specs[p.id] is None]
    statement = paragraphs(ex.statement(params)(lang))
    name = f"{ex.id} {ex.heading(params)(lang)} @seed={label}"
    feedback = _feedback(ex, params, solution, lang, label)
    spec = specs[graded[0].id] if len(ex.parts) == 1 and graded else None
    if spec is not None and spec.kind in ("NUMERICAL", "MULTICHOICE"):
        kind = "numerical" if spec.kind == "NUMERICAL" else "multichoice"
        q = _question(bank, kind, name, statement + paragraphs(graded[0].prompt(lang)), feedback)
        (_numerical if kind == "numerical" else _multichoice)(q, spec)
    elif graded:
        q = _question(bank, "cloze", name, statement + _cloze_parts(graded, specs, lang), feedback)
    for part in manual:
        part_name = name if len(ex.parts) == 1 else f"{ex.id}/{part.id} {ex.heading(params)(lang)} @seed={label}"
        q = _question(bank, "essay", part_name, statement + paragraphs(part.prompt(lang)), feedback, penalty="0")
        _essay(q, part, solution.answers[part.id], lang)
        bank.essays.append(f"{ex.id}/{part.id}")


# --- what a part becomes --------------------------------------------------------------------------

@dataclass(frozen=True)
class Spec:
    """How Moodle grades a part: a cloze type and its answers (rows of cells for a matrix)."""

    kind: str  # NUMERICAL, MULTICHOICE, SHORTANSWER, or MATRIX (rows of NUMERICAL answers)
    answers: tuple = ()
    rows: tuple = ()


def gradable(ex, part, params, key, lang: str) -> Spec | None:
    """The Moodle form of a part, or None when Moodle cannot grade it (an essay)."""
    if part.kind == "text":
        return None
    if part.kind == "choice":
        return _choice_spec(ex, part, params, key, lang)
    if part.kind == "shape":
        first = layouts.channels_first(key, part.layout)  # right too: see solver.core.layouts
        return _short_answer(ex, params, part, shape_forms(key) + shape_forms(first), lang)
    if part.kind == "matrix":
        return _matrix_spec(part, key)
    number = numeric(key)
    if number is None:
        return _short_answer(ex, params, part, formula_forms(key), lang) if part.kind == "expr" else None
    tol = tolerance(part, key, number)
    right = cloze.Answer(decimal(number), tolerance=decimal(tol))
    return Spec("NUMERICAL", (right, *_mistakes(ex, part, params, number, tol, lang)))


def numeric(value) -> float | None:
    """The value as a float when it is a finite real number (no symbol), else None."""
    import sympy as sp

    try:
        value = sp.sympify(value, strict=True)
    except (sp.SympifyError, TypeError):
        return None
    if not isinstance(value, sp.Expr) or value.free_symbols or not value.is_number or value.is_real is False:
        return None
    x = complex(value.evalf())
    if x.imag or x.real != x.real or abs(x.real) == float("inf"):
        return None
    return x.real


def tolerance(part, key, number: float) -> float:
    """The absolute tolerance Moodle applies: none for a whole-number key, else the part's rtol/atol.

    >>> from solver.core.exercise import Part
    >>> from solver.core.text import Text
    >>> import sympy as sp
    >>> tolerance(Part("x", "number", Text("", ""), rtol=1e-3, atol=0.0), sp.Float(2.5), 2.5)
    0.0025
    >>> tolerance(Part("n", "int", Text("", "")), sp.Integer(12), 12.0)
    0.0
    """
    import sympy as sp

    if part.kind == "int" or (isinstance(key, sp.Basic) and key.is_integer):
        return 0.0
    return part.atol + part.rtol * abs(number)


def decimal(x: float) -> str:
    """A number written in plain decimal notation (no exponent), as Moodle's number fields expect.

    >>> decimal(12.0), decimal(1e-9), decimal(0.873820123456789), decimal(-2.5e6)
    ('12', '0.000000001', '0.873820123456789', '-2500000')
    """
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    text = format(Decimal(repr(x)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _mistakes(ex, part, params, number: float, tol: float, lang: str) -> list:
    """Answers worth 0 for the known mistakes of a numeric part (distinct from the key and each other,
    with the key's tolerance)."""
    out, seen = [], [number]
    for d in ex.diagnoses:
        if d.part != part.id:
            continue
        wrong = numeric(d.wrong(params))
        if wrong is None or any(abs(wrong - s) <= tol for s in seen):
            continue
        seen.append(wrong)
        out.append(cloze.Answer(decimal(wrong), 0, prose_html(d.feedback(lang)), tolerance=decimal(tol)))
    return out


def _choice_spec(ex, part, params, key, lang: str) -> Spec | None:
    from ..render.words import choice

    if len(part.choices) < 2:
        return None
    feedback: dict[str, str] = {}
    for d in ex.diagnoses:
        if d.part == part.id:
            wrong = d.wrong(params)
            if isinstance(wrong, str) and wrong != key:
                feedback.setdefault(wrong, prose_html(d.feedback(lang)))
    return Spec("MULTICHOICE", tuple(cloze.Answer(choice(c, lang), 100 if c == key else 0, feedback.get(c, ""))
                                     for c in part.choices))


def _matrix_spec(part, key) -> Spec | None:
    import sympy as sp

    if not isinstance(key, sp.MatrixBase):  # a formula for the entries (i, j), not a table
        return None
    matrix = sp.Matrix(key)
    cells = []
    for row in matrix.tolist():
        numbers = [x for x in (numeric(v) for v in row) if x is not None]
        if len(numbers) < len(row):  # an entry that is not a number
            return None
        cells.append(numbers)
    if not 0 < len(cells) * len(cells[0]) <= 400:
        return None
    rows = tuple(tuple(cloze.Answer(decimal(x), tolerance=decimal(tolerance(part, v, x)))
                       for x, v in zip(xs, vs)) for xs, vs in zip(cells, matrix.tolist()))
    return Spec("MATRIX", rows=rows)


OTHER_FORMS = Text("Moodle compare le texte de la réponse : une forme équivalente écrite autrement sera "
                   "revue par l'enseignant.",
                   "Moodle compares the text of the answer: an equivalent form written otherwise will be "
                   "reviewed by the teacher.")


def _short_answer(ex, params, part, candidates, lang: str) -> Spec | None:
    """A SHORTANSWER listing the candidate forms the grader marks right, then a catch-all worth 0
    saying that Moodle only compares strings; None when no form survives."""
    forms = graded_forms(ex, params, part, candidates)
    if not forms:
        return None
    other = cloze.Answer("*", 0, prose_html(OTHER_FORMS(lang)))
    return Spec("SHORTANSWER", (*(cloze.Answer(f) for f in forms), other))


def graded_forms(ex, params, part, candidates) -> list[str]:
    """The candidates that the grader marks right for this part, in order, without repeats.

    A form with ``*`` is left out: in a Moodle short answer, ``*`` is a wildcard.
    """
    from ..grading.check import check_answer

    return [c for c in dict.fromkeys(candidates)
            if "*" not in c and check_answer(ex.id, params.seed, part.id, c).verdict == "correct"]


def shape_forms(key) -> list[str]:
    """Written forms of a shape: ``(32, 14, 14)``, ``32x14x14``, ``32×14×14``… (none with symbols).

    >>> import sympy as sp
    >>> shape_forms(sp.Tuple(32, 14, 14))[:3], shape_forms(sp.Tuple(1248))
    (['(32, 14, 14)', '(32,14,14)', '32x14x14'], ['(1248,)', '(1248)', '1248'])
    """
    sizes = [decimal(x) for x in map(numeric, key) if x is not None and x == int(x)]
    if len(sizes) != len(key):  # sizes with symbols: no written form to list
        return []
    if len(sizes) == 1:
        return [f"({sizes[0]},)", f"({sizes[0]})", sizes[0]]
    return ["(" + ", ".join(sizes) + ")", "(" + ",".join(sizes) + ")", "x".join(sizes),
            " x ".join(sizes), "×".join(sizes), " × ".join(sizes)]


_TOO_RICH = r"\b(Sum|Derivative|Subs|Integral|Piecewise|O|KroneckerDelta)\(|\[|\boo\b"


def formula_forms(key) -> list[str]:
    """Written forms of a short formula with symbols, products written without ``*`` (``2p``, ``d k``),
    powers with ``^``; none for a long formula or one with sums, derivatives or indexed names.

    >>> import sympy as sp
    >>> d, k, p = sp.symbols("d k p")
    >>> formula_forms(d*k - d + 1)
    ['d k - d + 1', 'dk-d+1']
    >>> formula_forms(2*p + k**2)
    ['k^2 + 2p', 'k^2+2p']
    >>> formula_forms(sp.floor(k / 2) + 1), formula_forms(sp.Order(k))
    (['floor(k/2) + 1', 'floor(k/2)+1'], [])
    """
    import re

    from ..render.values import plain

    text = plain(key)
    if len(text) > 60 or re.search(_TOO_RICH, text):
        return []
    text = text.replace("**", "^")
    text = re.sub(r"(\d)\*(?=[A-Za-z(])", r"\1", text)
    spaced = re.sub(r"\*", " ", text)
    return [spaced, spaced.replace(" ", "")]


# --- XML ------------------------------------------------------------------------------------------

def _text(parent: ET.Element, value: str) -> ET.Element:
    node = ET.SubElement(parent, "text")
    node.text = value
    return node


def _html(parent: ET.Element, tag: str, value: str) -> ET.Element:
    node = ET.SubElement(parent, tag, format="html")
    _text(node, value)
    return node


def _question(bank: Bank, kind: str, name: str, text: str, feedback, penalty: str = PENALTY) -> ET.Element:
    q = ET.SubElement(bank.root, "question", type=kind)
    _text(ET.SubElement(q, "name"), name)
    _html(q, "questiontext", text)
    general = _html(q, "generalfeedback", feedback[0])
    if feedback[1] is not None:
        file_name, data = feedback[1]
        ET.SubElement(general, "file", name=file_name, path="/", encoding="base64").text = data
    if kind != "cloze":
        ET.SubElement(q, "defaultgrade").text = "1"
    ET.SubElement(q, "penalty").text = penalty
    ET.SubElement(q, "hidden").text = "0"
    return q


def _numerical(q: ET.Element, spec: Spec) -> None:
    for a in spec.answers:
        node = ET.SubElement(q, "answer", fraction=str(a.percent), format="moodle_auto_format")
        _text(node, a.text)
        _html(node, "feedback", a.feedback)
        ET.SubElement(node, "tolerance").text = a.tolerance
    for tag, value in (("unitgradingtype", "0"), ("unitpenalty", "0.1000000"), ("showunits", "3"),
                       ("unitsleft", "0")):
        ET.SubElement(q, tag).text = value


def _multichoice(q: ET.Element, spec: Spec) -> None:
    for tag, value in (("single", "true"), ("shuffleanswers", "false"), ("answernumbering", "abc")):
        ET.SubElement(q, tag).text = value
    for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
        _html(q, tag, "")
    for a in spec.answers:
        node = ET.SubElement(q, "answer", fraction=str(a.percent), format="html")
        _text(node, html.escape(a.text, quote=False))
        _html(node, "feedback", a.feedback)


def _essay(q: ET.Element, part, key, lang: str) -> None:
    for tag, value in (("responseformat", "editor"), ("responserequired", "1"), ("responsefieldlines", "10"),
                       ("attachments", "0"), ("attachmentsrequired", "0")):
        ET.SubElement(q, tag).text = value
    _html(q, "graderinfo", model_answer(part, key, lang))
    _html(q, "responsetemplate", "")


def model_answer(part, key, lang: str) -> str:
    """The grader information of an essay: the model answer and rubric, or the key in TeX and plain."""
    from ..render.values import latex, plain
    from ..render.words import RUBRIC

    if part.kind == "text":
        rubric = "".join(f"<li>{prose_html(r(lang))}</li>" for r in key.rubric)
        return paragraphs(key.answer(lang)) + (f"<p>{html.escape(RUBRIC(lang))}</p><ul>{rubric}</ul>" if rubric else "")
    hint = Text("Réponse attendue (toute forme équivalente est juste ; `tdsolver compare` les départage) :",
                "Expected answer (any equivalent form is right; `tdsolver compare` tells them apart):")
    return (paragraphs(hint(lang)) + "<p>\\(" + html.escape(latex(key, lang), quote=False) + "\\)</p>"
            + "<p><code>" + html.escape(plain(key, lang), quote=False) + "</code></p>")


def _cloze_parts(parts, specs, lang: str) -> str:
    """The prompts with their sub-questions, one list item per part (a matrix as a table)."""
    items = []
    for part in parts:
        spec = specs[part.id]
        prompt = f"<code>{html.escape(part.id)}</code> — {prose_html(part.prompt(lang))} "
        if spec.kind == "MATRIX":
            rows = "".join("<tr>" + "".join(f"<td>{cloze.subquestion('NUMERICAL', (a,))}</td>" for a in row) + "</tr>"
                           for row in spec.rows)
            items.append(f"<li>{prompt}<table>{rows}</table></li>")
        else:
            items.append(f"<li>{prompt}{cloze.subquestion(spec.kind, spec.answers)}</li>")
    return "<ol>" + "".join(items) + "</ol>"


def _feedback(ex, params, solution, lang: str, label: str):
    """(HTML of the worked solution, (file name, base64 PNG) of the figure or None)."""
    figure = _figure_png(ex, params, solution, lang)
    if figure is None:
        return worked_solution(ex, solution, lang), None
    caption = ex.figure.caption(lang)
    name = f"{ex.id}-{label}-{lang}.png"
    img = (f'<p><img src="@@PLUGINFILE@@/{html.escape(name)}" alt="{html.escape(_alt(caption))}"></p>'
           f"<p><em>{prose_html(caption)}</em></p>")
    return worked_solution(ex, solution, lang, img), (name, figure)


def _alt(caption: str) -> str:
    from ..render.prose import to_plain

    return to_plain(caption)


def _figure_png(ex, params, solution, lang: str) -> str | None:
    """The exercise's figure as base64 PNG, or None when it has none."""
    from solver.sheets.figures import draw_figure

    if ex.figure is None:
        return None
    with tempfile.TemporaryDirectory(prefix="tdsolver-") as tmp:
        path = os.path.join(tmp, "figure.png")
        draw_figure(ex.figure, params, solution, lang, path)
        with open(path, "rb") as fh:
            return base64.b64encode(fh.read()).decode("ascii")
