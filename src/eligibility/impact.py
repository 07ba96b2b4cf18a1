"""Change impact: which decisions a change to the rules would change.

Every case is decided under the old and the new rules, and the two written records are
compared. A **decision change** is a different outcome, a criterion with a different
result (or one that appears or disappears), an output with a different value, or a
different list of missing facts, or a case decided under one version and refused under
the other (for example because no rules are in force any more on its date). Everything
else a record holds is **provenance**: the rule-set and settings versions and digests,
their periods (closing a version after the decision date changes only that), titles,
citations, criterion and outcome wording, notes, declared variations and worked-out
values. Provenance changes are summarised, never counted as decision changes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import time
from collections import Counter
from dataclasses import dataclass, field

from .case_inputs import CaseInput
from .diagnostics import CaseError, EvaluationError
from .rule_set_checks import all_refs

NOT_DECIDED = "not_decided"


# -- one case under two versions ------------------------------------------------------------

@dataclass(frozen=True)
class Side:
    """What one version of the rules made of a case: a decision, the problems that stopped one, or an engine failure."""

    decision: object = None          # decision.Decision
    problems: tuple = ()             # Diagnostics
    error: str | None = None

    @property
    def outcome(self) -> str:
        return self.decision.outcome if self.decision is not None else NOT_DECIDED

    def to_dict(self, full: bool = False) -> dict:
        if self.error is not None:
            return {"status": "engine_error", "error": self.error}
        if self.decision is None:
            return {"status": "not_decided", "problems": [p.to_dict() for p in self.problems]}
        return {"status": "decided", "outcome": self.decision.outcome, "rule_set_version": self.decision.rule_set.version,
                **({"record": self.decision.to_dict()} if full else {})}


def decide(engine, case_input: CaseInput) -> Side:
    try:
        return Side(engine.decide(case_input.case, case_input.decision, case_input.authority, case_input.on,
                                  smap=case_input.smap))
    except CaseError as exc:
        return Side(problems=tuple(exc.diagnostics))
    except EvaluationError as exc:
        return Side(error=str(exc))


@dataclass(frozen=True)
class Comparison:
    """One case decided under the old and the new rules, and what differs."""

    input: CaseInput
    decision: str                    # the kind of decision
    authority: str
    old: Side
    new: Side
    criteria: tuple = ()             # ((criterion, old status, new status), ...)
    outputs: tuple = ()              # ((name, old value, new value), ...)
    missing: tuple = ()              # ((fact, 'added' | 'removed'), ...)
    provenance: tuple = ()           # what else differs, in words

    @property
    def outcome_changed(self) -> bool:
        return self.old.outcome != self.new.outcome

    @property
    def changed(self) -> bool:
        return bool(self.outcome_changed or self.criteria or self.outputs or self.missing)

    @property
    def failed(self) -> bool:
        return self.old.error is not None or self.new.error is not None

    def to_dict(self, full: bool = False) -> dict:
        return {"case": self.input.to_dict(), "decision": self.decision, "authority": self.authority,
                "outcome": {"old": self.old.outcome, "new": self.new.outcome},
                "criteria": [{"criterion": c, "old": a, "new": b} for c, a, b in self.criteria],
                "outputs": [{"output": n, "old": a, "new": b} for n, a, b in self.outputs],
                "missing_facts": [{"fact": f, "change": how} for f, how in self.missing],
                "provenance": list(self.provenance),
                "old": self.old.to_dict(full), "new": self.new.to_dict(full)}


def compare(case_input: CaseInput, old: Side, new: Side) -> Comparison:
    made = new.decision or old.decision
    kind = made.decision if made is not None else (case_input.decision or case_input.case.get("decision") or "?")
    authority = made.authority if made is not None else (
        case_input.authority or case_input.case.get("authority") or "?")
    if old.decision is None or new.decision is None:
        return Comparison(case_input, str(kind), str(authority), old, new)
    a, b = old.decision, new.decision
    statuses_a, statuses_b = {c.id: c.status for c in a.criteria}, {c.id: c.status for c in b.criteria}
    order = list(dict.fromkeys([*statuses_a, *statuses_b]))
    criteria = tuple((c, statuses_a.get(c, "absent"), statuses_b.get(c, "absent")) for c in order
                     if statuses_a.get(c, "absent") != statuses_b.get(c, "absent"))
    values_a, values_b = {n: v for n, _, v in a.outputs}, {n: v for n, _, v in b.outputs}
    outputs = tuple((n, values_a.get(n), values_b.get(n)) for n in dict.fromkeys([*values_a, *values_b])
                    if (n in values_a, values_a.get(n)) != (n in values_b, values_b.get(n)))
    missing_a, missing_b = {m.fact for m in a.missing_facts}, {m.fact for m in b.missing_facts}
    missing = tuple([(f, "added") for f in sorted(missing_b - missing_a)] +
                    [(f, "removed") for f in sorted(missing_a - missing_b)])
    changed = a.outcome != b.outcome or criteria or outputs or missing
    return Comparison(case_input, kind, authority, old, new, criteria, outputs, missing,
                      () if changed else provenance_changes(a, b))     # provenance is reported only where nothing else changed


def provenance_changes(a, b) -> tuple:
    """What differs between two records of the same decision besides the decision itself, in words."""
    found = []
    ra, rb = a.rule_set, b.rule_set
    if ra.id != rb.id:
        found.append(f"rule set {ra.id} → {rb.id}")
    if ra.version != rb.version:
        found.append(f"rule set {rb.id} version {ra.version} → {rb.version}")
    elif ra.digest != rb.digest:
        found.append(f"rule set {rb.id} version {rb.version}: content digest")
    if (ra.effective_from, ra.effective_to) != (rb.effective_from, rb.effective_to):
        found.append(f"rule set {rb.id} period {_period(ra)} → {_period(rb)}")
    if (ra.title, ra.sources) != (rb.title, rb.sources):
        found.append(f"rule set {rb.id}: title or sources")
    sa, sb = a.settings, b.settings
    if (sa is None) != (sb is None):
        found.append("settings used")
    elif sa is not None:
        if sa.version != sb.version:
            found.append(f"{sb.authority} settings version {sa.version} → {sb.version}")
        elif sa.digest != sb.digest:
            found.append(f"{sb.authority} settings version {sb.version}: content digest")
        if (sa.effective_from, sa.effective_to) != (sb.effective_from, sb.effective_to):
            found.append(f"{sb.authority} settings period {_period(sa)} → {_period(sb)}")
        if {n: s for n, _, s in sa.values} != {n: s for n, _, s in sb.values}:
            found.append("sources of settings")
        if {n: v for n, v, _ in sa.values} != {n: v for n, v, _ in sb.values}:
            found.append("setting values read (no result changed)")
    pairs = [(ca, b.criterion(ca.id)) for ca in a.criteria if any(cb.id == ca.id for cb in b.criteria)]
    if any(ca.citation != cb.citation for ca, cb in pairs):
        found.append("citations")
    if any(ca.text != cb.text for ca, cb in pairs):
        found.append("criterion wording")
    if any((ca.note, ca.confidence) != (cb.note, cb.confidence) for ca, cb in pairs):
        found.append("criterion notes or confidence")
    if a.outcome_reason != b.outcome_reason:
        found.append("outcome wording")
    if [t for _, t, _ in a.outputs] != [t for _, t, _ in b.outputs] and {n for n, _, _ in a.outputs} == {
            n for n, _, _ in b.outputs}:
        found.append("output wording")
    if [v.to_dict() for v in a.variations] != [v.to_dict() for v in b.variations]:
        found.append("declared variations")
    if a.disregarded != b.disregarded:
        found.append("disregards")
    if [d.to_dict() for d in a.derived] != [d.to_dict() for d in b.derived]:
        found.append("worked-out values")
    return tuple(found)


def _period(item) -> str:
    if item.effective_to is None:
        return f"from {item.effective_from.isoformat()}"
    return f"{item.effective_from.isoformat()} to {item.effective_to.isoformat()}"


# -- what changed in the rule files ------------------------------------------------------------

@dataclass(frozen=True)
class RuleChange:
    """One changed, added or removed item of the rules, with the periods it covered before and after."""

    what: str                        # in words, e.g. "rule set adult-eligibility version 2015.2 (shared/adult-eligibility.yaml)"
    change: str                      # changed | added | removed
    decisions: tuple | None          # the decisions it can bear on; None: every decision
    periods: tuple                   # ((effective_from, effective_to or None), ...) old and new
    authorities: tuple | None = None  # the authorities it can bear on; None: every authority

    def to_dict(self) -> dict:
        return {"what": self.what, "change": self.change,
                "decisions": list(self.decisions) if self.decisions is not None else "all",
                "authorities": list(self.authorities) if self.authorities is not None else "all",
                "periods": [[f.isoformat(), t.isoformat() if t else None] for f, t in self.periods]}


def rule_changes(old, new) -> list[RuleChange]:
    """Every rule set, settings version, variation and shared definition that differs between two loaded rule sets."""
    out = []
    reading = _decisions_reading_settings(old, new)

    def items(engine):
        corpus = engine.corpus
        found = {}
        for rs in corpus.rule_sets:
            where = f"{corpus.folders[rs.file]}/{os.path.basename(rs.file)}"
            found[("rule set", rs.id, rs.effective_from)] = (
                f"rule set {rs.id} version {rs.version} ({where})", rs.digest, rs)
        for s in corpus.settings:
            found[("settings", s.authority, s.effective_from)] = (f"{s.authority} settings version {s.version}", s.digest, s)
        for v in corpus.variations:
            found[("variation", v.id)] = (f"{v.authority} variation {v.id}", repr(v.to_dict()), v)
        return found

    def reach(kind, *versions):
        """(decisions, authorities) the item can bear on, in its old and new forms."""
        if kind == "rule set":
            return (tuple(dict.fromkeys(v.decision for v in versions)),
                    tuple(dict.fromkeys(a for v in versions for a in v.applies_to)))
        authorities = tuple(dict.fromkeys(v.authority for v in versions))
        if kind == "variation":
            return tuple(dict.fromkeys(d for v in versions for d in v.decisions)), authorities
        names = {n for v in versions for n in v.values}
        if len(versions) == 2 and _period(versions[0]) == _period(versions[1]):
            names = {n for n in names if versions[0].values.get(n, _ABSENT) != versions[1].values.get(n, _ABSENT)}
        return tuple(sorted({d for n in names for d in reading.get(n, ())})), authorities

    before, after = items(old), items(new)
    for key in sorted(set(before) | set(after), key=str):
        a, b = before.get(key), after.get(key)
        if a is not None and b is not None:
            if a[1] == b[1] and _period(a[2]) == _period(b[2]):
                continue
            name = a[0] if a[0] == b[0] else f"{a[0]}, now {b[0]}"
            decisions, authorities = reach(key[0], a[2], b[2])
            out.append(RuleChange(name, "changed", decisions,
                                  ((a[2].effective_from, a[2].effective_to), (b[2].effective_from, b[2].effective_to)),
                                  authorities))
        else:
            here = a or b
            decisions, authorities = reach(key[0], here[2])
            out.append(RuleChange(here[0], "removed" if b is None else "added", decisions,
                                  ((here[2].effective_from, here[2].effective_to),), authorities))
    for label, part in (("case fields", lambda c: c.vocabulary.fields), ("setting definitions", lambda c: c.setting_defs)):
        if _canonical(part(old.corpus)) != _canonical(part(new.corpus)):
            periods = tuple((rs.effective_from, rs.effective_to) for e in (old, new) for rs in e.corpus.rule_sets)
            out.append(RuleChange(label, "changed", None, periods))
    return out


_ABSENT = object()


def _decisions_reading_settings(*engines) -> dict:
    """setting name -> the decisions whose rules (in any of the engines) read it."""
    found = {}
    for engine in engines:
        for rs in engine.corpus.rule_sets:
            for ref in all_refs(rs):
                if ref.kind == "setting":
                    found.setdefault(ref.name, set()).add(rs.decision)
    return found


def authorities_of(old, new) -> tuple:
    """The authorities of either version of the rules (a version may add or remove a council's folder)."""
    return tuple(sorted(set(old.authorities) | set(new.authorities)))


def gaps(old, new, changes: list[RuleChange]) -> list[tuple]:
    """(decision, authority, day) where a change leaves no rules in force that were in force before."""
    found = []
    for decision in sorted(set(old.decisions) | set(new.decisions)):
        for day in boundary_dates(changes, decision):
            for authority in authorities_of(old, new):
                if old.rule_set_for(decision, authority, day) and not new.rule_set_for(decision, authority, day):
                    found.append((decision, authority, day))
    return found


def _canonical(value):
    """Model records as plain data, without where they were written (a moved line is not a change)."""
    if dataclasses.is_dataclass(value):
        return {f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value) if f.name != "span"}
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return value


