"""Checking data against the JSON Schemas shipped in the package.

This is the only module that imports ``jsonschema``. It turns each schema error into
a :class:`Diagnostic` written for the person who wrote the file: what was expected,
what was found, where (via the :class:`SourceMap`), and a hint, including
"did you mean" for misspelt keys.

``jsonschema`` is imported on first use, not with this module: a valid case, and rules
read from the rules cache, never need it, and importing it costs more than deciding.
"""

from __future__ import annotations

import difflib
import json
from functools import lru_cache
from importlib import resources

from . import operators, schema_check
from .dates import is_date
from .diagnostics import Diagnostic, did_you_mean, json_path
from .source import SourceMap

RULE_FILE_KINDS = ("rule-set", "case-fields", "setting-definitions", "authority-settings", "letter-content")
_TYPE_WORDS = {
    "boolean": "true or false",
    "integer": "a whole number",
    "number": "a number",
    "string": "text",
    "object": "a mapping of keys to values",
    "array": "a list",
    "null": "empty",
}


def load_schema(name: str) -> dict:
    """A schema shipped in the package, by file name without '.schema.json'."""
    text = resources.files("eligibility").joinpath("schemas", f"{name}.schema.json").read_text("utf-8")
    return json.loads(text)


def rule_set_schema() -> dict:
    """The rule-set schema, with the operators of a comparison taken from the operator table."""
    schema = load_schema("rule-set")
    schema["$defs"]["condition"]["properties"].update(operators.schema_properties())
    return schema


def shipped_schema(name: str) -> dict:
    """A shipped schema as files are checked against it (the rule-set schema with the operator table's operators)."""
    return rule_set_schema() if name == "rule-set" else load_schema(name)


def common_schema(authorities: tuple) -> dict:
    """The shared definitions, with the authorities found in the rules folder (when known) as the only names allowed."""
    common = load_schema("common")
    if authorities:
        common["$defs"]["authority"] = {
            **{k: v for k, v in common["$defs"].get("authority", {}).items() if k in ("description", "examples")},
            "enum": list(authorities),
            "x-hint": f"the authorities are the folders under rules/ that hold a settings.yaml: {', '.join(authorities)}"}
    return common


def _retrieve(uri: str):
    """A shipped schema that another refers to, found by its file name (the part after the last '/')."""
    from referencing import Resource
    return Resource.from_contents(shipped_schema(uri.rsplit("/", 1)[-1].removesuffix(".schema.json")))


@lru_cache(maxsize=None)
def _registry(authorities: tuple = ()):
    from referencing import Registry, Resource
    pairs = [(f"{n}.schema.json", Resource.from_contents(shipped_schema(n))) for n in _SCHEMA_FILES]
    pairs.append(("common.schema.json", Resource.from_contents(common_schema(authorities))))
    return Registry(retrieve=_retrieve).with_resources(pairs)


def _is_whole_number(_checker, value) -> bool:
    """Only true integers: JSON Schema would also accept 3.0, and the engine must never see a decimal."""
    return isinstance(value, int) and not isinstance(value, bool)


def _format_checker():
    """JSON Schema formats, with 'date' checked by the one strict is_date (the library's own check
    follows the Python version: from 3.11 it accepts week dates such as 2020-W09-6)."""
    from jsonschema import FormatChecker
    checker = FormatChecker()
    checker.checks("date")(lambda value: not isinstance(value, str) or is_date(value))
    return checker


@lru_cache(maxsize=None)
def _validator_class():
    """The Draft 2020-12 validator with ``integer`` meaning a true int (imports jsonschema on first use)."""
    import jsonschema
    from jsonschema import Draft202012Validator
    return jsonschema.validators.extend(
        Draft202012Validator, type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_whole_number))


def _new_validator(schema: dict, **kwargs):
    return _validator_class()(schema, format_checker=_format_checker(), **kwargs)


def _inline(schema, registry_schemas: dict):
    """The schema with every $ref to another shipped schema replaced by its target (checked once, not per case)."""
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("common.schema.json#/$defs/"):
            target = _inline(registry_schemas["common"]["$defs"][ref.rsplit("/", 1)[-1]], registry_schemas)
            notes = {k: v for k, v in schema.items() if k != "$ref"}       # annotations such as description
            return {**target, **notes}
        return {k: _inline(v, registry_schemas) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_inline(v, registry_schemas) for v in schema]
    return schema


def standalone_schema(name: str, authorities: tuple = ()) -> dict:
    """A shipped schema with its references to common.schema.json written out in place."""
    return _inline(shipped_schema(name), {"common": common_schema(tuple(authorities))})


