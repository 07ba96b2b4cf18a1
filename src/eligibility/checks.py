"""Checks of meaning that a schema cannot express, run across all loaded rule files.

Each check is a function returning a list of diagnostics; :func:`check_corpus` runs
them all so that every problem is reported at once, at load time, never at decision time.
"""

from __future__ import annotations

import datetime as dt

from . import model as m
from .dates import is_date
from .diagnostics import Diagnostic, did_you_mean
from .rule_set_checks import (
    LITERAL_HINTS, TYPE_WORDS, WHOLE_NUMBER_LIMIT, all_refs, check_disregards, check_rule_set, every_output,
    located, report, written,
)
from .scope import Scope


def check_corpus(corpus: m.Corpus, sources: dict | None = None) -> list[Diagnostic]:
    """Every problem of meaning. ``sources`` (file name -> SourceMap) lets each one point at the exact line."""
    sources = sources or {}
    found = []
    found += check_folders(corpus, sources)
    found += check_settings_values(corpus, sources)
    found += check_periods(corpus, sources)
    for rule_set in corpus.rule_sets:
        scope = Scope(corpus.vocabulary, corpus.setting_defs, rule_set, corpus.authorities)
        found += check_rule_set(rule_set, scope, sources)
        found += check_disregards(rule_set, scope, sources)
        found += check_settings_coverage(rule_set, scope, corpus, sources)
    found += check_variations(corpus, sources)
    found += check_local_rule_sets(corpus, sources)
    return found


def check_local_rule_sets(corpus, sources=None) -> list[Diagnostic]:
    """What national law fixes is never varied; any other local rule set needs a declared variation."""
    sources = sources or {}
    found = []
    national = {rs.decision for rs in corpus.rule_sets if rs.national}
    for v in corpus.variations:
        for decision in v.decisions:
            if decision in national and (v.criteria or v.outcome_may_differ):
                found.append(report("E311", f"variation '{v.id}' of {v.authority} lets the criteria or outcome of "
                                f"'{decision}' differ, but national law fixes them for every authority", v.span,
                                "a variation of a national decision may only change who acts or who pays, through "
                                "settings and outputs"))
    for rs in corpus.rule_sets:
        folder = corpus.folders.get(rs.file)
        if folder in (None, "shared"):
            continue
        span, path = located(sources, rs, ("decision",))
        if rs.decision in national or rs.national:
            found.append(report("E311", f"rule set '{rs.id}' re-states '{rs.decision}' for {folder}, but national law "
                            "fixes that decision for every authority", span,
                            "national criteria are written once, in rules/shared/; remove this file", path))
            continue
        covering = sorted((v for v in corpus.variations if v.authority == folder and rs.decision in v.decisions),
                          key=lambda v: v.effective_from)
        gap = _first_gap(rs.effective_from, rs.effective_to, covering)
        if gap is not None:
            found.append(report("E311", f"rule set '{rs.id}' gives {folder} its own '{rs.decision}' rules, but no declared "
                            f"variation of {folder} covers {gap.isoformat()}", span,
                            f"declare it under 'variations:' in rules/{folder}/settings.yaml, with what it changes, "
                            "its justification and its source", path))
    return found


def check_variations(corpus, sources=None) -> list[Diagnostic]:
    """Declared variations name real decisions, settings, criteria and outputs, once each."""
    sources = sources or {}
    found, seen = [], {}
    decisions = {}
    for rs in corpus.rule_sets:
        entry = decisions.setdefault(rs.decision, {"criteria": set(), "outputs": set()})
        entry["criteria"] |= {c.id for c in rs.criteria}
        entry["outputs"] |= {o.name for o in every_output(rs)}
    for v in corpus.variations:
        where = f"variation '{v.id}' of {v.authority}"
        if (v.authority, v.id) in seen:         # ids are the authority's own: a copied folder keeps them
            found.append(report("E302", f"the variation id '{v.id}' is used twice by {v.authority}", v.span,
                                "give each variation its own id"))
        seen[(v.authority, v.id)] = v
        if v.effective_to and v.effective_to < v.effective_from:
            found.append(report("E310", f"{where}: effective_to {v.effective_to} is before effective_from {v.effective_from}",
                            v.span, "effective_to is the last day the variation applies"))
        index = next(i for i, u in enumerate(u for u in corpus.variations if u.file == v.file) if u is v)

        def item(key, position, v=v, index=index):
            """The span of one item of the variation's list, so a misspelt name is shown where it is written."""
            smap = sources.get(v.file)
            return smap.span(("variations", index, key, position)) if smap is not None else v.span

        for position, decision in enumerate(v.decisions):
            if decision not in decisions:
                found.append(report("E301", f"{where} names decision '{decision}', which no rule set makes",
                                    item("decisions", position),
                                    did_you_mean(decision, decisions) or f"decisions: {', '.join(sorted(decisions))}"))
        known_criteria = set().union(*(decisions[d]["criteria"] for d in v.decisions if d in decisions))
        known_outputs = set().union(*(decisions[d]["outputs"] for d in v.decisions if d in decisions))
        for key, kind, names, known in (("settings", "setting", v.settings, corpus.setting_defs),
                                        ("criteria", "criterion", v.criteria, known_criteria),
                                        ("outputs", "output", v.outputs, known_outputs)):
            for position, name in enumerate(names):
                if name not in known:
                    found.append(report("E301", f"{where} names {kind} '{name}', which is not defined for its decisions",
                                        item(key, position), did_you_mean(name, known),
                                        f"$.variations[{index}].{key}[{position}]"))
    return found


