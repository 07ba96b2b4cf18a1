"""The decision log behind `eligibility batch --log` and `eligibility serve --log`, on a real SQLite
file and on a real (throwaway) PostgreSQL server.

Every decided record reaches the log, the hash chain stays whole with several worker
processes, and the records (in the log, in batch output, as the service returns them)
verify by deciding them again.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from eligibility import record
from eligibility.cli import cli
from live_server import EXAMPLES, example_envelopes, post, running_server


def _cli(*args):
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def _log_lines(url: str) -> list[dict]:
    code, out, err = _cli("log", "export", url)
    assert code == 0, err
    return [json.loads(line) for line in out.splitlines()]


@pytest.fixture(params=["sqlite", "postgresql"])
def log_url(request, tmp_path):
    """A new, empty decision log: a SQLite file, or a database on the throwaway PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'log.db'}"
    return request.getfixturevalue("postgres_url")


def test_batch_with_two_workers_logs_every_decided_record_and_the_chain_verifies(tmp_path, log_url):
    cases = list(example_envelopes().values())
    inputs = tmp_path / "cases.jsonl"
    inputs.write_text("".join(json.dumps(c) + "\n" for c in cases) + "{not json\n", encoding="utf-8")
    out, url = tmp_path / "out.jsonl", log_url

    code, _, err = _cli("batch", str(inputs), "-o", str(out), "--workers", "2", "--no-progress",
                        "--log", url, "--issued-by", "batch-2026-11")
    assert code == 1, err                                   # the last line is invalid; the others are decided
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    decided = [line["decision"] for line in lines if line["status"] == "decided"]
    assert len(decided) == len(cases) and lines[-1]["status"] == "invalid"

    code, report, _ = _cli("log", "verify", url)
    assert code == 0 and f"{len(cases)} entries (1–{len(cases)}), chain intact" in report
    logged = _log_lines(url)
    assert [entry["decision"] for entry in logged] == decided           # every decision, in input order
    assert {entry["issued_by"] for entry in logged} == {"batch-2026-11"}
    assert all(entry["decision_sha256"] == record.decision_digest(entry["decision"]) for entry in logged)

    # the batch output and the log both verify by deciding every record again
    code, text, _ = _cli("verify", str(out), url)
    assert code == 0, text
    assert f"{2 * len(cases) + 1} record(s): {2 * len(cases)} reproduced, 1 skipped" in text


def test_a_batch_whose_log_cannot_be_opened_decides_nothing(tmp_path):
    not_a_database = tmp_path / "notes.txt"
    not_a_database.write_text("these are notes, not a decision log\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    code, _, err = _cli("batch", str(EXAMPLES),
                        "-o", str(out), "--no-progress", "--log", f"sqlite:///{not_a_database}")
    assert code == 2 and "log URL" in err
    assert not out.exists()


@pytest.mark.slow
def test_the_service_with_two_workers_logs_every_decision_it_returns(tmp_path, log_url):
    url = log_url
    cases = list(example_envelopes().values())[:6]
    with running_server(workers=2, extra=["--log", url]) as port:
        returned = []
        for case in cases[:4]:
            status, _, body = post(port, "/v1/decisions", case)
            assert status == 200
            returned.append(body)
        status, _, lines = post(port, "/v1/decision-batches", [cases[4], {"facts": "not facts"}, cases[5]])
        assert status == 200 and [line["status"] for line in lines] == ["decided", "invalid", "decided"]
        returned += [lines[0]["decision"], lines[2]["decision"]]
        status, _, problem = post(port, "/v1/decisions", {"facts": {"person": {"date_of_birth": "1990-02-30"}}})
        assert status == 422                                  # refused: nothing to log

    code, report, _ = _cli("log", "verify", url)
    assert code == 0 and "6 entries (1–6), chain intact" in report
    logged = [entry["decision"] for entry in _log_lines(url)]
    assert sorted(map(record.canonical_json, logged)) == sorted(map(record.canonical_json, returned))

    # the records as the service returns them verify too
    returned_file = tmp_path / "returned.json"
    returned_file.write_text(json.dumps(returned), encoding="utf-8")
    code, text, _ = _cli("verify", str(returned_file), url)
    assert code == 0 and "12 record(s): 12 reproduced" in text, text
