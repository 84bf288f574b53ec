"""The answer test against its peers: STACK's and PrairieLearn's own test rows.

    python bench/peer_grader.py [--cases ../shared/peer/grader/cases.json] [--all]

Reads the peers' cases where they are kept (never copied into the project), runs each through
`solver.grading.answertest.answer_test` — the comparison `grade` uses — and prints the agreement
per test family (the contrast group, which tests forms and not values, apart), the false-equal
count (we say equal, the peer different or refused), the unread count (we could not read an
answer the peer reads), and every remaining disagreement with the policy that explains it.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CASES = ROOT.parent / "shared" / "peer" / "grader" / "cases.json"
FIGURES = ("NumSigFigs", "NumDecPlaces")

# Disagreements we keep on purpose: case id -> the policy behind it.
_EXACT = "decimals are exact numbers, not floats: no binary rounding makes them differ (or agree)"
_INF = "∞ follows SymPy's arithmetic (2·∞ = ∞, −∞ is −oo, 0·∞ undefined), as PrairieLearn does"
_MAXIMA = _INF + "; STACK's fixture calls its own verdict here 'a Maxima design issue'"
POLICY = {
    "stack:107": _EXACT, "stack:120": _EXACT,
    "stack:113": "an exact key is compared exactly: 0.99999999 is not 99999998/99999999",
    "stack:151": _INF, "stack:713": _INF, "stack:152": _INF, "stack:642": _MAXIMA, "stack:643": _MAXIMA,
    "stack:293": "log|x²−9| = log|x−3| + log|x+3| at every real x ≠ ±3 (the peer's CAS does not see it)",
    "stack:187": "real symbols range over negative values too: √(k/m)·√(m/k) is −1 where k/m < 0",
    "stack:227": "real symbols range over negative values too: (−cos x)ⁿ is not (−1)ⁿcosⁿx for cos x < 0 "
                 "and n not whole",
    "stack:296": "real symbols range over negative values too: log_a(aˣ) is not real for a < 0",
    "stack:300": "the peer's key uses a Maxima-internal name (_lg), not a reading a student has",
    "stack:302": "the peer's key uses a Maxima-internal name (_lg), not a reading a student has",
    "stack:2723": "figures are rounded in exact decimals: 0.145 is 0.15 to 2 figures (the peer's binary "
                  "float 0.145 is a little below, hence 0.14)",
    "pl:72": "1e3 and 2e-3 are scientific notation (numbers in a CNN course), not 2·e ± 3",
    "pl:73": "1e3 and 2e-3 are scientific notation (numbers in a CNN course), not 2·e ± 3",
    "extra-reject:7": "'if'/'else' are read as unknown names and the answer is graded different with a "
                      "note naming them; nothing is evaluated",
}


def sympy_key(text: str) -> str:
    """The peers' keys are in SymPy's syntax: spell the few names our reader writes otherwise."""
    text = re.sub(r"\bRational\(\s*([^,()]+)\s*,\s*([^,()]+)\)", r"(\1)/(\2)", text)
    text = re.sub(r"\bMatrix\(", "(", text)
    return text.replace("Abs(", "abs(")


def options(case: dict) -> dict:
    """`answer_test` options for a case (figures tests take STACK's option n or [n, m])."""
    opts = {"kind": case.get("kind") or "expr"}
    test = case["test"]
    raw = str(case.get("original", {}).get("options", "")).strip()
    if test == "NumSigFigs":
        opts["sigfigs"] = json.loads(raw) if raw.startswith("[") else int(raw)
    elif test == "NumDecPlaces":
        opts["decimals"] = int(raw)
    else:
        if case.get("rtol") is not None:
            opts["rtol"] = case["rtol"]
        if case.get("atol") is not None:
            opts["atol"] = case["atol"]
    if opts["kind"] not in ("expr", "number", "int", "matrix", "shape"):
        opts["kind"] = "expr"
    return opts


def run_case(case: dict) -> tuple[str, str]:
    """(our verdict, a short reason) for one case."""
    from solver.core.errors import UsageError
    from solver.grading.answertest import answer_test

    try:
        result = answer_test(sympy_key(case["teacher"]), case["student"], lang="en", **options(case))
    except UsageError as exc:
        return "error", exc.message("en")
    except RecursionError:
        return "unknown", "nested too deeply"
    return result["verdict"], "; ".join(result["notes"])


def agrees(ours: str, expected: str) -> bool:
    return {"equal": ours == "equal", "different": ours == "different",
            "reject": ours in ("invalid", "error")}[expected]


def family(case: dict) -> str:
    if case["group"] == "contrast":
        return "contrast: " + case["test"]
    if case["group"] == "security":
        return "security"
    return case["test"] if not case["test"].startswith(("sympy_utils", "pl-")) else "PrairieLearn " + case["test"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=Path, default=CASES)
    ap.add_argument("--all", action="store_true", help="List every disagreement, explained or not.")
    args = ap.parse_args()
    cases = json.loads(args.cases.read_text(encoding="utf-8"))["cases"]
    per = defaultdict(lambda: [0, 0])
    false_equal, unread, missed = [], [], []
    totals = {"figures": [0, 0], "other": [0, 0]}
    for case in cases:
        ours, why = run_case(case)
        ok = agrees(ours, case["expected"])
        fam = family(case)
        per[fam][0] += ok
        per[fam][1] += 1
        if case["group"] != "contrast":
            bucket = totals["figures" if case["test"] in FIGURES else "other"]
            bucket[0] += ok
            bucket[1] += 1
        if ok:
            continue
        row = (case, ours, why)
        if ours == "equal":
            false_equal.append(row)
        if ours in ("invalid", "error") and case["expected"] != "reject":
            unread.append(row)
        if case["group"] != "contrast":
            missed.append(row)
    print(f"{'family':<36} agree / rows")
    for fam in sorted(per):
        good, n = per[fam]
        print(f"{fam:<36} {good:>4} / {n:<4} {100 * good / n:5.1f} %")
    for name, (good, n) in totals.items():
        label = "sigfig/decimal rows" if name == "figures" else "other rows (not contrast)"
        print(f"{label:<36} {good:>4} / {n:<4} {100 * good / max(n, 1):5.1f} %")
    print(f"false-equal (not contrast): {sum(1 for c, _, _ in false_equal if c['group'] != 'contrast')}"
          f"   (contrast: {sum(1 for c, _, _ in false_equal if c['group'] == 'contrast')})")
    print(f"unread: {len(unread)}")
    print("\ndisagreements (not contrast):")
    for case, ours, why in missed:
        policy = POLICY.get(case["id"])
        if policy and not args.all:
            print(f"  {case['id']:<18} {case['test']:<12} {case['student']!r} vs {case['teacher']!r}: "
                  f"peer {case['expected']}, we {ours} — policy: {policy}")
        else:
            print(f"  {case['id']:<18} {case['test']:<12} {case['student']!r} vs {case['teacher']!r}: "
                  f"peer {case['expected']}, we {ours} ({why})" + ("" if policy else "  [UNEXPLAINED]"))


if __name__ == "__main__":
    main()
