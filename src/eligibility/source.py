"""Reading YAML text into plain data plus a map from data paths to line and column.

This is the only module that imports the YAML library. Loading is safe (no Python
objects can be built from a file), rejects duplicate keys, and keeps dates and times
as text so that later stages decide what a valid date is.

Files are parsed with libyaml's C parser when PyYAML has it (about ten times faster).
Whenever the C parser finds anything wrong, or the file uses an alias, the file is
parsed again with the pure-Python parser, whose locations and messages are the ones
reported: a valid file gives the same data and positions either way, and an invalid
file gives exactly the same error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import yaml

from . import limits
from .diagnostics import Diagnostic, Span, json_path

KEY = "<key>"  # marker in a source-map path: the position of a mapping key itself


class _DuplicateKey(yaml.MarkedYAMLError):
    pass


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys, aliases and deep nesting, and keeps dates as strings."""

    _depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _Unsupported(None, None, "aliases (*name) are not allowed", event.start_mark)
        if self._depth >= limits.MAX_DEPTH:
            raise _TooDeep(None, None, f"the data is nested more than {limits.MAX_DEPTH} levels deep here",
                           self.peek_event().start_mark)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _TooDeep(yaml.MarkedYAMLError):
    pass


class _Unsupported(yaml.MarkedYAMLError):
    pass


def _construct_mapping(loader, node, deep=False):
    seen = {}
    for key_node, _ in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.style in (None, ""):    # plain: None (Python), "" (C)
            key_node.tag = "tag:yaml.org,2002:str"      # a key is a name: 'yes', 'no' and '2015' stay text
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, (list, dict)):
            raise _DuplicateKey(None, None, "a mapping key must be plain text", key_node.start_mark)
        if key in seen:
            raise _DuplicateKey(
                f"first defined on line {seen[key].line + 1}",
                seen[key],
                f"the key '{key}' appears twice",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)
_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

_CSafeLoader = getattr(yaml, "CSafeLoader", None)       # None when PyYAML was built without libyaml

if _CSafeLoader is not None:
    class _FastLoader(_CSafeLoader):
        """The same safe, strict construction over libyaml's C parser."""

    _FastLoader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)
    _FastLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


# Characters on which libyaml is more lenient than the pure-Python parser (it accepts a tab
# after a value and a byte-order mark inside the text) or counts lines differently: a file
# holding any of them is always parsed in pure Python.
_UNSURE = re.compile("[\t\r\x85\u2028\u2029\ufeff]")


class _Again(Exception):
    """The fast parser cannot be trusted to word this file's problem: parse it again in pure Python."""


def _parse_fast(text: str):
    """(data, root node) from the C parser; _Again for an empty file, an alias or any error."""
    if _CSafeLoader is None or _UNSURE.search(text):
        raise _Again
    loader = _FastLoader(text)
    try:
        node = loader.get_single_node()
        if node is None or _unsure_nodes(node):
            raise _Again
        return loader.construct_document(node), node
    except _Again:
        raise
    except Exception:           # any problem at all is reported by the pure-Python parser, word for word
        raise _Again from None
    finally:
        loader.dispose()


