"""The json format: one JSON document on standard output for systems, nothing on standard error.

One of the formats registered in reporters.py; text_reporter.py has the same methods.
"""

from __future__ import annotations

import json
from typing import Callable

from . import render


class JsonReporter:
    """For systems: one JSON document on standard output (for batch: on standard error), nothing else."""

    purpose = "for systems"                 # shown in --help

    def __init__(self, out: Callable[..., None]):
        self.out = out
        self.results = []

    def _write(self, payload):
        self.out(render.decisions_json(payload))

    def decided_case(self, shown, decision, issued):
        """``issued()``: the decision as issued (record.issue): the record, its digest, when and by whom."""
        self.results.append({"case": shown, "status": "decided", **issued()})

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

    def test_file_problems(self, shown, diagnostics):
        self.results.append({"file": shown, "status": "invalid", "problems": [d.to_dict() for d in diagnostics]})

    def test_result(self, where, result):
        self.results.append({"test": where, "label": result.test.label, "decision": result.test.decision,
                             "authority": result.test.authority,
                             "status": "passed" if result.passed else "failed", "failures": list(result.failures)})

    def finish_tests(self, passed: int, failed: int, rules_dir=None):
        self._write({"passed": passed, "failed": failed, "results": self.results})

    def proof(self, results, verdict: str):
        self._write({"verdict": verdict, "results": [r.to_dict() for r in results]})

    def verified(self, results, summary: str):
        self._write({"results": [r.to_dict() for r in results], "summary": summary})

    def compared_rules_problems(self, which: str, diagnostics):
        self.rule_problems(diagnostics)

    def impact(self, report, samples: int, command: str, rules_dir: str):
        from . import impact_text             # loaded only for diff

        payload = report.to_dict(samples)
        payload["next_steps"] = impact_text.next_steps(report, command, rules_dir)
        self._write(payload)

    def log_verified(self, url: str, report):
        self._write({"log": url, "intact": report.intact, "entries": report.entries, "start_seq": report.start_seq,
                     "head_seq": report.head_seq, "head_sha256": report.head_sha256,
                     "problems": [{"seq": p.seq, "kind": p.kind, "message": p.message} for p in report.problems],
                     "purges": [{"purged_at": _text(purged_at), "before": _text(before), "first_seq": first,
                                 "last_seq": last, "entries": count}
                                for purged_at, before, first, last, count in report.purges]})

    def exported_record(self, item):
        self.results.append(item)

    def finish_export(self):
        """The records as one JSON list (which verify reads as well as JSON lines)."""
        self._write(self.results)

    def purged(self, count: int, before, url: str):
        self._write({"log": url, "before": before.isoformat(), "removed": count})

    def schema(self, document):
        """The JSON Schema as it is published (its keys in their own order, not sorted)."""
        self.out(json.dumps(document, indent=2, ensure_ascii=False) + "\n")

    def batch_summary(self, summary):
        self._write({"inputs": summary.total, **summary.counts, "kept_from_earlier_run": summary.resumed,
                     "seconds": round(summary.seconds, 3), "exit_code": summary.exit_code})

    def batch_stopped(self, message: str):
        self._write({"status": "stopped", "error": message})


def _text(value):
    return value.isoformat() if hasattr(value, "isoformat") else value
