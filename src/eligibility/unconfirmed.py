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


class SettingsBehind:
    """The settings each criterion and output of one rule set reads, directly or through derived values."""

    def __init__(self, rs: m.RuleSet):
        self._derived = {d.name: d for d in rs.derived}
        self._memo: dict = {}
        self._criteria = {c.id: self._through(refs_in(c.condition)
                                              + (refs_in(c.waived_when) if c.waived_when is not None else []))
                          for c in rs.criteria}

    def _through(self, refs, seen=()) -> frozenset:
        out = set()
        for ref in refs:
            if ref.kind == "setting":
                out.add(ref.name)
            elif ref.kind == "derived" and ref.name in self._derived and ref.name not in seen:
                if ref.name not in self._memo:
                    self._memo[ref.name] = self._through(derivation_refs(self._derived[ref.name]), seen + (ref.name,))
                out |= self._memo[ref.name]
        return frozenset(out)

    def notes(self, criteria_ids, outputs, settings: m.SettingsVersion | None) -> tuple:
        """((kind, name, "unconfirmed: ..."), ...) for the criteria, outputs and derived values resting on an
        unconfirmed setting."""
        if settings is None or not settings.unconfirmed:
            return ()
        found = [("criterion", cid, self._criteria.get(cid, frozenset())) for cid in criteria_ids]
        found += [("output", o.name, self._through([o.ref] if o.ref is not None else [])) for o in outputs]
        found += [("derived", name, self._through([m.Ref("derived", name)])) for name in self._derived]
        out = []
        for kind, name, names in found:
            notes = [settings.unconfirmed[n] for n in sorted(names) if n in settings.unconfirmed]
            if notes:
                out.append((kind, name, PREFIX + "; ".join(dict.fromkeys(notes))))
        return tuple(out)