def _unsure_nodes(root) -> bool:
    """True if any node is reached twice (the C parser resolves an alias to the anchored node
    itself), or is an empty value, whose position libyaml sometimes gives one column apart."""
    seen, stack = set(), [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            return True
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            if node.value == "" and not node.style:
                return True
        elif isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                stack.append(key_node)
                stack.append(value_node)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return False


class SpanTable(Mapping):
    """Positions kept as (line, column) pairs, each made a Span only when asked for (rules read from the cache)."""

    def __init__(self, file: str, positions: dict):
        self._file = file
        self._positions = positions

    def __getitem__(self, path) -> Span:
        line, column = self._positions[path]
        return Span(self._file, line, column)

    def __contains__(self, path) -> bool:
        return path in self._positions

    def __iter__(self):
        return iter(self._positions)

    def __len__(self) -> int:
        return len(self._positions)


@dataclass
class SourceMap:
    """Positions of values (and keys) in one file, by data path."""

    file: str
    positions: dict = field(default_factory=dict)

    def span(self, path, *, key: bool = False) -> Span:
        """The span of the value at ``path`` (or of its key); falls back to the nearest parent."""
        path = tuple(path)
        if key and path + (KEY,) in self.positions:
            return self.positions[path + (KEY,)]
        while path:
            if path in self.positions:
                return self.positions[path]
            path = path[:-1]
        return self.positions.get((), Span(self.file, 1, 1))

    @classmethod
    def from_node(cls, node, file: str) -> "SourceMap":
        smap = cls(file)
        if node is not None:
            smap._walk(node, ())
        return smap

    def _walk(self, node, path):
        mark = node.start_mark
        self.positions[path] = Span(self.file, mark.line + 1, mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = key_node.value
                kmark = key_node.start_mark
                self.positions[path + (key, KEY)] = Span(self.file, kmark.line + 1, kmark.column + 1)
                self._walk(value_node, path + (key,))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self._walk(item, path + (index,))


class YamlProblem(Exception):
    """Raised by :func:`parse` with a located diagnostic."""

    def __init__(self, diagnostic: Diagnostic):
        self.diagnostic = diagnostic
        super().__init__(diagnostic.message)


def parse(text: str, file: str, *, code_prefix: str = "E") -> tuple[object, SourceMap]:
    """Parse one YAML document into (data, SourceMap); raise YamlProblem if it cannot be read."""
    try:
        data, node = _parse_fast(text)
        limits.check_shape(data)            # too deep or too large: the pure-Python parser below says where
    except (_Again, limits.InputRefused):
        pass
    else:
        return data, SourceMap.from_node(node, file)
    syntax, duplicate, empty = (("E101", "E102", "E103") if code_prefix == "E" else ("C401", "C401", "C401"))
    too_large = "E104" if code_prefix == "E" else "C406"
    loader = None
    try:
        loader = _StrictLoader(text)
        node = loader.get_single_node()
        if node is None:
            raise YamlProblem(Diagnostic(empty, "the file is empty", Span(file, 1, 1),
                                         hint="a rule or case file is a YAML mapping such as 'kind: rule-set'"))
        data = loader.construct_document(node)
    except _DuplicateKey as exc:
        mark = exc.problem_mark
        raise YamlProblem(Diagnostic(duplicate, exc.problem, Span(file, mark.line + 1, mark.column + 1),
                                     hint=f"remove one of them ({exc.context}); YAML keeps only one")) from None
    except _TooDeep as exc:
        mark = exc.problem_mark
        raise YamlProblem(Diagnostic(too_large, exc.problem, Span(file, mark.line + 1, mark.column + 1),
                                     hint="no case or rule needs this much nesting; check the brackets and "
                                          "indentation here")) from None
    except RecursionError:                  # a last defence: nesting the depth limit did not see
        raise YamlProblem(Diagnostic(too_large, "the data is nested too deeply to read", Span(file, 1, 1),
                                     hint="no case or rule needs this much nesting")) from None
    except _Unsupported as exc:
        mark = exc.problem_mark
        raise YamlProblem(Diagnostic(syntax, exc.problem, Span(file, mark.line + 1, mark.column + 1),
                                     hint="write the value out in full instead of referring to an anchor (&name)")) from None
    except yaml.composer.ComposerError as exc:
        mark = exc.problem_mark
        raise YamlProblem(Diagnostic(empty, "the file holds more than one YAML document",
                                     Span(file, mark.line + 1, mark.column + 1),
                                     hint="remove the '---' separator: one file holds one document")) from None
    except yaml.MarkedYAMLError as exc:
        message, hint, mark = _explain(exc)
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise YamlProblem(Diagnostic(syntax, message, Span(file, line, column), hint=hint)) from None
    except yaml.reader.ReaderError as exc:
        raise YamlProblem(Diagnostic(syntax, f"the file contains a character YAML does not allow ({exc.reason})",
                                     Span(file, 1, exc.position + 1 if exc.position is not None else 1),
                                     hint="save the file as plain UTF-8 text")) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(Diagnostic(syntax, f"YAML error: {exc}", Span(file, 1, 1))) from None
    finally:
        if loader is not None:
            loader.dispose()
    smap = SourceMap.from_node(node, file)
    problem = limits.shape_problem(data, smap, too_large)      # too many values, located
    if problem is not None:
        raise YamlProblem(problem)
    return data, smap


def _explain(exc: yaml.MarkedYAMLError) -> tuple[str, str, object]:
    """PyYAML's wording of a syntax error → (message, hint, mark) for the person editing the file."""
    problem, context = exc.problem or "invalid YAML", exc.context or ""
    mark = exc.problem_mark or exc.context_mark
    opened = exc.context_mark or mark                   # where the unfinished list, text or block began
    if "'\\t'" in problem:
        return "a tab is used here; YAML files are indented with spaces only", "replace the tab with spaces", mark
    if "that cannot start any token" in problem:
        char = problem.split("'")[1]
        return f"a value cannot begin with the character {char}", f'put the value in quotes, e.g. "{char}..."', mark
    if "mapping values are not allowed here" in problem:
        return ("a ':' is not allowed here", "if the text contains ': ', put the whole text in quotes, "
                'e.g. text: "Note: ..."; otherwise indent this line like the lines above it', mark)
    if "expected ',' or ']'" in problem:
        return ("the list opened with '[' here is not closed with ']'",
                "close it with ']' after the last item, e.g. [leicester, rutland]", opened)
    if "expected ',' or '}'" in problem:
        return ("the mapping opened with '{' here is not closed with '}'",
                "close it with '}' after the last item, e.g. {fact: person.date_of_birth, is_recorded: true}", opened)
    if "quoted scalar" in context and "end of stream" in problem:
        return "the quoted text that starts here is never closed", "end it with the quote mark it starts with", opened
    if "could not find expected ':'" in problem:
        return ("this line is not of the form 'key: value'",
                "if it continues the text on the line above, indent it further or put the whole text in quotes", opened)
    if "expected <block end>" in problem and "<scalar>" in problem:
        return "there is more text after a quoted value", "put the whole value inside the quotes", mark
    if "expected <block end>" in problem:
        return ("this line is not indented like the lines above it",
                "keys at the same level must start in the same column; indent with spaces", mark)
    return f"YAML syntax error: {problem}", "check indentation and that every ':' is followed by a space", mark


def read(path, *, code_prefix: str = "E", size_limits: "limits.Limits | None" = None) -> tuple[object, SourceMap]:
    """Read and parse a file ('-' is standard input); unreadable, non-UTF-8, too large
    or too deeply nested files become a located problem. ``size_limits`` (limits.Limits):
    the largest file read, by default the limits the environment sets."""
    file = str(path)
    code = "E103" if code_prefix == "E" else "C401"
    try:
        raw = limits.read_bytes(path, "rule" if code_prefix == "E" else "case", size_limits)
        text = raw.decode("utf-8")
    except limits.InputRefused as exc:
        raise YamlProblem(Diagnostic(("E104" if code_prefix == "E" else "C406") if exc.too_big else code,
                                     exc.message, Span(file), hint=exc.hint)) from None
    except OSError as exc:
        raise YamlProblem(Diagnostic(code, f"cannot read the file: {exc.strerror or exc}", Span(file),
                                     hint="check the path and that the file is UTF-8 text")) from None
    except UnicodeDecodeError as exc:
        before = raw[:exc.start]
        line_start = before.rfind(b"\n") + 1
        column = len(before[line_start:].decode("utf-8", errors="replace")) + 1
        raise YamlProblem(Diagnostic(code, "the file is not saved as UTF-8 text: a character here cannot be read",
                                     Span(file, before.count(b"\n") + 1, column),
                                     hint="save the file with the UTF-8 encoding (in most editors: Save As, "
                                          "Encoding: UTF-8), or retype the character")) from None
    deep = limits.deep_brackets(text)
    if deep is not None:
        raise YamlProblem(Diagnostic("E104" if code_prefix == "E" else "C406",
                                     f"the data is nested more than {limits.MAX_DEPTH} levels deep here",
                                     Span(file, *deep), hint="no case or rule needs this much nesting; check the "
                                                             "brackets and indentation here"))
    return parse(text, file, code_prefix=code_prefix)


__all__ = ["KEY", "SourceMap", "SpanTable", "YamlProblem", "parse", "read", "json_path"]