def check_against(name: str, data, authorities: tuple = ()) -> list[str]:
    """Where data breaks a shipped schema, as 'path: message' lines (empty when it conforms)."""
    errors = _validator(name, tuple(authorities)).iter_errors(data)
    return [f"{json_path(e.absolute_path)}: {e.message}" for e in errors]


@lru_cache(maxsize=None)
def _validator(name: str, authorities: tuple = ()):
    return _new_validator(shipped_schema(name), registry=_registry(authorities))


@lru_cache(maxsize=None)
def _envelope_validator(authorities: tuple = ()):
    return _new_validator(standalone_schema("case-file", authorities))


def check_rule_file(data, kind: str, smap: SourceMap, authorities: tuple = ()) -> list[Diagnostic]:
    """Schema problems of one rule file of the given kind; authorities are the names an authority may have.

    A file the quick compiled check (schema_check) finds valid has none; any other is checked
    by jsonschema, which describes each problem.
    """
    quick = _quick_check(kind, tuple(authorities))
    if quick is not None and quick(data):
        return []
    return _diagnostics(_validator(kind, tuple(authorities)), data, smap, code_family="E")


_SCHEMA_FILES = ("rule-set", "case-fields", "setting-definitions", "authority-settings", "case-file",
                 "case-tests", "letter-content", "decision-record", "problem", "batch-line")


@lru_cache(maxsize=None)
def _quick_check(kind: str, authorities: tuple = ()):
    """The compiled yes-or-no check for a kind of rule file (None if its schema cannot be compiled)."""
    return schema_check.compile_schema(_Schemas(authorities), f"{kind}.schema.json")


class _Schemas(dict):
    """The shipped schemas by file name, each read when a reference first needs it."""

    def __init__(self, authorities: tuple):
        super().__init__()
        self.authorities = authorities

    def __missing__(self, file_name: str) -> dict:
        name = file_name.removesuffix(".schema.json")
        if name not in _SCHEMA_FILES and name != "common":
            raise KeyError(file_name)
        schema = self[file_name] = common_schema(self.authorities) if name == "common" else shipped_schema(name)
        return schema


def check_case_envelope(data, smap: SourceMap, authorities: tuple = ()) -> list[Diagnostic]:
    """Schema problems of a case file's outer shape (ref, authority, assessment_date, facts)."""
    validator = _envelope_validator(tuple(authorities))
    if validator.is_valid(data):
        return []
    return _diagnostics(validator, data, smap, code_family="C")


class FactsValidator:
    """Checks case facts against a schema generated from the case fields."""

    def __init__(self, schema: dict):
        self._schema = schema
        self._built = None

    @property
    def _validator(self):
        if self._built is None:                 # built on first use (a benign race: both builds are equal)
            self._built = _new_validator(self._schema)
        return self._built

    def is_valid(self, facts) -> bool:
        return self._validator.is_valid(facts)

    def check(self, facts, smap: SourceMap, prefix=("facts",)) -> list[Diagnostic]:
        return _diagnostics(self._validator, facts, smap, code_family="C", prefix=prefix)


def _diagnostics(validator, data, smap, *, code_family, prefix=()) -> list[Diagnostic]:
    found, value_problems = [], set()
    for error in validator.iter_errors(data):
        if error.validator in ("format", "pattern"):       # one problem per value: "14/03/1958" fails both
            if tuple(error.absolute_path) in value_problems:
                continue
            value_problems.add(tuple(error.absolute_path))
        found.extend(_convert(error, smap, code_family, prefix))
    return found


def _code(kind: str, family: str) -> str:
    if family == "C":
        return {"unknown": "C403"}.get(kind, "C402")
    return {"missing": "E201", "type": "E202", "unknown": "E203"}.get(kind, "E204")


def _describe(path) -> str:
    named = [str(p) for p in path if not isinstance(p, int)]
    if not named:
        return "the file"
    return f"an item of '{'.'.join(named)}'" if isinstance(path[-1], int) else f"'{'.'.join(named)}'"


