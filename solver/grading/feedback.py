"""What a student receives: ``feedback/<student>.md`` and ``feedback/<student>.html``.

Both start with the total and a table of every part (verdict and score); then the details of
the parts the mode selects (`MODES`): ``full`` every part, ``wrong`` (the default) only the parts
not fully right and those credited by follow-through (their value differs from the key), ``scores``
none. `without_answers` removes from a report every expected answer,
model answer and rubric (``--hide-answers``): what the feedback and the Gradescope results show
when they are sent before the deadline.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from solver.core.text import Text

from .escape import markdown
from .htmlpage import Html, code, esc, number, page, table, tag
from .verdict import FIELD_WORDS, Report, Verdict

MODES = ("full", "wrong", "scores")
DEFAULT_MODE = "wrong"

VERDICT_WORDS = {
    "correct": Text("juste", "correct"), "partial": Text("en partie juste", "partly right"),
    "incorrect": Text("faux", "incorrect"), "invalid": Text("illisible", "could not be read"),
    "missing": Text("sans réponse", "no answer"), "manual": Text("à corriger par l'enseignant", "graded by the teacher"),
    "unknown": Text("à relire par l'enseignant", "sent to the teacher"),
}
MARKED = Text("noté par l'enseignant", "marked by the teacher")
FOLLOWED = Text("par suite logique", "follow-through")
WORDS = {
    **FIELD_WORDS, "seed": Text("graine", "seed"), "score": Text("note", "score"),
    "verdict": Text("verdict", "verdict"), "read": Text("lu comme", "read as"),
    "details": Text("À revoir", "To look at again"),
    "all": Text("Détail des parties", "Every part"),
    "unknown": Text("Parties inconnues (non notées)", "Unknown parts (not graded)"),
    "error": Text("Fichier non noté", "File not graded"),
    "none": Text("Toutes les parties répondues sont justes.", "Every part answered is right."),
    "missing": Text("Sans réponse", "No answer"), "title": Text("Correction", "Feedback"),
    "sep": Text(" : ", ": "),
}


def _words(lang: str) -> dict:
    """The report's labels in one language."""
    return {key: text(lang) for key, text in WORDS.items()}


def without_answers(report: Report) -> Report:
    """The report with no expected answer, model answer or rubric in any verdict."""
    return replace(report, parts=tuple(_hidden(v) for v in report.parts))


def _hidden(v: Verdict) -> Verdict:
    if v.verdict == "manual":  # the model answer and rubric follow the teacher's note (manual.py)
        feedback = Text(v.feedback.fr.split("\n")[0], v.feedback.en.split("\n")[0]) if v.manual \
            else Text("À corriger par l'enseignant.", "Graded by the teacher.")
        return replace(v, expected="", feedback=feedback)
    fr, en = v.feedback.fr, v.feedback.en
    if v.expected:
        fr = " ".join(fr.replace(f"Attendu : {v.expected}.", "").split())
        en = " ".join(en.replace(f"Expected: {v.expected}.", "").split())
        if v.expected in fr or v.expected in en:  # said some other way: keep the verdict only
            word = VERDICT_WORDS[v.verdict]
            fr, en = word.fr.capitalize() + ".", word.en.capitalize() + "."
    return replace(v, expected="", feedback=Text(fr, en))


def selected(report: Report, mode: str) -> list[Verdict]:
    """The parts whose details the mode shows."""
    if mode == "scores":
        return []
    if mode == "full":
        return list(report.parts)
    return [v for v in report.parts if v.verdict not in ("correct", "manual", "missing") or v.follow_through
            or (v.verdict == "manual" and v.manual and v.score is not None and v.score < v.max_score)]


def unanswered(report: Report, mode: str) -> list[str]:
    """The parts left without an answer, listed on one line in `wrong` mode (no section each)."""
    return [v.id for v in report.parts if v.verdict == "missing"] if mode == "wrong" else []


def _score(v: Verdict, lang: str) -> str:
    return "—" if v.score is None else f"{number(v.score, lang)} / {number(v.max_score, lang)}"


def _verdict(v: Verdict, lang: str) -> str:
    word = VERDICT_WORDS[v.verdict](lang)
    if v.manual:
        return f"{word} ({MARKED(lang)})"
    return f"{word} ({FOLLOWED(lang)})" if v.follow_through else word


def _facts(v: Verdict, lang: str) -> list[tuple[str, str]]:
    """(label, value) lines shown under a part: the answer, how it was read, the mistake named."""
    w = _words(lang)
    facts = []
    if v.answer is not None:
        facts.append((w["answer"], _inline(v.answer)))
    if v.read_as is not None and v.read_as != v.answer:
        facts.append((w["read"], _inline(v.read_as)))
    if v.diagnosis:
        facts.append((w["diagnosis"], v.diagnosis))
    return facts


def _inline(text: str) -> str:
    text = " ".join(text.split())
    return (text[:300] + "…") if len(text) > 300 else text


def _md_code(text: str) -> str:
    """A value (a part id, a file, what the student wrote) as Markdown that renders as written."""
    return markdown(text)


def _md_text(text: str) -> str:
    """Student or grader text, line by line, as Markdown that renders as written (no markup, no raw HTML)."""
    return "  \n".join(markdown(line) for line in text.split("\n"))


