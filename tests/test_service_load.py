"""A bounded load test over loopback: 2,000 requests from 8 concurrent clients, 0 errors, and every
record the same as a serial decision of the same case in this process."""

from __future__ import annotations

import http.client
import json
import threading

import pytest

import eligibility
from live_server import example_envelopes, post

REQUESTS, CLIENTS = 2000, 8


@pytest.mark.slow
def test_2000_requests_from_8_clients_give_the_serial_records(served_port):
    engine = eligibility.load()
    cases = list(example_envelopes().values())
    expected = [json.loads(json.dumps(engine.decide(case, suggest_changes=True).to_dict())) for case in cases]
    errors, mismatches, done = [], [], []

    def client(number: int):
        connection = http.client.HTTPConnection("127.0.0.1", served_port, timeout=60)
        try:
            for index in range(number, REQUESTS, CLIENTS):
                which = index % len(cases)
                try:
                    status, _, record = post(served_port, "/v1/decisions", cases[which], connection)
                except OSError as exc:
                    errors.append(repr(exc))
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", served_port, timeout=60)
                    continue
                if status != 200:
                    errors.append(status)
                elif record != expected[which]:
                    mismatches.append(which)
                done.append(index)
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(t.is_alive() for t in threads)
    assert errors == [] and mismatches == []
    assert sorted(done) == list(range(REQUESTS))
