"""The Decision record: what was decided, under which rules, and why. Immutable."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field

PACKAGE = "eligibility"


def package_version() -> str:
    """The version of this package, as its code declares it (``eligibility.__version__``).

    The installed metadata says the same (tests/test_audit_records.py checks it), but reading
    it imports importlib.metadata and opens files: about 45 ms, a sixth of an
    ``eligibility check``.
    """
    from . import __version__
    return __version__

from . import stable_json
from .stable_json import Fixed

_codes: dict = {}                       # kind of decision -> its code in a reference (RAE for rehab-assessment...)



@dataclass(frozen=True)
class RuleSetUsed:
    id: str
    version: str
    title: str
    effective_from: dt.date
    effective_to: dt.date | None
    digest: str
    file: str
    sources: tuple = ()             # the rule set's legal and policy sources

    def to_dict(self) -> dict:
        return {"id": self.id, "version": self.version, "title": self.title, "sources": list(self.sources),
                "effective_from": self.effective_from.isoformat(),
                "effective_to": self.effective_to.isoformat() if self.effective_to else None,
                "sha256": self.digest, "file": self.file}


@dataclass(frozen=True)
class SettingsUsed:
    authority: str
    council: str
    version: str
    effective_from: dt.date
    effective_to: dt.date | None
    digest: str
    values: tuple                   # ((name, value, source), ...) for the settings this decision read
    unconfirmed: tuple = ()         # ((name, what the council papers do not say), ...) among those settings

    def to_dict(self) -> dict:
        notes = dict(self.unconfirmed)
        return {"authority": self.authority, "council": self.council, "version": self.version,
                "effective_from": self.effective_from.isoformat(),
                "effective_to": self.effective_to.isoformat() if self.effective_to else None,
                "sha256": self.digest,
                "values": {name: {"value": value, "source": source,
                                  **({"confidence": "unconfirmed", "note": notes[name]} if name in notes else {})}
                           for name, value, source in self.values}}


_wording = threading.RLock()           # one for every LazyText (re-entrant: one reason may read another)


class LazyText:
    """A sentence written only when first read (explanations cost more to word than to decide)."""

    __slots__ = ("_make", "_text")

    def __init__(self, make):
        self._make, self._text = make, None

    def __call__(self) -> str:
        if self._text is None:
            with _wording:
                if self._text is None:
                    self._text = self._make()
                    self._make = None
        return self._text


@dataclass(frozen=True, init=False)
class CriterionResult:
    id: str
    status: str                     # met | not_met | waived | unknown
    text: str
    citation: str
    explanation: object = field(compare=False, repr=False)   # the reason: text, or LazyText
    facts_used: tuple = ()          # ((name, value), ...) as the engine saw them
    needed: tuple = ()              # fact paths that would settle an unknown criterion
    note: str | None = None
    confidence: str | None = None

    def __init__(self, id, status, text, citation, explanation, facts_used=(), needed=(), note=None,
                 confidence=None):
        # Every decision makes one per criterion: setting the fields at once is twice as fast as the
        # frozen dataclass's own __init__ (one object.__setattr__ per field). The instance stays frozen.
        # tests/test_runtime.py checks that this sets exactly the fields declared above.
        self.__dict__.update(id=id, status=status, text=text, citation=citation, explanation=explanation,
                             facts_used=facts_used, needed=needed, note=note, confidence=confidence)

    @property
    def reason(self) -> str:
        """Why the criterion is met, not met, waived or unknown, one clause per comparison."""
        return self.explanation if isinstance(self.explanation, str) else self.explanation()

    def to_dict(self) -> dict:
        return {"id": self.id, "status": self.status, "text": self.text, "citation": self.citation,
                "reason": self.reason, "facts_used": dict(self.facts_used), "needed": list(self.needed),
                "note": self.note, "confidence": self.confidence}


@dataclass(frozen=True)
class MissingFact:
    fact: str
    text: str
    needed_for: tuple

    def to_dict(self) -> dict:
        return {"fact": self.fact, "text": self.text, "needed_for": list(self.needed_for)}


@dataclass(frozen=True)
class FactChange:
    fact: str
    before: object                  # as the case recorded it (None: not recorded)
    after: object

    def to_dict(self) -> dict:
        return {"fact": self.fact, "from": self.before, "to": self.after}


@dataclass(frozen=True)
class WhatWouldChange:
    """A smallest set of fact changes that the engine decides with a different (favourable) outcome."""

    changes: tuple                  # FactChange, ...
    outcome: str

    def to_dict(self) -> dict:
        return {"changes": [c.to_dict() for c in self.changes], "outcome": self.outcome}


@dataclass(frozen=True, init=False)
class Decision:
    """One decision with its complete explanation. ``to_dict()``/``to_json()`` give the written record.

    The record is reproducible from itself: it holds the case as decided (``case``), the
    package and engine that decided it, and the identity (id, version, sha256) of the rule
    set and settings used. The same case and rules give the same bytes. When and by whom
    it was issued is kept beside it, not in it (``record.issue``).
    """

    outcome: str
    outcome_reason: str
    decision: str
    authority: str
    decided_on: dt.date
    case_ref: str | None
    rule_set: RuleSetUsed
    settings: SettingsUsed | None
    criteria: tuple
    derived: tuple
    missing_facts: tuple
    disregarded: tuple              # ((fact, text, citation), ...)
    outputs: tuple                  # ((name, text, value), ...)
    engine: str
    variations: tuple = ()          # declared variations of this authority in force for this decision
    unconfirmed: tuple = ()         # ((criterion|output|derived, name, "unconfirmed: ..."), ...) resting on unconfirmed settings
    left_out: tuple = ()            # LeftOut items: dated after the decision date, so not used
    case: str = "{}"                # the case as decided, in the shape of a case file: canonical JSON text
    what_would_change: tuple = ()   # WhatWouldChange, ...: verified ways to the favourable outcome

    def __init__(self, outcome, outcome_reason, decision, authority, decided_on, case_ref, rule_set, settings,
                 criteria, derived, missing_facts, disregarded, outputs, engine, variations=(), unconfirmed=(),
                 left_out=(), case="{}", what_would_change=()):
        # The fields set at once, as CriterionResult does (twice as fast as the frozen dataclass's own
        # __init__); the instance stays frozen. tests/test_runtime.py checks the fields match.
        self.__dict__.update(outcome=outcome, outcome_reason=outcome_reason, decision=decision, authority=authority,
                             decided_on=decided_on, case_ref=case_ref, rule_set=rule_set, settings=settings,
                             criteria=criteria, derived=derived, missing_facts=missing_facts,
                             disregarded=disregarded, outputs=outputs, engine=engine, variations=variations,
                             unconfirmed=unconfirmed, left_out=left_out, case=case,
                             what_would_change=what_would_change)

    @property
    def reference(self) -> str:
        """The reference a letter quotes: the case reference, the kind of decision and its date."""
        code = _codes.get(self.decision)
        if code is None:
            code = "".join(word[:2] if word == "rehab" else word[0] for word in self.decision.split("-")).upper()
            if len(_codes) < 1024:
                _codes[self.decision] = code
        on = self.decided_on                # as strftime('%Y%m%d') writes it, without its cost
        return f"{self.case_ref or 'NO-CASE-REF'}-{code}-{on.year}{on.month:02d}{on.day:02d}"

    def criterion(self, criterion_id: str) -> CriterionResult:
        return next(c for c in self.criteria if c.id == criterion_id)

    def unconfirmed_note(self, kind: str, name: str) -> str | None:
        """'unconfirmed: the council papers do not say ...' for a criterion, output or derived value resting on one."""
        return next((text for k, n, text in self.unconfirmed if k == kind and n == name), None)

    def to_dict(self) -> dict:
        return self._record(lambda _key, make: make())

    def _record(self, fixed) -> dict:
        """The record; ``fixed(key, make)`` gives each part that is the same for every decision under a rule set."""
        notes = {}
        for kind, name, text in self.unconfirmed:
            notes.setdefault((kind, name), text)            # the first note, as unconfirmed_note reads it

        def with_note(item: dict, kind: str, name: str) -> dict:
            note = notes.get((kind, name))
            if note:
                item["unconfirmed"] = note
            return item

        if not notes:                       # most decisions rest on no unconfirmed setting
            def with_note(item, _kind, _name):
                return item

        return {
            "outcome": self.outcome,
            "outcome_reason": self.outcome_reason,
            "decision": self.decision,
            "authority": self.authority,
            "decided_on": self.decided_on.isoformat(),
            "case_ref": self.case_ref,
            "rule_set": fixed(("rule_set", self.rule_set), self.rule_set.to_dict),
            "settings": fixed(("settings", self.settings), self.settings.to_dict) if self.settings else None,
            "criteria": [with_note(c.to_dict(), "criterion", c.id) for c in self.criteria],
            "derived": [with_note(d.to_dict(), "derived", d.name) for d in self.derived],
            "missing_facts": [m.to_dict() for m in self.missing_facts],
            "disregarded": fixed(("disregarded", self.disregarded),
                                 lambda: [{"fact": f, "text": t, "citation": c} for f, t, c in self.disregarded]),
            "outputs": {name: with_note({"text": text, "value": value}, "output", name)
                        for name, text, value in self.outputs},
            "engine": self.engine,
            "variations": fixed(("variations", self.variations), lambda: [v.to_dict() for v in self.variations]),
            "left_out": [item.to_dict() for item in self.left_out],
            # what makes the record reproducible from itself (see eligibility verify)
            "case": stable_json.parse(self.case),
            "package": {"name": PACKAGE, "version": package_version()},
            "what_would_change": [w.to_dict() for w in self.what_would_change],
            "reference": self.reference,
        }

    def to_json(self) -> str:
        """Stable JSON: the same case and rules always give the same bytes.

        Exactly ``json.dumps(self.to_dict(), sort_keys=True, indent=2, ensure_ascii=False)``;
        the parts shared by every decision under a rule set are written once.

        Every number in a record is a whole number: the case check admits no other in the
        facts, the settings schema none in the settings, and derived values are counts, days
        and years. The case text is looked at to be sure, since it is what a caller gives.
        """
        if stable_json.orjson is not None and stable_json.FRACTION_IN_TEXT.search(self.case) is None:
            text = stable_json.dumps_record(self._record(stable_json.fragment))
            if text is not None:
                return text
        return stable_json.dumps_pure(self._record(Fixed))
