"""Corrections as a reader sees them: every equation at the body size, nothing past the margin, files
created with the user's umask."""

import os
import shutil
import stat
import subprocess

import pytest

from solver.sheets.documents import build_latex

SHEET_IDS = ("td2", "devoir", "tp-cnn", "cours-intro", "cours-cnn")


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
@pytest.mark.parametrize("sheet", SHEET_IDS)
@pytest.mark.parametrize("lang,seed", [("fr", None), ("en", None), ("fr", 3)])
def test_every_equation_at_body_size_within_the_margins(sheet, lang, seed, tmp_path):
    source = build_latex(sheet, lang, seed, True, str(tmp_path / "figures"), str(tmp_path))
    assert "resizebox" not in source and "scalebox" not in source  # nothing is ever scaled down
    (tmp_path / "sheet.tex").write_text(source, encoding="utf-8")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "sheet.tex"], cwd=tmp_path,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
    log = (tmp_path / "sheet.log").read_text(encoding="latin-1")
    assert run.returncode == 0, log[-2000:]
    assert "equation wider than the line" not in log
    assert "Overfull \\hbox" not in log


def test_sheet_files_follow_the_umask(tmp_path):
    from click.testing import CliRunner

    import cli

    old = os.umask(0o022)
    try:
        out = tmp_path / "td2.md"
        assert CliRunner().invoke(cli.main, ["sheet", "td2", "-o", str(out)]).exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
