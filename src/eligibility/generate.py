"""Generated cases, built from the case fields themselves. The only module that imports Hypothesis.

Every field a decision's rules read (and every field they must disregard) is, case by
case, left out, given as null, or given a value of its declared type: booleans, whole
numbers within the declared bounds (small values and bounds first), each allowed choice,
and dates clustered around the decision date, the rule-set and settings boundaries, and
the 18th birthday. Fields that name a council's area take one of two placeholders —
"this authority" and "the other authority" — so that one generated case can be
materialised for each of two authorities with its authority-bound facts swapped.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, Phase, find, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from . import model as m

THIS_AREA = "<this authority's area>"
OTHER_AREA = "<the other authority's area>"
_OTHER_AREAS = ("Swindon", "Wiltshire", "Nottingham City")


def _dates(on: dt.date, boundaries) -> st.SearchStrategy:
    near = sorted({d for b in (*boundaries, on) for d in (b - dt.timedelta(days=1), b, b + dt.timedelta(days=1))})
    eighteen = [dt.date(on.year - 18, on.month, min(on.day, 28)) + dt.timedelta(days=k) for k in (-1, 0, 1)]
    return st.one_of(
        st.sampled_from(near + eighteen),
        st.integers(min_value=-120, max_value=30).map(lambda k: on + dt.timedelta(days=k)),
        st.dates(on - dt.timedelta(days=365 * 90), on + dt.timedelta(days=60)),
    ).map(dt.date.isoformat)


def _value(field: m.FieldDef, dates, thresholds, latest=None) -> st.SearchStrategy:
    kind = field.type
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        low = field.minimum if field.minimum is not None else -1000
        high = field.maximum if field.maximum is not None else 1000
        near = sorted({v + k for v in thresholds.get(field.path, ()) for k in (-1, 0, 1) if low <= v + k <= high})
        choices = [st.integers(low, min(high, low + 30)), st.sampled_from([low, high]), st.integers(low, high)]
        return st.one_of(*([st.sampled_from(near)] * 2 if near else []), *choices)
    if kind == "date":
        if field.not_after_decision_date and latest is not None:
            return dates.filter(lambda value: value <= latest)       # YYYY-MM-DD text sorts as dates do
        return dates
    if kind == "text":
        return st.sampled_from((THIS_AREA, OTHER_AREA) + _OTHER_AREAS) if field.refers_to_area else st.just("Recorded.")
    if kind == "choice":
        return st.sampled_from(field.values)
    if kind == "choices":
        return st.lists(st.sampled_from(field.values), unique=True, min_size=field.min_items,
                        max_size=len(field.values))
    if kind == "record":
        return _record(field.children, dates, thresholds, latest)
    return st.lists(_record(field.children, dates, thresholds, latest), min_size=field.min_items,
                    max_size=max(3, field.min_items))


def _record(children, dates, thresholds, latest=None) -> st.SearchStrategy:
    optional = {}
    for c in children:
        value = _value(c, dates, thresholds, latest)
        optional[c.path.rsplit(".", 1)[-1]] = st.one_of(value, value, st.none())
    return st.fixed_dictionaries({}, optional=optional)


def facts_strategy(fields: list, on: dt.date, boundaries=(), thresholds=None) -> st.SearchStrategy:
    """Case facts over the given top-level fields (each may be left out).

    ``thresholds`` maps a whole-number field's path to the numbers the rules compare it
    with; values just below, at and just above each are generated often.
    """
    return facts_with_dates(fields, _dates(on, boundaries), thresholds, on)


def facts_with_dates(fields: list, dates: st.SearchStrategy, thresholds=None, on: dt.date | None = None):
    """Case facts over the given top-level fields, with dates (YYYY-MM-DD text) drawn from ``dates``.

    With ``on`` (the decision date), dates that cannot lie in the future are never after it.
    """
    return _record(fields, dates, thresholds or {}, on.isoformat() if on else None)


def materialise(facts, this_area: str, other_area: str):
    """The generated facts as one authority sees them: the area placeholders filled in."""
    if isinstance(facts, dict):
        return {k: materialise(v, this_area, other_area) for k, v in facts.items()}
    if isinstance(facts, list):
        return [materialise(v, this_area, other_area) for v in facts]
    if facts == THIS_AREA:
        return this_area
    if facts == OTHER_AREA:
        return other_area
    return facts


def search(strategy: st.SearchStrategy, predicate, examples: int, shrink: bool = True):
    """The simplest generated value for which predicate holds, or None if none is found.

    Without ``shrink`` the first value found is returned as generated.
    """
    phases = [Phase.generate, Phase.shrink] if shrink else [Phase.generate]
    try:
        return find(strategy, predicate, settings=settings(
            max_examples=examples, database=None, derandomize=True, deadline=None,
            phases=phases, suppress_health_check=list(HealthCheck)))
    except NoSuchExample:
        return None
