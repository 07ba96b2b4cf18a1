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

import contextlib
import datetime as dt
import functools
import os
import sys
from pathlib import Path

import click

from . import api, decision_log, limits as input_limits, record
from .letter_formats import LETTER_FORMATS, letter_format
from .limits import Limits
from .reporters import REPORTERS, reporter
from .cases import read_case
from .dates import is_date
from .diagnostics import CaseError, EvaluationError, RuleFileError, did_you_mean, sort_diagnostics
from .loader import display_path
from .revisions import RulesSourceError, rules_at
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
                       show_default=True,
                       help=", ".join(f"{name} {kind.purpose}" for name, kind in REPORTERS.items()) + ".")


class _Size(click.ParamType):
    name = "SIZE"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        try:
            return input_limits.parse_size(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


_WHAT_IS_READ = {"case": "case file (or standard input)", "rule": "rule file (and case-test file)"}


def _size_limits(*kinds):
    """The options --max-case-bytes and/or --max-rule-bytes (else the environment variable, else the
    default); the command receives them as one ``limits`` (a Limits)."""
    def decorate(command):
        @functools.wraps(command)
        def with_limits(*args, **kwargs):
            sizes = {f"{kind}_bytes": kwargs.pop(f"max_{kind}_bytes") for kind in kinds}
            return command(*args, limits=Limits(**sizes), **kwargs)
        for kind in reversed(kinds):
            default = input_limits.Limits().max_bytes(kind)
            with_limits = click.option(
                input_limits.OPTION[kind], f"max_{kind}_bytes", type=_Size(), envvar=input_limits.ENV[kind],
                show_envvar=True, default=input_limits.size_text(default), show_default=True,
                help=f"The largest {_WHAT_IS_READ[kind]} read, in bytes or with KiB, MiB or GiB (e.g. 2MiB); "
                     "a larger one is refused unread.")(with_limits)
        return with_limits
    return decorate


def _out(text, err=False):
    click.echo(text, err=err, nl=False)


def _err(text, err=True):
    """Everything on standard error (for batch, whose standard output is its JSON lines)."""
    click.echo(text, err=True, nl=False)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="eligibility")
def cli():
    """Explained eligibility, approval and review decisions for Leicester, Leicestershire and Rutland."""


def _load(rules_dir, output_format, limits=None, out=_out):
    try:
        return api.load(rules_dir, limits)
    except RuleFileError as exc:
        reporter(output_format, out).rule_problems(exc.diagnostics)
        sys.exit(EXIT_INVALID)


@cli.command()
@click.argument("cases", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=str))
@click.option("--decision", help="Kind of decision, e.g. adult-eligibility (default: the case's 'decision').")
@click.option("--authority", help="Authority: the name of its folder under rules/ (default: the case's 'authority').")
@click.option("--on", "on", type=_Date(), help="Decide as at this date (default: the case's 'assessment_date').")
@_FORMAT
@_RULES
@click.option("--log", "log_url", metavar="URL", help="Append every decision to this decision log "
              "(sqlite:///path/decisions.db or postgresql://...).")
@click.option("--issued-by", metavar="NAME", help="Who issues the decisions, recorded beside each one.")
@_size_limits("case", "rule")
def check(cases, decision, authority, on, output_format, rules_dir, log_url, issued_by, limits):
    """Decide each CASE file and explain the decision."""
    engine = _load(rules_dir, output_format, limits)
    _check_authority(engine, authority)
    log = _open_log(log_url) if log_url else None
    report = reporter(output_format, _out)
    worst = EXIT_OK
    try:
        for path in cases:
            shown = display_path(path) if path != "-" else path
            try:
                data, smap = read_case(path, limits)
                d = engine.decide(data, decision, authority, on, smap=smap, suggest_changes=True)
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
                # issued once, when first asked for: by the JSON report or the log (a text report needs neither)
                issued = functools.cache(functools.partial(record.issue, d, issued_by))
                report.decided_case(shown, d, issued)
                if log is not None:
                    worst = max(worst, _append_to_log(log, issued(), shown))
    except KeyboardInterrupt:               # keep what was decided; say plainly that the rest was not
        report.finish_cases(len(cases), interrupted=True)
        sys.exit(EXIT_INTERRUPTED)
    report.finish_cases(len(cases), interrupted=False)
    sys.exit(worst)


