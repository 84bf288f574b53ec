"""Sheets and their documents.

`registry` finds every exercise by id or alias, in sheet order: the built-in sheets (the
sub-packages of `exercises` that hold a `sheet.yaml`) and a course folder's (`course`).
`documents` writes corrections and statements (Markdown, LaTeX, PDF); `figures` draws the
figures an exercise declares.

May import: `solver.core`, `solver.maths`, `solver.derive`, `solver.render`, `solver.analyze`
(model exercises of a course folder); and the `exercises` package, only to find the built-in sheets.
"""
