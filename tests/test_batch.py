"""eligibility batch: every input kind, input order, resume, kills, bad lines, exit codes, workers, Dask."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import eligibility
from eligibility import batch
from eligibility.cli import cli
from live_server import EXAMPLES, eligibility_command, example_envelopes

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cases():
    return example_envelopes()


@pytest.fixture(scope="module")
def records(cases):
    engine = eligibility.load()
    return {name: json.loads(json.dumps(engine.decide(case, suggest_changes=True).to_dict())) for name, case in cases.items()}


def _jsonl(path: Path, values) -> Path:
    path.write_text("".join((v if isinstance(v, str) else json.dumps(v)) + "\n" for v in values), encoding="utf-8")
    return path


def _run(*args, input=None):
    result = CliRunner().invoke(cli, ["batch", "--no-progress", *args], input=input)
    return result.exit_code, result.stdout, result.stderr


def _lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def test_jsonl_in_input_order_with_bad_lines_costing_no_other_decision(tmp_path, cases, records):
    names = list(cases)
    values = [cases[names[0]], "this is not JSON", cases[names[1]], "[" * 5000, '{"facts": ' * 3000 + "{}" + "}" * 3000,
              "", cases[names[2]], {"authority": "rutland", "facts": {"persn": {}}}]
    source = _jsonl(tmp_path / "cases.jsonl", values)
    code, out, err = _run(str(source), "--workers", "1")
    lines = _lines(out)
    assert code == batch.EXIT_INVALID
    assert [line["input"] for line in lines] == [f"{source}:{n}" for n in (1, 2, 3, 4, 5, 7, 8)]
    assert [line["status"] for line in lines] == ["decided", "invalid", "decided", "invalid", "invalid", "decided",
                                                   "invalid"]
    assert [lines[i]["decision"] for i in (0, 2, 5)] == [records[n] for n in names[:3]]
    bad_json = lines[1]["problems"][0]
    assert (bad_json["code"], bad_json["file"], bad_json["line"], bad_json["column"]) == ("C401", str(source), 2, 1)
    assert "nested more than" in lines[3]["problems"][0]["message"]
    assert "nested more than" in lines[4]["problems"][0]["message"]
    assert any(p["code"] == "C403" and "person" in (p["hint"] or "") for p in lines[6]["problems"])
    assert all(line["decision"] is None for line in lines if line["status"] != "decided")
    assert "7 input(s): 3 decided, 4 invalid, 0 failed" in err


def test_a_folder_of_case_files_all_decided_exits_0(records):
    code, out, err = _run(str(EXAMPLES), "--workers", "1", "--progress")
    lines = _lines(out)
    assert code == batch.EXIT_OK
    n = len(records)
    assert f"{n} inputs [" in err and f"{n} input(s): {n} decided, 0 invalid, 0 failed" in err      # bar and summary
    assert [Path(line["input"]).name for line in lines] == sorted(records)
    assert [line["decision"] for line in lines] == [records[n] for n in sorted(records)]


def _flatten(value, prefix=""):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _flatten(item, f"{prefix}.{key}" if prefix else key)
    elif isinstance(value, list) and value and isinstance(value[0], dict):
        for index, item in enumerate(value):
            yield from _flatten(item, f"{prefix}.{index}")
    elif isinstance(value, list):
        yield prefix, ";".join(value) if value else "[]"
    else:
        yield prefix, "true" if value is True else "false" if value is False else str(value)


def test_csv_with_dotted_columns_decides_as_the_case_files_do(tmp_path, cases, records):
    rows = [dict(_flatten(case)) for case in cases.values()]
    columns = sorted({c for row in rows for c in row})
    source = tmp_path / "cases.csv"
    with open(source, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows(rows)                               # cells of facts a case does not record stay empty
        writer.writerow({**rows[0], "facts.person.date_of_birth": "14/03/1958"})
    with open(source, "a", encoding="utf-8") as handle:
        handle.write("too,few\n")
    code, out, _ = _run(str(source), "--workers", "1")
    lines = _lines(out)
    assert code == batch.EXIT_INVALID
    assert [line["decision"] for line in lines[:len(rows)]] == list(records.values())
    assert lines[len(rows)]["status"] == "invalid"
    assert lines[len(rows)]["problems"][0]["path"] == "$.facts.person.date_of_birth"
    assert "cells" in lines[len(rows) + 1]["problems"][0]["message"]
    assert [line["input"] for line in lines][:2] == [f"{source}:2", f"{source}:3"]


def test_standard_input_is_read_as_jsonl(cases, records):
    name = next(iter(cases))
    code, out, _ = _run("-", "--workers", "1", input=json.dumps(cases[name]) + "\n")
    assert code == 0 and _lines(out) == [{"input": "<stdin>:1", "status": "decided", "decision": records[name],
                                          "problems": []}]


def test_unknown_input_kinds_are_refused_before_anything_is_decided(tmp_path):
    (tmp_path / "cases.txt").write_text("{}\n")
    assert _run(str(tmp_path / "cases.txt"))[0] == 2
    assert _run(str(tmp_path / "missing.jsonl"))[0] == 2


@pytest.mark.slow
def test_rerun_with_the_same_output_continues_after_the_last_whole_line(tmp_path, cases):
    source = _jsonl(tmp_path / "cases.jsonl", list(cases.values()))
    whole = tmp_path / "whole.jsonl"
    assert _run(str(source), "-o", str(whole), "--workers", "1")[0] == 0
    expected = whole.read_bytes()
    cut = tmp_path / "cut.jsonl"
    kept = expected.splitlines(keepends=True)[:10]
    cut.write_bytes(b"".join(kept) + expected.splitlines(keepends=True)[10][:200])      # as a kill mid-line would
    code, out, err = _run(str(source), "-o", str(cut), "--workers", "1")
    assert code == 0 and out == ""
    assert cut.read_bytes() == expected
    assert "(10 kept from the earlier run)" in err and f"{len(cases) - 10} in" in err
    other = _jsonl(tmp_path / "other.jsonl", list(cases.values())[1:])
    code, _, err = _run(str(other), "-o", str(cut))
    assert code == 2 and "other inputs" in err and cut.read_bytes() == expected


@pytest.mark.slow
def test_a_killed_run_leaves_only_whole_lines_and_resumes_to_the_same_output(tmp_path, cases):
    values = list(cases.values()) * 10                                                  # about 280 inputs
    source = _jsonl(tmp_path / "cases.jsonl", values)
    out = tmp_path / "out.jsonl"
    process = subprocess.Popen(eligibility_command() + ["batch", str(source), "-o", str(out), "--workers", "1",
                                                        "--no-progress"], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while (not out.exists() or out.read_bytes().count(b"\n") < 30) and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    partial = out.read_bytes()
    kept = partial.count(b"\n")
    assert 30 <= kept < len(values)
    whole, cut = partial[:partial.rfind(b"\n") + 1], partial[partial.rfind(b"\n") + 1:]
    assert all(json.loads(line)["status"] == "decided" for line in whole.splitlines())
    assert cut == b"" or cut.startswith(b'{"decision":')      # a kill inside a write can cut the last line short
    code, _, err = _run(str(source), "-o", str(out), "--workers", "1")
    assert code == 0 and f"({kept} kept from the earlier run)" in err
    reference = tmp_path / "reference.jsonl"
    assert batch.run([str(source)], str(reference), workers=1).exit_code == 0
    assert out.read_bytes() == reference.read_bytes()


def test_two_local_workers_write_the_same_bytes_as_one(tmp_path, cases):
    values = list(cases.values()) * 2 + ["not json"]
    source = _jsonl(tmp_path / "cases.jsonl", values)
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert batch.run([str(source)], str(one), workers=1).exit_code == 1
    assert batch.run([str(source)], str(two), workers=2).exit_code == 1
    assert one.read_bytes() == two.read_bytes() and one.read_bytes().count(b"\n") == len(values)


@pytest.mark.slow
def test_workers_that_cannot_decide_give_failed_lines_and_exit_3(tmp_path, cases):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    batch._engine(str(rules))                       # this process has loaded the rules ...
    (rules / "shared" / "adult-eligibility.yaml").write_text("kind: [unfinished\n")   # ... the workers cannot
    source = _jsonl(tmp_path / "cases.jsonl", list(cases.values())[:1] + ["not json"])
    out = tmp_path / "out.jsonl"
    summary = batch.run([str(source)], str(out), rules_dir=str(rules), workers=2)
    lines = _lines(out.read_text())
    assert summary.exit_code == batch.EXIT_FAILED == 3
    assert [(line["input"], line["status"], line["decision"]) for line in lines] == [
        (f"{source}:1", "failed", None), (f"{source}:2", "failed", None)]
    assert lines[0]["problems"][0]["code"] == "X501"


@pytest.mark.slow
def test_a_dask_local_cluster_writes_the_same_bytes_as_a_serial_run(tmp_path, cases):
    from eligibility.dask_runner import local_cluster

    source = _jsonl(tmp_path / "cases.jsonl", list(cases.values()) * 2 + ["{broken"])
    serial, spread = tmp_path / "serial.jsonl", tmp_path / "dask.jsonl"
    assert batch.run([str(source)], str(serial), workers=1).exit_code == 1
    with local_cluster(2) as cluster:
        assert batch.run([str(source)], str(spread), dask_address=cluster.scheduler_address).exit_code == 1
    assert spread.read_bytes() == serial.read_bytes()
    assert serial.read_bytes().count(b"\n") == 2 * len(cases) + 1


def test_a_folder_with_broken_and_deeply_nested_case_files_decides_the_others(tmp_path, records):
    shutil.copy(EXAMPLES / "rutland-eligible.yaml", tmp_path / "a.yaml")
    (tmp_path / "b.yaml").write_text("facts: [unclosed\n")
    (tmp_path / "c.json").write_text("[" * 500 + "]" * 500)
    (tmp_path / "d.yml").write_text("facts:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 1000)))
    shutil.copy(EXAMPLES / "leicester-eligible.yaml", tmp_path / "e.yaml")
    code, out, _ = _run(str(tmp_path), "--workers", "1")
    lines = _lines(out)
    assert code == batch.EXIT_INVALID
    assert [(Path(line["input"]).name, line["status"]) for line in lines] == [
        ("a.yaml", "decided"), ("b.yaml", "invalid"), ("c.json", "invalid"), ("d.yml", "invalid"), ("e.yaml", "decided")]
    assert lines[0]["decision"] == records["rutland-eligible.yaml"]
    assert lines[4]["decision"] == records["leicester-eligible.yaml"]
    assert lines[1]["problems"][0]["line"] == 1


def test_an_output_file_that_is_not_batch_output_is_left_untouched(tmp_path, cases):
    source = _jsonl(tmp_path / "cases.jsonl", list(cases.values())[:1])
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"first line\nlast line without an end")
    code, _, err = _run(str(source), "-o", str(notes), "--workers", "1")
    assert code == 2 and "this command writes" in err
    assert notes.read_bytes() == b"first line\nlast line without an end"
    notes.write_bytes(b"one line without an end")
    assert _run(str(source), "-o", str(notes), "--workers", "1")[0] == 2
    assert notes.read_bytes() == b"one line without an end"
