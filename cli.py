"""tdsolver's command line: a thin click layer over `solver/`.

Parse options, call the engine, print, and map the engine's errors to exit codes
(0 success, 1 the work failed, 2 a usage error). Heavy imports happen inside commands.
"""

from __future__ import annotations

import functools
import json
import os
import re
import sys

import click

from solver import __version__
from solver.core.errors import TdError, UsageError
from solver.core.text import LANGS, Text
from solver.grading.feedback import DEFAULT_MODE as DEFAULT_FEEDBACK
from solver.grading.feedback import MODES as FEEDBACK_MODES

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
        except BrokenPipeError:
            raise  # the reader went away (`| head`): click ends the run quietly
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


def argv_lang(argv: list[str]) -> str:
    """The language asked on the command line, read before click parses it (for usage errors).

    >>> argv_lang(["solve", "x", "--lang", "en"]), argv_lang(["--lang=en"]), argv_lang(["list"])
    ('en', 'en', 'fr')
    """
    for i, arg in enumerate(argv):
        value = arg[len("--lang="):] if arg.startswith("--lang=") else \
            (argv[i + 1] if arg == "--lang" and i + 1 < len(argv) else None)
        if value in LANGS:
            return value
    return "fr"


def usage_message(exc: click.UsageError, command: str | None = None) -> Text:
    """One line saying what click refused, in both languages (click's own text is English only)."""
    hint = exc.ctx.command_path if exc.ctx is not None else "tdsolver"
    if command and hint == "tdsolver":
        hint = f"tdsolver {command}"
    more = Text(f" (voir « {hint} --help »)", f" (see '{hint} --help')")
    if isinstance(exc, click.NoSuchOption):
        close = ", ".join(sorted(exc.possibilities or ()))
        return Text(f"option inconnue « {exc.option_name} »" + (f" ; vouliez-vous dire : {close} ?" if close else ""),
                    f"no such option '{exc.option_name}'" + (f"; did you mean: {close}?" if close else "")) + more
    if isinstance(exc, click.MissingParameter):
        name = exc.param.make_metavar(exc.ctx) if exc.param is not None and exc.ctx is not None else "?"
        if exc.param is not None and exc.param.param_type_name == "option":
            name = exc.param.opts[0]
        return Text(f"il manque {name}", f"missing {name}") + more
    if isinstance(exc, click.BadParameter):
        return _bad_value(exc) + more
    if isinstance(exc, click.BadOptionUsage):
        return Text(f"l'option {exc.option_name} attend une valeur",
                    f"option {exc.option_name} needs a value") + more
    if isinstance(exc, click.exceptions.NoSuchCommand):
        quoted = re.search(r"'(.*)'", exc.message)
        name = quoted.group(1) if quoted else ""
        close = ", ".join(sorted(exc.possibilities or ()))
        return Text(f"commande inconnue « {name} »" + (f" ; vouliez-vous dire : {close} ?" if close else ""),
                    f"no such command '{name}'" + (f"; did you mean: {close}?" if close else "")) + more
    found = re.search(r"unexpected extra arguments? \((.*)\)", exc.message)
    if found:
        return Text(f"argument en trop : {found.group(1)}", f"unexpected argument: {found.group(1)}") + more
    return Text(f"commande mal formée : {exc.message}", f"bad command: {exc.message}") + more


def _bad_value(exc: click.BadParameter) -> Text:
    """`--seed abc`, `--jobs 0`, `--format docx`: the option, the value refused and what is allowed."""
    param = exc.param
    name = (param.opts[0] if param.param_type_name == "option" else param.human_readable_name) \
        if param is not None else "?"
    quoted = re.findall(r"'([^']*)'", exc.message)
    value = quoted[0] if quoted else ""
    kind = getattr(param, "type", None)
    if isinstance(kind, click.Choice):
        allowed = ", ".join(map(str, kind.choices))
        return Text(f"{name} : « {value} » n'est pas permis (valeurs : {allowed})",
                    f"{name}: '{value}' is not allowed (values: {allowed})")
    if isinstance(kind, (click.IntRange, click.FloatRange)):
        return Text(f"{name} : valeur hors de l'intervalle [{kind.min}, {kind.max}]",
                    f"{name}: value outside [{kind.min}, {kind.max}]")
    if isinstance(kind, click.Path):
        if "does not exist" in exc.message:
            return Text(f"« {value} » n'existe pas", f"'{value}' does not exist")
        return Text(f"{name} : chemin inutilisable « {value} »", f"{name}: unusable path '{value}'")
    what = Text("un entier", "an integer") if kind is click.INT or isinstance(kind, click.types.IntParamType) \
        else Text("une valeur permise", "an allowed value")
    return Text(f"{name} : « {value} » n'est pas {what.fr}", f"{name}: '{value}' is not {what.en}")


