"""The core types every other part of the engine speaks.

Holds `Text` (a sentence in French and English), the error family, `Param`/`Params` (values kept
symbolic or numeric, seeded variants), `Part`, `Step`, `Solution`, `Diagnosis` and `Exercise`
(`exercise`), `Checks` (the record an exercise's torch cross-check fills), the `sheet.yaml`
declaration (`sheetfile`), loading a teacher's Python file (`modules`) and file modes (`files`).

May import: nothing else from `solver` (the bottom layer).
"""
