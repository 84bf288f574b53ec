"""Errors the engine raises; only cli.py turns them into messages and exit codes."""

from __future__ import annotations

from solver.core.text import Text


class TdError(Exception):
    """Base of the engine's errors; carries a bilingual one-line message."""

    exit_code = 1

    def __init__(self, message: Text):
        super().__init__(message.en)
        self.message = message


class UsageError(TdError):
    """The request cannot be understood (unknown id, bad parameter): exit code 2."""

    exit_code = 2


class UnknownExercise(UsageError):
    def __init__(self, name: str, close: list[str]):
        hint_fr = f" ; vouliez-vous dire : {', '.join(close)} ?" if close else ""
        hint_en = f"; did you mean: {', '.join(close)}?" if close else ""
        super().__init__(Text(f"exercice inconnu « {name} »{hint_fr}",
                              f"unknown exercise '{name}'{hint_en}"))
        self.name = name
        self.close = close


class ParamError(UsageError):
    """A parameter value that is not allowed (not a number, stride 0, kernel too large…)."""


class WorkError(TdError):
    """The work asked could not be done (unreadable input, failed check): exit code 1."""