class Group(click.Group):
    """The command group: every way a run can end becomes one line and the contract's exit code;
    `--course DIR` is accepted before or after the command's name."""

    def parse_args(self, ctx, args):
        return super().parse_args(ctx, hoist_course(args))

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, windows_expand_args=True, **extra):
        """click's `main`, always in non-standalone mode: the errors are reported here (so
        `standalone_mode` is accepted and has no effect)."""
        argv = list(sys.argv[1:] if args is None else args)
        lang = argv_lang(argv)
        try:
            return super().main(argv, prog_name or "tdsolver", complete_var, standalone_mode=False,
                                windows_expand_args=windows_expand_args, **extra)
        except click.UsageError as exc:
            command = next((a for a in argv if a in self.commands), None)
            click.echo(f"tdsolver: {usage_message(exc, command)(lang)}", err=True)
            sys.exit(2)
        except (KeyboardInterrupt, click.Abort):
            click.echo("\ntdsolver: " + Text("interrompu", "interrupted")(lang), err=True)
            sys.exit(130)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except Exception as exc:  # a defect of tdsolver itself: one line, the detail on demand
            if os.environ.get("TDSOLVER_DEBUG"):
                raise
            click.echo("tdsolver: " + Text(
                f"erreur interne ({type(exc).__name__} : {exc}) ; TDSOLVER_DEBUG=1 montre le détail",
                f"internal error ({type(exc).__name__}: {exc}); TDSOLVER_DEBUG=1 shows the detail")(lang), err=True)
            sys.exit(1)



def hoist_course(args: list[str]) -> list[str]:
    """Move ``--course DIR`` / ``--course=DIR`` (before any ``--``) to the front, for the group.

    >>> hoist_course(["list", "--sheet", "exam", "--course", "c"])
    ['--course', 'c', 'list', '--sheet', 'exam']
    """
    front, rest, i = [], [], 0
    while i < len(args):
        a = args[i]
        if a == "--":
            rest += args[i:]
            break
        if a == "--course" and i + 1 < len(args):
            front += args[i:i + 2]
            i += 2
            continue
        (front if a.startswith("--course=") else rest).append(a)
        i += 1
    return front + rest


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=__version__, prog_name="tdsolver")
@click.option("--course", type=click.Path(file_okay=False), metavar="DIR",
              help="A course folder: its sheets and exercises are used as if built in "
                   "(default: $TDSOLVER_COURSE).")
@click.pass_context
def main(ctx, course):
    """Solve, explain and grade the exercises of CNN tutorial sheets."""
    if course is not None:  # the engine (and its worker processes) read the course from the environment
        from solver.sheets.registry import COURSE_ENV

        before = os.environ.get(COURSE_ENV)
        os.environ[COURSE_ENV] = os.path.abspath(course)
        ctx.call_on_close(lambda: _restore_env(COURSE_ENV, before))


def _restore_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