@cli.command()
@click.argument("rules_dir", required=False, type=click.Path(file_okay=False, path_type=str))
@_FORMAT
@_size_limits("rule")
def validate(rules_dir, output_format, limits):
    """Check every rule file in RULES_DIR (default: the shipped rules); exit 1 on any problem."""
    engine = _load(rules_dir, output_format, limits)
    found = api.solver_problems(engine)         # what no case could ever make happen (loads the solver)
    errors = [d for d in found if not d.code.startswith("W")]
    if errors:
        reporter(output_format, _out).rule_problems(errors)
        sys.exit(EXIT_INVALID)
    warnings = sort_diagnostics(list(engine.corpus.warnings) + found)
    rule_sets = sorted(engine.corpus.rule_sets, key=lambda r: (r.decision, r.effective_from))
    reporter(output_format, _out).rules_valid(engine, rule_sets, warnings, rules_dir)


@cli.command("test")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=str))
@_FORMAT
@_RULES
@_size_limits("rule")
def run_tests(paths, output_format, rules_dir, limits):
    """Run the case tests in PATHS (YAML files, or folders of them); exit 1 if any fails."""
    from . import casetests                         # imported here, as below: only its own command needs it

    engine = _load(rules_dir, output_format, limits)
    report = reporter(output_format, _out)
    files = sorted({f for p in paths for f in ([Path(p)] if Path(p).is_file() else Path(p).rglob("*.yaml"))})
    passed = failed = 0
    for file in files:
        tests, problems = casetests.read_tests(file, limits)
        if problems:
            report.test_file_problems(display_path(file), problems)
            failed += 1
            continue
        for test in tests:
            result = casetests.run_test(engine, test)
            passed, failed = (passed + 1, failed) if result.passed else (passed, failed + 1)
            report.test_result(f"{display_path(test.file)}:{test.line}", result)
    report.finish_tests(passed, failed, rules_dir)
    sys.exit(EXIT_OK if failed == 0 else EXIT_INVALID)


@cli.command()
@click.option("--decision", help="Only this kind of decision (default: every kind).")
@click.option("--on", "on", type=_Date(), help="Only this date (default: both sides of every change in the rules).")
@click.option("--examples", default=50, show_default=True, type=click.IntRange(1, 100000),
              help="Generated cases tried per decision, date and pair of authorities.")
@_FORMAT
@_RULES
@_size_limits("rule")
def consistency(decision, on, examples, output_format, rules_dir, limits):
    """Search for equivalent cases the authorities decide differently beyond declared variations.

    Exit 1 when such a case is found (each is shown shrunk to a minimal case, with both
    authorities' explanations side by side), 0 when none is found.
    """
    from . import consistency as equal_treatment        # imported here: it loads Hypothesis, which check does not need

    engine = _load(rules_dir, output_format, limits)
    _check_decision(engine, decision)
    shown = reporter(output_format, _out)
    report = equal_treatment.check(engine, [decision] if decision else None, [on] if on else None, examples,
                                   progress=shown.progress)
    shown.consistency(report, rules_dir)
    sys.exit(EXIT_INVALID if report.differences else EXIT_OK)


@cli.command()
@click.option("--on", "on", type=_Date(), help="Only variations in force on this date.")
@_FORMAT
@_RULES
@_size_limits("rule")
def variations(on, output_format, rules_dir, limits):
    """The register of declared local variations, by authority and date, with justification and source."""
    from . import consistency as equal_treatment        # imported here: it loads Hypothesis, which check does not need

    engine = _load(rules_dir, output_format, limits)
    register = equal_treatment.variation_register(engine, on)
    reporter(output_format, _out).variations(register, on)


