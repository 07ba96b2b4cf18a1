"""A settings version lists only what changes; unchanged values carry forward from the version before.
`eligibility settings --authority A --on DATE` shows the values in force and where each came from.

The shipped settings are written in that form. tests/golden/settings-in-force/ records, for each
authority and each date a settings version starts, the values in force with their sources and
notes and the digest that decision records carry; it was made from the files as they were before
they were rewritten into this form, so it shows that the rewrite changed no value in force.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import shutil

import pytest
import yaml
from click.testing import CliRunner

import eligibility
from conftest import GOLDEN, ROOT, compare_golden
from eligibility.cli import cli
from eligibility.settings_in_force import settings_in_force

ON = "2023-01-01"
AUTHORITIES = sorted(p.parent.name for p in (ROOT / "rules").glob("*/settings.yaml") if p.parent.name != "shared")


def in_force_by_version(engine, authority: str) -> dict:
    """For each date one of the authority's settings versions starts: the values then in force."""
    starts = sorted(v.effective_from for v in engine.corpus.settings if v.authority == authority)
    table = {}
    for start in starts:
        shown, version = settings_in_force(engine, authority, start), engine.settings_for(authority, start)
        table[start.isoformat()] = {
            "version": shown.version, "period": shown.period, "digest": version.digest,
            "settings": {s.name: {"value": s.value, "source": s.source,
                                  **({"unconfirmed": version.unconfirmed[s.name]} if s.name in version.unconfirmed
                                     else {})}
                         for s in shown.settings}}
    return table


@pytest.mark.parametrize("authority", AUTHORITIES)
def test_the_values_in_force_on_each_version_start_are_as_recorded(engine, authority, update_golden):
    table = in_force_by_version(engine, authority)
    text = json.dumps(table, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    compare_golden(GOLDEN / "settings-in-force" / f"{authority}.json", text, update_golden)
    previous = None                                 # the day before a version starts, the one before is in force
    for start, shown in table.items():
        before = settings_in_force(engine, authority, dt.date.fromisoformat(start) - dt.timedelta(days=1))
        assert before.version == (previous["version"] if previous else None)
        assert {s.name: (s.value, s.source) for s in before.settings} == (
            {name: (s["value"], s["source"]) for name, s in previous["settings"].items()} if previous else {})
        previous = shown


def test_each_later_shipped_version_lists_only_what_changes():
    for authority in AUTHORITIES:
        data = yaml.safe_load((ROOT / "rules" / authority / "settings.yaml").read_text(encoding="utf-8"))
        in_force = {}
        for version in sorted(data["versions"], key=lambda v: v["effective_from"]):
            repeated = [name for name, s in version["settings"].items() if in_force.get(name) == s]
            assert not repeated, f"{authority} {version['version']} repeats {repeated} unchanged"
            in_force.update(version["settings"])


@pytest.fixture(scope="module")
def written_out_rules(tmp_path_factory):
    """The shipped rules, with every settings version written out in full (every value in force)."""
    rules = tmp_path_factory.mktemp("carry") / "rules"
    shutil.copytree(ROOT / "rules", rules)
    for authority in AUTHORITIES:
        path = rules / authority / "settings.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        in_force = {}
        for version in sorted(data["versions"], key=lambda v: v["effective_from"]):
            in_force = {**in_force, **version["settings"]}
            version["settings"] = copy.deepcopy(in_force)      # a copy each, so the file repeats it in full
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return rules


def test_a_version_written_out_in_full_decides_as_the_one_that_lists_only_changes(engine, written_out_rules):
    full = eligibility.load(written_out_rules)
    for authority in AUTHORITIES:
        for version in (v for v in engine.corpus.settings if v.authority == authority):
            other = full.settings_for(authority, version.effective_from)
            assert (other.version, other.values, other.sources, other.unconfirmed, other.digest) == (
                version.version, version.values, version.sources, version.unconfirmed, version.digest)


def _given_in_2022(authority: str) -> list:
    data = yaml.safe_load((ROOT / "rules" / authority / "settings.yaml").read_text(encoding="utf-8"))
    return sorted(next(v for v in data["versions"] if v["version"] == "2022.1")["settings"])


def test_the_settings_command_shows_each_value_and_where_it_came_from():
    changed = _given_in_2022("leicester")
    result = CliRunner().invoke(cli, ["settings", "--authority", "leicester", "--on", ON])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()

    def shown(name):
        at = next(i for i, line in enumerate(lines) if line.startswith(f"  {name}: "))
        return "\n".join(lines[at:at + 2])

    assert changed and "council_name" not in changed
    assert "version 2022.1" in shown(changed[0])
    assert "version 2005.1 (rules/leicester/settings.yaml:" in shown("council_name")      # carried forward
    assert "Leicester City Council" in shown("council_name")


def test_the_settings_command_as_json():
    changed = _given_in_2022("leicester")
    result = CliRunner().invoke(cli, ["settings", "--authority", "leicester", "--on", ON, "--format", "json"])
    payload = json.loads(result.stdout)
    assert payload["authority"] == "leicester" and payload["version"] == "2022.1"
    values = {v["name"]: v for v in payload["settings"]}
    assert values["council_name"]["set_in_version"] == "2005.1"
    assert values[changed[0]]["set_in_version"] == "2022.1"
    line = values["council_name"]["line"]
    text = (ROOT / "rules" / "leicester" / "settings.yaml").read_text(encoding="utf-8").splitlines()
    assert values["council_name"]["file"].endswith("settings.yaml") and text[line - 1].strip() == "council_name:"


@pytest.mark.parametrize("name, code, hint", [
    ("rehab_asessor", "E301", "did you mean 'rehab_assessor'?"),                    # misspelt
    ("respite_weeks_per_year", "E301", "settings are defined in rules/shared/settings.yaml"),   # defined nowhere
])
def test_a_later_version_naming_an_undefined_setting_is_located_on_that_name(tmp_path, name, code, hint):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    path = rules / "rutland" / "settings.yaml"
    text = path.read_text(encoding="utf-8")
    marker = "    # what changes from version 2015.1; every other setting carries forward\n    settings:\n"
    assert text.count(marker) == 1
    line = text[:text.index(marker)].count("\n") + 3
    path.write_text(text.replace(marker, marker + f"      {name}:\n        value: 4\n        source: a paper\n"),
                    encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(rules), "--format", "json"])
    assert result.exit_code == 1, result.output
    problems = json.loads(result.stdout)["problems"]
    found = [p for p in problems if p["code"] == code]
    assert len(found) == 1, problems
    assert found[0]["line"] == line and found[0]["column"] == 7 and found[0]["file"].endswith("rutland/settings.yaml")
    assert name in found[0]["message"] and found[0]["hint"] == hint


def test_the_settings_command_names_an_unknown_authority():
    result = CliRunner().invoke(cli, ["settings", "--authority", "leicster", "--on", ON])
    assert result.exit_code == 2
    assert "did you mean 'leicester'?" in result.output