@main.command("list")
@click.option("--sheet", help="Only this sheet (its id, as `list` shows).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@LANG
@engine_errors
def list_command(sheet, as_json, lang):
    """The catalogue: id, aliases, sheet, title and parts of every exercise."""
    from solver.sheets import registry

    if sheet is not None:
        registry.get_sheet(sheet)
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
    from solver.render.prose import to_plain
    from solver.sheets import registry

    ex = registry.get(exercise_id)
    params = ex.make_params(seed, parse_overrides(overrides))
    click.echo(f"{ex.id} — {ex.heading(params)(lang)}\n")
    click.echo(to_plain(ex.statement(params)(lang)) + "\n")
    if ex.params:
        click.echo(Text("Paramètres (-p NOM=VALEUR) :", "Parameters (-p NAME=VALUE):")(lang))
        for p in ex.params:
            click.echo("  " + to_plain(p.describe(params[p.name], lang)))
        click.echo()
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
    from solver.render import render
    from solver.sheets import registry

    ex = registry.get(exercise_id)
    params = ex.make_params(seed, parse_overrides(overrides))
    click.echo(render(ex, ex.run(params), fmt, lang), nl=False)


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
    from solver.sheets import registry
    from solver.verify.runner import verify_many

    if not exercise_ids and not all_:
        raise UsageError(Text("donnez des identifiants d'exercices ou --all",
                              "give exercise ids or --all"))
    exercises = registry.all_exercises() if all_ else [registry.get(i) for i in exercise_ids]
    results = verify_many(exercises, seeds, jobs or min(os.cpu_count() or 1, 4))
    if as_json:
        click.echo(json.dumps([r.as_dict(lang) for r in results], indent=2))
    else:
        from solver.verify.report import report_lines

        click.echo("\n".join(report_lines(results, lang)))
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
    from solver.sheets import documents as sheets

    sheets.get_sheet(sheet_id)
    if class_csv:
        from solver.grading.classlist import write_class_variants

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
@click.option("--count", type=click.Choice(["macs", "flops"]), default="macs", show_default=True,
              help="Mult-adds unit: one multiply-add = 1 (macs) or 2 (flops).")
@click.option("--bias/--no-bias", default=False, show_default=True, help="Count bias additions in the mult-adds.")
@click.option("--norm/--no-norm", default=False, show_default=True,
              help="Count normalisation layers (one multiply-add per value) in the mult-adds.")
@LANG
@engine_errors
def analyze(target, input_, args, as_json, explain, no_check, count, bias, norm, lang):
    """Per-layer shapes, parameters, receptive fields and mult-adds of a PyTorch network."""
    from solver.analyze import analyze as A

    shape = A.parse_input(input_)
    kwargs = dict(A.parse_arg(a) for a in args)
    model = A.load(target, kwargs)
    label = target.replace("\\", "/").rsplit("/", 1)[-1]
    result = A.analyze(model, shape, label, check=not no_check, convention=A.Convention(count, bias, norm))
    if as_json:
        click.echo(json.dumps(result.as_dict(lang), indent=2))
    else:
        click.echo(A.table(result, lang), nl=False)
    if result.error is not None:
        if as_json:
            sys.exit(1)
        raise A.UnsupportedLayer(result.error)
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
              help="Write gradebook.csv, grades.json, feedback/, results/ (Gradescope), report.html and plots/ here.")
@click.option("--json", "as_json", is_flag=True, help="Print the grades as JSON.")
@click.option("--jobs", type=click.IntRange(1, 64), default=None,
              help="Worker processes (default: the number of cores, at most 4).")
@click.option("--timeout", type=click.FloatRange(0.1, 600), default=3.0, show_default=True,
              help="Seconds allowed to check one answer (then: unknown).")
@click.option("--manual", "manual_csv", type=click.Path(exists=True, dir_okay=False),
              help="Marks given by hand (CSV: student, part, score, comment); they replace the grader's.")
@click.option("--manual-template", "manual_template", type=click.Path(dir_okay=False),
              help="Write the CSV to fill for --manual: every text part of every student, with its rubric.")
@click.option("--feedback", "feedback_mode", type=click.Choice(FEEDBACK_MODES), default=DEFAULT_FEEDBACK,
              show_default=True, help="What each student's feedback shows: every part, the parts not fully right, "
                                      "or the scores only.")
@click.option("--hide-answers", is_flag=True,
              help="No expected answer, model answer or rubric in feedback/ and results/.")
@click.option("--keys", "keys_json", type=click.Path(exists=True, dir_okay=False),
              help="keys.json of `sheet --class`: each student's variant comes from the class list.")
