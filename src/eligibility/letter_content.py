"""Letter content files (``kind: letter-content``): what a letter says that a council decides.

Each council's file in ``rules/<authority>/`` gives its name, the team that signs, its
contact details, its advice and information (Care Act 2014 s13(5)), how to ask for a
decision to be looked at again and its complaints procedure. The national file in
``rules/shared/`` gives the Local Government and Social Care Ombudsman. Both are dated
like the settings: the version in force on the decision date is used.

A contact detail nobody has checked is written ``to be confirmed by the council``; the
letter then leaves it out rather than print a guess.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .diagnostics import Diagnostic
from .model import Dated

TO_CONFIRM = "to be confirmed by the council"


@dataclass(frozen=True)
class LetterContent(Dated):
    """One version of a council's (or the national) letter content."""

    authority: str | None           # None for the national part (the ombudsman)
    version: str
    effective_from: dt.date
    effective_to: dt.date | None
    source: str
    values: dict                    # the version's keys as written (address, phone, advice, ...)
    file: str

    def contact(self, key: str):
        """A confirmed contact detail, or None while it is still to be confirmed."""
        value = self.values.get(key)
        if isinstance(value, list):
            lines = [line for line in value if line.strip().lower() != TO_CONFIRM]
            return lines or None
        return None if value is None or value.strip().lower() == TO_CONFIRM else value


def build(data: dict, smap, folder: str) -> tuple[list, list]:
    """Schema-valid file data → LetterContent versions, and the problems a schema cannot state."""
    authority = data.get("authority")
    problems, out = [], []
    if folder == "shared" and authority is not None:
        problems.append(Diagnostic("E303", "the national letter content in rules/shared/ names no authority",
                                   smap.span(("authority",)), "$.authority",
                                   f"move it to rules/{authority}/, or remove 'authority:'"))
    if folder != "shared" and authority != folder:
        problems.append(Diagnostic("E303", f"letter content for '{authority}' is in the '{folder}' folder",
                                   smap.span(("authority",) if authority else ()), "$.authority" if authority else "$",
                                   f"a file in rules/{folder}/ words {folder}'s letters: write 'authority: {folder}'"))
    for i, v in enumerate(data["versions"]):
        out.append(LetterContent(authority, str(v["version"]), dt.date.fromisoformat(v["effective_from"]),
                                 dt.date.fromisoformat(v["effective_to"]) if v.get("effective_to") else None,
                                 v["source"], {k: val for k, val in v.items()
                                               if k not in ("version", "effective_from", "effective_to", "source")},
                                 smap.file))
    ordered = sorted(enumerate(out), key=lambda p: p[1].effective_from)
    for (_, earlier), (i, later) in zip(ordered, ordered[1:]):
        if earlier.effective_to is None or earlier.effective_to >= later.effective_from:
            problems.append(Diagnostic("E304", f"letter content version {later.version} starts on "
                                       f"{later.effective_from.isoformat()}, while version {earlier.version} is still "
                                       "in force", smap.span(("versions", i, "effective_from")),
                                       f"$.versions[{i}].effective_from",
                                       f"give version {earlier.version} an effective_to before "
                                       f"{later.effective_from.isoformat()}"))
    return out, problems


def in_force(contents, authority: str | None, on: dt.date) -> LetterContent | None:
    return next((c for c in contents if c.authority == authority and c.in_force(on)), None)
