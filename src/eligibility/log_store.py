"""The storage layer under the decision log: one set of SQL statements for SQLite and PostgreSQL.

    sqlite:///decisions.db          a file relative to the current folder
    sqlite:////var/lib/llr/d.db     an absolute path
    postgresql://user@host/db       PostgreSQL (any libpq connection URL, e.g. ?host=/run/postgresql)

SQLite is opened in WAL mode with a generous busy timeout, so several processes on one
machine can append at once; PostgreSQL is for a log shared by several hosts. Both go
through the Python DB-API (the standard library's sqlite3, and psycopg 3, imported only
here). Statements are written once with ``:name`` parameters; ``Store`` translates them to
the driver's style. Writers serialise on the single row of ``log_state`` (the first
statement of every write transaction updates it, which takes SQLite's write lock and
PostgreSQL's row lock), so the hash chain is extended by one writer at a time.
"""

from __future__ import annotations

import re
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BUSY_TIMEOUT_SECONDS = 60

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS log_entries (
           seq BIGINT PRIMARY KEY,
           issued_at TEXT NOT NULL,
           case_ref TEXT,
           record TEXT NOT NULL,
           prev_sha256 TEXT NOT NULL,
           sha256 TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS log_entries_issued_at ON log_entries (issued_at)",
    "CREATE INDEX IF NOT EXISTS log_entries_case_ref ON log_entries (case_ref)",
    """CREATE TABLE IF NOT EXISTS log_state (
           id INTEGER PRIMARY KEY,
           format INTEGER NOT NULL,
           start_seq BIGINT NOT NULL,
           start_prev_sha256 TEXT NOT NULL,
           head_seq BIGINT NOT NULL,
           head_sha256 TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS log_purges (
           purged_at TEXT NOT NULL,
           before_date TEXT NOT NULL,
           first_seq BIGINT NOT NULL,
           last_seq BIGINT NOT NULL,
           last_sha256 TEXT NOT NULL,
           entries BIGINT NOT NULL)""",
)


class StoreError(Exception):
    """The log cannot be opened or written; the message says why, without any password."""


def redacted(url: str) -> str:
    """A log URL safe to print: any password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


class Store:
    """A connection to the log's database, with transactions and one parameter style."""

    def __init__(self, url: str, create: bool = True):
        self.url = url
        if url.startswith("sqlite:///"):
            self.kind = "sqlite"
            self._connection, self._errors = _open_sqlite(url[len("sqlite:///"):], create)
        elif url.startswith(("postgresql://", "postgres://")):
            self.kind = "postgresql"
            self._connection, self._errors = _open_postgresql(url)
        else:
            raise StoreError(f"'{redacted(url)}' is not a log URL; write sqlite:///path/decisions.db "
                             "or postgresql://user@host/database")
        self._lock = threading.RLock()          # one transaction at a time on this connection

    def close(self) -> None:
        self._connection.close()

    def _sql(self, statement: str) -> str:
        if self.kind == "sqlite":
            return statement
        return re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", statement.replace("%", "%%"))

    def execute(self, statement: str, params: dict | None = None) -> list[tuple]:
        try:
            cursor = self._connection.cursor()
            cursor.execute(self._sql(statement), params or {})
            rows = cursor.fetchall() if cursor.description else []
            cursor.close()
            return rows
        except self._errors as exc:
            raise StoreError(f"{self.kind} error on {redacted(self.url)}: {exc}".strip()) from exc

    def rows(self, statement: str, params: dict | None = None, batch: int = 1000):
        """The rows of a query, fetched a batch at a time (large logs stay small in memory).

        Call inside `transaction()`: PostgreSQL streams through a server-side cursor, which
        lives in a transaction."""
        try:
            cursor = self._connection.cursor(streaming=True)
            cursor.execute(self._sql(statement), params or {})
            while True:
                chunk = cursor.fetchmany(batch)
                if not chunk:
                    break
                yield from chunk
            cursor.close()
        except self._errors as exc:
            raise StoreError(f"{self.kind} error on {redacted(self.url)}: {exc}".strip()) from exc

    @contextmanager
    def transaction(self, snapshot: bool = False):
        """One transaction: committed when the block ends, rolled back if it raises.

        With ``snapshot`` every statement in it sees the database as of its first read
        (SQLite's transactions always do; PostgreSQL needs REPEATABLE READ), so a reader
        is never confused by appends committed while it reads. Threads sharing this Store
        take turns (a web service may append from several)."""
        begin = "BEGIN ISOLATION LEVEL REPEATABLE READ" if snapshot and self.kind == "postgresql" else "BEGIN"
        with self._lock:
            self.execute(begin)
            try:
                yield self
            except BaseException:
                self._connection.rollback()
                raise
            try:
                self._connection.commit()
            except self._errors as exc:
                raise StoreError(f"{self.kind} error on {redacted(self.url)}: {exc}") from exc

    def create_schema(self, initial_state: dict) -> None:
        """Create the tables and the state row if they do not exist (safe when several processes start at once).

        An existing log is left alone without any DDL, so a service whose database role may
        only read and append (no CREATE) can open it."""
        try:
            if self.execute("SELECT id FROM log_state WHERE id = 1"):
                return
        except StoreError:
            pass                                # not created yet
        for attempt in range(5):
            try:
                with self.transaction():
                    for statement in SCHEMA:
                        self.execute(statement)
                    if not self.execute("SELECT id FROM log_state WHERE id = 1"):
                        self.execute("INSERT INTO log_state (id, format, start_seq, start_prev_sha256, head_seq, "
                                     "head_sha256) VALUES (1, :format, :start_seq, :start_prev_sha256, :head_seq, "
                                     ":head_sha256)", initial_state)
                return
            except StoreError:
                if attempt == 4:        # another process creating the same tables at the same moment
                    raise
                time.sleep(0.1 * (attempt + 1))