@LANG
@engine_errors
def grade(paths, out_dir, as_json, jobs, timeout, manual_csv, manual_template, feedback_mode, hide_answers,
          keys_json, lang):
    """Grade submissions (YAML/JSON files, or folders of them)."""
    from pathlib import Path

    from solver.grading.escape import terminal
    from solver.grading.output import write_outputs
    from solver.grading.roster import load_roster
    from solver.grading.submission import expand, grade_paths

    exclude = (out_dir,) if out_dir else ()
    if not expand(paths, exclude):
        raise UsageError(Text("aucun fichier de copie (.yaml, .yml, .json) trouvé",
                              "no submission file (.yaml, .yml, .json) found"))
    roster = load_roster(keys_json) if keys_json else None
    reports = grade_paths(paths, jobs or min(os.cpu_count() or 1, 4), timeout, _progress_bar(), exclude, roster)
    overrides: list = []
    if manual_csv:
        from solver.grading.manual import apply_marks, read_marks

        marks, problems = read_marks(Path(manual_csv))
        reports, overrides, refused = apply_marks(reports, marks)
        for problem in problems + refused:
            click.echo(f"tdsolver: {problem(lang)}", err=True)
    if manual_template:
        from solver.grading.manual import template_csv
        from solver.grading.output import write_atomic

        write_atomic(Path(manual_template), template_csv(reports, lang))
    if out_dir:
        write_outputs(Path(out_dir), reports, lang, feedback_mode, hide_answers, overrides, roster)
    if as_json:
        data = [r.as_dict(lang) for r in reports]
        single = len(paths) == 1 and not Path(paths[0]).is_dir() and len(data) == 1
        click.echo(json.dumps(data[0] if single else data, ensure_ascii=False, indent=2))
    else:
        for r in reports:
            status = f"  ({terminal(r.error(lang))})" if r.error else ""
            flags = f"  [{' '.join(r.flags)}]" if r.flags else ""
            click.echo(f"{terminal(r.student):<24} {r.score:g}/{r.max_score:g}  {terminal(r.file)}{status}{flags}")
        if out_dir:
            click.echo(f"{len(reports)} → {out_dir}")
    for r in reports:  # one line per file that could not be graded
        if r.error:
            click.echo(f"tdsolver: {terminal(r.file)}: {terminal(r.error(lang))}", err=True)
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
@click.argument("key", required=False)
@click.argument("answer", required=False)
@click.option("--kind", type=click.Choice(("expr", "number", "int", "matrix", "shape")), default="expr", show_default=True)
@click.option("--domain", "domains", multiple=True, metavar="NAME=DOMAIN", help="Domain of a symbol (size, natural, real…).")
@click.option("--rtol", type=float, help="Relative tolerance (default: a part's).")
@click.option("--atol", type=float, help="Absolute tolerance (default: a part's).")
@click.option("--sigfigs", type=int, help="The answer must be the key to N significant figures.")
@click.option("--decimals", type=int, help="The answer must be the key to N decimal places.")
@click.option("--batch", type=click.Path(exists=True, dir_okay=False), help="One JSON object per line.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@LANG
@engine_errors
def compare(key, answer, kind, domains, rtol, atol, sigfigs, decimals, batch, as_json, lang):
    """Compare one answer with one key, exactly as grade compares a part."""
    from solver.grading.answertest import answer_test, run_batch

    if batch:
        if key is not None or answer is not None:
            raise UsageError(Text("--batch ne prend ni CLÉ ni RÉPONSE", "--batch takes no KEY nor ANSWER"))
        for result in run_batch(batch, lang):
            click.echo(json.dumps(result, ensure_ascii=False) if as_json else _compare_line(result))
        return
    if key is None or answer is None:
        raise UsageError(Text("CLÉ et RÉPONSE attendues (ou --batch FICHIER)", "KEY and ANSWER expected (or --batch FILE)"))
    result = answer_test(key, answer, lang, kind=kind, domain=parse_domains(domains), rtol=rtol, atol=atol,
                         sigfigs=sigfigs, decimals=decimals)
    click.echo(json.dumps(result, ensure_ascii=False) if as_json else _compare_line(result))


def parse_domains(pairs: tuple[str, ...]) -> dict[str, str]:
    """`--domain NAME=DOMAIN` options as a dict."""
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise UsageError(Text(f"--domain attend NOM=DOMAINE, reçu « {pair} »", f"--domain expects NAME=DOMAIN, got '{pair}'"))
        out[name.strip()] = value.strip()
    return out


def _compare_line(result: dict) -> str:
    head = (f"{result['id']}: " if result.get("id") is not None else "") + result["verdict"]
    if result.get("error"):
        return f"{head}: {result['error']}"
    notes = "; ".join(result.get("notes") or [])
    return f"{head}  {result.get('read_as')} ~ {result.get('key_read_as')}" + (f"  ({notes})" if notes else "")


@main.command()
@click.argument("target", metavar="SHEET|ID")
@click.option("--seed", type=int, help="The variant this submission is for.")
@LANG
@engine_errors
def template(target, seed, lang):
    """A blank submission file (YAML) listing every part with its kind and a syntax hint."""
    from solver.grading.template import template_yaml
    from solver.sheets import registry

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
    from solver.export import exercises_of
    from solver.export.moodle import essay_message, export_moodle
    from solver.sheets import documents as sheets

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

    from solver.export import exercises_of
    from solver.export.notebook import build_notebook, missing_message
    from solver.sheets import documents as sheets

    title = " ".join(targets) + ("" if seed is None else f" — seed {seed}")
    notebook, missing = build_notebook(exercises_of(targets), seed, lang, title)
    sheets.write_text(output, nbformat.writes(notebook) + "\n")
    if missing:
        click.echo(f"tdsolver: {missing_message(missing)(lang)}", err=True)
    click.echo(output)


if __name__ == "__main__":
    main()
