"""One decision: derive values, run the engine, check what it did, and write the record.

The engine decides every criterion (met / not met / unknown). The outcome is then read
off the criterion results in the order the rule set lists its outcomes. Before any
decision leaves this module, the engine's work is checked: exactly one result per
criterion, and that result agrees with the three-valued reading of the very facts the
engine bound. Any disagreement raises EvaluationError — no decision rather than a
possibly wrong one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools

from . import durable_engine, explain, logic, unconfirmed
from .as_at import as_at, dated_lists
from . import model as m
from .compile import CompiledRuleSet
from .decision import CriterionResult, Decision, LazyText, MissingFact, RuleSetUsed, SettingsUsed
from .derive import derive_all
from .diagnostics import EvaluationError
from .scope import derivation_refs, refs_in
from .values import Lookup, record_value

# When no outcome holds on the facts known, every way the unknown criteria could turn out is
# tried, up to this many unknown criteria (2**12 ways); with more, the case waits for facts.
# The SMT encoding (smt.py) reads this number so that it decides exactly as the engine does.
MAX_UNKNOWN_TRIED = 12


class Prepared:
    """A compiled rule set with everything a decision needs precomputed."""

    def __init__(self, compiled: CompiledRuleSet, vocabulary: m.Vocabulary, setting_defs: dict, file: str):
        self.compiled = compiled
        self.rule_set = compiled.rule_set
        self.vocabulary = vocabulary
        self.setting_defs = setting_defs
        self.refs = {c.criterion.id: tuple(dict.fromkeys(refs_in(c.criterion.condition))) for c in compiled.criteria}
        self.used_names = {cid: tuple(map(_used_name, refs)) for cid, refs in self.refs.items()}
        self.settings_read = tuple(sorted({r.name for refs in self.refs.values() for r in refs if r.kind == "setting"}
                                          | {o.ref.name for o in _all_outputs(self.rule_set)
                                             if o.ref is not None and o.ref.kind == "setting"}
                                          | _derivation_settings(self.rule_set)))
        rs = self.rule_set
        self.used = RuleSetUsed(rs.id, rs.version, rs.title, rs.effective_from, rs.effective_to, rs.digest, file,
                                tuple(s["cite"] for s in rs.sources))
        self.recheck = {c.criterion.id: logic.compiled(c.condition) for c in compiled.criteria}
        # reasons are worded from the negation-normal form, so "not A" reads as the complement of A
        self.wording = {c.criterion.id: logic.negation_normal_form(c.condition) for c in compiled.criteria}
        self.phrases = explain.static_phrases([a for tree in self.wording.values() for a in logic.atoms(tree)],
                                              {d.name: d.text for d in self.rule_set.derived})
        self.decisive = _criteria_in_outcomes(self.rule_set)
        self._outcomes = {}                 # criterion statuses, in order -> outcome (see ``outcome``)
        self._settings_used = {}            # id(settings version) -> (it, its SettingsUsed)
        self.disregarded = tuple((d.fact, d.text, d.citation) for d in self.rule_set.disregards)
        # each criterion's engine fact: its type, then each reference with its key and, for a case
        # fact, its declared type (its engine value is then made without looking the type up)
        self._fact_plan = tuple((c.fact_type, tuple((ref, ref.key, vocabulary.fields[ref.name].type
                                                     if ref.kind == "fact" else None)
                                                    for ref in self.refs[c.criterion.id]))
                                for c in compiled.criteria)
        self.settings_behind = unconfirmed.SettingsBehind(self.rule_set)
        self.dated_lists = dated_lists(vocabulary)
        self._notes = {}                    # (id(settings), id(outcome rule)) -> (them, their unconfirmed notes)
        # what the re-check of each criterion needs, looked up once here rather than per decision
        self.checks = tuple((c, c.criterion, self.recheck[c.criterion.id], self.refs[c.criterion.id],
                             self.used_names[c.criterion.id], self.wording[c.criterion.id])
                            for c in compiled.criteria)
        self.labels = {}                    # engine label -> (criterion id, status), split once
        # the criteria a decision reports (not the waivers), each with the id its waiver would have
        self.gates = tuple((c.criterion, m.WAIVER_PREFIX + c.criterion.id)
                           for c in compiled.criteria if c.waiver_of is None)
        self._outputs = {}                  # id(outcome rule) -> (it, its outputs then the rule set's)

    def outputs_for(self, rule) -> tuple:
        """The outputs a decision with this outcome rule (or None) records, in order."""
        found = self._outputs.get(id(rule))
        if found is None or found[0] is not rule:
            found = (rule, (tuple(rule.outputs) if rule is not None else ()) + tuple(self.rule_set.outputs))
            self._outputs[id(rule)] = found
        return found[1]

    def settings_used(self, settings: m.SettingsVersion | None) -> SettingsUsed | None:
        """The record of the settings this rule set reads, from one settings version (made once per version)."""
        if settings is None:
            return None
        found = self._settings_used.get(id(settings))
        if found is None or found[0] is not settings:
            found = (settings, _settings_used(settings, self.settings_read))
            self._settings_used[id(settings)] = found
        return found[1]

    def unconfirmed_notes(self, results, rule, outputs, settings) -> tuple:
        """The notes on criteria and outputs resting on unconfirmed settings (made once per outcome and settings)."""
        key = (id(settings), id(rule))
        found = self._notes.get(key)
        if found is None or found[0] is not settings or found[1] is not rule:
            found = (settings, rule, self.settings_behind.notes([r.id for r in results], outputs, settings))
            self._notes[key] = found
        return found[2]

    def outcome(self, results) -> tuple:
        """(outcome, reason, outcome rule or None) for the criterion results; each pattern of results worked out once."""
        key = tuple(r.status for r in results)
        found = self._outcomes.get(key)
        if found is None:
            found = _outcome(self.rule_set, {r.id: r.status for r in results})
            if len(self._outcomes) >= 4096:
                self._outcomes.clear()
            self._outcomes[key] = found
        return found

    def engine_facts(self, lookup: Lookup) -> list[dict]:
        """One fact per criterion, holding only the values that criterion reads."""
        facts, entries = [], {}
        for fact_type, refs in self._fact_plan:
            fact = {"t": fact_type}
            for ref, key, field_type in refs:
                found = entries.get(key)
                if found is None:
                    found = entries[key] = (lookup.engine_entries(ref) if field_type is None
                                            else lookup.fact_entries(ref, field_type))
                fact.update(found)
            facts.append(fact)
        return facts


def _criteria_in_outcomes(rs: m.RuleSet) -> frozenset:
    """The criteria some outcome depends on (only their missing facts can be needed)."""
    return frozenset(ref.id for rule in rs.outcomes for ref in m.leaves(rule.when))


def _all_outputs(rs: m.RuleSet) -> list:
    return list(rs.outputs) + [o for rule in rs.outcomes for o in rule.outputs]


def _derivation_settings(rs: m.RuleSet) -> set:
    return {r.name for d in rs.derived for r in derivation_refs(d) if r.kind == "setting"}


def decide(prepared: Prepared, facts: dict, authority: str, on: dt.date, settings: m.SettingsVersion | None,
           case_ref: str | None, fact_order=None, variations=(), case: str = "{}") -> Decision:
    """Decide one checked case with a prepared rule set.

    ``fact_order`` permutes the engine facts; tests use it to show that the order in
    which facts reach the engine cannot change a result.
    """
    rs = prepared.rule_set
    lookup, derived = derived_values(prepared, facts, authority, on, settings)
    engine_facts = prepared.engine_facts(lookup)
    if fact_order is not None:
        engine_facts = [engine_facts[i] for i in fact_order]
    fired = durable_engine.run(prepared.compiled, engine_facts)
    evaluated = checked_results(prepared, fired, lookup)
    results = tuple(_unrecorded_act(criterion, _with_waiver(evaluated[criterion.id], evaluated.get(waiver_id)), lookup)
                    for criterion, waiver_id in prepared.gates)
    outcome, outcome_reason, rule = prepared.outcome(results)
    missing = (_missing([r for r in results if r.id in prepared.decisive], prepared.vocabulary)
               if outcome == "insufficient_information" else ())
    outputs = prepared.outputs_for(rule)
    return Decision(
        outcome=outcome, outcome_reason=outcome_reason, decision=rs.decision, authority=authority, decided_on=on,
        case_ref=case_ref, rule_set=prepared.used, settings=prepared.settings_used(settings),
        criteria=results, derived=tuple(derived.values()), missing_facts=missing,
        disregarded=prepared.disregarded,
        outputs=tuple((o.name, o.text, _output_value(o, lookup, results)) for o in outputs),
        variations=variations, left_out=lookup.left_out,
        unconfirmed=prepared.unconfirmed_notes(results, rule, outputs, settings),
        engine=durable_engine.ENGINE_NAME, case=case)


def _output_value(output: m.Output, lookup: Lookup, results: tuple):
    """An output's value for the record: its fixed text, or the value it refers to (None when it
    depends on a criterion that is not met, or not known to be met)."""
    if output.ref is None:
        return output.fixed
    if output.only_when_met is not None and next(r for r in results if r.id == output.only_when_met).status != "met":
        return None
    return record_value(lookup.value(output.ref))


def derived_values(prepared: Prepared, facts: dict, authority: str, on: dt.date, settings):
    """The values the rules read (a Lookup) and every derived value, computed in Python.

    The case is taken as at the decision date: list items dated after it are left out first.
    """
    facts, left_out = as_at(facts, prepared.dated_lists, on)
    lookup = Lookup(prepared.vocabulary, prepared.setting_defs, facts, settings.values if settings else {}, on, authority)
    lookup.left_out = left_out
    derived = derive_all(prepared.rule_set, prepared.compiled.derivations, lookup, prepared.compiled.joins,
                         prepared.compiled.takes)
    return lookup, derived


def engine_input(prepared: Prepared, facts: dict, authority: str, on: dt.date, settings):
    """Derived values and the engine facts for one case (the same input for the engine and the reference)."""
    lookup, derived = derived_values(prepared, facts, authority, on, settings)
    return lookup, derived, prepared.engine_facts(lookup)


def checked_results(prepared: Prepared, fired, lookup: Lookup) -> dict:
    """criterion id -> CriterionResult, after checking every result the engine gave.

    Raises EvaluationError unless each criterion has exactly one result and that result
    follows, in the three-valued logic, from the very fact the engine bound.
    """
    statuses = _statuses(prepared, fired)
    return {check[1].id: _criterion_result(prepared, check, statuses[check[1].id], lookup)
            for check in prepared.checks}


def _used_name(ref: m.Ref) -> str:
    return ref.name if ref.kind == "fact" else f"{ref.kind}.{ref.name}"


def _statuses(prepared: Prepared, fired) -> dict:
    """criterion id -> (status, bound fact); raises unless each criterion has exactly one result."""
    found = {}
    labels = prepared.labels
    for label, fact in fired:
        parts = labels.get(label)
        if parts is None:
            parts = labels[label] = tuple(label.split("/"))
        criterion_id, status = parts
        if criterion_id == "__sink":
            raise EvaluationError("the engine fired its never-firing sink rule")
        previous = found.get(criterion_id)
        if previous is not None and previous[0] != status:
            raise EvaluationError(f"the engine found criterion '{criterion_id}' both {previous[0]} and {status}")
        found[criterion_id] = (status, fact)
    for compiled in prepared.compiled.criteria:
        if compiled.criterion.id not in found:
            raise EvaluationError(f"the engine gave no result for criterion '{compiled.criterion.id}'")
    return found


def _criterion_result(prepared: Prepared, check, engine_result, lookup: Lookup) -> CriterionResult:
    compiled, criterion, recheck, refs, used_names, tree = check
    status, bound = engine_result
    if _STATUS[recheck(bound)] != status:
        raise EvaluationError(f"the engine's result for criterion '{criterion.id}' ({status}) does not follow "
                              "from the facts it was given")
    values = lookup.values_of(refs)
    facts_used = tuple(zip(used_names, [record_value(v) for v in values]))
    needed = ()
    if status == "unknown":
        unknown_keys = {k for a in logic.unsettled_atoms(compiled.condition, bound) for k in a.keys()}
        needed = tuple(dict.fromkeys(path for ref in refs for path in _needed_for(ref, unknown_keys, lookup)))
    wording = LazyText(lambda: explain.reason(status, tree, bound, lookup, dict(zip(refs, values)), prepared.phrases))
    return CriterionResult(criterion.id, status, criterion.text, criterion.citation, wording,
                           facts_used, needed, criterion.note, criterion.confidence)


_STATUS = {True: "met", False: "not_met", None: "unknown"}


def _needed_for(ref: m.Ref, unknown_keys: set, lookup: Lookup) -> tuple:
    """Missing facts behind a reference used by a comparison that is still unknown."""
    if ref.key not in unknown_keys and ref.key + "__lo" not in unknown_keys:
        return ()
    return lookup.missing_for(ref)


def _with_waiver(gate: CriterionResult, waiver: CriterionResult | None) -> CriterionResult:
    """A rebuttable gate: met; else waived when a waiver is recorded; else as the gate itself found.

    A waiver is a decision the approver records, not a fact about the person: when none is
    recorded there is none, so a gate that is not met stays not met.
    """
    if waiver is None or gate.status == "met":
        return gate
    if waiver.status == "met":
        facts = tuple(dict(gate.facts_used + waiver.facts_used).items())
        return dataclasses.replace(gate, status="waived", facts_used=facts, needed=(),
                                   explanation=LazyText(lambda: f"{gate.reason}; waived: {waiver.reason}"))
    return dataclasses.replace(gate, explanation=LazyText(lambda: f"{gate.reason}; no waiver is recorded"))


def act_not_recorded(criterion: m.Criterion, lookup: Lookup) -> bool:
    """True when the criterion names a fact recording an act (not_met_when_not_recorded) and it is not recorded."""
    fact = criterion.not_met_when_not_recorded
    if fact is None:
        return False
    ref = _fact_refs.get(fact)
    if ref is None:
        ref = _fact_refs[fact] = m.Ref("fact", fact)
    return lookup.value(ref) is None


_fact_refs: dict = {}                   # fact path -> its Ref, made once (refs are immutable)


def _unrecorded_act(criterion: m.Criterion, result: CriterionResult, lookup: Lookup) -> CriterionResult:
    """A criterion about a recorded act (a refusal with reasons, a request) is not met when none is recorded.

    Like a waiver, such an act is not a fact about the person that may simply be missing:
    when none is recorded there was none, so nothing is asked for.
    """
    if result.status != "unknown" or not act_not_recorded(criterion, lookup):
        return result
    return dataclasses.replace(result, status="not_met", needed=(),
                               explanation=LazyText(lambda: f"{result.reason}; none is recorded, so there was none"))


def _outcome(rs: m.RuleSet, statuses: dict):
    """The outcome the criteria decide, or insufficient_information when a missing fact could change it.

    Outcomes are tried in order. When some criteria are unknown, every way they could turn
    out is tried: if all give the same outcome, that is the decision; otherwise it waits for
    the missing facts.
    """
    truth = {"met": True, "waived": True, "not_met": False, "unknown": None}
    known = {k: truth[v] for k, v in statuses.items()}
    rule = _first_holding(rs, known)
    if rule is None:
        unknown = [k for k, v in known.items() if v is None]
        results = {id(_first_holding(rs, dict(known, **dict(zip(unknown, combo)))))
                   for combo in itertools.product((True, False), repeat=len(unknown))} if len(unknown) <= MAX_UNKNOWN_TRIED \
            else {None}
        if len(results) == 1 and None not in results:
            rule = next(r for r in rs.outcomes if id(r) in results)
        else:
            pending = next(r for r in rs.outcomes if r.when is None or _evaluate_outcome(r.when, known) is not False)
            return "insufficient_information", (f"whether the outcome is {pending.outcome} depends on facts that are "
                                                "not recorded; see the missing information below"), None
    if rule.when is None:
        return rule.outcome, rule.text or f"no earlier outcome applies, so the outcome is {rule.outcome}", rule
    return rule.outcome, rule.text or f"the conditions for {rule.outcome} are met", rule


def outcome_from_statuses(rs: m.RuleSet, statuses: dict) -> str:
    """The outcome that criterion statuses (met, waived, not_met, unknown) give, as a decision would."""
    return _outcome(rs, statuses)[0]


def reference_outcome(prepared: Prepared, facts: dict, authority: str, on: dt.date, settings) -> str:
    """The outcome from the three-valued evaluation alone, with a decision's waiver and recorded-act steps.

    A guide for searches over many changed cases (what_would_change); a decision always comes
    from the engine, and every suggestion found this way is decided again by it.
    """
    lookup, _, engine_facts = engine_input(prepared, facts, authority, on, settings)
    raw = {c.criterion.id: _STATUS[prepared.recheck[c.criterion.id](fact)]     # compiled once: the search's hot path
           for c, fact in zip(prepared.compiled.criteria, engine_facts)}
    statuses = {}
    for c in prepared.compiled.criteria:
        if c.waiver_of is not None:
            continue
        status = raw[c.criterion.id]
        if status != "met" and raw.get(m.WAIVER_PREFIX + c.criterion.id) == "met":
            status = "waived"
        if status == "unknown" and act_not_recorded(c.criterion, lookup):
            status = "not_met"
        statuses[c.criterion.id] = status
    return _outcome(prepared.rule_set, statuses)[0]


def _first_holding(rs: m.RuleSet, truth: dict):
    """The first outcome whose condition is true, or None if an earlier one is unknown."""
    for rule in rs.outcomes:
        if rule.when is None:
            return rule
        value = _evaluate_outcome(rule.when, truth)
        if value is True:
            return rule
        if value is None:
            return None
    raise AssertionError("a rule set always ends with 'otherwise'")


def _evaluate_outcome(node, truth: dict):
    if isinstance(node, m.CriterionRef):
        return truth[node.id]
    if isinstance(node, m.Not):
        inner = _evaluate_outcome(node.item, truth)
        return None if inner is None else not inner
    values = [_evaluate_outcome(i, truth) for i in node.items]
    if isinstance(node, m.AllOf):
        return False if False in values else (None if None in values else True)
    return True if True in values else (None if None in values else False)


def _missing(results, vocabulary: m.Vocabulary) -> tuple:
    needed = {}
    for result in results:
        for path in result.needed:
            needed.setdefault(path, []).append(result.id)
    out = []
    for path, criteria in needed.items():
        base = path.split("[")[0]
        field = vocabulary.fields.get(base)
        text = field.text if field else path
        out.append(MissingFact(path, text, tuple(criteria)))
    return tuple(out)


def _settings_used(settings: m.SettingsVersion | None, names) -> SettingsUsed | None:
    if settings is None:
        return None
    values = tuple((n, settings.values[n], settings.sources[n]) for n in names if n in settings.values)
    return SettingsUsed(settings.authority, settings.council, settings.version, settings.effective_from,
                        settings.effective_to, settings.digest, values,
                        tuple((n, settings.unconfirmed[n]) for n in names if n in settings.unconfirmed))