def bearing_on(changes: list[RuleChange], decision: str) -> list[RuleChange]:
    return [c for c in changes if c.decisions is None or decision in c.decisions]


def authorities_affected(changes: list[RuleChange], decision: str) -> set | None:
    """The authorities whose decisions of this kind the changes can bear on; None: every authority."""
    found = set()
    for change in bearing_on(changes, decision):
        if change.authorities is None:
            return None
        found.update(change.authorities)
    return found


def boundary_dates(changes: list[RuleChange], decision: str) -> list[dt.date]:
    """The first day of every changed period bearing on a decision, and the day after it ends."""
    found = set()
    for change in bearing_on(changes, decision):
        for start, end in change.periods:
            found.add(start)
            if end is not None and end < dt.date.max:
                found.add(end + dt.timedelta(days=1))
    return sorted(found)


# -- the report ------------------------------------------------------------------------------

@dataclass
class Group:
    """The cases of one kind of decision for one authority."""

    decision: str
    authority: str
    compared: int = 0
    outcomes: Counter = field(default_factory=Counter)       # (old, new) -> cases
    criteria: Counter = field(default_factory=Counter)       # (criterion, old, new) -> cases
    outputs: Counter = field(default_factory=Counter)        # output -> cases
    missing: Counter = field(default_factory=Counter)        # (fact, added|removed) -> cases
    changed: list = field(default_factory=list)              # Comparisons with a decision change

    def to_dict(self, samples: int) -> dict:
        return {"decision": self.decision, "authority": self.authority, "cases_compared": self.compared,
                "cases_changed": len(self.changed),
                "outcome_changes": [{"old": a, "new": b, "cases": n} for (a, b), n in sorted(self.outcomes.items())],
                "criteria_changes": [{"criterion": c, "old": a, "new": b, "cases": n}
                                     for (c, a, b), n in sorted(self.criteria.items())],
                "output_changes": [{"output": o, "cases": n} for o, n in sorted(self.outputs.items())],
                "missing_fact_changes": [{"fact": f, "change": how, "cases": n}
                                         for (f, how), n in sorted(self.missing.items())],
                "changed_cases": [c.to_dict(full=i < samples) for i, c in enumerate(sample_first(self.changed))]}


