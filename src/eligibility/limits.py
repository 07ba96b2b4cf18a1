"""Limits on the input the tool accepts: what may be read, how large, how deeply nested.

A hostile or careless input must get a clear error within a second and never exhaust
memory, hang, or overflow Python's stack. Files are read only when they are regular
files (or standard input, written '-'), and never beyond the size limit. Data is
refused when it is nested too deeply, refers to itself, or holds too many values.

The size limits can be raised for one run: on the command line with --max-case-bytes and
--max-rule-bytes, in the library with a Limits value (``eligibility.load(rules,
limits=Limits(rule_bytes=...))``, ``read_case(path, limits)``), or else with the
environment variables ELIGIBILITY_MAX_CASE_BYTES and ELIGIBILITY_MAX_RULE_BYTES. Sizes are
a number of bytes, or a number with KiB, MiB or GiB (``2MiB``).
"""

from __future__ import annotations

import os
import re
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass

from .diagnostics import Diagnostic, Span, json_path

MAX_CASE_BYTES = 1024 * 1024            # 1 MiB: the largest real case is under 5 KiB
MAX_RULE_BYTES = 4 * 1024 * 1024        # 4 MiB: the largest shipped rule file is under 40 KiB
MAX_DEPTH = 50                          # levels of nesting; the deepest shipped file uses 11
MAX_VALUES = 100_000                    # values in one case given as data (lists, mappings and scalars)
STDIN = "-"

ENV = {"case": "ELIGIBILITY_MAX_CASE_BYTES", "rule": "ELIGIBILITY_MAX_RULE_BYTES"}
OPTION = {"case": "--max-case-bytes", "rule": "--max-rule-bytes"}
_DEFAULT = {"case": MAX_CASE_BYTES, "rule": MAX_RULE_BYTES}
_UNITS = {"": 1, "b": 1, "kib": 1024, "mib": 1024 ** 2, "gib": 1024 ** 3}
_SIZE = re.compile(r"\s*([0-9]+)\s*([a-z]*)\s*", re.IGNORECASE)


def parse_size(text: str) -> int:
    """A size written as bytes ('1048576') or with KiB, MiB or GiB ('512KiB', '2MiB'); ValueError otherwise."""
    found = _SIZE.fullmatch(str(text))
    unit = found.group(2).lower() if found else None
    if found is None or unit not in _UNITS or int(found.group(1)) == 0:
        raise ValueError(f"'{text}' is not a size; write a whole number of bytes, or a number with KiB, MiB or "
                         "GiB, e.g. 2MiB")
    return int(found.group(1)) * _UNITS[unit]


def size_text(size: int) -> str:
    """A size as it may be written back to parse_size: '4MiB', '512KiB', or bytes."""
    for unit in ("GiB", "MiB", "KiB"):
        if size % _UNITS[unit.lower()] == 0:
            return f"{size // _UNITS[unit.lower()]}{unit}"
    return str(size)


