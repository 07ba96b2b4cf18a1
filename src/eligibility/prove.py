"""Proof of equal treatment: for every possible case, two authorities decide alike except where declared.

For each decision kind, each pair of authorities and each period in which neither side's
rule set, settings nor declared variations change, the solver is asked for a case and
a date in the period on which the two authorities give a different outcome, a different
result on some criterion, or a different output, beyond what a declared variation in
force names. No such case means the equal treatment is proved for that period. A case
found is turned into a case file and decided by the real engine for both authorities;
only a difference the engine confirms is reported as a counterexample.
"""

from __future__ import annotations

import datetime as dt
import itertools
import time
from dataclasses import dataclass, field

from . import model as m
from . import smt
from .scope import item_scope_fields

PROVED, COUNTEREXAMPLE, GAVE_UP = "proved", "counterexample", "cannot prove"
ITEMS = 3                    # items per list when a list is modelled item by item to find a real counterexample
LAST_DAY = dt.date.max


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date


@dataclass
class Result:
    decision: str
    authorities: tuple
    period: Period
    verdict: str                 # proved | counterexample | cannot prove
    reason: str = ""
    seconds: float = 0.0
    on: dt.date | None = None
    facts: dict | None = None
    problems: tuple = ()
    decisions: tuple = ()
    claims: tuple = field(default_factory=tuple)

    def to_dict(self) -> dict:
        return {"decision": self.decision, "authorities": list(self.authorities),
                "period": {"from": self.period.start.isoformat(), "to": self.period.end.isoformat()},
                "verdict": self.verdict, "reason": self.reason, "seconds": round(self.seconds, 3),
                "on": self.on.isoformat() if self.on else None, "case": {"facts": self.facts} if self.facts is not None else None,
                "problems": list(self.problems),
                "decisions": [d.to_dict() if d is not None else None for d in self.decisions]}


def periods(engine, decision: str, pair: tuple) -> list[Period]:
    """Stretches of days in which the rules, settings and variations of both authorities stay the same."""
    items = [r for r in engine.corpus.rule_sets if r.decision == decision]
    items += [s for s in engine.corpus.settings if s.authority in pair]
    items += [v for v in engine.corpus.variations if decision in v.decisions and v.authority in pair]
    starts = {dt.date.min}
    for item in items:
        starts.add(item.effective_from)
        if item.effective_to is not None and item.effective_to < LAST_DAY:
            starts.add(item.effective_to + dt.timedelta(days=1))
    ordered = sorted(starts)
    out = []
    for start, following in itertools.zip_longest(ordered, ordered[1:]):
        end = following - dt.timedelta(days=1) if following else LAST_DAY
        if any(engine.rule_set_for(decision, a, start) for a in pair):
            out.append(Period(start, end))
    return out


def declared(engine, decision: str, pair: tuple, on: dt.date) -> list[m.Variation]:
    """The declared variations of either authority that bear on the decision on the date."""
    return [v for authority in pair for v in engine.variations_for(authority, decision, on)]


def prove_pair(engine, decision: str, pair: tuple, period: Period, timeout_ms: int = 20000) -> Result:
    started = time.perf_counter()
    result = _prove_pair(engine, decision, pair, period, timeout_ms)
    result.seconds = time.perf_counter() - started
    return result


def _prove_pair(engine, decision, pair, period, timeout_ms) -> Result:
    a, b = pair
    on = period.start
    rule_sets = [engine.rule_set_for(decision, x, on) for x in pair]
    variations = declared(engine, decision, pair, on)
    outcome_may_differ = any(v.outcome_may_differ for v in variations)
    if None in rule_sets:
        if outcome_may_differ:
            return Result(decision, pair, period, PROVED, "only one authority has rules in force; declared")
        missing = pair[rule_sets.index(None)]
        return Result(decision, pair, period, COUNTEREXAMPLE,
                      f"no rules are in force for {missing} in this period, but there are for the other authority",
                      on=on, facts={})
    def search(items):
        problem = smt.Problem(engine, items=items)
        sides = [smt.Side(problem, engine.prepared_for(rs), engine.settings_for(x, on), x)
                 for rs, x in zip(rule_sets, pair)]
        return _solve_claim(problem, _differences(problem, sides, variations, outcome_may_differ), period,
                            timeout_ms)

    def confirm(problem, model, claim):
        return _confirm(engine, decision, pair, period, problem, model, claim)

    return _prove_by(search, confirm, decision, pair, period, name_claims=True)


