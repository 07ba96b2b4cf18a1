"""Decisions and problems as text for people, or as JSON for systems. Standard library only."""

from __future__ import annotations

import functools
import json
import textwrap

from .decision import Decision
from .diagnostics import Diagnostic

_MARKS = {"met": "✓", "not_met": "✗", "waived": "~", "unknown": "?"}
_HEADINGS = {"eligible": "ELIGIBLE", "not_eligible": "NOT ELIGIBLE",
             "insufficient_information": "INSUFFICIENT INFORMATION"}


_WIDTH = 92


def _wrap(text: str, indent: str, hanging: str | None = None) -> str:
    """``textwrap.fill`` of the text with its whitespace collapsed, to 92 columns.

    A text that fits on one line needs no wrapping; longer ones (criterion texts,
    citations, the fixed blocks of a rule set) recur across decisions and are wrapped
    once each.
    """
    text = " ".join(text.split())
    if text and len(indent) + len(text) <= _WIDTH:
        return indent + text
    return _fill(text, indent, indent if hanging is None else hanging)


@functools.lru_cache(maxsize=8192)
def _fill(text: str, indent: str, hanging: str) -> str:
    return textwrap.fill(text, width=_WIDTH, initial_indent=indent, subsequent_indent=hanging)


def decision_text(d: Decision, source: str | None = None) -> str:
    """The decision for a social worker: outcome first, then each criterion, then what is missing."""
    council = d.settings.council if d.settings else d.authority
    lines = []
    heading = _HEADINGS.get(d.outcome, d.outcome.replace("_", " ").upper())
    lines.append(f"{heading} — {d.decision} for {council} ({d.authority}), as at {d.decided_on.isoformat()}")
    title = f"case {d.case_ref}" if d.case_ref else "case"
    lines.append(f"  {title}{f' ({source})' if source else ''}")
    lines.append(_wrap(d.outcome_reason, "  "))
    rs = d.rule_set
    period = f"in force {rs.effective_from.isoformat()}" + (f" to {rs.effective_to.isoformat()}" if rs.effective_to else " onwards")
    lines.append(f"  Rules: {rs.id} version {rs.version} ({period}), {rs.file}, sha256 {rs.digest[:16]}…")
    if d.settings:
        lines.append(f"  Settings: {d.settings.council} version {d.settings.version}, sha256 {d.settings.digest[:16]}…")
    lines.append("")
    lines.append("Criteria:")
    for c in d.criteria:
        lines.append(f"  {_MARKS[c.status]} {c.id}: {c.status.replace('_', ' ')}")
        lines.append(_wrap(c.text, "      "))
        for clause in c.reason.split("; "):
            lines.append(_wrap(clause, "      "))
        lines.append(_wrap(f"Source: {c.citation}", "      "))
        note = d.unconfirmed_note("criterion", c.id)
        if note:
            lines.append(_wrap(note, "      "))
    shown_outputs = [(name, text, value) for name, text, value in d.outputs]
    if shown_outputs:
        lines.append("")
        lines.append("Results:")
        for name, text, value in shown_outputs:
            lines.append(_wrap(f"- {text}: {_output_value(value)}", "  ", "    "))
            note = d.unconfirmed_note("output", name)
            if note:
                lines.append(_wrap(note, "    "))
    if d.derived:
        lines.append("")
        lines.append("Worked out from the facts:")
        for derived in d.derived:
            item = derived.to_dict()
            lines.append(_wrap(f"- {derived.text}: {_output_value(item['value'])} ({derived.how})", "  ", "    "))
            note = d.unconfirmed_note("derived", derived.name)
            if note:
                lines.append(_wrap(note, "    "))
    if d.left_out:
        lines.append("")
        lines.append(f"Left out (dated after the decision date, {d.decided_on.isoformat()}, so not used):")
        for item in d.left_out:
            lines.append(_wrap(f"- {item.sentence()}", "  ", "    "))
    if d.missing_facts:
        lines.append("")
        lines.append("Missing information (record these facts to decide the case):")
        for missing in d.missing_facts:
            lines.append(f"  - {missing.fact}: {' '.join(missing.text.split())}")
            lines.append(f"      needed for: {', '.join(missing.needed_for)}")
    if d.what_would_change:
        lines.append("")
        lines.append("What would change the outcome (each verified by deciding the changed case):")
        for change_set in d.what_would_change:
            changes = "; ".join(f"{c.fact} {_change_value(c.before)} → {_change_value(c.after)}"
                                for c in change_set.changes)
            lines.append(_wrap(f"- {changes}: {change_set.outcome}", "  ", "    "))
    if d.variations:
        lines.append("")
        lines.append(f"Declared local variations of {d.authority} that apply:")
        for v in d.variations:
            lines.append(_wrap(f"- {v.id}: {v.text} (source: {v.source})", "  ", "    "))
    if d.disregarded:
        lines.append("")
        lines.append("Disregarded by law:")
        for fact, text, citation in d.disregarded:
            lines.append(_wrap(f"- {fact}: {text} ({citation})", "  ", "    "))
    return "\n".join(lines) + "\n"


