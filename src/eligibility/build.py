"""Schema-valid rule-file data → frozen model records, each with its source location.

Schema validation has already checked types and keys; this stage reports the few
shape rules a schema cannot say well (a comparison names exactly one thing to compare
and exactly one way to compare it; 'otherwise' comes last).
"""

from __future__ import annotations

import datetime as dt
import hashlib

from . import model as m
from . import operators, stable_json
from .diagnostics import Diagnostic, did_you_mean, json_path
from .source import SourceMap


def digest(data) -> str:
    """sha256 of the canonical JSON form (sorted keys, no spaces, UTF-8) of parsed file content or a record."""
    return hashlib.sha256(stable_json.compact(data).encode("utf-8")).hexdigest()


def identity_digest(data: dict) -> str:
    """The digest that identifies a rule-set or settings version in decision records.

    It covers everything except the end date (`effective_to`) and the reason a last version
    ends (`ends`): closing a version, or adding a newer one after it, cannot change how it
    decides a date inside its period, so records issued under it keep pointing at a version
    that still exists (docs/architecture.md, "Decision records and their rule identity").
    """
    return digest({key: value for key, value in data.items() if key not in ("effective_to", "ends")})


def to_date(text):
    return dt.date.fromisoformat(text) if text is not None else None


class Builder:
    """Builds model records from one file, collecting shape problems as diagnostics."""

    def __init__(self, smap: SourceMap):
        self.smap = smap
        self.diagnostics: list[Diagnostic] = []

    def problem(self, path, message, hint=None, code="E204", key=False):
        self.diagnostics.append(Diagnostic(code, message, self.smap.span(path, key=key), json_path(path), hint))

    # -- references and conditions -------------------------------------------------
    def ref(self, data: dict, path) -> m.Ref:
        (kind, name), = data.items()
        return m.Ref(kind, name)

    def operand(self, value, path):
        if isinstance(value, dict):
            return self.ref(value, path)
        if isinstance(value, list):
            return tuple(value)
        return value

    def condition(self, data: dict, path):
        connectives = [k for k in ("all", "any", "not") if k in data]
        if connectives:
            if len(data) != 1:
                self.problem(path, f"'{connectives[0]}' must stand alone in its condition",
                             "put the other keys in a separate condition inside the list")
            key = connectives[0]
            if key == "not":
                return m.Not(self.condition(data["not"], path + ("not",)))
            items = tuple(self.condition(c, path + (key, i)) for i, c in enumerate(data[key]))
            return m.AllOf(items) if key == "all" else m.AnyOf(items)
        subjects = [k for k in m.REFERENCE_KINDS if k in data]
        ops = [k for k in operators.WRITTEN if k in data]
        if len(subjects) != 1:
            self.problem(path, "a comparison must name exactly one of fact, derived, setting or decision"
                         + (f" (found {', '.join(subjects)})" if subjects else ""),
                         "e.g. {fact: person.needs_arise_from_impairment_or_illness, is: true}")
            return m.AllOf(())
        if len(ops) != 1:
            self.problem(path, "a comparison must have exactly one way of comparing"
                         + (f" (found {', '.join(ops)})" if ops else ""),
                         f"use one of: {', '.join(operators.WRITTEN)}")
            return m.AllOf(())
        subject = m.Ref(subjects[0], data[subjects[0]])
        op = ops[0]
        return m.Compare(subject, op, self.operand(data[op], path + (op,)), self.smap.span(path + (subjects[0],)))

    def outcome_condition(self, data: dict, path):
        (key, value), = data.items()
        if key == "criterion":
            return m.CriterionRef(value, self.smap.span(path + ("criterion",)))
        if key == "not":
            return m.Not(self.outcome_condition(value, path + ("not",)))
        items = tuple(self.outcome_condition(c, path + (key, i)) for i, c in enumerate(value))
        return m.AllOf(items) if key == "all" else m.AnyOf(items)

    # -- rule sets -------------------------------------------------------------------
    def rule_set(self, data: dict) -> m.RuleSet:
        derived = tuple(self.derivation(name, spec, ("derived", name))
                        for name, spec in (data.get("derived") or {}).items())
        criteria = tuple(self.criterion(c, ("criteria", i)) for i, c in enumerate(data["criteria"]))
        outcomes = tuple(self.outcome(o, ("outcomes", i), last=i == len(data["outcomes"]) - 1)
                         for i, o in enumerate(data["outcomes"]))
        outputs = self.outputs(data.get("outputs") or {}, ("outputs",))
        disregards = tuple(m.Disregard(d["fact"], d["text"], d["citation"]) for d in data.get("disregards") or ())
        return m.RuleSet(
            id=data["id"], decision=data["decision"], version=str(data["version"]), title=data["title"],
            effective_from=to_date(data["effective_from"]), effective_to=to_date(data.get("effective_to")),
            applies_to=tuple(data.get("applies_to") or ()), sources=tuple(data["sources"]), derived=derived,
            criteria=criteria, outcomes=outcomes, disregards=disregards, outputs=outputs,
            digest=identity_digest(data), file=self.smap.file, notes=data.get("notes"), span=self.smap.span(()),
            national=bool(data.get("national", False)), ends=data.get("ends"))

    def outcome(self, data: dict, path, last: bool) -> m.OutcomeRule:
        if ("when" in data) == ("otherwise" in data):
            self.problem(path, f"outcome '{data['outcome']}' needs either 'when' or 'otherwise: true', not both",
                         "list outcomes in order; the last one says 'otherwise: true'")
        if "otherwise" in data and not last:
            self.problem(path + ("otherwise",), "only the last outcome may say 'otherwise'",
                         "outcomes are tried in order, so an outcome after 'otherwise' could never apply")
        if last and "otherwise" not in data:
            self.problem(path, "the last outcome must say 'otherwise: true'",
                         "it is the outcome when no earlier outcome applies")
        when = self.outcome_condition(data["when"], path + ("when",)) if "when" in data else None
        return m.OutcomeRule(data["outcome"], when, data.get("text"), self.outputs(data.get("outputs") or {}, path + ("outputs",)),
                             bool(data.get("favourable")))

    def outputs(self, data: dict, path) -> tuple:
        out = []
        for name, o in data.items():
            if ("value" in o) == ("fixed" in o):
                self.problem(path + (name,), f"output '{name}' needs either 'value' or 'fixed', not both",
                             "e.g. value: {setting: council_name}, or fixed: Care Act 2014 s9")
                continue
            ref = self.ref(o["value"], path + (name, "value")) if "value" in o else None
            if "only_when_met" in o and ref is None:
                self.problem(path + (name, "only_when_met"), f"'only_when_met' goes with a 'value', not a fixed text "
                             f"(output '{name}')")
            out.append(m.Output(name, o["text"], ref, o.get("fixed"), o.get("only_when_met")))
        return tuple(out)

    def derivation(self, name, spec: dict, path) -> m.Derivation:
        kinds = [k for k in ("count", "years_between", "days_between", "date_plus", "date_minus", "first", "last",
                             "start_of_last_run", "first_known") if k in spec]
        if len(kinds) != 1:
            self.problem(path, f"derived value '{name}' must use exactly one of count, years_between, "
                         "days_between, date_plus, date_minus, first, last, start_of_last_run or first_known",
                         "e.g. count: outcomes")
            return m.Derivation(name, spec["text"], "invalid", {}, "integer", spec.get("citation"), self.smap.span(path))
        how = kinds[0]
        if how == "count":
            params = {"items": spec["count"],
                      "where": self.condition(spec["where"], path + ("where",)) if "where" in spec else None,
                      "includes_any": tuple(spec["includes_any"]) if "includes_any" in spec else None}
            value_type = "count"
        elif how in ("first", "last", "start_of_last_run"):
            params = {"items": spec[how],
                      "where": self.condition(spec["where"], path + ("where",)) if "where" in spec else None,
                      "joined": (self.condition(spec["joined_when"], path + ("joined_when",))
                                 if "joined_when" in spec else None),
                      "take": (self.condition(spec["taken_from_first_where"], path + ("taken_from_first_where",))
                               if "taken_from_first_where" in spec else None),
                      "value": spec.get("value")}
            if "value" not in spec:
                self.problem(path, f"derived value '{name}' takes '{how}' item's field: add 'value: <field of the item>'")
            value_type = "pick"
        elif how == "first_known":
            params = {"refs": tuple(self.ref(r, path + ("first_known", i)) for i, r in enumerate(spec["first_known"]))}
            value_type = "first_known"
        elif how in ("date_plus", "date_minus"):
            body = spec[how]
            unit = next(k for k in ("days", "weeks", "months", "years") if k in body)
            params = {"date": self.ref(body["date"], path + (how, "date")), "unit": unit,
                      "amount": self.operand(body[unit], path + (how, unit)), "sign": 1 if how == "date_plus" else -1}
            value_type = "date"
        else:
            body = spec[how]
            params = {"from": self.ref(body["from"], path + (how, "from")), "to": self.ref(body["to"], path + (how, "to"))}
            value_type = "integer"
        if how not in ("count", "first", "last", "start_of_last_run") and "where" in spec:
            self.problem(path, f"'where' only goes with count, first, last or start_of_last_run (derived value '{name}')")
        if how != "start_of_last_run" and "joined_when" in spec:
            self.problem(path, f"'joined_when' only goes with start_of_last_run (derived value '{name}')")
        if how != "start_of_last_run" and "taken_from_first_where" in spec:
            self.problem(path, f"'taken_from_first_where' only goes with start_of_last_run (derived value '{name}')")
        if how == "start_of_last_run" and "joined_when" not in spec:
            self.problem(path, f"derived value '{name}' needs 'joined_when': when an item follows on from the one before")
        if how != "count" and "includes_any" in spec:
            self.problem(path, f"'includes_any' only goes with 'count' (derived value '{name}')")
        if how not in ("first", "last", "start_of_last_run") and "value" in spec:
            self.problem(path, f"'value' only goes with first, last or start_of_last_run (derived value '{name}')")
        return m.Derivation(name, spec["text"], how, params, value_type, spec.get("citation"), self.smap.span(path))

    # -- vocabulary and settings -------------------------------------------------------
    def fields(self, data: dict, lists: dict, prefix="", path=("fields",), list_labels=None,
               never_suggest=None) -> list[m.FieldDef]:
        out = []
        for name, spec in data.items():
            full = f"{prefix}{name}"
            here = path + (name,)
            values = spec.get("values", ())
            labels = dict(spec.get("labels") or {})
            if isinstance(values, str):
                if values not in lists:
                    self.problem(here + ("values",), f"no choice list is called '{values}'",
                                 did_you_mean(values, lists) or "define it under 'choice_lists:'", code="E301")
                labels = {**(list_labels or {}).get(values, {}), **labels}
                values = lists.get(values, ())
            for value in labels:
                if value not in values:
                    self.problem(here + ("labels", value), f"'{value}' is not one of the values of field '{full}'",
                                 did_you_mean(value, values) or f"values: {', '.join(values)}", code="E301")
            why_fixed = spec.get("never_suggest_changing", never_suggest)
            children = tuple(self.fields(spec.get("fields") or {}, lists, f"{full}.", here + ("fields",), list_labels,
                                         why_fixed))
            if spec["type"] in ("choice", "choices") and not values and not isinstance(spec.get("values"), str):
                self.problem(here, f"field '{full}' is a {spec['type']} field but lists no 'values'")
            if spec["type"] in ("record", "list") and not children:
                self.problem(here, f"field '{full}' is a {spec['type']} but has no 'fields'")
            if spec["type"] not in ("record", "list") and "fields" in spec:
                self.problem(here + ("fields",), f"only record and list fields have 'fields' ('{full}' is {spec['type']})")
            out.append(m.FieldDef(full, spec["type"], spec["text"], tuple(values), spec.get("minimum"),
                                  spec.get("maximum"), tuple(children), self.smap.span(here, key=True),
                                  bool(spec.get("refers_to_area")), spec.get("min_items", 0),
                                  bool(spec.get("not_after_decision_date")), spec.get("dated_by"),
                                  tuple(labels.items()), why_fixed))
            if "dated_by" in spec:
                dates = {c.path.rsplit(".", 1)[-1] for c in children if c.type == "date"}
                if spec["type"] != "list":
                    self.problem(here + ("dated_by",), f"only list fields have 'dated_by' ('{full}' is {spec['type']})")
                elif spec["dated_by"] not in dates:
                    self.problem(here + ("dated_by",), f"'dated_by' must name a date field of each item of '{full}'",
                                 f"date fields: {', '.join(sorted(dates))}" if dates else "add a date field to the items")
            if "not_after_decision_date" in spec and spec["type"] != "date":
                self.problem(here + ("not_after_decision_date",), f"only date fields have 'not_after_decision_date' "
                             f"('{full}' is {spec['type']})")
            if "min_items" in spec and spec["type"] not in ("choices", "list"):
                self.problem(here + ("min_items",), f"only choices and list fields have 'min_items' ('{full}' is "
                             f"{spec['type']})")
        return out

    def setting_defs(self, data: dict) -> list[m.SettingDef]:
        return [m.SettingDef(name, s["type"], s["text"], s["citation"], tuple(s.get("values", ())), s.get("minimum"),
                             s.get("maximum"), self.smap.span(("settings", name), key=True))
                for name, s in data["settings"].items()]

    def settings_versions(self, data: dict) -> list[m.SettingsVersion]:
        """The versions in date order. A version lists only what changes: every value it does not
        give carries forward, with its source, from the version before it."""
        built, in_force, origins, unconfirmed = {}, {}, {}, {}
        order = sorted(range(len(data["versions"])), key=lambda i: str(data["versions"][i]["effective_from"]))
        for i in order:
            v = data["versions"][i]
            in_force = {**in_force, **v["settings"]}
            unconfirmed = {**{k: note for k, note in unconfirmed.items() if k not in v["settings"]},
                           **{k: self._unconfirmed_note(("versions", i, "settings", k), s)
                              for k, s in v["settings"].items() if s.get("confidence") == "unconfirmed"}}
            origins = {**origins, **{name: (str(v["version"]), self.smap.span(("versions", i, "settings", name), key=True))
                                     for name in v["settings"]}}
            built[i] = m.SettingsVersion(
                authority=data["authority"], council=data["name"], version=str(v["version"]),
                effective_from=to_date(v["effective_from"]), effective_to=to_date(v.get("effective_to")),
                values={k: s["value"] for k, s in in_force.items()},
                sources={k: s["source"] for k, s in in_force.items()},
                digest=identity_digest({**v, "settings": in_force}),   # the values in force, whichever version set them
                file=self.smap.file, span=self.smap.span(("versions", i)), area=data.get("area"),
                ends=v.get("ends"), origins=origins, unconfirmed=unconfirmed)
        return [built[i] for i in range(len(built))]             # in file order, as positions in the file expect

    def criterion(self, c: dict, path: tuple) -> m.Criterion:
        condition = self.condition(c["condition"], path + ("condition",))
        return m.Criterion(c["id"], c["text"], c["citation"], condition, c.get("note"), c.get("confidence"),
                           self.smap.span(path),
                           self.condition(c["waived_when"], path + ("waived_when",)) if "waived_when" in c else None,
                           self._not_met_when_not_recorded(c, path, condition))

    def _not_met_when_not_recorded(self, c: dict, path: tuple, condition) -> str | None:
        """The fact that records an act (a refusal, a request): it must be one the condition reads."""
        fact = c.get("not_met_when_not_recorded")
        if fact is None:
            return None
        read = {leaf.subject.name for leaf in m.leaves(condition)
                if isinstance(leaf, m.Compare) and leaf.subject.kind == "fact"}
        if fact not in read:
            self.problem(path + ("not_met_when_not_recorded",), f"'{fact}' is not a fact this criterion's condition "
                         "reads", f"name one of: {', '.join(sorted(read)) or 'no facts are read'}")
        return fact

    def _unconfirmed_note(self, path: tuple, value: dict) -> str:
        """What the council papers do not say about an unconfirmed setting: its note, which is required."""
        if not value.get("note"):
            self.problem(path + ("confidence",), "a setting marked 'confidence: unconfirmed' needs a note saying what "
                         "the council papers do not say", "add e.g. note: the council papers do not say whether ...",
                         code="E201")
        return " ".join(str(value.get("note", "")).split())

    def variations(self, data: dict) -> list[m.Variation]:
        return [m.Variation(
            id=v["id"], authority=data["authority"], text=v["text"], decisions=tuple(v["decisions"]),
            settings=tuple(v.get("settings", ())), criteria=tuple(v.get("criteria", ())),
            outputs=tuple(v.get("outputs", ())), outcome_may_differ=bool(v.get("outcome_may_differ", False)),
            justification=v["justification"], source=v["source"], effective_from=to_date(v["effective_from"]),
            effective_to=to_date(v.get("effective_to")), span=self.smap.span(("variations", i)), file=self.smap.file)
            for i, v in enumerate(data.get("variations") or ())]
