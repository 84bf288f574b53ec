"""Bilingual text: every sentence a person reads exists in French and in English."""

from __future__ import annotations

from dataclasses import dataclass

LANGS = ("fr", "en")
DEFAULT_LANG = "fr"


@dataclass(frozen=True)
class Text:
    """A sentence in French and English, French first.

    >>> t = Text("Taille de sortie : {o}", "Output size: {o}")
    >>> t.format(o=3)("en")
    'Output size: 3'
    >>> t.format(o=3)("fr")
    'Taille de sortie : 3'
    """

    fr: str
    en: str

    def __call__(self, lang: str = DEFAULT_LANG) -> str:
        if lang not in LANGS:
            raise ValueError(f"unknown language {lang!r}")
        return self.fr if lang == "fr" else self.en

    def format(self, **values) -> "Text":
        """Fill `{name}` placeholders in both languages with the same values."""
        return Text(self.fr.format(**values), self.en.format(**values))

    def __add__(self, other: "Text") -> "Text":
        return Text(self.fr + other.fr, self.en + other.en)


def join(texts, sep: str = " ") -> Text:
    """Join several `Text` with a separator.

    >>> join([Text("a", "b"), Text("c", "d")])("en")
    'b d'
    """
    texts = list(texts)
    return Text(sep.join(t.fr for t in texts), sep.join(t.en for t in texts))
