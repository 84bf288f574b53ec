"""One answer -> one `Verdict`: read it, compare it with the key, name the mistake.

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

import re
from functools import lru_cache
from typing import Any

import sympy as sp

from solver.core.exercise import ModelAnswer
from solver.core.text import Text, join

from ..render.values import plain
from .build import Context, read
from .compare import Outcome, compare, read_choice
from .diagnose import diagnose
from .lexer import ParseError
from .verdict import Verdict


@lru_cache(maxsize=512)
def solved(exercise_id: str, seed: int | None):
    """The exercise, its parameters for this seed and its solution (cached per process)."""
    from solver.sheets import registry

    exercise = registry.get(exercise_id)
    params = exercise.make_params(seed if exercise.parametrised else None)
    return exercise, params, exercise.run(params)


@lru_cache(maxsize=2048)
def _context(exercise_id: str, seed: int | None, part_id: str) -> Context:
    exercise, _, solution = solved(exercise_id, seed)
    key = solution.answers[part_id]
    values = list(key) if isinstance(key, (sp.MatrixBase, sp.Tuple)) else [key]
    return Context.of(values, exercise.part(part_id).domain)


def check_answer(exercise_id: str, seed: int | None, part_id: str, text: Any) -> Verdict:
    """Grade the answer `text` (a string, or None when missing) to one part."""
    exercise, params, solution = solved(exercise_id, seed)
    part = exercise.part(part_id)
    key = solution.answers[part_id]
    base = dict(id=f"{exercise_id}/{part_id}", max_score=part.points, expected=plain(key),
                answer=None if text is None else str(text))
    unanswered = text is None or not str(text).strip()
    if part.kind == "text":  # a blank written answer has nothing to mark: missing, still out of the total
        return Verdict(verdict="missing", score=None, feedback=Text("Pas de réponse.", "No answer."),
                       **dict(base, expected="")) if unanswered else _manual(base, key)
    if unanswered:
        return Verdict(verdict="missing", score=0.0, feedback=Text("Pas de réponse.", "No answer."), **base)
    text = str(text)
    if part.kind == "choice":
        return _choice(base, exercise, params, part, key, text)
    try:
        reading = read(letter_times(text) if part.kind == "int" else text, _context(exercise_id, seed, part_id),
                       part.kind)
    except ParseError as exc:
        return Verdict(verdict="invalid", score=0.0, feedback=Text(
            "Réponse illisible, " + exc.message("fr"), "Answer could not be read, " + exc.message("en")), **base)
    base["read_as"] = reading.text
    reading = with_definitions(reading, part, params)
    reading, substituted = with_variant_values(reading, params, key)
    outcome = compare(part, key, reading)
    if substituted:
        formula = _formula_verdict(exercise_id, seed, part, text, substituted, outcome, base)
        if formula is not None:
            return formula
    if outcome.status != "equal" and part.kind == "int" and square_side(text) == key:
        outcome = Outcome("equal", 1.0, (Text(f"lu comme le côté {key} d'un carré {key} × {key}",
                                              f"read as the side {key} of a {key} × {key} square"),))
    notes = list(outcome.notes)
    if substituted and outcome.status == "equal":
        notes.append(Text("formule évaluée avec les valeurs de la variante (non vérifiée en général)",
                          "formula evaluated at the variant's values (not checked in general)"))
    if reading.unknown:
        ctx = _context(exercise_id, seed, part_id)
        names = ", ".join(n + (f" ({ctx.hint(n)} ?)" if ctx.hint(n) else "") for n in reading.unknown)
        notes.append(Text(f"noms inconnus dans la clé : {names}", f"names the key does not use: {names}"))
    if outcome.status == "equal" and _rounding_only(part, key, reading):
        found = diagnose(exercise, params, part, key, reading)
        if found is not None:  # the digits written cannot tell the key from a known mistake
            return Verdict(verdict="incorrect", score=0.0, diagnosis="too-few-digits", feedback=Text(
                f"Pas assez de chiffres : arrondie ainsi, la réponse correspond aussi à une erreur classique "
                f"({found.code}). Attendu : {base['expected']}.",
                f"Too few digits: rounded like this, the answer also matches a typical mistake ({found.code}). "
                f"Expected: {base['expected']}."), **base)
    if outcome.status == "equal":
        return Verdict(verdict="correct", score=float(part.points), feedback=_sentence(Text("Juste.", "Correct."), notes), **base)
    if outcome.status == "undecided":
        return Verdict(verdict="unknown", score=0.0, feedback=_sentence(Text(
            "Équivalence non décidée dans les limites du correcteur : à relire par l'enseignant.",
            "Equivalence could not be decided within the grader's limits: sent to the teacher."), notes), **base)
    found = diagnose(exercise, params, part, key, reading)
    code = found.code if found else outcome.diagnosis
    head = Text(f"Attendu : {base['expected']}.", f"Expected: {base['expected']}.")
    if found:
        notes.insert(0, found.feedback)
    if outcome.status == "partial":
        return Verdict(verdict="partial", score=round(outcome.score * part.points, 6), diagnosis=code,
                       feedback=_sentence(Text("Réponse en partie juste.", "Partly right.") + Text(" ", " ") + head,
                                          notes), **base)
    return Verdict(verdict="incorrect", score=0.0, diagnosis=code,
                   feedback=_sentence(Text("Incorrect.", "Incorrect.") + Text(" ", " ") + head, notes), **base)


@lru_cache(maxsize=512)
def general_solved(exercise_id: str, seed: int | None, names: frozenset):
    """The general key: the exercise solved with the parameters `names` (those that may be) and
    those the sheet itself keeps symbolic as symbols, the others at the variant's values;
    (params, solution), or None when none of `names` may be symbolic or the exercise cannot be
    solved so."""
    from solver.core.errors import ParamError
    from solver.core.params import SYMBOLIC
    from solver.sheets import registry

    exercise = registry.get(exercise_id)
    if not any(p.name in names and p.symbolic_ok for p in exercise.params):
        return None
    symbolic = {p.name: p.name for p in exercise.params
                if p.symbolic_ok and (p.name in names or p.default is SYMBOLIC)}
    try:
        params = exercise.make_params(seed if exercise.parametrised else None, symbolic)
        return params, exercise.run(params)
    except (ParamError, TypeError, ValueError, ArithmeticError, AttributeError):
        return None  # the exercise only knows these values as numbers


def _formula_verdict(exercise_id, seed, part, text, names, outcome, base) -> Verdict | None:
    """A formula answered where the variant asks for a value: right only when it is right in
    general (against the general key, over the part's whole domain) and at the variant's values.
    None when no general key exists (the caller then grades the values substituted)."""
    from dataclasses import replace

    found = general_solved(exercise_id, seed, names)
    if found is None:
        return None
    params, solution = found
    key = solution.answers[part.id]
    shown = plain(key)
    general_part = replace(part, kind="expr") if part.kind in ("int", "number") else part
    values = list(key) if isinstance(key, (sp.MatrixBase, sp.Tuple)) else [key]
    try:
        reading = read(letter_times(text) if part.kind == "int" else text, Context.of(values, part.domain),
                       general_part.kind)
    except ParseError:
        return None
    reading = with_definitions(reading, part, params)
    reading, _ = with_variant_values(reading, params, key)
    general = compare(general_part, key, reading)
    if general.status == "equal" and outcome.status == "equal":
        return Verdict(verdict="correct", score=float(part.points), feedback=Text(
            f"Juste. Formule donnée au lieu d'une valeur : elle est juste en général ({shown}) et aux valeurs de "
            f"la variante.", f"Correct. A formula was given instead of a value: it is right in general ({shown}) "
            f"and at the variant's values."), **base)
    if general.status == "equal":
        return None  # right in general but not here: the variant's own comparison says why
    if general.status == "undecided":
        return Verdict(verdict="unknown", score=0.0, feedback=Text(
            f"Formule donnée au lieu d'une valeur ; son équivalence avec la formule générale ({shown}) n'a pas "
            f"pu être décidée : à relire par l'enseignant.", f"A formula was given instead of a value; whether it "
            f"equals the general formula ({shown}) could not be decided: sent to the teacher."), **base)
    mistake = diagnose(solved(exercise_id, seed)[0], params, general_part, key, reading)
    partial = general.status == "partial"  # a matrix of formulas, some entries right
    head = (Text("Réponse en partie juste. ", "Partly right. ") if partial else Text("Incorrect. ", "Incorrect. ")) \
        + Text(f"Attendu : {base['expected']}. La formule donnée est fausse en général (formule juste : {shown})",
               f"Expected: {base['expected']}. The formula given is wrong in general (right formula: {shown})")
    head = head + (Text(", même si elle donne la bonne valeur ici.", ", even if it gives the right value here.")
                   if outcome.status == "equal" else Text(".", "."))
    notes = [mistake.feedback] if mistake else []
    return Verdict(verdict="partial" if partial else "incorrect",
                   score=round(general.score * part.points, 6) if partial else 0.0,
                   diagnosis=mistake.code if mistake else general.diagnosis, feedback=_sentence(head, notes), **base)


def with_variant_values(reading, params, key):
    """A general formula written for a numeric variant: put in the values of the parameters it names.

    Only names of parameters that have a numeric value, and that the key itself does not use as
    symbols, are substituted. Returns (reading, the names substituted: empty when none).
    """
    from dataclasses import replace
    from fractions import Fraction

    value = reading.value
    if not isinstance(value, (sp.Basic, sp.MatrixBase)):
        return reading, frozenset()
    key_names = {getattr(s, "name", None) for s in getattr(key, "free_symbols", ())}
    numeric = {n for n, v in params.items() if isinstance(v, (int, Fraction)) and not isinstance(v, bool)}
    bindings = {sym: params.sym(sym.name) for sym in value.free_symbols
                if getattr(sym, "name", None) in numeric - key_names}
    if not bindings:
        return reading, frozenset()
    value = value.xreplace(bindings)
    value = value.applyfunc(lambda e: e.doit()) if isinstance(value, sp.MatrixBase) else value.doit()
    names = frozenset(s.name for s in bindings)
    return replace(reading, value=value, unknown=tuple(n for n in reading.unknown if n not in names)), names


_SQUARE = re.compile(r"(\d{1,6})\s*(?:[xX\u00d7]|\\times)\s*(\d{1,6})")  # on stripped text: linear


_LETTER_TIMES = re.compile(r"(?<=[\d)])\s*[xX]\s*(?=[\d(])")


def letter_times(text: str) -> str:
    """A whole number has no letters: ``5x5x3`` is a product written with the letter x.

    >>> letter_times("5x5x3x32 + 32"), letter_times("(5x5x3 + 1)x32")
    ('5*5*3*32 + 32', '(5*5*3 + 1)*32')
    """
    return _LETTER_TIMES.sub("*", text)


def square_side(text: str) -> int | None:
    """``9 × 9``, ``9x9``, ``$9 \\times 9$``: the side of a square written as its size, else None.
    A whole-number part whose key is that side takes it as right (the side of an n × n image or
    receptive field); any other key reads the product as usual.

    >>> square_side("9 x 9"), square_side(r"n = 9 \\times 9"), square_side("9 x 8"), square_side("9*9")
    (9, 9, None, None)
    """
    text = text.strip()
    text = text.removeprefix("$").removesuffix("$")
    if "=" in text:
        label, _, text = text.partition("=")
        if "$" in label or "=" in text:
            return None
    match = _SQUARE.fullmatch(text.strip())
    return int(match.group(1)) if match and match.group(1) == match.group(2) else None


def with_definitions(reading, part, params):
    """Put into the answer the names the statement defines (`Part.given`), e.g. s_k = g(a_k)."""
    from dataclasses import replace

    if part.given is None or not isinstance(reading.value, (sp.Basic, sp.MatrixBase)):
        return reading
    given = part.given(params)
    bindings = {sym: given[sym.name] for sym in reading.value.free_symbols if getattr(sym, "name", None) in given}
    if not bindings:
        return reading
    return replace(reading, value=reading.value.xreplace(bindings),
                   unknown=tuple(n for n in reading.unknown if n not in given))


def _rounding_only(part, key, reading) -> bool:
    """A number accepted only because it is the key rounded to the digits the student wrote."""
    from .compare import _float

    if part.kind != "number" or reading.resolution is None:
        return False
    k, v = _float(key), _float(reading.value)
    return k is not None and v is not None and abs(v - k) > part.atol + part.rtol * abs(k)


def unknown_verdict(exercise_id: str, seed: int | None, part_id: str, text: Any, reason: Text) -> Verdict:
    """The verdict of an answer whose check was stopped (time or memory limit)."""
    exercise, _, solution = solved(exercise_id, seed)
    part = exercise.part(part_id)
    return Verdict(id=f"{exercise_id}/{part_id}", verdict="unknown", score=0.0, max_score=part.points,
                   expected=plain(solution.answers[part_id]), answer=None if text is None else str(text),
                   feedback=Text("Réponse non vérifiée : ", "Answer not checked: ") + reason
                   + Text(" ; à relire par l'enseignant.", "; sent to the teacher."))


def _sentence(head: Text, notes: list[Text]) -> Text:
    return join([head] + [n for n in notes], " ") if notes else head


def _manual(base: dict, key: ModelAnswer) -> Verdict:
    rubric = join([Text("- ", "- ") + r for r in key.rubric], "\n")
    feedback = Text("À corriger par l'enseignant. Réponse modèle : ", "Graded by the teacher. Model answer: ") + key.answer
    if key.rubric:
        feedback = feedback + Text("\nPoints attendus :\n", "\nWhat to look for:\n") + rubric
    base = dict(base, expected="")
    return Verdict(verdict="manual", score=None, feedback=feedback, **base)


def _choice(base, exercise, params, part, key: str, text: str) -> Verdict:
    choices = tuple(part.choices) or (key,)
    picked = read_choice(text, choices)
    if picked is None:
        allowed = ", ".join(choices)
        return Verdict(verdict="invalid", score=0.0, feedback=Text(
            f"Choix non reconnu ; réponses possibles : {allowed}.", f"Unrecognised choice; possible answers: {allowed}."), **base)
    base["read_as"] = picked
    if picked == key:
        return Verdict(verdict="correct", score=float(part.points), feedback=Text("Juste.", "Correct."), **base)
    found = diagnose(exercise, params, part, key, text)
    feedback = Text(f"Incorrect. Attendu : {key}.", f"Incorrect. Expected: {key}.")
    if found:
        feedback = feedback + Text(" ", " ") + found.feedback
    return Verdict(verdict="incorrect", score=0.0, diagnosis=found.code if found else None, feedback=feedback, **base)
