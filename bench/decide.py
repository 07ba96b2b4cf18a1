"""A complete decision next to raw durable-rules, measured paired and interleaved.

    python bench/decide.py [--quick] [--rounds N] [--json]

For every example case (examples/cases/*.yaml, read once) and every round, two things
are timed back to back, in alternating order:

  complete   engine.decide(case) -> Decision: the case check, derived values, the
             engine facts, the engine, the re-check of every result in Python, the
             written record (reasons worded lazily, as always)
  raw        durable-rules alone through its public API on the same ruleset and the
             same engine facts: Host.assert_facts(name, facts + [sentinel last]) in a
             fresh session, then delete_state (the registered actions fire)

Each pair gives a ratio complete/raw. The figure reported is the median over cases of
each case's median ratio over rounds, so that load from other processes on a shared
machine affects both sides of a pair alike. The last line printed is

    complete/raw: X

The per-stage table times each stage of a decision alone over the same cases (median
µs per decision), plus text and JSON rendering.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
import uuid
from pathlib import Path

import eligibility
from eligibility import decide as decide_module
from eligibility import durable_engine
from eligibility.api import _dates_as_text
from eligibility.cases import data_source_map, read_case
from eligibility.compile import READY
from eligibility.render import decision_text

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "examples" / "cases"
RULES = ROOT / "rules"
TARGET = 1.5


def load_cases():
    cases = [(p.name, read_case(p)[0]) for p in sorted(CASES.glob("*.yaml"))]
    if not cases:
        raise SystemExit(f"no example cases in {CASES}")
    return cases


def setup(eng, data):
    """(prepared, authority, on, settings, facts, engine facts) for one case, resolved as a decision would."""
    data = _dates_as_text(data)
    decision, authority, on = eng.resolve(data)
    rule_set = eng.rule_set_for(decision, authority, on)
    settings = eng.settings_for(authority, on)
    prepared = eng.prepared_for(rule_set)
    facts = data.get("facts") or {}
    engine_facts = decide_module.engine_input(prepared, facts, authority, on, settings)[2]
    return prepared, authority, on, settings, facts, engine_facts


def raw_call(host, name, facts):
    """durable-rules through its public API: a fresh session, the sentinel last, deleted after."""
    sid = uuid.uuid4().hex
    batch = [dict(f, sid=sid) for f in facts]
    batch.append({"t": READY, "sid": sid})
    durable_engine._activations = []                      # where the registered actions record what fired
    try:
        state = host.assert_facts(name, batch)
    finally:
        fired, durable_engine._activations = durable_engine._activations, None
        host.delete_state(name, sid)
    if isinstance(state, dict) and state.get("exception"):
        raise SystemExit(f"raw durable-rules failed: {state['exception']}")
    return fired


def paired(eng, host, cases, rounds):
    clock = time.perf_counter_ns
    items = []
    for _, data in cases:
        prepared, *_, engine_facts = setup(eng, data)
        durable_engine.register(prepared.compiled)
        items.append((data, prepared.compiled.name, engine_facts))
    ratios = [[] for _ in items]
    complete_ns, raw_ns = [[] for _ in items], [[] for _ in items]
    for r in range(rounds):
        for i, (data, name, engine_facts) in enumerate(items):
            order = (0, 1) if (r + i) % 2 == 0 else (1, 0)
            t = [0, 0]
            for which in order:
                if which == 0:
                    t0 = clock()
                    eng.decide(data)
                    t[0] = clock() - t0
                else:
                    t0 = clock()
                    raw_call(host, name, engine_facts)
                    t[1] = clock() - t0
            complete_ns[i].append(t[0])
            raw_ns[i].append(t[1])
            ratios[i].append(t[0] / t[1])
    per_case = [statistics.median(r) for r in ratios]
    return {
        "ratio": statistics.median(per_case),
        "complete_us": statistics.median(statistics.median(c) for c in complete_ns) / 1000,
        "raw_us": statistics.median(statistics.median(c) for c in raw_ns) / 1000,
        "per_case_ratio_range": (min(per_case), max(per_case)),
    }


def stages(eng, cases, rounds):
    """Median µs of each stage timed alone, over the same cases, the stages interleaved case by case."""
    clock = time.perf_counter_ns
    prepared_cases = [(data, setup(eng, data)) for _, data in cases]
    decisions = [eng.decide(data) for data, _ in prepared_cases]
    for d in decisions:
        decision_text(d)                                    # the fixed blocks are serialised once per rule set
        d.to_json()
    out = {}

    def check(item):
        eng.check_case(item[0])

    def derived(item):
        prepared, authority, on, settings, facts, _ = item[1]
        decide_module.derived_values(prepared, facts, authority, on, settings)

    lookups = []
    for data, (prepared, authority, on, settings, facts, _) in prepared_cases:
        lookup, _ = decide_module.derived_values(prepared, facts, authority, on, settings)
        lookups.append((prepared, lookup))

    def facts_stage(item):
        item[0].engine_facts(item[1])

    runs = [(data[1][0], data[1][5]) for data in prepared_cases]

    def engine(item):
        durable_engine.run(item[0].compiled, item[1])

    fired = [(prepared, durable_engine.run(prepared.compiled, ef), lookup)
             for (prepared, ef), (_, lookup) in zip(runs, lookups)]

    def recheck(item):
        decide_module.checked_results(item[0], item[1], item[2])

    def complete(item):
        eng.decide(item[0])

    def text(d):
        decision_text(d)

    def as_json(d):
        d.to_json()

    def as_json_module(d):                      # the same bytes the way they were written before
        json.dumps(d.to_dict(), sort_keys=True, indent=2, ensure_ascii=False)

    stages_ = (("case check", check, prepared_cases), ("derived values", derived, prepared_cases),
               ("engine facts", facts_stage, lookups), ("engine", engine, runs), ("re-check", recheck, fired),
               ("complete decision", complete, prepared_cases), ("render text", text, decisions),
               ("render JSON", as_json, decisions), ("(render JSON with json.dumps, for comparison)", as_json_module, decisions))
    samples = {label: [] for label, _, _ in stages_}
    for _ in range(rounds):                    # interleaved: every stage of one case, then the next case
        for i in range(len(prepared_cases)):
            for label, fn, items in stages_:
                t0 = clock()
                fn(items[i])
                samples[label].append(clock() - t0)
    for label, values in samples.items():
        out[label] = statistics.median(values) / 1000
    parts = ("case check", "derived values", "engine facts", "engine", "re-check")
    out["record and the rest (complete minus the stages above)"] = out["complete decision"] - sum(out[p] for p in parts)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (under 30 s)")
    parser.add_argument("--rounds", type=int, default=None, help="rounds of paired measurements")
    parser.add_argument("--json", action="store_true", help="print the results as JSON before the last line")
    args = parser.parse_args(argv)
    rounds = args.rounds or (150 if args.quick else 600)

    eng = eligibility.load(RULES)
    cases = load_cases()
    host = durable_engine._get_host()                   # the Host holding the registered rulesets
    for _, data in cases:                                   # every case decides before anything is timed
        eng.decide(data)
    # raw durable-rules fires exactly the rules a decision's engine run reports, one per criterion
    for name, data in cases:
        prepared, *_, engine_facts = setup(eng, data)
        want = sorted(label for label, _ in durable_engine.run(prepared.compiled, engine_facts))
        got = sorted(label for label, _ in raw_call(host, prepared.compiled.name, engine_facts))
        if got != want or len(got) != len(prepared.compiled.criteria):
            raise SystemExit(f"raw durable-rules fired {got} on {name}; a decision's engine run fired {want}")

    pair = paired(eng, host, cases, rounds)
    stage = stages(eng, cases, max(10, rounds // 5))
    result = {"python": platform.python_version(), "cores": os.cpu_count(), "cases": len(cases),
              "rounds": rounds, "paired": pair, "stages_us": stage, "target": TARGET}
    if args.json:
        print(json.dumps(result, indent=2, sort_keys=True))
    else:
        print(f"{len(cases)} example cases x {rounds} rounds, Python {result['python']}, {result['cores']} cores")
        print(f"complete decision median {pair['complete_us']:.1f} us, raw durable-rules median {pair['raw_us']:.1f} us "
              f"(per-case ratios {pair['per_case_ratio_range'][0]:.2f}-{pair['per_case_ratio_range'][1]:.2f})")
        print()
        print(f"{'stage':<44} {'us/decision':>12}")
        for label, us in stage.items():
            print(f"{label:<44} {us:>12.1f}")
        print()
        verdict = "met" if pair["ratio"] <= TARGET else "NOT met"
        print(f"target complete/raw <= {TARGET}: {verdict}")
    print(f"complete/raw: {pair['ratio']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
