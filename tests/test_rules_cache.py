"""The rules cache: used only when it matches exactly, rebuilt whenever it cannot be trusted."""

from __future__ import annotations

import json
import os
import shutil

import pytest

import eligibility
from eligibility import rules_cache
from eligibility.diagnostics import RuleFileError

from conftest import EXAMPLES, RULES


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    """A private cache directory for one test (the real user cache is never touched)."""
    home = tmp_path / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home / "eligibility"


@pytest.fixture
def rules(tmp_path):
    copy = tmp_path / "rules"
    shutil.copytree(RULES, copy)
    return copy


def _entries(cache_home):
    return sorted(cache_home.glob("rules-*.json"))


def _decide_example(engine):
    from eligibility.cases import read_case
    data, _ = read_case(EXAMPLES / "leicester-eligible.yaml")
    return engine.decide(data).to_json()


def test_the_cache_is_written_once_and_then_used(cache_home, rules, monkeypatch):
    reference = _decide_example(eligibility.load(rules))
    assert len(_entries(cache_home)) == 1
    assert oct(cache_home.stat().st_mode & 0o777) == "0o700"
    # a warm load reads no YAML and runs no schema check
    from eligibility import loader
    with monkeypatch.context() as patched:
        patched.setattr(loader.source, "read", lambda *a, **k: pytest.fail("a rule file was parsed"))
        patched.setattr(loader.validate, "check_rule_file", lambda *a, **k: pytest.fail("schema check ran"))
        second = eligibility.load(rules)
    assert _decide_example(second) == reference


def test_the_key_changes_when_a_rule_file_changes(cache_home, rules):
    files, _ = eligibility.loader.rule_files(rules.resolve())
    before = rules_cache.key(files)
    eligibility.load(rules)
    target = rules / "shared" / "adult-eligibility.yaml"
    target.write_text(target.read_text(encoding="utf-8") + "\n# an edit\n", encoding="utf-8")
    assert rules_cache.key(files) != before
    eligibility.load(rules)
    assert len(_entries(cache_home)) == 2


def test_an_edited_rule_file_with_an_error_is_reported_not_served_from_the_cache(cache_home, rules):
    eligibility.load(rules)
    target = rules / "shared" / "adult-eligibility.yaml"
    target.write_text(target.read_text(encoding="utf-8").replace("kind: rule-set", "kind: rule-sett", 1),
                      encoding="utf-8")
    with pytest.raises(RuleFileError) as caught:
        eligibility.load(rules)
    assert [d.code for d in caught.value.diagnostics] == ["E204"]


@pytest.mark.parametrize("damage", ["truncate", "garbage", "bad checksum", "edited payload", "edited consistently",
                                    "wrong shape", "world writable"])
def test_a_damaged_or_edited_cache_is_rebuilt_never_trusted(cache_home, rules, damage):
    reference = _decide_example(eligibility.load(rules))
    [entry] = _entries(cache_home)
    raw = entry.read_bytes()
    header, payload = raw.split(b"\n", 1)
    if damage == "truncate":
        entry.write_bytes(raw[: len(raw) // 2])
    elif damage == "garbage":
        entry.write_bytes(b"\x00\xff not json")
    elif damage == "bad checksum":
        entry.write_bytes(header.replace(b'"sha256": "', b'"sha256": "0') + b"\n" + payload)
    elif damage in ("edited payload", "edited consistently", "wrong shape"):
        entries = json.loads(payload)
        if damage == "wrong shape":
            entries[0]["positions"] = [["not", "a", "triple", "!"]]
        else:                            # an edited threshold: would change decisions if it were trusted
            text = json.dumps(entries).replace('"eligible"', '"not_eligible"')
            entries = json.loads(text)
        new_payload = json.dumps(entries).encode()
        if damage == "edited payload":
            entry.write_bytes(header + b"\n" + new_payload)
        else:                            # even with a recomputed checksum the content must still make sense
            import hashlib
            head = json.loads(header)
            head["sha256"] = hashlib.sha256(new_payload).hexdigest()
            entry.write_bytes(json.dumps(head).encode() + b"\n" + new_payload)
    elif damage == "world writable":
        os.chmod(entry, 0o666)
    if damage in ("truncate", "garbage", "bad checksum", "edited payload", "wrong shape", "world writable"):
        files, _ = eligibility.loader.rule_files(rules.resolve())
        assert rules_cache.read(rules_cache.key(files), files) is None
    assert _decide_example(eligibility.load(rules)) == reference
    # the rules were read from the files again and the entry rewritten whole
    assert entry.read_bytes() == raw and entry.stat().st_mode & 0o077 == 0
    files, _ = eligibility.loader.rule_files(rules.resolve())
    assert rules_cache.read(rules_cache.key(files), files) is not None


def test_an_unwritable_cache_directory_is_ignored(tmp_path, monkeypatch, rules):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert _decide_example(eligibility.load(rules))
