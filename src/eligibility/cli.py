"""The `eligibility` command. The only module that imports click.

Exit codes:
    0  every case was decided (whatever the outcome), or the rules are valid
    1  invalid input: a rule file or case file has problems, or no rules are in force
       for the decision, authority and date asked for
    2  usage error: an unknown option, a missing argument, a malformed --on date
    3  the rules engine failed; no decision was given rather than a possibly wrong one
  130  interrupted (Ctrl-C); the results already written are complete for their cases
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from . import api, casetests, render
from .reporters import REPORTERS, reporter
from .settings_in_force import settings_in_force
from .cases import read_case
from .dates import is_date
from .diagnostics import CaseError, EvaluationError, RuleFileError, did_you_mean
from .loader import display_path
from .source import YamlProblem

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_ENGINE, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class _Date(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):
        if isinstance(value, dt.date):
            return value
        if not is_date(value):
            self.fail(f"'{value}' is not a date; write it as YYYY-MM-DD, e.g. 2024-05-01", param, ctx)
        return dt.date.fromisoformat(value)


_RULES = click.option("--rules", "rules_dir", type=click.Path(file_okay=False, path_type=str), default=None,
                      help="Rules directory (default: the LLR rules shipped with the package).")
_FORMAT = click.option("--format", "output_format", type=click.Choice(sorted(REPORTERS)), default="text",
                       show_default=True, help="text for people, json for systems.")


def _out(text, err=False):
    click.echo(text, err=err, nl=False)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="eligibility")
def cli():
    """Explained eligibility, approval and review decisions for Leicester, Leicestershire and Rutland."""


def _load(rules_dir, output_format):
    try:
        return api.load(rules_dir)
    except RuleFileError as exc:
        reporter(output_format, _out).rule_problems(exc.diagnostics)
        sys.exit(EXIT_INVALID)


@cli.command()
@click.argument("cases", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=str))
@click.option("--decision", help="Kind of decision, e.g. adult-eligibility (default: the case's 'decision').")
@click.option("--authority", help="Authority: the name of its folder under rules/ (default: the case's 'authority').")
@click.option("--on", "on", type=_Date(), help="Decide as at this date (default: the case's 'assessment_date').")
@_FORMAT
@_RULES
def check(cases, decision, authority, on, output_format, rules_dir):
    """Decide each CASE file and explain the decision."""
    engine = _load(rules_dir, output_format)
    if authority is not None and authority not in engine.authorities:
        raise click.BadParameter(f"'{authority}' is not an authority (known: {', '.join(engine.authorities)})"
                                 + (f"; {did_you_mean(authority, engine.authorities)}"
                                    if did_you_mean(authority, engine.authorities) else ""), param_hint="--authority")
    report = reporter(output_format, _out)
    worst = EXIT_OK
    try:
        for path in cases:
            shown = display_path(path) if path != "-" else path
            try:
                data, smap = read_case(path)
                d = engine.decide(data, decision, authority, on, smap=smap)
            except YamlProblem as exc:
                worst = max(worst, EXIT_INVALID)
                report.invalid_case(shown, [exc.diagnostic])
            except CaseError as exc:
                worst = max(worst, EXIT_INVALID)
                report.invalid_case(shown, exc.diagnostics)
            except EvaluationError as exc:
                worst = EXIT_ENGINE
                report.engine_error(shown, exc)
            else:
                report.decided_case(shown, d)
    except KeyboardInterrupt:               # keep what was decided; say plainly that the rest was not
        report.finish_cases(len(cases), interrupted=True)
        sys.exit(EXIT_INTERRUPTED)
    report.finish_cases(len(cases), interrupted=False)
    sys.exit(worst)


@cli.command()
@click.argument("rules_dir", required=False, type=click.Path(file_okay=False, path_type=str))
@_FORMAT
def validate(rules_dir, output_format):
    """Check every rule file in RULES_DIR (default: the shipped rules); exit 1 on any problem."""
    engine = _load(rules_dir, output_format)
    rule_sets = sorted(engine.corpus.rule_sets, key=lambda r: (r.decision, r.effective_from))
    reporter(output_format, _out).rules_valid(engine, rule_sets, engine.corpus.warnings)


@cli.command("test")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=str))
@_RULES
def run_tests(paths, rules_dir):
    """Run the case tests in PATHS (YAML files, or folders of them); exit 1 if any fails."""
    engine = _load(rules_dir, "text")
    files = sorted({f for p in paths for f in ([Path(p)] if Path(p).is_file() else Path(p).rglob("*.yaml"))})
    passed = failed = 0
    for file in files:
        tests, problems = casetests.read_tests(file)
        if problems:
            click.echo(render.diagnostics_text(problems), err=True, nl=False)
            failed += 1
            continue
        for test in tests:
            result = casetests.run_test(engine, test)
            if result.passed:
                passed += 1
                click.echo(f"✓ {display_path(test.file)}:{test.line}: {test.label}")
            else:
                failed += 1
                click.echo(f"✗ {display_path(test.file)}:{test.line}: {test.label}")
                for failure in result.failures:
                    click.echo(f"    {failure}")
    click.echo(f"{passed} passed, {failed} failed")
    sys.exit(EXIT_OK if failed == 0 else EXIT_INVALID)


@cli.command()
@click.option("--decision", help="Only this kind of decision (default: every kind).")
@click.option("--on", "on", type=_Date(), help="Only this date (default: both sides of every change in the rules).")
@click.option("--examples", default=50, show_default=True, type=click.IntRange(1, 100000),
              help="Generated cases tried per decision, date and pair of authorities.")
@_FORMAT
@_RULES
def consistency(decision, on, examples, output_format, rules_dir):
    """Search for equivalent cases the authorities decide differently beyond declared variations.

    Exit 1 when such a case is found (each is shown shrunk to a minimal case, with both
    authorities' explanations side by side), 0 when none is found.
    """
    from . import consistency as equal_treatment        # imported here: it loads Hypothesis, which check does not need

    engine = _load(rules_dir, output_format)
    if decision is not None and decision not in engine.decisions:
        raise click.BadParameter(f"no rule set makes '{decision}' decisions (known: {', '.join(engine.decisions)})",
                                 param_hint="--decision")
    shown = reporter(output_format, _out)
    report = equal_treatment.check(engine, [decision] if decision else None, [on] if on else None, examples,
                                   progress=shown.progress)
    shown.consistency(report)
    sys.exit(EXIT_INVALID if report.differences else EXIT_OK)


@cli.command()
@click.option("--on", "on", type=_Date(), help="Only variations in force on this date.")
@_FORMAT
@_RULES
def variations(on, output_format, rules_dir):
    """The register of declared local variations, by authority and date, with justification and source."""
    from . import consistency as equal_treatment        # imported here: it loads Hypothesis, which check does not need

    engine = _load(rules_dir, output_format)
    register = equal_treatment.variation_register(engine, on)
    reporter(output_format, _out).variations(register, on)


@cli.command()
@click.option("--authority", required=True, help="The authority: the name of its folder under rules/.")
@click.option("--on", "on", required=True, type=_Date(), help="The date the settings are in force.")
@_FORMAT
@_RULES
def settings(authority, on, output_format, rules_dir):
    """The values of an authority's settings in force on a date, and the version (file and line) that set each."""
    engine = _load(rules_dir, output_format)
    if authority not in engine.authorities:
        close = did_you_mean(authority, engine.authorities)
        raise click.BadParameter(f"'{authority}' is not an authority (known: {', '.join(engine.authorities)})"
                                 + (f"; {close}" if close else ""), param_hint="--authority")
    reporter(output_format, _out).settings(settings_in_force(engine, authority, on))


def main(argv=None):
    """Entry point: never lets a Python traceback reach the user."""
    try:
        cli.main(args=argv, prog_name="eligibility", standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:                # a bug, not bad input: say so plainly, without a traceback
        click.echo(f"eligibility: internal error ({type(exc).__name__}: {exc}). "
                   "No decision was given. Please report this with the command you ran.", err=True)
        sys.exit(EXIT_ENGINE)