@cli.command()
@click.option("--authority", required=True, help="The authority: the name of its folder under rules/.")
@click.option("--on", "on", required=True, type=_Date(), help="The date the settings are in force.")
@_FORMAT
@_RULES
@_size_limits("rule")
def settings(authority, on, output_format, rules_dir, limits):
    """The values of an authority's settings in force on a date, and the version (file and line) that set each."""
    from .settings_in_force import settings_in_force

    engine = _load(rules_dir, output_format, limits)
    _check_authority(engine, authority)
    reporter(output_format, _out).settings(settings_in_force(engine, authority, on))



@cli.command()
@click.option("--decision", help="Only this kind of decision (default: every kind).")
@click.option("--authorities", help="Only this pair, e.g. leicester,rutland (default: every pair).")
@click.option("--on", "on", type=_Date(), help="Only this date (default: every date, period by period).")
@click.option("--timeout", default=60, show_default=True, type=click.IntRange(1, 3600),
              help="Seconds the solver may spend on one decision, pair and period before it gives up.")
@click.option("--from", "old_rules", help="Compare two versions of the rules instead: the older (a directory or git:REV).")
@click.option("--to", "new_rules", help="The newer version of the rules (a directory or git:REV).")
@_FORMAT
@_RULES
@_size_limits("rule")
def prove(decision, authorities, on, timeout, old_rules, new_rules, output_format, rules_dir, limits):
    """Prove with an SMT solver that two authorities decide every equivalent case alike, except where declared.

    Exit 0 when proved for every decision, pair and period; 1 when a case is found that the
    engine confirms is decided differently (it is shown with both explanations); 3 when the
    solver gave up or part of the rules cannot be encoded yet (never reported as proved).
    """
    from . import prove as proof            # imported here: it loads the SMT solver, which most commands do not need

    engine = _load(rules_dir, output_format, limits) if old_rules is None else None
    if engine is not None:
        _check_decision(engine, decision)
    pairs = None
    if authorities is not None and old_rules is None:
        chosen = tuple(a.strip() for a in authorities.split(","))
        if len(chosen) != 2 or chosen[0] == chosen[1] or not set(chosen) <= set(engine.authorities):
            raise click.BadParameter(f"'{authorities}' is not two different authorities separated by a comma "
                                     f"(known: {', '.join(engine.authorities)})", param_hint="--authorities")
        pairs = [chosen]
    if (old_rules is None) != (new_rules is None):
        raise click.UsageError("give both --from OLD and --to NEW to compare two versions of the rules")
    if old_rules is not None:
        results = _prove_versions(proof, old_rules, new_rules, decision, authorities, on, timeout, output_format,
                                  limits)
    else:
        results = proof.run(engine, [decision] if decision else None, pairs, on, timeout * 1000)
    reporter(output_format, _out).proof(results, proof.overall(results))
    sys.exit(proof.exit_code(results))


def _prove_versions(proof, old_rules, new_rules, decision, authorities, on, timeout, output_format, limits):
    """Old and new rules (directories or git:REV) compared for every case, per authority and period."""
    from . import revisions

    chosen = None if authorities is None else [a.strip() for a in authorities.split(",")]
    try:
        with revisions.rules_at(old_rules) as old_dir, revisions.rules_at(new_rules) as new_dir:
            old, new = _load(str(old_dir), output_format, limits), _load(str(new_dir), output_format, limits)
            known = sorted(set(old.authorities) | set(new.authorities))
            if chosen is not None and not set(chosen) <= set(known):
                raise click.BadParameter(f"'{authorities}' names an unknown authority (known: {', '.join(known)})",
                                         param_hint="--authorities")
            if decision is not None and decision not in set(old.decisions) | set(new.decisions):
                raise click.BadParameter(f"neither version makes '{decision}' decisions", param_hint="--decision")
            return proof.run_versions(old, new, [decision] if decision else None, chosen, on, timeout * 1000)
    except revisions.RulesSourceError as exc:
        raise click.UsageError(str(exc)) from exc


