"""JSON text, fast, and always as the json module writes it.

The written record as stable JSON: the same bytes as
``json.dumps(record, sort_keys=True, indent=2, ensure_ascii=False)`` (``dumps``); the case
as decided as canonical compact JSON (``compact``); the rules engine's input and output
(``for_machines``, ``parse``).

Python's ``json`` module writes indented JSON with its pure-Python encoder; this writer
produces exactly the same text several times faster, and keeps the text of the parts
that are the same for every decision under one rule set (the rule set, the settings,
the declared variations, the disregards) so that they are written once, not once per
decision. tests/test_stable_json.py checks it against ``json.dumps``.

With orjson installed (a JSON writer in compiled code; a dependency of the package),
a record is written by orjson, about ten times faster than any writer in Python, with the
fixed parts spliced in as text. orjson writes the same bytes as the json module for text,
whole numbers, true/false/null, lists and mappings with text keys; it writes numbers with
a fraction or an exponent differently, so it is used only when the caller knows there are
none (``whole_numbers``), and anything else it cannot take goes to the pure-Python writer.
The bytes never depend on whether orjson is installed.
"""

from __future__ import annotations

import json
import re
from json.encoder import encode_basestring

try:
    import orjson
except ImportError:                  # the pure-Python writer gives the same bytes
    orjson = None

# values orjson would write itself but the json module would not (dates, dataclasses) or writes
# its own way (subclasses of str, int, dict, list) go to ``default``, as in the json module
_AS_JSON = (orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS
            if orjson is not None else 0)
_FIXED_LIMIT = 1024                  # distinct fixed blocks kept (a handful per rule set)
_fixed: dict = {}
_TOP = "\n  "                        # the line start of a part one level inside the record


def dumps(value, *, whole_numbers: bool = False) -> str:
    """``json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False)``.

    ``whole_numbers=True`` says the caller knows the value holds no number with a fraction
    or an exponent (which orjson writes differently, e.g. 0.00001 for 1e-05); only then is
    orjson used. Anything else orjson does not take as the json module does (a whole number
    beyond 64 bits, a key that is not text, a fixed part below the first level) falls back.
    """
    if whole_numbers and orjson is not None:
        text = _compiled(value)
        if text is not None:
            return text
    return dumps_pure(value)


def dumps_pure(value) -> str:
    """The same text, written in Python alone (if orjson is missing, and for values it cannot take)."""
    out: list = []
    _write(value, out, "\n")
    return "".join(out)


# a number with a fraction or an exponent in compact JSON (it may also match inside text,
# which only means the json module writes that value); FRACTION_IN_TEXT for str
FRACTION = re.compile(rb"[:,\[]-?[0-9]+[.eE]")
FRACTION_IN_TEXT = re.compile(FRACTION.pattern.decode("ascii"))


def compact(value, default=None, *, whole_numbers: bool = False) -> str:
    """``json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=default)``.

    By orjson when installed, unless the text might hold a number with a fraction or an
    exponent, NaN or an infinity (which orjson writes differently): ``whole_numbers=True``
    says the caller knows it holds none (orjson writes whole numbers, ints or floats, as the
    json module does), else the text is looked at. Dates and times go to ``default`` as in
    the json module.
    """
    if orjson is not None:
        try:
            raw = orjson.dumps(value, default=default, option=orjson.OPT_SORT_KEYS | _AS_JSON)
        except TypeError:           # orjson.JSONEncodeError: let the json module say what is wrong
            raw = None
        if raw is not None and (whole_numbers or (FRACTION.search(raw) is None and b"null" not in raw)):
            return raw.decode("utf-8")
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=default)


def for_machines(value) -> str:
    """Compact JSON in the order given, for a program to read (the rules engine).

    By orjson when installed: the same values as ``json.dumps(value, ensure_ascii=False)``
    (a number with a fraction may be written in another form of the same number). A null is
    written by the json module, which writes NaN and infinities as such where orjson writes
    null; the rules engine is never given a null.
    """
    if orjson is not None:
        try:
            raw = orjson.dumps(value, option=_AS_JSON)
        except TypeError:
            raw = None
        if raw is not None and b"null" not in raw:
            return raw.decode("utf-8")
    return json.dumps(value, ensure_ascii=False)


