"""Issued decision records: the reproducible decision, and when and by whom it was issued.

An issued record is a mapping::

    {"decision":        {...},     # Decision.to_dict(): reproducible, byte-stable
     "decision_sha256": "…",       # sha256 of the decision's canonical JSON
     "issued_at":       "2026-11-30T08:05:12.123456Z",   # UTC, when it was issued
     "issued_by":       "j.smith" | null}                 # optional, given by the caller

Only ``decision`` is reproducible; the issue details sit beside it so that re-deciding the
same case with the same rules gives the same bytes. ``check --format json`` writes each
decided case as an issued record (with ``case`` and ``status`` beside it), and batch
output lines and log exports carry the same keys, so `eligibility verify` reads all three
(``read_records``).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from . import stable_json
from .build import digest
from .decision import Decision


def canonical_json(value) -> str:
    """The one canonical JSON form used for digests: sorted keys, no spaces, UTF-8 text (stable_json.compact)."""
    return stable_json.compact(value)


def decision_digest(decision: dict) -> str:
    """sha256 of the reproducible part of a record (its canonical JSON, as every digest here)."""
    return digest(decision)


def utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def issue(decision: Decision | dict, issued_by: str | None = None, issued_at: str | None = None) -> dict:
    """The issued record of a decision: the decision, its digest, and when and by whom it was issued."""
    body = decision.to_dict() if isinstance(decision, Decision) else decision
    return {"decision": body, "decision_sha256": decision_digest(body),
            "issued_at": issued_at or utc_now(), "issued_by": issued_by}


def as_issued(item) -> dict:
    """Any record a caller holds — a Decision, a bare decision dict, an issued record, a
    `check --format json` entry or a batch output line — as a mapping with ``decision`` and
    ``issued_at``. Raises ValueError for anything else."""
    if isinstance(item, Decision):
        return issue(item)
    if not isinstance(item, dict):
        raise ValueError(f"a decision record is a mapping, not {type(item).__name__}")
    if is_bare_decision(item):
        return issue(item)
    if "decision" in item:
        if item["decision"] is not None and not isinstance(item["decision"], dict):
            raise ValueError("'decision' must be a decision record (a mapping) or null")
        out = dict(item)
        if isinstance(item["decision"], dict) and "decision_sha256" not in out:
            out["decision_sha256"] = decision_digest(item["decision"])
        out["issued_at"] = _issued_at_text(out.get("issued_at"))
        try:
            canonical_json(out)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"a decision record must be plain JSON data ({exc})") from None
        return out
    raise ValueError("not a decision record: expected a mapping with 'decision' (an issued record or a batch "
                     "line) or a decision with 'outcome' and 'rule_set'")


def is_bare_decision(item) -> bool:
    """A Decision.to_dict() on its own (its 'decision' is the kind of decision, a text)."""
    return isinstance(item, dict) and "outcome" in item and "rule_set" in item and not isinstance(item.get("decision"), dict)


def _issued_at_text(value) -> str:
    """issued_at as UTC text: now when missing; an aware datetime converted; text kept as given."""
    if value is None:
        return utc_now()
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")
    if isinstance(value, str):
        return value
    raise ValueError(f"issued_at must be UTC text like {utc_now()!r} or an aware datetime, not {value!r}")


@dataclass(frozen=True)
class ReadRecord:
    where: str                      # file:line (JSON lines) or file[index] (a JSON list)
    item: object                    # the parsed JSON value, or None when it could not be read
    problem: str | None = None      # why it could not be read


def read_records(path: str | Path) -> list[ReadRecord]:
    """The records in a file written by `check --format json`, `batch` or `log export`.

    A JSON document (a list of records, or one record) or JSON lines (one record a line).
    A line that is not JSON is returned with its problem, so the others are still read.
    """
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return [ReadRecord(name, None, f"not UTF-8 text (byte {exc.start}); records are JSON written by "
                                       "'check --format json', 'batch' or 'log export'")]
    try:
        whole = json.loads(text)
    except json.JSONDecodeError:
        whole = None
    else:
        if isinstance(whole, list):
            return [ReadRecord(f"{name}[{i}]", item) for i, item in enumerate(whole)]
        return [ReadRecord(name, whole)]
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(ReadRecord(f"{name}:{number}", json.loads(line)))
        except json.JSONDecodeError as exc:
            out.append(ReadRecord(f"{name}:{number}:{exc.colno}", None,
                                  f"not JSON ({exc.msg}); each line must be one record as written by "
                                  "'eligibility batch' or 'eligibility log export'"))
    return out
