"""Time the proof of equal treatment: every decision kind x pair of authorities x period.

    python bench/prove.py [RULES_DIR]

Prints one line per decision kind (pair-periods, verdicts, seconds, and the mean and the
slowest time for one pair-period) and the total. The
budget is 60 s for the whole proof on a 2-core machine. The paired ratio is the proof's
time against the sampled consistency search (50 examples) over the same decisions, run
in the same process straight after, so machine load affects both alike.
"""

from __future__ import annotations

import sys
import time

import eligibility
from eligibility import consistency, prove


def main(argv):
    engine = eligibility.load(argv[1] if len(argv) > 1 else None)
    started = time.perf_counter()
    results = prove.run(engine)
    total = time.perf_counter() - started
    print(f"{'decision':30} {'pair-periods':>12} {'verdicts':28} {'seconds':>8} {'ms mean':>8} {'ms max':>8}")
    for decision in engine.decisions:
        mine = [r for r in results if r.decision == decision]
        verdicts = ", ".join(f"{v} {sum(1 for r in mine if r.verdict == v)}" for v in sorted({r.verdict for r in mine}))
        seconds = sum(r.seconds for r in mine)
        print(f"{decision:30} {len(mine):12} {verdicts:28} {seconds:8.2f} {1000 * seconds / len(mine):8.0f} "
              f"{1000 * max(r.seconds for r in mine):8.0f}")
    print(f"{'total':30} {len(results):12} {prove.overall(results):28} {total:8.2f} "
          f"{1000 * total / len(results):8.0f} {1000 * max(r.seconds for r in results):8.0f}")
    started = time.perf_counter()
    consistency.check(engine, examples=50)
    sampled = time.perf_counter() - started
    print(f"consistency search, 50 examples: {sampled:.2f} s; proof / search = {total / sampled:.2f}")


if __name__ == "__main__":
    main(sys.argv)
