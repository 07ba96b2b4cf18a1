"""Checks of rule sets that need the solver: what no case at all could ever make happen.

Run by ``eligibility validate`` (and :func:`eligibility.check_rules`) after the rules have
loaded, on the same SMT encoding as ``eligibility prove`` (smt.py). For each rule set,
each authority it applies to and each stretch of days in which that authority's settings
stay the same, the solver is asked, over every possible case and every date in the
stretch:

* E320: can each criterion be met? (and can each waiver apply?)
* E321: is a criterion *always met*: no case makes it not met, and it is never unknown
  when every value its condition reads is recorded? (It is then a test that tests nothing:
  at most it waits for a fact.)
* E324: can each count comparison hold (at least 3 of 2 items cannot)?
* E322: can each outcome be reached? Or, E323, could its conditions hold, but an earlier
  outcome always applies first (it is hidden)? The last outcome, ``otherwise``, is exempt:
  every rule set must end with one, and the outcomes above it may cover every case.

Stretches whose settings give the same values to everything the criteria read are asked
once, together. A problem found in only some of them names the authorities and periods.
Outcomes are checked only where the criteria have no problem: an outcome that needs a
criterion that can never be met is the same defect, reported once.

When the solver cannot answer (a rule it cannot encode, or its time limit), W302 says so:
the rules are still valid, but they were not fully checked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import logic, smt
from . import model as m
from .diagnostics import Diagnostic, sort_diagnostics
from .rule_set_checks import located, report, written
from .scope import derivation_refs

TIMEOUT_MS = 10000
TOGETHER_MS = 1000          # a first, optional question for many goals at once (only a shortcut)
_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Stretch:
    """Days on which one authority's settings stay the same, inside a rule set's period."""

    authority: str
    settings: m.SettingsVersion | None
    start: dt.date
    end: dt.date


def check(engine, timeout_ms: int = TIMEOUT_MS, rlimit: int = 0) -> list[Diagnostic]:
    """Errors E320-E324 and warnings W302 for every rule set of a loaded engine."""
    found = []
    for rule_set in engine.corpus.rule_sets:
        found += RuleSetCheck(engine, rule_set, timeout_ms, rlimit).run()
    return sort_diagnostics(found)


def stretches(engine, rs: m.RuleSet) -> list[Stretch]:
    """The rule set's period cut wherever an authority's settings version begins or ends."""
    last = rs.effective_to or dt.date.max
    out = []
    for authority in rs.applies_to:
        cuts = {rs.effective_from}
        for s in engine.corpus.settings:
            if s.authority == authority:
                cuts.add(s.effective_from)
                if s.effective_to is not None and s.effective_to < dt.date.max:
                    cuts.add(s.effective_to + _DAY)
        ordered = sorted(c for c in cuts if rs.effective_from <= c <= last)
        for start, following in zip(ordered, ordered[1:] + [None]):
            end = following - _DAY if following else last
            out.append(Stretch(authority, engine.settings_for(authority, start), start, end))
    return out


def _period(start: dt.date, end: dt.date) -> str:
    return f"from {start.isoformat()}" if end == dt.date.max else f"from {start.isoformat()} to {end.isoformat()}"


def describe(chosen: list[Stretch]) -> str:
    """'rutland from 2022-04-01' or 'leicester from 2015-04-01 to 2022-03-31 and rutland from 2015-04-01'."""
    merged = []
    for s in sorted(chosen, key=lambda s: (s.authority, s.start)):
        if merged and merged[-1][0] == s.authority and merged[-1][2] + _DAY == s.start:
            merged[-1] = (s.authority, merged[-1][1], s.end)
        else:
            merged.append((s.authority, s.start, s.end))
    return " and ".join(f"{a} {_period(start, end)}" for a, start, end in merged)


class Goals:
    """Which of many goals (things some case should do) no case can do, with few questions to the solver.

    The solver is asked for a case that does any goal not yet shown; every goal that case
    does is then shown. When it finds none, every goal left is impossible. So the number of
    questions follows the number of different cases needed, not the number of goals. If the
    solver gives up on a question, the goals left are asked one by one.
    """

    def __init__(self, questions, goals: dict):
        self.questions, self.goals = questions, goals
        self.shown, self.impossible, self.unsettled = set(), set(), set()

    def settle(self, together=()):
        """``together``: groups of goals worth asking for at once first (every criterion met, ...)."""
        open_ = dict(self.goals)
        for keys in together:
            keys = [k for k in keys if k in open_]
            together_ms = min(TOGETHER_MS, self.questions.timeout_ms)
            if keys and self.questions.possible(smt.all_of([open_[k] for k in keys]), timeout_ms=together_ms):
                self._show(open_)
        while open_:
            answer = self.questions.possible(smt.any_of(list(open_.values())))
            if answer is None:
                break
            if answer is False:
                self.impossible |= set(open_)
                return
            if not self._show(open_):
                break                                   # never expected: the case must do some goal left
        for key in list(open_):                         # the solver gave up on them together: one by one
            if key in self.shown:
                continue
            answer = self.questions.possible(open_[key])
            if answer:
                self._show(open_)
            else:
                (self.impossible if answer is False else self.unsettled).add(key)
                open_.pop(key)

    def _show(self, open_: dict) -> bool:
        model = self.questions.model
        done = [k for k, formula in open_.items() if smt.holds_in(model, formula)]
        for key in done:
            self.shown.add(key)
            del open_[key]
        return bool(done)


class RuleSetCheck:
    """The solver's questions about one rule set, for every authority and settings stretch."""

    def __init__(self, engine, rs: m.RuleSet, timeout_ms: int, rlimit: int = 0):
        self.engine, self.rs, self.timeout_ms, self.rlimit = engine, rs, timeout_ms, rlimit
        self.prepared = engine.prepared_for(rs)
        self.sources = engine.corpus.sources
        self.index = {c.id: i for i, c in enumerate(rs.criteria)}
        self.findings = {}           # (code, subject) -> (details, [groups]); details fill the message
        self.gave_up = {}            # reason -> [groups]

    def run(self) -> list[Diagnostic]:
        all_stretches = stretches(self.engine, self.rs)
        groups = self._groups(all_stretches)
        for group in groups:
            self._ask(group)
        return self._diagnostics(all_stretches)

    # -- which stretches can be asked together ------------------------------------------------
    def _groups(self, chosen: list[Stretch]) -> list[list[Stretch]]:
        """Stretches whose settings give the same values to what the criteria read (and the same authority
        when the rules read the decision's authority)."""
        refs = [r for refs in self.prepared.refs.values() for r in refs]
        derived = {d.name: d for d in self.rs.derived}
        seen, todo = set(), list(refs)
        while todo:
            ref = todo.pop()
            if ref in seen:
                continue
            seen.add(ref)
            if ref.kind == "derived" and ref.name in derived:
                todo += derivation_refs(derived[ref.name])
        names = sorted(r.name for r in seen if r.kind == "setting")
        by_authority = any(r.kind == "decision" and r.name == "authority" for r in seen)
        groups = {}
        for s in chosen:
            values = tuple(repr(s.settings.values.get(n)) if s.settings else None for n in names)
            key = (values, s.authority if by_authority else None)
            groups.setdefault(key, []).append(s)
        return list(groups.values())

    # -- the questions -----------------------------------------------------------------------
    def _ask(self, group: list[Stretch]):
        first = group[0]
        problem = smt.Problem(self.engine)
        try:
            side = smt.Side(problem, self.prepared, first.settings, first.authority)
            goals = self._goals(side)
        except smt.CannotEncode as exc:
            self.gave_up.setdefault(f"part of it cannot be encoded yet: {exc}", []).append(group)
            return
        days = [(s.start.toordinal(), s.end.toordinal()) for s in group]
        questions = smt.Questions(problem.constraints + [smt.within_any(problem.on, days)], self.timeout_ms,
                                  self.rlimit)
        settled = Goals(questions, goals)
        criteria = [c.criterion.id for c in self.prepared.compiled.criteria if c.waiver_of is None]
        settled.settle(together=[[("met", c) for c in criteria], [("not met", c) for c in criteria]])
        for key in settled.unsettled:
            self.gave_up.setdefault(f"for {self._what(key)}", []).append(group)
        before = len(self.findings)
        for c in self.prepared.compiled.criteria:
            self._criterion(c, settled.impossible, group, lambda c=c: self._conflict(c, side, questions))
        if len(self.findings) == before and not settled.unsettled:
            for i, rule in enumerate(self.rs.outcomes):
                if ("reached", i) in settled.impossible and rule.when is not None:   # 'otherwise' is exempt
                    self._hidden(i, rule, side, questions, group)

    def _goals(self, side) -> dict:
        """Everything some case should do: a criterion met, not met, ...; an outcome reached."""
        goals = {}
        for c in self.prepared.compiled.criteria:
            cid = c.criterion.id
            for atom in dict.fromkeys(a for a in logic.atoms(c.condition) if a.interval):
                goals[("count", cid, atom)] = side.atom(atom)[0]
            if c.waiver_of is not None:
                goals[("waiver", cid)] = side.raw[cid][0]
                continue
            status = side.status[cid]
            goals[("met", cid)] = status == smt.MET
            goals[("not met", cid)] = status == smt.NOT_MET
            goals[("unknown when recorded", cid)] = smt.all_of([status == smt.UNKNOWN, side.recorded(cid)])
        for i, rule in enumerate(self.rs.outcomes):
            goals[("reached", i)] = side.outcome_rule == i
        return goals

    def _what(self, key) -> str:
        if key[0] == "reached":
            return f"outcome '{self.rs.outcomes[key[1]].outcome}'"
        if key[0] == "waiver":
            return f"the waiver of '{key[1][len(m.WAIVER_PREFIX):]}'"
        return f"{'a count in ' if key[0] == 'count' else ''}criterion '{key[1]}'"

    def _found(self, code, subject, details, group):
        self.findings.setdefault((code, subject), (details, []))[1].append(group)

    def _criterion(self, c, impossible: set, group, conflict):
        cid = c.criterion.id
        counts = [a for a in dict.fromkeys(logic.atoms(c.condition)) if ("count", cid, a) in impossible]
        for atom in counts:
            self._found("E324", (cid, atom), None, group)
        if c.waiver_of is not None:
            if ("waiver", cid) in impossible:
                self._found("E320", ("waiver", c.waiver_of), None, group)
        elif ("met", cid) in impossible:
            if not counts:
                self._found("E320", ("criterion", cid), conflict() if ("E320", ("criterion", cid)) not in self.findings
                            else None, group)
        elif ("not met", cid) in impossible and ("unknown when recorded", cid) in impossible:
            self._found("E321", cid, None, group)

    @staticmethod
    def _conflict(c, side, questions) -> tuple:
        """The fewest parts of a criterion's top-level 'all' that can never be true together (() if not found)."""
        if not isinstance(c.condition, logic.All) or len(c.condition.items) < 2:
            return ()
        parts = list(c.condition.items)
        return _fewest_impossible(parts, [side.condition(part)[0] for part in parts], questions)

    @staticmethod
    def _excluding(when, side, questions) -> tuple:
        """The fewest parts of an outcome's top-level 'all' that can never hold together (() if not an 'all')."""
        if not isinstance(when, m.AllOf) or len(when.items) < 2:
            return ()
        parts = list(when.items)
        return _fewest_impossible(parts, [side.outcome_condition(part)[0] for part in parts], questions)

    def _hidden(self, i, rule, side, questions, group):
        """Why outcome i is never reached: its 'when' never holds (E322), or an earlier outcome comes first (E323)."""
        name = f"outcome '{rule.outcome}'"
        holds, _ = side.outcome_condition(rule.when)
        can_hold = questions.possible(holds)
        if can_hold is None:
            self.gave_up.setdefault(f"for {name}", []).append(group)
            return
        if can_hold is False:
            self._found("E322", i, self._excluding(rule.when, side, questions), group)
            return
        earlier = []
        for j in range(i):
            other, _ = side.outcome_condition(self.rs.outcomes[j].when)
            if questions.possible(holds, smt.negate(other)) is False:
                self._found("E323", i, ("covers", j), group)
                return
            if questions.possible(holds, other):
                earlier.append(j)
        self._found("E323", i, ("overlap", tuple(earlier)), group)

    # -- the messages ------------------------------------------------------------------------
    def _diagnostics(self, all_stretches) -> list[Diagnostic]:
        out = []
        everywhere = len(all_stretches)
        for (code, subject), (details, groups) in self.findings.items():
            chosen = [s for g in groups for s in g]
            where = "" if len(chosen) == everywhere else f" under the settings of {describe(chosen)}"
            out.append(self._message(code, subject, details, where))
        if self.gave_up:
            chosen = list({(s.authority, s.start): s for groups in self.gave_up.values() for g in groups
                           for s in g}.values())
            where = "" if len(chosen) == everywhere else f" (under the settings of {describe(chosen)})"
            reasons = [r for r in self.gave_up if not r.startswith("for ")]
            unfinished = [r[4:] for r in self.gave_up if r.startswith("for ")]
            if unfinished:
                limit = (f"within its work limit ({self.rlimit})" if self.rlimit
                         else f"within {self.timeout_ms / 1000:g} s")
                reasons.append(f"the solver did not finish {limit} for " + ", ".join(unfinished))
            span, path = located(self.sources, self.rs, ("id",))
            out.append(report("W302", f"rule set '{self.rs.id}' was not fully checked with the solver{where}: "
                              + "; ".join(reasons), span,
                              "the rules are used, but validate could not show that every criterion can be met and "
                              "not met and every outcome reached; if it persists, split a large condition into "
                              "several criteria", path))
        return out

    def _message(self, code, subject, details, where) -> Diagnostic:
        rs = self.rs
        if code == "E320" and subject[0] == "waiver":
            i = self.index[subject[1]]
            span, path = located(self.sources, rs, ("criteria", i, "waived_when"))
            return report(code, f"the waiver of criterion '{subject[1]}' of rule set '{rs.id}' can never apply{where}: "
                          "no case makes its 'waived_when' condition true", span,
                          "its comparisons contradict each other: correct 'waived_when', or remove it", path)
        if code == "E320":
            i = self.index[subject[1]]
            span, path = located(self.sources, rs, ("criteria", i, "condition"))
            days = "on any of those days" if where else "on any date"
            hint = _never_hint(where)
            if details:
                words = " and ".join(_part_words(part) for part in details)
                hint = (f"these parts of its 'all' can never be true together: {words}" if len(details) > 1
                        else f"this part of its 'all' can never be true: {words}")
                hint += "; correct them, or the settings they read" if where else "; correct the condition"
            return report(code, f"criterion '{subject[1]}' of rule set '{rs.id}' can never be met{where}: no case, {days}, "
                          "makes its condition true", span, hint, path)
        if code == "E321":
            i = self.index[subject]
            span, path = located(self.sources, rs, ("criteria", i, "condition"))
            return report(code, f"criterion '{subject}' of rule set '{rs.id}' is always met{where}: no case makes it not "
                          "met, and it is unknown only while a value it reads is not recorded", span,
                          "a criterion that is always met decides nothing: check 'any' against 'all' and the direction "
                          "of each comparison, or remove the criterion", path)
        if code == "E324":
            cid, atom = subject
            compare = atom.source
            span = compare.span if compare is not None and compare.span else located(self.sources, rs, ("criteria",))[0]
            criterion = cid if not cid.startswith(m.WAIVER_PREFIX) else cid[len(m.WAIVER_PREFIX):]
            most = self._most(compare.subject if compare is not None else None)
            threshold = (f"the setting '{compare.operand.name}'" if isinstance(compare.operand, m.Ref)
                         else written(compare.operand))
            phrase = compare.op.replace("_", " ")
            reason = f": it counts at most {most[0]} ({most[1]})" if most is not None else ""
            name = compare.subject.name
            return report(code, f"the count '{name}' in criterion '{criterion}' of rule set '{rs.id}' can never be "
                          f"{phrase} {threshold}{where}{reason}", span,
                          "change the threshold to one the count can reach, or count something else",
                          located(self.sources, rs, ("criteria", self.index[criterion], "condition"))[1])
        rule = rs.outcomes[subject]
        span, path = located(self.sources, rs, ("outcomes", subject, "outcome"))
        if code == "E322":
            hint = ("correct its 'when': a criterion and its 'not' together, or criteria that read the same "
                    "fact in opposite ways, can never all hold")
            if details:
                words = " and ".join(_outcome_part_words(part) for part in details)
                hint = f"these parts of its 'when' can never all hold together: {words}; correct its 'when'"
            return report(code, f"outcome '{rule.outcome}' of rule set '{rs.id}' can never be reached{where}: no case "
                          "meets its 'when' (the criteria it asks for exclude each other)", span, hint, path)
        kind, which = details
        if kind == "covers":
            other = rs.outcomes[which]
            other_span, _ = located(self.sources, rs, ("outcomes", which, "outcome"))
            return report(code, f"outcome '{rule.outcome}' of rule set '{rs.id}' is hidden by the earlier outcome "
                          f"'{other.outcome}' (line {other_span.line}){where}: whenever its 'when' holds, so does the earlier "
                          "one's, and the first outcome that holds is the decision", span,
                          f"move it above '{other.outcome}', or narrow the 'when' of '{other.outcome}'", path)
        named = ", ".join(f"'{rs.outcomes[j].outcome}' (line {located(self.sources, rs, ('outcomes', j, 'outcome'))[0].line})"
                          for j in which)
        by = f" by the earlier outcomes {named}" if named else ""
        return report(code, f"outcome '{rule.outcome}' of rule set '{rs.id}' is hidden{by}{where}: whenever its 'when' "
                      "holds, an earlier outcome applies first or the decision waits for a missing fact", span,
                      "move it above the outcomes that overlap it, or narrow their 'when'", path)

    def _most(self, ref) -> tuple | None:
        """(the largest count, what it counts) for a count of a record's fields or of a choices field's values."""
        derivation = next((d for d in self.rs.derived if ref is not None and d.name == ref.name), None)
        if derivation is None or derivation.how != "count":
            return None
        field = self.engine.corpus.vocabulary.fields.get(derivation.spec["items"])
        if field is None or field.type == "list":
            return None
        if field.type == "record":
            return len(field.children), f"the fields of '{field.path}'"
        if derivation.spec["includes_any"]:
            return len(derivation.spec["includes_any"]), f"the values it looks for in '{field.path}'"
        return len(field.values), f"the values of '{field.path}'"


