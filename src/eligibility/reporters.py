"""How each command's results reach the user, chosen by name (--format text, --format json).

A reporter receives results as they are made and writes them: text for people (decisions
on standard output, problems on standard error, as each case is finished) or one JSON
document for systems (written once at the end, or when the run is interrupted). A new
format is one new class added to REPORTERS; the commands do not change.
"""

from __future__ import annotations

from typing import Callable

from . import render


class TextReporter:
    """For people: each result as soon as it is made; problems on standard error."""

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

    # -- validate, consistency, variations -------------------------------------------------
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


class JsonReporter:
    """For systems: one JSON document on standard output, nothing on standard error."""

    def __init__(self, out: Callable[..., None]):
        self.out = out
        self.results = []

    def _write(self, payload):
        self.out(render.decisions_json(payload))

    def decided_case(self, shown, decision, issued):
        """``issued``: the decision as issued (record.issue): the record, its digest, when and by whom."""
        self.results.append({"case": shown, "status": "decided", **issued})

    def invalid_case(self, shown, diagnostics):
        self.results.append({"case": shown, "status": "invalid", "problems": [d.to_dict() for d in diagnostics]})

    def engine_error(self, shown, error):
        self.results.append({"case": shown, "status": "engine_error", "error": str(error)})

    def finish_cases(self, total: int, interrupted: bool):
        if interrupted:
            self._write({"status": "interrupted", "cases_given": total, "results": self.results})
        else:
            self._write(self.results)

    def rule_problems(self, diagnostics):
        self._write({"status": "invalid", "problems": [d.to_dict() for d in diagnostics]})

    def rules_valid(self, engine, rule_sets, warnings=(), rules_dir=None):
        listing = [{"id": r.id, "version": r.version, "decision": r.decision, "file": r.file,
                    "effective_from": r.effective_from.isoformat(),
                    "effective_to": r.effective_to.isoformat() if r.effective_to else None,
                    "applies_to": list(r.applies_to), "sha256": r.digest} for r in rule_sets]
        payload = {"status": "valid", "rule_sets": listing}
        if warnings:
            payload["warnings"] = [d.to_dict() for d in warnings]
        self._write(payload)

    def progress(self, done: int, total: int, label: str):
        pass                                # one JSON document only: progress is for people

    def consistency(self, report, rules_dir=None):
        self._write({"differences": [d.to_dict() for d in report.differences], "cases_checked": report.cases_checked,
                     "searches": report.searches, "seconds": round(report.seconds, 3),
                     "cases_per_second": round(report.cases_per_second, 1)})

    def variations(self, register, on):
        self._write([v.to_dict() for v in register])

    def settings(self, view):
        self._write(view.to_dict())


REPORTERS = {"text": TextReporter, "json": JsonReporter}


def reporter(name: str, out: Callable[..., None]):
    """The reporter for an output format, by name."""
    return REPORTERS[name](out)
