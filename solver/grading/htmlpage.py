"""Self-contained HTML pages for the teacher and the students: escaping, tables, numbers, style.

A page has its CSS inline, no script and no link outside itself. Every cell is escaped unless it
is `Html` (markup this code built); escaping is `escape.html_text` (quotes included).
"""

from __future__ import annotations

from typing import Iterable, Sequence

from .escape import html_text

NUM = ' class="num"'


class Html(str):
    """Markup built here, put in a page as it is."""


def esc(value) -> Html:
    """Text as HTML (already-built `Html` is kept).

    >>> esc('<b>"x" & y</b>'), esc(Html("<b>ok</b>"))
    ('&lt;b&gt;&quot;x&quot; &amp; y&lt;/b&gt;', '<b>ok</b>')
    """
    return value if isinstance(value, Html) else Html(html_text(value))


def code(text: str) -> Html:
    """Text shown as code (an empty text stays empty)."""
    return Html(f"<code>{esc(text)}</code>") if text else Html("")


def tag(name: str, content, cls: str | None = None) -> Html:
    """``<name class="cls">content</name>``, the content escaped unless `Html`."""
    attr = f' class="{esc(cls)}"' if cls else ""
    return Html(f"<{name}{attr}>{esc(content)}</{name}>")


def table(head: Sequence, rows: Iterable[Sequence], numeric: Sequence[int] = (), cls: str | None = None) -> Html:
    """A table; the columns whose indexes are in `numeric` are right-aligned."""
    def row(cells, cell_tag):
        return "<tr>" + "".join(
            f"<{cell_tag}{NUM if k in numeric else ''}>{esc(c)}</{cell_tag}>" for k, c in enumerate(cells)) + "</tr>"
    attr = f' class="{esc(cls)}"' if cls else ""
    body = "\n".join(row(r, "td") for r in rows)
    return Html(f"<table{attr}>\n<thead>{row(head, 'th')}</thead>\n<tbody>\n{body}\n</tbody>\n</table>")


def number(x: float, lang: str, digits: int = 2) -> str:
    """`x` rounded to `digits` places, no trailing zeros, with a decimal comma in French.

    >>> number(7.256, "fr"), number(7.0, "fr"), number(-0.5, "en"), number(1234.5, "fr", 1)
    ('7,26', '7', '-0.5', '1234,5')
    """
    text = f"{x:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{x:.0f}"
    text = "0" if text in ("-0", "") else text
    return text.replace(".", ",") if lang == "fr" else text


def percent(share: float, lang: str) -> str:
    """A share as a percentage (a non-breaking space before % in French).

    >>> percent(0.735, "fr"), percent(1, "en")
    ('73,5\\xa0%', '100%')
    """
    value = number(100 * share, lang, 1)
    return f"{value}\u00a0%" if lang == "fr" else f"{value}%"


STYLE = """
body{font-family:"DejaVu Sans",system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;
 margin:0;background:#f4f5f7;color:#1f2933;line-height:1.45}
main{max-width:1000px;margin:0 auto;padding:24px 28px 48px;background:#fff;min-height:100vh;
 box-shadow:0 0 12px rgba(0,0,0,.06)}
h1{font-size:1.7em;margin:.2em 0 .6em;color:#102a43}
h2{font-size:1.25em;margin:1.8em 0 .5em;padding-bottom:.25em;border-bottom:2px solid #d9e2ec;color:#243b53}
h3{font-size:1.05em;margin:1.3em 0 .3em;color:#243b53}
p.note{color:#52606d;font-size:.9em;margin:.3em 0 .8em}
table{border-collapse:collapse;width:100%;margin:.4em 0 1em;font-size:.92em}
th,td{padding:5px 9px;border-bottom:1px solid #e4e7eb;text-align:left;vertical-align:top}
th{background:#f0f4f8;font-weight:600;color:#334e68}
tbody tr:nth-child(even){background:#fafbfc}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
code{font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:.92em;background:#f0f4f8;
 padding:1px 4px;border-radius:3px;word-break:break-word}
td code{white-space:nowrap}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px;margin:.5em 0 1em}
.card{border:1px solid #d9e2ec;border-radius:8px;padding:8px 12px;background:#f8fafc}
.card .v{font-size:1.45em;font-weight:700;color:#102a43}
.card .k{font-size:.8em;color:#627d98;text-transform:uppercase;letter-spacing:.03em}
.flag{color:#b42318;font-weight:600}
.ok{color:#1e7b34}
.bad{color:#b42318}
.mid{color:#b54708}
.students{color:#52606d;font-size:.88em}
figure{margin:.5em 0 1em;text-align:center}
figure img{max-width:100%;height:auto}
"""


def page(title: str, body: Sequence[str], lang: str) -> str:
    """A complete page: `body` is a list of `Html` blocks."""
    return (f'<!DOCTYPE html>\n<html lang="{esc(lang)}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{esc(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"
            + "\n".join(body) + "\n</main>\n</body>\n</html>\n")
