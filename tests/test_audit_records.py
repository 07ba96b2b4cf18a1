"""Self-contained decision records and `eligibility verify`.

A record made today must still verify after its rule set is closed (given an end date),
after a newer version is added, and against an earlier revision of the rules after they
changed; a record changed after it was issued must be caught.
"""

from __future__ import annotations

import importlib.metadata
import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import eligibility
from eligibility.cases import read_case
from eligibility.cli import cli
from eligibility.record import decision_digest, issue, read_records
from eligibility.verify import verify

from conftest import EXAMPLES, RULES, _bundled_engine

CASE = EXAMPLES / "rutland-eligible.yaml"
CURRENT = next(r.version for r in _bundled_engine().corpus.rule_sets      # the adult-eligibility version in force
               if r.id == "adult-eligibility" and r.effective_to is None)


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def issued(tmp_path_factory) -> Path:
    """`check --format json` output for two cases, as a council would file it."""
    result = run("check", CASE, EXAMPLES / "leicester-not-eligible.yaml", "--format", "json", "--issued-by", "a.patel")
    assert result.exit_code == 0, result.output
    path = tmp_path_factory.mktemp("issued") / "issued.json"
    path.write_text(result.stdout, encoding="utf-8")
    return path


@pytest.fixture()
def rules_copy(tmp_path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    return target


def test_the_record_holds_its_case_package_engine_and_rule_identity(engine):
    data, smap = read_case(CASE)
    first, second = engine.decide(data, smap=smap), engine.decide(json.loads(json.dumps(data)))
    assert first.to_json() == second.to_json()                    # byte-stable
    record = first.to_dict()
    assert record["case"] == {"ref": "RUT-2024-0117", "decision": "adult-eligibility", "authority": "rutland",
                              "assessment_date": "2024-05-01", "facts": data["facts"]}
    assert record["package"] == {"name": "eligibility", "version": eligibility.__version__}
    # the record takes the version from the code; the installed metadata must say the same
    assert importlib.metadata.version("eligibility") == eligibility.__version__
    assert record["engine"] == "durable-rules 2.0.28"
    assert {k: record["rule_set"][k] for k in ("id", "version")} == {"id": "adult-eligibility", "version": CURRENT}
    assert len(record["rule_set"]["sha256"]) == 64 and len(record["settings"]["sha256"]) == 64
    assert "issued_at" not in record and "issued_by" not in record
    stamped = issue(first, "a.patel")
    assert stamped["decision"] == record and stamped["decision_sha256"] == decision_digest(record)
    assert stamped["issued_by"] == "a.patel" and stamped["issued_at"].endswith("Z")


def test_the_record_re_decides_from_its_own_case(engine):
    data, smap = read_case(CASE)
    record = engine.decide(data, smap=smap).to_dict()
    assert engine.decide(record["case"]).to_dict() == record


def test_check_output_verifies(issued):
    result = run("verify", issued)
    assert result.exit_code == 0, result.output
    assert "(RUT-2024-0117 adult-eligibility rutland 2024-05-01): reproduced" in result.output
    assert result.output.rstrip().endswith("2 record(s): 2 reproduced")


def _verify(engine, path):
    return [verify(engine, read) for read in read_records(path)]


def test_a_record_changed_after_issue_is_caught(engine, issued, tmp_path):
    records = json.loads(issued.read_text(encoding="utf-8"))
    records[0]["decision"]["outcome"] = "not_eligible"            # edited, digest left as it was
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(records), encoding="utf-8")
    first, second = _verify(engine, changed)
    assert (first.status, first.fields, second.status) == ("differs", ("decision_sha256",), "reproduced")
    assert "differs in decision_sha256" in first.text() and "changed after it was issued" in first.text()
    records[0]["decision_sha256"] = decision_digest(records[0]["decision"])   # digest forged to match
    changed.write_text(json.dumps(records), encoding="utf-8")
    first, _ = _verify(engine, changed)
    assert (first.status, first.fields) == ("differs", ("outcome",))


