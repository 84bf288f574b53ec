"""tdsolver's command line: a thin click layer over `solver/`.

Parse options, call the engine, print, and map the engine's errors to exit codes
(0 success, 1 the work failed, 2 a usage error). Heavy imports happen inside commands.
"""

from __future__ import annotations

import functools
import json
import os
import sys

import click

from solver import __version__
from solver.errors import TdError, UsageError
from solver.text import LANGS, Text

LANG = click.option("--lang", type=click.Choice(LANGS), default="fr", show_default=True,
                    help="Language of the prose / langue du texte.")


def engine_errors(command):
    """Turn the engine's errors into one line on stderr and the contract's exit code."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        lang = kwargs.get("lang", "fr")
        try:
            return command(*args, **kwargs)
        except TdError as exc:
            click.echo(f"tdsolver: {exc.message(lang)}", err=True)
            sys.exit(exc.exit_code)
        except OSError as exc:  # the file system refused (a folder that cannot be written…)
            where = exc.filename or ""
            click.echo(f"tdsolver: {where}: {exc.strerror or exc}", err=True)
            sys.exit(1)
    return wrapper


def parse_overrides(pairs: tuple[str, ...]) -> dict[str, str]:
    """`-p NAME=VALUE` options as a dict (values are parsed by each parameter's declaration)."""
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(Text(f"-p attend NOM=VALEUR, reçu « {pair} »",
                                  f"-p expects NAME=VALUE, got '{pair}'"))
        out[name.strip()] = value
    return out


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=__version__, prog_name="tdsolver")
def main():
    """Solve, explain and grade the exercises of CNN tutorial sheets."""


