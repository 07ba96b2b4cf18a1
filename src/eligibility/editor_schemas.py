"""The JSON Schemas published for editors: one self-contained schema per kind of file.

The schemas in ``schemas/`` are what ``validate`` checks files against; they refer to one
another by file name. An editor needs each kind of file described by one document, so
``published`` builds it: the shipped schema with the shared definitions
(``common.schema.json``) written in where they are used, a stable ``$id``, and, where the
rules say more than the schema can, what the rules say:

* ``case`` and ``case-tests``: the facts are described field by field, by a schema
  generated from the case fields (``rules/shared/case-fields.yaml``), with each field's
  meaning and an example;
* ``settings``: each setting an authority may give is named, with its meaning, source
  and type, from the setting definitions (``rules/shared/settings.yaml``).

They are written in JSON Schema draft 7, the version editors' YAML support implements.

Every key of every published schema has a ``description`` and an example (``examples``).
"""

from __future__ import annotations

import copy

from . import model as m
from .cases import facts_schema
from .validate import common_schema, shipped_schema

ID_PREFIX = "urn:eligibility:schema:"
# Editors' YAML support (the YAML extension for VS Code, and the language servers other editors
# share) implements JSON Schema draft 7, so the published schemas are written in it.
DRAFT_07 = "http://json-schema.org/draft-07/schema#"
PUBLISHED = {                       # published name -> (shipped schema, what a file of this kind is)
    "rule-set": ("rule-set", "a rule set (kind: rule-set)"),
    "settings": ("authority-settings", "an authority's settings (kind: authority-settings)"),
    "case": ("case-file", "a case file"),
    "case-tests": ("case-tests", "a file of case tests (kind: case-tests)"),
    "case-fields": ("case-fields", "the case fields (kind: case-fields)"),
    "setting-definitions": ("setting-definitions", "the setting definitions (kind: setting-definitions)"),
    "letter-content": ("letter-content", "what a council's letters say (kind: letter-content)"),
}
NEEDS_RULES = ("settings", "case", "case-tests")     # published from the rules as well as the shipped schema
_COMMON = "common.schema.json#/$defs/"


def published(name: str, corpus: m.Corpus | None = None) -> dict:
    """The published schema ``name`` (one of PUBLISHED); ``corpus`` is needed for NEEDS_RULES."""
    shipped, what = PUBLISHED[name]
    authorities = corpus.authorities if corpus is not None else ()
    schema = _inline_common(shipped_schema(shipped), common_schema(authorities)["$defs"])
    schema["$id"] = ID_PREFIX + name
    schema["description"] = (f"{schema.pop('title')}: the form of {what} for the eligibility rules engine. "
                             f"Print it with `eligibility schema {name}`.")
    schema["title"] = f"eligibility {name}"
    if name == "case":
        schema["properties"]["facts"] = _facts(corpus, schema["properties"]["facts"])
    elif name == "case-tests":
        test = schema["$defs"]["test"]["properties"]
        test["facts"] = _facts(corpus, test["facts"])
    elif name == "settings":
        settings = schema["$defs"]["version"]["properties"]["settings"]
        settings.update(_settings(corpus, schema["$defs"]["value"]))
    schema.pop("$schema")
    return _draft_07({"$schema": DRAFT_07, "$id": schema.pop("$id"), "title": schema.pop("title"),
                      "description": schema.pop("description"), **schema})


def keys_without_notes(schema: dict) -> list[str]:
    """The path of every key (a property of an object) that lacks a description or an example."""
    lacking = []

    def walk(node, where):
        if isinstance(node, dict):
            for key, sub in (node.get("properties") or {}).items():
                if not isinstance(sub, dict) or not sub.get("description") or not sub.get("examples"):
                    lacking.append(f"{where}/properties/{key}")
            for key, sub in node.items():
                walk(sub, f"{where}/{key}")
        elif isinstance(node, list):
            for i, sub in enumerate(node):
                walk(sub, f"{where}/{i}")

    walk(schema, "#")
    return lacking


def _inline_common(schema, common: dict, within_common: bool = False):
    """The schema with each reference to a shared definition replaced by the definition (its notes kept)."""
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        prefix = "#/$defs/" if within_common else _COMMON
        if isinstance(ref, str) and ref.startswith(prefix):
            target = _inline_common(copy.deepcopy(common[ref[len(prefix):]]), common, True)
            return {**target, **{k: _inline_common(v, common, within_common) for k, v in schema.items() if k != "$ref"}}
        return {k: _inline_common(v, common, within_common) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_inline_common(v, common, within_common) for v in schema]
    return schema


