"""Bilingual text: every sentence a person reads exists in French and in English."""

from __future__ import annotations

import numbers
import re
from dataclasses import dataclass
from fractions import Fraction

from solver.core.written import decimal_string

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


THIN = "\u202f"  # narrow no-break space: French thousands (solver.render.latex writes it \\,)
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
_PARTS = re.compile(r"(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?")


def numeral(value, decimals: int | None = None, sig: int | None = None, math: bool = False) -> Text:
    """A number as each language writes it in a sentence: French decimal comma and narrow no-break
    spaces between thousands, English point and commas. `decimals` fixes the places, `sig` the
    significant digits (a power of ten when needed); without either, the value as it is (an exact
    decimal for a fraction that has one). `math=True` writes it for inside ``$…$`` (``0{,}5``, ``\\,``).

    >>> [numeral(v)(lang) for v in (1191170, 0.25) for lang in LANGS]
    ['1\u202f191\u202f170', '1,191,170', '0,25', '0.25']
    >>> import sympy as sp; numeral(sp.Integer(1191170))("fr")  # a whole number stays whole
    '1\u202f191\u202f170'
    >>> numeral(2.302585, 4)("fr"), numeral(0.0000131, sig=2)("fr"), numeral(Fraction(-9, 100))("en")
    ('2,3026', '1,3 × 10⁻⁵', '-0.09')
    >>> print(numeral(0.0000131, sig=2, math=True)("fr"), numeral(12345.5, 1, math=True)("fr"))
    1{,}3 \\times 10^{-5} 12\\,345{,}5
    """
    if decimals is not None:
        text = f"{float(value):.{decimals}f}"
    elif sig is not None:
        text = f"{float(value):.{sig}g}"
    elif isinstance(value, numbers.Rational):  # int, Fraction, SymPy's Integer and Rational, numpy integers
        exact = Fraction(int(value.numerator), int(value.denominator))
        text = decimal_string(exact) or f"{exact.numerator}/{exact.denominator}"
    else:
        text = repr(float(value))
    parts = _PARTS.fullmatch(text)
    if parts is None:  # a fraction without a decimal writing, inf, nan: as it is
        return Text(text, text)
    return Text(_written(parts, "fr", math), _written(parts, "en", math))


def numerals(values, math: bool = False) -> Text:
    """A tuple of numbers, `numeral` by `numeral`: separated by semicolons in French (the comma is
    the decimal mark there), by commas in English.

    >>> t = numerals([0.1, 2, Fraction(1, 2)])
    >>> t("fr"), t("en")
    ('(0,1 ; 2 ; 0,5)', '(0.1, 2, 0.5)')
    """
    shown = [numeral(v, math=math) for v in values]
    return Text("(" + " ; ".join(t.fr for t in shown) + ")", "(" + ", ".join(t.en for t in shown) + ")")


def _written(parts: re.Match, lang: str, math: bool) -> str:
    sign, whole, fraction, exponent = parts.groups()
    if math:
        point, group = ("{,}", "\\,") if lang == "fr" else (".", "{,}")
    else:
        point, group = (",", THIN) if lang == "fr" else (".", ",")
    if len(whole) > 3:
        whole = f"{int(whole):,}".replace(",", group)
    text = sign + whole + (point + fraction if fraction else "")
    if exponent is None:
        return text
    power = str(int(exponent))
    return text + (f" \\times 10^{{{power}}}" if math else " × 10" + power.translate(_SUPERSCRIPT))
