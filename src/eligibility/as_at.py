"""The case as at the decision date: list items dated after it are left out.

A decision "as at" a date uses only what had happened by that date. Ordinary-residence
disputes, for example, are often about a past date, decided from today's full record.
Each list field of the case vocabulary that declares ``dated_by`` (the item's own date,
such as a detention's ``started_on``) is filtered before anything is derived from it, so
counts, first, last and the start of a run all see the list as it stood on the date.
Every item left out is named in the decision record, by its position in the case as
given. An item whose date is not recorded is kept: whether it came after the date is not
known. Lists are written oldest first, so the items left out are the last ones and the
positions of the items kept are unchanged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import model as m
from .values import nested_get


@dataclass(frozen=True)
class LeftOut:
    """One list item left out because it is dated after the decision date."""

    item: str                       # e.g. "detentions[1]" (its position in the case as given)
    date_field: str                 # e.g. "started_on"
    date: dt.date

    def to_dict(self) -> dict:
        return {"item": self.item, "date_field": self.date_field, "date": self.date.isoformat()}

    def sentence(self) -> str:
        return f"{self.item}: {self.date_field} {self.date.isoformat()}"


def dated_lists(vocabulary: m.Vocabulary) -> tuple:
    """(list path, item date field) for every list that declares 'dated_by', outermost first."""
    return tuple((f.path, f.dated_by) for f in sorted(vocabulary.fields.values(), key=lambda f: f.path.count("."))
                 if f.type == "list" and f.dated_by)


def as_at(facts: dict, lists: tuple, on: dt.date) -> tuple[dict, tuple]:
    """The facts with items dated after 'on' left out, and what was left out (in list order)."""
    if not lists:                   # the vocabulary has no dated lists: nothing to leave out
        return facts, ()
    left_out, view = [], facts
    for path, date_field in lists:
        parts = path.split(".")
        items = nested_get(view, path)
        if not isinstance(items, list):
            continue
        kept = []
        for index, item in enumerate(items):
            date = _date(item.get(date_field) if isinstance(item, dict) else None)
            if date is not None and date > on:
                left_out.append(LeftOut(f"{path}[{index}]", date_field, date))
            else:
                kept.append(item)
        if len(kept) != len(items):
            if view is facts:
                view = dict(facts)
            _set(view, parts, kept)
    return view, tuple(left_out)


def _date(value):
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _set(data: dict, parts, value) -> None:
    """Set a nested value, copying each mapping on the way so the caller's case is unchanged."""
    for part in parts[:-1]:
        inner = dict(data[part])
        data[part] = inner
        data = inner
    data[parts[-1]] = value


__all__ = ["LeftOut", "as_at", "dated_lists"]
