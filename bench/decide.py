"""Decisions per second and latency for the example cases, next to raw durable-rules.

    python bench/decide.py [--seconds 3] [--json]

Four measurements, each a loop over the example cases (examples/cases/*.yaml, read
once) for --seconds, after a warm-up:

  complete   engine.decide(case) -> Decision (checks, derivations, engine, verification,
             the written record; no rendering)
  rendered   the same, plus the decision rendered as text and as JSON
  raw        durable-rules alone on the same compiled rules and the same engine facts:
             host.assert_facts(ruleset, facts + [sentinel]) and delete_state, with the
             facts built in advance (the registered actions fire, as in a decision)
  reference  the pure-Python three-valued evaluation (logic.evaluate) of every
             criterion's condition over the same facts

The target is: complete decision <= 2x raw durable-rules. The garbage collector runs
as usual; on a shared VM the numbers vary by about +-30% from run to run.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import statistics
import sys
import time
import uuid
from pathlib import Path

import eligibility
from eligibility import durable_engine as engine_adapter
from eligibility import decide as decide_module
from eligibility import logic
from eligibility.api import _dates_as_text
from eligibility.cases import data_source_map, read_case
from eligibility.compile import READY
from eligibility.derive import derive_all
from eligibility.render import decision_text
from eligibility.values import Lookup

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "examples" / "cases"
RULES = ROOT / "rules"
TARGET_RATIO = 2.0
NOISE = "numbers vary by about +-30% between runs on a noisy VM; compare runs on the same machine only"


def load_cases():
    cases = []
    for path in sorted(CASES.glob("*.yaml")):
        data, _ = read_case(path)
        cases.append((path.name, data))
    if not cases:
        raise SystemExit(f"no example cases in {CASES}")
    return cases


def engine_inputs(eng, data):
    """What a decision hands to the engine for one case: (prepared, facts without session id)."""
    data = _dates_as_text(data)
    decision, authority, on = eng._resolve(data, None, None, None, data_source_map())
    rule_set = eng.rule_set_for(decision, authority, on)
    settings = eng.settings_for(authority, on)
    prepared = eng._prepared[id(rule_set)]
    facts = data.get("facts") or {}
    if hasattr(decide_module, "engine_input"):
        return prepared, decide_module.engine_input(prepared, facts, authority, on, settings)[2]
    lookup = Lookup(prepared.vocabulary, prepared.setting_defs, facts, settings.values if settings else {}, on, authority)
    derive_all(prepared.rule_set, prepared.compiled.derivations, lookup)
    return prepared, prepared.engine_facts(lookup)


def measure(op, items, seconds: float, warmup: float) -> dict:
    """Run op(item) cycling over items; per-call latency in ns."""
    clock = time.perf_counter_ns
    n_items = len(items)
    end = clock() + int(warmup * 1e9)
    i = 0
    while clock() < end:
        op(items[i % n_items])
        i += 1
    latencies = []
    append = latencies.append
    i = 0
    start = clock()
    end = start + int(seconds * 1e9)
    now = start
    while now < end:
        t0 = clock()
        op(items[i % n_items])
        now = clock()
        append(now - t0)
        i += 1
    wall = now - start
    latencies.sort()
    n = len(latencies)
    return {
        "calls": n,
        "per_second": n / (wall / 1e9),
        "p50_us": latencies[n // 2] / 1000,
        "p99_us": latencies[min(n - 1, (n * 99) // 100)] / 1000,
        "mean_us": statistics.fmean(latencies) / 1000,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds per measurement (default 3)")
    parser.add_argument("--json", action="store_true", help="print machine-readable results")
    args = parser.parse_args(argv)
    warmup = min(1.0, max(0.2, args.seconds / 3))

    eng = eligibility.load(RULES)
    cases = load_cases()
    datas = [data for _, data in cases]

    for data in datas:                          # every case decides before anything is timed
        eng.decide(data)

    # Raw durable-rules: the batch each decision asserts, built in advance (one session id per case, reused).
    host = engine_adapter._get_host()
    raw_items, reference_items, prepared_sets = [], [], []
    for name, data in cases:
        prepared, facts = engine_inputs(eng, data)
        sid = uuid.uuid4().hex                  # the same form as the session ids of decisions
        batch = [dict(f, sid=sid) for f in facts] + [{"t": READY, "sid": sid}]
        raw_items.append((prepared.compiled.name, batch, sid))
        prepared_sets.append((prepared, facts))
        reference_items.append(tuple((c.condition, f) for c, f in zip(prepared.compiled.criteria, facts)))

    fired: list = []

    def raw(item):
        name, batch, sid = item
        engine_adapter._activations = fired     # where the registered actions record what fired
        host.assert_facts(name, batch)
        host.delete_state(name, sid)
        fired.clear()

    # Raw durable-rules fires exactly the rules the adapter reports for the same facts: one per criterion.
    for (name, _), (ruleset, batch, sid), (prepared, facts) in zip(cases, raw_items, prepared_sets):
        want = sorted(label for label, _ in engine_adapter.run(prepared.compiled, facts))
        engine_adapter._activations = fired
        state = host.assert_facts(ruleset, batch)
        host.delete_state(ruleset, sid)
        engine_adapter._activations = None
        if isinstance(state, dict) and state.get("exception"):
            raise SystemExit(f"raw durable-rules failed on {name}: {state['exception']}")
        got = sorted(label for label, _ in fired)
        fired.clear()
        if got != want or len(got) != len(prepared.compiled.criteria):
            raise SystemExit(f"raw durable-rules fired {got} on {name}; a decision's engine run fired {want}")

    def complete(data):
        eng.decide(data)

    def rendered(data):
        d = eng.decide(data)
        decision_text(d)
        d.to_json()

    def reference(pairs):
        for condition, fact in pairs:
            logic.evaluate(condition, fact)

    try:
        runs = {
            "complete": measure(complete, datas, args.seconds, warmup),
            "rendered": measure(rendered, datas, args.seconds, warmup),
            "raw": measure(raw, raw_items, args.seconds, warmup),
            "reference": measure(reference, reference_items, args.seconds, warmup),
        }
    finally:
        engine_adapter._activations = None

    ratio_p50 = runs["complete"]["p50_us"] / runs["raw"]["p50_us"]
    ratio_rate = runs["raw"]["per_second"] / runs["complete"]["per_second"]
    result = {
        "python": platform.python_version(),
        "machine": f"{platform.machine()} ({platform.system()})",
        "cases": len(cases),
        "seconds": args.seconds,
        "gc_enabled": gc.isenabled(),
        "results": runs,
        "ratio_complete_to_raw": {"p50": ratio_p50, "throughput": ratio_rate},
        "target_ratio": TARGET_RATIO,
        "within_target": ratio_p50 <= TARGET_RATIO,
        "note": NOISE,
    }
    if args.json:
        json.dump(result, sys.stdout, indent=2, sort_keys=True)
        print()
        return 0

    labels = {
        "complete": "complete decision (Decision)",
        "rendered": "decision + text + JSON",
        "raw": "raw durable-rules",
        "reference": "pure-Python reference",
    }
    print(f"{len(cases)} example cases, {args.seconds:g} s per measurement, Python {result['python']}, "
          f"garbage collector on")
    print(f"({NOISE})")
    print()
    print(f"{'measurement':<30} {'decisions/s':>12} {'p50 us':>10} {'p99 us':>10} {'calls':>9}")
    for key, label in labels.items():
        r = runs[key]
        print(f"{label:<30} {r['per_second']:>12,.0f} {r['p50_us']:>10,.1f} {r['p99_us']:>10,.1f} {r['calls']:>9,}")
    print()
    verdict = "within" if result["within_target"] else "OVER"
    print(f"complete / raw: {ratio_p50:.2f}x at p50, {ratio_rate:.2f}x by throughput "
          f"(target <= {TARGET_RATIO:g}x: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