def _prove_by(search, confirm, decision, labels, period, name_claims: bool) -> Result:
    """Ask the solver for a case on which the two sides differ (``search(items)`` gives the problem, the
    claimed differences, the verdict and the model): none is a proof; one is a counterexample only when
    the engine confirms it (``confirm``)."""
    try:
        problem, claim, verdict, model = search(0)
    except smt.CannotEncode as exc:
        return Result(decision, labels, period, GAVE_UP, f"the rules cannot be encoded yet: {exc}")
    if verdict == "unsat":
        return Result(decision, labels, period, PROVED, claims=tuple(n for n, _ in claim) if name_claims else ())
    if verdict == "unknown":
        return Result(decision, labels, period, GAVE_UP, f"the solver gave up ({model})")
    result = confirm(problem, model, claim)
    if result.verdict == GAVE_UP and problem.free:
        result = _with_lists_item_by_item(search, confirm, result)
    return result


def _with_lists_item_by_item(search, confirm, unconfirmed) -> Result:
    """When a difference found with list-derived values taken as free values is not confirmed by the engine,
    look again for one with every list modelled item by item (up to ITEMS items): that case is a real one."""
    try:
        problem, claim, verdict, model = search(ITEMS)
    except smt.CannotEncode:
        return unconfirmed
    if verdict != "sat":
        return unconfirmed
    found = confirm(problem, model, claim)
    if found.verdict == COUNTEREXAMPLE:
        found.reason += f" (found with every list modelled item by item, up to {ITEMS} items)"
        return found
    return unconfirmed


def _differences(problem, sides, variations, outcome_may_differ) -> list:
    """(what differs, formula) for everything that must be the same on both sides."""
    sa, sb = sides
    out = []
    if not outcome_may_differ:
        out.append(("outcome", smt.disequal(sa.outcome_code(), sb.outcome_code())))
    criteria_may_differ = {c for v in variations for c in v.criteria}
    for cid in sorted(set(sa.status) | set(sb.status)):
        if cid in criteria_may_differ:
            continue
        left, right = sa.status.get(cid, smt.ABSENT), sb.status.get(cid, smt.ABSENT)
        out.append((f"criterion {cid}", smt.disequal(left, right)))
    outputs_may_differ = {o for v in variations for o in v.outputs}
    oa, ob = sa.outputs(), sb.outputs()
    for name in sorted(set(oa) | set(ob)):
        if name in outputs_may_differ or (oa.get(name, (0, 0, False))[2] or ob.get(name, (0, 0, False))[2]):
            continue                                   # read from settings: the authority's own name, funder, ...
        if name not in oa or name not in ob:
            present = (oa.get(name) or ob.get(name))[0]
            out.append((f"output {name}", present))
            continue
        (pa, va, _), (pb, vb, _) = oa[name], ob[name]
        out.append((f"output {name}", smt.any_of([smt.disequal(pa, pb),
                                                  smt.all_of([pa, pb, smt.negate(smt.same_value(va, vb))])])))
    return out


# -- counterexamples ----------------------------------------------------------------------
def _confirm(engine, decision, pair, period, problem, model, claim) -> Result:
    from . import consistency

    on = dt.date.fromordinal(smt.as_int(model, problem.on))
    facts = case_facts(problem, model)
    found = [name for name, formula in claim if smt.holds_in(model, formula)]
    problems, decided = consistency.compare(engine, decision, on, pair[0], pair[1], facts)
    if problems:
        return Result(decision, pair, period, COUNTEREXAMPLE, "; ".join(found), on=on, facts=facts,
                      problems=problems, decisions=decided)
    return Result(decision, pair, period, GAVE_UP,
                  "the solver found a possible difference (" + "; ".join(found) + ") but the case built from it "
                  "is decided alike by the engine, so it is neither proved nor disproved", on=on, facts=facts,
                  decisions=decided)


def _solve_claim(problem, claim, period: Period, timeout_ms: int) -> tuple:
    """(problem, claim, verdict, model): asks the solver for a case on some day of the period for which
    any of the claimed differences [(name, formula), ...] holds; 'unsat' means none can."""
    constraints = problem.constraints + [smt.between(problem.on, period.start.toordinal(), period.end.toordinal()),
                                         smt.any_of([c for _, c in claim])]
    return (problem, claim) + smt.solve(constraints, timeout_ms, _plain_dates(problem))


