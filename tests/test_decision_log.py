"""The decision log on real stores: a SQLite file and a throwaway PostgreSQL server.

Every test runs on both. Tampering is done the way an intruder with database access would
do it: with SQL on the log's own tables.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from eligibility.cli import cli
from eligibility.decision_log import open_log
from eligibility.log_store import Store
from eligibility.record import issue

from conftest import EXAMPLES

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(params=["sqlite", "postgresql"])
def log_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'decisions.db'}"
    return request.getfixturevalue("postgresql_log_url")


@pytest.fixture()
def postgresql_log_url(postgres_url):
    return postgres_url


@pytest.fixture(scope="module")
def decision(engine):
    from eligibility.cases import read_case
    data, smap = read_case(EXAMPLES / "rutland-eligible.yaml")
    return engine.decide(data, smap=smap)


def _fill(url, decision, count, issued_at=None):
    with open_log(url) as log:
        return [log.append(issue(decision, f"officer-{i}", issued_at(i) if issued_at else None)) for i in range(count)]


def _sql(url, statement, params=None):
    store = Store(url)
    try:
        with store.transaction():
            store.execute(statement, params)
    finally:
        store.close()


def _problems(url):
    with open_log(url) as log:
        return [(p.seq, p.kind) for p in log.verify().problems]


def test_a_role_that_may_only_read_and_append_can_write_to_the_log(postgres_url, decision):
    """The grants docs/architecture.md recommends for a service: no CREATE, UPDATE or DELETE on entries."""
    import psycopg
    open_log(postgres_url).close()                          # created by the owner
    with psycopg.connect(postgres_url, autocommit=True) as owner:
        for statement in ("CREATE ROLE service LOGIN", "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
                          "GRANT SELECT, INSERT ON log_entries TO service", "GRANT SELECT, UPDATE ON log_state TO service",
                          "GRANT SELECT ON log_purges TO service"):
            owner.execute(statement)
    service_url = postgres_url.replace("postgresql://postgres@", "postgresql://service@")
    with open_log(service_url) as log:
        assert log.append(issue(decision)).seq == 1
        assert log.verify().intact
    from eligibility.decision_log import LogError
    with open_log(service_url) as log, pytest.raises(LogError, match="permission denied"):
        log.purge(dt.date(2099, 1, 1))


def test_reading_a_log_that_was_never_written_is_an_error(log_url):
    from eligibility.decision_log import LogError
    with pytest.raises(LogError, match="there is no"):
        open_log(log_url, create=False)


def test_appended_records_verify_and_export_in_order(log_url, decision):
    entries = _fill(log_url, decision, 5)
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    with open_log(log_url) as log:
        report = log.verify()
        exported = list(log.export())
        assert list(log.export(ref="nobody-has-this-ref")) == []
        assert len(list(log.export(ref=decision.case_ref))) == 5
    assert report.intact and report.entries == 5 and report.head_sha256 == entries[-1].sha256
    assert [r["issued_by"] for r in exported] == [f"officer-{i}" for i in range(5)]
    assert all(r["decision"] == decision.to_dict() for r in exported)
    assert [r["log_entry"]["seq"] for r in exported] == [1, 2, 3, 4, 5]


def test_export_since_a_date(log_url, decision):
    _fill(log_url, decision, 4, issued_at=lambda i: f"2019-0{i + 1}-15T09:00:00.000000Z")
    with open_log(log_url) as log:
        assert [r["issued_at"][:7] for r in log.export(since=dt.date(2019, 3, 1))] == ["2019-03", "2019-04"]


@pytest.mark.parametrize("tampering, expected", [
    ("UPDATE log_entries SET record = REPLACE(record, '\"eligible\"', '\"not_eligible\"') WHERE seq = 3",
     [(3, "edited")]),
    ("DELETE FROM log_entries WHERE seq = 3", [(4, "deleted")]),
    ("DELETE FROM log_entries WHERE seq = 6", [(None, "deleted")]),
    ("UPDATE log_entries SET seq = -seq WHERE seq IN (3, 4); UPDATE log_entries SET seq = 4 WHERE seq = -3; "
     "UPDATE log_entries SET seq = 3 WHERE seq = -4", [(3, "reordered"), (4, "reordered"), (5, "reordered")]),
    ("INSERT INTO log_entries (seq, issued_at, case_ref, record, prev_sha256, sha256) "
     "SELECT 7, issued_at, case_ref, record, sha256, sha256 FROM log_entries WHERE seq = 6", [(7, "edited"), (None, "inserted")]),
], ids=["edited", "deleted", "deleted-last", "reordered", "appended-outside"])
def test_each_kind_of_tampering_is_detected_and_located(log_url, decision, tampering, expected):
    _fill(log_url, decision, 6)
    assert _problems(log_url) == []
    for statement in tampering.split("; "):
        _sql(log_url, statement)
    assert _problems(log_url) == expected


def test_an_entry_inserted_in_the_middle_with_a_valid_digest_is_detected(log_url, decision):
    """Renumber entries 4-6 to 5-7 and insert a well-formed entry 4 chained to entry 3."""
    from eligibility.decision_log import entry_digest
    from eligibility.record import canonical_json
    _fill(log_url, decision, 6)
    for seq in (6, 5, 4):
        _sql(log_url, "UPDATE log_entries SET seq = :new WHERE seq = :old", {"new": seq + 1, "old": seq})
    store = Store(log_url)
    prev = store.execute("SELECT sha256 FROM log_entries WHERE seq = 3")[0][0]
    store.close()
    text = canonical_json(issue(decision, "intruder"))
    _sql(log_url, "INSERT INTO log_entries (seq, issued_at, case_ref, record, prev_sha256, sha256) VALUES "
         "(4, 'x', NULL, :record, :prev, :sha)", {"record": text, "prev": prev, "sha": entry_digest(prev, text)})
    assert _problems(log_url) == [(5, "inserted"), (None, "inserted")]


def test_purge_keeps_the_rest_of_the_chain_verifiable(log_url, decision):
    _fill(log_url, decision, 6, issued_at=lambda i: f"{2015 + i}-06-01T12:00:00.000000Z")
    purged = CliRunner().invoke(cli, ["log", "purge", log_url, "--before", "2018-01-01"])
    assert purged.exit_code == 0 and purged.output.startswith("3 entries issued before 2018-01-01 removed")
    checked = CliRunner().invoke(cli, ["log", "verify", log_url])
    assert checked.exit_code == 0 and "checkpoint: entries 1–3 (3) issued before 2018-01-01 were purged" in checked.output
    with open_log(log_url) as log:
        assert log.purge(dt.date(2018, 1, 1)) == 0
        report = log.verify()
        assert report.intact and report.entries == 3 and report.start_seq == 4
        assert [p[2:] for p in report.purges] == [(1, 3, 3)]
        assert [r["issued_at"][:4] for r in log.export()] == ["2018", "2019", "2020"]
        log.append(issue(decision))
        assert log.verify().intact
    _sql(log_url, "DELETE FROM log_entries WHERE seq = 4")     # the first entry after the checkpoint
    assert _problems(log_url) == [(5, "deleted")]


@pytest.mark.slow
def test_four_processes_appending_at_once_lose_nothing(log_url, decision, tmp_path):
    """Four processes append 40 records each at the same time; all 160 are there, in one valid chain."""
    record_file = tmp_path / "record.json"
    record_file.write_text(json.dumps(decision.to_dict()), encoding="utf-8")
    open_log(log_url).close()                                   # created once, as a deployment would
    worker = textwrap.dedent("""
        import json, sys, time
        from eligibility.decision_log import open_log
        from eligibility.record import issue
        url, name, record_file, start = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
        decision = json.load(open(record_file, encoding="utf-8"))
        while time.time() < start:
            time.sleep(0.005)
        with open_log(url) as log:
            for i in range(40):
                log.append(issue(decision, f"{name}-{i}"))
    """)
    import time
    start = time.time() + 1.5
    processes = [subprocess.Popen([sys.executable, "-c", worker, log_url, f"w{k}", str(record_file), str(start)],
                                  stderr=subprocess.PIPE, text=True) for k in range(4)]
    with open_log(log_url) as log:                                   # checking while they append
        checks, deadline = [], time.time() + 120
        while any(p.poll() is None for p in processes) and time.time() < deadline:
            checks.append(log.verify())
            time.sleep(0.05)
    for p in processes:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    assert all(report.intact for report in checks), [r.problems for r in checks if not r.intact][:1]
    assert any(0 < report.entries < 160 for report in checks)          # some checks ran mid-way
    with open_log(log_url) as log:
        report = log.verify()
        names = sorted(r["issued_by"] for r in log.export())
    assert report.intact and report.entries == 160 and report.head_seq == 160
    assert names == sorted(f"w{k}-{i}" for k in range(4) for i in range(40))


def test_threads_sharing_one_log_object_append_safely(log_url, decision):
    """A web service appends from several threads through one open log."""
    from concurrent.futures import ThreadPoolExecutor
    record = issue(decision)
    with open_log(log_url) as log, ThreadPoolExecutor(4) as pool:
        seqs = sorted(e.seq for e in pool.map(lambda _: log.append(record), range(40)))
        report = log.verify()
    assert seqs == list(range(1, 41)) and report.intact and report.entries == 40


def test_check_writes_to_the_log_and_the_export_verifies(log_url, tmp_path):
    runner = CliRunner()
    cases = [str(EXAMPLES / "rutland-eligible.yaml"), str(EXAMPLES / "leicester-not-eligible.yaml")]
    result = runner.invoke(cli, ["check", *cases, "--log", log_url, "--issued-by", "a.patel"])
    assert result.exit_code == 0, result.output
    verified = runner.invoke(cli, ["log", "verify", log_url])
    assert verified.exit_code == 0 and "2 entries (1–2), chain intact" in verified.output
    exported = runner.invoke(cli, ["log", "export", log_url])
    lines = [json.loads(line) for line in exported.stdout.splitlines()]
    assert [(r["issued_by"], r["decision"]["outcome"]) for r in lines] == [("a.patel", "eligible"),
                                                                           ("a.patel", "not_eligible")]
    export_file = tmp_path / "export.jsonl"
    export_file.write_text(exported.stdout, encoding="utf-8")
    replay = runner.invoke(cli, ["verify", str(export_file), log_url])          # an export, and the log itself
    assert replay.exit_code == 0 and "4 record(s): 4 reproduced" in replay.output
    assert "#2 (LCC-" in replay.output
    _sql(log_url, "UPDATE log_entries SET record = REPLACE(record, 'a.patel', 'b.jones') WHERE seq = 2")
    broken = runner.invoke(cli, ["log", "verify", log_url])
    assert broken.exit_code == 1 and "entry 2: its content does not match its digest" in broken.output


def test_append_accepts_every_shape_of_record_and_refuses_others(tmp_path, decision):
    """What batch and serve may hand to append: a Decision, its dict, an issued record, a batch line."""
    from zoneinfo import ZoneInfo
    line = {"input": "a.yaml", "status": "decided", "decision": decision.to_dict(), "problems": []}
    london = dt.datetime(2026, 6, 1, 10, 0, tzinfo=ZoneInfo("Europe/London"))
    with open_log(f"sqlite:///{tmp_path / 'd.db'}") as log:
        for item in (decision, decision.to_dict(), issue(decision, "x"), line, {**line, "issued_at": london}):
            log.append(item)
        with pytest.raises(ValueError, match="not a decision record"):
            log.append({"outcome": "eligible"})
        with pytest.raises(ValueError, match="issued_at must be UTC text"):
            log.append({**line, "issued_at": 12})
        with pytest.raises(ValueError, match="plain JSON data"):
            log.append({**line, "extra": object()})
        records = list(log.export())
        assert log.verify().intact
    assert len(records) == 5 and all(r["decision"] == decision.to_dict() for r in records)
    assert all(r["decision_sha256"] == records[0]["decision_sha256"] for r in records)
    assert records[4]["issued_at"] == "2026-06-01T09:00:00.000000Z" and records[3]["input"] == "a.yaml"


def test_a_log_url_that_cannot_be_used_is_a_usage_error(tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["log", "verify", "mysql://localhost/x"])
    assert result.exit_code == 2 and "is not a log URL" in result.output
    result = runner.invoke(cli, ["check", str(EXAMPLES / "rutland-eligible.yaml"), "--log",
                                 f"sqlite:///{tmp_path / 'no-such-folder' / 'd.db'}"])
    assert result.exit_code == 2 and "does not exist" in result.output
    result = runner.invoke(cli, ["log", "export", f"sqlite:///{tmp_path / 'typo.db'}"])
    assert result.exit_code == 2 and "there is no SQLite log at" in result.output
    assert not (tmp_path / "typo.db").exists()
    result = runner.invoke(cli, ["log", "verify", "postgresql://someone:secret@/nowhere?host=/nonexistent"])
    assert result.exit_code == 2 and "secret" not in result.output and "***" in result.output
