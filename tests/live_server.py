"""A real `eligibility serve` on 127.0.0.1 on a free port, for the service tests and the benchmark."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from eligibility.cases import read_case

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "cases"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def eligibility_command() -> list[str]:
    return [sys.executable, "-m", "eligibility"]


@contextlib.contextmanager
def running_server(workers: int = 1, extra=(), start_timeout: float = 90.0):
    """Start `eligibility serve`, wait until /health answers, yield its base URL, then stop it."""
    port = free_port()
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(eligibility_command() + ["serve", "--port", str(port), "--workers", str(workers),
                                                        *extra],
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + start_timeout
        while True:
            if process.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"eligibility serve stopped with {process.returncode}: {log.read().decode()}")
            try:
                if get(port, "/health")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("eligibility serve did not answer /health in time")
            time.sleep(0.2)
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def request(port: int, method: str, path: str, body: bytes | None = None, connection=None, headers=None):
    """(status, content type, parsed JSON body) of one request."""
    conn = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers={"Content-Type": "application/json", **(headers or {})})
        response = conn.getresponse()
        data = response.read()
        return response.status, response.getheader("content-type"), json.loads(data) if data else None
    finally:
        if connection is None:
            conn.close()


def get(port: int, path: str):
    return request(port, "GET", path)


def post(port: int, path: str, value, connection=None):
    body = value if isinstance(value, bytes) else json.dumps(value).encode()
    return request(port, "POST", path, body, connection)


def example_envelopes() -> dict:
    """The example cases as case envelopes (JSON data), by file name."""
    return {p.name: read_case(p)[0] for p in sorted(EXAMPLES.glob("*.yaml"))}