def _version_path(corpus, sv) -> tuple:
    """('versions', i): where a settings version sits in its file."""
    same_file = [s for s in corpus.settings if s.file == sv.file]
    return ("versions", next(i for i, s in enumerate(same_file) if s is sv))


def check_folders(corpus, sources=None) -> list[Diagnostic]:
    sources = sources or {}
    found = []
    for rs in corpus.rule_sets:
        folder = corpus.folders.get(rs.file)
        if folder != "shared" and tuple(rs.applies_to) != (folder,):
            span, path = located(sources, rs, ("applies_to",))
            found.append(report("E303", f"rule set '{rs.id}' is in the '{folder}' folder but applies to "
                            f"{', '.join(rs.applies_to)}", span,
                            f"a rule set in rules/{folder}/ applies only to {folder}; shared rules go in rules/shared/",
                            path))
    for sv in corpus.settings:
        folder = corpus.folders.get(sv.file)
        if folder != sv.authority:
            span, path = located(sources, sv, ("authority",))
            found.append(report("E303", f"settings for '{sv.authority}' are in the '{folder}' folder", span,
                            f"an authority's folder is named after it: move the file to rules/{sv.authority}/ "
                            f"(or, for a new authority, write 'authority: {folder}')", path))
    return found


# -- dates -----------------------------------------------------------------------------
def _overlap(a_from, a_to, b_from, b_to) -> bool:
    big = dt.date.max
    return a_from <= (b_to or big) and b_from <= (a_to or big)


def _period(item) -> str:
    start = item.effective_from.isoformat()
    return f"{start} to {item.effective_to.isoformat()}" if item.effective_to else f"from {start}"


def _end_hint(a, b) -> str:
    if a.effective_from < b.effective_from:
        day_before = (b.effective_from - dt.timedelta(days=1)).isoformat()
        return f"give version {a.version} the effective_to {day_before}, the day before version {b.version} starts"
    return "two versions cannot start on the same day; change one effective_from"


def check_periods(corpus, sources=None) -> list[Diagnostic]:
    sources = sources or {}
    found = []
    for item in list(corpus.rule_sets) + list(corpus.settings):
        if item.effective_to and item.effective_to < item.effective_from:
            prefix = _version_path(corpus, item) if isinstance(item, m.SettingsVersion) else ()
            span, path = located(sources, item, prefix + ("effective_to",))
            found.append(report("E310", f"effective_to {item.effective_to} is before effective_from {item.effective_from}",
                            span, "effective_to is the last day the version is in force", path))
    rule_sets = sorted(corpus.rule_sets, key=lambda r: (r.decision, r.effective_from, r.file))
    for i, a in enumerate(rule_sets):
        for b in rule_sets[i + 1:]:
            shared = sorted(set(a.applies_to) & set(b.applies_to))
            if a.decision == b.decision and shared and _overlap(a.effective_from, a.effective_to, b.effective_from, b.effective_to):
                span, path = located(sources, b, ("effective_from",))
                found.append(report("E304", f"rule set '{b.id}' version {b.version} ({_period(b)}) overlaps '{a.id}' version "
                                f"{a.version} ({_period(a)}, in {a.file}): both make '{a.decision}' decisions "
                                f"for {', '.join(shared)}", span, _end_hint(a, b), path))
    settings = sorted(corpus.settings, key=lambda s: (s.authority, s.effective_from))
    for i, a in enumerate(settings):
        for b in settings[i + 1:]:
            if a.authority == b.authority and _overlap(a.effective_from, a.effective_to, b.effective_from, b.effective_to):
                span, path = located(sources, b, _version_path(corpus, b) + ("effective_from",))
                found.append(report("E304", f"settings version {b.version} of {b.authority} ({_period(b)}) overlaps "
                                f"version {a.version} ({_period(a)})", span, _end_hint(a, b), path))
    return found


