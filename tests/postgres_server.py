"""A throwaway PostgreSQL server for tests: a temporary data directory, a Unix socket only, no TCP.

PostgreSQL refuses to run as root, and CI runs as root on a fresh machine, so when the
tests run as root the server runs as an unprivileged account: the system's `postgres`
account if there is one, otherwise `nobody`. A missing PostgreSQL is a failure, never a
skip: the server programs (initdb, postgres) are part of this project's machines.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

START_TIMEOUT_SECONDS = 60


def server_programs() -> tuple[str, str]:
    """initdb and postgres: from PATH, else from the usual install folders. Raises RuntimeError if absent."""
    folders = [os.path.dirname(p) for p in filter(None, [shutil.which("initdb")])]
    folders += ["/usr/local/bin", "/usr/local/pgsql/bin"] + sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for folder in folders:
        initdb, postgres = Path(folder, "initdb"), Path(folder, "postgres")
        if initdb.is_file() and postgres.is_file():
            return str(initdb), str(postgres)
    raise RuntimeError("PostgreSQL's server programs (initdb, postgres) were not found on PATH, in /usr/local/bin "
                       "or /usr/lib/postgresql/*/bin; install PostgreSQL 15 (Debian: apt-get install postgresql-15)")


def _account():
    """The unprivileged account to run the server as, when running as root (None otherwise)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("running as root, and there is neither a 'postgres' nor a 'nobody' account to run "
                       "PostgreSQL as (it refuses to run as root)")


class Server:
    """Start with `Server()`, connect with `.url(database)`, stop with `.stop()`."""

    def __init__(self):
        initdb, postgres = server_programs()
        account = _account()
        self.dir = Path(tempfile.mkdtemp(prefix="eligibility-pg-", dir="/tmp"))
        data, log = self.dir / "data", self.dir / "server.log"

        def as_account():
            if account is not None:
                os.setgroups([])
                os.setgid(account.pw_gid)
                os.setuid(account.pw_uid)

        if account is not None:
            os.chown(self.dir, account.pw_uid, account.pw_gid)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["HOME"] = str(self.dir)
        subprocess.run([initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=self.dir,
                       preexec_fn=as_account)
        with open(log, "wb") as out:
            self.process = subprocess.Popen(
                [postgres, "-D", str(data), "-k", str(self.dir), "-c", "listen_addresses=", "-c", "fsync=off",
                 "-c", "max_connections=40"], stdout=out, stderr=subprocess.STDOUT, env=env, cwd=self.dir,
                preexec_fn=as_account)
        socket = self.dir / ".s.PGSQL.5432"
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not (socket.exists() and "ready to accept connections" in log.read_text(errors="replace")):
            if self.process.poll() is not None or time.monotonic() > deadline:
                text = log.read_text(errors="replace")
                self.stop()
                raise RuntimeError(f"PostgreSQL did not start:\n{text}")
            time.sleep(0.05)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={self.dir}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)        # immediate shutdown: the data is thrown away
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)