def sample_first(changed: list) -> list:
    """Cases given by name before generated ones; within each, outcome changes first; otherwise in the order given."""
    return sorted(changed, key=lambda c: (c.input.generated, not c.outcome_changed))


@dataclass
class Report:
    old: str
    new: str
    rule_changes: list
    groups: dict                     # (decision, authority) -> Group
    named: int                       # cases given
    generated: int                   # cases generated
    provenance: Counter              # what differed -> cases whose decision did not change
    provenance_cases: int
    not_decided: list                # Comparisons refused under both versions
    failures: list                   # Comparisons where the engine failed
    input_problems: list             # Diagnostics of case files that could not be read
    seconds: float = 0.0
    gaps: list = field(default_factory=list)   # (decision, authority, day) left without rules in force

    @property
    def changed(self) -> int:
        return sum(len(g.changed) for g in self.groups.values())

    @property
    def compared(self) -> int:
        return self.named + self.generated

    def to_dict(self, samples: int = 1) -> dict:
        return {"old": self.old, "new": self.new, "rule_changes": [c.to_dict() for c in self.rule_changes],
                "cases_compared": self.compared, "cases_given": self.named, "cases_generated": self.generated,
                "cases_changed": self.changed,
                "groups": [g.to_dict(samples) for _, g in sorted(self.groups.items())],
                "provenance_only": {"cases": self.provenance_cases,
                                    "what": [{"change": k, "cases": n} for k, n in sorted(self.provenance.items())]},
                "not_decided_under_either": [c.to_dict() for c in self.not_decided],
                "engine_failures": [c.to_dict() for c in self.failures],
                "input_problems": [p.to_dict() for p in self.input_problems],
                "no_rules_in_force_from": [{"decision": d, "authority": a, "date": day.isoformat()}
                                           for d, a, day in self.gaps],
                "seconds": round(self.seconds, 3)}