def _header(report: Report, lang: str) -> list[tuple[str, str]]:
    w = _words(lang)
    rows = [(w["file"], report.file)] if report.file else []  # a roster student without a file has none
    if report.seed is not None:
        rows.append((w["seed"], str(report.seed)))
    if not report.error:
        rows.append((w["score"], f"{number(report.score, lang)} / {number(report.max_score, lang)}"))
    return rows


def flag_texts(report: Report, lang: str) -> list[str]:
    """What the roster noticed about this submission (`roster.FLAGS`), one sentence per flag."""
    from .roster import FLAGS

    sep = WORDS["sep"](lang)
    return [f"{code}{sep}{FLAGS[code](lang)}" for code in report.flags]


def feedback_markdown(report: Report, lang: str, mode: str = DEFAULT_MODE) -> str:
    """A student's feedback in Markdown."""
    w, sep = _words(lang), WORDS["sep"](lang)
    lines = [f"# {_md_text(report.student)}", ""]
    lines += [f"- {label}{sep}{_md_code(value) if label == w['file'] else '**' + value + '**'}"
              for label, value in _header(report, lang)]
    lines += [f"- {_md_text(line)}" for line in flag_texts(report, lang)]
    if report.error:
        return "\n".join(lines + ["", f"**{w['error']}** — {_md_text(report.error(lang))}", ""])
    lines += ["", f"| {w['part']} | {w['verdict']} | {w['points']} |", "|---|---|---:|"]
    lines += [f"| {_md_code(v.id)} | {_verdict(v, lang)} | {_score(v, lang)} |" for v in report.parts]
    details = selected(report, mode)
    if mode != "scores":
        lines += ["", f"## {w['all'] if mode == 'full' else w['details']}", ""]
        if not details:
            lines += [w["none"], ""]
        if unanswered(report, mode):
            lines += [f"{w['missing']}{sep}" + ", ".join(_md_code(i) for i in unanswered(report, mode)), ""]
    for v in details:
        lines += [f"### {_md_code(v.id)} — {_verdict(v, lang)} ({_score(v, lang)})", ""]
        facts = [f"- {label}{sep}{_md_code(value)}" for label, value in _facts(v, lang)]
        lines += (facts + [""] if facts else []) + [_md_text(v.feedback(lang)), ""]
    if report.unknown_parts:
        lines += ["", f"## {w['unknown']}", ""] + [f"- {_md_code(p)}" for p in report.unknown_parts]
    return "\n".join(lines).rstrip() + "\n"


def feedback_html(report: Report, lang: str, mode: str = DEFAULT_MODE) -> str:
    """The same feedback as one self-contained HTML page."""
    w = _words(lang)
    facts = " · ".join(f"{esc(label)}{esc(w['sep'])}<strong>{esc(value)}</strong>" for label, value in _header(report, lang))
    body: list[str] = [tag("h1", f"{w['title']} — {report.student}"), Html(f'<p class="note">{facts}</p>')]
    body += [Html(f'<p class="flag">{esc(line)}</p>') for line in flag_texts(report, lang)]
    if report.error:
        body.append(Html(f"<p><strong>{esc(w['error'])}</strong> — {esc(report.error(lang))}</p>"))
        return page(f"{w['title']} — {report.student}", body, lang)
    body.append(table([w["part"], w["verdict"], w["points"]],
                      [(code(v.id), Html(f'<span class="{_tone(v)}">{esc(_verdict(v, lang))}</span>'),
                        _score(v, lang)) for v in report.parts], numeric=(2,)))
    details = selected(report, mode)
    if mode != "scores":
        body.append(tag("h2", w["all"] if mode == "full" else w["details"]))
        if not details:
            body.append(tag("p", w["none"]))
        if unanswered(report, mode):
            body.append(Html(f"<p>{esc(w['missing'])}{esc(w['sep'])}"
                             + ", ".join(f"<code>{esc(i)}</code>" for i in unanswered(report, mode)) + "</p>"))
    for v in details:
        body.append(tag("h3", f"{v.id} — {_verdict(v, lang)} ({_score(v, lang)})"))
        facts = "".join(f"<li>{esc(label)}{esc(w['sep'])}<code>{esc(value)}</code></li>" for label, value in _facts(v, lang))
        if facts:
            body.append(Html(f"<ul>{facts}</ul>"))
        body.append(Html("<p>" + "<br>".join(esc(line) for line in v.feedback(lang).split("\n")) + "</p>"))
    if report.unknown_parts:
        body.append(tag("h2", w["unknown"]))
        body.append(Html("<ul>" + "".join(f"<li><code>{esc(p)}</code></li>" for p in report.unknown_parts) + "</ul>"))
    return page(f"{w['title']} — {report.student}", body, lang)


def _tone(v: Verdict) -> str:
    if v.verdict == "correct":
        return "ok"
    return "mid" if v.verdict in ("partial", "manual", "unknown") else "bad"


def public_reports(reports: Sequence[Report], hide_answers: bool) -> list[Report]:
    """The reports as students may see them."""
    return [without_answers(r) for r in reports] if hide_answers else list(reports)
