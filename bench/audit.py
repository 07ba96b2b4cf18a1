"""Decision-log and verify throughput.

    python bench/audit.py [--appends 1000] [--rounds 3] [--json]

Measurements (best of --rounds):

  append sqlite       DecisionLog.append of an issued record to a SQLite file (WAL,
                      synchronous=FULL), one process; appends/s
  append postgresql   the same on a throwaway PostgreSQL 15 server on a Unix socket
                      (tests/postgres_server.py, fsync=off); appends/s
  log verify          DecisionLog.verify over the log just written (every digest
                      recomputed); entries/s, on each store
  decide + record     engine.decide(case).to_dict() over the example cases (the
                      reasons are worded when the record is written), decisions/s
  verify              verify.verify of the same cases' issued records: digest check,
                      re-decide, record, field-by-field comparison; records/s. The
                      paired ratio verify / (decide + record) shows what checking costs
                      on top of deciding (1.0 would be free)

On a shared VM the numbers vary by about +-30% between runs; compare runs on the same
machine only.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import eligibility
from eligibility.cases import read_case
from eligibility.decision_log import open_log
from eligibility.record import ReadRecord, issue
from eligibility.verify import verify

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def _best(rounds, fn):
    return min(fn() for _ in range(rounds))


def _append_and_verify(url, record, appends, rounds):
    with open_log(url) as log:
        def append_round():
            start = time.perf_counter()
            for _ in range(appends):
                log.append(record)
            return time.perf_counter() - start
        append_seconds = _best(rounds, append_round)
        entries = log.verify().entries

        def verify_round():
            start = time.perf_counter()
            report = log.verify()
            assert report.intact
            return time.perf_counter() - start
        verify_seconds = _best(rounds, verify_round)
    return appends / append_seconds, entries / verify_seconds, entries


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--appends", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    engine = eligibility.load(ROOT / "rules")
    cases = [read_case(p)[0] for p in sorted((ROOT / "examples" / "cases").glob("*.yaml"))]
    decisions = [engine.decide(c) for c in cases]
    issued = [issue(d, "bench") for d in decisions]
    record = issued[0]
    results = {}

    with tempfile.TemporaryDirectory() as tmp:
        rate, verify_rate, entries = _append_and_verify(f"sqlite:///{tmp}/bench.db", record, args.appends, args.rounds)
        results["append_sqlite_per_s"], results["log_verify_sqlite_entries_per_s"] = rate, verify_rate
        results["log_entries_sqlite"] = entries

    from postgres_server import Server
    server = Server()
    try:
        rate, verify_rate, entries = _append_and_verify(server.url(), record, args.appends, args.rounds)
        results["append_postgresql_per_s"], results["log_verify_postgresql_entries_per_s"] = rate, verify_rate
        results["log_entries_postgresql"] = entries
    finally:
        server.stop()

    reads = [ReadRecord(f"bench[{i}]", json.loads(json.dumps(r))) for i, r in enumerate(issued)]
    assert all(verify(engine, r).status == "reproduced" for r in reads)

    def decide_round():
        start = time.perf_counter()
        for _ in range(5):
            for c in cases:
                engine.decide(c).to_dict()
        return time.perf_counter() - start

    def verify_round():
        start = time.perf_counter()
        for _ in range(5):
            for r in reads:
                verify(engine, r)
        return time.perf_counter() - start

    n = 5 * len(cases)
    results["decide_per_s"] = n / _best(args.rounds, decide_round)
    results["verify_records_per_s"] = n / _best(args.rounds, verify_round)
    results["verify_over_decide"] = results["verify_records_per_s"] / results["decide_per_s"]

    if args.json:
        print(json.dumps({k: round(v, 3) for k, v in results.items()}, indent=2, sort_keys=True))
        return
    print(f"append, SQLite (WAL, synchronous=FULL):      {results['append_sqlite_per_s']:8.0f} records/s")
    print(f"append, PostgreSQL 15 (Unix socket, fsync=off): {results['append_postgresql_per_s']:5.0f} records/s")
    print(f"log verify, SQLite ({results['log_entries_sqlite']} entries):   "
          f"{results['log_verify_sqlite_entries_per_s']:8.0f} entries/s")
    print(f"log verify, PostgreSQL ({results['log_entries_postgresql']} entries): "
          f"{results['log_verify_postgresql_entries_per_s']:6.0f} entries/s")
    print(f"decide + record (example cases):              {results['decide_per_s']:8.0f} decisions/s")
    print(f"verify (same cases' issued records):          {results['verify_records_per_s']:8.0f} records/s")
    print(f"verify / (decide + record):                   {results['verify_over_decide']:8.2f}")


if __name__ == "__main__":
    main()
