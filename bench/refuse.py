"""How long the tool takes to refuse each kind of bad input.

Run from the repository root:  python bench/refuse.py [--repeat 5]

Two measurements per input, each the median of --repeat runs:

* library: the refusal alone, with the rules already loaded (reading the case file and
  engine.decide; for a rule file, reading that one file), in milliseconds;
* command: the whole `eligibility check CASE` (or `eligibility validate RULES`) as a new
  process, in seconds, beside the same command on a valid input (the paired ratio shows
  what the refusal costs beyond starting the tool and loading the rules).

Every bad input must be refused (exit 1) within a second; the script says so for each.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import eligibility  # noqa: E402
from eligibility import source  # noqa: E402
from eligibility.cases import read_case  # noqa: E402
from eligibility.diagnostics import CaseError  # noqa: E402

GOOD = ROOT / "examples" / "cases" / "rutland-eligible.yaml"


def _median_ms(action, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _median_process_s(args, repeat: int) -> tuple[float, int]:
    times, code = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "eligibility", *map(str, args)], capture_output=True, timeout=600)
        times.append(time.perf_counter() - start)
        code = proc.returncode
    return statistics.median(times), code


def _refuse_case_file(engine, path):
    def action():
        try:
            data, smap = read_case(path)
            engine.decide(data, smap=smap)
        except (source.YamlProblem, CaseError):
            return
        raise AssertionError(f"{path} was not refused")
    return action


def _refuse_case_data(engine, case):
    def action():
        try:
            engine.decide(case)
        except CaseError:
            return
        raise AssertionError("the case was not refused")
    return action


def _refuse_rule_file(path):
    def action():
        try:
            source.read(path)
        except source.YamlProblem:
            return
        raise AssertionError(f"{path} was not refused")
    return action


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    engine = eligibility.load()
    work = Path(tempfile.mkdtemp(prefix="refuse-"))
    try:
        fifo = work / "pipe.yaml"
        os.mkfifo(fifo)
        big_case = work / "big-case.yaml"
        with open(big_case, "w") as handle:
            handle.write("facts:\n  person:\n    condition: '" + "x" * (50 * 1024 * 1024) + "'\n")
        deep_case = work / "deep-case.yaml"
        deep_case.write_text("facts: " + "[" * 500 + "]" * 500 + "\n")
        big_rules = work / "big-rules"
        shutil.copytree(ROOT / "rules", big_rules)
        with open(big_rules / "shared" / "adult-eligibility.yaml", "a") as handle:
            handle.write(("# " + "x" * 1000 + "\n") * (100 * 1024))
        deep_rules = work / "deep-rules"
        shutil.copytree(ROOT / "rules", deep_rules)
        (deep_rules / "shared" / "deep.yaml").write_text(
            "kind: rule-set\nid: deep\ncriteria:\n  - id: x\n    condition:\n" +
            "".join("      " + "  " * i + "not:\n" for i in range(400)) + "      " + "  " * 400 + "{fact: a, is: true}\n")
        million = {"authority": "rutland", "assessment_date": "2024-05-01", "decision": "adult-eligibility",
                   "facts": {"placements": [{}] * 1_000_000}}
        selfref = {"authority": "rutland", "assessment_date": "2024-05-01", "decision": "adult-eligibility", "facts": {}}
        selfref["facts"]["person"] = selfref["facts"]

        rows = [
            ("valid case (for comparison)", lambda: engine.decide(*read_case(GOOD)[:1], smap=read_case(GOOD)[1]),
             ["check", GOOD]),
            ("/dev/zero as a case", _refuse_case_file(engine, "/dev/zero"), ["check", "/dev/zero"]),
            ("a FIFO as a case (nothing writes to it)", _refuse_case_file(engine, fifo), ["check", fifo]),
            ("50 MB case file", _refuse_case_file(engine, big_case), ["check", big_case]),
            ("case nested 500 deep", _refuse_case_file(engine, deep_case), ["check", deep_case]),
            ("million-item list (library)", _refuse_case_data(engine, million), None),
            ("self-referencing mapping (library)", _refuse_case_data(engine, selfref), None),
            ("valid rule file read (for comparison)", lambda: source.read(ROOT / "rules/shared/adult-eligibility.yaml"),
             ["validate"]),
            ("100 MB rule file", _refuse_rule_file(big_rules / "shared" / "adult-eligibility.yaml"),
             ["validate", big_rules]),
            ("rule condition nested 400 deep (block style)", _refuse_rule_file(deep_rules / "shared" / "deep.yaml"),
             ["validate", deep_rules]),
        ]
        print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPU(s), median of {repeat} runs\n")
        print("| input | library: refused in (ms) | command: wall time (s) | exit | within 1 s |")
        print("|---|---:|---:|---:|---|")
        for label, action, args in rows:
            ms = _median_ms(action, repeat)
            seconds, code = _median_process_s(args, repeat) if args else (None, None)
            shown = f"{seconds:.2f}" if seconds is not None else "–"
            within = "yes" if ms < 1000 else "NO"
            print(f"| {label} | {ms:,.1f} | {shown} | {code if code is not None else '–'} | {within} |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