def _plain_dates(problem) -> list:
    """Every date between 1900 and 2100, preferred in a counterexample when possible (easier to read)."""
    low, high = dt.date(1900, 1, 1).toordinal(), dt.date(2100, 12, 31).toordinal()
    dates = [v.val for v in list(problem.facts.values()) + [v for _, v in problem.free.values()] if v.kind == "date"]
    dates += [v.val for items in problem.lists.values() for item in items.items for v in item.values()
              if v.kind == "date"]
    return [smt.between(d, low, high) for d in dates + [problem.on]]


def case_facts(problem, model) -> dict:
    """The solver's case as case-file facts (nested by dotted path)."""
    facts = {}
    for path, value in sorted(problem.facts.items()):
        if not smt.holds_in(model, value.known):
            continue
        field = problem.vocabulary.fields[path]
        _put(facts, path, _python_value(problem, model, value, field))
    on = dt.date.fromordinal(smt.as_int(model, problem.on))
    for derivation, value in problem.free.values():
        items = _items_for(problem, model, derivation, value, on)
        if items is not None:
            _put(facts, derivation.spec["items"], items)
    for path, items in sorted(problem.lists.items()):
        if smt.holds_in(model, items.given):
            _put(facts, path, [_modelled_item(problem, model, items, k) for k in range(smt.as_int(model, items.length))])
    return facts


def _modelled_item(problem, model, items, k) -> dict:
    item = {}
    for rel, value in items.items[k].items():
        if smt.holds_in(model, value.known):
            _put(item, rel, _python_value(problem, model, value, items.children[rel]))
    return item


def _python_value(problem, model, value, field):
    if field.type == "choices":
        return [v for v in field.values if smt.holds_in(model, value.members[v])]
    number = smt.as_int(model, value.val)
    if field.type == "boolean":
        return bool(number)
    if field.type == "date":
        return dt.date.fromordinal(number).isoformat()
    if field.type == "choice":
        return problem.strings.text(number)
    if field.type == "text":
        return "Recorded."
    return number


def _put(facts, path, value):
    parts = path.split(".")
    for part in parts[:-1]:
        facts = facts.setdefault(part, {})
    facts.setdefault(parts[-1], value)


def _items_for(problem, model, d, value, on):
    """A list whose derived value is the one the solver chose (None: leave the list out)."""
    list_field = problem.vocabulary.fields[d.spec["items"]]
    if d.how == "count":
        if not smt.holds_in(model, value.hi_known):
            return None
        low, high = smt.as_int(model, value.lo), smt.as_int(model, value.hi)
        return [_item(list_field, on, None)] * low + [{}] * (high - low)
    if smt.holds_in(model, value.known):
        field = item_scope_fields(list_field)[d.spec["value"]]
        return [_item(list_field, on, (d.spec["value"], _python_value(problem, model, value, field)))]
    return None if smt.holds_in(model, value.missing) else []


def _item(list_field, on, pinned):
    """One list item, dated on the decision date, with one field pinned to a value. It is not solved
    for the derivation's condition: the engine then decides whether the case shows a difference."""
    item = {}
    children = item_scope_fields(list_field)
    for path, child in children.items():
        if child.type in ("record", "list"):
            continue
        sample = {"boolean": True, "integer": child.minimum or 0, "date": on.isoformat(), "text": "Recorded.",
                  "choice": child.values[0] if child.values else None, "choices": []}.get(child.type)
        _put(item, path, sample)
    if pinned is not None:
        parts = pinned[0].split(".")
        target = item
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = pinned[1]
    return item


def run(engine, decisions=None, pairs=None, on: dt.date | None = None, timeout_ms: int = 20000) -> list[Result]:
    results = []
    for decision in decisions or engine.decisions:
        for pair in pairs or list(itertools.combinations(engine.authorities, 2)):
            chosen = [Period(on, on)] if on is not None else periods(engine, decision, pair)
            for period in chosen:
                if on is not None and not any(engine.rule_set_for(decision, x, on) for x in pair):
                    continue
                results.append(prove_pair(engine, decision, pair, period, timeout_ms))
    return results