def _open_log(url, create=True):
    try:
        return decision_log.open_log(url, create)
    except decision_log.LogError as exc:
        raise click.BadParameter(str(exc), param_hint="log URL")


def _append_to_log(log, issued, shown) -> int:
    try:
        log.append(issued)
    except decision_log.LogError as exc:
        click.echo(f"{shown}: the decision was given but could not be written to the decision log: {exc}", err=True)
        return EXIT_ENGINE
    return EXIT_OK


@cli.command("verify")
@click.argument("records", nargs=-1, required=True, metavar="RECORD...")
@click.option("--rules", "rules_spec", metavar="DIR|git:REV", default=None,
              help="Rules to re-decide with: a directory, git:REV (the rules/ folder at that revision of this "
                   "repository), or by default the installed rules.")
@_FORMAT
@_size_limits("rule")
def verify_records(records, rules_spec, output_format, limits):
    """Re-decide each decision record from its own content and compare.

    A RECORD is a file of `check --format json` output, batch JSON lines or `log export`
    output, or a decision log's URL (every record in it). Exit 0 when every record is
    reproduced, 1 when any differs, was changed, or needs rules that are not available.
    """
    from . import verify

    for source in records:
        if not decision_log.is_log_url(source) and not Path(source).is_file():
            raise click.BadParameter(f"'{source}' is neither a file nor a log URL (sqlite:///..., postgresql://...)",
                                     param_hint="RECORD")
    try:
        with _rules_source(rules_spec) as rules_dir:
            engine = _load(rules_dir, output_format, limits)
            results = [verify.verify(engine, read) for source in records for read in _records_in(source)]
    except RulesSourceError as exc:
        raise click.BadParameter(str(exc), param_hint="--rules")
    except decision_log.LogError as exc:
        raise click.BadParameter(str(exc), param_hint="RECORD")
    reporter(output_format, _out).verified(results, verify.summary(results))
    sys.exit(EXIT_OK if all(r.ok for r in results) else EXIT_INVALID)


def _records_in(source):
    return decision_log.read_log_records(source) if decision_log.is_log_url(source) else record.read_records(source)


def _rules_source(spec):
    """A context giving the rules directory for --rules (a path, git:REV, or the installed rules)."""
    return contextlib.nullcontext(None) if spec is None else rules_at(spec)


@cli.group("log")
def log_group():
    """The decision log: verify its hash chain, export records, purge old entries."""


_LOG_URL = click.argument("url", metavar="URL")


@log_group.command("verify")
@_LOG_URL
@_FORMAT
def log_verify(url, output_format):
    """Check the log's hash chain; name every entry edited, deleted, inserted or reordered (exit 1)."""
    log = _open_log(url, create=False)
    try:
        report = log.verify()
    except decision_log.LogError as exc:
        raise click.ClickException(str(exc))
    reporter(output_format, _out).log_verified(log.url, report)
    sys.exit(EXIT_OK if report.intact else EXIT_INVALID)


@log_group.command("export")
@_LOG_URL
@click.option("--since", type=_Date(), help="Only records issued on or after this date.")
@click.option("--ref", help="Only records of the case with this reference.")
@_FORMAT
def log_export(url, since, ref, output_format):
    """Write the log's records (oldest first), for `eligibility verify` or archiving.

    text: JSON lines, one record a line, each written as it is read; json: one JSON list.
    """
    log = _open_log(url, create=False)
    report = reporter(output_format, _out)
    try:
        for item in log.export(since, ref):
            report.exported_record(item)
    except decision_log.LogError as exc:
        raise click.ClickException(str(exc))
    report.finish_export()


@log_group.command("purge")
@_LOG_URL
@click.option("--before", type=_Date(), required=True, help="Remove the entries issued before this date.")
@_FORMAT
def log_purge(url, before, output_format):
    """Remove old entries (oldest first, up to the first issued on or after --before).

    The digest of the last entry removed is kept as a checkpoint, so the rest of the
    chain still verifies.
    """
    log = _open_log(url, create=False)
    try:
        count = log.purge(before)
    except decision_log.LogError as exc:
        raise click.ClickException(str(exc))
    reporter(output_format, _out).purged(count, before, log.url)


