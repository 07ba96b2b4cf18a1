"""What a letter to the person says: a decision turned into plain words, ready for a template.

Care Act 2014 s13(2) requires a written record of every eligibility determination, with
its reasons, given to the person; s13(5) requires advice and information when needs are
not eligible. For the other decisions (placement approval, responsible authority,
review dates) the letter is a notice with reasons.

This module chooses and words the content; ``letter_html`` lays it out (Jinja2
templates in ``templates/``) and a format of ``letter_formats`` gives it as HTML or
prints it as PDF. Everything shown comes from
the decision record, the case fields' own words (``rules/shared/case-fields.yaml``) and
the councils' letter content (``rules/<council>/letters.yaml``). Field paths, file
names, digests and internal ids are never shown.
"""

from __future__ import annotations

import datetime as dt
import re

from . import letter_content
from . import model as m
from .decision import Decision
from .diagnostics import CaseError, Diagnostic, Span
from .letter_formats import letter_format
from .values import nested_get

ELIGIBILITY_DECISIONS = ("adult-eligibility", "carer-eligibility")
_CITATION = re.compile(r"\s*\((?:reg|regs|s|SI|Care Act)\s[^()]*(?:\([^()]*\)[^()]*)*\)")


class LetterError(CaseError):
    """A letter cannot be written (for example, no letter content is in force for the council)."""


def view(engine, decision: Decision, case: dict) -> dict:
    """Everything the templates need, as plain data in plain words."""
    council = letter_content.in_force(engine.corpus.letter_contents, decision.authority, decision.decided_on)
    national = letter_content.in_force(engine.corpus.letter_contents, None, decision.decided_on)
    if council is None or national is None:
        missing = f"rules/{decision.authority}/letters.yaml" if council is None else "rules/shared/letters.yaml"
        raise LetterError([Diagnostic("C405", f"no letter content is in force for {decision.authority} on "
                                      f"{decision.decided_on.isoformat()}", Span(missing), "$",
                                      f"add a version covering {decision.decided_on.isoformat()} to {missing}")])
    rule_set = engine.rule_set_for(decision.decision, decision.authority, decision.decided_on)
    words = _Words(engine.corpus.vocabulary, rule_set)
    facts = case.get("facts") or {}
    favourable = sorted(o.outcome for o in rule_set.outcomes if o.favourable)
    out = {
        "decision": decision.decision,
        "outcome": decision.outcome,
        "outcome_reason": _plain(decision.outcome_reason),
        "favourable": favourable,
        "is_favourable": decision.outcome in favourable,
        "is_eligibility": decision.decision in ELIGIBILITY_DECISIONS,
        "reference": decision.reference,
        "case_ref": decision.case_ref,
        "decided_on": long_date(decision.decided_on),
        "council": _council(council, decision.decision),
        "ombudsman": _ombudsman(national),
        "criteria": [_criterion(c, words) for c in decision.criteria],
        "missing": list(dict.fromkeys(_missing_text(mf, words) for mf in decision.missing_facts)),
        "disregarded": [_plain(text) for _, text, _ in decision.disregarded],
        "outputs": [{"label": _plain(text), "value": words.show(value)} for name, text, value in decision.outputs
                    if value is not None and name != "determined_by"],
        "what_would_change": [_suggestion(w, words, decision) for w in decision.what_would_change],
    }
    if out["is_eligibility"]:
        out.update(_eligibility(rule_set, facts, words, decision))
    return out


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


# -- parts of the letter ----------------------------------------------------------------------

def _council(content, decision: str) -> dict:
    v = content.values
    advice = [a for a in v["advice"] if decision in a.get("only_for", (decision,))]
    return {"name": v["council_name"], "team": v["team"], "address": content.contact("address") or [],
            "phone": content.contact("phone"), "email": content.contact("email"),
            "website": content.contact("website"), "advice": advice, "review": v["review"],
            "complaints": v["complaints"]}


def _ombudsman(content) -> dict:
    o = dict(content.values["ombudsman"])
    for key in ("phone", "website"):
        if str(o.get(key, "")).strip().lower() == letter_content.TO_CONFIRM:
            o[key] = None
    o["address"] = [line for line in o["address"] if line.strip().lower() != letter_content.TO_CONFIRM]
    return o


def _missing_text(missing, words) -> str:
    """A missing fact as something to find out: 'Whether ...' for a yes/no or an outcome."""
    field = words.vocabulary.fields.get(missing.fact.split("[")[0])
    text = _label(missing.text)
    if field is not None and words.count_of(field.path) is not None:
        return f"Whether you can achieve this outcome: {text}"
    if field is not None and field.type == "boolean":
        return f"Whether {text[0].lower()}{text[1:]}"
    return text


def _criterion(result, words) -> dict:
    recorded = []
    for name, value in result.facts_used:
        label, shown = words.fact_line(name, value)
        if value is None and result.status != "unknown":
            continue                                # not recorded, and it did not matter to the answer
        if label is not None:
            recorded.append({"label": label, "value": shown})
    return {"text": _plain(result.text), "status": result.status, "recorded": recorded}


