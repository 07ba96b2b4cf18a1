"""Deciding one case envelope that arrives as JSON text or data, without ever raising.

The shared step of the HTTP service and of batch runs. Whatever the input is (not JSON,
nested thousands of levels deep, an invalid case, a case the engine fails on), the answer
is a :class:`Result`: ``decided`` with the decision record, ``invalid`` with the problems
(the same diagnostics the command line gives), or ``failed`` with an X501 problem and no
decision.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .cases import data_source_map
from .diagnostics import CaseError, Diagnostic, EvaluationError, Span

MAX_DEPTH = 64                  # a case is at most a few levels deep; deeper input is refused, not parsed further
DECIDED, INVALID, FAILED = "decided", "invalid", "failed"


@dataclass(frozen=True)
class Result:
    """What became of one input. ``unreadable`` is true when the input was not JSON at all."""

    status: str
    decision: dict | None
    problems: tuple = ()
    unreadable: bool = False

    def line(self, label: str) -> dict:
        """The result as one batch output line (batch-line.schema.json)."""
        return {"input": label, "status": self.status, "decision": self.decision,
                "problems": [p.to_dict() for p in self.problems]}


def invalid(problems, unreadable: bool = False) -> Result:
    return Result(INVALID, None, tuple(problems), unreadable)


def parse_json(text: str | bytes, name: str, at_line: int | None = None):
    """JSON text as data; raises CaseError with one C401 problem (line and column) if it cannot be read.

    Duplicate keys, NaN/Infinity and nesting deeper than MAX_DEPTH are refused. ``at_line``: the
    text is that line of the file ``name`` (one line of a JSON Lines file), so a syntax error is
    placed at that line and the column within it.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _unreadable(name, f"the input is not UTF-8 text (byte {exc.start + 1})", None, None,
                              "send the case as UTF-8 encoded JSON") from None
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        line = exc.lineno if at_line is None else at_line + exc.lineno - 1
        raise _unreadable(name, f"the input is not valid JSON: {exc.msg}", line, exc.colno,
                          "a case is one JSON object such as {\"authority\": \"rutland\", \"facts\": {...}}") from None
    except _Refused as exc:
        raise _unreadable(name, str(exc), None, None, exc.hint) from None
    except RecursionError:
        raise too_deep(name) from None
    if _depth_exceeds(data, MAX_DEPTH):
        raise too_deep(name)
    return data


class _Refused(ValueError):
    def __init__(self, message: str, hint: str):
        super().__init__(message)
        self.hint = hint


def _no_duplicates(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise _Refused(f"the key '{key}' appears twice in the same object", "remove one of them")
        seen[key] = value
    return seen


def _no_constants(word):
    raise _Refused(f"{word} is not a number JSON allows", "write a whole number, or leave the fact out when not recorded")


def _depth_exceeds(data, limit: int) -> bool:
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if depth > limit:
                return True
            stack.extend((v, depth + 1) for v in (value.values() if isinstance(value, dict) else value))
    return False


def _unreadable(name, message, line, column, hint) -> CaseError:
    return CaseError([Diagnostic("C401", message, Span(name, line, column), "$", hint)])


def too_deep(name) -> CaseError:
    return _unreadable(name, f"the input is nested more than {MAX_DEPTH} levels deep", None, None,
                       "a case envelope holds its facts a few levels deep; check how the input was produced")


def decide_json(engine, text: str | bytes, name: str, decision=None, authority=None, on=None,
                line_of=None) -> Result:
    """Decide a case envelope given as JSON text. ``line_of``: (file, line) when the text is one line of
    a JSON Lines file, so that a syntax error is reported as file:line:column."""
    try:
        data = parse_json(text, *(line_of or (name,)))
    except CaseError as exc:
        return invalid(exc.diagnostics, unreadable=True)
    return decide_data(engine, data, name, decision, authority, on)


def decide_data(engine, data, name: str, decision=None, authority=None, on=None, smap=None) -> Result:
    """Decide a case envelope given as data (as read from JSON, a CSV row, or a case file with its source map)."""
    try:
        record = engine.decide(data, decision, authority, on, smap=smap or source_map(data, name),
                               suggest_changes=True).to_dict()        # the same record as `eligibility check`
    except CaseError as exc:
        return invalid(exc.diagnostics)
    except EvaluationError as exc:
        return failed(name, f"the rules engine failed: {exc}")
    except RecursionError:
        return invalid(too_deep(name).diagnostics)
    except Exception as exc:            # a fault in this program: no decision for this input, and the others go on
        return failed(name, f"internal error ({type(exc).__name__}: {exc})")
    return Result(DECIDED, record)


def source_map(data, name: str):
    """A source map naming every path in the data (JSON has no line numbers to give), so that each
    problem has the same path as when the same case is read from a file."""
    smap = data_source_map(name)
    span = smap.positions[()]
    stack = [((), data)]
    while stack:
        path, value = stack.pop()
        smap.positions[path] = span
        if isinstance(value, dict):
            stack.extend((path + (k,), v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((path + (i,), v) for i, v in enumerate(value))
    return smap


def failed(name: str, message: str) -> Result:
    return Result(FAILED, None, (Diagnostic("X501", message + ". No decision was given", Span(name), "$",
                                            "try again; if it fails again, report it with the input"),))


__all__ = ["Result", "MAX_DEPTH", "DECIDED", "INVALID", "FAILED", "parse_json", "decide_json", "decide_data",
           "invalid", "failed", "too_deep"]
