"""Problems found in rule files and case files, and the errors that carry them.

The library collects problems as :class:`Diagnostic` values and never prints them.
Every diagnostic has a stable code (documented in docs/errors.md), a message written
for the person who wrote the file, a location (file, line, column, and the path of the
offending key) and, where one helps, a hint.
"""

from __future__ import annotations

from dataclasses import dataclass

CODES = {
    # reading and YAML
    "E101": "the file is not valid YAML",
    "E102": "a key appears twice in the same mapping",
    "E103": "the file is empty, unreadable or holds more than one document",
    "E104": "the file is too large or nested too deeply",
    # schema (shape of a file)
    "E201": "a required key is missing",
    "E202": "a value has the wrong type",
    "E203": "a key is not allowed here",
    "E204": "a value is not one of the allowed values or forms",
    # meaning (checks across files)
    "E301": "a reference names something that is not defined",
    "E302": "the same id is defined twice",
    "E303": "a file is in the wrong folder for its authority",
    "E304": "effective periods overlap",
    "E305": "a value is outside the bounds the law allows",
    "E306": "a comparison does not fit the type of what it compares",
    "E307": "a rule set reads a fact the law says must be disregarded",
    "E308": "a setting needed by a rule set is not provided for part of its period",
    "E309": "a condition is too large for the engine",
    "E310": "effective dates are in the wrong order",
    "E311": "an authority re-states or varies a decision without a declared variation, or one national law fixes",
    "E312": "a gap in time between versions, or an end that is not declared",
    "E313": "a criterion that no outcome reads",
    # what no case could ever make happen (found by the solver: solver_checks.py)
    "E320": "a criterion that can never be met, or a waiver that can never apply",
    "E321": "a criterion that is always met",
    "E322": "an outcome that can never be reached",
    "E323": "an outcome hidden by an earlier one",
    "E324": "a count whose threshold can never be reached",
    # case files
    "C401": "the case file is not valid YAML or cannot be read",
    "C402": "a case value has the wrong type or form",
    "C403": "a case names a fact that no rule set defines",
    "C404": "the case does not say which authority, date or decision to use",
    "C405": "no rule set is in force for the decision, authority and date",
    "C406": "the case is too large or nested too deeply",
    # warnings: the rules can be used, but something in them does nothing
    "W301": "a setting that no rule set reads",
    "W302": "a rule set the solver could not fully check",
    # evaluation
    "X501": "the rules engine failed while deciding",
}


@dataclass(frozen=True)
class Span:
    """A place in a file. Line and column are 1-based."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Diagnostic:
    """One problem, located and explained."""

    code: str
    message: str
    span: Span
    path: str = "$"
    hint: str | None = None

    def sort_key(self) -> tuple:
        return (self.span.file, self.span.line or 0, self.span.column or 0, self.code, self.message)

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "file": self.span.file,
            "line": self.span.line,
            "column": self.span.column,
            "path": self.path,
            "message": self.message,
            "hint": self.hint,
        }


def sort_diagnostics(diagnostics) -> list[Diagnostic]:
    """Sort by file, line and column; drop exact repeats."""
    unique = {(d.code, d.message, d.span, d.path, d.hint): d for d in diagnostics}
    return sorted(unique.values(), key=Diagnostic.sort_key)


def json_path(parts) -> str:
    """Turn ('criteria', 2, 'id') into '$.criteria[2].id'."""
    text = "$"
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


class EligibilityError(Exception):
    """Base class of every error the library raises on purpose."""


class RuleFileError(EligibilityError):
    """Rule files are invalid; ``diagnostics`` lists every problem found."""

    def __init__(self, diagnostics):
        self.diagnostics = sort_diagnostics(diagnostics)
        super().__init__(f"{len(self.diagnostics)} problem(s) in the rule files")


class CaseError(EligibilityError):
    """A case is invalid or cannot be decided as asked; ``diagnostics`` says why."""

    def __init__(self, diagnostics):
        self.diagnostics = sort_diagnostics(diagnostics)
        first = self.diagnostics[0].message if self.diagnostics else "invalid case"
        super().__init__(first)


class EvaluationError(EligibilityError):
    """The rules engine misbehaved; no decision is given rather than a possibly wrong one."""


def did_you_mean(name, candidates) -> str | None:
    """'did you mean 'x'?' for the closest candidate, or None."""
    import difflib

    close = difflib.get_close_matches(str(name), [str(c) for c in candidates], n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None
