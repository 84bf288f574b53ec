"""One variant of a sheet per student: statements, teacher keys, submission files, a student → seed table.

A student's seed is derived from the sheet and the student's identifier (stable when the class
list is reordered or grows), so `tdsolver grade` finds each student's variant through the
`keys.json` table written here (``grade --keys``, see `solver.grading.roster`), or else the `seed`
of the submission. The roster CSV may have a header row (`HEADER_WORDS`); every column is kept.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import unicodedata

from solver.core.errors import WorkError
from solver.core.text import Text

EXTENSIONS = {"markdown": "md", "latex": "tex", "pdf": "pdf"}
# Header names of a roster column (compared folded: lower case, no accents, "_" for spaces and
# hyphens). The identifier is the first column found among IDENTIFIERS, else the first and last
# names joined, else a column of NAMES, else the first column.
IDENTIFIERS = ("student", "etudiant", "eleve", "id", "student_id", "identifiant", "numero", "login", "username",
               "email", "e_mail", "mail", "courriel")
FIRST_NAMES = ("first_name", "firstname", "prenom", "given_name")
LAST_NAMES = ("last_name", "lastname", "surname", "family_name", "nom_de_famille")
NAMES = ("name", "nom", "full_name", "nom_complet", "student_name")
HEADER_WORDS = set(IDENTIFIERS + FIRST_NAMES + LAST_NAMES + NAMES + ("group", "groupe", "students", "etudiants"))
RESERVED = ("student", "file", "seed")


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


def read_class_list(path: str) -> list[dict]:
    """The students of a roster CSV (comma, semicolon or tab), one dict per row: ``student`` (the
    identifier, see `IDENTIFIERS`) and every other column under its header name (``column_2``,
    ``column_3``… without a header row). Rows without an identifier are skipped."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            sample = fh.read(4096)
            fh.seek(0)
            rows = [[c.strip() for c in r] for r in csv.reader(fh, _dialect(sample)) if any(c.strip() for c in r)]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise WorkError(Text(f"liste de classe illisible {path} : {exc}",
                             f"cannot read class list {path}: {exc}")) from None
    students = roster_rows(rows)
    if not students:
        raise WorkError(Text(f"la liste de classe {path} est vide", f"the class list {path} is empty"))
    slugs = [slug(s["student"]) for s in students]
    twins = sorted({s for s in slugs if slugs.count(s) > 1})
    if twins:
        raise WorkError(Text(f"noms en double dans {path} : {', '.join(twins)}",
                             f"duplicate names in {path}: {', '.join(twins)}"))
    return students


def fold(name: str) -> str:
    """A header name compared without case, accents or spacing.

    >>> fold(" Prénom "), fold("E-mail"), fold("First Name")
    ('prenom', 'e_mail', 'first_name')
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[\s\-]+", "_", ascii_name.strip().lower())


def roster_rows(rows: list[list[str]]) -> list[dict]:
    """Rows of a roster as student dicts; the first row is a header when it names a known column.

    >>> roster_rows([["Nom", "Prénom", "Groupe"], ["Martin", "Alice", "G1"]])
    [{'student': 'Alice Martin', 'Nom': 'Martin', 'Prénom': 'Alice', 'Groupe': 'G1'}]
    >>> roster_rows([["Nom", "Prénom", "E-mail"], ["Martin", "Alice", "a@x.fr"]])[0]["student"]
    'a@x.fr'
    >>> roster_rows([["id", "name"], ["s1", "Bob"]]), roster_rows([["Bob", "G2"]])
    ([{'student': 's1', 'name': 'Bob'}], [{'student': 'Bob', 'column_2': 'G2'}])
    """
    if not rows:
        return []
    header = [fold(c) for c in rows[0]]
    if any(h in HEADER_WORDS for h in header):
        names, body = list(rows[0]), rows[1:]
    else:
        names, body = ["column_1"] + [f"column_{n}" for n in range(2, 1 + max(len(r) for r in rows))], rows
        header = []
    names = [n if fold(n) not in RESERVED[1:] else f"roster_{n}" for n in names]
    identify, used = _identifier(header)
    students = []
    for row in body:
        cells = zip(names, row + [""] * (len(names) - len(row)))
        student = identify(row)
        if student:
            students.append({"student": student, **{n: v for i, (n, v) in enumerate(cells) if i != used}})
    return students


def _identifier(header: list[str]):
    """A function giving a row's identifier from the folded header (no header: the first column),
    and the index of the column it is (None: first and last names joined)."""
    def column(n):
        return (lambda row: row[n].strip() if n < len(row) else ""), n

    for wanted in IDENTIFIERS:
        if wanted in header:
            return column(header.index(wanted))
    first = next((header.index(h) for h in FIRST_NAMES if h in header), None)
    last = next((header.index(h) for h in LAST_NAMES + ("nom",) if h in header), None)
    if first is not None and last is not None:
        return (lambda row: " ".join(column(n)[0](row) for n in (first, last)).strip()), None
    for wanted in NAMES:
        if wanted in header:
            return column(header.index(wanted))
    return column(0)


def _dialect(sample: str):
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:  # one column: no delimiter to find
        return csv.excel


def write_class_variants(sheet_id: str, class_csv: str, out_dir: str, fmt: str, lang: str) -> list[dict]:
    """Per student: the statement of their variant, the teacher's key and a blank submission
    carrying the student's name and seed (what `tdsolver grade` reads); then keys.json."""
    from solver.grading.template import template_yaml
    from solver.sheets import documents as sheets
    from solver.sheets import registry

    table = []
    for row in read_class_list(class_csv):
        name = row["student"]
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
        table.append({"student": name, "file": base, "seed": seed,
                      **{k: v for k, v in row.items() if k != "student"}})
    sheets.write_text(os.path.join(out_dir, "keys.json"),
                      json.dumps({"sheet": sheet_id, "students": table}, ensure_ascii=False, indent=2) + "\n")
    return table