def exit_code(results) -> int:
    if any(r.verdict == COUNTEREXAMPLE for r in results):
        return 1
    if any(r.verdict == GAVE_UP for r in results):
        return 3
    return 0


def overall(results) -> str:
    return {0: PROVED, 1: COUNTEREXAMPLE, 3: GAVE_UP}[exit_code(results)]


# -- the encoding evaluated on one concrete case (to test the encoding against the engine) --
def evaluate_case(engine, decision: str, authority: str, on: dt.date, facts: dict, items: int = 0) -> tuple[str, dict]:
    """(outcome, {criterion: status}) read from the SMT encoding with every variable pinned to this case.

    With ``items``, lists are modelled item by item (the case's lists, as at ``on``, must
    have at most that many items).
    """
    from .as_at import as_at
    from .decide import engine_input
    from .values import Lookup, engine_value, nested_get

    rule_set = engine.rule_set_for(decision, authority, on)
    prepared, settings = engine.prepared_for(rule_set), engine.settings_for(authority, on)
    problem = smt.Problem(engine, items=items)
    side = smt.Side(problem, prepared, settings, authority)
    side.outputs()
    lookup = Lookup(prepared.vocabulary, prepared.setting_defs, facts, {}, on, authority)
    pins = [problem.on == on.toordinal()]
    for path, value in problem.facts.items():
        pins += _pin(problem, value, lookup.fact(path), problem.vocabulary.fields[path], engine_value)
    kept, _ = as_at(facts, prepared.dated_lists, on)
    for path, modelled in problem.lists.items():
        given = nested_get(kept, path)
        if given is not None and len(given) > items:
            raise ValueError(f"{path} has {len(given)} items, more than the {items} modelled")
        pins += [modelled.given == (given is not None), modelled.length == len(given or [])]
        for k, item in enumerate(given or []):
            for rel, value in modelled.items[k].items():
                pins += _pin(problem, value, nested_get(item, rel), modelled.children[rel], engine_value)
    _, derived, _ = engine_input(prepared, facts, authority, on, settings)
    for d, value in problem.free.values():
        real = derived[d.name]
        if value.lo is not None:
            low, high = real.value
            pins += [value.lo == low, value.hi_known == (high is not None)] + ([value.hi == high] if high is not None else [])
        else:
            kind = real.kind or real.value_type
            pins += [value.known == (real.value is not None), value.missing == bool(real.missing)]
            if real.value is not None:
                raw = real.value.toordinal() if isinstance(real.value, dt.date) else real.value
                pins.append(value.val == (problem.strings.code(raw) if kind == "choice" else int(raw)))
    verdict, model = smt.solve(problem.constraints + pins, 20000)
    if verdict != "sat":
        raise AssertionError(f"the encoding has no value for this case ({verdict})")
    statuses = {c: smt.STATUS[smt.as_int(model, s)] for c, s in side.status.items()}
    return problem.strings.text(smt.as_int(model, side.outcome_code())), statuses


def _pin(problem, value, given, field, engine_value) -> list:
    if given is None:
        return [smt.negate(value.known)]
    pins = [value.known]
    if field.type == "choices":
        return pins + [value.members[v] == (v in given) for v in field.values]
    raw = engine_value(given, field.type)
    if field.type == "choice":
        raw = problem.strings.code(raw)
    return pins + [value.val == int(raw)]


# -- two versions of the rules (change impact over every possible case) ----------------------
def run_versions(old, new, decisions=None, authorities=None, on: dt.date | None = None,
                 timeout_ms: int = 20000) -> list[Result]:
    """For each decision, authority and period: the old and the new rules decide every case alike."""
    results = []
    for decision in decisions or sorted(set(old.decisions) | set(new.decisions)):
        for authority in authorities or sorted(set(old.authorities) | set(new.authorities)):
            chosen = [Period(on, on)] if on is not None else _version_periods(old, new, decision, authority)
            for period in chosen:
                if not (old.rule_set_for(decision, authority, period.start)
                        or new.rule_set_for(decision, authority, period.start)):
                    continue
                started = time.perf_counter()
                result = _prove_versions(old, new, decision, authority, period, timeout_ms)
                result.seconds = time.perf_counter() - started
                results.append(result)
    return results