@cli.command()
@click.argument("case", type=click.Path(dir_okay=False, path_type=str))
@click.option("--format", "output_format", type=click.Choice(sorted(LETTER_FORMATS)), default="html",
              show_default=True,
              help=", ".join(f"{name} {kind.purpose}" for name, kind in LETTER_FORMATS.items()) + ".")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=str),
              help="Write the letter to this file (default: standard output).")
@click.option("--decision", help="Kind of decision, e.g. adult-eligibility (default: the case's 'decision').")
@click.option("--authority", help="Authority: the name of its folder under rules/ (default: the case's 'authority').")
@click.option("--on", "on", type=_Date(), help="Decide as at this date (default: the case's 'assessment_date').")
@_RULES
@_size_limits("case", "rule")
def letter(case, output_format, output, decision, authority, on, rules_dir, limits):
    """Decide CASE and write the letter to the person: the decision, its reasons, advice, review and complaints.

    Problems with the case or the rules are reported as text on standard error.
    """
    try:
        from . import letter as letters             # the letter formats' libraries are optional extras
        letter_format(output_format).prepare()
    except (ImportError, OSError) as exc:         # OSError: WeasyPrint found no Pango library
        click.echo(f"eligibility letter needs the letters extra ({exc}): "
                   "python -m pip install 'eligibility[letters]'", err=True)
        sys.exit(EXIT_USAGE)

    engine = _load(rules_dir, "text", limits)
    _check_authority(engine, authority)
    shown = display_path(case)
    try:
        data, smap = read_case(case, limits)
        d = engine.decide(data, decision, authority, on, smap=smap, suggest_changes=True)
        content = letters.write(engine, d, data, output_format)
    except YamlProblem as exc:
        reporter("text", _out).invalid_case(shown, [exc.diagnostic])
        sys.exit(EXIT_INVALID)
    except CaseError as exc:
        reporter("text", _out).invalid_case(shown, exc.diagnostics)
        sys.exit(EXIT_INVALID)
    except EvaluationError as exc:
        click.echo(f"{shown}: engine error[X501]: {exc}. No decision was given, so no letter was written.", err=True)
        sys.exit(EXIT_ENGINE)
    if output:
        Path(output).write_bytes(content)
        click.echo(f"{shown}: letter written to {display_path(output)} ({output_format}).", err=True)
    else:
        click.echo(content, nl=False)            # bytes go to the binary stream, unchanged
    _warn_unconfirmed(shown, d)


def _warn_unconfirmed(shown: str, decision) -> None:
    """Tell the case worker (on standard error, never in the letter) what the letter states that rests on a
    council setting the council papers do not confirm, so it is checked before the letter is sent."""
    if not decision.unconfirmed:
        return
    click.echo(f"{shown}: warning: {len(decision.unconfirmed)} thing(s) this letter states rest on council settings "
               "that the council papers do not confirm; check them with the council before sending it:", err=True)
    for kind, name, note in decision.unconfirmed:
        click.echo(f"  - {kind} '{name}': {note}", err=True)


@cli.command("diff")
@click.argument("old")
@click.argument("new")
@click.argument("cases", nargs=-1, type=click.Path(path_type=str))
@click.option("--generated", default=0, show_default=True, type=click.IntRange(0, 100000),
              help="Also decide this many generated cases for each kind of decision the change bears on, "
                   "on both sides of every changed period.")
@click.option("--samples", default=1, show_default=True, type=click.IntRange(0, 1000),
              help="Cases shown with both explanations side by side, for each decision and authority that changes.")
