"""Case files and case data: reading them, and checking them against the case fields.

The outer shape of a case (ref, authority, assessment_date, decision, facts) is checked
against the shipped schema case-file.schema.json; the facts against a JSON Schema built
from the case fields in the rules, so that unknown fields (with "did you mean"), wrong
types, decimals, numbers written as text and impossible dates are all reported before
anything is decided.
"""

from __future__ import annotations

import datetime as dt
import re

from . import model as m
from .values import nested_get as values_nested
from . import limits, source, validate
from .dates import is_date
from .diagnostics import Diagnostic, Span

_SLUG = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
INT_LIMIT = 9007199254740991            # 2**53 - 1: exact in every JSON reader, far inside the engine's int64


def field_schema(field: m.FieldDef) -> dict:
    kind = field.type
    if kind == "boolean":
        schema = {"type": "boolean", "x-hint": "write true or false without quotes"}
    elif kind == "integer":
        schema = {"type": "integer", "minimum": field.minimum if field.minimum is not None else -INT_LIMIT,
                  "maximum": field.maximum if field.maximum is not None else INT_LIMIT,
                  "x-hint": "write a whole number without quotes or decimals"}
    elif kind == "text":
        schema = {"type": "string", "minLength": 1}
    elif kind == "date":
        schema = {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
                  "x-hint": "write dates as YYYY-MM-DD, e.g. 2024-05-01"}
    elif kind == "choice":
        schema = {"enum": list(field.values), "x-hint": f"one of: {', '.join(field.values)}"}
    elif kind == "choices":
        schema = {"type": "array", "uniqueItems": True,
                  "items": {"enum": list(field.values), "x-hint": f"each one of: {', '.join(field.values)}"},
                  "x-hint": "a list such as [" + ", ".join(field.values[:2]) + "]"
                            + (", or leave it out when not recorded" if field.min_items else ", or [] for none")}
        if field.min_items:
            schema["minItems"] = field.min_items
    elif kind == "record":
        schema = _object(field.children)
    else:
        schema = {"type": "array", "items": _object(field.children)}
        if field.min_items:
            schema["minItems"] = field.min_items
    schema["description"] = field.text
    return _nullable(schema)


def _nullable(schema: dict) -> dict:
    """null is accepted for any field and means 'not recorded' (the same as leaving it out)."""
    out = dict(schema)
    if "type" in out:
        out["type"] = [out["type"], "null"] if isinstance(out["type"], str) else list(out["type"]) + ["null"]
    elif "enum" in out:
        out["enum"] = list(out["enum"]) + [None]
    return out


def _object(children) -> dict:
    return {"type": "object", "additionalProperties": False,
            "properties": {c.path.rsplit(".", 1)[-1]: field_schema(c) for c in children}}


def facts_schema(vocabulary: m.Vocabulary) -> dict:
    top = [f for f in vocabulary.fields.values() if "." not in f.path]
    schema = _object(top)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Case facts"
    return schema


class CaseChecker:
    """Checks case data; built once per set of loaded rules.

    Valid facts are recognised by a checker compiled from the case fields (the same rules
    as the generated JSON Schema, tested to agree with it); only when that finds a problem
    does the JSON Schema validator run, to describe every problem with its location.
    """

    def __init__(self, vocabulary: m.Vocabulary, authorities: tuple = ()):
        self.authorities = tuple(authorities)
        self.schema = facts_schema(vocabulary)
        self._facts = validate.FactsValidator(self.schema)
        top = [f for f in vocabulary.fields.values() if "." not in f.path]
        self._quick = _record_checker(top)
        self._past_only = [f for f in vocabulary.fields.values() if f.not_after_decision_date]

    def dates_after(self, facts: dict, on: dt.date, smap: source.SourceMap) -> list[Diagnostic]:
        """Dates that cannot lie in the future (such as a date of birth) but are after the decision date."""
        found = []
        for field in self._past_only:
            value = values_nested(facts, field.path)
            if isinstance(value, str) and dt.date.fromisoformat(value) > on:
                path = ("facts",) + tuple(field.path.split("."))
                found.append(Diagnostic("C402", f"'{field.path}' is {value}, after the decision date {on.isoformat()}",
                                        smap.span(path), "$." + ".".join(path), "check the date and the year"))
        return found

    def check(self, case, smap: source.SourceMap) -> list[Diagnostic]:
        too_large = limits.shape_problem(case, smap, "C406")
        if too_large is not None:
            return [too_large]
        if not isinstance(case, dict):
            return [Diagnostic("C402", "a case must be a mapping with at least a 'facts' key", smap.span(()),
                               "$", "see examples/cases/ for the form of a case")]
        facts = case.get("facts")
        if _envelope_is_valid(case, self.authorities) and self._quick(facts):
            return []
        found = validate.check_case_envelope(case, smap, self.authorities)
        if isinstance(facts, dict) and not self._quick(facts):
            found += self._facts.check(facts, smap)
        return found


