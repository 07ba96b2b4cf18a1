"""Equal treatment: do the authorities decide equivalent cases alike?

Two authorities must give an equivalent case — the same facts, with the facts that name
an authority's area swapped between them — the same outcome and the same result on every
criterion, unless a declared variation in force on that date says the criterion (or the
outcome) may differ. Outputs read from an authority's settings (its name, who funds) may
differ; every other output must match.
"""

from __future__ import annotations

import datetime as dt
import itertools
import time
from dataclasses import dataclass

from . import generate
from . import model as m
from .scope import Scope, derivation_refs, refs_in


@dataclass(frozen=True)
class Difference:
    """Two authorities deciding an equivalent case differently, beyond what is declared."""

    decision: str
    on: dt.date
    authorities: tuple
    facts: dict                  # the generated case, with area placeholders
    problems: tuple              # what differs, in words
    decisions: tuple             # (Decision or None, Decision or None)

    def to_dict(self) -> dict:
        return {"decision": self.decision, "on": self.on.isoformat(), "authorities": list(self.authorities),
                "facts": self.facts, "problems": list(self.problems),
                "decisions": [d.to_dict() if d is not None else None for d in self.decisions]}


@dataclass(frozen=True)
class Report:
    differences: tuple
    cases_checked: int
    seconds: float
    searches: int

    @property
    def cases_per_second(self) -> float:
        return self.cases_checked / self.seconds if self.seconds else 0.0


def area_of(engine, authority: str, on: dt.date) -> str:
    settings = engine.settings_for(authority, on)
    return (settings.area or settings.council) if settings else authority


def relevant_fields(engine, decision: str) -> list:
    """The top-level case fields the decision's rules read or must disregard."""
    names = set()
    for rs in (r for r in engine.corpus.rule_sets if r.decision == decision):
        refs = [r for c in rs.criteria for r in refs_in(c.condition)]
        refs += [r for c in rs.criteria if c.waived_when is not None for r in refs_in(c.waived_when)]
        refs += [r for d in rs.derived for r in derivation_refs(d)]
        refs += [o.ref for o in list(rs.outputs) + [o for rule in rs.outcomes for o in rule.outputs] if o.ref]
        names |= {r.name.split(".")[0] for r in refs if r.kind == "fact"}
        names |= {d.fact.split(".")[0] for d in rs.disregards}
    return [f for f in engine.corpus.vocabulary.fields.values() if f.path in names]


def thresholds(engine, decision: str) -> dict:
    """Whole numbers the decision's rules compare each case field with (for boundary cases)."""
    found = {}
    for rs in (r for r in engine.corpus.rule_sets if r.decision == decision):
        for c in rs.criteria:
            for node in m.leaves(c.condition):
                if node.subject.kind == "fact" and isinstance(node.operand, int) and not isinstance(node.operand, bool):
                    found.setdefault(node.subject.name, set()).add(node.operand)
    return found


def boundary_dates(engine, decision: str) -> list[dt.date]:
    """Dates on both sides of every change: rule-set versions, settings versions and variations."""
    changes = set()
    items = [r for r in engine.corpus.rule_sets if r.decision == decision] + list(engine.corpus.settings) + [
        v for v in engine.corpus.variations if decision in v.decisions]
    for item in items:
        changes.add(item.effective_from)
        if item.effective_to:
            changes.add(item.effective_to + dt.timedelta(days=1))
    dates = {d + dt.timedelta(days=k) for d in changes for k in (-1, 0)}
    return sorted(d for d in dates if any(engine.rule_set_for(decision, a, d) for a in engine.authorities))


def compare(engine, decision: str, on: dt.date, a: str, b: str, facts: dict, decided: dict | None = None):
    """(problems, (decision_a, decision_b)) for one generated case and one pair of authorities.

    ``decided`` keeps decisions already made for this case (by authority and the facts as
    that authority sees them), so that comparing every pair decides each case only once
    per authority.
    """
    area_a, area_b = area_of(engine, a, on), area_of(engine, b, on)
    da = _decided(engine, decision, a, on, generate.materialise(facts, area_a, area_b), decided)
    db = _decided(engine, decision, b, on, generate.materialise(facts, area_b, area_a), decided)
    declared = [v for x in (a, b) for v in engine.variations_for(x, decision, on)]
    outcome_may_differ = any(v.outcome_may_differ for v in declared)
    criteria_may_differ = {c for v in declared for c in v.criteria}
    if da is None or db is None:
        if (da is None) != (db is None) and not outcome_may_differ:
            missing = a if da is None else b
            return (f"no rules are in force for {missing} on {on}, but there are for the other authority",), (da, db)
        return (), (da, db)
    problems = []
    if da.outcome != db.outcome and not outcome_may_differ:
        problems.append(f"outcome: {a} {da.outcome}, {b} {db.outcome}")
    statuses_a = {c.id: c.status for c in da.criteria}
    statuses_b = {c.id: c.status for c in db.criteria}
    for criterion in sorted(set(statuses_a) | set(statuses_b)):
        sa, sb = statuses_a.get(criterion, "absent"), statuses_b.get(criterion, "absent")
        if sa != sb and criterion not in criteria_may_differ:
            problems.append(f"criterion {criterion}: {a} {sa}, {b} {sb}")
    outputs_may_differ = {o for v in declared for o in v.outputs}
    problems += [p for p in _output_problems(engine, da, db, (a, area_a), (b, area_b))
                 if p.split(":")[0].removeprefix("output ") not in outputs_may_differ]
    return tuple(problems), (da, db)