def _change_value(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(value) + "]"
    return "not recorded" if value is None else _output_value(value)


def _output_value(value) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return f"at least {value['at_least']} and at most {value['at_most']}"
    return str(value)


def plain_value(value) -> str:
    """A setting's value as an author writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def decisions_json(results: list[dict]) -> str:
    return json.dumps(results, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def diagnostic_text(d: Diagnostic, source_lines: dict | None = None) -> str:
    """'file:line:col: error[CODE]: message', the source line with a caret, the path and a hint."""
    lines = [f"{d.span}: {'warning' if d.code.startswith('W') else 'error'}[{d.code}]: {d.message}"]
    text = _source_line(d, source_lines)
    if text is not None:
        number = str(d.span.line)
        pad = " " * len(number)
        lines += [f"{pad} |", f"{number} | {text}", f"{pad} | {' ' * (d.span.column - 1)}^"]
    lines.append(f"  = at {d.path}")
    if d.hint:
        lines.append(f"  = hint: {d.hint}")
    return "\n".join(lines)


def _source_line(d: Diagnostic, cache: dict | None):
    if d.span.line is None:
        return None
    cache = cache if cache is not None else {}
    if d.span.file not in cache:
        try:
            with open(d.span.file, encoding="utf-8") as handle:
                cache[d.span.file] = handle.read().splitlines()
        except (OSError, UnicodeDecodeError):
            cache[d.span.file] = []
    lines = cache[d.span.file]
    return lines[d.span.line - 1] if 0 < d.span.line <= len(lines) else None


def diagnostics_text(diagnostics: list[Diagnostic], limit: int | None = None) -> str:
    cache: dict = {}
    shown = diagnostics if limit is None else diagnostics[:limit]
    out = "\n\n".join(diagnostic_text(d, cache) for d in shown)
    if limit is not None and len(diagnostics) > limit:
        out += f"\n\n… and {len(diagnostics) - limit} more"
    return out + "\n"


def _period(item) -> str:
    start = item.effective_from.isoformat()
    return f"{start} to {item.effective_to.isoformat()}" if item.effective_to else f"from {start}"


def variations_text(register, on=None) -> str:
    """The register of declared variations, grouped by authority."""
    when = f" in force on {on.isoformat()}" if on else ""
    if not register:
        return f"No declared variations{when}.\n"
    lines = [f"Declared local variations{when}: {len(register)}"]
    for authority in sorted({v.authority for v in register}):
        lines += ["", authority]
        for v in (x for x in register if x.authority == authority):
            lines.append(f"  {v.id} ({_period(v)})")
            lines.append(_wrap(v.text, "      "))
            lines.append(_wrap(f"Decisions: {', '.join(v.decisions)}", "      "))
            changes = [f"settings {', '.join(v.settings)}" if v.settings else "",
                       f"criteria {', '.join(v.criteria)}" if v.criteria else "",
                       f"outputs {', '.join(v.outputs)}" if v.outputs else "",
                       "the outcome" if v.outcome_may_differ else ""]
            lines.append(_wrap("May change: " + ("; ".join(c for c in changes if c) or "nothing declared"), "      "))
            lines.append(_wrap(f"Justification: {v.justification}", "      "))
            lines.append(_wrap(f"Source: {v.source}", "      "))
    return "\n".join(lines) + "\n"


def difference_text(difference) -> str:
    """A counterexample: the minimal case, what differs, and both explanations side by side."""
    import json as _json

    a, b = difference.authorities
    da, db = difference.decisions
    lines = [f"UNDECLARED DIFFERENCE — {difference.decision} on {difference.on.isoformat()}: {a} vs {b}"]
    lines += [f"  - {p}" for p in difference.problems]
    lines.append("  Minimal case (area placeholders are filled in with each authority's own area):")
    lines += ["    " + line for line in _json.dumps(difference.facts, indent=2, sort_keys=True).splitlines()]
    width = 44
    ids = list(dict.fromkeys([c.id for c in (da.criteria if da else ())] + [c.id for c in (db.criteria if db else ())]))
    name = max([34] + [len(i) for i in ids])                # criterion names are never cut short
    lines.append(f"  {'':{name}} {a:<{width}} {b}")
    lines.append(f"  {'outcome':{name}} {(da.outcome if da else 'no rules in force'):<{width}} "
                 f"{db.outcome if db else 'no rules in force'}")
    differing = []
    for criterion in ids:
        ca = next((c for c in da.criteria if c.id == criterion), None) if da else None
        cb = next((c for c in db.criteria if c.id == criterion), None) if db else None
        left = f"{_MARKS[ca.status]} {ca.status}" if ca else "-"
        right = f"{_MARKS[cb.status]} {cb.status}" if cb else "-"
        flag = "  <<" if left != right else ""
        lines.append(f"  {criterion:{name}} {left:<{width}} {right}{flag}")
        if left != right:
            differing.append(criterion)
            lines.append(_wrap(f"{a}: {ca.reason if ca else 'not a criterion here'}", "      "))
            lines.append(_wrap(f"{b}: {cb.reason if cb else 'not a criterion here'}", "      "))
    lines += _how_to_declare(difference, differing, (da.outcome if da else None) != (db.outcome if db else None))
    return "\n".join(lines) + "\n"


def proof_text(results) -> str:
    """The proof of equal treatment: one line per decision and pair, then every counterexample in full."""
    from .consistency import Difference

    lines, by_decision = [], {}
    for r in results:
        by_decision.setdefault(r.decision, []).append(r)
    for decision, found in by_decision.items():
        verdicts = {r.verdict for r in found}
        word = ("COUNTEREXAMPLE" if "counterexample" in verdicts else
                "CANNOT PROVE" if "cannot prove" in verdicts else "PROVED")
        seconds = sum(r.seconds for r in found)
        lines.append(f"{word:15} {decision}: {len(found)} pair-period(s), {seconds:.1f} s")
        for r in found:
            if r.verdict == "proved":
                continue
            period = f"{r.period.start.isoformat()} to {r.period.end.isoformat()}"
            lines.append(_wrap(f"{r.verdict}: {' vs '.join(r.authorities)}, {period}: {r.reason}", "    "))
            if r.verdict == "counterexample" and r.decisions:
                lines.append("    Case (save the facts below under 'facts:' and run: eligibility check CASE --decision "
                             f"{decision} --authority AUTHORITY --on {r.on.isoformat()}):")
                difference = Difference(decision, r.on, r.authorities, r.facts, r.problems, r.decisions)
                lines += ["    " + line for line in difference_text(difference).splitlines()]
    total = sum(r.seconds for r in results)
    proved = sum(1 for r in results if r.verdict == "proved")
    lines.append(f"{proved} of {len(results)} decision-pair-period(s) proved in {total:.1f} s.")
    return "\n".join(lines) + "\n"


def _how_to_declare(difference, criteria, outcome_differs: bool) -> list[str]:
    """The variation that would declare this difference, for the authority whose rules differ to fill in."""
    a, b = difference.authorities
    lines = ["  If the difference is intended and lawful, declare it as a variation in "
             f"rules/{b}/settings.yaml (or rules/{a}/settings.yaml):",
             "    variations:",
             "      - id: <a short name, e.g. " + f"{difference.decision}-{b}>",
             "        text: <what is different, in plain English>",
             f"        decisions: [{difference.decision}]"]
    if criteria:
        lines.append(f"        criteria: [{', '.join(criteria)}]")
    if outcome_differs:
        lines.append("        outcome_may_differ: true")
    lines += ["        justification: <why the law allows the difference>",
              "        source: <the council paper, its date and paragraph>",
              f"        effective_from: {difference.on.isoformat()}",
              "  If it is not intended, correct the rule set or the settings that differ."]
    return lines