_ENVELOPE = {
    "ref": lambda v: isinstance(v, str) and len(v) >= 1,
    "notes": lambda v: isinstance(v, str) and len(v) >= 1,
    "authority": lambda v: isinstance(v, str) and _SLUG.fullmatch(v) is not None,
    "assessment_date": lambda v: is_date(v),
    "decision": lambda v: isinstance(v, str) and _SLUG.fullmatch(v) is not None,
    "facts": lambda v: isinstance(v, dict),
}


def _envelope_is_valid(case: dict, authorities: tuple) -> bool:
    """The outer shape of a case (case-file.schema.json), checked quickly."""
    return ("facts" in case and all(key in _ENVELOPE and _ENVELOPE[key](value) for key, value in case.items())
            and ("authority" not in case or case["authority"] in authorities))


def _value_checker(field: m.FieldDef):
    kind = field.type
    if kind == "boolean":
        return lambda v: v is None or isinstance(v, bool)
    if kind == "integer":
        low = field.minimum if field.minimum is not None else -INT_LIMIT
        high = field.maximum if field.maximum is not None else INT_LIMIT
        return lambda v: v is None or (isinstance(v, int) and not isinstance(v, bool) and low <= v <= high)
    if kind == "text":
        return lambda v: v is None or (isinstance(v, str) and len(v) >= 1)
    if kind == "date":
        return lambda v: v is None or is_date(v)
    if kind == "choice":
        allowed = frozenset(field.values)
        return lambda v: v is None or (isinstance(v, str) and v in allowed)
    fewest = field.min_items
    if kind == "choices":
        allowed = frozenset(field.values)
        return lambda v: v is None or (isinstance(v, list) and all(isinstance(x, str) and x in allowed for x in v)
                                       and len(set(v)) == len(v) and len(v) >= fewest)
    record = _record_checker(field.children)
    if kind == "record":
        return lambda v: v is None or record(v)
    return lambda v: v is None or (isinstance(v, list) and len(v) >= fewest and all(record(item) for item in v))


def _record_checker(children):
    checks = {c.path.rsplit(".", 1)[-1]: _value_checker(c) for c in children}

    def check(value) -> bool:
        if not isinstance(value, dict):
            return False
        for key, item in value.items():
            rule = checks.get(key)
            if rule is None or not rule(item):
                return False
        return True

    return check


def read_case(path, limits: "limits.Limits | None" = None) -> tuple[object, source.SourceMap]:
    """Parse a case file ('-' is standard input); raises source.YamlProblem with a C401 diagnostic
    (or C406 when the file is too large or nested too deeply). ``limits``: the largest file
    read (limits.Limits; by default the limits the environment sets)."""
    return source.read(path, code_prefix="C", size_limits=limits)


def data_source_map(name: str = "<case>") -> source.SourceMap:
    """A source map for case data given directly (not from a file): locations are paths only."""
    smap = source.SourceMap(name)
    smap.positions[()] = Span(name)
    return smap
