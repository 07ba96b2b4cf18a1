"""Hypothesis strategies that build cases from the case fields themselves.

Every field is independently left out, given as null (not recorded) or given a value of
its type, so generated cases cover missing facts as well as every value.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from eligibility import model as m

AUTHORITIES = ("leicester", "leicestershire", "rutland")


def value_of(field: m.FieldDef, dates: st.SearchStrategy) -> st.SearchStrategy:
    kind = field.type
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        low = field.minimum if field.minimum is not None else -50
        high = field.maximum if field.maximum is not None else 500
        return st.integers(min_value=low, max_value=high)
    if kind == "date":
        return dates.map(dt.date.isoformat)
    if kind == "text":
        return st.sampled_from(["Recorded.", "See assessment notes", "x"])
    if kind == "choice":
        return st.sampled_from(field.values)
    if kind == "choices":
        return st.lists(st.sampled_from(field.values), unique=True, max_size=len(field.values))
    if kind == "record":
        return record_of(field.children, dates)
    return st.lists(record_of(field.children, dates), max_size=4)


def record_of(children, dates) -> st.SearchStrategy:
    optional = {c.path.rsplit(".", 1)[-1]: st.one_of(st.none(), value_of(c, dates)) | value_of(c, dates)
                for c in children}
    return st.fixed_dictionaries({}, optional=optional)


def facts_for(vocabulary: m.Vocabulary, dates: st.SearchStrategy | None = None) -> st.SearchStrategy:
    """Case facts over every top-level field of the vocabulary."""
    if dates is None:
        dates = st.dates(dt.date(1930, 1, 1), dt.date(2030, 12, 31))
    top = [f for f in vocabulary.fields.values() if "." not in f.path]
    return record_of(top, dates)


def dates_around(*boundaries: dt.date, spread: int = 3) -> st.SearchStrategy:
    """Dates on both sides of (and on) each boundary, plus dates anywhere nearby."""
    near = [b + dt.timedelta(days=d) for b in boundaries for d in range(-spread, spread + 1)]
    low, high = min(boundaries) - dt.timedelta(days=800), max(boundaries) + dt.timedelta(days=800)
    return st.one_of(st.sampled_from(near), st.dates(low, high))
