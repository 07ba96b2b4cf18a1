"""Rule sets as SMT formulas (z3), for proofs over every possible case.

One :class:`Side` is one authority's rule set with its settings in force, read as
formulas over the case facts and the decision date. The facts are variables shared by
both sides, so a question such as "can these two authorities decide any case
differently?" becomes a question the solver answers for every case at once.

The encoding mirrors the engine's semantics exactly:

* every value has a *known* flag; a missing fact is unknown, never false;
* a criterion is met when its condition is certainly true, not met when certainly false,
  unknown otherwise (Kleene's three-valued logic, as logic.evaluate);
* counts are ranges ``low..high`` (high unknown when the list was not given);
* dates are day numbers, split into year, month and day by exact calendar arithmetic, so
  ages, days between dates and dates plus weeks, months or years are computed as
  dates.py computes them;
* a waived gate, and the outcome including insufficient_information, follow decide.py.

Values derived from the items of a list (counts over list items, the first or last
matching item, the start of the last run) are not encoded item by item for a proof: each
is a free variable of its declared type, shared by both sides when both derive it the
same way. The proof then covers every value they could take, which includes every value a
real list gives. To find a real case, a Problem made with ``items=N`` models each list as
at most N items instead (:class:`ListItems`) and derives those values from the items as
derive.py does: exact for such lists, but bounded, so never used to claim a proof.
Anything this module cannot encode raises :class:`CannotEncode` with the reason; a proof
is never claimed for it.
"""

from __future__ import annotations

import datetime as dt
import itertools

import z3

from . import logic, operators, outcome_diagram
from . import model as m
from .decide import MAX_UNKNOWN_TRIED

MIN_DAY, MAX_DAY = dt.date.min.toordinal(), dt.date.max.toordinal()
_CUMULATIVE = (0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334)
STATUS = {0: "met", 1: "not_met", 2: "unknown", 3: "waived", 4: "absent"}
MET, NOT_MET, UNKNOWN, WAIVED, ABSENT = range(5)
INSUFFICIENT = "insufficient_information"
LIST_DERIVATIONS = ("first", "last", "start_of_last_run")
MAX_UNKNOWN = MAX_UNKNOWN_TRIED     # the engine tries every way at most this many unknown criteria could turn out


class CannotEncode(Exception):
    """Part of a rule set this encoding does not cover; the reason is for the reader."""


class Value:
    """One value as formulas: known flag, the value (an Int), and for choices one flag per choice."""

    def __init__(self, known, val=None, members=None, missing=None, kind=None, lo=None, hi_known=None, hi=None):
        self.known, self.val, self.members, self.kind = known, val, members, kind
        self.missing = z3.Not(known) if missing is None else missing
        self.lo, self.hi_known, self.hi = lo, hi_known, hi


class Strings:
    """Every text value (choices, outcomes, literals) as a whole number, the same for both sides."""

    def __init__(self):
        self.codes = {}

    def code(self, text) -> int:
        return self.codes.setdefault(text, 1000 + len(self.codes))

    def text(self, code: int):
        return next((t for t, c in self.codes.items() if c == code), None)


# -- calendar arithmetic, exact -------------------------------------------------------------
def _leap(y):
    return z3.Or(z3.And(y % 4 == 0, y % 100 != 0), y % 400 == 0)


def _month_length(y, mo):
    return z3.If(mo == 2, z3.If(_leap(y), 29, 28), z3.If(z3.Or(mo == 4, mo == 6, mo == 9, mo == 11), 30, 31))


def _ordinal(y, mo, d):
    y1 = y - 1
    before_month = _CUMULATIVE[11]
    for month in range(11, 0, -1):
        before_month = z3.If(mo == month, _CUMULATIVE[month - 1], before_month)
    return 365 * y1 + y1 / 4 - y1 / 100 + y1 / 400 + before_month + z3.If(z3.And(mo > 2, _leap(y)), 1, 0) + d


