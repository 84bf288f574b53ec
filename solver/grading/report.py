"""The class report: ``DIR/report.html`` and its plots in ``DIR/plots/``.

One self-contained page (inline CSS, the plots as base64 SVG images, no script, no link) in the
chosen language: the class size and score distribution, the success rate per part, item
statistics (`stats.py` says how discrimination is computed), the named mistakes with their
students, the wrong answers no mistake explains, the marks given by hand, and what needs a
manual look. Every student-controlled string is escaped. The plots come from matplotlib without
pyplot, with a fixed SVG hash salt and no date, so the same input gives the same bytes.
"""

from __future__ import annotations

import base64
import io
from collections import Counter
from pathlib import Path
from typing import Sequence

from solver.core.text import Text

from . import stats
from .htmlpage import Html, code, esc, number, page, percent, table, tag
from .manual import Override
from .verdict import FIELD_WORDS, Report

T = {
    **FIELD_WORDS,
    "title": Text("Bilan de la classe", "Class report"),
    "files": Text("copies", "files"), "graded": Text("notées", "graded"),
    "unread": Text("illisibles", "unreadable"), "mean": Text("moyenne", "mean"),
    "median": Text("médiane", "median"), "sd": Text("écart-type", "std. dev."),
    "range": Text("min – max", "min – max"), "out_of": Text("sur", "out of"),
    "dist": Text("Distribution des notes", "Score distribution"),
    "score_axis": Text("note (sur {m})", "score (out of {m})"),
    "count_axis": Text("nombre d'étudiants", "number of students"),
    "success": Text("Réussite par partie", "Success rate per part"),
    "success_col": Text("réussite", "success"),
    "success_axis": Text("étudiants avec tous les points (%)", "students with full marks (%)"),
    "success_note": Text("Part des étudiants notés qui ont tous les points de la partie, dans l'ordre de la feuille.",
                         "Share of the graded students who have every point of the part, in sheet order."),
    "items": Text("Statistiques par partie", "Item statistics"),
    "items_note": Text(
        "Par suite logique : étudiants crédités parce que leur réponse, différente de la clé, découle correctement "
        "de leur propre réponse fausse à une partie précédente (l'erreur est en amont). "
        "Discrimination : moyenne sur la partie du groupe des 27 % meilleures notes totales, moins celle des "
        "27 % moins bonnes, divisée par les points de la partie (de −1 à 1). Signalée quand elle est négative "
        "ou inférieure à {low} : la partie ne sépare pas les étudiants qui réussissent des autres.",
        "Follow-through: students credited because their answer, though not the key, follows correctly from "
        "their own wrong answer to an earlier part (the mistake lies upstream). "
        "Discrimination: mean score on the part of the top 27 % by total score, minus that of the bottom "
        "27 %, divided by the part's points (from −1 to 1). Flagged when negative or below {low}: the part "
        "does not separate the students who do well from the others."),
    "n": Text("notés", "scored"),
    "followed": Text("par suite logique", "follow-through"),
    "disc": Text("discrimination", "discrimination"), "flag": Text("signal", "flag"),
    "negative": Text("négative", "negative"), "low": Text("faible", "low"),
    "mistakes": Text("Erreurs identifiées", "Named mistakes"),
    "mistakes_note": Text("Diagnostics du correcteur, du plus fréquent au plus rare.",
                          "The grader's diagnoses, most frequent first."),
    "count": Text("étudiants", "students"),
    "parts": Text("parties", "parts"), "who": Text("qui", "who"),
    "unexplained": Text("Réponses fausses non expliquées", "Wrong answers no mistake explains"),
    "unexplained_note": Text(
        "Réponses fausses identiques (telles que lues par le correcteur) données par au moins deux étudiants "
        "et qu'aucun diagnostic n'explique : de quoi écrire la prochaine règle d'erreur.",
        "Identical wrong answers (as the grader read them) given by at least two students that no diagnosis "
        "explains: material for the next mal-rule."),
    "overrides": Text("Notes données à la main", "Marks given by hand"),
    "student": Text("étudiant", "student"), "before": Text("note du correcteur", "grader's score"),
    "after": Text("note manuelle", "manual mark"), "comment": Text("commentaire", "comment"),
    "review": Text("À regarder à la main", "Needs a manual look"),
    "why": Text("raison", "reason"),
    "none": Text("Aucune.", "None."),
    "r_error": Text("fichier non noté : {e}", "file not graded: {e}"),
    "r_unknown": Text("équivalence non décidée", "equivalence not decided"),
    "r_invalid": Text("réponse illisible", "answer could not be read"),
    "r_manual": Text("{n} réponses rédigées à noter (--manual-template)",
                     "{n} written answers to mark (--manual-template)"),
    "r_class": Text("toute la classe", "whole class"),
    "r_parts": Text("parties inconnues : {p}", "unknown parts: {p}"),
    "r_flag": Text("signal : {f}", "flag: {f}"),
}
SVG_SALT = "tdsolver"


