"""The text format: results for people, each as soon as it is made; problems on standard error.

One of the formats registered in reporters.py; json_reporter.py has the same methods.
"""

from __future__ import annotations

import json
from typing import Callable

from . import record, render


class TextReporter:
    """For people: each result as soon as it is made; problems on standard error.

    ``out(text, err=False)`` writes without adding a newline; for batch it writes everything
    on standard error.
    """

    purpose = "for people"                  # shown in --help

    def __init__(self, out: Callable[..., None]):
        self.out = out                      # out(text, err=False): writes without adding a newline
        self.results = []

    # -- check -----------------------------------------------------------------------------
    def decided_case(self, shown, decision, issued):
        self.out(("\n" if self.results else "") + render.decision_text(decision, shown))
        self.results.append({"case": shown, "status": "decided"})

    def invalid_case(self, shown, diagnostics):
        self.results.append({"case": shown, "status": "invalid"})
        self.out(render.diagnostics_text(diagnostics), err=True)
        self.out(f"{shown}: not decided ({len(diagnostics)} problem(s)).\n", err=True)

    def engine_error(self, shown, error):
        self.results.append({"case": shown, "status": "engine_error"})
        self.out(f"{shown}: engine error[X501]: {error}. No decision was given.\n", err=True)

    def finish_cases(self, total: int, interrupted: bool):
        if interrupted:
            self.out(f"interrupted after {len(self.results)} of {total} case(s); the results above are complete "
                     "for those cases, and the rest were not decided.\n", err=True)

    # -- rule problems (every command), validate, consistency, variations, settings --------
    def rule_problems(self, diagnostics):
        self.out(render.diagnostics_text(diagnostics), err=True)
        files = len({d.span.file for d in diagnostics})
        self.out(f"{len(diagnostics)} problem(s) in {files} file(s). Nothing was decided.\n", err=True)

    def rules_valid(self, engine, rule_sets, warnings=(), rules_dir=None):
        if warnings:
            self.out(render.diagnostics_text(warnings), err=True)
        self.out(f"All rule files are valid: {len(rule_sets)} rule set(s), "
                 f"{len(engine.corpus.settings)} authority settings version(s), "
                 f"{len(engine.corpus.vocabulary.fields)} case field(s).\n")
        for r in rule_sets:
            self.out(f"  {r.decision}: {r.id} version {r.version}, {r.period}, for {', '.join(r.applies_to)} "
                     f"({r.file})\n")
        if rules_dir is None:
            self.out("These are the rules installed with the program. To check the files you are editing, name "
                     "their folder: eligibility validate rules\n")
        self.out(f"Next: run the case tests: eligibility test --rules {rules_dir or 'rules'} tests/cases/\n")

    def progress(self, done: int, total: int, label: str):
        step = max(1, total // 10)                  # about ten lines, however long the search
        if done == 1 or done == total or done % step == 0:
            self.out(f"[{done}/{total}] {label}\n", err=True)

    def consistency(self, report, rules_dir=None):
        for difference in report.differences:
            self.out(render.difference_text(difference) + "\n")
        self.out(f"{len(report.differences)} undeclared difference(s) found; {report.cases_checked} generated cases "
                 f"checked in {report.searches} searches, {report.seconds:.1f} s "
                 f"({report.cases_per_second:.0f} cases/s).\n")
        if report.differences:
            self.out("Next: if a difference is intended, declare it as a variation in the authority's settings "
                     "file (docs/rule-files.md, 'Declared variations'); if not, correct the rule or settings "
                     "file. Then run consistency again.\n")
        else:
            self.out(f"Next: see which decisions your change alters: eligibility diff git:HEAD "
                     f"{rules_dir or 'rules'} examples/cases tests/cases --generated 200\n")

    def variations(self, register, on):
        self.out(render.variations_text(register, on))

    def settings(self, view):
        if view.version is None:
            self.out(f"{view.authority} has no settings in force on {view.on.isoformat()}.\n")
            return
        self.out(f"Settings of {view.council} ({view.authority}) in force on {view.on.isoformat()}: "
                 f"version {view.version}, {view.period}\n")
        for s in view.settings:
            self.out(f"  {s.name}: {render.plain_value(s.value)}\n")
            self.out(f"      set in version {s.set_in_version} ({s.file}:{s.line}); source: {s.source}\n")

    # -- test --------------------------------------------------------------------------------
    def test_file_problems(self, shown, diagnostics):
        self.out(render.diagnostics_text(diagnostics), err=True)

    def test_result(self, where, result):
        self.out(f"{'✓' if result.passed else '✗'} {where}: {result.test.label}\n")
        for failure in result.failures:
            self.out(f"    {failure}\n")

    def finish_tests(self, passed: int, failed: int, rules_dir=None):
        self.out(f"{passed} passed, {failed} failed\n")
        if failed:
            self.out("Next: for each failure, either the rules are wrong (correct the rule file) or the test's "
                     "expectation is (correct the test and say why in its 'source'); then run the tests again.\n")
        else:
            self.out(f"Next: search for unequal treatment: eligibility consistency --rules {rules_dir or 'rules'}\n")

    # -- prove, verify, diff ---------------------------------------------------------------
    def proof(self, results, verdict: str):
        self.out(render.proof_text(results))

    def verified(self, results, summary: str):
        for result in results:
            self.out(result.text() + "\n")
        self.out(summary + "\n")

    def compared_rules_problems(self, which: str, diagnostics):
        """``which``: the side of a comparison whose rules have problems, e.g. 'old rules (git:HEAD)'."""
        self.out(f"The {which} have problems; nothing was compared. Fix them first (eligibility validate).\n",
                 err=True)
        self.rule_problems(diagnostics)

    def impact(self, report, samples: int, command: str, rules_dir: str):
        from . import impact_text             # loaded only for diff

        self.out(impact_text.report_text(report, samples, command_hint=command, rules_dir=rules_dir))

    # -- the decision log ------------------------------------------------------------------------
    def log_verified(self, url: str, report):
        for problem in report.problems:
            self.out(problem.text() + "\n")
        for purged_at, before, first, last, count in report.purges:
            self.out(f"checkpoint: entries {first}–{last} ({count}) issued before {before} were purged at "
                     f"{purged_at}\n")
        state = "intact" if report.intact else f"BROKEN ({len(report.problems)} problem(s))"
        span = f" ({report.start_seq}–{report.head_seq})" if report.head_seq >= report.start_seq else ""
        self.out(f"{url}: {report.entries} entr{'y' if report.entries == 1 else 'ies'}{span}, chain {state}; "
                 f"head sha256 {report.head_sha256}\n")

    def exported_record(self, item):
        """One record, as one line of canonical JSON, as soon as it is read (JSON lines, for verify)."""
        self.out(record.canonical_json(item) + "\n")

    def finish_export(self):
        pass

    def purged(self, count: int, before, url: str):
        self.out(f"{count} entr{'y' if count == 1 else 'ies'} issued before {before.isoformat()} removed from {url}.\n")

    # -- schema, batch -----------------------------------------------------------------------
    def schema(self, document):
        """A JSON Schema is itself a JSON document: it is printed as such, for editors and people alike."""
        self.out(json.dumps(document, indent=2, ensure_ascii=False) + "\n")

    def batch_summary(self, summary):
        self.out(summary.text() + "\n", err=True)

    def batch_stopped(self, message: str):
        self.out(f"eligibility batch: {message}\n", err=True)