class Problem:
    """The shared variables and constraints of one question: facts, the date, the calendar."""

    def __init__(self, engine, *others, items: int = 0):
        """``others``: engines for other versions of the rules, whose case fields are read too.

        ``items``: when above 0, lists are modelled item by item with at most that many items
        (see :class:`ListItems`) instead of taking values derived from them as free values.
        """
        self.engine = engine
        self.vocabulary = engine.corpus.vocabulary
        self._differing = set()
        if others:
            fields = dict(self.vocabulary.fields)
            for other in others:
                for path, f in other.corpus.vocabulary.fields.items():
                    if path in fields and (fields[path].type, fields[path].values) != (f.type, f.values):
                        self._differing.add(path)
                    fields.setdefault(path, f)
            self.vocabulary = m.Vocabulary(fields, self.vocabulary.files)
        self.strings = Strings()
        self.constraints = []
        self.facts = {}              # path -> Value
        self.free = {}               # shared free derived values
        self._parts = {}
        self._fresh = itertools.count()
        self.on = z3.Int("decision_date")
        self.items = items
        self.lists = {}              # path -> ListItems (when items > 0)

    def fresh(self, name, sort=z3.Int):
        return sort(f"{name}#{next(self._fresh)}")

    def date_parts(self, day):
        """(year, month, day) of a day number, by constraints (cached per expression)."""
        key = day.get_id()
        if key not in self._parts:
            y, mo, d = self.fresh("y"), self.fresh("m"), self.fresh("d")
            self.constraints += [y >= 1, y <= 9999, mo >= 1, mo <= 12, d >= 1, d <= _month_length(y, mo),
                                 _ordinal(y, mo, d) == day]
            self._parts[key] = (y, mo, d)
        return self._parts[key]

    def fact(self, path: str) -> Value:
        if path not in self.facts:
            field = self.vocabulary.fields.get(path)
            if path in self._differing:
                raise CannotEncode(f"the case field {path} has a different type or choices in the two versions")
            if field is None:
                raise CannotEncode(f"the fact {path} is not a case field")
            self.facts[path] = self._variable("fact " + path, field.type, field)
        return self.facts[path]

    def _variable(self, label, kind, field=None) -> Value:
        known = z3.Bool(f"known:{label}#{next(self._fresh)}")
        if kind == "choices":
            members = {v: z3.Bool(f"{label} has {v}#{next(self._fresh)}") for v in field.values}
            if field.min_items:
                self.constraints.append(z3.Implies(known, z3.Sum([z3.If(b, 1, 0) for b in members.values()])
                                                   >= field.min_items))
            return Value(known, None, members, kind=kind)
        if kind in ("record", "list"):
            raise CannotEncode(f"{label} is a {kind}, compared directly")
        val = z3.Int(f"{label}#{next(self._fresh)}")
        if kind == "boolean":
            self.constraints.append(z3.Or(val == 0, val == 1))
        elif kind == "integer" and field is not None:
            if field.minimum is not None:
                self.constraints.append(val >= field.minimum)
            if field.maximum is not None:
                self.constraints.append(val <= field.maximum)
        elif kind == "date":
            self.constraints += [val >= MIN_DAY, val <= MAX_DAY]
            if field is not None and field.not_after_decision_date:
                self.constraints.append(z3.Implies(known, val <= self.on))
        elif kind == "choice":
            self.constraints.append(z3.Or([val == self.strings.code(v) for v in field.values]))
        elif kind == "text":
            self.constraints.append(val == 1)
        elif kind not in ("integer",):
            raise CannotEncode(f"{label} has type {kind}, which is not encoded")
        return Value(known, val, kind=kind)

    def list_items(self, path: str) -> "ListItems":
        if path not in self.lists:
            self.lists[path] = ListItems(self, path)
        return self.lists[path]

    def literal(self, value):
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, str):
            return self.strings.code(value)
        raise CannotEncode(f"the value {value!r} is not encoded")


class ListItems:
    """One list as at most ``problem.items`` items, each field of each item a variable.

    A bounded model for finding real cases, not for proofs: it covers only lists of up to
    that many items, and only items dated on or before the decision date (none is left out).
    """

    def __init__(self, problem: Problem, path: str):
        from .scope import item_scope_fields

        self.path = path
        self.field = problem.vocabulary.fields[path]
        self.children = {rel: f for rel, f in item_scope_fields(self.field).items() if f.type not in ("record", "list")}
        if self.field.min_items > problem.items:
            raise CannotEncode(f"{path} needs at least {self.field.min_items} items")
        self.given = problem.fresh(path + ".given", z3.Bool)
        self.length = problem.fresh(path + ".length")
        problem.constraints += [self.length >= 0, self.length <= problem.items,
                                z3.Implies(self.given, self.length >= self.field.min_items),
                                z3.Implies(z3.Not(self.given), self.length == 0)]
        self.items = []
        for k in range(problem.items):
            values = {rel: problem._variable(f"{path}[{k}].{rel}", f.type, f) for rel, f in self.children.items()}
            dated = values.get(self.field.dated_by) if self.field.dated_by else None
            if dated is not None:
                problem.constraints.append(z3.Implies(dated.known, dated.val <= problem.on))
            self.items.append(values)
        self.scopes = [{m.Ref("fact", rel).key: v for rel, v in values.items()} for values in self.items]