def parse(text: str):
    """``json.loads(text)`` (by orjson when installed; the json module for anything orjson refuses)."""
    if orjson is not None:
        try:
            return orjson.loads(text)
        except ValueError:          # orjson.JSONDecodeError, e.g. a number beyond 64 bits: the json module decides
            pass
    return json.loads(text)


def fragment(key, make):
    """A part of a record whose text is kept per key, ready to splice into ``dumps_record`` (orjson only)."""
    return orjson.Fragment(dumps_fixed(key, make, _TOP))


def dumps_record(record: dict) -> str | None:
    """A record whose fixed parts are ``fragment``s, by orjson; None when orjson cannot write it as the
    json module would (the caller then writes it with ``dumps_pure`` and ``Fixed`` parts). The caller
    knows it holds no number with a fraction (see ``dumps``)."""
    try:
        raw = orjson.dumps(record, default=_unfixed, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | _AS_JSON)
    except TypeError:
        return None
    return raw.decode("utf-8")


def _unfixed(value):
    raise TypeError("a fixed part below the first level")       # written by dumps_pure instead


def _compiled(value) -> str | None:
    """The text by orjson, or None when it cannot be written as the json module writes it."""
    if type(value) is dict:
        value = {k: fragment(v.key, v.make) if type(v) is Fixed else v for k, v in value.items()}
    return dumps_record(value)


def dumps_fixed(key, make, newline: str) -> str:
    """The text of a part that depends only on ``key`` (hashable), made by ``make()`` the first time.

    A key (label, value) is found first by the identity of its value: the parts a rule set
    shares are the very same objects in each of its decisions, and hashing them by content
    (a settings record holds every value it reads) would cost more than a look-up.
    """
    if type(key) is tuple and len(key) == 2:
        ident = (key[0], id(key[1]), newline)
        hit = _fixed_by_identity.get(ident)
        if hit is not None and hit[0] is key[1]:
            return hit[1]
        text = _dumps_fixed(key, make, newline)
        if len(_fixed_by_identity) >= _FIXED_LIMIT:
            _fixed_by_identity.clear()
        _fixed_by_identity[ident] = (key[1], text)
        return text
    return _dumps_fixed(key, make, newline)


_fixed_by_identity: dict = {}       # (label, id(value), newline) -> (value, its text)


def _dumps_fixed(key, make, newline: str) -> str:
    try:
        found = _fixed.get((key, newline))
    except TypeError:               # a part holding a list cannot be a key: write it each time
        out = []
        _write(make(), out, newline)
        return "".join(out)
    if found is None:
        out: list = []
        _write(make(), out, newline)
        found = "".join(out)
        if len(_fixed) >= _FIXED_LIMIT:
            _fixed.clear()
        _fixed[(key, newline)] = found
    return found


class Fixed:
    """A part of a record whose text is kept per key (see ``dumps_fixed``)."""

    __slots__ = ("key", "make")

    def __init__(self, key, make):
        self.key, self.make = key, make


def _write(value, out: list, newline: str) -> None:
    if isinstance(value, str):
        out.append(encode_basestring(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = newline + "  "
        out.append("{")
        first = True
        for key in sorted(value):
            out.append(inner if first else "," + inner)
            first = False
            out.append(encode_basestring(_key(key)))
            out.append(": ")
            _write(value[key], out, inner)
        out.append(newline + "}")
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        inner = newline + "  "
        out.append("[")
        first = True
        for item in value:
            out.append(inner if first else "," + inner)
            first = False
            _write(item, out, inner)
        out.append(newline + "]")
    elif isinstance(value, Fixed):
        out.append(dumps_fixed(value.key, value.make, newline))
    else:                           # floats and anything else: exactly as the json module writes them
        out.append(json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False).replace("\n", newline))


def _key(key) -> str:
    if isinstance(key, str):
        return key
    return json.dumps(key)          # the json module writes true/false/null/numbers as text keys
