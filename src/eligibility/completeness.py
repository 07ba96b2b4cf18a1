"""Checks that the rules cover time without gaps and that every part of them is used.

* Versions of a decision (for each authority it applies to) follow one another day by day,
  and so do an authority's settings versions. A version that ends with no version after it,
  or before a gap, must say why with ``ends:`` (for example the law that ended it); a
  mistyped ``effective_to`` is thereby caught.
* A criterion that no outcome reads is an error: it would be shown in every decision and
  never change one.
* A setting that no rule set reads is a warning: it is kept, but it does nothing.
"""

from __future__ import annotations

import datetime as dt

from . import model as m
from .diagnostics import Diagnostic
from .rule_set_checks import all_refs, located, report

_DAY = dt.timedelta(days=1)
_ENDS_HINT = ("if it ends on purpose, say why with 'ends:' (for example the law that ended it); "
              "otherwise correct effective_to, or add the version that follows")


def check_completeness(corpus: m.Corpus, sources: dict | None = None) -> list[Diagnostic]:
    """Errors: gaps between rule-set versions and criteria no outcome reads (settings gaps: check_settings_gaps)."""
    sources = sources or {}
    return check_rule_set_gaps(corpus, sources) + check_dead_criteria(corpus, sources)


def _gaps(versions):
    """(version, next version or None) for each version after which time is not covered."""
    ordered = sorted(versions, key=lambda v: v.effective_from)
    for index, version in enumerate(ordered):
        if version.effective_to is None or getattr(version, "ends", None):
            continue
        following = ordered[index + 1] if index + 1 < len(ordered) else None
        if following is None or following.effective_from > version.effective_to + _DAY:
            yield version, following


def _gap_text(version, following) -> str:
    start = (version.effective_to + _DAY).isoformat()
    if following is None:
        return f"ends on {version.effective_to.isoformat()} and no later version follows"
    return (f"ends on {version.effective_to.isoformat()}, but the next version begins on "
            f"{following.effective_from.isoformat()}: nothing is in force from {start} to "
            f"{(following.effective_from - _DAY).isoformat()}")


def check_rule_set_gaps(corpus: m.Corpus, sources: dict) -> list[Diagnostic]:
    found, reported = [], {}
    for decision in sorted({rs.decision for rs in corpus.rule_sets}):
        for authority in corpus.authorities:
            versions = [rs for rs in corpus.rule_sets if rs.decision == decision and authority in rs.applies_to]
            for version, following in _gaps(versions):
                reported.setdefault((id(version), id(following)), (version, following, []))[2].append(authority)
    for version, following, authorities in reported.values():
        span, path = located(sources, version, ("effective_to",))
        found.append(report("E312", f"rule set '{version.id}' for '{version.decision}' ({', '.join(authorities)}) "
                            + _gap_text(version, following), span, _ENDS_HINT, path))
    return found


def check_settings_gaps(corpus: m.Corpus, sources: dict) -> list[Diagnostic]:
    found = []
    for authority in sorted({s.authority for s in corpus.settings}):
        versions = [s for s in corpus.settings if s.authority == authority]
        for version, following in _gaps(versions):
            same_file = [s for s in corpus.settings if s.file == version.file]
            index = next(i for i, s in enumerate(same_file) if s is version)
            span, path = located(sources, version, ("versions", index, "effective_to"))
            found.append(report("E312", f"settings version {version.version} of {authority} "
                                + _gap_text(version, following), span, _ENDS_HINT, path))
    return found


def check_dead_criteria(corpus: m.Corpus, sources: dict) -> list[Diagnostic]:
    found = []
    for rs in corpus.rule_sets:
        read = {ref.id for rule in rs.outcomes if rule.when is not None for ref in m.leaves(rule.when)}
        for index, criterion in enumerate(rs.criteria):
            if criterion.id not in read:
                span, path = located(sources, rs, ("criteria", index, "id"))
                found.append(report("E313", f"no outcome reads criterion '{criterion.id}' of rule set '{rs.id}'", span,
                                    "a criterion counts only through 'outcomes': add it to the 'when' of an outcome, "
                                    "or remove it", path))
    return found


def unused_settings(corpus: m.Corpus) -> list[Diagnostic]:
    """Warnings: settings defined in shared/ that no rule set reads."""
    read = {ref.name for rs in corpus.rule_sets for ref in all_refs(rs) if ref.kind == "setting"}
    return [report("W301", f"no rule set reads the setting '{name}'", definition.span,
                   "remove it, or read it in a rule set (for example as an output); authorities' values for it do nothing",
                   f"$.settings.{name}")
            for name, definition in sorted(corpus.setting_defs.items()) if name not in read]
