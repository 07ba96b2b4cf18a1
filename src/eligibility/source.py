"""Reading YAML text into plain data plus a map from data paths to line and column.

This is the only module that imports the YAML library. Loading is safe (no Python
objects can be built from a file), rejects duplicate keys, and keeps dates and times
as text so that later stages decide what a valid date is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from .diagnostics import Diagnostic, Span, json_path

KEY = "<key>"  # marker in a source-map path: the position of a mapping key itself


class _DuplicateKey(yaml.MarkedYAMLError):
    pass


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys and aliases, and keeps dates as strings."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _Unsupported(None, None, "aliases (*name) are not allowed", event.start_mark)
        return super().compose_node(parent, index)


class _Unsupported(yaml.MarkedYAMLError):
    pass


def _construct_mapping(loader, node, deep=False):
    seen = {}
    for key_node, _ in node.value:
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
    syntax, duplicate, empty = (("E101", "E102", "E103") if code_prefix == "E" else ("C401", "C401", "C401"))
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
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or "invalid YAML"
        raise YamlProblem(Diagnostic(syntax, f"YAML syntax error: {problem}", Span(file, line, column),
                                     hint="check indentation and that every ':' is followed by a space")) from None
    except yaml.reader.ReaderError as exc:
        raise YamlProblem(Diagnostic(syntax, f"the file contains a character YAML does not allow ({exc.reason})",
                                     Span(file, 1, exc.position + 1 if exc.position is not None else 1),
                                     hint="save the file as plain UTF-8 text")) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(Diagnostic(syntax, f"YAML error: {exc}", Span(file, 1, 1))) from None
    finally:
        if loader is not None:
            loader.dispose()
    return data, SourceMap.from_node(node, file)


def read(path, *, code_prefix: str = "E") -> tuple[object, SourceMap]:
    """Read and parse a file; unreadable or non-UTF-8 files become a located problem."""
    file = str(path)
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        code = "E103" if code_prefix == "E" else "C401"
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise YamlProblem(Diagnostic(code, f"cannot read the file: {reason}", Span(file),
                                     hint="check the path and that the file is UTF-8 text")) from None
    return parse(text, file, code_prefix=code_prefix)


__all__ = ["KEY", "SourceMap", "YamlProblem", "parse", "read", "json_path"]
