"""Throughput and latency of `eligibility serve` and `eligibility batch`, for 1 and 2 workers.

    python bench/service.py [--requests 2000] [--clients 8] [--batch-inputs 1080] [--json]

Service: a real `eligibility serve --workers N` on 127.0.0.1; --clients threads, each with
one keep-alive connection, POST the example cases (examples/cases/*.yaml, cycled) to
/v1/decisions after a warm-up; every answer must be 200. Reported: requests per second
over the whole run, and p50/p99 latency per request as the client sees it.

Batch: `batch.run` over a JSONL file of the example cases repeated to --batch-inputs lines,
written to a temporary output file, with --workers N. Reported: inputs per second from the
start of the run to the last line written (for 2 workers this includes starting the worker
processes and loading the rules in each), and inputs per second after the first line is
written (the rate once the workers are running).

On a shared VM the numbers vary by about +-30% from run to run: compare ratios from the
same run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from live_server import example_envelopes, running_server  # noqa: E402

from eligibility import batch  # noqa: E402


def bench_service(workers: int, requests: int, clients: int) -> dict:
    bodies = [json.dumps(case).encode() for case in example_envelopes().values()]
    with running_server(workers=workers) as port:
        def shoot(count: int, latencies: list, failures: list, offset: int):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            for i in range(count):
                started = time.perf_counter()
                connection.request("POST", "/v1/decisions", body=bodies[(offset + i) % len(bodies)],
                                   headers={"Content-Type": "application/json"})
                response = connection.getresponse()
                response.read()
                latencies.append(time.perf_counter() - started)
                if response.status != 200:
                    failures.append(response.status)
            connection.close()

        def run(total: int):
            latencies, failures = [], []
            threads = [threading.Thread(target=shoot, args=(total // clients, latencies, failures, n))
                       for n in range(clients)]
            started = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            return time.perf_counter() - started, latencies, failures

        run(clients * 25)                                   # warm-up: every worker has decided every kind
        seconds, latencies, failures = run(requests)
    latencies.sort()
    return {"workers": workers, "requests": len(latencies), "errors": len(failures),
            "requests_per_second": round(len(latencies) / seconds, 1),
            "p50_ms": round(statistics.median(latencies) * 1000, 2),
            "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2)}


def bench_batch(workers: int, inputs: int) -> dict:
    cases = list(example_envelopes().values())
    with tempfile.TemporaryDirectory() as folder:
        source, out = Path(folder) / "cases.jsonl", Path(folder) / "out.jsonl"
        source.write_text("".join(json.dumps(cases[i % len(cases)]) + "\n" for i in range(inputs)))
        batch.run([str(source)], str(Path(folder) / "warm.jsonl"), workers=1)       # warm-up, rules loaded
        first_line = []

        def progress(count):
            if count and not first_line:
                first_line.append(time.perf_counter())

        started = time.perf_counter()
        summary = batch.run([str(source)], str(out), workers=workers, progress=progress)
        seconds = time.perf_counter() - started
        steady = time.perf_counter() - first_line[0]
    return {"workers": workers, "inputs": summary.total, "decided": summary.counts["decided"],
            "seconds": round(seconds, 2), "inputs_per_second": round(summary.total / seconds, 1),
            "after_first_line_per_second": round((summary.total - 1) / steady, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--batch-inputs", type=int, default=1080)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    service = [bench_service(w, args.requests, args.clients) for w in (1, 2)]
    batches = [bench_batch(w, args.batch_inputs) for w in (1, 2)]
    result = {"python": platform.python_version(), "service": service, "batch": batches,
              "service_ratio_2_to_1": round(service[1]["requests_per_second"] / service[0]["requests_per_second"], 2),
              "batch_ratio_2_to_1": round(batches[1]["inputs_per_second"] / batches[0]["inputs_per_second"], 2)}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print("| eligibility serve | requests | errors | requests/s | p50 (ms) | p99 (ms) |")
    print("|---|---:|---:|---:|---:|---:|")
    for s in service:
        print(f"| --workers {s['workers']} | {s['requests']} | {s['errors']} | {s['requests_per_second']:,} "
              f"| {s['p50_ms']} | {s['p99_ms']} |")
    print(f"\n2 workers / 1 worker: {result['service_ratio_2_to_1']}x requests/s\n")
    print("| eligibility batch | inputs | seconds | inputs/s | inputs/s after the first line |")
    print("|---|---:|---:|---:|---:|")
    for b in batches:
        print(f"| --workers {b['workers']} | {b['inputs']} | {b['seconds']} | {b['inputs_per_second']:,} "
              f"| {b['after_first_line_per_second']:,} |")
    print(f"\n2 workers / 1 worker: {result['batch_ratio_2_to_1']}x inputs/s")


if __name__ == "__main__":
    main()
