"""Time taken by what_would_change, per decision, for the example cases whose outcome is not favourable.

    python bench/what_would_change.py [--repeat 20] [--json]

For each example (examples/cases/*.yaml) whose outcome is not the favourable one, the
decision is made --repeat times with suggest_changes=True and without it
(alternating, so both see the same machine load), and the difference is the search:
candidate changes from the rules, trials with the reference evaluation, and the engine
deciding each suggestion again to verify it. The search is bounded by a number of trials
(what_would_change.MAX_TRIALS), not by a clock, so its result never depends on load; this
script states the time that bound gives.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import eligibility
from eligibility import what_would_change
from eligibility.cases import read_case

ROOT = Path(__file__).resolve().parents[1]
# No outcome and no part of the wellbeing judgement recorded: two criteria to change (so the
# search cannot stop early) but six facts needed, so it tries sets of two and three changes
# until it reaches its trial bound, and finds none.
WORST_CASE = {"authority": "leicester", "assessment_date": "2024-05-01", "decision": "adult-eligibility",
              "facts": {"person": {"date_of_birth": "1960-01-01", "needs_arise_from_impairment_or_illness": True},
                        "needs_fluctuation": {"needs_fluctuate": False}}}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    engine = eligibility.load(ROOT / "rules")
    rows = []
    cases = [(p.stem, read_case(p)[0]) for p in sorted((ROOT / "examples" / "cases").glob("*.yaml"))]
    cases.append(("worst case: no outcome or wellbeing judgement recorded", WORST_CASE))
    for name, case in cases:
        decision = engine.decide(case)
        rule_set = engine.rule_set_for(decision.decision, decision.authority, decision.decided_on)
        target = what_would_change.favourable_outcomes(rule_set)
        if not target or decision.outcome in target:
            continue
        engine.decide(case, suggest_changes=True)             # warm-up
        with_search, without = [], []
        for _ in range(args.repeat):
            start = time.perf_counter_ns()
            found = engine.decide(case, suggest_changes=True)
            with_search.append(time.perf_counter_ns() - start)
            start = time.perf_counter_ns()
            engine.decide(case)
            without.append(time.perf_counter_ns() - start)
        search = [a - b for a, b in zip(with_search, without)]
        rows.append({"case": name, "outcome": decision.outcome, "suggestions": len(found.what_would_change),
                     "decide_ms_p50": statistics.median(without) / 1e6,
                     "search_ms_p50": statistics.median(search) / 1e6, "search_ms_max": max(search) / 1e6,
                     "ratio_p50": statistics.median(with_search) / statistics.median(without)})
    if args.json:
        print(json.dumps({"python": platform.python_version(), "repeat": args.repeat,
                          "max_trials": what_would_change.MAX_TRIALS, "cases": rows}, indent=2))
        return 0
    print(f"what_would_change per decision, {args.repeat} repeats, Python {platform.python_version()}, "
          f"bound {what_would_change.MAX_TRIALS} trials")
    print(f"| example | outcome | suggestions | decision p50 (ms) | search p50 (ms) | search max (ms) | with/without p50 |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['case']} | {r['outcome']} | {r['suggestions']} | {r['decide_ms_p50']:.2f} | "
              f"{r['search_ms_p50']:.1f} | {r['search_ms_max']:.1f} | {r['ratio_p50']:.0f}× |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
