"""The rule model: frozen records built from valid rule files. Nothing else lives here."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field

from .diagnostics import Span

# The operators of the condition language are in operators.py.
REFERENCE_KINDS = ("fact", "derived", "setting", "decision")
WAIVER_PREFIX = "waiver-of-"      # the compiled waiver of gate 'x' is evaluated as criterion 'waiver-of-x'


@dataclass(frozen=True)
class Ref:
    """A reference to a value: a case fact, a derived value, an authority setting, or the decision itself."""

    kind: str
    name: str

    @functools.cached_property
    def key(self) -> str:
        """The attribute name used for this value in engine facts (never 'id' or 'sid')."""
        prefix = {"fact": "f_", "derived": "d_", "setting": "s_", "decision": "v_"}[self.kind]
        return prefix + self.name.replace(".", "__")

    def __str__(self) -> str:
        return f"{self.kind} {self.name}" if self.kind != "fact" else self.name


@dataclass(frozen=True)
class Compare:
    """``subject op operand``; operand is a literal, a Ref, or a tuple of literals for list operators."""

    subject: Ref
    op: str
    operand: object
    span: Span | None = None


@dataclass(frozen=True)
class AllOf:
    items: tuple


@dataclass(frozen=True)
class AnyOf:
    items: tuple


@dataclass(frozen=True)
class Not:
    item: object


def leaves(node):
    """Every comparison (or, in an outcome's condition, every criterion named) in a condition tree."""
    if isinstance(node, (AllOf, AnyOf)):
        for item in node.items:
            yield from leaves(item)
    elif isinstance(node, Not):
        yield from leaves(node.item)
    elif node is not None:
        yield node


@dataclass(frozen=True)
class CriterionRef:
    id: str
    span: Span | None = None


@dataclass(frozen=True)
class FieldDef:
    """One case field. ``children`` holds the fields of a record, or of each item of a list."""

    path: str
    type: str
    text: str
    values: tuple = ()
    minimum: int | None = None
    maximum: int | None = None
    children: tuple = ()
    span: Span | None = None
    refers_to_area: bool = False
    min_items: int = 0
    not_after_decision_date: bool = False
    dated_by: str | None = None     # for a list: the item's date field (items after the decision date are left out)
    labels: tuple = ()              # ((value, plain words), ...) for choice and choices fields
    never_suggest: str | None = None   # why a change to this fact is never suggested (disregarded, or cannot change)

    @property
    def label(self) -> str:
        return self.path.rsplit(".", 1)[-1].replace("_", " ")


@dataclass(frozen=True)
class Vocabulary:
    """Every case field, by dotted path (items of lists are not in this table)."""

    fields: dict
    files: tuple = ()


@dataclass(frozen=True)
class SettingDef:
    name: str
    type: str
    text: str
    citation: str
    values: tuple = ()
    minimum: int | None = None
    maximum: int | None = None
    span: Span | None = None


class Dated:
    """Something in force from effective_from to effective_to (inclusive; open-ended when None)."""

    def in_force(self, on: dt.date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)


@dataclass(frozen=True)
class SettingsVersion(Dated):
    """An authority's settings in force for a period."""

    authority: str
    council: str
    version: str
    effective_from: dt.date
    effective_to: dt.date | None
    values: dict
    sources: dict
    digest: str
    file: str
    span: Span | None = None
    area: str | None = None         # the area's name as cases write it (e.g. "Leicester City")
    ends: str | None = None         # why no version follows this one (an end declared on purpose)
    origins: dict = field(default_factory=dict, compare=False)   # name -> (version, Span) where the value was set
    unconfirmed: dict = field(default_factory=dict)   # setting name -> what the council papers do not say



@dataclass(frozen=True)
class Derivation:
    """A value worked out before the facts reach the engine (counts, ages, date arithmetic)."""

    name: str
    text: str
    how: str                      # count | first | last | first_known | years_between | days_between | date_plus | date_minus
    spec: dict                    # the parsed parameters (Refs, where-condition, amounts)
    value_type: str               # count | integer | date | pick (a list item's field) | first_known
    citation: str | None = None
    span: Span | None = None


@dataclass(frozen=True)
class Criterion:
    id: str
    text: str
    citation: str
    condition: object
    note: str | None = None
    confidence: str | None = None
    span: Span | None = None
    waived_when: object | None = None   # a rebuttable gate: when it is waived (reported as 'waived')
    not_met_when_not_recorded: str | None = None   # a fact recording an act: not recorded means none (not met)


@dataclass(frozen=True)
class OutcomeRule:
    outcome: str
    when: object | None           # None means 'otherwise'
    text: str | None = None
    outputs: tuple = ()           # Outputs reported only when this outcome applies
    favourable: bool = False      # the outcome the person hopes for (what_would_change aims at it)


@dataclass(frozen=True)
class Disregard:
    fact: str
    text: str
    citation: str


@dataclass(frozen=True)
class Output:
    name: str
    text: str
    ref: Ref | None = None
    fixed: str | None = None
    only_when_met: str | None = None  # a criterion id: the value is given only when it is met


@dataclass(frozen=True)
class Variation(Dated):
    """A declared way in which one authority's decisions may differ from the others'."""

    id: str
    authority: str
    text: str
    decisions: tuple
    settings: tuple
    criteria: tuple
    outputs: tuple
    outcome_may_differ: bool
    justification: str
    source: str
    effective_from: dt.date
    effective_to: dt.date | None
    span: Span | None = None
    file: str | None = None


    def to_dict(self) -> dict:
        return {"id": self.id, "authority": self.authority, "text": self.text, "decisions": list(self.decisions),
                "settings": list(self.settings), "criteria": list(self.criteria), "outputs": list(self.outputs),
                "outcome_may_differ": self.outcome_may_differ, "justification": self.justification,
                "source": self.source, "effective_from": self.effective_from.isoformat(),
                "effective_to": self.effective_to.isoformat() if self.effective_to else None}


@dataclass(frozen=True)
class RuleSet(Dated):
    id: str
    decision: str
    version: str
    title: str
    effective_from: dt.date
    effective_to: dt.date | None
    applies_to: tuple
    sources: tuple
    derived: tuple
    criteria: tuple
    outcomes: tuple
    disregards: tuple
    outputs: tuple
    digest: str
    file: str
    notes: str | None = None
    span: Span | None = None
    national: bool = False
    ends: str | None = None         # why no version follows this one (an end declared on purpose)


    @property
    def period(self) -> str:
        end = self.effective_to.isoformat() if self.effective_to else "onwards"
        return f"{self.effective_from.isoformat()} to {end}" if self.effective_to else f"from {self.effective_from.isoformat()}"


@dataclass
class Corpus:
    """Everything loaded from one rules directory, before checks and compilation."""

    vocabulary: Vocabulary
    setting_defs: dict
    settings: list
    rule_sets: list
    folders: dict                  # file path -> folder name (shared, leicester, ...)
    variations: list = field(default_factory=list)
    letter_contents: list = field(default_factory=list)   # letter_content.LetterContent, national and per council
    warnings: list = field(default_factory=list)     # problems that do not stop the rules being used
    authorities: tuple = ()        # the authority folders: every folder under rules/ holding a settings.yaml
    sources: dict = field(default_factory=dict, repr=False)   # file -> SourceMap, to place problems found later