def _version_periods(old, new, decision, authority) -> list[Period]:
    starts = {dt.date.min}
    for engine in (old, new):
        for item in [r for r in engine.corpus.rule_sets if r.decision == decision] + [
                s for s in engine.corpus.settings if s.authority == authority]:
            starts.add(item.effective_from)
            if item.effective_to is not None and item.effective_to < LAST_DAY:
                starts.add(item.effective_to + dt.timedelta(days=1))
    ordered = sorted(starts)
    return [Period(start, following - dt.timedelta(days=1) if following else LAST_DAY)
            for start, following in itertools.zip_longest(ordered, ordered[1:])]


def _prove_versions(old, new, decision, authority, period, timeout_ms) -> Result:
    on = period.start
    labels = (f"{authority} (old rules)", f"{authority} (new rules)")
    rule_sets = [e.rule_set_for(decision, authority, on) for e in (old, new)]
    if None in rule_sets:
        which = "old" if rule_sets[0] is None else "new"
        return Result(decision, labels, period, COUNTEREXAMPLE,
                      f"the {which} rules have no rule set in force for {authority} in this period; the other has",
                      on=on, facts={})
    def search(items):
        problem = smt.Problem(new, old, items=items)
        sides = [smt.Side(problem, e.prepared_for(rs), e.settings_for(authority, on), authority)
                 for e, rs in zip((old, new), rule_sets)]
        return _solve_claim(problem, _version_differences(sides), period, timeout_ms)

    def confirm(problem, model, claim):
        return _version_case(old, new, decision, authority, labels, period, problem, model, claim)

    return _prove_by(search, confirm, decision, labels, period, name_claims=False)


def _version_case(old, new, decision, authority, labels, period, problem, model, claim) -> Result:
    """The solver's case decided by the old and the new rules: a counterexample only when the engine confirms it."""
    day = dt.date.fromordinal(smt.as_int(model, problem.on))
    facts = case_facts(problem, model)
    found = [name for name, formula in claim if smt.holds_in(model, formula)]
    decided = tuple(e.decide_or_none(facts, decision, authority, day) for e in (old, new))
    problems = _decision_differences(*decided, labels)
    verdict = COUNTEREXAMPLE if problems else GAVE_UP
    reason = "; ".join(found) if problems else ("the solver found a possible difference (" + "; ".join(found) +
                                                ") that the engine does not confirm on the case built from it")
    return Result(decision, labels, period, verdict, reason, on=day, facts=facts, problems=problems, decisions=decided)


def _version_differences(sides) -> list:
    sa, sb = sides
    out = [("outcome", smt.disequal(sa.outcome_code(), sb.outcome_code()))]
    for cid in sorted(set(sa.status) | set(sb.status)):
        out.append((f"criterion {cid}", smt.disequal(sa.status.get(cid, smt.ABSENT), sb.status.get(cid, smt.ABSENT))))
    oa, ob = sa.outputs(), sb.outputs()
    for name in sorted(set(oa) | set(ob)):
        if name not in oa or name not in ob:
            out.append((f"output {name}", (oa.get(name) or ob.get(name))[0]))
            continue
        (pa, va, _), (pb, vb, _) = oa[name], ob[name]
        out.append((f"output {name}", smt.any_of([smt.disequal(pa, pb),
                                                  smt.all_of([pa, pb, smt.negate(smt.same_value(va, vb))])])))
    return out


def _decision_differences(da, db, labels) -> tuple:
    if da is None or db is None:
        return () if da is db else (f"the case is refused by the {'old' if da is None else 'new'} rules only",)
    problems = []
    if da.outcome != db.outcome:
        problems.append(f"outcome: {labels[0]} {da.outcome}, {labels[1]} {db.outcome}")
    sa, sb = {c.id: c.status for c in da.criteria}, {c.id: c.status for c in db.criteria}
    problems += [f"criterion {c}: {labels[0]} {sa.get(c, 'absent')}, {labels[1]} {sb.get(c, 'absent')}"
                 for c in sorted(set(sa) | set(sb)) if sa.get(c) != sb.get(c)]
    oa, ob = {n: v for n, _, v in da.outputs}, {n: v for n, _, v in db.outputs}
    problems += [f"output {n}: {labels[0]} {oa.get(n)!r}, {labels[1]} {ob.get(n)!r}"
                 for n in sorted(set(oa) | set(ob)) if oa.get(n) != ob.get(n)]
    return tuple(problems)