# (known, value, missing) of a value taken from a list when there is none. The value is never read
# then, but it is a valid day number, as date arithmetic on it is encoded whether or not it is known.
_ABSENT = (z3.BoolVal(False), z3.IntVal(MIN_DAY), z3.BoolVal(False))     # no such item
_UNKNOWN = (z3.BoolVal(False), z3.IntVal(MIN_DAY), z3.BoolVal(True))     # a fact needed is missing


def _choose(condition, yes: tuple, no: tuple) -> tuple:
    return tuple(z3.If(condition, a, b) for a, b in zip(yes, no))


class Side:
    """One authority's rule set and settings in force, as formulas over a Problem's variables."""

    def __init__(self, problem: Problem, prepared, settings, authority: str):
        self.p = problem
        self.prepared = prepared
        self.rule_set = prepared.rule_set
        self.settings = settings
        self.authority = authority
        self.derived = {}
        self._definitions = {d.name: d for d in self.rule_set.derived}
        self.status = {}
        compiled = {c.criterion.id: c for c in prepared.compiled.criteria}
        self.raw = {}                    # criterion id (waivers too) -> (certainly true, certainly false)
        for c in prepared.compiled.criteria:
            self.raw[c.criterion.id] = self.condition(c.condition)
        for c in prepared.compiled.criteria:
            if c.waiver_of is not None:
                continue
            t, f = self.raw[c.criterion.id]
            status = z3.If(t, MET, z3.If(f, NOT_MET, UNKNOWN))
            waiver = compiled.get(m.WAIVER_PREFIX + c.criterion.id)
            if waiver is not None:
                wt, _ = self.raw[waiver.criterion.id]
                status = z3.If(t, MET, z3.If(wt, WAIVED, status))
            act = c.criterion.not_met_when_not_recorded
            if act is not None:                  # a recorded act (a refusal, a request): not recorded means none
                status = z3.If(z3.And(status == UNKNOWN, z3.Not(self.p.fact(act).known)), NOT_MET, status)
            self.status[c.criterion.id] = status
        self.outcome_rule = self._outcome()

    # -- values --------------------------------------------------------------------------
    def value(self, ref: m.Ref) -> Value:
        if ref.kind == "fact":
            return self.p.fact(ref.name)
        if ref.kind == "derived":
            if ref.name not in self.derived:
                self.derived[ref.name] = self._derive(self._definitions[ref.name])
            return self.derived[ref.name]
        if ref.kind == "decision":
            if ref.name == "date":
                return Value(z3.BoolVal(True), self.p.on, kind="date", missing=z3.BoolVal(False))
            return Value(z3.BoolVal(True), z3.IntVal(self.p.strings.code(self.authority)), kind="choice",
                         missing=z3.BoolVal(False))
        raw = self.settings.values.get(ref.name) if self.settings else None
        kind = self.prepared.setting_defs[ref.name].type
        if raw is None:
            return Value(z3.BoolVal(False), z3.IntVal(0), kind=kind, missing=z3.BoolVal(False))
        if kind == "date":
            raw = dt.date.fromisoformat(raw).toordinal() if isinstance(raw, str) else raw.toordinal()
        elif kind == "text":
            raw = 1
        return Value(z3.BoolVal(True), z3.IntVal(self.p.literal(raw)), kind=kind, missing=z3.BoolVal(False))

    def _derive(self, d: m.Derivation) -> Value:
        how = d.how
        if how in ("years_between", "days_between"):
            start, end = self.value(d.spec["from"]), self.value(d.spec["to"])
            known = z3.And(start.known, end.known)
            if how == "days_between":
                val = end.val - start.val
            else:
                ys, ms, ds = self.p.date_parts(start.val)
                ye, me, de = self.p.date_parts(end.val)
                val = ye - ys - z3.If(z3.Or(me < ms, z3.And(me == ms, de < ds)), 1, 0)
            return Value(known, val, kind="integer", missing=z3.And(z3.Not(known), z3.Or(start.missing, end.missing)))
        if how in ("date_plus", "date_minus"):
            return self._date_plus(d)
        if how == "first_known":
            return self._first_known(d)
        if self.p.items and (how in LIST_DERIVATIONS or (how == "count" and
                                                         self.p.vocabulary.fields[d.spec["items"]].type == "list")):
            return self._from_items(d)
        if how == "count":
            return self._count(d)
        if how in LIST_DERIVATIONS:
            return self._free_pick(d)
        raise CannotEncode(f"the derived value '{d.name}' ({how}) is not encoded")

    def _date_plus(self, d) -> Value:
        start = self.value(d.spec["date"])
        amount = d.spec["amount"]
        amount_value = self.value(amount) if isinstance(amount, m.Ref) else Value(z3.BoolVal(True), z3.IntVal(amount),
                                                                                  missing=z3.BoolVal(False))
        k = d.spec["sign"] * amount_value.val
        unit = d.spec["unit"]
        if unit in ("days", "weeks"):
            result = start.val + (k * 7 if unit == "weeks" else k)
            inside = z3.And(result >= MIN_DAY, result <= MAX_DAY)
        else:
            y, mo, day = self.p.date_parts(start.val)
            index = mo - 1 + (k * 12 if unit == "years" else k)
            y2, mo2 = y + index / 12, index % 12 + 1
            inside = z3.And(y2 >= 1, y2 <= 9999)
            length = _month_length(y2, mo2)
            result = _ordinal(y2, mo2, z3.If(day < length, day, length))
        inputs = z3.And(start.known, amount_value.known)
        return Value(z3.And(inputs, inside), result, kind="date",
                     missing=z3.And(z3.Not(inputs), z3.Or(start.missing, amount_value.missing)))

    def _first_known(self, d) -> Value:
        values = [self.value(r) for r in d.spec["refs"]]
        known, val, missing = z3.BoolVal(False), z3.IntVal(0), z3.BoolVal(False)
        for v in reversed(values):
            known = z3.If(v.known, True, z3.If(v.missing, False, known))
            val = z3.If(v.known, v.val, val)
            missing = z3.If(v.known, False, z3.If(v.missing, True, missing))
        return Value(known, val, kind=values[0].kind, missing=missing)

    def _count(self, d) -> Value:
        path = d.spec["items"]
        field = self.p.vocabulary.fields[path]
        if field.type == "choices":
            source = self.p.fact(path)
            universe = d.spec["includes_any"] or field.values
            chosen = z3.Sum([z3.If(source.members[v], 1, 0) for v in universe])
            lo = z3.If(source.known, chosen, 0)
            hi = z3.If(source.known, chosen, len(universe))
            return Value(z3.BoolVal(True), kind="count", lo=lo, hi_known=z3.BoolVal(True), hi=hi)
        if field.type == "record":
            wanted = d.spec["includes_any"]
            lo, hi = [], []
            for child in field.children:
                v = self.p.fact(child.path)
                if wanted is not None:
                    if v.members is None:
                        raise CannotEncode(f"the count '{d.name}' reads {child.path}, which is not a choices field")
                    holds = z3.Or([v.members[w] for w in wanted if w in v.members] or [z3.BoolVal(False)])
                else:
                    holds = v.val == 1
                lo.append(z3.If(z3.And(v.known, holds), 1, 0))
                hi.append(z3.If(z3.Or(z3.Not(v.known), holds), 1, 0))
            return Value(z3.BoolVal(True), kind="count", lo=z3.Sum(lo), hi_known=z3.BoolVal(True), hi=z3.Sum(hi))
        key = ("count", path, repr(self.prepared.compiled.derivations.get(d.name)))
        self._only_item_facts(d)
        if key not in self.p.free:
            lo, hi, hi_known = self.p.fresh(d.name + ".low"), self.p.fresh(d.name + ".high"), self.p.fresh(
                d.name + ".given", z3.Bool)
            self.p.constraints += [lo >= 0, z3.Implies(hi_known, hi >= lo), z3.Implies(z3.Not(hi_known), lo == 0)]
            if d.spec.get("where") is None:
                self.p.constraints.append(z3.Implies(hi_known, hi == lo))
            if field.min_items:
                self.p.constraints.append(z3.Implies(hi_known, hi >= field.min_items))
            self.p.free[key] = (d, Value(z3.BoolVal(True), kind="count", lo=lo, hi_known=hi_known, hi=hi))
        return self.p.free[key][1]

    def _from_items(self, d) -> Value:
        """A value derived from a list modelled item by item, as derive.py derives it."""
        items = self.p.list_items(d.spec["items"])
        compiled = self.prepared.compiled
        where = compiled.derivations.get(d.name)
        joined, take = (compiled.joins or {}).get(d.name), (compiled.takes or {}).get(d.name)

        def test(condition, k):
            return (z3.BoolVal(True), z3.BoolVal(False)) if condition is None else self.condition(condition,
                                                                                                   items.scopes[k])

        if d.how == "count":
            parts = [(k < items.length, *test(where, k)) for k in range(self.p.items)]
            low = z3.Sum([z3.If(z3.And(inside, t), 1, 0) for inside, t, _ in parts] or [z3.IntVal(0)])
            unknown = z3.Sum([z3.If(z3.And(inside, z3.Not(t), z3.Not(f)), 1, 0) for inside, t, f in parts]
                             or [z3.IntVal(0)])
            low = z3.If(items.given, low, 0)
            return Value(z3.BoolVal(True), kind="count", lo=low, hi_known=items.given, hi=low + unknown)

        def value(k):
            v = items.items[k][d.spec["value"]]
            return v.known, v.val, z3.Not(v.known)

        def run_start(length):
            if length == 0:
                return _ABSENT

            def chosen(start):                     # the first item of the run meeting 'take' (or the start)
                if take is None:
                    return value(start)
                rest = _ABSENT
                for k in reversed(range(start, length)):
                    t, f = test(take, k)
                    rest = _choose(t, value(k), _choose(f, rest, _UNKNOWN))
                return rest

            result = chosen(0)
            for start in range(1, length):         # the run reaches back to 'start' and no further if ...
                jt, jf = test(joined, start)
                wt, wf = test(where, start - 1)
                result = _choose(z3.And(jt, wt), result,
                                 _choose(z3.Or(jf, z3.And(jt, wf)), chosen(start), _UNKNOWN))
            t, f = test(where, length - 1)
            return _choose(t, result, _choose(f, _ABSENT, _UNKNOWN))

        def pick(length):
            order = range(length) if d.how == "first" else reversed(range(length))
            rest = _ABSENT
            for k in reversed(list(order)):
                t, f = test(where, k)
                rest = _choose(t, value(k), _choose(f, rest, _UNKNOWN))
            return rest

        build = run_start if d.how == "start_of_last_run" else pick
        result = build(self.p.items)
        for length in reversed(range(self.p.items)):
            result = _choose(items.length == length, build(length), result)
        known, val, missing = _choose(items.given, result, _UNKNOWN)
        return Value(known, val, kind=items.children[d.spec["value"]].type, missing=missing)

    def _only_item_facts(self, d):
        compiled = self.prepared.compiled
        for tree in (compiled.derivations.get(d.name), (compiled.joins or {}).get(d.name),
                     (compiled.takes or {}).get(d.name)):
            if tree is not None and any(not k.startswith("f_") for k in logic.keys_read(tree)):
                raise CannotEncode(f"the derived value '{d.name}' tests list items against values outside the item")

    def _free_pick(self, d) -> Value:
        self._only_item_facts(d)
        compiled = self.prepared.compiled
        key = (d.how, d.spec["items"], d.spec["value"], repr(compiled.derivations.get(d.name)),
               repr((compiled.joins or {}).get(d.name)), repr((compiled.takes or {}).get(d.name)))
        if key not in self.p.free:
            from .scope import item_scope_fields
            list_field = self.p.vocabulary.fields[d.spec["items"]]
            field = item_scope_fields(list_field)[d.spec["value"]]
            v = self.p._variable(f"{d.name}", field.type, field)
            # not known: either unknown (a fact is missing) or known to be absent (no such item)
            v.missing = self.p.fresh(d.name + ".missing", z3.Bool)
            self.p.constraints.append(z3.Implies(v.known, z3.Not(v.missing)))
            if list_field.dated_by is not None and list_field.dated_by == d.spec["value"]:
                # items dated after the decision date are left out before anything is derived (as_at.py)
                self.p.constraints.append(z3.Implies(v.known, v.val <= self.p.on))
            self.p.free[key] = (d, v)
        return self.p.free[key][1]

    # -- conditions ---------------------------------------------------------------------
    def _by_key(self, key: str) -> Value:
        for ref in self._refs():
            if ref.key == key:
                return self.value(ref)
        raise CannotEncode(f"the value {key} is not encoded")

    def _refs(self):
        if not hasattr(self, "_ref_list"):
            self._ref_list = [r for refs in self.prepared.refs.values() for r in refs]
        return self._ref_list

    def condition(self, node, scope: dict | None = None):
        """(certainly true, certainly false) for a compiled condition; ``scope``: the values of one list item."""
        if isinstance(node, logic.Atom):
            return self.atom(node, scope)
        if isinstance(node, logic.Negation):
            t, f = self.condition(node.item, scope)
            return f, t
        pairs = [self.condition(i, scope) for i in node.items]
        ts, fs = [p[0] for p in pairs], [p[1] for p in pairs]
        if isinstance(node, logic.All):
            return z3.And(ts), z3.Or(fs)
        return z3.Or(ts), z3.And(fs)

    def atom(self, atom: logic.Atom, scope: dict | None = None):
        lookup = self._by_key if scope is None else scope.__getitem__
        guard = z3.BoolVal(True)
        if atom.ref_key is not None:
            other = lookup(atom.ref_key)
            guard, operand = other.known, other.val
            if other.val is None:
                raise CannotEncode(f"{atom.ref_key} cannot be compared")
        else:
            operand = atom.value
        subject = lookup(atom.key)
        if atom.interval:
            return self._interval(atom.op, subject, operand, guard)
        known = z3.And(guard, subject.known)
        holds = self._holds(atom, subject, operand)
        return z3.And(known, holds), z3.And(known, z3.Not(holds))

    def _holds(self, atom, subject: Value, operand):
        """Whether a recorded value meets the comparison, as the operator table says (operators.py)."""
        operator = operators.BY_NAME[atom.op]
        if operator.operand == "flag":                  # is_recorded / not_recorded: met or not by being recorded
            return z3.BoolVal(operator.evaluate(True, True))
        if operator.operand == "list":
            if subject.members is not None:             # a set of choices: does it include one of the list?
                hit = z3.Or([subject.members[x] for x in operand if x in subject.members] or [z3.BoolVal(False)])
            elif subject.val is not None and subject.kind != "text":
                hit = z3.Or([subject.val == self.p.literal(x) for x in operand] or [z3.BoolVal(False)])
            else:
                raise CannotEncode(f"{atom.key} {atom.op} is not encoded for a {subject.kind} value")
            return hit if operator.list_rule == "any" else z3.Not(hit)
        if subject.val is None:
            raise CannotEncode(f"{atom.key} {atom.op} is not encoded for a {subject.kind} value")
        if subject.kind == "text":
            raise CannotEncode(f"{atom.key} is text and is only ever tested for being recorded")
        x = operand if isinstance(operand, z3.ArithRef) else self.p.literal(operand)
        if operator.evaluate is None or operator.operand != "single":
            raise CannotEncode(f"{atom.key} {atom.op} is not encoded for a {subject.kind} value")
        return operator.evaluate(subject.val, x)        # the table's comparison, applied to solver terms

    def _interval(self, op, v: Value, n, guard):
        """(certainly met, certainly not met) for a count known to lie between v.lo and v.hi, by the
        operator's count rule in the table (operators.judge_count, applied to solver terms)."""
        n = n if isinstance(n, z3.ArithRef) else self.p.literal(n)
        operator = operators.BY_NAME[op]
        if operator.count_rule is None:
            raise CannotEncode(f"a count compared with {op} is not encoded")
        t = self._certainly(operator, v, n)
        f = self._certainly(operators.BY_NAME[operator.complement], v, n)
        return z3.And(guard, t), z3.And(guard, f)

    @staticmethod
    def _certainly(operator, v: Value, n):
        ends = {"lo": (z3.BoolVal(True), v.lo), "hi": (v.hi_known, v.hi)}    # the lower end is always known
        passed = [z3.And(ends[end][0], operators.BY_NAME[test].evaluate(ends[end][1], n))
                  for end, test in operator.count_rule.tests]
        return z3.And(passed) if operator.count_rule.combine == "all" else z3.Or(passed)

    def recorded(self, criterion_id: str):
        """Every value the criterion's condition reads is recorded (counts: every item's facts too)."""
        parts = []
        for ref in self.prepared.refs[criterion_id]:
            v = self.value(ref)
            parts.append(z3.And(v.hi_known, v.lo == v.hi) if v.lo is not None else z3.Not(v.missing))
        return all_of(parts)

    def outcome_condition(self, node):
        """(certainly true, certainly false) for an outcome's 'when' over the criterion results (waived counts as met)."""
        if isinstance(node, m.CriterionRef):
            status = self.status[node.id]
            return z3.Or(status == MET, status == WAIVED), status == NOT_MET
        if isinstance(node, m.Not):
            t, f = self.outcome_condition(node.item)
            return f, t
        pairs = [self.outcome_condition(i) for i in node.items]
        if isinstance(node, m.AllOf):
            return z3.And([p[0] for p in pairs]), z3.Or([p[1] for p in pairs])
        return z3.Or([p[0] for p in pairs]), z3.And([p[1] for p in pairs])

    # -- outcome -------------------------------------------------------------------------
    def _outcome(self):
        """The index of the outcome rule decided (len(outcomes) for insufficient_information), as decide.py.

        The first outcome whose 'when' holds is the decision. With unknown criteria, an outcome
        is decided when every way they could turn out gives it (read from the outcomes' decision
        diagram, never by listing the ways). With more than MAX_UNKNOWN criteria unknown at once,
        the engine tries no ways: only an outcome the three-valued reading settles is decided.
        """
        rules = list(self.rule_set.outcomes)
        try:
            diagram, root = outcome_diagram.first_holding(self.rule_set)
        except outcome_diagram.TooLarge as exc:
            raise CannotEncode(f"the outcomes' decision diagram is too large ({exc})") from None
        could = [(self._could_be(self.status[c], True), self._could_be(self.status[c], False)) for c in diagram.order]
        possible = _possible_outcomes(diagram, root, could, {})
        insufficient = z3.IntVal(len(rules))
        result = insufficient
        for i in reversed(range(len(rules))):
            only_i = z3.And([z3.Not(e) for j, e in possible.items() if j != i])
            result = z3.If(z3.And(possible[i], only_i) if i in possible else z3.BoolVal(False), i, result)
        if len(self.status) <= MAX_UNKNOWN:
            return result
        settled = insufficient                         # the three-valued reading, outcome by outcome in order
        for i in reversed(range(len(rules))):
            if rules[i].when is None:
                settled = z3.IntVal(i)
                continue
            holds, fails = self.outcome_condition(rules[i].when)
            settled = z3.If(holds, i, z3.If(fails, settled, insufficient))
        unknown = z3.Sum([z3.If(status == UNKNOWN, 1, 0) for status in self.status.values()])
        return z3.If(unknown <= MAX_UNKNOWN, result, settled)

    @staticmethod
    def _could_be(status, truth: bool):
        if truth:
            return z3.Or(status == MET, status == WAIVED, status == UNKNOWN)
        return z3.Or(status == NOT_MET, status == UNKNOWN)

    def outcome_code(self):
        """The outcome as a Strings code (the same name gives the same code on both sides)."""
        rules = self.rule_set.outcomes
        result = z3.IntVal(self.p.strings.code(INSUFFICIENT))
        for i in reversed(range(len(rules))):
            result = z3.If(self.outcome_rule == i, self.p.strings.code(rules[i].outcome), result)
        return result

    def outputs(self):
        """name -> (present, Value or fixed code, from_setting) for every output this side can give."""
        out = {}
        rules = self.rule_set.outcomes
        for index, rule in list(enumerate(rules)) + [(None, None)]:
            for o in (rule.outputs if rule is not None else self.rule_set.outputs):
                present = self.outcome_rule == index if index is not None else z3.BoolVal(True)
                if o.name in out:
                    out[o.name] = (z3.Or(out[o.name][0], present),) + out[o.name][1:]
                    continue
                if o.ref is None:
                    value = Value(z3.BoolVal(True), z3.IntVal(self.p.strings.code(o.fixed)), missing=z3.BoolVal(False))
                else:
                    value = self.value(o.ref)
                    if o.only_when_met is not None:   # given only when that criterion is met
                        value = _only_when(value, self.status[o.only_when_met] == MET)
                out[o.name] = (present, value, o.ref is not None and o.ref.kind == "setting")
        return out


