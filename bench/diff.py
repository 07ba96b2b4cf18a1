"""How long `eligibility diff` takes, as a pre-commit hook runs it, and where the time goes.

    python bench/diff.py [--generated 200] [--repeat 3] [--json]

Two realistic changes, each made to a copy of the shipped rules:

  setting    Rutland's first care-plan review at 6 weeks instead of 8 (one setting of one
             authority: generated cases for one decision and one authority)
  threshold  adult eligibility needs three unmet outcomes instead of two (a national rule
             set: generated cases for one decision and all three authorities)

Each is compared with the shipped rules over the example cases and the case tests
(examples/cases, tests/cases) plus --generated N generated cases, as the pre-commit hook
does. Reported per stage (best of --repeat, CPU seconds of this process, so that other
work on a shared machine counts less): loading both rule versions, reading the given
cases, generating cases, deciding and comparing; and, paired with the comparison, the
same cases decided once under one version (the floor: a comparison decides every case
twice, so comparing / deciding once is about 2 at best). The whole command, as a new
process, is timed too: its CPU seconds (user + system) and its wall-clock seconds, each
the best of --repeat. On an idle machine the wall clock is close to the CPU time; on a
shared one it is not.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import eligibility
from eligibility import case_inputs, impact, impact_cases

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules"
GIVEN = [ROOT / "examples" / "cases", ROOT / "tests" / "cases"]


def _setting(root: Path) -> None:
    path = root / "rutland" / "settings.yaml"
    text = path.read_text(encoding="utf-8")
    old = "      plan_first_review_weeks:\n        value: 8\n"
    at = text.rindex(old)
    path.write_text(text[:at] + old.replace("8", "6") + text[at + len(old):], encoding="utf-8")


def _threshold(root: Path) -> None:
    path = root / "shared" / "adult-eligibility.yaml"
    old = "condition: {derived: unable_outcomes, at_least: 2}"
    path.write_text(path.read_text(encoding="utf-8").replace(old, old.replace("2", "3")), encoding="utf-8")


CHANGES = {"setting": _setting, "threshold": _threshold}


def _timed(fn):
    started = time.process_time()
    result = fn()
    return result, time.process_time() - started


def measure(change: str, generated: int, repeat: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        new_rules = Path(tmp) / "rules"
        shutil.copytree(RULES, new_rules)
        CHANGES[change](new_rules)
        best = {}
        for _ in range(repeat):
            (old, new), load = _timed(lambda: (eligibility.load(RULES), eligibility.load(new_rules)))
            (inputs, _), read = _timed(lambda: case_inputs.read_inputs(GIVEN))
            changes = impact.rule_changes(old, new)
            made, generate = _timed(lambda: impact_cases.generated_inputs(old, new, changes, generated))
            report, compare = _timed(lambda: impact.compare_all(old, new, inputs, old="old", new="new",
                                                                generated=made, changes=changes))
            _, once = _timed(lambda: [impact.decide(new, c) for c in [*inputs, *made]])
            row = {"load_both": load, "read_given": read, "generate": generate, "compare": compare,
                   "decide_once": once}
            best = {k: min(v, best.get(k, v)) for k, v in row.items()}
        walls, cpus = [], []
        for _ in range(repeat):
            started, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run([str(Path(sys.executable).parent / "eligibility"), "diff", str(RULES), str(new_rules),
                            *map(str, GIVEN), "--generated", str(generated)], capture_output=True, check=False)
            walls.append(time.perf_counter() - started)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return {"change": change, "given": report.named, "generated": report.generated, "changed": report.changed,
            **{k: round(v, 3) for k, v in best.items()},
            "compare_over_decide_once": round(best["compare"] / best["decide_once"], 2),
            "command_cpu_seconds": round(min(cpus), 2), "command_wall_seconds": round(min(walls), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generated", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = [measure(change, args.generated, args.repeat) for change in CHANGES]
    if args.json:
        print(json.dumps({"python": platform.python_version(), "rows": rows}, indent=2))
        return
    print(f"Python {platform.python_version()}, --generated {args.generated}, best of {args.repeat}; "
          "CPU seconds except the last column (wall clock)")
    print("| change | given | generated | changed | load both | read given | generate | compare | decide once "
          "| compare / once | whole command | whole command (wall) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['change']} | {r['given']} | {r['generated']} | {r['changed']} | {r['load_both']} | "
              f"{r['read_given']} | {r['generate']} | {r['compare']} | {r['decide_once']} | "
              f"{r['compare_over_decide_once']}× | {r['command_cpu_seconds']} | {r['command_wall_seconds']} |")


if __name__ == "__main__":
    main()
