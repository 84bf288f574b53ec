"""Tokens of an answer written in plain math (LaTeX has its own reader in `latex.py`).

Reading rules for numbers (they are where plain text is ambiguous):

- a decimal point always makes a decimal: ``0.874``, ``.5``; ``1.2e-3`` is scientific notation;
- a comma between two digits (no space around it) is a *decimal comma* (``0,874``) only at the
  top level of the answer (outside brackets and parentheses) — for an `int` part, groups of
  exactly three digits after it (``1,010,688``) are read as thousands instead; inside brackets
  or parentheses a comma always separates items (``(32,14,14)``, ``max(0,5)`` has two arguments);
- digits in groups of three after a space, a thin space or a no-break space are one number
  (``1 010 688``); inside square brackets (matrix rows, where a space separates entries) only a
  thin or no-break space groups digits;
- two numbers side by side with only a space between them are an error (write ``*``).

>>> [t.kind + ":" + t.text for t in tokenize("2p + x_{i+1}")]
['NUM:2', 'NAME:p', 'OP:+', 'NAME:x', 'US:_', 'LC:{', 'NAME:i', 'OP:+', 'NUM:1', 'RC:}', 'END:']
>>> tokenize("0,874")[0].value.text, tokenize("1 010 688")[0].value.text
('0.874', '1010688')
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from fractions import Fraction

from solver.core.text import Text

MAX_LENGTH = 4000
MAX_TOKENS = 1500
# a matrix part (a 16×36 convolution matrix written out) may be longer
MATRIX_LENGTH = 60000
MATRIX_TOKENS = 30000
MAX_EXPONENT_DIGITS = 4  # scientific notation: at most e±9999

SPACES = " \t\n\r\u2009\u202f\u00a0\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u200a"
THIN_SPACES = "\u2009\u202f\u00a0\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u200a"
_SINGLE = {"(": "LP", ")": "RP", "[": "LB", "]": "RB", "{": "LC", "}": "RC", ",": "COMMA",
           ";": "SEMI", "_": "US", "|": "BAR", "'": "PRIME", "\u2032": "PRIME", "=": "EQ",
           "%": "PERCENT", "\u230a": "FLOORL", "\u230b": "FLOORR", "\u2308": "CEILL", "\u2309": "CEILR",
           "\u2192": "EQ", "\u2248": "EQ", "!": "BANG"}  # an arrow or ≈ ends a label like ``=``: ``β → ∞``, ``o ≈ 0.87``
_OPS = {"+": "+", "-": "-", "\u2212": "-", "\u2013": "-", "*": "*", "\u00b7": "*", "\u22c5": "*",
        "\u00d7": "*", "\u2217": "*", "/": "/", "\u00f7": "/", "^": "^"}
_SUPERSCRIPTS = {"\u00b2": "2", "\u00b3": "3", "\u00b9": "1", "\u2070": "0", "\u2074": "4",
                 "\u2075": "5", "\u2076": "6", "\u2077": "7", "\u2078": "8", "\u2079": "9"}
_NAMED_CHARS = {"\u221e": "oo", "\u221a": "sqrt", "\u03c0": "pi"}
_DEPTH = {"LP": 1, "LB": 1, "LC": 1, "FLOORL": 1, "CEILL": 1,
          "RP": -1, "RB": -1, "RC": -1, "FLOORR": -1, "CEILR": -1}


class ParseError(ValueError):
    """An answer that cannot be read: where (`pos`, 0-based character index) and why."""

    def __init__(self, pos: int, reason: Text):
        super().__init__(f"at {pos}: {reason.en}")
        self.pos = pos
        self.reason = reason

    def message(self, lang: str = "fr") -> str:
        where = Text(f"caractère {self.pos + 1}", f"character {self.pos + 1}")
        return f"{where(lang)} : {self.reason(lang)}" if lang == "fr" else f"{where(lang)}: {self.reason(lang)}"


@dataclass(frozen=True)
class Literal:
    """A number as written: its exact value, and the half unit of its last written digit.

    >>> Literal.of("0.874").resolution, Literal.of("0.874").significant
    (Fraction(1, 2000), 3)
    >>> Literal.of("1.5e3").value
    Fraction(1500, 1)
    """

    text: str
    value: Fraction
    resolution: Fraction
    significant: int

    @classmethod
    def of(cls, text: str) -> "Literal":
        mantissa, _, exponent = text.lower().partition("e")
        scale = int(exponent) if exponent else 0
        whole, _, frac = mantissa.partition(".")
        digits = (whole + frac).lstrip("0")
        significant = len(digits) if digits else 1
        resolution = Fraction(1, 2) * Fraction(10) ** (scale - len(frac))
        return cls(text, Fraction(mantissa or "0") * Fraction(10) ** scale, resolution, significant)


@dataclass(frozen=True)
class Token:
    """One token: `kind`, the text it stands for, its position, whether a space precedes it."""

    kind: str
    text: str
    pos: int
    space: bool = False
    value: Literal | None = None


def too_long(text: str, limit: int = MAX_LENGTH) -> ParseError | None:
    """The error for an answer over the length limit, if it is."""
    if len(text) > limit:
        return ParseError(limit, Text(f"réponse trop longue ({len(text)} caractères, au plus {limit})",
                                      f"answer too long ({len(text)} characters, at most {limit})"))
    return None


def limits(big: bool) -> tuple[int, int]:
    """(characters, tokens) allowed for an answer; `big` for a matrix part."""
    return (MATRIX_LENGTH, MATRIX_TOKENS) if big else (MAX_LENGTH, MAX_TOKENS)


def greek_name(ch: str) -> str | None:
    """The name of a Greek letter (``β`` -> ``beta``, ``Σ`` -> ``Sigma``), else None.

    >>> greek_name("β"), greek_name("Δ"), greek_name("x")
    ('beta', 'Delta', None)
    """
    if not ("\u0391" <= ch <= "\u03c9" or ch in "\u03d5\u03f5\u03d1"):
        return None
    name = unicodedata.name(ch, "")
    if not name.startswith("GREEK"):
        return None
    word = name.split()[-1].lower().replace("lamda", "lambda")
    if "SYMBOL" in name:
        word = "var" + word
    if word == "final":
        word = "sigma"
    return word.capitalize() if "CAPITAL" in name else word


def _digit(ch: str) -> bool:
    return len(ch) == 1 and "0" <= ch <= "9"


def fold_chars(text: str) -> str:
    """Full-width forms (``（``, ``＋``, ``３``) as their ASCII letters, and the decimal digits of
    every script (Arabic-Indic ``٣``, Devanagari ``३``…) as ASCII digits — one character for one,
    so positions in messages stay right. Digits are thus read as digits everywhere.

    >>> fold_chars("m ＋ （n）"), fold_chars("\u0663.\u0665"), fold_chars("３")
    ('m + (n)', '3.5', '3')
    """
    if text.isascii():
        return text
    out = []
    for ch in text:
        if "\uff01" <= ch <= "\uff5e":
            ch = chr(ord(ch) - 0xFEE0)
        elif not ch.isascii() and ch.isdecimal() and unicodedata.decimal(ch, None) is not None:
            ch = str(unicodedata.decimal(ch))
        out.append(ch)
    return "".join(out)


class Lexer:
    """Plain-math tokenizer; `comma` says how a depth-0 comma between digits is read:
    ``"decimal"`` (number/expr parts), ``"thousands"`` (int parts) or ``"separator"``."""

    def __init__(self, text: str, comma: str = "decimal", big: bool = False):
        self.text = fold_chars(text)
        self.comma = comma
        self.max_length, self.max_tokens = limits(big)
        self.i = 0
        self.tokens: list[Token] = []
        self.depth = 0
        self.square = 0
        self.space = False

    def run(self) -> list[Token]:
        error = too_long(self.text, self.max_length)
        if error:
            raise error
        while self.i < len(self.text):
            self.step()
            if len(self.tokens) > self.max_tokens:
                raise ParseError(self.i, Text(f"trop de symboles (au plus {self.max_tokens})",
                                              f"too many tokens (at most {self.max_tokens})"))
        self.tokens.append(Token("END", "", len(self.text), self.space))
        return self.tokens

    def emit(self, kind: str, text: str, pos: int, value: Literal | None = None) -> None:
        self.tokens.append(Token(kind, text, pos, self.space, value))
        self.space = False
        self.depth += _DEPTH.get(kind, 0)
        if kind == "LB":
            self.square += 1
        elif kind == "RB":
            self.square = max(0, self.square - 1)

    def step(self) -> None:
        ch = self.text[self.i]
        if ch in SPACES:
            self.space = True
            self.i += 1
        elif _digit(ch) or (ch == "." and _digit(self.peek(1))):
            self.number()
        elif ch.isascii() and ch.isalpha():
            self.name()
        elif (greek := greek_name(ch)) is not None:
            self.greek(greek)
        elif ch in _NAMED_CHARS:
            self.emit("NAME", _NAMED_CHARS[ch], self.i)
            self.i += 1
        elif ch == "*" and self.peek(1) == "*":
            self.emit("OP", "^", self.i)
            self.i += 2
        elif ch == "-" and self.peek(1) == ">":
            self.emit("EQ", "->", self.i)
            self.i += 2
        elif ch in _OPS:
            self.emit("OP", _OPS[ch], self.i)
            self.i += 1
        elif ch in _SUPERSCRIPTS:
            self.emit("OP", "^", self.i)
            self.emit("NUM", _SUPERSCRIPTS[ch], self.i, Literal.of(_SUPERSCRIPTS[ch]))
            self.i += 1
        elif ch in _SINGLE:
            self.emit(_SINGLE[ch], ch, self.i)
            self.i += 1
        else:
            self.unexpected(ch)

    def unexpected(self, ch: str) -> None:
        shown = ch if ch.isprintable() else f"U+{ord(ch):04X}"
        raise ParseError(self.i, Text(f"caractère non permis « {shown} »", f"character not allowed '{shown}'"))

    def peek(self, k: int) -> str:
        j = self.i + k
        return self.text[j] if j < len(self.text) else ""

    def scan(self, accept, limit: int, reason: Text) -> str:
        """Advance over the characters `accept` takes and return them; more than `limit` is an error."""
        start = self.i
        while self.i < len(self.text) and accept(self.text[self.i]):
            self.i += 1
        if self.i - start > limit:
            raise ParseError(start, reason)
        return self.text[start:self.i]

    def name(self) -> None:
        start = self.i
        text = self.scan(lambda ch: ch.isascii() and ch.isalnum(), 40, Text("nom trop long", "name too long"))
        self.emit("NAME", text, start)

    def greek(self, name: str) -> None:
        """A Greek letter (`name`, ``beta`` for ``β``), with the digits glued to it (``β1``, ``μ0``: one
        name, as ``beta1``)."""
        start = self.i
        self.i += 1
        while self.i < len(self.text) and _digit(self.text[self.i]) and self.i - start < 6:
            self.i += 1
        self.emit("NAME", name + self.text[start + 1:self.i], start)

    def number(self) -> None:
        start = self.i
        digits = self.digits()
        digits = self.groups(digits)
        text = digits
        if self.at(".") and (_digit(self.peek(1)) or not digits == ""):
            self.i += 1
            text += "." + self.digits()
        elif self.at(",") and self.decimal_comma(len(digits)):
            self.i += 1
            text += "." + self.digits()
        elif self.text.startswith("{,}", self.i) and _digit(self.peek(3)) and digits:
            self.i += 3
            text += "." + self.digits()
        text += self.exponent()
        if self.at(".") and _digit(self.peek(1)) and "." in text:
            raise ParseError(start, Text("nombre mal écrit : deux points décimaux (pour grouper les milliers, "
                                         "écrivez des espaces)", "malformed number: two decimal points (to group "
                                         "thousands, write spaces)"))
        self.emit("NUM", text, start, Literal.of(text))

    def at(self, ch: str) -> bool:
        return self.i < len(self.text) and self.text[self.i] == ch

    def digits(self) -> str:
        return self.scan(lambda ch: ch.isdigit() and ch.isascii(), 1000, Text("nombre trop long", "number too long"))

    def groups(self, digits: str) -> str:
        """Thousands groups after `digits`: ``1 010 688``, ``1,010,688`` (int parts)."""
        if not 1 <= len(digits) <= 3:
            return digits
        seps = THIN_SPACES if self.square else SPACES.replace("\n", "")
        if self.depth == 0 and (self.comma == "thousands" or self.comma == "decimal" and self.two_comma_groups()):
            seps += ","
        while (self.i + 4 <= len(self.text) and self.text[self.i] in seps
               and self.text[self.i + 1:self.i + 4].isdigit() and self.text[self.i + 1:self.i + 4].isascii()
               and not _digit(self.peek(4))):
            digits += self.text[self.i + 1:self.i + 4]
            self.i += 4
        return digits

    def two_comma_groups(self) -> bool:
        """``1,010,688``: two comma groups of three digits cannot be a decimal."""
        t, i = self.text, self.i
        return (t[i:i + 1] == "," and t[i + 1:i + 4].isdigit() and t[i + 1:i + 4].isascii() and t[i + 4:i + 5] == ","
                and t[i + 5:i + 8].isdigit() and t[i + 5:i + 8].isascii())

    def decimal_comma(self, whole_digits: int) -> bool:
        return (self.comma in ("decimal", "thousands") and self.depth == 0 and whole_digits > 0
                and self.peek(1).isdigit() and self.peek(1).isascii())

    def exponent(self) -> str:
        j = self.i
        if j < len(self.text) and self.text[j] in "eE":
            k = j + 1
            if k < len(self.text) and self.text[k] in "+-":
                k += 1
            end = k
            while end < len(self.text) and self.text[end].isdigit() and self.text[end].isascii():
                end += 1
            if end > k:
                if end - k > MAX_EXPONENT_DIGITS:
                    raise ParseError(j, Text("exposant trop grand", "exponent too large"))
                self.i = end
                return "e" + self.text[j + 1:end]
        return ""


def tokenize(text: str, comma: str = "decimal", big: bool = False) -> list[Token]:
    """Plain math -> tokens (see the module's reading rules)."""
    return Lexer(text, comma, big).run()
