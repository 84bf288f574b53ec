"""The four formats come from one walk: the same step numbers, the same answers, in both languages."""

import json
import re

import pytest

from solver.render import render
from solver.sheets import registry

IDS = [e.id for e in registry.all_exercises()]


def _solved(exercise_id):
    ex = registry.get(exercise_id)
    return ex, ex.run(ex.make_params(None))


@pytest.mark.parametrize("exercise_id", IDS)
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_formats_agree_on_numbering_and_answers(exercise_id, lang):
    ex, sol = _solved(exercise_id)
    data = json.loads(render(ex, sol, "json", lang))
    kinds = [s.kind for s in sol.steps]
    n_steps = sum(k != "remark" for k in kinds)
    numbers = iter(range(1, n_steps + 1))
    assert [s["number"] for s in data["steps"]] == [None if k == "remark" else next(numbers) for k in kinds]

    text = render(ex, sol, "text", lang)
    markdown = render(ex, sol, "markdown", lang)
    latex = render(ex, sol, "latex", lang)
    numbers = list(range(1, n_steps + 1))
    assert [int(m) for m in re.findall(r"^(\d+)\. ", _derivation(text, lang), re.M)] == numbers
    assert [int(m) for m in re.findall(r"^(\d+)\. ", _derivation(markdown, lang), re.M)] == numbers
    derivation = latex[latex.index(r"\begin{enumerate}"):latex.index(r"\end{enumerate}")]
    assert len(re.findall(r"^\\item ", derivation, re.M)) == n_steps
    assert len(re.findall(r"^\\item\[\] ", derivation, re.M)) == kinds.count("remark")

    for part in ex.parts:
        label = f"{ex.id}/{part.id}"
        assert f"{label} = " in text and f"`{label}`" in markdown and label.replace("_", r"\_") in latex
        if part.kind == "choice":
            word = data["answers"][part.id]["shown"]
            assert word == {"yes": {"fr": "oui", "en": "yes"}, "no": {"fr": "non", "en": "no"}}.get(
                data["answers"][part.id]["value"], {lang: data["answers"][part.id]["value"]})[lang]
            assert f"{label} = {word}" in text and f"**{word}**" in markdown and rf"\textbf{{{word}}}" in latex


def _derivation(document: str, lang: str) -> str:
    """The part of a text or Markdown document between its Derivation and Answers headings."""
    start, end = {"fr": ("Résolution", "Réponses"), "en": ("Derivation", "Answers")}[lang]
    return document[document.index(start):document.rindex(end)]
