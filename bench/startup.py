"""`eligibility check` on one case next to starting Python with yaml and click; load() warm and cold.

    python bench/startup.py [--runs 15]

Each round runs, in alternating order, `python -c "import yaml, click"` and
`python -m eligibility check <case>` as fresh processes (the rules cache warm from the
first run on), and reports the median of the per-round ratios. It then times
`eligibility.load()` in fresh processes with the cache warm and with an empty cache
(a temporary XDG_CACHE_HOME), paired with the same baseline process, and reports each
as milliseconds. The real user cache is never touched: every run uses a temporary cache
directory. Python may write its bytecode (PYTHONDONTWRITEBYTECODE is removed from the
environment), as it does for an installed package, so that "from the second run on" means
what it means for a user. Both wall-clock time and CPU time (user + system, which other
processes on a shared machine disturb much less) are reported.
"""

from __future__ import annotations

import argparse
import os
import resource
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
LOAD = [sys.executable, "-c", "import time, eligibility; t, c = time.perf_counter(), time.process_time(); "
        "eligibility.load(); print(time.perf_counter() - t, time.process_time() - c)"]


def wall(cmd, env) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run of a command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    elapsed = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def inner(cmd, env) -> tuple[float, float]:
    wall_s, cpu_s = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout.split()
    return float(wall_s), float(cpu_s)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--src", default=None, help="measure the package in this src directory instead")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["XDG_CACHE_HOME"] = cache
        if args.src:
            env["PYTHONPATH"] = args.src
        for _ in range(2):                                   # the first run fills the caches
            subprocess.run(CHECK, env=env, check=True, stdout=subprocess.DEVNULL)
            subprocess.run(BASELINE, env=env, check=True, stdout=subprocess.DEVNULL)
        ratios, cpu_ratios, base, check = [], [], [], []
        for i in range(args.runs):
            pair = [(BASELINE, base), (CHECK, check)]
            for cmd, into in (pair if i % 2 == 0 else pair[::-1]):
                into.append(wall(cmd, env))
            ratios.append(check[-1][0] / base[-1][0])
            cpu_ratios.append(check[-1][1] / base[-1][1])
        med = statistics.median
        print(f"python -c 'import yaml, click': median {med(b[0] for b in base) * 1e3:.0f} ms wall, "
              f"{med(b[1] for b in base) * 1e3:.0f} ms CPU")
        print(f"eligibility check (warm cache): median {med(c[0] for c in check) * 1e3:.0f} ms wall, "
              f"{med(c[1] for c in check) * 1e3:.0f} ms CPU")
        print(f"check/baseline: {med(ratios):.2f} wall, {med(cpu_ratios):.2f} CPU (paired median; target <= 3)")

        warm = [inner(LOAD, env) for _ in range(args.runs)]
        cold = []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as empty:
                cold.append(inner(LOAD, dict(env, XDG_CACHE_HOME=empty)))
        print(f"load() warm cache: median {med(w[0] for w in warm) * 1e3:.0f} ms wall, "
              f"{med(w[1] for w in warm) * 1e3:.0f} ms CPU (target <= 60)")
        print(f"load() cold cache: median {med(c[0] for c in cold) * 1e3:.0f} ms wall, "
              f"{med(c[1] for c in cold) * 1e3:.0f} ms CPU (target <= 300)")
        print(f"cores: {os.cpu_count()}; load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