def _only_when(value: Value, condition) -> Value:
    """The value when the condition holds, else no value (an output given only when a criterion is met)."""
    if value.lo is not None:
        return Value(value.known, kind=value.kind, lo=z3.If(condition, value.lo, -1),
                     hi_known=z3.And(condition, value.hi_known), hi=value.hi)
    if value.members is not None:
        return Value(z3.And(condition, value.known), None, value.members, kind=value.kind)
    return Value(z3.And(condition, value.known), value.val, kind=value.kind, missing=value.missing)


def _possible_outcomes(diagram, node: int, could, memo) -> dict:
    """outcome index -> formula: some way the unknown criteria could turn out gives that outcome.

    ``could`` gives, for each criterion the diagram asks (in its order), whether it could be
    true and whether it could be false; each node of the diagram is encoded once.
    """
    if node not in memo:
        if diagram.is_leaf(node):
            memo[node] = {diagram.nodes[node][1]: z3.BoolVal(True)}
        else:
            level, if_true, if_false = diagram.nodes[node]
            can_be_true, can_be_false = could[level]
            yes, no = _possible_outcomes(diagram, if_true, could, memo), _possible_outcomes(diagram, if_false, could, memo)
            memo[node] = {j: z3.Or(z3.And(can_be_true, yes.get(j, z3.BoolVal(False))),
                                   z3.And(can_be_false, no.get(j, z3.BoolVal(False))))
                          for j in sorted(set(yes) | set(no))}
    return memo[node]


