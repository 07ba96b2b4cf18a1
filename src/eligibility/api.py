"""The library facade: load rules once, then decide many cases.

    rules/ ──read──▶ source ──schema──▶ validate ──build──▶ model ──check──▶ checks
                                                                         │
    case ──check──▶ cases            derive ◀── decide ◀── compile ◀────┘
                         └──────────────▶ engine (durable-rules) ──▶ Decision

Example::

    import eligibility
    engine = eligibility.load()
    d = engine.decide(case, decision="adult-eligibility", authority="rutland", on=date(2024, 5, 1))
    d.outcome, d.to_dict()
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path

from . import limits, stable_json
from . import model as m
from . import what_would_change
from .cases import CaseChecker, data_source_map
from .dates import is_date
from . import durable_engine
from .compile import compile_rule_set
from .decide import Prepared, decide
from .durable_engine import EngineLimitError
from .decision import Decision
from .diagnostics import CaseError, Diagnostic, EligibilityError, RuleFileError, Span, did_you_mean
from .limits import Limits
from .loader import bundled_rules_dir, read_corpus_cached
from .scope import Scope


def load(path: str | os.PathLike | None = None, limits: "Limits | None" = None) -> "Engine":
    """Load, check and compile a rules directory (the bundled LLR rules by default).

    ``limits`` sets the largest rule file read, e.g. ``limits=Limits(rule_bytes=8 * 1024 ** 2)``
    (by default 4 MiB, or what ELIGIBILITY_MAX_RULE_BYTES says). Raises RuleFileError with
    every problem found if any rule file is invalid.
    """
    root = (Path(path) if path is not None else bundled_rules_dir()).resolve()
    corpus, store = read_corpus_cached(root, limits)
    engine = Engine(corpus, root, register=store is not None)
    if store is not None:
        store()
    return engine


def check_rules(path: str | os.PathLike | None = None, limits: "Limits | None" = None) -> list[Diagnostic]:
    """Every problem in a rules directory; an empty list when it is valid. Never raises for bad files.

    Besides what loading checks, the solver is asked what no case could ever make happen
    (solver_checks.py: criteria never met or always met, outcomes never reached or hidden,
    count thresholds never reached), as ``eligibility validate`` does.
    """
    try:
        engine = load(path, limits)
    except RuleFileError as exc:
        return exc.diagnostics
    return [d for d in solver_problems(engine) if not d.code.startswith("W")]


def solver_problems(engine: "Engine") -> list[Diagnostic]:
    """The solver's checks of loaded rules: errors E320-E324 and warnings W302 (loads the solver)."""
    from . import solver_checks

    return solver_checks.check(engine)


