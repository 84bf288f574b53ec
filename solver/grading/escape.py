"""Student text as data in every output: Markdown, HTML, spreadsheet cells, the terminal.

Whatever a student typed (name, answers, part ids, seed, file name, messages quoting them)
goes through one of these before it is written, so that it is shown, never interpreted.

>>> markdown("<img src=x onerror=alert(1)> **bold** `code` [a](b)\\n# title")
'&lt;img src=x onerror=alert(1)&gt; \\\\*\\\\*bold\\\\*\\\\* \\\\`code\\\\` \\\\[a\\\\](b) \\\\# title'
>>> html_text('<b class="x">&</b>')
'&lt;b class=&quot;x&quot;&gt;&amp;&lt;/b&gt;'
>>> [csv_cell(v) for v in ("=1+2", "-3", "@SUM(A1)", "alice", -3, 2.5, None)]
["'=1+2", "'-3", "'@SUM(A1)", 'alice', -3, 2.5, '']
>>> terminal("ali\\u202ece\\x1b[31m\\nbob")
'alice[31m bob'
"""

from __future__ import annotations

import html
import re
import unicodedata

# Characters with a meaning in CommonMark/GFM inline text (and MathJax's `$`); `<`, `>` and `&`
# become entities instead, so that no raw HTML survives.
_MARKDOWN = re.compile(r"[\\`*_\[\]{}#!|~$]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def _visible(char: str) -> bool:
    """False for control, format (bidi overrides, zero-width) and separator characters."""
    return unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")


def one_line(text: object) -> str:
    """The text on one line: whitespace runs (newlines included) become one space, invisible
    characters go.

    >>> one_line("a\\n\\n b\\u200b\\tc")
    'a b c'
    """
    text = str(text)
    spaced = "".join(" " if c.isspace() else c for c in text)
    return " ".join("".join(c for c in spaced if _visible(c)).split())


def terminal(text: object) -> str:
    """Safe to print: one line, no escape sequence, no bidi override."""
    return one_line(text)


def markdown(text: object) -> str:
    """Literal Markdown inline text: one line, every active character escaped."""
    escaped = html.escape(one_line(text), quote=False)
    return _MARKDOWN.sub(lambda m: "\\" + m.group(), escaped)


def html_text(text: object) -> str:
    """Literal HTML text or attribute value."""
    return html.escape(str(text), quote=True)


def csv_cell(value: object) -> object:
    """A gradebook cell a spreadsheet shows as text (OWASP's CSV injection advice): a string
    starting with = + - @ tab or a line break gets a leading single quote. Numbers written by
    the grader itself (int/float) stay numbers; None is an empty cell."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.lstrip(" ").startswith(FORMULA_START) else text
