"""A sheet as its folder declares it: the `sheet.yaml` beside the sheet's exercises.

Read with ``yaml.safe_load`` only (no SymPy, no torch): `list` and `show` stay fast. Every
mistake in the file is a `UsageError` naming the file and the field.

>>> import pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "sheet.yaml").write_text("id: exam\\ntitle: {fr: Examen, en: Exam}\\norder: [exam.2, exam.1]\\n")
>>> sheet = read_sheet(folder)
>>> sheet.id, sheet.title("en"), sheet.order, sheet.rank
('exam', 'Exam', ('exam.2', 'exam.1'), None)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from solver.core.errors import UsageError
from solver.core.text import Text

SHEET_FILE = "sheet.yaml"
_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
_FIELDS = ("id", "title", "order", "groups", "rank")


@dataclass(frozen=True)
class Sheet:
    """One sheet: its id, title, the order of its exercises, its group headings, its catalogue rank.

    `groups` maps an exercise-id prefix (``td2.II``) to the heading of the exercises under it;
    `order` lists exercise ids in the sheet's order (the others follow, by their numbering);
    `rank` places the sheet in the catalogue (unranked sheets come last, by id).
    """

    id: str
    title: Text
    groups: dict = field(default_factory=dict)
    order: tuple[str, ...] = ()
    rank: int | None = None
    folder: str = ""

    @property
    def catalogue_key(self) -> tuple:
        return (self.rank is None, self.rank or 0, self.id)


def sheet_error(path, field_name: str, fr: str, en: str) -> UsageError:
    """The one-line error about one field of a sheet or exercise file."""
    return UsageError(Text(f"{path} : champ « {field_name} » : {fr}", f"{path}: field '{field_name}': {en}"))


def check_fields(path, data, allowed, described: str, first: str) -> None:
    """A YAML mapping whose keys are all `allowed`; otherwise a `sheet_error` naming the first
    field at fault (`described`: what the mapping holds, e.g. ``id, title…``)."""
    if not isinstance(data, dict):
        raise sheet_error(path, first, f"le fichier doit être un dictionnaire YAML ({described})",
                          f"the file must be a YAML mapping ({described})")
    unknown = sorted(str(k) for k in data if k not in allowed)
    if unknown:
        raise sheet_error(path, unknown[0], f"champ inconnu (champs permis : {', '.join(allowed)})",
                          f"unknown field (allowed: {', '.join(allowed)})")


def load_yaml(path: Path):
    """A small YAML file, safely; a file that cannot be read or parsed is a one-line `UsageError`."""
    import yaml

    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except OSError as exc:
        raise UsageError(Text(f"{path} : illisible ({exc.strerror or exc})",
                              f"{path}: cannot be read ({exc.strerror or exc})")) from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UsageError(Text(f"{path} : YAML invalide ({first})", f"{path}: invalid YAML ({first})")) from None


def bilingual(value, path, field_name: str) -> Text:
    """A ``{fr: …, en: …}`` mapping (or one string for both languages) as a `Text`."""
    if isinstance(value, str) and value.strip():
        return Text(value, value)
    if isinstance(value, dict) and set(value) <= {"fr", "en"} and value and \
            all(isinstance(v, str) and v.strip() for v in value.values()):
        fr = value["fr"] if "fr" in value else value["en"]
        return Text(fr, value["en"] if "en" in value else fr)
    raise sheet_error(path, field_name, "attendu {fr: « … », en: « … »}", "expected {fr: '…', en: '…'}")


def read_sheet(folder) -> Sheet:
    """The `Sheet` declared by ``folder/sheet.yaml``."""
    folder = Path(folder)
    path = folder / SHEET_FILE
    data = load_yaml(path)
    check_fields(path, data, _FIELDS, "id, title…", "id")
    sheet_id = data.get("id")
    if not isinstance(sheet_id, str) or not _ID.fullmatch(sheet_id):
        raise sheet_error(path, "id", "un identifiant (lettres, chiffres, - et _) est requis",
                          "an identifier (letters, digits, - and _) is required")
    if "title" not in data:
        raise sheet_error(path, "title", "requis", "required")
    title = bilingual(data["title"], path, "title")
    order = data.get("order") or []
    if not isinstance(order, list) or not all(isinstance(i, str) for i in order) or len(set(order)) != len(order):
        raise sheet_error(path, "order", "une liste d'identifiants d'exercices, sans doublon",
                          "a list of exercise ids, without repeats")
    groups = data.get("groups") or {}
    if not isinstance(groups, dict):
        raise sheet_error(path, "groups", "un dictionnaire préfixe d'identifiant → {fr, en}",
                          "a mapping id prefix → {fr, en}")
    headings = {str(k): bilingual(v, path, f"groups.{k}") for k, v in groups.items()}
    rank = data.get("rank")
    if rank is not None and (isinstance(rank, bool) or not isinstance(rank, int)):
        raise sheet_error(path, "rank", "un entier", "an integer")
    return Sheet(sheet_id, title, headings, tuple(order), rank, str(folder))
