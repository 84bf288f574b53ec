"""One variant of a sheet per student: statements, teacher keys, submission files, a student → seed table.

A student's seed is derived from the sheet and the student's name (stable when the class list
is reordered or grows), so `tdsolver grade` finds each student's variant through the `seed` of
the submission, or through the `keys.json` table written here.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import unicodedata

from .errors import WorkError
from .text import Text

EXTENSIONS = {"markdown": "md", "latex": "tex", "pdf": "pdf"}
HEADERS = {"name", "nom", "student", "étudiant", "etudiant", "eleve", "élève"}


def student_seed(sheet_id: str, student: str) -> int:
    """A stable seed for this student and sheet.

    >>> student_seed("td2", "Alice Martin") == student_seed("td2", "Alice Martin")
    True
    >>> student_seed("td2", "Alice Martin") != student_seed("devoir", "Alice Martin")
    True
    """
    digest = hashlib.sha256(f"{sheet_id}/{student.strip()}".encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % 1_000_000


def slug(name: str) -> str:
    """A file name for a student.

    >>> slug("Élodie  D'Arc")
    'elodie-d-arc'
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "student"


def read_class_list(path: str) -> list[str]:
    """Student names from the first column of a CSV file (a header row is skipped)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            sample = fh.read(4096)
            fh.seek(0)
            dialect = _dialect(sample)
            rows = [r for r in csv.reader(fh, dialect) if r and r[0].strip()]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise WorkError(Text(f"liste de classe illisible {path} : {exc}",
                             f"cannot read class list {path}: {exc}")) from None
    if rows and rows[0][0].strip().lower() in HEADERS:
        rows = rows[1:]
    names = [r[0].strip() for r in rows]
    if not names:
        raise WorkError(Text(f"la liste de classe {path} est vide", f"the class list {path} is empty"))
    slugs = [slug(n) for n in names]
    twins = sorted({s for s in slugs if slugs.count(s) > 1})
    if twins:
        raise WorkError(Text(f"noms en double dans {path} : {', '.join(twins)}",
                             f"duplicate names in {path}: {', '.join(twins)}"))
    return names


def _dialect(sample: str):
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:  # one column: no delimiter to find
        return csv.excel


def write_class_variants(sheet_id: str, class_csv: str, out_dir: str, fmt: str, lang: str) -> list[dict]:
    """Per student: the statement of their variant, the teacher's key and a blank submission
    carrying the student's name and seed (what `tdsolver grade` reads); then keys.json."""
    from . import registry, sheets
    from .grading.template import template_yaml

    table = []
    for name in read_class_list(class_csv):
        seed = student_seed(sheet_id, name)
        base = slug(name)
        for answers, folder in ((False, "statements"), (True, "keys")):
            path = os.path.join(out_dir, folder, f"{base}.{EXTENSIONS[fmt]}")
            if fmt == "pdf":
                sheets.build_pdf(sheet_id, path, lang, seed, answers)
            else:
                build = sheets.build_markdown if fmt == "markdown" else sheets.build_latex
                sheets.write_text(path, build(sheet_id, lang, seed, answers))
        sheets.write_text(os.path.join(out_dir, "submissions", f"{base}.yaml"),
                          template_yaml(registry.by_sheet(sheet_id), seed, lang, sheet=sheet_id, student=name))
        table.append({"student": name, "file": base, "seed": seed})
    sheets.write_text(os.path.join(out_dir, "keys.json"),
                      json.dumps({"sheet": sheet_id, "students": table}, ensure_ascii=False, indent=2) + "\n")
    return table
