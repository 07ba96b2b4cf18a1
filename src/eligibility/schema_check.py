"""A quick yes-or-no check of data against a shipped JSON Schema, compiled once into functions.

Checking every rule file with jsonschema took most of a first load (jsonschema looks up
every ``$ref`` and builds a validator object for every value it descends into, and
importing it costs more again). Almost every file is valid, and a valid file needs no
messages. So each schema is compiled once into plain Python functions that answer only
"valid or not"; when one says "not valid", validate.py runs jsonschema, which describes
every problem exactly as before. The quick check never replaces the full one: it only
saves running it on a file the full one would pass.

The functions follow JSON Schema Draft 2020-12 as validate.py configures jsonschema:
``integer`` means a true whole number (not 3.0, not true), ``format: date`` is checked by
``dates.is_date``, and unknown keywords (``x-hint``, ``description``...) are notes. A
schema using any other standard keyword this module does not implement, a ``format`` other
than ``date``, or a reference it cannot follow is not compiled (``compile_schema`` returns
None) and jsonschema checks everything alone. tests/test_schema_check.py compares the two
on every shipped file and on many random changes to them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from .dates import is_date

# Standard Draft 2020-12 keywords with no effect on validity here (notes and containers of definitions)
_NOTES = frozenset(("$schema", "$id", "$comment", "$defs", "definitions", "title", "description", "default",
                    "examples", "deprecated", "readOnly", "writeOnly", "contentEncoding", "contentMediaType",
                    "contentSchema", "$vocabulary"))
# Standard keywords that change validity and are not implemented: such a schema is left to jsonschema
_NOT_DONE = frozenset(("$dynamicRef", "$dynamicAnchor", "$anchor", "$recursiveRef", "$recursiveAnchor",
                       "prefixItems", "contains", "minContains", "maxContains", "unevaluatedItems",
                       "unevaluatedProperties", "dependentSchemas", "dependencies", "multipleOf", "additionalItems"))


class Unsupported(Exception):
    """The schema uses something this module does not compile."""


def compile_schema(documents: Mapping, name: str):
    """A function data -> bool for the schema ``documents[name]``, or None when it cannot be compiled.

    ``documents`` maps each schema's file name (such as "common.schema.json") to the schema,
    as references name them.
    """
    try:
        return _Compiler(documents).compiled(name, ())
    except Unsupported:
        return None


class _Compiler:
    def __init__(self, documents: Mapping):
        self.documents = documents
        self.made = {}                  # (document, pointer) -> [function], filled in after compiling (cycles)

    def compiled(self, document: str, pointer: tuple):
        key = (document, pointer)
        cell = self.made.get(key)
        if cell is None:
            cell = self.made[key] = [None]
            try:
                schema = self.documents[document]
            except KeyError:
                raise Unsupported(document) from None
            for part in pointer:
                if not isinstance(schema, dict) or part not in schema:
                    raise Unsupported(f"{document}#/{'/'.join(pointer)}")
                schema = schema[part]
            cell[0] = self.schema(schema, document)
        if cell[0] is not None:
            return cell[0]
        return lambda value: cell[0](value)         # a reference to a schema still being compiled (recursion)

    def reference(self, ref, document: str):
        if not isinstance(ref, str) or "#" not in ref:
            raise Unsupported(f"$ref {ref!r}")
        target, _, fragment = ref.partition("#")
        target = target or document
        if fragment and not fragment.startswith("/"):
            raise Unsupported(f"$ref {ref!r}")
        pointer = tuple(fragment.split("/")[1:]) if fragment else ()
        if any("~" in part or "%" in part for part in pointer):
            raise Unsupported(f"$ref {ref!r}")
        return self.compiled(target, pointer)

    def schema(self, schema, document: str):
        if schema is True:
            return _always
        if schema is False:
            return _never
        if not isinstance(schema, dict):
            raise Unsupported(repr(schema))
        tests = []
        for keyword, argument in schema.items():
            if keyword in _NOTES or keyword in ("then", "else", "items", "properties", "patternProperties",
                                                "additionalProperties"):
                continue
            if keyword in _NOT_DONE:
                raise Unsupported(keyword)
            make = _KEYWORDS.get(keyword)
            if make is not None:
                tests.append(make(self, argument, schema, document))
            elif keyword not in ("if",):
                continue                # not a standard keyword: jsonschema ignores it too ('x-hint' and the like)
        if "if" in schema:
            tests.append(self.conditional(schema, document))
        if "items" in schema:
            tests.append(self.items(schema["items"], document))
        if {"properties", "patternProperties", "additionalProperties"} & schema.keys():
            tests.append(self.object_members(schema, document))
        tests = tuple(tests)
        if not tests:
            return _always
        if len(tests) == 1:
            return tests[0]

        def all_tests(value):
            for test in tests:
                if not test(value):
                    return False
            return True
        return all_tests

    def conditional(self, schema, document):
        condition = self.schema(schema["if"], document)
        then = self.schema(schema["then"], document) if "then" in schema else _always
        otherwise = self.schema(schema["else"], document) if "else" in schema else _always
        return lambda value: then(value) if condition(value) else otherwise(value)

    def items(self, argument, document):
        each = self.schema(argument, document)

        def items(value):
            if not isinstance(value, list):
                return True
            for item in value:
                if not each(item):
                    return False
            return True
        return items

    def object_members(self, schema, document):
        properties = {k: self.schema(v, document) for k, v in (schema.get("properties") or {}).items()}
        patterns = tuple((re.compile(p), self.schema(v, document))
                         for p, v in (schema.get("patternProperties") or {}).items())
        extra = schema.get("additionalProperties", True)
        extra_test = None if extra is True else (False if extra is False else self.schema(extra, document))

        def members(value):
            if not isinstance(value, dict):
                return True
            for key, item in value.items():
                test = properties.get(key)
                matched = test is not None
                if matched and not test(item):
                    return False
                for pattern, pattern_test in patterns:
                    if pattern.search(key):
                        matched = True
                        if not pattern_test(item):
                            return False
                if not matched and extra_test is not None:
                    if extra_test is False or not extra_test(item):
                        return False
            return True
        return members


def _always(_value) -> bool:
    return True


def _never(_value) -> bool:
    return False


# -- JSON values as jsonschema compares them ------------------------------------------------------

_TYPES = {
    "null": lambda v: v is None,
    "boolean": lambda v: v is True or v is False,
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


def _equal(one, two) -> bool:
    """JSON equality as jsonschema has it: true is not 1, 1 is 1.0, lists and mappings by content."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return one == two
    if isinstance(one, Sequence) and isinstance(two, Sequence):
        return len(one) == len(two) and all(_equal(a, b) for a, b in zip(one, two))
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        return one.keys() == two.keys() and all(_equal(one[k], two[k]) for k in one)
    if isinstance(one, bool) or isinstance(two, bool):
        return type(one) is type(two) and one == two
    return one == two


