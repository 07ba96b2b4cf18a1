"""Every error code has a bad file that produces it, with the exact message and location.

tests/golden/bad_rules/<CODE>-<slug>/ is a small rules directory with exactly one defect;
its expected.txt is what `eligibility validate` prints on stderr for it.
tests/golden/bad_cases/<CODE>-<slug>/case.yaml is a case with one defect, checked against
the bundled rules; its expected.txt is what `eligibility check` prints on stderr.
Review a changed message with `pytest --update-golden` and `git diff tests/golden`.
"""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

import eligibility
from conftest import GOLDEN, ROOT, compare_golden
from eligibility.cli import cli
from eligibility.diagnostics import CODES

BAD_RULES = GOLDEN / "bad_rules"
BAD_CASES = GOLDEN / "bad_cases"
RULE_FIXTURES = sorted(p for p in BAD_RULES.iterdir() if p.is_dir())
CASE_FIXTURES = sorted(p for p in BAD_CASES.iterdir() if p.is_dir())


def _run(monkeypatch, args):
    monkeypatch.chdir(ROOT)                 # messages show paths relative to the repository root
    return CliRunner().invoke(cli, args)


def _check_result(result, fixture, update_golden):
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""              # problems go to stderr only
    assert f"error[{fixture.name[:4]}]" in result.stderr
    compare_golden(fixture / "expected.txt", result.stderr, update_golden)


@pytest.mark.parametrize("fixture", RULE_FIXTURES, ids=lambda p: p.name)
def test_bad_rules(fixture, monkeypatch, update_golden):
    result = _run(monkeypatch, ["validate", fixture.relative_to(ROOT).as_posix()])
    _check_result(result, fixture, update_golden)


@pytest.mark.parametrize("fixture", CASE_FIXTURES, ids=lambda p: p.name)
def test_bad_cases(fixture, monkeypatch, update_golden):
    result = _run(monkeypatch, ["check", (fixture / "case.yaml").relative_to(ROOT).as_posix()])
    _check_result(result, fixture, update_golden)


def test_every_code_has_a_bad_file():
    covered = {p.name[:4] for p in RULE_FIXTURES + CASE_FIXTURES}
    # X501 is an engine failure, not a file; warnings (W) do not stop the rules being used
    assert covered == {code for code in CODES if code != "X501" and not code.startswith("W")}


def test_every_code_is_documented_with_a_real_message():
    """docs/errors.md has a heading per code, and shows each code's message exactly as a fixture produces it."""
    docs = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    for code in CODES:
        assert f"\n## {code} " in docs, f"docs/errors.md has no heading for {code}"
    for code in {p.name[:4] for p in RULE_FIXTURES + CASE_FIXTURES}:
        lines = set()
        for fixture in (p for p in RULE_FIXTURES + CASE_FIXTURES if p.name.startswith(code)):
            prefix = fixture.relative_to(ROOT).as_posix()
            text = (fixture / "expected.txt").read_text(encoding="utf-8")
            text = text.replace(prefix + "/case.yaml", "case.yaml").replace(prefix, "rules")
            lines |= {line for line in text.splitlines() if f"error[{code}]" in line}
        assert any(line in docs for line in lines), f"docs/errors.md shows no current message for {code}"


@pytest.mark.parametrize("fixture, expected", [
    ("E101-unclosed-bracket", [("E101", 7, 13)]),
    ("E101-tab-indentation", [("E101", 6, 1)]),
    ("E102-duplicate-key", [("E102", 30, 5)]),
    ("E103-not-utf8", [("E103", 3, 30)]),
    ("E202-decimal-where-whole-number", [("E202", 55, 18)]),
    ("E203-unknown-key-misspelt", [("E203", 29, 5)]),
    ("E301-undefined-fact", [("E301", 30, 23)]),
    ("E301-undefined-setting", [("E301", 64, 12)]),
    ("E304-overlapping-periods", [("E304", 6, 17)]),
    ("E305-setting-out-of-bounds", [("E305", 12, 16)]),
    ("E307-reads-disregarded-fact", [("E307", 43, 18)]),
    ("E310-effective-dates-in-wrong-order", [("E310", 7, 15)]),
])
def test_location(fixture, expected):
    path = BAD_RULES / fixture
    assert [(d.code, d.span.line, d.span.column) for d in eligibility.check_rules(path)] == expected


def _with_second_defect(tmp_path, fixture, file, old, new):
    root = tmp_path / "rules"
    shutil.copytree(BAD_RULES / fixture, root, ignore=shutil.ignore_patterns("expected.txt"))
    text = (root / file).read_text(encoding="utf-8")
    assert text.count(old) == 1
    (root / file).write_text(text.replace(old, new), encoding="utf-8")
    return root


def test_every_problem_in_every_file_is_reported_when_reading(tmp_path):
    root = _with_second_defect(tmp_path, "E203-unknown-key-misspelt", "shared/case-fields.yaml",
                               "maximum: 168\n", "maximum: 168.5\n")
    found = [(d.code, d.span.file.rsplit("/", 2)[-2:], d.span.line) for d in eligibility.check_rules(root)]
    assert found == [("E203", ["shared", "adult-eligibility.yaml"], 29), ("E202", ["shared", "case-fields.yaml"], 55)]


def test_every_problem_in_every_file_is_reported_when_checking_meaning(tmp_path):
    root = _with_second_defect(tmp_path, "E301-undefined-fact", "rutland/settings.yaml",
                               "effective_from: 2005-04-01", "effective_from: 2016-04-01")
    found = [(d.code, d.span.line) for d in eligibility.check_rules(root)]
    assert found == [("E308", 7), ("E301", 30)]
