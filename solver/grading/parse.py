"""Tokens -> a small syntax tree, by recursive descent. No SymPy here: `build` makes SymPy objects.

Grammar (``implicit`` is a product written without ``*``: ``2p``, ``2(x+1)``, ``s_i s_j``)::

    answer := [label '='] item (',' item)*          several items: a tuple
    item   := term (('+'|'-') term)*
    term   := signed (('*'|'/') signed | implicit power)*
    signed := ('+'|'-') signed | power
    power  := postfix ['^' signed]                   right-associative: 2^3^2 = 2^9
    postfix:= atom ['_' script] ['[' items ']'] ["'" '(' items ')']
    atom   := NUM | NAME ['(' items ')'] | '(' items ')' | '{' item '}' | '[' matrix ']'
            | '|' item '|' | '⌊' item '⌋' | '⌈' item '⌉' | FRAC group group
            | sum '_' '{' NAME '=' item '}' '^' atom term

Matrices: ``[[1, 2], [3, 4]]``, ``[1, 2; 3, 4]`` or MATLAB ``[1 2; 3 4]`` (in a row without
commas a space separates entries, and ``[1 -2]`` has two entries as in MATLAB), or LaTeX
``bmatrix``/``pmatrix``. A flat list ``[1, 2, 3]`` is a vector of either orientation.

>>> show(parse("2p + 1"))
'(add (mul 2 p) 1)'
>>> show(parse("x_{i+u,j+v}"))
'(script:x (add i u) (add j v))'
>>> show(parse("[1 -2; 3 4]"))
'(matrix (row 1 (neg 2)) (row 3 4))'
>>> show(parse(r"\\frac{a}{b} \\cdot \\lfloor x \\rfloor"))
'(mul (div a b) (call:floor x))'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from solver.core.text import Text

from .latex import ENV_OPEN, is_latex, tokenize_latex
from .lexer import Literal, ParseError, Token, limits, tokenize, too_long

MAX_DEPTH = 40
# names that take an argument (``log x``, ``\ln x``, ``sqrt(x)``); `build` says what they mean
FUNCTION_NAMES = {"relu", "max", "min", "floor", "ceil", "ceiling", "exp", "log", "ln", "log10", "log2",
                  "lg", "sqrt", "sigma", "sigmoid", "abs", "delta", "kronecker", "tanh", "sin", "cos",
                  "tan", "sinh", "cosh", "arctan", "atan", "mod", "sum", "softplus", "heaviside", "sign",
                  "kroneckerdelta", "derivative", "subs", "asin", "acos", "arcsin", "arccos", "sec", "csc",
                  "cosec", "cot", "sech", "csch", "cosech", "coth", "asinh", "acosh", "atanh", "arcsinh",
                  "arccosh", "arctanh", "arsinh", "arcosh", "artanh", "sgn", "signum", "factorial", "root",
                  "atan2", "arctan2"}
_GREEK_FUNCTIONS = {"sigma", "delta"}  # also letters: ``sigma^2`` is σ², not (σ(…))²
_HUNDRED = Literal.of("100")
_ATOM_START = {"NUM", "NAME", "LP", "LC", "FLOORL", "CEILL", "FRAC"}


@dataclass(frozen=True)
class Node:
    """A node of the syntax tree: `tag`, source position, children `args`, and `data`
    (a `Literal` for ``num``, a name for ``name``/``call``/``index``/``deriv``, ``(name, raw)`` for
    ``script``, the bound variable for ``sum``, ``"flat"`` for a matrix written as a flat list)."""

    tag: str
    pos: int
    args: tuple = ()
    data: Any = None


def show(node: Node) -> str:
    """A compact s-expression of a tree (for tests and debugging)."""
    if node.tag == "num":
        return node.data.text
    if node.tag == "name":
        return node.data
    if node.tag == "group":
        return show(node.args[0])
    head = node.tag
    if node.tag in ("call", "index", "deriv", "sum"):
        head += ":" + str(node.data)
    elif node.tag == "script":
        head += ":" + node.data[0]
    return "(" + " ".join([head] + [show(a) for a in node.args]) + ")"


def _err(pos: int, fr: str, en: str) -> ParseError:
    return ParseError(pos, Text(fr, en))


class Parser:
    """Recursive descent over a token list (see the module's grammar)."""

    def __init__(self, tokens: list[Token], source: str):
        self.tokens = tokens
        self.source = source
        self.k = 0
        self.depth = 0
        self.ws = False  # inside a MATLAB row: a space separates entries

    # -- token helpers
    @property
    def tok(self) -> Token:
        return self.tokens[self.k]

    def peek(self, n: int = 1) -> Token:
        return self.tokens[min(self.k + n, len(self.tokens) - 1)]

    def take(self) -> Token:
        tok = self.tokens[self.k]
        self.k = min(self.k + 1, len(self.tokens) - 1)
        return tok

    def is_(self, kind: str, text: str | None = None) -> bool:
        return self.tok.kind == kind and (text is None or self.tok.text == text)

    def expect(self, kind: str, fr: str, en: str) -> Token:
        if self.tok.kind != kind:
            found = self.tok.text or Text("la fin", "the end")("en")
            raise _err(self.tok.pos, f"{fr} (trouvé « {found} »)", f"{en} (found '{found}')")
        return self.take()

    def deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _err(self.tok.pos, f"imbrication trop profonde (au plus {MAX_DEPTH} niveaux)",
                       f"nesting too deep (at most {MAX_DEPTH} levels)")

    # -- grammar
    def answer(self) -> Node:
        self.skip_label()
        items = self.items("END")
        self.expect("END", "fin de la réponse attendue", "end of the answer expected")
        return items[0] if len(items) == 1 else Node("tuple", items[0].pos, tuple(items))

    def skip_label(self) -> None:
        """``o = floor(...)``: a top-level ``=`` (or ``≈``) drops what stands before it; in a chain
        ``E = -ln(0.8738) ≈ 0.1349`` the last member is the answer, and a leading ``≈ 0.87`` is read."""
        depth, eqs = 0, []
        for i, t in enumerate(self.tokens):
            depth += {"LP": 1, "LB": 1, "LC": 1, "RP": -1, "RB": -1, "RC": -1}.get(t.kind, 0)
            if t.kind == "EQ" and depth == 0:
                eqs.append(i)
        for i in eqs:
            if i + 1 in eqs or i and self.tokens[i - 1].kind == "BANG" and not self.tokens[i].space:
                raise _err(self.tokens[i].pos, "comparaison non permise : une valeur est attendue",
                           "comparison not allowed: a value is expected")
        if eqs and self.tokens[eqs[-1] + 1].kind != "END":
            self.k = eqs[-1] + 1

    def items(self, *stops: str) -> list[Node]:
        out = [self.item()]
        while self.is_("COMMA"):
            self.take()
            if self.tok.kind in stops and self.tok.kind != "END":
                break  # a trailing comma: (2304,)
            out.append(self.item())
        if self.tok.kind not in stops:
            if self.tok.kind == "END":
                raise _err(self.tok.pos, "parenthèse ou crochet fermant attendu (non fermé)",
                           "closing bracket expected (unclosed)")
            raise _err(self.tok.pos, f"symbole inattendu « {self.tok.text} »", f"unexpected '{self.tok.text}'")
        return out

    def item(self) -> Node:
        self.deeper()
        node = self.term()
        while self.is_("OP") and self.tok.text in "+-":
            if self.ws and self.tok.space and not self.peek().space:
                break
            op = self.take()
            node = Node("add" if op.text == "+" else "sub", op.pos, (node, self.term()))
        self.depth -= 1
        return node

    def term(self) -> Node:
        node = self.signed()
        while True:
            if self.is_("OP") and self.tok.text in "*/":
                op = self.take()
                node = Node("mul" if op.text == "*" else "div", op.pos, (node, self.signed()))
            elif self.tok.kind in _ATOM_START and not (self.ws and self.tok.space):
                if self.tok.kind == "NUM" and self.tok.space and self.tokens[self.k - 1].kind == "NUM":
                    raise _err(self.tok.pos, "deux nombres côte à côte : écrivez * pour un produit",
                               "two numbers side by side: write * for a product")
                node = Node("mul", self.tok.pos, (node, self.power()))
            else:
                return node

    def signed(self) -> Node:
        if self.is_("OP") and self.tok.text in "+-":
            op = self.take()
            self.deeper()
            inner = self.signed()
            self.depth -= 1
            return inner if op.text == "+" else Node("neg", op.pos, (inner,))
        return self.power()

    def power(self) -> Node:
        base = self.postfix()
        while self.is_("BANG"):
            tok = self.take()
            base = Node("call", tok.pos, (base,), "factorial")
        if self.is_("PERCENT"):
            tok = self.take()
            return Node("div", tok.pos, (base, Node("num", tok.pos, (), _HUNDRED)))
        if self.is_("OP", "^"):
            op = self.take()
            self.deeper()
            exponent = self.signed()
            self.depth -= 1
            return Node("pow", op.pos, (base, exponent))
        return base

    def postfix(self) -> Node:
        node = self.atom()
        if node.tag != "name":
            return node
        if node.data.lower() == "sqrt" and self.is_("LB"):
            return self.function(node)
        if self.is_("US") and node.data != "sum":
            node = self.script(node)
        if self.is_("LB") and not self.tok.space and node.tag == "name":
            self.take()
            args = self.items("RB")
            self.take()
            return Node("index", node.pos, tuple(args), node.data)
        if self.is_("PRIME"):
            self.take()
            if not self.is_("LP"):
                raise _err(self.tok.pos, "« ' » s'écrit devant des parenthèses : g'(a)",
                           "a prime goes before parentheses: g'(a)")
            return Node("deriv", node.pos, tuple(self.call_args()), node.data)
        if node.tag == "name" and (node.data.lower() in FUNCTION_NAMES or node.data == "O"):
            return self.function(node)
        if node.tag == "name" and self.is_("LP") and not (self.ws and self.tok.space):
            return Node("call", node.pos, tuple(self.call_args()), node.data)
        return node

    def function(self, node: Node) -> Node:
        if node.data.lower() == "sum" and self.is_("US"):
            return self.big_sum(node)
        if node.data.lower() == "sqrt" and self.is_("LB"):
            self.take()
            index = self.item()
            self.expect("RB", "« ] » attendu", "']' expected")
            return Node("call", node.pos, (self.power(), index), "root")
        if self.is_("OP", "^") and node.data.lower() not in _GREEK_FUNCTIONS and self.peek().kind == "NUM":
            return self.function_power(node)
        if self.is_("LP"):
            return Node("call", node.pos, tuple(self.call_args()), node.data)
        if self.tok.kind in _ATOM_START:
            arg = self.power()
            if arg.tag == "num" and self.is_("NAME") and not self.tok.space:
                arg = Node("mul", arg.pos, (arg, self.power()))  # ``sin 5n``: the coefficient stays with its letter
            return Node("call", node.pos, (arg,), node.data)
        return node

    def function_power(self, node: Node) -> Node:
        """``sin^2 x``, ``log^2(2n)``: the power of the function's value."""
        op = self.take()
        exponent = self.atom()
        call = self.function(node)
        if call is node:
            raise _err(self.tok.pos, f"argument de {node.data} attendu", f"an argument of {node.data} was expected")
        return Node("pow", op.pos, (call, exponent))

    def call_args(self) -> list[Node]:
        self.take()
        self.deeper()
        args = self.items("RP")
        self.take()
        self.depth -= 1
        return args

    def script(self, node: Node) -> Node:
        """``x_i``, ``w_11``, ``x_{i+u,j+v}``: keep the raw text for name lookup."""
        self.take()
        if self.is_("LC"):
            start = self.take()
            args = self.items("RC")
            end = self.take()
            raw = self.source[start.pos + 1:end.pos]
        elif self.tok.kind in ("NAME", "NUM"):
            tok = self.take()
            args = [Node("name", tok.pos, (), tok.text) if tok.kind == "NAME" else Node("num", tok.pos, (), tok.value)]
            raw = tok.text
        else:
            raise _err(self.tok.pos, "indice attendu après « _ »", "an index was expected after '_'")
        return Node("script", node.pos, tuple(args), (node.data, re.sub(r"\s+", "", raw)))

    def big_sum(self, node: Node) -> Node:
        """``sum_{j=1}^{K} body``: the body is the term that follows."""
        self.take()
        self.expect("LC", "« { » attendu après sum_", "'{' expected after sum_")
        var = self.expect("NAME", "variable de sommation attendue", "summation variable expected")
        self.expect("EQ", "« = » attendu (sum_{j=1}^{K})", "'=' expected (sum_{j=1}^{K})")
        low = self.item()
        self.expect("RC", "« } » attendu", "'}' expected")
        self.expect("OP", "« ^ » attendu (borne supérieure)", "'^' expected (upper bound)")
        high = self.atom()  # not postfix: in ``^{n} (i*j)`` the bound n is not called on (i*j)
        self.deeper()
        body = self.term()
        self.depth -= 1
        return Node("sum", node.pos, (low, high, body), var.text)

    def atom(self) -> Node:
        tok = self.tok
        if tok.kind == "NUM":
            self.take()
            return Node("num", tok.pos, (), tok.value)
        if tok.kind == "NAME":
            self.take()
            return Node("name", tok.pos, (), tok.text)
        if tok.kind in ("LP", "LC"):
            return self.group()
        if tok.kind == "LB":
            return self.matrix()
        if tok.kind in ("BAR", "FLOORL", "CEILL"):
            return self.delimited()
        if tok.kind == "FRAC":
            self.take()
            num = self.group()
            return Node("div", tok.pos, (num, self.group()))
        found = tok.text or "la fin"
        raise _err(tok.pos, f"valeur attendue (trouvé « {found} »)",
                   f"a value was expected (found '{tok.text or 'the end'}')")

    def group(self) -> Node:
        tok = self.tok
        if tok.kind not in ("LP", "LC"):
            if tok.kind in ("NUM", "NAME"):
                return self.atom()
            raise _err(tok.pos, "« { » attendu", "'{' expected")
        close = "RP" if tok.kind == "LP" else "RC"
        self.take()
        self.deeper()
        items = self.items(close)
        self.take()
        self.depth -= 1
        if len(items) == 1 and items[0].tag == "name":
            return Node("group", tok.pos, (items[0],))  # ``(zk)^2`` is (z·k)², not z·k²
        return items[0] if len(items) == 1 else Node("tuple", tok.pos, tuple(items))

    def delimited(self) -> Node:
        tok = self.take()
        close, tag = {"BAR": ("BAR", "abs"), "FLOORL": ("FLOORR", "floor"), "CEILL": ("CEILR", "ceil")}[tok.kind]
        self.deeper()
        inner = self.item()
        self.depth -= 1
        self.expect(close, "délimiteur fermant attendu", "closing delimiter expected")
        return Node("call", tok.pos, (inner,), tag)

    def matrix(self) -> Node:
        start = self.take()
        self.deeper()
        if self.is_("LB"):
            rows = [self.bracket_row()]
            while self.is_("COMMA") or self.is_("SEMI"):
                self.take()
                rows.append(self.bracket_row())
            flat = None
        else:
            spaced = start.text != ENV_OPEN  # LaTeX environments separate entries by ``&`` only
            rows = [self.row(start.pos, spaced)]
            while self.is_("SEMI"):
                self.take()
                rows.append(self.row(start.pos, spaced))
            flat = "flat" if len(rows) == 1 else None
        self.expect("RB", "« ] » attendu", "']' expected")
        self.depth -= 1
        if len({len(r.args) for r in rows}) != 1:
            raise _err(start.pos, "lignes de longueurs différentes", "rows of different lengths")
        return Node("matrix", start.pos, tuple(rows), flat)

    def bracket_row(self) -> Node:
        start = self.expect("LB", "« [ » attendu (une ligne)", "'[' expected (a row)")
        row = self.row(start.pos)
        self.expect("RB", "« ] » attendu", "']' expected")
        return row

    def row(self, pos: int, spaced: bool = True) -> Node:
        saved = self.ws
        self.ws = spaced and not self.row_has_comma()
        entries = [self.item()]
        while self.tok.kind not in ("SEMI", "RB", "END"):
            if self.is_("COMMA"):
                self.take()
            elif not self.ws:
                raise _err(self.tok.pos, f"symbole inattendu « {self.tok.text} »", f"unexpected '{self.tok.text}'")
            entries.append(self.item())
        self.ws = saved
        return Node("row", pos, tuple(entries))

    def row_has_comma(self) -> bool:
        depth = 0
        for t in self.tokens[self.k:]:
            if depth == 0 and t.kind in ("SEMI", "RB", "END"):
                return False
            if depth == 0 and t.kind == "COMMA":
                return True
            depth += {"LP": 1, "LB": 1, "LC": 1, "RP": -1, "RB": -1, "RC": -1}.get(t.kind, 0)
        return False


def tokens_of(text: str, comma: str = "decimal", big: bool = False) -> list[Token]:
    """Tokens of an answer, by the LaTeX reader when it is LaTeX."""
    return tokenize_latex(text, comma, big) if is_latex(text) else tokenize(text, comma, big)


def parse(text: str, comma: str = "decimal", big: bool = False) -> Node:
    """An answer -> its syntax tree; `ParseError` (position, reason) when it cannot be read.
    `big` raises the length limits (matrix parts)."""
    error = too_long(text, limits(big)[0])
    if error:
        raise error
    if not text.strip():
        raise _err(0, "réponse vide", "empty answer")
    return Parser(tokens_of(text, comma, big), text).answer()


_PRODUCT_SHAPE = re.compile(r"\d+(?:\s*[xX\u00d7*]\s*\d+)+")  # on stripped text: linear


def _torch_size(text: str) -> str | None:
    """The inside of ``torch.Size(...)`` / ``Size(...)``, else None (a scan, no backtracking)."""
    t = text.strip()
    if t.startswith("torch"):
        rest = t[5:].lstrip()
        if not rest.startswith("."):
            return None
        t = rest[1:].lstrip()
    if not t.startswith("Size"):
        return None
    t = t[4:].lstrip()
    return t[1:-1].strip() if t.startswith("(") and t.endswith(")") else None


def _product_text(text: str) -> str | None:
    """``32x14x14`` (optionally in one pair of brackets): the sizes separated by commas, else None."""
    t = text.strip()
    t = t[1:] if t[:1] in ("(", "[") else t
    t = t[:-1] if t[-1:] in (")", "]") else t
    t = t.strip()
    if not _PRODUCT_SHAPE.fullmatch(t):
        return None
    return re.sub(r"[xX\u00d7*]", ",", t)


def parse_shape(text: str) -> Node:
    """A shape: ``(32, 14, 14)``, ``[32, 14, 14]``, ``32x14x14``, ``32×14×14``, ``32*14*14``,
    ``torch.Size([32, 14, 14])``, or ``x' × y' × depth``-like products with ``×`` between
    expressions. The result is a ``tuple`` node.

    >>> show(parse_shape("32x14x14")), show(parse_shape("torch.Size([1, 28, 28])"))
    ('(tuple 32 14 14)', '(tuple 1 28 28)')
    """
    error = too_long(text)
    if error:
        raise error
    inner = _torch_size(text)
    if inner is not None:
        text = inner
    product = _product_text(text)
    if product:
        text = product
    elif "\u00d7" in text and "(" not in text and "[" not in text:
        text = text.replace("\u00d7", ",")
    node = parse(text, "separator")
    if node.tag == "matrix" and node.data == "flat":
        return Node("tuple", node.pos, node.args[0].args)
    if node.tag == "tuple":
        return node
    return _product_dimensions(text) or Node("tuple", node.pos, (node,))


_NEST = {"LP": 1, "LB": 1, "LC": 1, "FLOORL": 1, "CEILL": 1, "RP": -1, "RB": -1, "RC": -1, "FLOORR": -1, "CEILR": -1}


def _product_dimensions(text: str) -> Node | None:
    """A shape written as a product whose factors are expressions or LaTeX: ``8 \\times 8 \\times 64``,
    ``(⌊(x-k)/s⌋ + 1) × (⌊(y-k)/s⌋ + 1) × 1``: each factor written with an explicit ``×``, ``\\times``,
    ``·`` or ``*`` outside brackets is a dimension (implicit products such as ``2p`` are not split).
    One pair of brackets around the whole answer and a label (``shape = …``) are allowed. None when
    there is no such product.

    >>> show(parse_shape(r"8 \\times 8 \\times 64")), show(parse_shape("(2p + 1) × 2p × 3"))
    ('(tuple 8 8 64)', '(tuple (add (mul 2 p) 1) (mul 2 p) 3)')
    """
    tokens = tokens_of(text, "separator")
    eqs = [i for i, depth in _depths(tokens) if tokens[i].kind == "EQ" and depth == 0]
    start = eqs[0] + 1 if len(eqs) == 1 else 0
    end = len(tokens) - 1  # the END token
    base = 0
    if tokens[start].kind in ("LP", "LB") and _closing(tokens, start) == end - 1:
        start, end, base = start + 1, end - 1, 1
    cuts = [i for i, depth in _depths(tokens) if start <= i < end and depth == base
            and tokens[i].kind == "OP" and tokens[i].text == "*"]
    if not cuts or any(t.kind in ("COMMA", "SEMI", "BAR") for t in tokens[start:end]):
        return None
    pieces, left = [], start
    for cut in cuts + [end]:
        stop = Token("END", "", tokens[cut].pos)
        pieces.append(Parser(tokens[left:cut] + [stop], text).answer())
        left = cut + 1
    if any(p.tag in ("tuple", "matrix") for p in pieces):
        return None
    return Node("tuple", pieces[0].pos, tuple(pieces))


def _depths(tokens: list[Token]):
    """(index, bracket depth before the token) for each token."""
    depth = 0
    for i, tok in enumerate(tokens):
        if _NEST.get(tok.kind, 0) < 0:
            depth += _NEST[tok.kind]
        yield i, depth
        if _NEST.get(tok.kind, 0) > 0:
            depth += _NEST[tok.kind]


def _closing(tokens: list[Token], i: int) -> int | None:
    """Index of the bracket closing the one at `i`."""
    depth = 0
    for j in range(i, len(tokens)):
        depth += _NEST.get(tokens[j].kind, 0)
        if depth == 0:
            return j
    return None
