"""Case values as the rules see them: looked up by reference, and encoded for the engine."""

from __future__ import annotations

import datetime as dt

from . import model as m


def engine_value(value, field_type: str):
    """A case or setting value in the form the engine compares safely."""
    if field_type == "date":
        return dt.date.fromisoformat(value).toordinal() if isinstance(value, str) else value.toordinal()
    if field_type == "text":
        return True                     # text is only ever tested for being recorded
    if isinstance(value, list):
        return tuple(value)
    return value


_AS_IS = frozenset((str, int, bool, type(None)))      # values that go into the record as they are


def record_value(value):
    """A value as it goes into the written record: JSON-native, dates as YYYY-MM-DD, a count
    range (low, high) as a number when known exactly, else {at_least, at_most}."""
    if type(value) in _AS_IS:                           # most values: checked first, as it is the cheapest
        return value
    if isinstance(value, tuple) and len(value) == 2:
        low, high = value
        return low if low == high else {"at_least": low, "at_most": high}
    if isinstance(value, list):
        return list(value)
    return value.isoformat() if isinstance(value, dt.date) else value


def nested_get(data, path: str):
    parts = _parts.get(path)
    if parts is None:
        parts = tuple(path.split("."))
        if len(_parts) < 4096:              # the vocabulary's paths: a few hundred
            _parts[path] = parts
    for part in parts:
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


_parts: dict = {}                       # dotted path -> its parts, split once per process


def flatten_item(item: dict, field: m.FieldDef) -> dict:
    """One list item → engine values keyed as item-relative facts ('f_result', 'f_test__date')."""
    out = {}
    _flatten(item, _item_plan(field), out)
    return out


_plans: dict = {}                       # id(list field) -> (the field, its item plan)


def _item_plan(field: m.FieldDef) -> tuple:
    """(name, engine key, type, plan of a record's children or None) for each child, made once per field."""
    found = _plans.get(id(field))
    if found is None or found[0] is not field:

        def plan(children, prefix):
            return tuple((name, "f_" + prefix + name, child.type,
                          plan(child.children, prefix + name + "__") if child.type == "record" else None)
                         for child in children for name in (child.path.rsplit(".", 1)[-1],))

        found = (field, plan(field.children, ""))
        if len(_plans) >= 4096:
            _plans.clear()
        _plans[id(field)] = found
    return found[1]


def _flatten(data, plan: tuple, out: dict) -> None:
    if not isinstance(data, dict):
        return
    get = data.get
    for name, key, kind, children in plan:
        value = get(name)
        if value is None:
            continue
        if children is not None:
            _flatten(value, children, out)
        elif kind == "date":
            out[key] = dt.date.fromisoformat(value).toordinal() if isinstance(value, str) else value.toordinal()
        elif kind == "text":
            out[key] = True
        elif isinstance(value, list):
            out[key] = tuple(value)
        else:
            out[key] = value


_UNSET = object()


class Lookup:
    """Resolves references for one decision: case facts, derived values, settings, the decision itself."""

    def __init__(self, vocabulary, setting_defs, facts: dict, settings: dict, on: dt.date, authority: str):
        self.vocabulary = vocabulary
        self.setting_defs = setting_defs
        self.facts = facts
        self.settings = settings
        self.on = on
        self.authority = authority
        self.derived = {}
        self.left_out = ()              # list items dated after the decision date (see as_at.py)
        self._flat = {}                 # dotted path -> fact, as each is first read
        self._values = {}

    def fact(self, path: str):
        """A fact by its dotted path; None when not given (or given as null)."""
        found = self._flat.get(path, _UNSET)
        if found is _UNSET:
            found = self._flat[path] = nested_get(self.facts, path)
        return found

    def value(self, ref: m.Ref):
        """The value in Python form (dates as date objects); None when not known."""
        key = ref.key
        value = self._values.get(key, _UNSET)
        if value is _UNSET:
            value = self._value(ref)
            if ref.kind != "derived" or ref.name in self.derived:
                self._values[key] = value
        return value

    def values_of(self, refs: tuple) -> list:
        """[self.value(ref) for ref in refs], reading values already worked out directly."""
        known = self._values
        out = []
        for ref in refs:
            value = known.get(ref.key, _UNSET)
            out.append(self.value(ref) if value is _UNSET else value)
        return out

    def _value(self, ref: m.Ref):
        if ref.kind == "fact":
            raw = self.fact(ref.name)
            field = self.vocabulary.fields[ref.name]
            return dt.date.fromisoformat(raw) if raw is not None and field.type == "date" else raw
        if ref.kind == "setting":
            raw = self.settings.get(ref.name)
            kind = self.setting_defs[ref.name].type
            return dt.date.fromisoformat(raw) if raw is not None and kind == "date" else raw
        if ref.kind == "derived":
            return self.derived[ref.name].value
        return self.on if ref.name == "date" else self.authority

    def kind_of(self, ref: m.Ref) -> str | None:
        """The type of a value: a fact's or setting's declared type, a derived value's type."""
        if ref.kind == "fact":
            return self.vocabulary.fields[ref.name].type
        if ref.kind == "setting":
            return self.setting_defs[ref.name].type
        if ref.kind == "derived":
            derived = self.derived[ref.name]
            return derived.kind or derived.value_type
        return "date" if ref.name == "date" else "choice"

    def missing_for(self, ref: m.Ref) -> tuple:
        if ref.kind == "fact":
            return (ref.name,) if self.fact(ref.name) is None else ()
        if ref.kind == "derived":
            return self.derived[ref.name].missing
        return ()

    def fact_entries(self, ref: m.Ref, field_type: str) -> dict:
        """engine_entries for a case fact whose declared type is known (found once per rule set)."""
        key = ref.key
        if key in self._values:
            return self.engine_entries(ref)
        raw = self.fact(ref.name)
        if raw is None:
            self._values[key] = None
            return {}
        if field_type == "date":
            value = self._values[key] = dt.date.fromisoformat(raw)
            return {key: value.toordinal()}
        self._values[key] = raw
        if field_type == "text":
            return {key: True}
        return {key: tuple(raw) if isinstance(raw, list) else raw}

    def engine_entries(self, ref: m.Ref) -> dict:
        """The engine attributes for one reference (two for a count: its low and high bounds)."""
        value = self.value(ref)
        if ref.kind == "derived" and self.derived[ref.name].value_type == "count":
            low, high = value
            entries = {ref.key + "__lo": low}
            if high is not None:
                entries[ref.key + "__hi"] = high
            return entries
        if value is None:
            return {}
        if isinstance(value, dt.date):
            return {ref.key: value.toordinal()}
        if ref.kind == "fact":
            return {ref.key: engine_value(value, self.vocabulary.fields[ref.name].type)}
        if ref.kind in ("derived", "setting") and self.kind_of(ref) == "text":
            return {ref.key: True}
        return {ref.key: value}