def same_value(a: Value, b: Value):
    if a.lo is not None and b.lo is not None:
        return z3.And(a.lo == b.lo, a.hi_known == b.hi_known, z3.Implies(a.hi_known, a.hi == b.hi))
    if a.members is not None and b.members is not None:
        return z3.And(a.known == b.known, z3.Implies(a.known, z3.And([a.members[k] == b.members.get(k, False)
                                                                       for k in a.members])))
    if a.val is None or b.val is None:
        raise CannotEncode("an output compares values of different kinds")
    return z3.And(a.known == b.known, z3.Implies(a.known, a.val == b.val))


def solve(constraints, timeout_ms: int, preferred=()):
    """('sat', model) | ('unsat', None) | ('unknown', reason).

    With ``preferred`` constraints, a model that also meets them is returned when the
    solver finds one quickly (it is only a nicer example; the answer does not depend on it).
    """
    solver = z3.Solver()
    solver.set("timeout", timeout_ms)
    solver.add(*constraints)
    result = solver.check()
    if result == z3.sat and preferred:
        first = solver.model()
        solver.push()
        solver.add(*preferred)
        solver.set("timeout", min(timeout_ms, 3000))
        nicer = solver.check()
        return "sat", (solver.model() if nicer == z3.sat else first)
    if result == z3.sat:
        return "sat", solver.model()
    if result == z3.unsat:
        return "unsat", None
    return "unknown", solver.reason_unknown()