@dataclass(frozen=True)
class Limits:
    """The largest case file and rule file read in one run, in bytes (the defaults unless raised)."""

    case_bytes: int = MAX_CASE_BYTES
    rule_bytes: int = MAX_RULE_BYTES

    def __post_init__(self):
        for name in ("case_bytes", "rule_bytes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"Limits({name}={value!r}): a size limit is a whole number of bytes above 0")

    @classmethod
    def from_environment(cls) -> "Limits":
        """The defaults, raised or lowered by ELIGIBILITY_MAX_CASE_BYTES / ELIGIBILITY_MAX_RULE_BYTES
        (a value that is not a size is ignored here; the command line refuses it as a usage error)."""
        return cls(_from_environment("case"), _from_environment("rule"))

    def max_bytes(self, kind: str) -> int:
        """The limit for a 'case' or a 'rule' file."""
        return self.case_bytes if kind == "case" else self.rule_bytes


def _from_environment(kind: str) -> int:
    try:
        return parse_size(os.environ.get(ENV[kind], "").strip())
    except ValueError:
        return _DEFAULT[kind]


class InputRefused(Exception):
    """Raised by :func:`read_bytes` and :func:`check_shape`; ``message`` and ``hint`` say why."""

    def __init__(self, message: str, hint: str, path=(), too_big: bool = False):
        super().__init__(message)
        self.message, self.hint, self.path, self.too_big = message, hint, tuple(path), too_big


def max_bytes(kind: str, limits: Limits | None = None) -> int:
    """The size limit for a 'case' or 'rule' file: from ``limits`` when given, else from the environment."""
    return (limits or Limits.from_environment()).max_bytes(kind)


def read_bytes(path, kind: str, limits: Limits | None = None) -> bytes:
    """The bytes of a regular file (or of standard input for '-'), refusing anything over the limit."""
    limit = max_bytes(kind, limits)
    if str(path) == STDIN:
        stream = getattr(sys.stdin, "buffer", None)
        raw = stream.read(limit + 1) if stream is not None else sys.stdin.read(limit + 1).encode("utf-8")
    else:
        status = os.stat(path)              # follows links: a link to a regular file is read
        if not stat.S_ISREG(status.st_mode):
            raise InputRefused(f"{_kind_of(status.st_mode)} is not a regular file, so it is not read",
                               "give the path of a YAML file, or '-' to read standard input")
        if status.st_size > limit:
            raise refuse_too_big(status.st_size, limit, kind)
        with open(path, "rb") as handle:
            raw = handle.read(limit + 1)    # the file may have grown since it was looked at
    if len(raw) > limit:
        raise refuse_too_big(None, limit, kind)
    return raw


def refuse_too_big(size, limit: int, kind: str) -> InputRefused:
    """The refusal of a file (or a line of JSON lines) over the limit, with the option that raises it."""
    what = f"{size:,} bytes" if size is not None else "more than that"
    enough = size_text(-(-max(size or 0, 2 * limit) // 1024 ** 2) * 1024 ** 2)     # whole MiB, at least double
    return InputRefused(f"the file is larger than the {limit:,}-byte limit for a {kind} file ({what})",
                        f"to accept it anyway, raise the limit with {OPTION[kind]} (e.g. {OPTION[kind]} {enough}) "
                        f"or the environment variable {ENV[kind]}; a real {kind} file is far smaller than the "
                        f"default {size_text(_DEFAULT[kind])}",
                        too_big=True)


def _kind_of(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "this is a folder and"
    if stat.S_ISFIFO(mode):
        return "this is a pipe (FIFO) and"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "this is a device and"
    if stat.S_ISSOCK(mode):
        return "this is a socket and"
    return "this"


_SPECIAL = re.compile(r"[\[\]{}'\"#]")
_BLOCK_VALUE_START = frozenset(("", "\n", ":", "-", "?"))       # outside brackets: after 'key:' or '- '
_FLOW_VALUE_START = frozenset(("", "\n", ":", "-", "?", ",", "[", "{"))


def deep_brackets(text: str, max_depth: int = MAX_DEPTH) -> tuple[int, int] | None:
    """(line, column) where YAML text opens more than max_depth nested [ ] or { } collections, or None.

    Run on the text before the YAML parser: the parser's look-ahead grows with the square of
    the depth of brackets, so a few kilobytes of '[' would otherwise take seconds. Brackets
    and quotes count only where a value can begin (text such as "see [1]" is not a list);
    quoted text and comments are skipped.
    """
    depth, pos = 0, 0
    while True:
        found = _SPECIAL.search(text, pos)
        if found is None:
            return None
        i, char = found.start(), found.group()
        before = i - 1
        while before >= 0 and text[before] in " \t":
            before -= 1
        previous = text[before] if before >= 0 else ""
        at_value = previous in (_FLOW_VALUE_START if depth else _BLOCK_VALUE_START)
        if char == "#":
            if i == 0 or text[i - 1] in " \t\n":
                end = text.find("\n", i)
                if end < 0:
                    return None
                pos = end
            else:
                pos = i + 1
        elif char in "'\"":
            pos = _after_quoted(text, i) if at_value else i + 1
            if pos < 0:
                return None
        elif char in "[{":
            if depth > 0 or at_value:
                depth += 1
                if depth > max_depth:
                    line = text.count("\n", 0, i) + 1
                    return line, i - (text.rfind("\n", 0, i) + 1) + 1
            pos = i + 1
        else:
            depth = max(0, depth - 1)
            pos = i + 1


def _after_quoted(text: str, start: int) -> int:
    """The position after the quoted text opening at start (-1 when it is never closed)."""
    quote, pos = text[start], start + 1
    while True:
        end = text.find(quote, pos)
        if end < 0:
            return -1
        if quote == "'" and text.startswith("''", end):
            pos = end + 2                                   # '' is a quote mark inside single quotes
            continue
        if quote == '"':
            slashes = 0
            while text[end - 1 - slashes] == "\\":
                slashes += 1
            if slashes % 2:
                pos = end + 1                               # \" is a quote mark inside double quotes
                continue
        return end + 1


_SCALARS = frozenset((str, int, bool, float, type(None)))


def _refuse(value, path, depth, parents, seen, max_depth, max_values):
    """Raise InputRefused for the first limit a mapping or list at ``path`` breaks (check_shape, plain_copy)."""
    if depth >= max_depth:
        raise InputRefused(f"the data is nested more than {max_depth} levels deep here",
                           "no case or rule needs this much nesting; check for a value that refers to "
                           "itself or was generated by mistake", path)
    if id(value) in parents:
        raise InputRefused("the data refers to itself here (a mapping or list inside itself)",
                           "give each value once, as plain data", path)
    size = len(value)
    raise InputRefused(f"the data holds more than {max_values:,} values (a list here has {size:,} items)"
                       if size > max_values // 10 else f"the data holds more than {max_values:,} values",
                       "a real case holds far fewer; check the data was not generated by mistake",
                       path, too_big=True)


def check_shape(data, max_depth: int = MAX_DEPTH, max_values: int = MAX_VALUES) -> None:
    """Refuse data nested more than max_depth deep, holding a mapping or list inside itself,
    or holding more than max_values values. Walks without recursion, stopping at the first problem."""
    scalars = _SCALARS
    stack = [(data, (), 0, frozenset())]
    seen = 0
    while stack:
        value, path, depth, parents = stack.pop()
        kind = type(value)
        if kind is dict:
            items = value.items()
        elif kind is list or kind is tuple:
            items = enumerate(value)
        elif kind in scalars or not isinstance(value, (Mapping, list, tuple)):
            continue
        else:
            items = value.items() if isinstance(value, Mapping) else enumerate(value)
        if depth >= max_depth or id(value) in parents or seen + len(value) > max_values:
            _refuse(value, path, depth, parents, seen, max_depth, max_values)
        size = len(value)
        seen += size
        inside = None
        for key, item in items:
            if type(item) in scalars:
                continue
            if inside is None:
                inside = parents | {id(value)}
            stack.append((item, path + (key,), depth + 1, inside))


def plain_copy(data, max_depth: int = MAX_DEPTH, max_values: int = MAX_VALUES):
    """check_shape, and in the same walk a copy of the data as plain dicts and lists (any mapping
    becomes a dict, a tuple a list). Raises InputRefused exactly as check_shape does."""
    scalars = _SCALARS
    kind = type(data)
    if kind in scalars or not isinstance(data, (Mapping, list, tuple)):
        return data
    holder = [None]
    stack = [(data, (), 0, frozenset(), holder, 0)]
    seen = 0
    while stack:
        value, path, depth, parents, into, slot = stack.pop()
        kind = type(value)
        if kind is dict:
            items = value.items()
        elif kind is list or kind is tuple:
            items = enumerate(value)
        elif kind in scalars or not isinstance(value, (Mapping, list, tuple)):
            into[slot] = value
            continue
        else:
            items = value.items() if isinstance(value, Mapping) else enumerate(value)
        if depth >= max_depth or id(value) in parents or seen + len(value) > max_values:
            _refuse(value, path, depth, parents, seen, max_depth, max_values)
        size = len(value)
        seen += size
        mapping = kind is dict or (kind is not list and kind is not tuple and isinstance(value, Mapping))
        copy = {} if mapping else [None] * size
        into[slot] = copy
        inside = None
        for position, (key, item) in enumerate(items):
            slot_here = key if mapping else position
            if type(item) in scalars:
                copy[slot_here] = item
                continue
            if mapping:
                copy[slot_here] = None      # keeps the keys in their order; filled when the walk gets there
            if inside is None:
                inside = parents | {id(value)}
            stack.append((item, path + (key,), depth + 1, inside, copy, slot_here))
    return holder[0]


def shape_problem(data, smap, code: str) -> Diagnostic | None:
    """check_shape as a located diagnostic (or None when the data is acceptable)."""
    try:
        check_shape(data)
    except InputRefused as exc:
        return refused(exc, smap, code)
    return None


def refused(exc: InputRefused, smap, code: str) -> Diagnostic:
    """An InputRefused from check_shape or plain_copy as a located diagnostic."""
    path = tuple(p if isinstance(p, (int, str)) else str(p) for p in exc.path)
    return Diagnostic(code, exc.message, smap.span(path) if smap is not None else Span("<case>"),
                      json_path(path), exc.hint)
