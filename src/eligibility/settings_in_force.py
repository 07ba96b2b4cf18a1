"""The settings an authority has in force on a date, and where each value was set.

A settings version lists only what changes, so the value in force may have been set by an
earlier version; this shows which one, with its file and line, beside the value's source.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class SettingInForce:
    name: str
    value: object
    source: str
    set_in_version: str
    file: str
    line: int | None

    def to_dict(self) -> dict:
        return {"name": self.name, "value": self.value, "source": self.source, "set_in_version": self.set_in_version,
                "file": self.file, "line": self.line}


@dataclass(frozen=True)
class SettingsInForce:
    authority: str
    council: str
    on: dt.date
    version: str | None              # the version in force, or None when the authority has none on that date
    period: str | None
    settings: tuple

    def to_dict(self) -> dict:
        return {"authority": self.authority, "council": self.council, "on": self.on.isoformat(),
                "version": self.version, "period": self.period, "settings": [s.to_dict() for s in self.settings]}


def settings_in_force(engine, authority: str, on: dt.date) -> SettingsInForce:
    """The values of ``authority``'s settings in force on ``on``, each with the version that set it."""
    version = engine.settings_for(authority, on)
    if version is None:
        return SettingsInForce(authority, authority, on, None, None, ())
    rows = []
    for name in sorted(version.values):
        set_in, span = version.origins.get(name, (version.version, version.span))
        rows.append(SettingInForce(name, version.values[name], version.sources[name], set_in,
                                   span.file if span else version.file, span.line if span else None))
    period = f"{version.effective_from.isoformat()} to " + (version.effective_to.isoformat() if version.effective_to
                                                            else "(no end)")
    return SettingsInForce(authority, version.council, on, version.version, period, tuple(rows))