class Questions:
    """One solver holding a problem's constraints, asked many questions in turn (each pushed, then popped)."""

    def __init__(self, constraints, timeout_ms: int, rlimit: int = 0):
        """``rlimit``: a limit on the solver's work per question that gives the same answer on every machine
        (z3's resource count; 0: none), for when giving up must not depend on the machine's speed."""
        self.timeout_ms = timeout_ms
        self.solver = z3.Solver()
        self.solver.set("timeout", timeout_ms)
        if rlimit:
            self.solver.set("rlimit", rlimit)
        self.solver.add(*constraints)

    def possible(self, *formulas, timeout_ms: int | None = None):
        """True when some case meets every formula (that case is then ``model``), False when none does,
        None when the solver gave up (within ``timeout_ms`` when given, else the time set for all)."""
        self.solver.push()
        self.solver.add(*formulas)
        self.solver.set("timeout", timeout_ms or self.timeout_ms)
        result = self.solver.check()
        self.model = self.solver.model() if result == z3.sat else None
        self.solver.pop()
        return True if result == z3.sat else (False if result == z3.unsat else None)


def holds_in(model, formula) -> bool:
    """The formula is true in the solver's case (values it leaves open are completed)."""
    return z3.is_true(model.eval(formula, model_completion=True))


def within_any(x, ranges):
    """x lies in one of the (low, high) ranges."""
    return any_of([between(x, low, high) for low, high in ranges])


def evaluate(model, expr):
    return model.eval(expr, model_completion=True)


def as_int(model, expr) -> int:
    return evaluate(model, expr).as_long()


def disequal(a, b):
    return a != b


def any_of(items):
    return z3.Or(items) if items else z3.BoolVal(False)


def between(x, low: int, high: int):
    return z3.And(x >= low, x <= high)


def all_of(items):
    return z3.And(items) if items else z3.BoolVal(True)


def negate(formula):
    return z3.Not(formula)