@main.command("list")
@click.option("--sheet", help="Only this sheet (td2, devoir, tp-cnn, cours-intro, cours-cnn).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@LANG
@engine_errors
def list_command(sheet, as_json, lang):
    """The catalogue: id, aliases, sheet, title and parts of every exercise."""
    from solver import registry

    if sheet is not None and sheet not in registry.SHEETS:
        raise UsageError(Text(f"feuille inconnue « {sheet} » (feuilles : {', '.join(registry.SHEETS)})",
                              f"unknown sheet '{sheet}' (sheets: {', '.join(registry.SHEETS)})"))
    exercises = registry.by_sheet(sheet) if sheet else registry.all_exercises()
    if as_json:
        rows = [{"id": e.id, "aliases": list(e.aliases), "sheet": e.sheet, "title": e.title(lang),
                 "parts": [{"id": p.id, "kind": p.kind} for p in e.parts]} for e in exercises]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    width = max((len(e.id) for e in exercises), default=0) + 2
    for e in exercises:
        aliases = f" ({', '.join(e.aliases)})" if e.aliases else ""
        parts = ", ".join(f"{p.id}:{p.kind}" for p in e.parts)
        click.echo(f"{e.id:<{width}}{e.title(lang)}{aliases}\n{'':<{width}}{parts}")


@main.command()
@click.argument("exercise_id")
@click.option("--seed", type=int, help="Draw the variant of this seed.")
@click.option("-p", "overrides", multiple=True, metavar="NAME=VALUE", help="Set a parameter.")
@LANG
@engine_errors
def show(exercise_id, seed, overrides, lang):
    """The statement of an exercise and the parts to answer."""
    from solver import registry
    from solver.render.prose import to_plain

    ex = registry.get(exercise_id)
    params = ex.make_params(seed, parse_overrides(overrides))
    click.echo(f"{ex.id} — {ex.heading(params)(lang)}\n")
    click.echo(to_plain(ex.statement(params)(lang)) + "\n")
    for part in ex.parts:
        click.echo(f"  {ex.id}/{part.id} [{part.kind}] {to_plain(part.prompt(lang))}")


@main.command()
@click.argument("exercise_id")
@click.option("--seed", type=int, help="Draw the variant of this seed.")
@click.option("-p", "overrides", multiple=True, metavar="NAME=VALUE", help="Set a parameter.")
@click.option("--format", "fmt", type=click.Choice(("text", "markdown", "latex", "json")), default="text",
              show_default=True)
@LANG
@engine_errors
def solve(exercise_id, seed, overrides, fmt, lang):
    """The derivation, step by step, and the answer of every part."""
    from solver import registry
    from solver.render import render

    ex = registry.get(exercise_id)
    params = ex.make_params(seed, parse_overrides(overrides))
    click.echo(render(ex, ex.run(params), fmt, lang), nl=False)


VERIFY_WORDS = {
    "fr": {"pass": "OK", "fail": "ÉCHEC", "skip": "SAUTÉ", "sheet": "énoncé", "seed": "graine",
           "checks": "contrôles", "total": "{ok} réussis, {failed} en échec"},
    "en": {"pass": "PASS", "fail": "FAIL", "skip": "SKIP", "sheet": "sheet", "seed": "seed",
           "checks": "checks", "total": "{ok} passed, {failed} failed"},
}


@main.command()
@click.argument("exercise_ids", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Every exercise of the catalogue.")
@click.option("--seeds", type=click.IntRange(0, 1000), default=10, show_default=True,
              help="Seeded variants checked besides the sheet's values (seeds 0..N-1).")
@click.option("--jobs", type=click.IntRange(1, 64), default=None,
              help="Processes to use (default: the number of cores, at most 4).")
@click.option("--json", "as_json", is_flag=True)
@LANG
@engine_errors
def verify(exercise_ids, all_, seeds, jobs, as_json, lang):
    """Cross-check the answers numerically with PyTorch."""
    from solver import registry
    from solver.verify import verify_many

    if not exercise_ids and not all_:
        raise UsageError(Text("donnez des identifiants d'exercices ou --all",
                              "give exercise ids or --all"))
    exercises = registry.all_exercises() if all_ else [registry.get(i) for i in exercise_ids]
    results = verify_many(exercises, seeds, jobs or min(os.cpu_count() or 1, 4))
    if as_json:
        click.echo(json.dumps([r.as_dict() for r in results], indent=2))
    else:
        words = VERIFY_WORDS[lang]
        for r in results:
            seed = words["sheet"] if r.seed is None else f"{words['seed']} {r.seed}"
            err = "" if r.max_abs_err is None else f"  max|err|={r.max_abs_err:.2e}"
            click.echo(f"{words[r.status]:<6} {r.id:<28} {seed:<10} {r.checks:>4} {words['checks']}{err}"
                       + (f"  {r.detail}" if r.detail else ""))
        failed = sum(r.status == "fail" for r in results)
        click.echo(words["total"].format(ok=len(results) - failed, failed=failed))
    if any(r.status == "fail" for r in results):
        sys.exit(1)


@main.command()
@click.argument("sheet_id", metavar="SHEET")
@click.option("--format", "fmt", type=click.Choice(("markdown", "latex", "pdf")), default="markdown",
              show_default=True)
@click.option("--seed", type=int, help="Draw the variant of this seed for every parametrised exercise.")
@click.option("--answers/--no-answers", default=True, show_default=True,
              help="Teacher's correction, or the statement a student receives.")
@click.option("-o", "output", type=click.Path(), help="Write to this file (a folder with --class).")
@click.option("--class", "class_csv", type=click.Path(dir_okay=False),
              help="CSV of student names: one variant per student, with keys, into the -o folder.")
@LANG
@engine_errors
def sheet(sheet_id, fmt, seed, answers, output, class_csv, lang):
    """Regenerate the full correction (or statement) of a sheet."""
    from solver import sheets

    sheets.get_sheet(sheet_id)
    if class_csv:
        from solver.classlist import write_class_variants

        if not output:
            raise UsageError(Text("--class demande -o DOSSIER", "--class needs -o FOLDER"))
        table = write_class_variants(sheet_id, class_csv, output, fmt, lang)
        click.echo(f"{len(table)} → {os.path.join(output, 'keys.json')}")
        return
    if fmt == "pdf":
        if not output:
            raise UsageError(Text("--format pdf demande -o FICHIER.pdf", "--format pdf needs -o FILE.pdf"))
        sheets.build_pdf(sheet_id, output, lang, seed, answers)
        click.echo(output)
        return
    build = sheets.build_markdown if fmt == "markdown" else sheets.build_latex
    if output:
        base = os.path.dirname(os.path.abspath(output))
        figures = os.path.splitext(os.path.abspath(output))[0] + "-figures"
        sheets.write_text(output, build(sheet_id, lang, seed, answers, figures, base))
    else:
        click.echo(build(sheet_id, lang, seed, answers), nl=False)


@main.command()
@click.argument("target", metavar="FILE.py:NAME")
@click.option("--input", "input_", default="3,224,224", show_default=True, metavar="C,H,W",
              help="Shape of one input sample (C,H,W, or C,L for 1D).")
@click.option("--arg", "args", multiple=True, metavar="NAME=VALUE", help="Constructor argument (int, float, bool, str).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--explain", is_flag=True, help="Explain every row (shape, parameters, receptive field).")
@click.option("--no-check", is_flag=True, help="Skip the self-checks (real forward, numel, gradient support).")
@LANG
@engine_errors
def analyze(target, input_, args, as_json, explain, no_check, lang):
    """Per-layer shapes, parameters, receptive fields and mult-adds of a PyTorch network."""
    from solver import analyze as A

    shape = A.parse_input(input_)
    kwargs = dict(A.parse_arg(a) for a in args)
    model = A.load(target, kwargs)
    label = target.replace("\\", "/").rsplit("/", 1)[-1]
    result = A.analyze(model, shape, label, check=not no_check)
    if as_json:
        click.echo(json.dumps(result.as_dict(), indent=2))
    else:
        click.echo(A.table(result, lang), nl=False)
    if explain and not as_json:
        from solver.render.prose import to_plain
        from solver.render.text import pretty

        for n, step in enumerate(A.explain(result), 1):
            click.echo(f"{n}. {to_plain(step.text(lang))}")
            if step.math is not None:
                click.echo("     " + pretty(step.math).replace("\n", "\n     "))
    if result.checks is not None and not result.checks.ok:
        sys.exit(1)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True), metavar="FILE|DIR...")