def _draft_07(schema):
    """The shipped schemas' 2020-12 form written as draft 7: '$defs' as 'definitions', and a reference
    that carries notes (a description, examples) wrapped in allOf, since draft 7 ignores a reference's neighbours."""
    if isinstance(schema, list):
        return [_draft_07(v) for v in schema]
    if not isinstance(schema, dict):
        return schema
    out = {("definitions" if k == "$defs" else k): _draft_07(v) for k, v in schema.items()}
    if isinstance(out.get("$ref"), str):
        out["$ref"] = out["$ref"].replace("#/$defs/", "#/definitions/")
        if len(out) > 1:
            notes = {k: v for k, v in out.items() if k != "$ref"}
            return {"allOf": [{"$ref": out["$ref"]}], **notes}
    return out


# -- case facts -------------------------------------------------------------------------------

def _facts(corpus: m.Corpus, shipped: dict) -> dict:
    schema = facts_schema(corpus.vocabulary)
    top = [f for f in corpus.vocabulary.fields.values() if "." not in f.path]
    _annotate(schema, top)
    for key in ("$schema", "title"):
        schema.pop(key, None)
    schema["description"] = shipped.get("description") or "The facts of the case."
    schema["examples"] = shipped.get("examples") or [example(top[0])]
    return schema


def _annotate(schema: dict, fields) -> None:
    """Give every field of a generated facts schema an example (its description is the field's text)."""
    for field in fields:
        sub = schema["properties"][field.path.rsplit(".", 1)[-1]]
        sub["examples"] = [example(field)]
        if field.type == "record":
            _annotate(sub, field.children)
        elif field.type == "list":
            _annotate(sub["items"], field.children)


def example(field: m.FieldDef):
    """A value a case could give for the field."""
    kind = field.type
    if kind == "boolean":
        return True
    if kind == "integer":
        low = field.minimum if field.minimum is not None else 0
        return max(low, min(1, field.maximum if field.maximum is not None else 1))
    if kind == "date":
        return "2024-05-01"
    if kind == "text":
        return "Leicester City" if field.refers_to_area else "As recorded by the assessor."
    if kind == "choice":
        return field.values[0]
    if kind == "choices":
        return list(field.values[:max(1, field.min_items)])
    record = {c.path.rsplit(".", 1)[-1]: example(c) for c in field.children}
    return record if kind == "record" else [record] * max(1, field.min_items)


# -- authority settings -----------------------------------------------------------------------

_SETTING_TYPES = {
    "boolean": {"type": "boolean"},
    "text": {"type": "string", "minLength": 1},
    "date": {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
}


def _settings(corpus: m.Corpus, value_schema: dict) -> dict:
    """Each defined setting as a named key of a settings version, typed as its definition says."""
    properties = {}
    for name, definition in sorted(corpus.setting_defs.items()):
        schema = copy.deepcopy(value_schema)
        schema["properties"]["value"] = {**_setting_type(definition), "description": definition.text,
                                         "examples": [_setting_example(corpus, definition)]}
        schema["description"] = f"{definition.text} (Defined by: {definition.citation}.)"
        schema["examples"] = [{"value": _setting_example(corpus, definition),
                               "source": _setting_source(corpus, name)}]
        properties[name] = schema
    return {"properties": properties, "additionalProperties": False}


def _setting_type(definition: m.SettingDef) -> dict:
    if definition.type == "integer":
        out = {"type": "integer"}
        if definition.minimum is not None:
            out["minimum"] = definition.minimum
        if definition.maximum is not None:
            out["maximum"] = definition.maximum
        return out
    if definition.type == "choice":
        return {"enum": list(definition.values)}
    return dict(_SETTING_TYPES[definition.type])


def _given(corpus: m.Corpus, name: str):
    return next((s for s in sorted(corpus.settings, key=lambda s: (s.authority, s.effective_from), reverse=True)
                 if name in s.values), None)


def _setting_example(corpus: m.Corpus, definition: m.SettingDef):
    given = _given(corpus, definition.name)
    if given is not None:
        return given.values[definition.name]
    if definition.type == "integer":
        return definition.minimum if definition.minimum is not None else 1
    if definition.type == "choice":
        return definition.values[0]
    return {"boolean": True, "date": "2024-05-01"}.get(definition.type, "As the council decides.")


def _setting_source(corpus: m.Corpus, name: str) -> str:
    given = _given(corpus, name)
    return given.sources[name] if given is not None else "The council paper that decides it, with its paragraph."