def _eligibility(rule_set: m.RuleSet, facts: dict, words, decision: Decision) -> dict:
    """The s13(2) parts: the outcomes the person can and cannot achieve, the wellbeing judgement."""
    outcomes_count = next((d for d in rule_set.derived if d.how == "count"
                           and words.vocabulary.fields[d.spec["items"]].type == "record"), None)
    domains_count = next((d for d in rule_set.derived if d.how == "count"
                          and words.vocabulary.fields[d.spec["items"]].type == "choices"), None)
    rows = []
    if outcomes_count is not None:
        record = words.vocabulary.fields[outcomes_count.spec["items"]]
        counted = set(outcomes_count.spec.get("includes_any") or ())
        for field in record.children:
            reasons = nested_get(facts, field.path)
            counting = [r for r in (reasons or []) if not counted or r in counted]
            rows.append({
                "label": _label(field.text),
                "status": "not_assessed" if reasons is None else ("cannot" if counting else
                                                                   ("not_counted" if reasons else "can")),
                "reasons": [words.choice(field, r) for r in (reasons or [])],
            })
    wellbeing = None
    if domains_count is not None:
        parent = domains_count.spec["items"].rsplit(".", 1)[0]
        domains_field = words.vocabulary.fields[domains_count.spec["items"]]
        wellbeing = {
            "significant": nested_get(facts, parent + ".significant"),
            "areas": [words.choice(domains_field, v) for v in (nested_get(facts, domains_count.spec["items"]) or [])],
            "rationale": nested_get(facts, parent + ".rationale"),
        }
    eligible_needs = [r["label"] for r in rows if r["status"] == "cannot"] if decision.outcome == "eligible" else []
    return {"outcome_rows": rows, "wellbeing": wellbeing, "eligible_needs": eligible_needs,
            "outcomes_title": _plain(outcomes_count.text) if outcomes_count else None}


def _suggestion(change_set, words, decision: Decision) -> dict:
    """One way the outcome would be different, in words; counted outcomes are described by their count."""
    lines, counts = [], {}
    for change in change_set.changes:
        field = words.vocabulary.fields[change.fact]
        derivation = words.count_of(change.fact)
        if derivation is not None:
            counts.setdefault(derivation.name, [derivation, 0])[1] += 1
            continue
        lines.append({"label": _label(field.text), "from": words.value(field, change.before),
                      "to": words.value(field, change.after), "count": False})
    for name, (derivation, extra) in counts.items():
        current = next((d.value for d in decision.derived if d.name == name), None)
        low = current[0] if isinstance(current, tuple) else current
        lines.insert(0, {"label": _label(derivation.text), "from": "not known" if low is None else str(low),
                         "to": f"at least {extra}" if low is None else str(low + extra), "count": True})
    return {"lines": lines, "outcome": change_set.outcome}


# -- words for values ----------------------------------------------------------------------------

class _Words:
    """Field and value words, from the case fields and the rule set's derived values."""

    def __init__(self, vocabulary: m.Vocabulary, rule_set: m.RuleSet):
        self.vocabulary = vocabulary
        self.derived = {d.name: d for d in rule_set.derived}

    def count_of(self, path: str):
        """The count derivation that counts this choices field as one of a record's items, if any."""
        parent = path.rsplit(".", 1)[0]
        return next((d for d in self.derived.values() if d.how == "count" and d.spec["items"] == parent), None)

    def choice(self, field: m.FieldDef, value) -> str:
        return dict(field.labels).get(value) or str(value).replace("_", " ")

    def value(self, field: m.FieldDef, value) -> str:
        if value is None:
            return "not recorded"
        if field.type == "choices":
            return "; ".join(self.choice(field, v) for v in value) or "none"
        if field.type == "choice":
            return self.choice(field, value)
        if field.type == "text":
            return value if value != "recorded" else "recorded"
        return self.show(value)

    def show(self, value) -> str:
        if value is None:
            return "not recorded"
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, dt.date):
            return long_date(value)
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return long_date(dt.date.fromisoformat(value))
        if isinstance(value, dict) and "at_least" in value:     # a count while some items are not assessed
            value = (value["at_least"], value.get("at_most"))
        if isinstance(value, (list, tuple)) and len(value) == 2 and all(isinstance(v, int) or v is None for v in value):
            low, high = value
            return str(low) if low == high else f"at least {low} (not everything has been assessed yet)"
        if isinstance(value, (list, tuple)):
            return "; ".join(self.show(v) for v in value) or "none"
        if isinstance(value, str) and re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)+", value):
            return value.replace("_", " ")          # a choice value picked by a derived value
        if isinstance(value, str):
            return value
        return str(value)

    def fact_line(self, name: str, value):
        """(label, value words) for one fact a criterion used; (None, None) for what a letter leaves out."""
        if name.startswith("derived."):
            d = self.derived.get(name.split(".", 1)[1])
            if d is None or d.how in ("years_between", "days_between") and value is None:
                return None, None
            return _label(d.text), self.show(value)
        if name.startswith(("setting.", "decision.")):
            return None, None
        field = self.vocabulary.fields.get(name)
        if field is None or field.type in ("record", "list"):
            return None, None
        if field.never_suggest is not None and field.type == "date":
            return None, None                       # a date of birth: the age derived from it is shown instead
        return _label(field.text), self.value(field, value)


def _plain(text: str | None) -> str:
    """Text without the legal citations in brackets that the case fields add for assessors."""
    if text is None:
        return ""
    return re.sub(r"\s+", " ", _CITATION.sub("", text)).strip()


def _label(text: str) -> str:
    """A field's text as a label: without citations or a closing full stop."""
    return _plain(text).rstrip(".")


def write(engine, decision: Decision, case: dict, output_format: str = "html") -> bytes:
    """The letter for a decision, in a format of letter_formats.LETTER_FORMATS (UTF-8 HTML, PDF, ...)."""
    from . import letter_html
    html = letter_html.render(view(engine, decision, case))
    return letter_format(output_format).render(html)
