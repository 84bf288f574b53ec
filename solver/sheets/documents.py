"""Whole sheets: every exercise of a sheet in order, grouped as in the source, as one document.

`build_markdown` and `build_latex` give the correction (or, with ``answers=False``, the
statement a student receives); `build_pdf` compiles the LaTeX with pdflatex.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile

from solver.core.errors import WorkError
from solver.core.files import match_umask
from solver.core.sheetfile import Sheet
from solver.core.text import Text


def __getattr__(name: str):
    if name == "SHEETS":  # every sheet by id (kept for the callers of the former constant)
        from solver.sheets import registry

        return registry.sheets()
    raise AttributeError(name)


SOLUTION = Text("Correction", "Solution")
STUDENT = Text("énoncé", "statement")
VARIANT = Text("variante {seed}", "variant {seed}")


def get_sheet(sheet_id: str) -> Sheet:
    """The sheet with this id (declared by its folder's sheet.yaml); `UsageError` otherwise."""
    from solver.sheets import registry

    return registry.get_sheet(sheet_id)


def solved_exercises(sheet_id: str, seed: int | None):
    """(exercise, solution) for every exercise of the sheet, in the sheet's order."""
    from solver.sheets import registry

    out = []
    for ex in registry.by_sheet(sheet_id):
        params = ex.make_params(seed if ex.parametrised else None)
        out.append((ex, ex.run(params)))
    return out


def _group(sheet: Sheet, ex_id: str):
    for key in sorted(sheet.groups, key=len, reverse=True):
        if ex_id == key or ex_id.startswith(key + "."):
            return key
    return None


def document_title(sheet: Sheet, lang: str, seed: int | None, answers: bool) -> str:
    kind = SOLUTION(lang) if answers else STUDENT(lang)
    title = f"{sheet.title(lang)} — {kind}"
    return title + (f" ({VARIANT.format(seed=seed)(lang)})" if seed is not None else "")


def _figure(ex, sol, lang, figures_dir, base_dir, ext):
    """Draw the exercise's figure into `figures_dir`; (path relative to base_dir, caption) or None."""
    if figures_dir is None or ex.figure is None:
        return None
    from solver.sheets.figures import draw_figure

    path = os.path.join(figures_dir, f"{ex.id}-{lang}.{ext}")
    draw_figure(ex.figure, sol.params, sol, lang, path)
    return os.path.relpath(path, base_dir), ex.figure.caption


def build_markdown(sheet_id: str, lang: str = "fr", seed: int | None = None, answers: bool = True,
                   figures_dir: str | None = None, base_dir: str = ".") -> str:
    """The sheet as Markdown with `$…$` math; figures (SVG) drawn into `figures_dir` when given."""
    from solver.render.markdown import render_markdown_body, render_statement_markdown

    sheet = get_sheet(sheet_id)
    out = [f"# {document_title(sheet, lang, seed, answers)}", ""]
    current = None
    for ex, sol in solved_exercises(sheet_id, seed):
        group = _group(sheet, ex.id)
        if group != current and group is not None:
            out += [f"## {sheet.groups[group](lang)}", ""]
        current = group
        level = 3 if group is not None else 2
        figure = _figure(ex, sol, lang, figures_dir, base_dir, "svg") if answers else None
        body = render_markdown_body(ex, sol, lang, level, figure) if answers else \
            render_statement_markdown(ex, sol.params, lang, level)
        out.append(body)
    return "\n".join(out)


def build_latex(sheet_id: str, lang: str = "fr", seed: int | None = None, answers: bool = True,
                figures_dir: str | None = None, base_dir: str = ".") -> str:
    """The sheet as a standalone LaTeX document; figures (PDF) drawn into `figures_dir` when given."""
    from solver.render.latex import preamble, render_latex_body, render_statement_latex

    sheet = get_sheet(sheet_id)
    out = [preamble(lang, document_title(sheet, lang, seed, answers))]
    current = None
    for ex, sol in solved_exercises(sheet_id, seed):
        group = _group(sheet, ex.id)
        if group != current and group is not None:
            from solver.render.prose import to_latex

            out.append(rf"\section{{{to_latex(sheet.groups[group](lang))}}}")
        current = group
        section = "subsection" if group is not None else "section"
        figure = _figure(ex, sol, lang, figures_dir, base_dir, "pdf") if answers else None
        out.append(render_latex_body(ex, sol, lang, section, figure) if answers else
                   render_statement_latex(ex, sol.params, lang, section))
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"


def build_pdf(sheet_id: str, output: str, lang: str = "fr", seed: int | None = None,
              answers: bool = True) -> None:
    """The sheet compiled into `output` with pdflatex (twice, for references), figures included.

    On failure the log is kept beside the output (`<output>.log`) and `WorkError` says where.
    """
    if shutil.which("pdflatex") is None:
        raise WorkError(Text(
            "pdflatex est introuvable : installez texlive-latex-base, texlive-latex-recommended et "
            "texlive-lang-french (Markdown et LaTeX fonctionnent sans)",
            "pdflatex not found: install texlive-latex-base, texlive-latex-recommended and "
            "texlive-lang-french (Markdown and LaTeX output work without it)"))
    with tempfile.TemporaryDirectory(prefix="tdsolver-") as tmp:
        source = build_latex(sheet_id, lang, seed, answers, os.path.join(tmp, "figures"), tmp)
        with open(os.path.join(tmp, "sheet.tex"), "w", encoding="utf-8") as fh:
            fh.write(source)
        for _ in range(2):
            run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "sheet.tex"],
                                 cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 timeout=300, env={**os.environ, "SOURCE_DATE_EPOCH": "0",
                                                   "FORCE_SOURCE_DATE": "1"})
            if run.returncode != 0:
                log = output + ".log"
                shutil.copyfile(os.path.join(tmp, "sheet.log"), log)
                raise WorkError(Text(f"pdflatex a échoué ; journal : {log}",
                                     f"pdflatex failed; log: {log}"))
        _replace(os.path.join(tmp, "sheet.pdf"), output)


def write_text(path: str, text: str) -> None:
    """Write a text file atomically (a reader never sees half a file)."""
    with _writing(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)


def _replace(src: str, dst: str) -> None:
    """Move a finished file into place atomically."""
    with _writing(dst) as tmp:
        shutil.copyfile(src, tmp)


@contextlib.contextmanager
def _writing(path: str):
    """A temporary file beside `path`, moved onto it when the block succeeds; OS errors named."""
    try:
        directory = os.path.dirname(os.path.abspath(path))
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tdsolver-")
        os.close(fd)
        match_umask(tmp)
        try:
            yield tmp
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError as exc:
        raise WorkError(Text(f"impossible d'écrire {path} : {exc.strerror or exc}",
                             f"cannot write {path}: {exc.strerror or exc}")) from None