class Engine:
    """Loaded rules, ready to decide cases. Safe to share between threads."""

    def __init__(self, corpus: m.Corpus, root: Path, *, register: bool = True):
        """Compile every rule set and (with ``register``) register it with the engine now.

        Registering at load time is what finds a rule set the engine cannot hold, as a
        located E309. ``register=False`` is for rules the engine has already accepted in
        exactly this form (the rules cache vouches for that); each is then registered
        before its first decision.
        """
        self.corpus = corpus
        self.root = root
        self.checker = CaseChecker(corpus.vocabulary, corpus.authorities)
        self._prepared = {}
        self._in_force = {}                         # (decision, authority, date) -> what a decision needs
        refused = []
        for rule_set in corpus.rule_sets:
            compiled = compile_rule_set(rule_set, Scope(corpus.vocabulary, corpus.setting_defs, rule_set,
                                                        corpus.authorities))
            file = f"{corpus.folders[rule_set.file]}/{os.path.basename(rule_set.file)}"
            if register:
                try:
                    durable_engine.register(compiled)
                except EngineLimitError as exc:
                    refused += _engine_limit_problems(rule_set, exc)
                    continue
            self._prepared[_key(rule_set)] = Prepared(compiled, corpus.vocabulary, corpus.setting_defs, file)
        if refused:
            raise RuleFileError(refused)

    def prepared_for(self, rule_set: m.RuleSet) -> Prepared:
        """The compiled, ready-to-run form of a loaded rule set."""
        return self._prepared[_key(rule_set)]

    # -- what is loaded ------------------------------------------------------------------
    @property
    def authorities(self) -> tuple:
        """The authorities: every folder of the rules directory that holds a settings.yaml."""
        return self.corpus.authorities

    @property
    def decisions(self) -> list[str]:
        return sorted({rs.decision for rs in self.corpus.rule_sets})

    def rule_set_for(self, decision: str, authority: str, on: dt.date) -> m.RuleSet | None:
        for rs in self.corpus.rule_sets:
            if rs.decision == decision and authority in rs.applies_to and rs.in_force(on):
                return rs
        return None

    def settings_for(self, authority: str, on: dt.date) -> m.SettingsVersion | None:
        return next((s for s in self.corpus.settings if s.authority == authority and s.in_force(on)), None)

    # -- checking and deciding -------------------------------------------------------------
    def check_case(self, case, smap=None) -> list[Diagnostic]:
        """Every problem with a case (as data or as read from a file); empty when valid."""
        return self.checker.check(case, smap or data_source_map())

    def decide(self, case: Mapping, decision: str | None = None, authority: str | None = None,
               on: dt.date | str | None = None, *, smap=None, suggest_changes: bool = False) -> Decision:
        """Decide one case (any mapping). Arguments override what the case itself says.

        With ``suggest_changes=True`` (as the command line and letters use it), a decision whose
        outcome is not the favourable one also lists what would change it
        (``what_would_change``), each way verified by the engine. It is off by default because
        the search costs tens of milliseconds per such decision, which bulk callers (the
        consistency search, property tests) do not need.

        Raises CaseError (invalid case, or nothing to decide it under) or EvaluationError
        (the engine misbehaved; no decision is given).
        """
        result = self._decide(case, decision, authority, on, smap=smap)
        if suggest_changes:
            rule_set = self.rule_set_for(result.decision, result.authority, result.decided_on)
            settings = self.settings_for(result.authority, result.decided_on)
            changes = what_would_change.search(self, self.prepared_for(rule_set), _plain(case), result, settings)
            if changes:
                result = dataclasses.replace(result, what_would_change=changes)
        return result

    def _decide(self, case, decision=None, authority=None, on=None, *, smap=None, fact_order=None) -> Decision:
        smap = smap or data_source_map()
        try:                                # refuse data too deep or too large, and copy it as plain data
            case = limits.plain_copy(case)
        except limits.InputRefused as exc:
            raise CaseError([limits.refused(exc, smap, "C406")]) from None
        problems = self.checker.check(case, smap, shape_checked=True)
        if problems and _has_dates(case):
            case = _dates_as_text(case)
            problems = self.checker.check(case, smap, shape_checked=True)
        if problems:
            raise CaseError(problems)
        given = _given_as_arguments(decision, authority, on)
        decision, authority, on = self._resolve(case, decision, authority, on, smap)
        problems = self.checker.dates_after(case.get("facts") or {}, on, smap)
        if problems:
            raise CaseError(problems)
        in_force = self._in_force.get((decision, authority, on))
        if in_force is None:
            rule_set = self.rule_set_for(decision, authority, on)
            if rule_set is None:
                raise CaseError([self._nothing_in_force(decision, authority, on, smap, given)])
            in_force = (self.prepared_for(rule_set), self.settings_for(authority, on),
                        self.variations_for(authority, decision, on))
            if len(self._in_force) >= 4096:         # many distinct dates: keep the memo small
                self._in_force.clear()
            self._in_force[(decision, authority, on)] = in_force
        prepared, settings, variations = in_force
        return decide(prepared, case.get("facts") or {}, authority, on, settings, case.get("ref"), fact_order,
                      variations, _case_as_decided(case, decision, authority, on))

    def decide_or_none(self, facts: dict, decision: str, authority: str, on: dt.date) -> Decision | None:
        """The decision for these facts, or None when the case is refused (for example, no rules in force):
        for comparing authorities or rule versions on generated cases."""
        try:
            return self.decide({"facts": facts}, decision, authority, on)
        except CaseError:
            return None

    def variations_for(self, authority: str, decision: str, on: dt.date) -> tuple:
        """The declared variations of an authority that bear on a decision on a date."""
        return tuple(v for v in self.corpus.variations
                     if v.authority == authority and decision in v.decisions and v.in_force(on))

    def resolve(self, case: dict, decision=None, authority=None, on=None, smap=None) -> tuple:
        """(decision, authority, date) for a case: the arguments, else what the case says; CaseError if any is missing."""
        return self._resolve(case, decision, authority, on, smap or data_source_map())

    def reference_statuses(self, case: dict, decision=None, authority=None, on=None) -> dict:
        """criterion id -> 'met' | 'not_met' | 'unknown' by the pure-Python reference evaluator.

        For testing the engine against an independent reading of the same facts; decisions
        always come from the engine (``decide``).
        """
        from .reference import criterion_statuses
        return criterion_statuses(self, case, decision, authority, on)

    def _resolve(self, case, decision, authority, on, smap):
        given = _given_as_arguments(decision, authority, on)
        decision = decision if decision is not None else case.get("decision")
        authority = authority if authority is not None else case.get("authority")
        on = on if on is not None else case.get("assessment_date")
        problems = []
        where = smap.span(())

        def at(key):
            """Where a value came from: the case's own key, or (given as an argument) the case as a whole."""
            if key in given:
                return Span(where.file), "$"
            if key not in case:
                return where, "$"
            return smap.span((key,)), f"$.{key}"

        if decision is None:
            problems.append(Diagnostic("C404", "the case does not say which decision to make", where, "$",
                                       f"give --decision (one of: {', '.join(self.decisions)}) or 'decision:' in the case"))
        if authority is None:
            problems.append(Diagnostic("C404", "the case does not say which authority it is with", where, "$",
                                       "give --authority or 'authority:' in the case"))
        elif not isinstance(authority, str) or authority not in self.authorities:
            problems.append(Diagnostic("C404", f"'{authority}' is not an authority{_as_argument('authority', given)}",
                                       *at("authority"),
                                       did_you_mean(authority, self.authorities) or f"one of: {', '.join(self.authorities)}"))
        if on is None:
            problems.append(Diagnostic("C404", "the case does not say which date to decide it as at", where, "$",
                                       "give --on YYYY-MM-DD or 'assessment_date:' in the case"))
        elif isinstance(on, dt.datetime) or not isinstance(on, (dt.date, str)) or (isinstance(on, str) and not is_date(on)):
            problems.append(Diagnostic("C404", f"{on!r} is not a date written YYYY-MM-DD (or a date without a time)"
                                       f"{_as_argument('assessment_date', given)}",
                                       *at("assessment_date"), "write dates as YYYY-MM-DD, e.g. 2024-05-01"))
        elif isinstance(on, str):
            on = dt.date.fromisoformat(on)
        if decision is not None and not isinstance(decision, str):
            problems.append(Diagnostic("C404", f"{decision!r} is not the name of a decision", where, "$",
                                       f"one of: {', '.join(self.decisions)}"))
        if problems:
            raise CaseError(problems)
        return decision, authority, on

    def _nothing_in_force(self, decision, authority, on, smap, given=frozenset()) -> Diagnostic:
        def at(key):
            if key in given:
                return Span(smap.span(()).file), "$"
            if (key,) not in smap.positions:
                return smap.span(()), "$"
            return smap.span((key,)), f"$.{key}"

        where, path = at("assessment_date")
        if decision not in self.decisions:
            where, path = at("decision")
            close = did_you_mean(decision, self.decisions)
            return Diagnostic("C405", f"no rule set makes '{decision}' decisions{_as_argument('decision', given)}",
                              where, path,
                              (f"{close} " if close else "") + f"known decisions: {', '.join(self.decisions)}")
        periods = sorted(f"{rs.period} (version {rs.version})" for rs in self.corpus.rule_sets
                         if rs.decision == decision and authority in rs.applies_to)
        return Diagnostic("C405", f"no rules for '{decision}' are in force for {authority} on {on.isoformat()}"
                                  f"{_as_argument('assessment_date', given)}",
                          where, path, ("rules in force: " + "; ".join(periods)) if periods else
                          f"no rule set for '{decision}' applies to {authority}")


