"""One answer -> one `Verdict`: the grading pipeline, and its last stage.

`check_answer` runs the stages in a straight line, each a function of the previous one's result:
`question.question_of` -> `normalise.read_answer` -> `normalise.normalise` ->
`compare.compare_answer` -> `diagnose.diagnose_answer` -> `verdict` (here). A missing answer, a
written answer (marked by the teacher) and an answer that cannot be read stop before the
comparison, with their own verdict.

This runs inside the worker process (`worker.py`), which bounds its time and memory; it may
also be called directly (tests, benchmarks).

>>> from solver.sheets import registry
>>> v = check_answer("td2.II.1", None, "o", "floor((i + 2p - k)/s) + 1")
>>> v.verdict, v.score
('correct', 1.0)
>>> check_answer("td2.II.1", None, "o", "ceil((i+2p-k)/s) + 1").diagnosis
'ceil-instead-of-floor'

A formula given where the variant asks for a number is checked as a formula: against the general
key (the exercise solved with its parameters as symbols) over the part's whole domain, and at the
variant's values. A rounded-up formula is wrong, even on a variant where it gives the right number:

>>> v = check_answer("td2.II.1", 3, "o", "ceil((i+2p-d(k-1)-1)/s)+1")
>>> v.verdict, v.diagnosis
('incorrect', 'ceil-instead-of-floor')
>>> check_answer("td2.II.1", 3, "o", "floor((i+2p-d(k-1)-1)/s)+1").verdict
'correct'
"""

from __future__ import annotations

from typing import Any

from solver.core.text import Text, join

from ..render.values import plain
from .compare import Compared, compare_answer
from .diagnose import Diagnosed, diagnose_answer
from .normalise import Read, normalise, read_answer
from .question import Question, question_of, solved
from .verdict import Verdict


def check_answer(exercise_id: str, seed: int | None, part_id: str, text: Any) -> Verdict:
    """Grade the answer `text` (a string, or None when missing) to one part."""
    question = question_of(exercise_id, seed, part_id)
    if text is None or not str(text).strip():
        return _missing(question, text)
    if question.part.kind == "text":
        return _manual(question, str(text))
    read = read_answer(question, str(text))
    if read.error is not None:  # not read (a reading is None exactly when an error says why)
        return _invalid(read, read.error)
    return verdict(diagnose_answer(compare_answer(normalise(read))))


def verdict(diagnosed: Diagnosed) -> Verdict:
    """Stage 5: the verdict, score and feedback of a diagnosed answer."""
    compared = diagnosed.compared
    question, decisive = compared.normal.question, compared.decisive.outcome
    base = dict(_base(question, compared.normal.read.text), read_as=compared.normal.read.reading.text)
    found = diagnosed.found
    if diagnosed.too_few_digits and found is not None:  # (too few digits is said of a mistake found)
        return Verdict(verdict="incorrect", score=0.0, diagnosis="too-few-digits", feedback=Text(
            f"Pas assez de chiffres : arrondie ainsi, la réponse correspond aussi à une erreur classique "
            f"({found.code}). Attendu : {base['expected']}.",
            f"Too few digits: rounded like this, the answer also matches a typical mistake ({found.code}). "
            f"Expected: {base['expected']}."), **base)
    name, score = _SCORED[decisive.status], 0.0
    if decisive.status == "equal":
        score = float(question.part.points)
    elif decisive.status == "partial":
        score = round(decisive.score * question.part.points, 6)
    wrong = decisive.status in ("different", "partial")
    formula = compared.formula
    feedback = _formula_feedback(diagnosed, formula, base) if formula else _feedback(diagnosed, base)
    return Verdict(verdict=name, score=score, feedback=feedback, **base,
                   diagnosis=(found.code if found else decisive.diagnosis) if wrong else None)


_SCORED = {"equal": "correct", "partial": "partial", "different": "incorrect", "undecided": "unknown"}


def _feedback(diagnosed: Diagnosed, base: dict) -> Text:
    """What the student reads, the answer compared with the variant's key."""
    compared, normal = diagnosed.compared, diagnosed.compared.normal
    status = compared.outcome.status
    notes = ([diagnosed.found.feedback] if diagnosed.found else []) + list(compared.outcome.notes)
    if normal.substituted and status == "equal":
        notes.append(Text("formule évaluée avec les valeurs de la variante (non vérifiée en général)",
                          "formula evaluated at the variant's values (not checked in general)"))
    if normal.reading.unknown:
        ctx = normal.question.context
        names = ", ".join(n + (f" ({ctx.hint(n)} ?)" if ctx.hint(n) else "") for n in normal.reading.unknown)
        notes.append(Text(f"noms inconnus dans la clé : {names}", f"names the key does not use: {names}"))
    head = _HEADS[status]
    if status in ("partial", "different"):
        head = head + Text(f" Attendu : {base['expected']}.", f" Expected: {base['expected']}.")
    return _sentence(head, notes)


