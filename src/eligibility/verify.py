"""Re-deciding issued records from their own content (`eligibility verify`).

Each record is re-decided from the case it holds with the rules given, and the new
decision is compared with the recorded one field by field. The result is one of:

    reproduced           the same decision, byte for byte (the fields below aside)
    differs              named fields differ, or the record's content does not match its digest
    rules_not_available  the rule set or settings version the record names (id, version,
                         sha256) is not in the rules given
    skipped              the line holds no decision (an input that was refused as invalid)

Two kinds of field are not compared: the end date of the rule set and settings version
(closing a version does not change how it decides a date inside its period; the identity
digest leaves it out for the same reason) and the package version (a newer release that
decides the same way reproduces the record; the difference is noted). A record that names
what would change the outcome is re-decided with that search as well.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .api import Engine
from .diagnostics import CaseError, EvaluationError
from .record import ReadRecord, decision_digest, is_bare_decision

NOT_COMPARED = ("rule_set.effective_to", "settings.effective_to", "package")
MAX_FIELDS_NAMED = 12


@dataclass(frozen=True)
class Verification:
    where: str
    status: str                     # reproduced | differs | rules_not_available | skipped
    fields: tuple = ()              # the fields that differ
    needs: dict | None = None       # the rules a record needs, when they are not available
    notes: tuple = field(default=())
    label: str = ""                 # case ref, decision, authority and date, for people

    @property
    def ok(self) -> bool:
        return self.status in ("reproduced", "skipped")

    def to_dict(self) -> dict:
        return {"where": self.where, "status": self.status, "fields": list(self.fields), "needs": self.needs,
                "notes": list(self.notes), "record": self.label}

    def text(self) -> str:
        mark = {"reproduced": "✓", "skipped": "-", "rules_not_available": "?"}.get(self.status, "✗")
        head = f"{mark} {self.where}{f' ({self.label})' if self.label else ''}: "
        if self.status == "differs":
            shown = ", ".join(self.fields[:MAX_FIELDS_NAMED])
            more = len(self.fields) - MAX_FIELDS_NAMED
            head += f"differs in {shown}" + (f" and {more} more field(s)" if more > 0 else "")
        elif self.status == "rules_not_available":
            head += "the rules it needs are not available: " + _needs_text(self.needs)
        else:
            head += self.status.replace("_", " ")
        return "\n".join([head] + [f"    {note}" for note in self.notes])


def verify(engine: Engine, read: ReadRecord) -> Verification:
    """Re-decide one record read from a file and compare it with what it says."""
    if read.problem is not None:
        return Verification(read.where, "differs", ("(unreadable)",), notes=(read.problem,))
    item = read.item
    if is_bare_decision(item):
        item = {"decision": item}           # a bare decision (Decision.to_json())
    if isinstance(item, dict) and "decision" not in item and isinstance(item.get("status"), str):
        item = {**item, "decision": None}   # a case `check` refused, or an engine error: no decision was given
    if not isinstance(item, dict) or "decision" not in item:
        return Verification(read.where, "differs", ("(not a record)",),
                            notes=("expected a record written by 'check --format json', 'batch' or 'log export'",))
    recorded = item["decision"]
    if recorded is None:
        return Verification(read.where, "skipped", notes=(f"no decision was given (status: {item.get('status')})",))
    if not isinstance(recorded, dict):
        return Verification(read.where, "differs", ("decision",), notes=("'decision' is not a decision record",))
    label = _label(recorded)
    if "decision_sha256" in item and item["decision_sha256"] != decision_digest(recorded):
        return Verification(read.where, "differs", ("decision_sha256",), label=label,
                            notes=("the record's content does not match its decision_sha256: it was changed after "
                                   "it was issued",))
    case = recorded.get("case")
    if not isinstance(case, dict) or not isinstance(case.get("facts"), dict):
        return Verification(read.where, "differs", ("case",), label=label,
                            notes=("the record does not hold the case as decided, so it cannot be re-decided",))
    needs = _needs(recorded)
    missing = _missing_rules(engine, needs)
    if missing:
        return Verification(read.where, "rules_not_available", needs=missing, label=label)
    try:
        # A record that names what would change was decided with that search (check, batch,
        # the service); the search is bounded by trials, not time, so it is reproducible too.
        again = engine.decide(case, suggest_changes=bool(recorded.get("what_would_change"))).to_dict()
    except CaseError as exc:
        first = exc.diagnostics[0]
        return Verification(read.where, "differs", ("case",), label=label,
                            notes=(f"the rules given refuse the recorded case: {first.path}: {first.message}",))
    except EvaluationError as exc:
        return Verification(read.where, "differs", ("(engine error)",), label=label, notes=(str(exc),))
    fields = tuple(f for f in differences(recorded, again) if not _not_compared(f))
    notes = _notes(recorded, again)
    return Verification(read.where, "differs" if fields else "reproduced", fields, notes=notes, label=label)


def differences(recorded, again, path: str = "") -> list[str]:
    """The paths at which two JSON values differ (list items with an id or a name are named by it)."""
    if isinstance(recorded, dict) and isinstance(again, dict):
        out = []
        for key in sorted(set(recorded) | set(again)):
            sub = f"{path}.{key}" if path else str(key)
            if key not in recorded or key not in again:
                out.append(sub)
            else:
                out += differences(recorded[key], again[key], sub)
        return out
    if isinstance(recorded, list) and isinstance(again, list):
        if len(recorded) != len(again):
            return [path]
        out = []
        for i, (a, b) in enumerate(zip(recorded, again)):
            out += differences(a, b, f"{path}[{_item_name(a, b, i)}]")
        return out
    return [] if (recorded == again and type(recorded) is type(again)) else [path]


def _item_name(a, b, index: int):
    """A list item's id or name when both sides have the same one (criteria, derived values), else its index."""
    for key in ("id", "name"):
        if isinstance(a, dict) and isinstance(b, dict) and isinstance(a.get(key), str) and a.get(key) == b.get(key):
            return a[key]
    return index


