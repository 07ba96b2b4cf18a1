"""Generated cases for measuring a rule change, on both sides of every changed period.

For each kind of decision a change bears on, cases are drawn from the package's case
generator (``generate.py``) over the case fields the old or the new rules read, with
whole numbers clustered around the thresholds of both versions. They are decided on the
day before and the first day of every changed period, and the day after one ends, spread
over the authorities that have rules on that day. The same generated facts are decided
under both versions. Generation is derandomised: the same rules give the same cases.
"""

from __future__ import annotations

import datetime as dt
import math

from . import generate
from .case_inputs import CaseInput
from .consistency import area_of, relevant_fields, thresholds
from .impact import authorities_affected, authorities_of, boundary_dates


def generated_inputs(old, new, changes, per_decision: int) -> list[CaseInput]:
    """Up to ``per_decision`` generated cases for every kind of decision the changes bear on."""
    out = []
    if per_decision <= 0:
        return out
    for decision in sorted(set(old.decisions) | set(new.decisions)):
        days = decision_days(old, new, changes, decision)
        if not days:
            continue
        fields = _fields(old, new, decision)
        limits = _thresholds(old, new, decision)
        boundaries = boundary_dates(changes, decision)
        per_day = math.ceil(per_decision / len(days))
        affected = authorities_affected(changes, decision)
        count = 0
        everyone = authorities_of(old, new)
        for on in days:
            authorities = [a for a in everyone if _has_rules(old, new, decision, a, on)
                           and (affected is None or a in affected)]
            if not authorities:
                continue
            strategy = generate.facts_strategy(fields, on, boundaries, limits)
            for facts in draw(strategy, min(per_day, per_decision - count)):
                authority = authorities[count % len(authorities)]
                other = everyone[(everyone.index(authority) + 1) % len(everyone)]
                case = {"facts": generate.materialise(facts, _area(old, new, authority, on), _area(old, new, other, on))}
                count += 1
                out.append(CaseInput(f"generated {decision} #{count} ({authority}, {on.isoformat()})", case,
                                     decision, authority, on.isoformat(), generated=True))
    return out


def decision_days(old, new, changes, decision: str) -> list[dt.date]:
    """The day before and the first day of every changed period, where either version has rules for the decision
    for an authority the changes bear on."""
    affected = authorities_affected(changes, decision)
    days = {b + dt.timedelta(days=k) for b in boundary_dates(changes, decision) for k in (-1, 0)}
    return sorted(d for d in days if any(_has_rules(old, new, decision, a, d) for a in authorities_of(old, new)
                                         if affected is None or a in affected))


def draw(strategy, count: int) -> list:
    """``count`` generated values (fewer if the strategy has fewer distinct ones), the same on every run."""
    drawn = []

    def keep(value):
        drawn.append(value)
        return False

    if count > 0:
        generate.search(strategy, keep, count)
    return drawn[:count]


def _has_rules(old, new, decision, authority, on) -> bool:
    return old.rule_set_for(decision, authority, on) is not None or new.rule_set_for(decision, authority, on) is not None


def _area(old, new, authority, on) -> str:
    return area_of(new if new.settings_for(authority, on) else old, authority, on)


def _fields(old, new, decision) -> list:
    fields = {f.path: f for f in relevant_fields(old, decision)}
    fields.update({f.path: f for f in relevant_fields(new, decision)})
    return [fields[p] for p in sorted(fields)]


def _thresholds(old, new, decision) -> dict:
    found = {}
    for engine in (old, new):
        for path, values in thresholds(engine, decision).items():
            found.setdefault(path, set()).update(values)
    return found