_HEADS = {"equal": Text("Juste.", "Correct."),
          "undecided": Text("Équivalence non décidée dans les limites du correcteur : à relire par l'enseignant.",
                            "Equivalence could not be decided within the grader's limits: sent to the teacher."),
          "partial": Text("Réponse en partie juste.", "Partly right."), "different": Text("Incorrect.", "Incorrect.")}


def _formula_feedback(diagnosed: Diagnosed, formula: Compared, base: dict) -> Text:
    """What the student reads when a formula was given where the variant asks for a value (`formula`:
    the formula compared with the general key)."""
    compared: Compared = diagnosed.compared
    general = formula.outcome
    shown = plain(formula.normal.question.key)
    if general.status == "equal":
        return Text(f"Juste. Formule donnée au lieu d'une valeur : elle est juste en général ({shown}) et aux "
                    f"valeurs de la variante.", f"Correct. A formula was given instead of a value: it is right in "
                    f"general ({shown}) and at the variant's values.")
    if general.status == "undecided":
        return Text(f"Formule donnée au lieu d'une valeur ; son équivalence avec la formule générale ({shown}) n'a "
                    f"pas pu être décidée : à relire par l'enseignant.", f"A formula was given instead of a value; "
                    f"whether it equals the general formula ({shown}) could not be decided: sent to the teacher.")
    head = (Text("Réponse en partie juste. ", "Partly right. ") if general.status == "partial"
            else Text("Incorrect. ", "Incorrect. ")) + Text(
        f"Attendu : {base['expected']}. La formule donnée est fausse en général (formule juste : {shown})",
        f"Expected: {base['expected']}. The formula given is wrong in general (right formula: {shown})")
    head = head + (Text(", même si elle donne la bonne valeur ici.", ", even if it gives the right value here.")
                   if compared.outcome.status == "equal" else Text(".", "."))
    return _sentence(head, [diagnosed.found.feedback] if diagnosed.found else [])


def _base(question: Question, text: Any) -> dict:
    return dict(id=question.address, max_score=question.part.points, expected=plain(question.key),
                answer=None if text is None else str(text))


def _missing(question: Question, text: Any) -> Verdict:
    """No answer: 0 points, or no score for a written answer (still out of the total)."""
    if question.part.kind == "text":
        return Verdict(verdict="missing", score=None, feedback=Text("Pas de réponse.", "No answer."),
                       **dict(_base(question, text), expected=""))
    return Verdict(verdict="missing", score=0.0, feedback=Text("Pas de réponse.", "No answer."), **_base(question, text))


def _manual(question: Question, text: str) -> Verdict:
    """A written answer: the teacher marks it, with the model answer and what to look for."""
    key = question.key
    feedback = Text("À corriger par l'enseignant. Réponse modèle : ", "Graded by the teacher. Model answer: ") + key.answer
    if key.rubric:
        feedback = feedback + Text("\nPoints attendus :\n", "\nWhat to look for:\n") + join(
            [Text("- ", "- ") + r for r in key.rubric], "\n")
    return Verdict(verdict="manual", score=None, feedback=feedback, **dict(_base(question, text), expected=""))


def _invalid(read: Read, error: Text) -> Verdict:
    return Verdict(verdict="invalid", score=0.0, feedback=error, **_base(read.question, read.text))


def unknown_verdict(exercise_id: str, seed: int | None, part_id: str, text: Any, reason: Text) -> Verdict:
    """The verdict of an answer whose check was stopped (time or memory limit)."""
    exercise, _, solution = solved(exercise_id, seed)
    part = exercise.part(part_id)
    return Verdict(id=f"{exercise_id}/{part_id}", verdict="unknown", score=0.0, max_score=part.points,
                   expected=plain(solution.answers[part_id]), answer=None if text is None else str(text),
                   feedback=Text("Réponse non vérifiée : ", "Answer not checked: ") + reason
                   + Text(" ; à relire par l'enseignant.", "; sent to the teacher."))


def _sentence(head: Text, notes: list[Text]) -> Text:
    return join([head] + notes, " ") if notes else head