def _t(key: str, lang: str, **values) -> str:
    text = T[key]
    return (text.format(**values) if values else text)(lang)


def class_max(reports: Sequence[Report]) -> float:
    """The most common maximum score of the graded files (ties: the larger)."""
    counts = Counter(r.max_score for r in stats.graded(reports))
    return max(counts, key=lambda m: (counts[m], m)) if counts else 0.0


def histogram_svg(reports: Sequence[Report], lang: str) -> str:
    """The distribution of the totals."""
    totals = [r.score for r in stats.graded(reports)]
    top = max([class_max(reports), *totals, 1.0])
    bins = [top * k / min(20, max(1, int(top))) for k in range(min(20, max(1, int(top))) + 1)]
    fig, ax = _figure(6.4, 3.2)
    ax.hist(totals, bins=bins, color="#4c78a8", edgecolor="white")
    ax.set_xlabel(_t("score_axis", lang, m=number(class_max(reports), lang)))
    ax.set_ylabel(_t("count_axis", lang))
    ax.set_xlim(0, top)
    _number_axes(ax, lang, y=True)
    ax.yaxis.get_major_locator().set_params(integer=True)
    return _svg(fig)


def success_svg(items: Sequence[stats.Item], lang: str) -> str:
    """One horizontal bar per part (sheet order, top to bottom): the share with full marks."""
    fig, ax = _figure(6.4, 0.8 + 0.28 * max(1, len(items)))
    shares = [100 * it.success for it in items]
    colors = ["#c0392b" if s < 40 else "#e6a23c" if s < 70 else "#3a9d5d" for s in shares]
    ax.barh(range(len(items)), shares, color=colors, height=0.7)
    ax.set_yticks(range(len(items)), [it.id for it in items], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(_t("success_axis", lang))
    _number_axes(ax, lang, y=False)
    return _svg(fig)


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    ax = fig.add_subplot()
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="both", color="#e4e7eb", linewidth=0.6)
    ax.set_axisbelow(True)
    return fig, ax


def _number_axes(ax, lang: str, y: bool) -> None:
    """Tick labels written in the language (decimal comma in French)."""
    from matplotlib.ticker import FuncFormatter

    axes = (ax.xaxis, ax.yaxis) if y else (ax.xaxis,)
    for axis in axes:
        axis.set_major_formatter(FuncFormatter(lambda x, _: number(x, lang)))


def _svg(fig) -> str:
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": SVG_SALT, "svg.fonttype": "path"}):
        fig.tight_layout()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": "tdsolver"})
    return buffer.getvalue()


def _figure_html(svg: str, alt: str) -> Html:
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return Html(f'<figure><img src="data:image/svg+xml;base64,{data}" alt="{esc(alt)}"></figure>')


def _cards(reports: Sequence[Report], lang: str) -> Html:
    graded = stats.graded(reports)
    totals = [r.score for r in graded]
    mean, sd = stats.mean_sd(totals)
    low, high = (min(totals), max(totals)) if totals else (0.0, 0.0)
    cards = [("files", str(len(reports))), ("graded", str(len(graded))),
             ("unread", str(len(reports) - len(graded))), ("out_of", number(class_max(reports), lang)),
             ("mean", number(mean, lang)), ("median", number(stats.median(totals), lang)),
             ("sd", number(sd, lang)), ("range", f"{number(low, lang)} – {number(high, lang)}")]
    return Html('<div class="cards">' + "".join(
        f'<div class="card"><div class="v">{esc(value)}</div><div class="k">{esc(_t(key, lang))}</div></div>'
        for key, value in cards) + "</div>")


def _items_table(items: Sequence[stats.Item], lang: str) -> Html:
    def flag(it):
        return Html(f'<span class="flag">{esc(_t(it.flag, lang))}</span>') if it.flag else ""
    rows = [(code(it.id), it.n, number(it.max_score, lang), number(it.mean, lang),
             number(it.sd, lang), percent(it.success, lang), it.followed,
             "—" if it.discrimination is None else number(it.discrimination, lang), flag(it)) for it in items]
    head = [_t(k, lang) for k in ("part", "n", "points", "mean", "sd", "success_col", "followed", "disc", "flag")]
    return table(head, rows, numeric=(1, 2, 3, 4, 5, 6, 7))


def _who(students: Sequence[str]) -> Html:
    return Html(f'<span class="students">{esc(", ".join(students))}</span>')


