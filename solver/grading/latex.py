"""A LaTeX reader of our own: LaTeX math -> the same tokens as plain math.

An answer is LaTeX when it contains a backslash or is wrapped in ``$…$``. Commands map to
tokens (``\\frac`` -> FRAC, ``\\cdot`` -> ``*``, ``\\lfloor`` -> FLOORL, ``\\begin{bmatrix}`` ->
``[``, ``&`` -> ``,``, ``\\\\`` -> ``;``, Greek letters and ``\\ln``/``\\exp``/… -> names), sizing
commands (``\\left``, ``\\right``, ``\\big``…) are dropped, spacing commands are spaces, and
``0{,}874`` is a decimal comma. After ``^`` or ``_`` without braces only one character is taken,
as TeX does (``x^23`` is ``x^2·3``). An unknown command is an error naming it.

>>> [t.text for t in tokenize_latex(r"\\frac{1}{2}\\cdot x^{2}")][:8]
['\\\\frac', '{', '1', '}', '{', '2', '}', '*']
>>> tokenize_latex("$0{,}874$")[0].value.text
'0.874'
"""

from __future__ import annotations

from solver.core.text import Text

from .lexer import Lexer, Literal, ParseError, Token

GREEK = ("alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi "
         "pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta Theta "
         "Lambda Xi Pi Sigma Upsilon Phi Psi Omega").split()
FUNCTIONS = ("ln log exp max min sin cos tan tanh sinh cosh arctan sqrt sum det lg").split()
_DROP = {"left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr",
         "displaystyle", "textstyle", "limits", "nolimits", "mathopen", "mathclose"}
_SPACE = {",", ";", ":", "!", " ", "quad", "qquad", "thinspace", "enspace"}
# a macro's token (kind, text), or None for a font or text macro whose braced word is a name
_TOKENS: dict[str, tuple[str, str] | None] = {"cdot": ("OP", "*"), "times": ("OP", "*"), "ast": ("OP", "*"), "div": ("OP", "/"),
           "lfloor": ("FLOORL", "⌊"), "rfloor": ("FLOORR", "⌋"), "lceil": ("CEILL", "⌈"),
           "rceil": ("CEILR", "⌉"), "{": ("LP", "("), "}": ("RP", ")"), "lvert": ("BAR", "|"),
           "rvert": ("BAR", "|"), "vert": ("BAR", "|"), "|": ("BAR", "|"), "infty": ("NAME", "oo"),
           "frac": ("FRAC", "\\frac"), "dfrac": ("FRAC", "\\frac"), "tfrac": ("FRAC", "\\frac"),
           "prime": ("PRIME", "'"), "lbrack": ("LB", "["), "rbrack": ("RB", "]"),
           "langle": ("LP", "("), "rangle": ("RP", ")"), "operatorname": None, "mathrm": None,
           "text": None, "textrm": None, "mathit": None, "mathbf": None, "boldsymbol": None,
           "bm": None, "mathsf": None, "textbf": None, "textit": None, "mathtt": None, "mathcal": None,
           "mathscr": None,
           # an arrow ends a label, like ``=``: ``\\beta \\to +\\infty`` is the limit +∞
           "to": ("EQ", "\u2192"), "rightarrow": ("EQ", "\u2192"), "longrightarrow": ("EQ", "\u2192"),
           "approx": ("EQ", "\u2248"), "simeq": ("EQ", "\u2248")}
MATRICES = ("bmatrix", "pmatrix", "matrix", "Bmatrix", "smallmatrix", "array")
ENV_OPEN = "\\begin"  # text of the ``[`` token that opens a matrix environment


def is_latex(text: str) -> bool:
    """Whether an answer is LaTeX: a backslash, or ``$…$`` around it.

    >>> is_latex(r"\\frac{1}{2}"), is_latex("$x$"), is_latex("1/2")
    (True, True, False)
    """
    stripped = text.strip()
    return "\\" in text or (len(stripped) >= 2 and stripped[0] == "$" and stripped[-1] == "$")