def _not_compared(path: str) -> bool:
    return any(path == p or path.startswith(p + ".") for p in NOT_COMPARED)


def _needs(recorded: dict) -> dict:
    rs = recorded.get("rule_set") or {}
    st = recorded.get("settings") or None
    return {"rule_set": {"id": rs.get("id"), "version": rs.get("version"), "sha256": rs.get("sha256")},
            "settings": ({"authority": st.get("authority"), "version": st.get("version"), "sha256": st.get("sha256")}
                         if isinstance(st, dict) else None)}


def _missing_rules(engine: Engine, needs: dict) -> dict | None:
    """The rule set and settings version a record names, when the rules given do not hold them."""
    rs, st = needs["rule_set"], needs["settings"]
    has_rule_set = any(r.id == rs["id"] and r.version == rs["version"] and r.digest == rs["sha256"]
                       for r in engine.corpus.rule_sets)
    has_settings = st is None or any(s.authority == st["authority"] and s.version == st["version"]
                                     and s.digest == st["sha256"] for s in engine.corpus.settings)
    if has_rule_set and has_settings:
        return None
    return {"rule_set": None if has_rule_set else rs, "settings": None if has_settings else st}


def _needs_text(needs: dict) -> str:
    parts = []
    if needs.get("rule_set"):
        rs = needs["rule_set"]
        parts.append(f"rule set {rs['id']} version {rs['version']} sha256 {rs['sha256']}")
    if needs.get("settings"):
        st = needs["settings"]
        parts.append(f"settings of {st['authority']} version {st['version']} sha256 {st['sha256']}")
    return "; ".join(parts)


def _notes(recorded: dict, again: dict) -> tuple:
    notes = []
    for part, name in (("rule_set", "rule set"), ("settings", "settings version")):
        before, now = (recorded.get(part) or {}).get("effective_to"), (again.get(part) or {}).get("effective_to")
        if isinstance(recorded.get(part), dict) and before != now:
            notes.append(f"the {name} now ends on {now or 'no date'} (when issued: {before or 'no end date'})")
    if recorded.get("package") != again.get("package"):
        was, now = (recorded.get("package") or {}).get("version"), again["package"]["version"]
        notes.append(f"issued by eligibility {was}; re-decided by eligibility {now}")
    return tuple(notes)


def _label(recorded: dict) -> str:
    parts = [recorded.get("case_ref"), recorded.get("decision"), recorded.get("authority"), recorded.get("decided_on")]
    return " ".join(str(p) for p in parts if p)


def summary(results: list[Verification]) -> str:
    counts = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    order = ("reproduced", "differs", "rules_not_available", "skipped")
    words = {"rules_not_available": "rules not available"}
    return f"{len(results)} record(s): " + ", ".join(f"{counts[s]} {words.get(s, s)}" for s in order if s in counts)