def compare_all(old_engine, new_engine, inputs, *, old: str, new: str, generated=(), input_problems=(),
                changes=None) -> Report:
    """Decide every case under both versions of the rules and gather what changed."""
    started = time.perf_counter()
    report = Report(old, new, changes if changes is not None else rule_changes(old_engine, new_engine), {},
                    len(inputs), len(generated), Counter(), 0, [], [], list(input_problems))
    report.gaps = gaps(old_engine, new_engine, report.rule_changes)
    for case_input in [*inputs, *generated]:
        result = compare(case_input, decide(old_engine, case_input), decide(new_engine, case_input))
        if result.failed:
            report.failures.append(result)
            continue
        if result.old.decision is None and result.new.decision is None:
            report.not_decided.append(result)
            continue
        group = report.groups.setdefault((result.decision, result.authority),
                                         Group(result.decision, result.authority))
        group.compared += 1
        if result.changed:
            group.changed.append(result)
            if result.outcome_changed:
                group.outcomes[(result.old.outcome, result.new.outcome)] += 1
            group.criteria.update(result.criteria)
            group.outputs.update(n for n, _, _ in result.outputs)
            group.missing.update(result.missing)
        elif result.provenance:
            report.provenance_cases += 1
            report.provenance.update(result.provenance)
    report.seconds = time.perf_counter() - started
    return report
