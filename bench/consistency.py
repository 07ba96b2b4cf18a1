"""Consistency search speed: comparisons of a case between two authorities per second.

    python bench/consistency.py [--examples 50] [--decision NAME] [--baseline SRC_DIR]

Runs ``consistency.check`` in a fresh process, and with ``--baseline`` also the same
search with another copy of the package (its ``src`` directory), alternating, and
reports the median of the paired ratios of case-and-pair comparisons per second.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
RUN = """
import json, sys, eligibility
from eligibility import consistency
engine = eligibility.load()
decisions = [sys.argv[2]] if sys.argv[2] else None
report = consistency.check(engine, decisions, None, int(sys.argv[1]))
print(json.dumps({"cases": report.cases_checked, "seconds": report.seconds, "found": len(report.differences)}))
"""


def once(src: Path, examples: int, decision: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(src))
    out = subprocess.run([sys.executable, "-c", RUN, str(examples), decision or ""], env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=50)
    parser.add_argument("--decision", default="")
    parser.add_argument("--baseline", type=Path, default=None, help="src directory of the version to compare with")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    ratios = []
    for i in range(args.rounds):
        new = once(SRC, args.examples, args.decision)
        print(f"this version: {new['cases']} comparisons in {new['seconds']:.1f} s, "
              f"{new['cases'] / new['seconds']:.0f}/s, {new['found']} difference(s)")
        if args.baseline:
            old = once(args.baseline, args.examples, args.decision)
            print(f"baseline:     {old['cases']} comparisons in {old['seconds']:.1f} s, "
                  f"{old['cases'] / old['seconds']:.0f}/s, {old['found']} difference(s)")
            ratios.append((new["cases"] / new["seconds"]) / (old["cases"] / old["seconds"]))
    if ratios:
        print(f"speed-up (paired median): {statistics.median(ratios):.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