def _given_as_arguments(decision, authority, on) -> frozenset:
    """Which of the case's own keys were overridden by arguments (--decision, --authority, --on)."""
    return frozenset(key for key, value in (("decision", decision), ("authority", authority),
                                            ("assessment_date", on)) if value is not None)


_OPTION = {"decision": "--decision / decision=", "authority": "--authority / authority=",
           "assessment_date": "--on / on="}


def _as_argument(key: str, given: frozenset) -> str:
    """Says that a value came from an argument, not from the case file, so no line of the file is blamed."""
    return f" (given with {_OPTION[key]}, not read from the case)" if key in given else ""


def _engine_limit_problems(rule_set: m.RuleSet, exc: EngineLimitError) -> list[Diagnostic]:
    hint = "split the criterion into simpler criteria and combine them in 'outcomes'"
    if not exc.culprits:
        return [Diagnostic("E309", f"the rules engine cannot hold rule set '{rule_set.id}' as a whole ({exc})",
                           rule_set.span or Span(rule_set.file), "$", "split the rule set, or use fewer criteria")]
    spans = {c.id: (c.span, i) for i, c in enumerate(rule_set.criteria)}
    return [Diagnostic("E309", f"criterion '{cid}' is too complex for the rules engine ({exc})",
                       spans[cid][0] or Span(rule_set.file), f"$.criteria[{spans[cid][1]}]", hint)
            for cid in exc.culprits]