def test_facts_changed_in_a_record_are_caught(engine, issued, tmp_path):
    records = json.loads(issued.read_text(encoding="utf-8"))
    outcomes = records[0]["decision"]["case"]["facts"]["adult_outcomes"]
    for area in ("maintaining_a_habitable_home", "managing_and_maintaining_nutrition",
                 "using_community_facilities_and_services"):
        outcomes[area] = []                                       # the record now claims other facts
    records[0].pop("decision_sha256")
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(records), encoding="utf-8")
    first, _ = _verify(engine, changed)
    fields = first.fields
    assert first.status == "differs" and "outcome" in fields and "criteria[unable-to-achieve-two-or-more-outcomes].status" in fields
    assert "derived[unable_outcomes].value" in fields


def _close(rules: Path, file: str, end: str, ends: str | None = None) -> None:
    """Give the version an end date; ``ends``: why nothing follows it (needed when it is the last)."""
    path = rules / file
    text = path.read_text(encoding="utf-8")
    closed = f"effective_from: 2015-04-01\neffective_to: {end}\n" + (f"ends: {ends}\n" if ends else "")
    path.write_text(text.replace("effective_from: 2015-04-01\n", closed, 1), encoding="utf-8")


def _close_settings_and_add_version(rules: Path, authority: str, end: str, start: str) -> None:
    path = rules / authority / "settings.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    current = next(v for v in data["versions"] if "effective_to" not in v)
    current["effective_to"] = end
    newer = json.loads(json.dumps(current, default=str))
    newer.update(version="2030.1", effective_from=start)
    newer.pop("effective_to")
    data["versions"].append(newer)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def test_a_record_verifies_after_its_rule_set_is_closed(issued, rules_copy):
    _close(rules_copy, "shared/adult-eligibility.yaml", "2029-12-31", ends="Repealed with nothing in its place.")
    assert eligibility.load(rules_copy).rule_set_for("adult-eligibility", "rutland",
                                                      __import__("datetime").date(2024, 5, 1)).effective_to
    result = run("verify", issued, "--rules", rules_copy)
    assert result.exit_code == 0, result.output
    assert "the rule set now ends on 2029-12-31 (when issued: no end date)" in result.output


def test_a_record_verifies_after_newer_versions_are_added(issued, rules_copy):
    _close(rules_copy, "shared/adult-eligibility.yaml", "2029-12-31")
    newer = (rules_copy / "shared" / "adult-eligibility.yaml").read_text(encoding="utf-8")
    newer = (newer.replace("id: adult-eligibility\n", "id: adult-eligibility-2030\n", 1)
             .replace(f'version: "{CURRENT}"', 'version: "2030.1"', 1)
             .replace("effective_from: 2015-04-01\neffective_to: 2029-12-31\n", "effective_from: 2030-01-01\n", 1))
    (rules_copy / "shared" / "adult-eligibility-2030.yaml").write_text(newer, encoding="utf-8")
    for authority in ("rutland", "leicester"):
        _close_settings_and_add_version(rules_copy, authority, "2029-12-31", "2030-01-01")
    engine = eligibility.load(rules_copy)
    assert {r.version for r in engine.corpus.rule_sets if r.decision == "adult-eligibility"} == {CURRENT, "2030.1"}
    result = run("verify", issued, "--rules", rules_copy)
    assert result.exit_code == 0, result.output
    assert "2 record(s): 2 reproduced" in result.output


def test_a_record_whose_rules_changed_names_the_rules_it_needs(issued, rules_copy):
    path = rules_copy / "shared" / "adult-eligibility.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("title: Care Act 2014 eligibility determination",
                                                             "title: Eligibility determination", 1), encoding="utf-8")
    recorded = json.loads(issued.read_text(encoding="utf-8"))[0]["decision"]["rule_set"]
    result = run("verify", issued, "--rules", rules_copy)
    assert result.exit_code == 1
    assert ("(RUT-2024-0117 adult-eligibility rutland 2024-05-01): the rules it needs are not available: "
            f"rule set adult-eligibility version {CURRENT} sha256 {recorded['sha256']}") in result.output
    assert result.output.rstrip().endswith("2 record(s): 2 rules not available")


