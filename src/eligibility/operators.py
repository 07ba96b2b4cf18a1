"""The operators of the condition language: one table that every other module reads.

Each operator has its name as written in rule files, its logical complement (used for
negation normal form, so that "not at_least 2" reads as "less_than 2"), the value types
it applies to, the form of its operand, how the compiler writes it for durable-rules,
whether a recorded value meets it, how it reads a count known only to lie in a range, and
how explanations word it. The schema check, the meaning checks, the compiler, the
three-valued logic and the explanations all read this table; a new operator is one new
row here.
"""

from __future__ import annotations

import operator as py
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class CountRule:
    """When a comparison certainly holds for a count known only to lie between ``lo`` and ``hi``.

    A count is a range while some of the items it counts are not assessed, so that a
    missing fact never counts as "no". ``tests`` compares the range's ends with the
    operand ("lo" or "hi", and the operator to apply); ``combine`` says whether all of the
    tests must hold or any one is enough. An end that is not known (no upper bound)
    never passes a test. The comparison certainly fails when its complement certainly
    holds, and is unknown otherwise.
    """

    combine: str                        # 'all' | 'any'
    tests: tuple                        # ((end, operator name), ...): end is 'lo' or 'hi'


@dataclass(frozen=True)
class Operator:
    name: str
    complement: str
    types: frozenset                    # value types it may compare (scope.ValueType.type)
    operand: str                        # 'single' | 'list' | 'flag' (is_recorded: true)
    engine: Callable                    # (engine attribute, right-hand side) -> durable-rules expression that
                                        # matches when the comparison certainly holds; None: it never can
    evaluate: Callable                  # (recorded value, operand) -> bool: whether a recorded value meets it
                                        # (a value that is not recorded is always unknown)
    phrase: str                         # how an explanation words it: "must be at least"
    written: bool = True                # False for an operator only made by negation (not_recorded)
    item_only: bool = False             # only inside 'where' on a list's items (a choices field of an item)
    number_form: str | None = None      # for a date operator, the operator numbers use instead (and back)
    count_rule: CountRule | None = None     # how it reads a count that is a range; None: not for counts
    list_rule: str | None = None        # for a list operand: 'any' holds when the value is (or, for a set of
                                        # choices, includes) one of the list; 'none' when it is (includes) none


# -- how the compiler writes each operator for durable-rules (compile.py) ---------------------
def _compared(symbol: str) -> Callable:
    return lambda key, right: {symbol: {key: right}}


def _equal(key, right):
    return {key: right}


def _equal_to_any(key, values):
    alternatives = [{key: v} for v in values]
    return alternatives[0] if len(alternatives) == 1 else {"$or": alternatives}


def _equal_to_none(key, values):
    exclusions = [{"$neq": {key: v}} for v in values]
    return exclusions[0] if len(exclusions) == 1 else {"$and": exclusions}


def _recorded(key, _):
    return {"$ex": {key: 1}}


def _never(key, _):
    return None                         # 'not recorded' is never certain: the fact may yet be recorded


def _only_on_items(key, _):
    raise ValueError("includes_any and includes_none are only read on a list's items, in Python (derive.py)")


def _all(*tests) -> CountRule:
    return CountRule("all", tests)


def _any(*tests) -> CountRule:
    return CountRule("any", tests)


_NUMBERS = frozenset(("integer", "count"))
_EQUALITY = frozenset(("boolean", "integer", "count", "date", "choice"))
_LISTED = frozenset(("integer", "choice"))
_RECORDED = frozenset(("boolean", "integer", "date", "choice", "text"))
_DATE = frozenset(("date",))

TABLE = (
    Operator("is", "is_not", _EQUALITY, "single", _equal, py.eq, "must be",
             count_rule=_all(("lo", "is"), ("hi", "is"))),
    Operator("is_not", "is", _EQUALITY, "single", _compared("$neq"), py.ne, "must not be",
             count_rule=_any(("lo", "more_than"), ("hi", "less_than"))),
    Operator("at_least", "less_than", _NUMBERS, "single", _compared("$gte"), py.ge, "must be at least",
             count_rule=_all(("lo", "at_least"))),
    Operator("at_most", "more_than", _NUMBERS, "single", _compared("$lte"), py.le, "must be at most",
             count_rule=_all(("hi", "at_most"))),
    Operator("more_than", "at_most", _NUMBERS, "single", _compared("$gt"), py.gt, "must be more than",
             count_rule=_all(("lo", "more_than"))),
    Operator("less_than", "at_least", _NUMBERS, "single", _compared("$lt"), py.lt, "must be less than",
             count_rule=_all(("hi", "less_than"))),
    Operator("before", "on_or_after", _DATE, "single", _compared("$lt"), py.lt, "must be before",
             number_form="less_than"),
    Operator("after", "on_or_before", _DATE, "single", _compared("$gt"), py.gt, "must be after",
             number_form="more_than"),
    Operator("on_or_before", "after", _DATE, "single", _compared("$lte"), py.le, "must be on or before",
             number_form="at_most"),
    Operator("on_or_after", "before", _DATE, "single", _compared("$gte"), py.ge, "must be on or after",
             number_form="at_least"),
    Operator("one_of", "none_of", _LISTED, "list", _equal_to_any, lambda v, xs: v in xs, "must be one of",
             list_rule="any"),
    Operator("none_of", "one_of", _LISTED, "list", _equal_to_none, lambda v, xs: v not in xs, "must not be any of",
             list_rule="none"),
    Operator("includes_any", "includes_none", frozenset(("choices",)), "list", _only_on_items,
             lambda v, xs: bool(set(v) & set(xs)), "must include one of", item_only=True, list_rule="any"),
    Operator("includes_none", "includes_any", frozenset(("choices",)), "list", _only_on_items,
             lambda v, xs: not set(v) & set(xs), "must include none of", item_only=True, list_rule="none"),
    Operator("is_recorded", "not_recorded", _RECORDED, "flag", _recorded, lambda v, _: True, "must be recorded"),
    Operator("not_recorded", "is_recorded", _RECORDED, "flag", _never, lambda v, _: False, "must not be recorded",
             written=False),
)

BY_NAME = {op.name: op for op in TABLE}
WRITTEN = tuple(op.name for op in TABLE if op.written)              # the operators a rule file may use
ITEM_ONLY = frozenset(op.name for op in TABLE if op.item_only)
DATE_TO_NUMBER = {op.name: op.number_form for op in TABLE if op.number_form}
NUMBER_TO_DATE = {number: date for date, number in DATE_TO_NUMBER.items()}


def judge_count(name: str, lo, hi, n):
    """True (met), False (not met) or None (unknown) for 'count <name> n', the count known only
    to lie between lo and hi (lo None: nothing known; hi None: no upper bound)."""
    if lo is None:
        return None
    if _certainly(BY_NAME[name], lo, hi, n):
        return True
    if _certainly(BY_NAME[BY_NAME[name].complement], lo, hi, n):
        return False
    return None


def _certainly(op: Operator, lo, hi, n) -> bool:
    if op.count_rule is None:
        raise ValueError(f"operator {op.name} does not apply to a count")
    ends = {"lo": lo, "hi": hi}
    passed = (ends[end] is not None and BY_NAME[test].evaluate(ends[end], n) for end, test in op.count_rule.tests)
    return all(passed) if op.count_rule.combine == "all" else any(passed)


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
