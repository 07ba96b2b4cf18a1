"""The operators of the condition language: one table that every other module reads.

Each operator has its name as written in rule files, its logical complement (used for
negation normal form, so that "not at_least 2" reads as "less_than 2"), the value types
it applies to, the form of its operand, its durable-rules comparison, how it is evaluated
in three-valued logic, and how explanations word it. The schema check, the meaning checks,
the compiler, the three-valued logic and the explanations all read this table; a new
operator is one new row here.
"""

from __future__ import annotations

import operator as py
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Operator:
    name: str
    complement: str
    types: frozenset                    # value types it may compare (scope.ValueType.type)
    operand: str                        # 'single' | 'list' | 'flag' (is_recorded: true)
    engine: str | None                  # durable-rules comparison; None for equality or a form of its own
    evaluate: Callable | None           # (value, operand) -> bool; None: decided by whether the value is recorded
    phrase: str                         # how an explanation words it: "must be at least"
    written: bool = True                # False for an operator only made by negation (not_recorded)
    item_only: bool = False             # only inside 'where' on a list's items (a choices field of an item)
    number_form: str | None = None      # for a date operator, the operator numbers use instead (and back)


_NUMBERS = frozenset(("integer", "count"))
_ORDERED_SINGLE = _NUMBERS
_EQUALITY = frozenset(("boolean", "integer", "count", "date", "choice"))
_LISTED = frozenset(("integer", "choice"))
_RECORDED = frozenset(("boolean", "integer", "date", "choice", "text"))

TABLE = (
    Operator("is", "is_not", _EQUALITY, "single", None, py.eq, "must be"),
    Operator("is_not", "is", _EQUALITY, "single", "$neq", py.ne, "must not be"),
    Operator("at_least", "less_than", _NUMBERS, "single", "$gte", py.ge, "must be at least"),
    Operator("at_most", "more_than", _NUMBERS, "single", "$lte", py.le, "must be at most"),
    Operator("more_than", "at_most", _NUMBERS, "single", "$gt", py.gt, "must be more than"),
    Operator("less_than", "at_least", _NUMBERS, "single", "$lt", py.lt, "must be less than"),
    Operator("before", "on_or_after", frozenset(("date",)), "single", "$lt", py.lt, "must be before",
             number_form="less_than"),
    Operator("after", "on_or_before", frozenset(("date",)), "single", "$gt", py.gt, "must be after",
             number_form="more_than"),
    Operator("on_or_before", "after", frozenset(("date",)), "single", "$lte", py.le, "must be on or before",
             number_form="at_most"),
    Operator("on_or_after", "before", frozenset(("date",)), "single", "$gte", py.ge, "must be on or after",
             number_form="at_least"),
    Operator("one_of", "none_of", _LISTED, "list", None, lambda v, xs: v in xs, "must be one of"),
    Operator("none_of", "one_of", _LISTED, "list", None, lambda v, xs: v not in xs, "must not be any of"),
    Operator("includes_any", "includes_none", frozenset(("choices",)), "list", None,
             lambda v, xs: bool(set(v) & set(xs)), "must include one of", item_only=True),
    Operator("includes_none", "includes_any", frozenset(("choices",)), "list", None,
             lambda v, xs: not set(v) & set(xs), "must include none of", item_only=True),
    Operator("is_recorded", "not_recorded", _RECORDED, "flag", None, None, "must be recorded"),
    Operator("not_recorded", "is_recorded", _RECORDED, "flag", None, None, "must not be recorded", written=False),
)

BY_NAME = {op.name: op for op in TABLE}
WRITTEN = tuple(op.name for op in TABLE if op.written)              # the operators a rule file may use
COMPLEMENT = {op.name: op.complement for op in TABLE}
ENGINE_FORM = {op.name: op.engine for op in TABLE if op.operand == "single"}
PHRASES = {op.name: op.phrase for op in TABLE}
EVALUATE = {op.name: op.evaluate for op in TABLE if op.evaluate is not None}
ITEM_ONLY = frozenset(op.name for op in TABLE if op.item_only)
DATE_TO_NUMBER = {op.name: op.number_form for op in TABLE if op.number_form}
NUMBER_TO_DATE = {number: date for date, number in DATE_TO_NUMBER.items()}


def integer_targets(op: str, n: int) -> list:
    """The whole numbers nearest a threshold n that meet a comparison 'op n' (none for other operators)."""
    return {"at_least": [n], "more_than": [n + 1], "at_most": [n], "less_than": [n - 1], "is": [n],
            "is_not": [n + 1, n - 1]}.get(op, [])


def for_type(value_type: str) -> frozenset:
    """The written operators that can compare a value of this type."""
    return frozenset(op.name for op in TABLE if op.written and value_type in op.types)


# what an editor shows for each written operator (the published schemas carry it)
SCHEMA_TEXT = {
    "is": {
        "description": "Is equal to this value.",
        "examples": [
            True
        ]
    },
    "is_not": {
        "description": "Is recorded and not equal to this value.",
        "examples": [
            "unplanned"
        ]
    },
    "at_least": {
        "description": "Is this number or more (or this date or later).",
        "examples": [
            18
        ]
    },
    "at_most": {
        "description": "Is this number or fewer (or this date or earlier).",
        "examples": [
            12
        ]
    },
    "more_than": {
        "description": "Is more than this number.",
        "examples": [
            0
        ]
    },
    "less_than": {
        "description": "Is less than this number.",
        "examples": [
            18
        ]
    },
    "before": {
        "description": "Is a date before this date.",
        "examples": [
            {
                "decision": "date"
            }
        ]
    },
    "after": {
        "description": "Is a date after this date.",
        "examples": [
            "2015-03-31"
        ]
    },
    "on_or_before": {
        "description": "Is a date on or before this date.",
        "examples": [
            {
                "decision": "date"
            }
        ]
    },
    "on_or_after": {
        "description": "Is a date on or after this date.",
        "examples": [
            "2015-04-01"
        ]
    },
    "one_of": {
        "description": "Is one of these values.",
        "examples": [
            [
                "single",
                "cumulative",
                "domino"
            ]
        ]
    },
    "none_of": {
        "description": "Is recorded and none of these values.",
        "examples": [
            [
                "unplanned",
                "discharged"
            ]
        ]
    },
    "is_recorded": {
        "description": "The fact or value is recorded (write is_recorded: True); a missing fact is never treated as false.",
        "examples": [
            True
        ]
    },
    "includes_any": {
        "description": "A list of choices that includes at least one of these values.",
        "examples": [
            [
                "needs_assistance",
                "takes_significantly_longer"
            ]
        ]
    },
    "includes_none": {
        "description": "A list of choices, recorded, that includes none of these values.",
        "examples": [
            [
                "needs_assistance"
            ]
        ]
    }
}


def schema_properties() -> dict:
    """The JSON Schema property of each written operator in a comparison (read by validate)."""
    forms = {"single": {"$ref": "#/$defs/operand"}, "list": {"$ref": "#/$defs/operand_list"},
             "flag": {"const": True, "x-hint": "write 'is_recorded: true'; a missing fact is never treated as false"}}
    return {op.name: {**forms[op.operand], **SCHEMA_TEXT.get(op.name, {})} for op in TABLE if op.written}