def test_batch_lines_are_verified_and_refused_inputs_skipped(issued, tmp_path):
    decided = json.loads(issued.read_text(encoding="utf-8"))[0]
    lines = [{"input": "cases/a.yaml", "status": "decided", "decision": decided["decision"], "problems": []},
             {"input": "cases/b.yaml", "status": "invalid", "decision": None, "problems": [{"code": "C402"}]}]
    batch = tmp_path / "batch.jsonl"
    batch.write_text("".join(json.dumps(line) + "\n" for line in lines) + "{not json\n", encoding="utf-8")
    result = run("verify", batch)
    assert result.exit_code == 1                                  # the unreadable third line
    assert f"{batch}:1 (RUT-2024-0117 adult-eligibility rutland 2024-05-01): reproduced" in result.output
    assert f"{batch}:2: skipped" in result.output
    assert f"{batch}:3:2: differs in (unreadable)" in result.output
    batch.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    assert run("verify", batch).exit_code == 0


def test_a_record_without_its_case_cannot_be_reproduced(engine, issued, tmp_path):
    records = json.loads(issued.read_text(encoding="utf-8"))
    del records[0]["decision"]["case"]
    del records[0]["decision_sha256"]
    old = tmp_path / "old.json"
    old.write_text(json.dumps(records), encoding="utf-8")
    first, _ = _verify(engine, old)
    assert first.status == "differs" and "does not hold the case as decided" in first.text()


def test_refused_cases_in_check_output_are_skipped_and_binary_files_reported(engine, tmp_path):
    refused = tmp_path / "refused.json"
    refused.write_text(json.dumps([{"case": "bad.yaml", "status": "invalid", "problems": [{"code": "C402"}]}]))
    assert [r.status for r in _verify(engine, refused)] == ["skipped"]
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    (result,) = _verify(engine, binary)
    assert result.status == "differs" and "not UTF-8 text" in result.text()


def test_a_bare_decision_as_written_by_to_json_verifies(engine, tmp_path):
    data, smap = read_case(CASE)
    path = tmp_path / "decision.json"
    path.write_text(engine.decide(data, smap=smap).to_json(), encoding="utf-8")
    assert [r.status for r in _verify(engine, path)] == ["reproduced"]


def test_verify_usage_errors_exit_2(tmp_path):
    assert run("verify").exit_code == 2
    assert run("verify", tmp_path / "missing.json").exit_code == 2


def test_a_record_verifies_against_the_git_revision_it_was_made_with(tmp_path, monkeypatch):
    """Rules in a git repository: a record made at one commit, the rules changed in the next."""
    import subprocess

    def git(*args):
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    shutil.copytree(RULES, tmp_path / "rules")
    git("init", "-q")
    git("-c", "user.name=Test", "-c", "user.email=test@example.org", "commit", "-q", "--allow-empty", "-m", "start")
    git("add", "rules")
    git("-c", "user.name=Test", "-c", "user.email=test@example.org", "commit", "-q", "-m", "rules as issued")
    monkeypatch.chdir(tmp_path)
    made = run("check", CASE, "--rules", "rules", "--format", "json")
    assert made.exit_code == 0, made.output
    (tmp_path / "issued.json").write_text(made.stdout, encoding="utf-8")
    path = tmp_path / "rules" / "shared" / "adult-eligibility.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("title: Care Act 2014 eligibility determination",
                                                             "title: Eligibility determination", 1), encoding="utf-8")
    git("-c", "user.name=Test", "-c", "user.email=test@example.org", "commit", "-q", "-am", "rules changed")
    assert run("verify", "issued.json", "--rules", "rules").exit_code == 1      # today's rules: not available
    result = run("verify", "issued.json", "--rules", "git:HEAD~1")
    assert result.exit_code == 0, result.output
    assert "1 record(s): 1 reproduced" in result.output
    unknown = run("verify", "issued.json", "--rules", "git:no-such-revision")
    assert unknown.exit_code == 2 and "is not a revision" in unknown.output