@_FORMAT
@_size_limits("case", "rule")
def diff(old, new, cases, generated, samples, output_format, limits):
    """Which decisions change between two versions of the rules.

    OLD and NEW are each a rules directory or git:REV (the rules folder at that revision
    of the git repository holding the current directory), e.g. `eligibility diff git:HEAD
    rules examples/cases tests/cases`. CASES are case files, case-test files, JSON Lines
    of decided cases (as batch writes them or a decision log exports them) or folders of
    them. Exit 0 when no decision changes, 1 when any does (or a case file cannot be read),
    3 when the engine fails.
    """
    import shlex

    from . import case_inputs, impact
    from .revisions import describe, is_git_spec

    rules_dir = "rules" if is_git_spec(new) else new
    command = shlex.join(["eligibility", "diff", old, new, *cases, *(["--generated", str(generated)] if generated else [])])
    try:
        with contextlib.ExitStack() as stack:
            old_dir = stack.enter_context(rules_at(old, folder=None if is_git_spec(new) else new))
            new_dir = stack.enter_context(rules_at(new, folder=None if is_git_spec(old) else old))
            engines = []
            for side, spec, where in (("old", old, old_dir), ("new", new, new_dir)):
                try:
                    engines.append(api.load(where, limits))
                except RuleFileError as exc:
                    reporter(output_format, _out).compared_rules_problems(f"{side} rules ({describe(spec)})",
                                                                          exc.diagnostics)
                    sys.exit(EXIT_INVALID)
            inputs, problems = case_inputs.read_inputs(cases, limits)
            changes = impact.rule_changes(*engines)
            made = []
            if generated:
                from . import impact_cases         # imported here: it loads Hypothesis, which the rest does not need
                made = impact_cases.generated_inputs(*engines, changes, generated)
            report = impact.compare_all(*engines, inputs, old=describe(old), new=describe(new), generated=made,
                                        input_problems=problems, changes=changes)
    except RulesSourceError as exc:
        click.echo(f"eligibility diff: {exc.message}" + (f"\n  = hint: {exc.hint}" if exc.hint else ""), err=True)
        sys.exit(EXIT_USAGE)
    reporter(output_format, _out).impact(report, samples, command, rules_dir)
    sys.exit(EXIT_ENGINE if report.failures else EXIT_INVALID if report.changed or report.input_problems else EXIT_OK)



@cli.command("schema")
@click.argument("name", type=click.Choice(["rule-set", "settings", "case", "case-tests", "case-fields",
                                           "setting-definitions", "letter-content"]))
@_FORMAT
@_RULES
@_size_limits("rule")
def schema(name, output_format, rules_dir, limits):
    """Print the JSON Schema of one kind of file, for editors (completion and checking while typing).

    `case` and `case-tests` describe the facts field by field from the case fields in the
    rules, and `settings` names every setting, so give --rules for your own rules. See
    docs/rule-files.md for setting up VS Code. The schema is a JSON document in every format.
    """
    from . import editor_schemas
    from .loader import bundled_rules_dir, read_corpus

    corpus = None
    try:                                # the rules name the authorities (and, for some schemas, much more)
        corpus = read_corpus(Path(rules_dir or bundled_rules_dir()).resolve(), limits)
    except RuleFileError as exc:
        if name in editor_schemas.NEEDS_RULES:
            reporter(output_format, _out).rule_problems(exc.diagnostics)
            sys.exit(EXIT_INVALID)
    reporter(output_format, _out).schema(editor_schemas.published(name, corpus))


@cli.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False, path_type=str), default=None,
              help="Write the JSON lines here (default: standard output). Re-running with the same file "
                   "continues after its last whole line.")
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="Local worker processes (default: the number of cores).")
@click.option("--dask", "dask_address", metavar="ADDRESS", default=None,
              help="Run on an existing Dask cluster, e.g. tcp://10.0.0.5:8786 (needs the [dask] extra).")
@click.option("--progress/--no-progress", default=None,
              help="Show a progress bar on standard error (default: when it is a terminal).")
@click.option("--log", "log_url", metavar="URL", help="Append every decision to this decision log "
              "(sqlite:///path/to/log.db or postgresql://...), before its line is written.")
