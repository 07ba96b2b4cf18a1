"""The written record as stable JSON, fast: the same bytes as
``json.dumps(record, sort_keys=True, indent=2, ensure_ascii=False)``.

Python's ``json`` module writes indented JSON with its pure-Python encoder; this writer
produces exactly the same text several times faster, and keeps the text of the parts
that are the same for every decision under one rule set (the rule set, the settings,
the declared variations, the disregards) so that they are written once, not once per
decision. tests/test_stable_json.py checks it against ``json.dumps``.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring

_FIXED_LIMIT = 1024                  # distinct fixed blocks kept (a handful per rule set)
_fixed: dict = {}


def dumps(value) -> str:
    """``json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False)``."""
    out: list = []
    _write(value, out, "\n")
    return "".join(out)


def dumps_fixed(key, make, newline: str) -> str:
    """The text of a part that depends only on ``key`` (hashable), made by ``make()`` the first time."""
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