def _part_words(part) -> str:
    """One part of a condition as a reader finds it in the file: 'age at least 18' (line 26, column 14)."""
    negated = isinstance(part, logic.Negation)
    atoms = logic.atoms(part)
    compare = atoms[0].source if atoms else None
    if compare is None:
        return "a part"
    if len(atoms) == 1:
        operand = compare.operand
        if isinstance(operand, m.Ref):
            operand = f"{operand.kind} {operand.name}" if operand.kind != "fact" else operand.name
        elif isinstance(operand, tuple):
            operand = ", ".join(written(v) for v in operand)
        elif compare.op in ("is_recorded",):
            operand = ""
        else:
            operand = written(operand)
        words = f"'{'not ' if negated else ''}{compare.subject.name} {compare.op.replace('_', ' ')} {operand}".rstrip() + "'"
    else:
        words = f"the {'not' if negated else type(part).__name__.lower()} of {len(atoms)} comparisons"
    where = f" (line {compare.span.line}, column {compare.span.column})" if compare.span and compare.span.line else ""
    return words + where


def _outcome_part_words(part) -> str:
    """One part of an outcome's 'when': 'not started-within-three-weeks-of-referral' (line 62)."""
    if isinstance(part, m.CriterionRef):
        words, ref = f"'{part.id}'", part
    elif isinstance(part, m.Not) and isinstance(part.item, m.CriterionRef):
        words, ref = f"'not {part.item.id}'", part.item
    else:
        refs = list(m.leaves(part))
        words, ref = f"the {'not' if isinstance(part, m.Not) else type(part).__name__[:3].lower()} of "\
                     f"{', '.join(r.id for r in refs)}", (refs[0] if refs else None)
    return words + (f" (line {ref.span.line})" if ref is not None and ref.span and ref.span.line else "")


def _never_hint(where: str) -> str:
    if where:
        return ("it depends on those settings: check their values, or the comparisons that read them; a criterion "
                "that can never be met makes every outcome that needs it unreachable")
    return ("its comparisons contradict each other (for example 'at least 18' and 'less than 18'): correct the "
            "condition; a criterion that can never be met makes every outcome that needs it unreachable")


def _fewest_impossible(parts: list, holds: list, questions) -> tuple:
    """Of parts that can never all hold together (``holds``: each one's formula), a smallest set that still
    cannot: each part is dropped in turn if the rest are still impossible together."""
    needed = list(range(len(parts)))
    for i in list(needed):
        fewer = [j for j in needed if j != i]
        if fewer and questions.possible(*[holds[j] for j in fewer]) is False:
            needed = fewer
    return tuple(parts[j] for j in needed)
