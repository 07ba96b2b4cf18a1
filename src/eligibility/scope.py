"""What a name in a rule set refers to, and the type of its value."""

from __future__ import annotations

from dataclasses import dataclass

from . import model as m

@dataclass(frozen=True)
class ValueType:
    type: str                       # boolean | integer | text | date | choice | choices | record | list | count
    values: tuple = ()              # allowed values of a choice
    field: m.FieldDef | None = None


class Scope:
    """Resolves references for one rule set against the case fields and setting definitions."""

    def __init__(self, vocabulary: m.Vocabulary, setting_defs: dict, rule_set: m.RuleSet, authorities: tuple = ()):
        self.vocabulary = vocabulary
        self.setting_defs = setting_defs
        self.authorities = tuple(authorities)
        self.derived = {d.name: d for d in rule_set.derived}

    def type_of(self, ref: m.Ref) -> ValueType | None:
        if ref.kind == "fact":
            f = self.vocabulary.fields.get(ref.name)
            return ValueType(f.type, f.values, f) if f else None
        if ref.kind == "setting":
            s = self.setting_defs.get(ref.name)
            return ValueType(s.type, s.values) if s else None
        if ref.kind == "derived":
            d = self.derived.get(ref.name)
            return self._derived_type(d) if d else None
        if ref.name == "date":
            return ValueType("date")
        return ValueType("choice", self.authorities)

    def _derived_type(self, d: m.Derivation) -> ValueType | None:
        if d.value_type == "pick":
            field = self.vocabulary.fields.get(d.spec["items"])
            item = item_scope_fields(field).get(d.spec["value"] or "") if field is not None and field.type == "list" else None
            return ValueType(item.type, item.values, item) if item else None
        if d.value_type == "first_known":
            return self.type_of(d.spec["refs"][0]) if d.spec["refs"][0].name != d.name else None
        return ValueType(d.value_type)

    def candidates(self, kind: str) -> list[str]:
        if kind == "fact":
            return sorted(self.vocabulary.fields)
        if kind == "setting":
            return sorted(self.setting_defs)
        if kind == "derived":
            return sorted(self.derived)
        return ["date", "authority"]


def item_scope_fields(field: m.FieldDef) -> dict:
    """The fields of one item of a list field, by path relative to the item."""
    out = {}

    def walk(children, prefix):
        for child in children:
            rel = prefix + child.path.rsplit(".", 1)[-1]
            out[rel] = child
            if child.type == "record":
                walk(child.children, rel + ".")

    walk(field.children, "")
    return out


def refs_in(condition) -> list[m.Ref]:
    """Every reference a condition reads, in order, subjects and operands alike."""
    out = []
    for compare in m.leaves(condition):
        out.append(compare.subject)
        if isinstance(compare.operand, m.Ref):
            out.append(compare.operand)
    return out


def derivation_refs(d: m.Derivation) -> list[m.Ref]:
    """The references a derivation reads (its own inputs, not item-relative ones)."""
    if d.how in ("count", "first", "last", "start_of_last_run"):
        return [m.Ref("fact", d.spec["items"])]
    if d.how == "first_known":
        return list(d.spec["refs"])
    if d.how in ("date_plus", "date_minus"):
        refs = [d.spec["date"]]
        if isinstance(d.spec["amount"], m.Ref):
            refs.append(d.spec["amount"])
        return refs
    if d.how in ("years_between", "days_between"):
        return [d.spec["from"], d.spec["to"]]
    return []
