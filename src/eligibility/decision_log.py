"""The decision log: every issued record, append-only and hash-chained.

    log = open_log("sqlite:///decisions.db")        # or postgresql://...
    log.append(record)          # a Decision, a decision dict, an issued record or a batch line
    log.verify()                # a Report: the problems found, each naming its entry (none when intact)
    log.export(since=date(2026, 1, 1), ref="RUT-2024-0117")   # the issued records, oldest first
    log.purge(before=date(2019, 4, 1))                        # remove old entries, keep a checkpoint

Each entry stores its record as canonical JSON, the digest of the entry before it
(``prev_sha256``) and its own digest, ``sha256(prev_sha256 + record)``. The state row holds
where the chain starts (entry 1 after the all-zero digest, or the checkpoint left by the
last purge) and its head (the last entry's number and digest). `verify` walks the chain
from the start and names every entry that was edited, deleted, inserted or moved.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from .log_store import Store, StoreError, redacted
from .record import ReadRecord, as_issued, canonical_json, utc_now

GENESIS = "0" * 64
FORMAT = 1


class LogError(Exception):
    """The log cannot be opened, read or written (the message never includes a password)."""


@dataclass(frozen=True)
class Entry:
    seq: int
    sha256: str


@dataclass(frozen=True)
class Problem:
    seq: int | None                 # the entry where the problem shows (None: the log as a whole)
    kind: str                       # edited | deleted | inserted | reordered | head
    message: str

    def text(self) -> str:
        return f"entry {self.seq}: {self.message}" if self.seq is not None else self.message


@dataclass(frozen=True)
class Report:
    problems: tuple
    entries: int
    start_seq: int
    head_seq: int
    head_sha256: str
    purges: tuple                   # ((purged_at, before_date, first_seq, last_seq, entries), ...)

    @property
    def intact(self) -> bool:
        return not self.problems


def entry_digest(prev_sha256: str, record_text: str) -> str:
    return hashlib.sha256((prev_sha256 + record_text).encode("utf-8")).hexdigest()


def open_log(url: str, create: bool = True) -> "DecisionLog":
    """Open the decision log at a sqlite:/// or postgresql:// URL.

    With ``create`` (the default, for writers) the log is created if it is not there yet;
    without it (for reading, checking and purging) a missing log is a LogError, so a
    mistyped URL is not mistaken for an empty log.
    """
    try:
        store = Store(url, create=create)
        if create:
            store.create_schema({"format": FORMAT, "start_seq": 1, "start_prev_sha256": GENESIS,
                                 "head_seq": 0, "head_sha256": GENESIS})
        else:
            try:
                store.execute("SELECT head_seq FROM log_state WHERE id = 1")
            except StoreError:
                store.close()
                raise StoreError(f"there is no decision log at {redacted(url)} (nothing has been logged there)") \
                    from None
    except StoreError as exc:
        raise LogError(str(exc)) from exc
    return DecisionLog(store)


class DecisionLog:
    def __init__(self, store: Store):
        self._store = store
        self.url = redacted(store.url)

    def close(self) -> None:
        self._store.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- writing ---------------------------------------------------------------------------
    def append(self, record) -> Entry:
        """Append one record (stamped with issued_at now if it has none); returns its entry number and digest."""
        issued = as_issued(record)
        text = canonical_json(issued)
        decision = issued.get("decision") if isinstance(issued.get("decision"), dict) else {}
        try:
            with self._store.transaction() as db:
                db.execute("UPDATE log_state SET head_seq = head_seq WHERE id = 1")    # the writers' lock
                head_seq, head_sha256 = db.execute("SELECT head_seq, head_sha256 FROM log_state WHERE id = 1")[0]
                seq, digest = head_seq + 1, entry_digest(head_sha256, text)
                db.execute("INSERT INTO log_entries (seq, issued_at, case_ref, record, prev_sha256, sha256) "
                           "VALUES (:seq, :issued_at, :case_ref, :record, :prev, :sha256)",
                           {"seq": seq, "issued_at": str(issued["issued_at"]), "case_ref": decision.get("case_ref"),
                            "record": text, "prev": head_sha256, "sha256": digest})
                db.execute("UPDATE log_state SET head_seq = :seq, head_sha256 = :sha256 WHERE id = 1",
                           {"seq": seq, "sha256": digest})
        except StoreError as exc:
            raise LogError(str(exc)) from exc
        return Entry(seq, digest)

    # -- reading ---------------------------------------------------------------------------
    def export(self, since: dt.date | None = None, ref: str | None = None):
        """The issued records, oldest first, each with its entry number and digest under 'log_entry'."""
        conditions, params = [], {}
        if since is not None:
            conditions.append("issued_at >= :since")
            params["since"] = since.isoformat()
        if ref is not None:
            conditions.append("case_ref = :ref")
            params["ref"] = ref
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        try:
            with self._store.transaction(snapshot=True) as db:
                for seq, text, digest in db.rows(f"SELECT seq, record, sha256 FROM log_entries{where} ORDER BY seq",
                                                 params):
                    record = json.loads(text)
                    record["log_entry"] = {"seq": seq, "sha256": digest}
                    yield record
        except StoreError as exc:
            raise LogError(str(exc)) from exc

    def verify(self) -> Report:
        """Walk the chain from its start (or the last purge's checkpoint) to its head."""
        try:
            with self._store.transaction(snapshot=True) as db:     # one consistent view while appends go on
                start_seq, start_prev, head_seq, head_sha256 = db.execute(
                    "SELECT start_seq, start_prev_sha256, head_seq, head_sha256 FROM log_state WHERE id = 1")[0]
                purges = tuple(db.execute("SELECT purged_at, before_date, first_seq, last_seq, entries "
                                          "FROM log_purges ORDER BY last_seq"))
                links, edited = [], set()           # one pass; each record is read once and not kept
                for seq, text, prev, digest in db.rows("SELECT seq, record, prev_sha256, sha256 FROM log_entries "
                                                       "ORDER BY seq"):
                    links.append((seq, prev, digest))
                    if entry_digest(prev, text) != digest:
                        edited.add(seq)
        except StoreError as exc:
            raise LogError(str(exc)) from exc
        problems = _check_chain(links, edited, start_seq, start_prev, head_seq, head_sha256)
        return Report(tuple(problems), len(links), start_seq, head_seq, head_sha256, purges)

    # -- retention -------------------------------------------------------------------------
    def purge(self, before: dt.date) -> int:
        """Remove the oldest entries, up to the first one issued on or after `before`.

        The digest of the last entry removed becomes the chain's new starting point (a
        checkpoint in log_state, recorded in log_purges), so the entries kept still verify.
        Returns the number of entries removed.
        """
        cutoff = before.isoformat()
        try:
            with self._store.transaction() as db:
                db.execute("UPDATE log_state SET head_seq = head_seq WHERE id = 1")    # the writers' lock
                start_seq, head_seq = db.execute("SELECT start_seq, head_seq FROM log_state WHERE id = 1")[0]
                kept = db.execute("SELECT MIN(seq) FROM log_entries WHERE issued_at >= :cutoff", {"cutoff": cutoff})
                first_kept = kept[0][0] if kept and kept[0][0] is not None else head_seq + 1
                if first_kept <= start_seq:
                    return 0
                last = db.execute("SELECT seq, sha256 FROM log_entries WHERE seq = :seq", {"seq": first_kept - 1})
                if not last:
                    raise LogError(f"entry {first_kept - 1} is missing, so no checkpoint can be recorded; "
                                   "run 'eligibility log verify' and investigate before purging")
                count = db.execute("SELECT COUNT(*) FROM log_entries WHERE seq < :seq", {"seq": first_kept})[0][0]
                db.execute("DELETE FROM log_entries WHERE seq < :seq", {"seq": first_kept})
                db.execute("UPDATE log_state SET start_seq = :seq, start_prev_sha256 = :sha256 WHERE id = 1",
                           {"seq": first_kept, "sha256": last[0][1]})
                db.execute("INSERT INTO log_purges (purged_at, before_date, first_seq, last_seq, last_sha256, entries) "
                           "VALUES (:at, :before, :first, :last, :sha256, :entries)",
                           {"at": utc_now(), "before": cutoff, "first": start_seq, "last": first_kept - 1,
                            "sha256": last[0][1], "entries": count})
        except StoreError as exc:
            raise LogError(str(exc)) from exc
        return count


def is_log_url(text: str) -> bool:
    return text.startswith(("sqlite:///", "postgresql://", "postgres://"))


def read_log_records(url: str, since: dt.date | None = None, ref: str | None = None) -> list[ReadRecord]:
    """The records of an existing log, for `eligibility verify URL`; each named URL#entry."""
    with open_log(url, create=False) as log:
        return [ReadRecord(f"{log.url}#{item['log_entry']['seq']}", item) for item in log.export(since, ref)]


def _check_chain(links, edited: set, start_seq: int, start_prev: str, head_seq: int,
                 head_sha256: str) -> list[Problem]:
    """Every break in the chain, named by entry number and kind (``links``: (seq, prev_sha256, sha256)).

    Each entry names the one it follows by that entry's digest. An entry whose content no
    longer gives its digest was edited; one that follows a missing digest after a gap in the
    numbers comes after deleted entries; one that follows an entry that another entry also
    follows is an insertion; one that follows an existing entry other than the one before it
    was moved (reordered). The last entry must be the head recorded in the state row.
    """
    problems = []
    position = {digest: seq for seq, _, digest in links}
    position[start_prev] = start_seq - 1
    followers = {}
    for seq, prev, _ in links:
        followers.setdefault(prev, []).append(seq)
    expected_seq, expected_prev = start_seq, start_prev
    for seq, prev, digest in links:
        if seq in edited:
            problems.append(Problem(seq, "edited", "its content does not match its digest: the entry was edited"))
        if seq < start_seq:
            problems.append(Problem(seq, "inserted", f"it comes before the start of the chain (entry {start_seq})"))
        elif prev != expected_prev:
            follows, others = position.get(prev), [f for f in followers[prev] if f != seq]
            if follows is None and seq > expected_seq:
                problems.append(Problem(seq, "deleted", _missing_text(expected_seq, seq - 1)))
            elif follows is None:
                problems.append(Problem(seq, "inserted", f"it does not follow entry {seq - 1} or any other entry: an "
                                        "entry before it was deleted and the rest renumbered, or it was inserted"))
            elif others:
                problems.append(Problem(seq, "inserted", f"it and entry {others[0]} both follow entry {follows}: "
                                        "an entry was inserted"))
            else:
                problems.append(Problem(seq, "reordered", f"it follows entry {follows}, not entry {seq - 1}: "
                                        "entries were reordered"))
        elif seq > expected_seq:
            problems.append(Problem(seq, "deleted", _missing_text(expected_seq, seq - 1)))
        expected_seq, expected_prev = seq + 1, digest
    last_seq = links[-1][0] if links else start_seq - 1
    if last_seq < head_seq:
        problems.append(Problem(None, "deleted", f"the log's head is entry {head_seq} but the last entry is {last_seq}: "
                                + _missing_text(last_seq + 1, head_seq)))
    elif last_seq > head_seq or (links and expected_prev != head_sha256):
        problems.append(Problem(None, "inserted", f"the last entry ({last_seq}) is not the log's recorded head "
                                f"(entry {head_seq}): entries were added outside the log"))
    return problems


def _missing_text(first: int, last: int) -> str:
    which = f"entry {first} is" if first == last else f"entries {first}–{last} are"
    return f"{which} missing: deleted"
