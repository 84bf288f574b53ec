"""What `tdsolver verify` prints: one line per exercise and seed, then the total, in the user's language.

>>> from solver.verify.runner import VerifyResult
>>> lines = report_lines([VerifyResult("td2.II.1", None, "pass", 3, 2.5e-16, ""),
...                       VerifyResult("td2.II.1", 0, "fail", 3, 0.5, "o: 3 != 4")], "fr")
>>> print("\\n".join(line.rstrip() for line in lines))
OK     td2.II.1                     énoncé        3 contrôles  max|err|=2,50e-16
ÉCHEC  td2.II.1                     graine 0      3 contrôles  max|err|=5,00e-01  o: 3 != 4
1 réussi, 1 en échec
"""

from __future__ import annotations

from collections.abc import Sequence

from solver.core.text import Text

STATUS = {"pass": Text("OK", "PASS"), "fail": Text("ÉCHEC", "FAIL"), "skip": Text("SAUTÉ", "SKIP")}
SHEET = Text("énoncé", "sheet")
SEED = Text("graine", "seed")


def report_lines(results: Sequence, lang: str) -> list[str]:
    """The table of results and the closing total."""
    lines = [_line(r, lang) for r in results]
    failed = sum(r.status == "fail" for r in results)
    lines.append(_total(len(results) - failed, failed)(lang))
    return lines


def _line(result, lang: str) -> str:
    seed = SHEET(lang) if result.seed is None else f"{SEED(lang)} {result.seed}"
    err = "" if result.max_abs_err is None else f"  max|err|={_sci(result.max_abs_err, lang)}"
    detail = result.detail(lang) if isinstance(result.detail, Text) else result.detail
    return (f"{STATUS[result.status](lang):<6} {result.id:<28} {seed:<10} {result.checks:>4} {_checks(result.checks)(lang)}{err}"
            + (f"  {detail}" if detail else ""))


def _checks(n: int) -> Text:
    return Text("contrôle" if n == 1 else "contrôles", "check" if n == 1 else "checks")


def _sci(value: float, lang: str) -> str:
    text = f"{value:.2e}"
    return text.replace(".", ",") if lang == "fr" else text


def _total(ok: int, failed: int) -> Text:
    return Text(f"{ok} réussi{'s' if ok > 1 else ''}, {failed} en échec", f"{ok} passed, {failed} failed")