def _convert(error, smap, family, prefix):
    path = tuple(prefix) + tuple(error.absolute_path)
    where = json_path(path)
    hint = error.schema.get("x-hint") if isinstance(error.schema, dict) else None
    kind = error.validator

    if kind == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extras = sorted(set(error.instance) - set(allowed), key=repr) if isinstance(error.instance, dict) else []
        out = []
        for extra in extras:
            close = difflib.get_close_matches(str(extra), allowed, n=1)
            tip = f"did you mean '{close[0]}'?" if close else (
                f"allowed keys here: {', '.join(allowed)}" if allowed else None)
            message = f"the key '{extra}' is not allowed here"
            if not isinstance(extra, str):
                message = f"the key {extra!r} is not text; keys are names such as 'person'"
            elif family == "C" and path[:1] == ("facts",):
                fact = ".".join([str(p) for p in path[1:] if not isinstance(p, int)] + [extra])
                message = f"there is no case fact called '{fact}'"
            out.append(Diagnostic(_code("unknown", family), message,
                                  smap.span(path + (extra,), key=True), json_path(path + (extra,)), tip))
        return out
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else str(error.message)
        if _misspelt(missing, error):
            return []                   # reported once: as the misspelt key, with "did you mean"
        return [Diagnostic(_code("missing", family), f"{_describe(path)} is missing the required key '{missing}'",
                           smap.span(path), where, hint or f"add '{missing}:' here")]
    if kind == "propertyNames":
        bad = error.instance if not isinstance(error.instance, dict) else None
        for sub in error.context or []:
            bad = sub.instance
            hint = sub.schema.get("x-hint", hint) if isinstance(sub.schema, dict) else hint
            break
        return [Diagnostic(_code("value", family), f"the name '{bad}' is not allowed",
                           smap.span(path + (bad,), key=True), json_path(path + (bad,)), hint)]
    if kind in ("oneOf", "anyOf"):
        if isinstance(error.instance, dict) and error.context:
            from jsonschema.exceptions import best_match
            best = best_match(error.context)
            return _convert(best, smap, family, prefix)
        return [Diagnostic(_code("type", family), f"{_describe(path)} is {_show(error.instance)}, "
                           "which cannot be used here", smap.span(path), where, hint)]
    if kind == "type":
        expected = error.validator_value
        expected = [expected] if isinstance(expected, str) else list(expected)
        expected = [t for t in expected if t != "null"] or expected
        words = " or ".join(_TYPE_WORDS.get(t, t) for t in expected)
        return [Diagnostic(_code("type", family), f"{_describe(path)} must be {words}, got {_show(error.instance)}",
                           smap.span(path), where, hint or _type_hint(expected, error.instance))]
    message = _plain_message(error, path)
    if kind == "enum" and isinstance(error.instance, str):
        hint = did_you_mean(error.instance, [v for v in error.validator_value if v is not None]) or hint
    if kind in ("minimum", "maximum") and {"minimum", "maximum"} <= set(error.schema):
        hint = f"give a whole number from {error.schema['minimum']} to {error.schema['maximum']}"
    return [Diagnostic(_code("value", family), message, smap.span(path), where, hint)]


def _misspelt(missing, error) -> bool:
    """True when the mapping has an unknown key whose closest allowed key is the missing one."""
    if not isinstance(error.schema, dict) or error.schema.get("additionalProperties") is not False:
        return False
    allowed = sorted(error.schema.get("properties", {}))
    unknown = [k for k in error.instance if k not in allowed] if isinstance(error.instance, dict) else []
    return any(difflib.get_close_matches(str(k), allowed, n=1) == [missing] for k in unknown)


def _plain_message(error, path) -> str:
    subject = _describe(path)
    value = _show(error.instance)
    kind = error.validator
    if kind == "enum":
        allowed = ", ".join(str(v) for v in error.validator_value if v is not None)
        return f"{subject} is {value}, which is not one of: {allowed}"
    if kind == "const":
        return f"{subject} must be {_show(error.validator_value)}, got {value}"
    if kind == "pattern":
        return f"{subject} is {value}, which is not written in the expected form"
    if kind == "format":
        return f"{subject} is {value}, which is not a real {error.validator_value}"
    if kind in ("minimum", "maximum"):
        word = "lowest" if kind == "minimum" else "highest"
        return f"{subject} is {error.instance}, but the {word} value allowed is {error.validator_value}"
    if kind == "minItems":
        return f"{subject} needs at least {error.validator_value} item(s)"
    if kind == "uniqueItems":
        return f"{subject} lists the same value more than once"
    if kind in ("minLength",):
        return f"{subject} must not be empty"
    if kind in ("minProperties", "maxProperties"):
        return f"{subject} has the wrong number of keys"
    return f"{subject} is not valid: {error.message}"


def _show(value) -> str:
    if value is None:
        return "nothing (empty)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'the text "{value}"' if len(value) < 60 else f'the text "{value[:57]}..."'
    if isinstance(value, float):
        return f"the decimal number {value}"
    if isinstance(value, int):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return repr(value)


def _type_hint(expected, found) -> str | None:
    if "integer" in expected and isinstance(found, float):
        return "only whole numbers are accepted (no decimals)"
    if "integer" in expected and isinstance(found, str):
        return "write the number without quotes, e.g. 12"
    if "boolean" in expected and isinstance(found, str):
        return "write true or false without quotes"
    if "array" in expected and not isinstance(found, (list, dict)):
        return "write a list in square brackets, e.g. [rutland], or one '- item' per line"
    return None
