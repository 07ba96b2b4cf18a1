"""Which parts of a decision rest on a setting the council papers do not confirm.

An authority setting marked ``confidence: unconfirmed`` carries a note saying what the
council papers do not say. Every criterion and output that reads such a setting, directly
or through a derived value, is shown in the decision record with
"unconfirmed: <note>", so that a decision never states an assumption as fact.
"""

from __future__ import annotations

from . import model as m
from .scope import derivation_refs, refs_in

PREFIX = "unconfirmed: "


def settings_behind(rs: m.RuleSet) -> dict:
    """For each criterion id and output name, the settings it reads, directly or through derived values."""
    derived = {d.name: d for d in rs.derived}
    memo: dict = {}

    def through(refs, seen=()) -> frozenset:
        out = set()
        for ref in refs:
            if ref.kind == "setting":
                out.add(ref.name)
            elif ref.kind == "derived" and ref.name in derived and ref.name not in seen:
                if ref.name not in memo:
                    memo[ref.name] = through(derivation_refs(derived[ref.name]), seen + (ref.name,))
                out |= memo[ref.name]
        return frozenset(out)

    behind = {}
    for c in rs.criteria:
        refs = refs_in(c.condition) + (refs_in(c.waived_when) if c.waived_when is not None else [])
        behind[("criterion", c.id)] = through(refs)
    for o in list(rs.outputs) + [o for rule in rs.outcomes for o in rule.outputs]:
        behind[("output", o.name)] = through([o.ref] if o.ref is not None else [])
    return {key: names for key, names in behind.items() if names}


def notes_for(behind: dict, settings: m.SettingsVersion | None) -> dict:
    """(kind, name) -> "unconfirmed: ..." for each criterion and output resting on an unconfirmed setting."""
    if settings is None or not settings.unconfirmed:
        return {}
    out = {}
    for key, names in behind.items():
        notes = [settings.unconfirmed[n] for n in sorted(names) if n in settings.unconfirmed]
        if notes:
            out[key] = PREFIX + "; ".join(dict.fromkeys(notes))
    return out