@click.option("--issued-by", help="Who issues the decisions (recorded in the log beside each record).")
@_FORMAT
@_RULES
@_size_limits("case", "rule")
def batch(inputs, out, workers, dask_address, progress, log_url, issued_by, output_format, rules_dir, limits):
    """Decide many cases: JSONL, CSV (dotted columns), folders of case files, or - for standard input.

    Writes one JSON line per input, in input order: {"input", "status", "decision", "problems"}.
    --format chooses how the run itself is reported (its summary, or why it stopped), on
    standard error in every format. Exit 0 when every input is decided, 1 when some are
    invalid, 3 when some failed.
    """
    from . import batch as batch_run                # imported here: check does not need it
    from .batch_inputs import InputError, check_inputs

    try:
        check_inputs(inputs)
    except InputError as exc:
        raise click.BadParameter(str(exc), param_hint="INPUT")
    if dask_address:
        _optional("dask_runner", "dask")
    log = _open_log(log_url) if log_url else None
    engine = _load(rules_dir, output_format, limits, out=_err)
    report = reporter(output_format, _err)
    bar = _NoBar()
    if progress:
        bar = _optional("progress", "batch").ProgressBar(True)
    elif progress is None and sys.stderr.isatty():
        try:
            from .progress import ProgressBar          # a bar when the [batch] extra is installed
            bar = ProgressBar(True)
        except ImportError:
            pass
    try:
        summary = batch_run.run(inputs, out, rules_dir, workers or os.cpu_count() or 1, dask_address,
                                progress=bar, stdout=sys.stdout.buffer, engine=engine, log=log, issued_by=issued_by,
                                limits=limits)
    except batch_run.ResumeError as exc:
        bar.close()
        report.batch_stopped(str(exc))
        sys.exit(EXIT_USAGE)
    except batch_run.LogFailed as exc:
        bar.close()
        report.batch_stopped(str(exc))
        sys.exit(EXIT_ENGINE)
    finally:
        if log is not None:
            log.close()
    bar.close()
    report.batch_summary(summary)
    sys.exit(summary.exit_code)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.option("--workers", type=click.IntRange(1, 256), default=1, show_default=True,
              help="Worker processes (the engine holds the GIL, so processes, not threads, add throughput).")
@click.option("--log", "log_url", metavar="URL", help="Append every decision to this decision log "
              "(sqlite:///path/to/log.db or postgresql://...) before it is returned; each worker opens its own "
              "connection.")
@_RULES
@_size_limits("rule")
def serve(host, port, workers, log_url, rules_dir, limits):
    """Serve decisions over HTTP as JSON, with an OpenAPI description at /openapi.json (needs the [service] extra).

    It reports nothing of its own, so it takes no --format: answers are JSON (or letters).
    """
    server = _optional("server", "service")
    _load(rules_dir, "text", limits)
    if log_url:
        _open_log(log_url).close()              # a bad URL or unwritable log is refused before serving
    server.run(host, port, workers, rules_dir, log_url, limits)


def _check_decision(engine, decision):
    """A usage error unless decision (when given) is one the rules make."""
    if decision is not None and decision not in engine.decisions:
        raise click.BadParameter(f"no rule set makes '{decision}' decisions (known: {', '.join(engine.decisions)})",
                                 param_hint="--decision")


def _check_authority(engine, authority):
    """A usage error unless authority (when given) is one of the authorities the rules hold."""
    if authority is not None and authority not in engine.authorities:
        close = did_you_mean(authority, engine.authorities)
        raise click.BadParameter(f"'{authority}' is not an authority (known: {', '.join(engine.authorities)})"
                                 + (f"; {close}" if close else ""), param_hint="--authority")


def _optional(module: str, extra: str):
    """A module that needs an optional extra; exit 2 with the install command when it is missing."""
    import importlib

    try:
        return importlib.import_module(f".{module}", __package__)
    except ImportError as exc:
        click.echo(f"eligibility: this needs the optional '{extra}' extra ({exc}); install it with "
                   f"pip install \"eligibility[{extra}]\"", err=True)
        sys.exit(EXIT_USAGE)


class _NoBar:
    def __call__(self, count):
        pass

    def close(self):
        pass


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