class LatexLexer(Lexer):
    """`Lexer` with LaTeX commands, groups and one-character scripts."""

    def __init__(self, text: str, comma: str = "decimal", big: bool = False):
        super().__init__(text, comma, big)
        self.one_char = False

    def step(self) -> None:
        ch = self.text[self.i]
        if self.one_char and ch not in " {\\":
            self.script_char(ch)
        elif ch == "\\":
            self.command()
        elif ch == "$":
            self.i += 1
        elif ch == "~":
            self.space = True
            self.i += 1
        elif ch == "&":
            self.emit("COMMA", "&", self.i)
            self.i += 1
        elif ch in "^_":
            self.emit("OP" if ch == "^" else "US", ch, self.i)
            self.i += 1
            self.skip_spaces()
            self.one_char = self.i < len(self.text) and self.text[self.i] not in "{\\"
        else:
            super().step()

    def skip_spaces(self) -> None:
        while self.i < len(self.text) and self.text[self.i] == " ":
            self.i += 1

    def script_char(self, ch: str) -> None:
        """The single character of ``x^2`` or ``s_i``."""
        self.one_char = False
        if ch.isdigit() and ch.isascii():
            self.emit("NUM", ch, self.i, Literal.of(ch))
        elif ch.isascii() and ch.isalpha():
            self.emit("NAME", ch, self.i)
        else:
            super().step()
            return
        self.i += 1

    def number(self) -> None:
        """Numbers, with ``{,}`` as a decimal comma and ``\\,`` between groups of three digits."""
        start = self.i
        text = self.digits()
        while self.text.startswith("\\,", self.i) and self.text[self.i + 2:self.i + 5].isdigit() \
                and not self.text[self.i + 5:self.i + 6].isdigit():
            text += self.text[self.i + 2:self.i + 5]
            self.i += 5
        if text != self.text[start:self.i]:
            text += self.exponent()
            self.emit("NUM", text, start, Literal.of(text))
            return
        self.i = start
        super().number()

    def command(self) -> None:
        start = self.i
        self.i += 1
        if self.i < len(self.text) and not self.text[self.i].isalpha():
            name = self.text[self.i]
            self.i += 1
        else:
            j = self.i
            while self.i < len(self.text) and self.text[self.i].isalpha():
                self.i += 1
            name = self.text[j:self.i]
        self.apply(name, start)

    def apply(self, name: str, start: int) -> None:
        if name in _DROP:
            return
        if name in _SPACE:
            self.space = True
        elif name == "\\":
            self.emit("SEMI", "\\\\", start)
        elif name in ("begin", "end"):
            self.environment(name, start)
        elif name in _TOKENS:
            token = _TOKENS[name]
            if token is None:
                self.emit("NAME", self.group_word(start), start)
            else:
                self.emit(*token, start)
        elif name in GREEK or name in FUNCTIONS:
            self.emit("NAME", name, start)
        elif name in ("(", ")", "[", "]"):
            return
        else:
            raise ParseError(start, Text(f"commande LaTeX non reconnue « \\{name} »",
                                         f"unknown LaTeX command '\\{name}'"))

    def group_word(self, start: int) -> str:
        """The word inside ``\\operatorname{…}``, ``\\text{…}``, ``\\mathrm{…}``."""
        self.skip_spaces()
        end = self.text.find("}", self.i)
        if not self.text.startswith("{", self.i) or end < 0:
            raise ParseError(start, Text("accolade attendue après la commande", "a brace was expected after the command"))
        word = self.text[self.i + 1:end].strip()
        if not word or len(word) > 40 or not all(c.isalnum() or c in " -" for c in word):
            raise ParseError(self.i, Text("mot non permis dans \\text ou \\operatorname",
                                          "word not allowed in \\text or \\operatorname"))
        self.i = end + 1
        return word

    def environment(self, which: str, start: int) -> None:
        self.skip_spaces()
        end = self.text.find("}", self.i)
        name = self.text[self.i + 1:end] if self.text.startswith("{", self.i) and end > 0 else ""
        if name not in MATRICES:
            raise ParseError(start, Text(f"environnement LaTeX non reconnu « {name} »",
                                         f"unknown LaTeX environment '{name}'"))
        self.i = end + 1
        if name == "array" and which == "begin" and self.text.startswith("{", self.i):
            close = self.text.find("}", self.i)
            self.i = close + 1 if close > 0 else self.i
        # the token's text marks an environment: its rows are separated by ``&``, never by spaces
        self.emit("LB" if which == "begin" else "RB", ENV_OPEN if which == "begin" else "]", start)


def tokenize_latex(text: str, comma: str = "decimal", big: bool = False) -> list[Token]:
    """LaTeX math -> tokens (see the module docstring)."""
    tokens = LatexLexer(text, comma, big).run()
    return _drop_trailing_row_break(tokens)


def _drop_trailing_row_break(tokens: list[Token]) -> list[Token]:
    """``a & b \\\\ c & d \\\\ \\end{bmatrix}``: the last ``\\\\`` ends no row."""
    out: list[Token] = []
    for tok in tokens:
        if tok.kind == "RB" and out and out[-1].kind == "SEMI":
            out.pop()
        out.append(tok)
    return out
