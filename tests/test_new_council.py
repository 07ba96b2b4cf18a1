"""A council joins by adding a folder: no Python or schema edit is needed.

The authorities are the folders of rules/ that hold a settings.yaml. National rule sets
apply to every one of them; a local agreement names its members in applies_to.
"""

from __future__ import annotations

import shutil

import pytest
import yaml

import eligibility
from conftest import EXAMPLES, ROOT
from eligibility.diagnostics import CaseError


@pytest.fixture(scope="module")
def with_newshire(tmp_path_factory):
    rules = tmp_path_factory.mktemp("councils") / "rules"
    shutil.copytree(ROOT / "rules", rules)
    shutil.copytree(rules / "rutland", rules / "newshire")
    settings = rules / "newshire" / "settings.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("authority: rutland", "authority: newshire")
                        .replace("name: Rutland County Council", "name: Newshire Council"), encoding="utf-8")
    letters = rules / "newshire" / "letters.yaml"
    letters.write_text(letters.read_text(encoding="utf-8").replace("authority: rutland", "authority: newshire")
                       .replace("council_name: Rutland County Council", "council_name: Newshire Council"),
                       encoding="utf-8")
    return rules


def _case(name: str) -> dict:
    data = yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))
    return _as_text(data)


def _as_text(value):
    if isinstance(value, dict):
        return {k: _as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_text(v) for v in value]
    return value.isoformat() if hasattr(value, "isoformat") else value


def test_a_copied_council_folder_is_a_new_authority(with_newshire):
    engine = eligibility.load(with_newshire)
    assert engine.authorities == ("leicester", "leicestershire", "newshire", "rutland")


def test_national_law_decides_cases_for_the_new_council(with_newshire):
    engine = eligibility.load(with_newshire)
    case = _case("rutland-eligible.yaml")
    as_rutland = engine.decide(case)
    as_newshire = engine.decide({**case, "authority": "newshire"})
    assert as_newshire.authority == "newshire"
    assert as_newshire.outcome == as_rutland.outcome == "eligible"
    assert [c.status for c in as_newshire.criteria] == [c.status for c in as_rutland.criteria]


def test_the_new_councils_letters_come_from_its_own_folder(with_newshire):
    from eligibility import letter
    engine = eligibility.load(with_newshire)
    case = {**_case("rutland-eligible.yaml"), "authority": "newshire"}
    html = letter.write(engine, engine.decide(case, suggest_changes=True), case, "html").decode("utf-8")
    assert "Newshire Council" in html and "Rutland County Council" not in html


def test_letter_content_left_naming_the_copied_council_is_a_located_problem(with_newshire, tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(with_newshire, rules)
    shutil.copy(rules / "rutland" / "letters.yaml", rules / "newshire" / "letters.yaml")
    problems = eligibility.check_rules(rules)
    assert [(d.code, d.span.file.replace("\\", "/").endswith("newshire/letters.yaml")) for d in problems] == [("E303", True)]


def test_a_local_agreement_covers_the_new_council_only_once_named(with_newshire, tmp_path):
    engine = eligibility.load(with_newshire)
    case = {**_case("rutland-ld-service-gateway-brain-injury-at-nineteen.yaml"), "authority": "newshire"}
    with pytest.raises(CaseError) as caught:
        engine.decide(case)
    assert caught.value.diagnostics[0].code == "C405"
    joined = tmp_path / "rules"
    shutil.copytree(with_newshire, joined)
    gateway = joined / "shared" / "ld-service-gateway.yaml"
    gateway.write_text(gateway.read_text(encoding="utf-8").replace(
        "applies_to: [leicester, leicestershire, rutland]", "applies_to: [leicester, leicestershire, newshire, rutland]"),
        encoding="utf-8")
    decided = eligibility.load(joined).decide(case)
    assert decided.authority == "newshire" and decided.rule_set.id == "ld-service-gateway"


def test_a_folder_without_settings_is_not_an_authority(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    (rules / "newshire").mkdir()
    (rules / "newshire" / "notes.yaml").write_text("kind: rule-set\n")
    problems = eligibility.check_rules(rules)
    assert [(d.code, d.span.file.endswith("newshire")) for d in problems] == [("E303", True)]
    assert "settings.yaml" in problems[0].hint