_LEAVES = frozenset((str, int, bool, float, type(None)))


def _plain(value):
    """Case data as plain dicts and lists (a case may be given as any mapping, e.g. a mappingproxy)."""
    kind = type(value)
    if kind is dict:
        return {k: v if type(v) in _LEAVES else _plain(v) for k, v in value.items()}
    if kind is list:
        return [v if type(v) in _LEAVES else _plain(v) for v in value]
    if kind in _LEAVES:
        return value
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _key(rule_set: m.RuleSet) -> tuple:
    """Compiled rule sets are kept by identity (id and version) and content (digest)."""
    return rule_set.id, rule_set.version, rule_set.digest


def _case_as_decided(case: dict, decision: str, authority: str, on: dt.date) -> str:
    """The case as decided, shaped like a case file, as canonical JSON: it re-decides to the same record."""
    as_decided = {"decision": decision, "authority": authority, "assessment_date": on.isoformat(),
                  "facts": case.get("facts") or {}}
    if case.get("ref") is not None:
        as_decided["ref"] = case["ref"]
    # a checked case holds only whole numbers (the case fields admit no other)
    return stable_json.compact(as_decided, default=_date_as_text, whole_numbers=True)


def _date_as_text(value):
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a case value")


def _has_dates(value) -> bool:
    if isinstance(value, dict):
        return any(_has_dates(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_dates(v) for v in value)
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


def _dates_as_text(value):
    """Accept datetime.date values in case data given directly; the rules read dates as YYYY-MM-DD."""
    if isinstance(value, dict):
        return {k: _dates_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_as_text(v) for v in value]
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    return value


__all__ = ["Engine", "load", "check_rules", "EligibilityError", "Span", "Limits"]