@click.option("--out", "out_dir", type=click.Path(file_okay=False),
              help="Write gradebook.csv, grades.json, feedback/ and results/ (Gradescope) here.")
@click.option("--json", "as_json", is_flag=True, help="Print the grades as JSON.")
@click.option("--jobs", type=click.IntRange(1, 64), default=None,
              help="Worker processes (default: the number of cores, at most 4).")
@click.option("--timeout", type=click.FloatRange(0.1, 600), default=3.0, show_default=True,
              help="Seconds allowed to check one answer (then: unknown).")
@LANG
@engine_errors
def grade(paths, out_dir, as_json, jobs, timeout, lang):
    """Grade submissions (YAML/JSON files, or folders of them)."""
    from pathlib import Path

    from solver.grading.output import write_outputs
    from solver.grading.submission import expand, grade_paths

    exclude = (out_dir,) if out_dir else ()
    if not expand(paths, exclude):
        raise UsageError(Text("aucun fichier de copie (.yaml, .yml, .json) trouvé",
                              "no submission file (.yaml, .yml, .json) found"))
    reports = grade_paths(paths, jobs or min(os.cpu_count() or 1, 4), timeout, _progress_bar(), exclude)
    if out_dir:
        write_outputs(Path(out_dir), reports, lang)
    if as_json:
        data = [r.as_dict(lang) for r in reports]
        single = len(paths) == 1 and not Path(paths[0]).is_dir()
        click.echo(json.dumps(data[0] if single else data, ensure_ascii=False, indent=2))
    else:
        for r in reports:
            status = f"  ({r.error(lang)})" if r.error else ""
            click.echo(f"{r.student:<24} {r.score:g}/{r.max_score:g}  {r.file}{status}")
        if out_dir:
            click.echo(f"{len(reports)} → {out_dir}")
    if any(r.error for r in reports):
        sys.exit(1)


def _progress_bar():
    """A progress callback drawing on stderr, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        return None

    def show(done, total):
        width = 30
        filled = width * done // max(total, 1)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()
    return show


@main.command()
@click.argument("target", metavar="SHEET|ID")
@click.option("--seed", type=int, help="The variant this submission is for.")
@LANG
@engine_errors
def template(target, seed, lang):
    """A blank submission file (YAML) listing every part with its kind and a syntax hint."""
    from solver import registry
    from solver.grading.template import template_yaml

    if target in registry.SHEETS:
        click.echo(template_yaml(registry.by_sheet(target), seed, lang, sheet=target), nl=False)
    else:
        click.echo(template_yaml([registry.get(target)], seed, lang), nl=False)


@main.group()
def export():
    """Bridges to Moodle (XML question bank) and Jupyter (notebook)."""


@export.command("moodle")
@click.argument("targets", nargs=-1, required=True, metavar="SHEET|ID...")
@click.option("--variants", type=click.IntRange(1, 500), default=None,
              help="Questions per exercise, seeds S..S+N-1 (default: the sheet's own values).")
@click.option("--seed", type=int, default=None, help="First seed of the variants (default 0).")
@click.option("-o", "output", type=click.Path(dir_okay=False), required=True, help="The XML file to write.")
@LANG
@engine_errors
def export_moodle_command(targets, variants, seed, output, lang):
    """A Moodle XML question bank: one category per exercise, one question per variant."""
    from solver import sheets
    from solver.export import exercises_of
    from solver.export.moodle import essay_message, export_moodle

    bank = export_moodle(exercises_of(targets), seed, variants, lang)
    sheets.write_text(output, bank.xml().decode("utf-8"))
    message = essay_message(bank)
    if message is not None:
        click.echo(f"tdsolver: {message(lang)}", err=True)
    click.echo(output)


@export.command("notebook")
@click.argument("targets", nargs=-1, required=True, metavar="SHEET|ID...")
@click.option("--seed", type=int, default=None, help="The variant (default: the sheet's own values).")
@click.option("-o", "output", type=click.Path(dir_okay=False), required=True, help="The .ipynb file to write.")
@LANG
@engine_errors
def export_notebook_command(targets, seed, output, lang):
    """A Jupyter notebook: the derivations, then torch code recomputing every answer it can."""
    import nbformat

    from solver import sheets
    from solver.export import exercises_of
    from solver.export.notebook import build_notebook, missing_message

    title = " ".join(targets) + ("" if seed is None else f" — seed {seed}")
    notebook, missing = build_notebook(exercises_of(targets), seed, lang, title)
    sheets.write_text(output, nbformat.writes(notebook) + "\n")
    if missing:
        click.echo(f"tdsolver: {missing_message(missing)(lang)}", err=True)
    click.echo(output)


if __name__ == "__main__":
    main()
