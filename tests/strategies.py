"""Hypothesis strategies for the engine's property tests, built on eligibility.generate."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from eligibility import generate
from eligibility import model as m

AUTHORITIES = ("leicester", "leicestershire", "rutland")


def facts_for(vocabulary: m.Vocabulary, dates: st.SearchStrategy, on: dt.date | None = None) -> st.SearchStrategy:
    """Case facts over every top-level field of the vocabulary, dates drawn from ``dates`` (past ones before ``on``)."""
    top = [f for f in vocabulary.fields.values() if "." not in f.path]
    return generate.facts_with_dates(top, dates.map(dt.date.isoformat), on=on)


def dates_around(*boundaries: dt.date, spread: int = 3) -> st.SearchStrategy:
    """Dates on both sides of (and on) each boundary, plus dates anywhere nearby."""
    near = [b + dt.timedelta(days=d) for b in boundaries for d in range(-spread, spread + 1)]
    low, high = min(boundaries) - dt.timedelta(days=800), max(boundaries) + dt.timedelta(days=800)
    return st.one_of(st.sampled_from(near), st.dates(low, high))
