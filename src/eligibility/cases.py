"""Case files and case data: reading them, and checking them against the case fields.

The outer shape of a case (ref, authority, assessment_date, decision, facts) is checked
against the shipped schema case-file.schema.json; the facts against a JSON Schema built
from the case fields in the rules, so that unknown fields (with "did you mean"), wrong
types, decimals, numbers written as text and impossible dates are all reported before
anything is decided.
"""

from __future__ import annotations

from . import model as m
from . import source, validate
from .diagnostics import Diagnostic, Span

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
                  "x-hint": "a list such as [" + ", ".join(field.values[:2]) + "], or [] for none"}
    elif kind == "record":
        schema = _object(field.children)
    else:
        schema = {"type": "array", "items": _object(field.children)}
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
    """Checks case data; built once per set of loaded rules."""

    def __init__(self, vocabulary: m.Vocabulary):
        self.schema = facts_schema(vocabulary)
        self._facts = validate.FactsValidator(self.schema)

    def check(self, case, smap: source.SourceMap) -> list[Diagnostic]:
        if not isinstance(case, dict):
            return [Diagnostic("C402", "a case must be a mapping with at least a 'facts' key", smap.span(()),
                               "$", "see examples/cases/ for the form of a case")]
        found = validate.check_case_envelope(case, smap)
        facts = case.get("facts")
        if isinstance(facts, dict) and not self._facts.is_valid(facts):
            found += self._facts.check(facts, smap)
        return found


def read_case(path) -> tuple[object, source.SourceMap]:
    """Parse a case file; raises source.YamlProblem with a C401 diagnostic."""
    return source.read(path, code_prefix="C")


def data_source_map(name: str = "<case>") -> source.SourceMap:
    """A source map for case data given directly (not from a file): locations are paths only."""
    smap = source.SourceMap(name)
    smap.positions[()] = Span(name)
    return smap
