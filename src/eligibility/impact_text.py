"""The change-impact report as text for a policy officer: what changes, where, and what to do next."""

from __future__ import annotations

import json
import textwrap

from .impact import NOT_DECIDED, Report, sample_first

_MARKS = {"met": "✓", "not_met": "✗", "waived": "~", "unknown": "?", "absent": "-"}
_GENERATED_LISTED = 5


def _wrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(" ".join(str(text).split()), width=96, initial_indent=indent, subsequent_indent=indent + "  ",
                         break_on_hyphens=False, break_long_words=False)


def _outcome(value: str) -> str:
    return "not decided" if value == NOT_DECIDED else value.replace("_", " ")


def _status(value: str) -> str:
    return f"{_MARKS.get(value, '')} {value.replace('_', ' ')}".strip()


def report_text(report: Report, samples: int = 1, *, command_hint: str = "", rules_dir: str = "rules") -> str:
    lines = [f"Old rules: {report.old}", f"New rules: {report.new}", ""]
    if report.rule_changes:
        lines.append("What changed in the rule files:")
        for change in report.rule_changes:
            lines.append(f"  {change.change}: {change.what}")
    else:
        lines.append("The rule files have the same content (comments and layout aside).")
    lines.append(f"Cases compared: {report.named} given, {report.generated} generated, in {report.seconds:.1f} s.")
    lines.append("")
    changed = report.changed
    if changed:
        lines.append(f"DECISIONS CHANGE in {changed} of {report.compared} cases.")
    else:
        lines.append(f"NO DECISION CHANGES in {report.compared} cases.")
    for _, group in sorted(report.groups.items()):
        if not group.changed:
            continue
        lines += ["", f"{group.decision} for {group.authority}: {len(group.changed)} of {group.compared} cases change"]
        for (a, b), n in sorted(group.outcomes.items()):
            lines.append(f"  outcome {_outcome(a)} → {_outcome(b)}: {n} case(s)")
        for (criterion, a, b), n in sorted(group.criteria.items()):
            lines.append(f"  criterion {criterion}: {a.replace('_', ' ')} → {b.replace('_', ' ')} in {n} case(s)")
        for name, n in sorted(group.outputs.items()):
            lines.append(f"  output {name}: a different value in {n} case(s)")
        for (fact, how), n in sorted(group.missing.items()):
            lines.append(f"  missing information {fact}: {'now asked for' if how == 'added' else 'no longer asked for'}"
                         f" in {n} case(s)")
        lines.append("  Cases that change:")
        ordered = sample_first(group.changed)
        named = [c for c in ordered if not c.input.generated]
        generated = [c for c in ordered if c.input.generated]
        for c in named + generated[:_GENERATED_LISTED]:
            lines += _wrap(f"{c.input.label}: {_outcome(c.old.outcome)} → {_outcome(c.new.outcome)}"
                           + ("" if c.outcome_changed else " (outcome unchanged; " + _what(c) + ")"), "    ")
        if len(generated) > _GENERATED_LISTED:
            lines.append(f"    … and {len(generated) - _GENERATED_LISTED} more generated case(s) (--format json lists "
                         "them all, with their facts)")
        for c in ordered[:samples]:
            lines += [""] + side_by_side(c)
    if report.gaps:
        lines.append("")
        grouped = {}
        for decision, authority, day in report.gaps:
            grouped.setdefault((decision, day), []).append(authority)
        for (decision, day), authorities in grouped.items():
            lines += _wrap(f"WARNING: from {day.isoformat()} no rules for {decision} are in force for "
                           f"{', '.join(authorities)} (there were before this change): cases decided on or after that "
                           f"date will be refused (C405). If a new version is meant to follow, add it.", "")
    if report.provenance_cases:
        what = ", ".join(f"{k} ({n})" for k, n in sorted(report.provenance.items(), key=lambda kv: (-kv[1], kv[0])))
        lines += [""] + _wrap(f"Provenance only, not counted as changes: {report.provenance_cases} case(s) are decided "
                              f"the same; their records differ only in {what}.", "")
    if report.not_decided:
        lines += ["", f"Not decided under either version (not counted as changes): {len(report.not_decided)} case(s)"]
        for c in report.not_decided[:10]:
            first = c.new.problems[0] if c.new.problems else None
            lines += _wrap(f"{c.input.label}: {first.code} {first.message}" if first else c.input.label, "  ")
        if len(report.not_decided) > 10:
            lines.append(f"  … and {len(report.not_decided) - 10} more (--format json lists them all)")
    if report.failures:
        lines += ["", f"THE ENGINE FAILED on {len(report.failures)} case(s); they were not compared:"]
        for c in report.failures:
            lines += _wrap(f"{c.input.label}: {c.old.error or c.new.error}", "  ")
    if report.input_problems:
        lines += ["", f"COULD NOT BE READ: {len(report.input_problems)} problem(s); the comparison is incomplete:"]
        for p in report.input_problems:
            lines += _wrap(f"{p.span}: error[{p.code}]: {p.message}" + (f" (hint: {p.hint})" if p.hint else ""), "  ")
    lines += ["", "What to do next:"] + [line for step in next_steps(report, command_hint, rules_dir) for line in _wrap(step, "  ")]
    return "\n".join(lines) + "\n"