# -- settings ----------------------------------------------------------------------------
def check_settings_values(corpus, sources=None) -> list[Diagnostic]:
    sources = sources or {}
    found = []
    for sv in corpus.settings:
        here = _version_path(corpus, sv) + ("settings",)
        for name, value in sv.values.items():
            if sv.origins and sv.origins[name][0] != sv.version:
                continue                        # carried forward: checked in the version that set it
            definition = corpus.setting_defs.get(name)
            if definition is None:
                span, path = located(sources, sv, here + (name,), key=True)
                found.append(report("E301", f"{sv.authority} version {sv.version} sets '{name}', which is not a defined setting",
                                span, did_you_mean(name, corpus.setting_defs)
                                or "settings are defined in rules/shared/settings.yaml", path))
                continue
            problem = _setting_value_problem(definition, value)
            if problem:
                code, message, hint = problem
                span, path = located(sources, sv, here + (name, "value"))
                found.append(report(code, f"setting '{name}' of {sv.authority} version {sv.version}: {message}", span, hint,
                                path))
    return found


def _setting_value_problem(d: m.SettingDef, value):
    expected = {"boolean": bool, "integer": int, "text": str, "date": str, "choice": str}[d.type]
    if not isinstance(value, expected) or (d.type == "integer" and isinstance(value, bool)):
        words = {"date": "a date written YYYY-MM-DD", "choice": f"one of {', '.join(d.values)}"}.get(d.type, TYPE_WORDS[d.type])
        return "E306", f"must be {words}, got {written(value)}", LITERAL_HINTS.get(d.type)
    if d.type == "date" and not is_date(value):
        return "E306", f"'{value}' is not a date", "write dates as YYYY-MM-DD"
    if d.type == "choice" and value not in d.values:
        return "E306", f"'{value}' is not one of {', '.join(d.values)}", did_you_mean(value, d.values)
    if d.type == "integer":
        if abs(value) > WHOLE_NUMBER_LIMIT:
            return "E305", f"{value} is too large to compare exactly", f"whole numbers must lie between " \
                f"-{WHOLE_NUMBER_LIMIT} and {WHOLE_NUMBER_LIMIT}"
        if d.minimum is not None and value < d.minimum:
            return "E305", f"{value} is below the lowest value allowed, {d.minimum}", f"the bound comes from {d.citation}"
        if d.maximum is not None and value > d.maximum:
            return "E305", f"{value} is above the highest value allowed, {d.maximum}", f"the bound comes from {d.citation}"
    return None


def check_settings_coverage(rs: m.RuleSet, scope: Scope, corpus, sources=None) -> list[Diagnostic]:
    needed = sorted({r.name for r in all_refs(rs) if r.kind == "setting" and r.name in corpus.setting_defs})
    found = []
    for index, authority in enumerate(rs.applies_to):
        versions = sorted((s for s in corpus.settings if s.authority == authority), key=lambda s: s.effective_from)
        if not versions:
            continue                    # the folder's settings name another authority: reported as E303
        for name in needed:
            gap = _first_gap(rs.effective_from, rs.effective_to, [s for s in versions if name in s.values])
            if gap:
                span, path = located(sources or {}, rs, ("applies_to", index))
                found.append(report("E308", f"rule set '{rs.id}' reads setting '{name}', but {authority} has no value "
                                f"for it in force on {gap.isoformat()}", span,
                                f"add '{name}' to a version in rules/{authority}/ covering that date", path))
    return found


def _first_gap(start, end, versions):
    day = start
    for v in versions:
        if v.effective_to is not None and v.effective_to < day:
            continue
        if v.effective_from > day:
            return day
        if v.effective_to is None:
            return None
        day = v.effective_to + dt.timedelta(days=1)
        if end is not None and day > end:
            return None
    return day


# -- one rule set ----------------------------------------------------------------------------