def _mistakes_table(groups: Sequence[stats.Group], lang: str) -> Html:
    rows = [(code(g.key), g.count, Html(", ".join(code(p) for p in g.parts)),
             _who(g.students)) for g in groups]
    return table([_t(k, lang) for k in ("diagnosis", "count", "parts", "who")], rows, numeric=(1,))


def _unexplained_table(groups: Sequence[stats.Group], lang: str) -> Html:
    rows = [(code(g.parts[0]), code(g.key), g.count, _who(g.students))
            for g in groups]
    return table([_t(k, lang) for k in ("part", "answer", "count", "who")], rows, numeric=(2,))


def _overrides_table(overrides: Sequence[Override], lang: str) -> Html:
    rows = [(o.student, code(o.part), "—" if o.before is None else number(o.before, lang),
             number(o.after, lang), number(o.max_score, lang), o.comment) for o in overrides]
    return table([_t(k, lang) for k in ("student", "part", "before", "after", "points", "comment")], rows,
                 numeric=(2, 3, 4))


def review_rows(reports: Sequence[Report], lang: str) -> list[tuple[str, str, str, str]]:
    """(student, file, part, reason) of everything the teacher should look at by hand; the text
    parts to mark come first, one row per part for the whole class."""
    to_mark: Counter = Counter()
    rows = []
    for r in sorted(reports, key=lambda r: (r.file, r.student)):
        if r.error:
            rows.append((r.student, r.file, "", _t("r_error", lang, e=r.error(lang))))
        for flag in getattr(r, "flags", ()):
            rows.append((r.student, r.file, "", _t("r_flag", lang, f=flag)))
        if r.unknown_parts:
            rows.append((r.student, r.file, "", _t("r_parts", lang, p=", ".join(r.unknown_parts))))
        for v in r.parts:
            if v.verdict == "manual" and not v.manual:
                to_mark[v.id] += 1
            elif v.verdict in ("unknown", "invalid"):
                rows.append((r.student, r.file, v.id, _t("r_" + v.verdict, lang)))
    order = stats.part_order(reports)
    marks = [(_t("r_class", lang), "", pid, _t("r_manual", lang, n=to_mark[pid]))
             for pid in sorted(to_mark, key=order.index)]
    return marks + rows


def _section(title: str, note: str | None, content: Html | None, lang: str) -> list[Html]:
    out = [tag("h2", title)]
    if note:
        out.append(tag("p", note, "note"))
    out.append(content if content is not None else tag("p", _t("none", lang)))
    return out


def build(reports: Sequence[Report], lang: str, overrides: Sequence[Override] = ()) -> tuple[str, dict[str, str]]:
    """The page and its plots (file name -> SVG)."""
    items = stats.items(reports)
    plots = {"scores.svg": histogram_svg(reports, lang)}
    if items:
        plots["success.svg"] = success_svg(items, lang)
    mistakes, unexplained = stats.mistakes(reports), stats.unexplained(reports)
    review = review_rows(reports, lang)
    body: list[Html] = [tag("h1", _t("title", lang)), _cards(reports, lang)]
    body += _section(_t("dist", lang), None, _figure_html(plots["scores.svg"], _t("dist", lang)), lang)
    body += _section(_t("success", lang), _t("success_note", lang),
                     _figure_html(plots["success.svg"], _t("success", lang)) if items else None, lang)
    body += _section(_t("items", lang), _t("items_note", lang, low=number(stats.LOW_DISCRIMINATION, lang)),
                     _items_table(items, lang) if items else None, lang)
    body += _section(_t("mistakes", lang), _t("mistakes_note", lang),
                     _mistakes_table(mistakes, lang) if mistakes else None, lang)
    body += _section(_t("unexplained", lang), _t("unexplained_note", lang),
                     _unexplained_table(unexplained, lang) if unexplained else None, lang)
    if overrides:
        body += _section(_t("overrides", lang), None, _overrides_table(overrides, lang), lang)
    head = [_t(k, lang) for k in ("student", "file", "part", "why")]
    body += _section(_t("review", lang), None,
                     table(head, [(s, code(f), code(p), why)
                                  for s, f, p, why in review]) if review else None, lang)
    return page(_t("title", lang), body, lang), plots


def write_report(out_dir: Path, reports: Sequence[Report], lang: str, overrides: Sequence[Override] = ()) -> None:
    """``out_dir/report.html`` and ``out_dir/plots/*.svg``."""
    from .output import write_atomic

    html, plots = build(reports, lang, overrides)
    write_atomic(out_dir / "report.html", html)
    for name, svg in plots.items():
        write_atomic(out_dir / "plots" / name, svg)
