"""`eligibility check` on one case next to starting Python with yaml and click; load() warm and cold.

    python bench/startup.py [--runs 15]

Each round runs, in alternating order, `python -c "import yaml, click"` and
`python -m eligibility check <case>` as fresh processes (the rules cache warm from the
first run on), and reports the median of the per-round ratios. It then times
`eligibility.load()` in fresh processes with the cache warm and with an empty cache
(a temporary XDG_CACHE_HOME), paired with the same baseline process, and reports each
as milliseconds and as a ratio. The real user cache is never touched: every run uses a
temporary cache directory.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "examples" / "cases" / "leicester-eligible.yaml"
BASELINE = [sys.executable, "-c", "import yaml, click"]
CHECK = [sys.executable, "-m", "eligibility", "check", str(CASE)]
LOAD = [sys.executable, "-c", "import time, eligibility; t = time.perf_counter(); eligibility.load(); "
        "print(time.perf_counter() - t)"]


def wall(cmd, env) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def inner(cmd, env) -> float:
    return float(subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout.strip())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, XDG_CACHE_HOME=cache)
        subprocess.run(CHECK, env=env, check=True, stdout=subprocess.DEVNULL)       # first run fills the cache
        ratios, base, check = [], [], []
        for i in range(args.runs):
            pair = [(BASELINE, base), (CHECK, check)]
            for cmd, into in (pair if i % 2 == 0 else pair[::-1]):
                into.append(wall(cmd, env))
            ratios.append(check[-1] / base[-1])
        print(f"python -c 'import yaml, click': median {statistics.median(base) * 1e3:.0f} ms")
        print(f"eligibility check (warm cache): median {statistics.median(check) * 1e3:.0f} ms")
        print(f"check/baseline: {statistics.median(ratios):.2f} (target <= 3)")

        warm = [inner(LOAD, env) for _ in range(args.runs)]
        cold = []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as empty:
                cold.append(inner(LOAD, dict(os.environ, XDG_CACHE_HOME=empty)))
        print(f"load() warm cache: median {statistics.median(warm) * 1e3:.0f} ms (target <= 60)")
        print(f"load() cold cache: median {statistics.median(cold) * 1e3:.0f} ms (target <= 300)")
        print(f"cores: {os.cpu_count()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