def _type(compiler, argument, schema, document):
    names = [argument] if isinstance(argument, str) else list(argument)
    if not all(isinstance(n, str) and n in _TYPES for n in names):
        raise Unsupported(f"type {argument!r}")
    tests = tuple(_TYPES[n] for n in names)
    if len(tests) == 1:
        return tests[0]
    return lambda value: any(test(value) for test in tests)


def _enum(compiler, argument, schema, document):
    if not isinstance(argument, list):
        raise Unsupported("enum")
    if all(isinstance(a, str) for a in argument):
        allowed = frozenset(argument)
        return lambda value: isinstance(value, str) and value in allowed
    return lambda value: any(_equal(each, value) for each in argument)


def _const(compiler, argument, schema, document):
    return lambda value: _equal(value, argument)


def _ref(compiler, argument, schema, document):
    return compiler.reference(argument, document)


def _all_of(compiler, argument, schema, document):
    parts = tuple(compiler.schema(s, document) for s in argument)
    return lambda value: all(part(value) for part in parts)


def _any_of(compiler, argument, schema, document):
    parts = tuple(compiler.schema(s, document) for s in argument)
    return lambda value: any(part(value) for part in parts)


def _one_of(compiler, argument, schema, document):
    parts = tuple(compiler.schema(s, document) for s in argument)

    def one_of(value):
        found = 0
        for part in parts:
            if part(value):
                found += 1
                if found > 1:
                    return False
        return found == 1
    return one_of


def _not(compiler, argument, schema, document):
    inner = compiler.schema(argument, document)
    return lambda value: not inner(value)


def _property_names(compiler, argument, schema, document):
    test = compiler.schema(argument, document)
    return lambda value: not isinstance(value, dict) or all(test(key) for key in value)


def _required(compiler, argument, schema, document):
    names = tuple(argument)
    return lambda value: not isinstance(value, dict) or all(name in value for name in names)


def _dependent_required(compiler, argument, schema, document):
    pairs = tuple((k, tuple(v)) for k, v in argument.items())
    return lambda value: not isinstance(value, dict) or all(
        all(d in value for d in deps) for key, deps in pairs if key in value)


def _size(kind, compare):
    def make(compiler, argument, schema, document):
        if not isinstance(argument, (int, float)) or isinstance(argument, bool):
            raise Unsupported("a size that is not a number")
        return lambda value: not isinstance(value, kind) or compare(len(value), argument)
    return make


def _bound(compare):
    def make(compiler, argument, schema, document):
        if not isinstance(argument, (int, float)) or isinstance(argument, bool):
            raise Unsupported("a bound that is not a number")
        return lambda value: (not isinstance(value, (int, float)) or isinstance(value, bool)
                              or compare(value, argument))
    return make


def _pattern(compiler, argument, schema, document):
    pattern = re.compile(argument)
    return lambda value: not isinstance(value, str) or pattern.search(value) is not None


def _unique(compiler, argument, schema, document):
    if not argument:
        return _always

    def unique(value):
        if not isinstance(value, list):
            return True
        if all(type(v) is str for v in value):
            return len(set(value)) == len(value)
        return not any(_equal(value[i], value[j]) for i in range(len(value)) for j in range(i + 1, len(value)))
    return unique


def _format(compiler, argument, schema, document):
    if argument != "date":
        raise Unsupported(f"format {argument!r}")
    return lambda value: not isinstance(value, str) or is_date(value)


_KEYWORDS = {
    "type": _type, "enum": _enum, "const": _const, "$ref": _ref,
    "allOf": _all_of, "anyOf": _any_of, "oneOf": _one_of, "not": _not,
    "propertyNames": _property_names, "required": _required, "dependentRequired": _dependent_required,
    "minItems": _size(list, lambda n, m: n >= m), "maxItems": _size(list, lambda n, m: n <= m),
    "minLength": _size(str, lambda n, m: n >= m), "maxLength": _size(str, lambda n, m: n <= m),
    "minProperties": _size(dict, lambda n, m: n >= m), "maxProperties": _size(dict, lambda n, m: n <= m),
    "minimum": _bound(lambda v, m: v >= m), "maximum": _bound(lambda v, m: v <= m),
    "exclusiveMinimum": _bound(lambda v, m: v > m), "exclusiveMaximum": _bound(lambda v, m: v < m),
    "pattern": _pattern, "uniqueItems": _unique, "format": _format,
}