def _open_sqlite(path: str, create: bool):
    """(connection, the errors it raises); sqlite3 is imported here, like psycopg: most commands log nothing."""
    import sqlite3

    if not path:
        raise StoreError("the SQLite log URL names no file; write sqlite:///path/decisions.db")
    folder = Path(path).expanduser().resolve().parent
    if not folder.is_dir():
        raise StoreError(f"the folder {folder} for the SQLite log does not exist")
    if not create and not Path(path).expanduser().is_file():
        raise StoreError(f"there is no SQLite log at {path} (nothing has been logged there)")
    try:
        connection = sqlite3.connect(str(Path(path).expanduser()), timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None,
                                     check_same_thread=False)      # Store serialises its use between threads
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open the SQLite log {path}: {exc}") from exc
    return _SqliteConnection(connection), (sqlite3.Error,)


class _SqliteConnection:
    """sqlite3 in autocommit mode, so that BEGIN/COMMIT are exactly the ones the log issues."""

    def __init__(self, connection):
        self._c = connection

    def cursor(self, streaming: bool = False):
        return self._c.cursor()                 # sqlite3 cursors always fetch row by row

    def commit(self):
        if self._c.in_transaction:
            self._c.execute("COMMIT")

    def rollback(self):
        if self._c.in_transaction:
            self._c.execute("ROLLBACK")

    def close(self):
        self._c.close()


def _open_postgresql(url: str):
    try:
        import psycopg
    except ImportError as exc:
        raise StoreError("a PostgreSQL log needs psycopg: pip install 'eligibility[postgresql]'") from exc
    try:
        connection = psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.Error as exc:
        raise StoreError(f"cannot connect to the PostgreSQL log {redacted(url)}: {str(exc).strip()}") from exc
    return _PostgresConnection(connection), (psycopg.Error,)


class _PostgresConnection:
    """psycopg in autocommit mode, so that BEGIN/COMMIT are exactly the ones the log issues."""

    def __init__(self, connection):
        self._c = connection

    def cursor(self, streaming: bool = False):
        return self._c.cursor(name="eligibility_rows") if streaming else self._c.cursor()

    def commit(self):
        self._c.execute("COMMIT")

    def rollback(self):
        self._c.execute("ROLLBACK")

    def close(self):
        self._c.close()