def _what(c) -> str:
    parts = [f"criterion {k}" for k, _, _ in c.criteria] + [f"output {n}" for n, _, _ in c.outputs]
    if c.missing:
        parts.append("missing information")
    return ", ".join(parts) + " changed"


def side_by_side(c) -> list[str]:
    """Both explanations of one case, old on the left and new on the right, with every difference marked."""
    a, b = c.old.decision, c.new.decision
    names = [x.id for x in (a.criteria if a else ())] + [x.id for x in (b.criteria if b else ())]
    label = min(46, max([len(n) for n in names] + [len(f"output {n}") for n, _, _ in c.outputs] + [16]))
    width = 26
    lines = [f"  Side by side: {c.input.label}"]
    if c.input.generated:
        lines.append("    generated facts: " + json.dumps(c.input.case.get("facts"), sort_keys=True, ensure_ascii=False))
    lines.append(f"    {'':{label}} {'OLD':<{width}} NEW")

    def row(name, left, right, force=False):
        flag = "  <<" if left != right or force else ""
        lines.append(f"    {name[:label]:{label}} {left[:width - 1]:<{width}} {right}{flag}")

    row("outcome", _outcome(c.old.outcome), _outcome(c.new.outcome))
    for side, other in ((a, c.old), (b, c.new)):
        if side is None:
            for p in other.problems[:3]:
                lines += _wrap(f"{'old' if other is c.old else 'new'}: not decided: {p.code} {p.message}", "      ")
    if a is not None and b is not None:
        row("rules version", a.rule_set.version, b.rule_set.version)
        changed = {k for k, _, _ in c.criteria}
        for criterion in dict.fromkeys([x.id for x in a.criteria] + [x.id for x in b.criteria]):
            ca = next((x for x in a.criteria if x.id == criterion), None)
            cb = next((x for x in b.criteria if x.id == criterion), None)
            row(criterion, _status(ca.status if ca else "absent"), _status(cb.status if cb else "absent"))
            if criterion in changed:
                lines += _wrap(f"old: {ca.reason if ca else 'not a criterion of the old rules'}", "      ")
                lines += _wrap(f"new: {cb.reason if cb else 'not a criterion of the new rules'}", "      ")
        for name, old_value, new_value in c.outputs:
            row(f"output {name}", _value(old_value), _value(new_value))
        for fact, how in c.missing:
            row(f"missing {fact}", "asked for" if how == "removed" else "-", "asked for" if how == "added" else "-")
    return lines


def _value(value) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict) and "at_least" in value:
        return f"{value['at_least']} to {value['at_most']}"
    return str(value)


def next_steps(report: Report, command_hint: str = "", rules_dir: str = "rules") -> list[str]:
    again = f" and run `{command_hint}` again" if command_hint else " and run the comparison again"
    steps = []
    if report.input_problems:
        steps.append(f"Fix or leave out the case files that could not be read (listed above){again}: "
                     "until then this report does not cover every case.")
    if report.failures:
        steps.append("Report the engine failure with the command you ran; those cases were not compared.")
    if report.changed:
        steps += [
            "1. Check that every change above is what you meant the rule change to do. The side-by-side "
            "explanations show which criterion now decides differently and why.",
            f"2. If a change is not intended, correct the rule file{again}.",
            "3. If the changes are intended, update the case tests that expect the old result and add a case test "
            f"for each new result (tests/cases/), then run `eligibility test --rules {rules_dir} tests/cases/`.",
            "4. Commit with a message that says which decisions change and why (the counts above). A pre-commit "
            "hook or CI check that runs this comparison stops while decisions change; once the change is "
            "reviewed, commit with SKIP=eligibility-diff, or record the approval as your CI requires.",
        ]
    elif not report.input_problems and not report.failures:
        if report.compared == 0:
            steps.append("No cases were compared, so nothing is known about the decisions: give case files or "
                         "folders (for example examples/cases tests/cases) or --generated 200.")
        else:
            steps.append("No decision changes. If you meant the change to alter decisions, add a case or case test "
                         "that shows it (none of the cases compared is affected); otherwise commit.")
    return steps