def _decided(engine, decision, authority, on, facts, decided):
    if decided is None:
        return engine.decide_or_none(facts, decision, authority, on)
    key = (authority, repr(facts))
    if key not in decided:
        decided[key] = engine.decide_or_none(facts, decision, authority, on)
    return decided[key]


def _output_problems(engine, da, db, a, b) -> list[str]:
    """Outputs not read from settings must match, once area names are put back as placeholders."""
    from_settings = set()
    for d in (da, db):
        rs = next(r for r in engine.corpus.rule_sets if r.id == d.rule_set.id and r.version == d.rule_set.version)
        outputs = list(rs.outputs) + [o for rule in rs.outcomes for o in rule.outputs]
        from_settings |= {o.name for o in outputs if o.ref is not None and o.ref.kind == "setting"}
    values_a = {n: _placeholders(v, a[1], b[1]) for n, _, v in da.outputs if n not in from_settings}
    values_b = {n: _placeholders(v, b[1], a[1]) for n, _, v in db.outputs if n not in from_settings}
    return [f"output {n}: {a[0]} {values_a.get(n)!r}, {b[0]} {values_b.get(n)!r}"
            for n in sorted(set(values_a) | set(values_b)) if values_a.get(n) != values_b.get(n)]


def _placeholders(value, this_area, other_area):
    if value == this_area:
        return generate.THIS_AREA
    if value == other_area:
        return generate.OTHER_AREA
    return value


def check(engine, decisions=None, dates=None, examples: int = 50, pairs=None, progress=None) -> Report:
    """Search every decision, date and pair of authorities for an undeclared difference.

    For each decision and date the cases are generated once, and each case is decided once
    per authority and compared for every pair. Only a pair that differs is searched again
    to shrink its difference to a minimal case. ``cases_checked`` counts case-and-pair
    comparisons. ``progress(done, total, label)``, when given, is called for each search
    (one per pair of authorities on a date) once its date has been searched.
    """
    started, checked, searches, found = time.perf_counter(), [0], 0, []
    plan = [(decision, on) for decision in decisions or engine.decisions
            for on in dates or boundary_dates(engine, decision)]
    pairs = list(pairs or itertools.combinations(engine.authorities, 2))
    total = len(plan) * len(pairs)
    for decision in dict.fromkeys(d for d, _ in plan):
        fields = relevant_fields(engine, decision)
        boundaries = boundary_dates(engine, decision)
        limits = thresholds(engine, decision)
        for on in (on for d, on in plan if d == decision):
            strategy = generate.facts_strategy(fields, on, boundaries, limits)
            pair_list = pairs
            searches += len(pair_list)
            differing = {}

            def any_pair_differs(facts, decision=decision, on=on, pair_list=pair_list, differing=differing):
                decided = {}
                for a, b in pair_list:
                    checked[0] += 1
                    if (a, b) not in differing and compare(engine, decision, on, a, b, facts, decided)[0]:
                        differing[(a, b)] = facts
                return False                    # keep generating: every pair sees every case

            generate.search(strategy, any_pair_differs, examples, shrink=False)
            for (a, b), first in differing.items():

                def disagrees(facts, decision=decision, on=on, a=a, b=b):
                    return bool(compare(engine, decision, on, a, b, facts)[0])

                example = generate.search(strategy, disagrees, examples)
                if example is None:             # not found again within the budget: report the first example
                    example = first
                problems, decided = compare(engine, decision, on, a, b, example)
                found.append(Difference(decision, on, (a, b), example, problems, decided))
            if progress is not None:            # each pair of authorities is one search on this date
                for i, (a, b) in enumerate(pair_list, start=searches - len(pair_list) + 1):
                    progress(i, total, f"{decision} on {on.isoformat()}: {a} and {b}")
    found.sort(key=lambda d: (d.decision, d.on, d.authorities))
    return Report(tuple(found), checked[0], time.perf_counter() - started, searches)


def variation_register(engine, on: dt.date | None = None) -> list[m.Variation]:
    """Every declared variation (those in force on a date, if given), by authority and date."""
    chosen = [v for v in engine.corpus.variations if on is None or v.in_force(on)]
    return sorted(chosen, key=lambda v: (v.authority, v.effective_from, v.id))


__all__ = ["Difference", "Report", "check", "compare", "variation_register", "boundary_dates", "Scope"]
