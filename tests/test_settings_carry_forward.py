"""A settings version lists only what changes; unchanged values carry forward from the version before.
`eligibility settings --authority A --on DATE` shows the values in force and where each came from."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest
import yaml
from click.testing import CliRunner

import eligibility
from conftest import ROOT
from eligibility.cli import cli

ON = "2023-01-01"


@pytest.fixture(scope="module")
def short_rules(tmp_path_factory):
    """The shipped rules, with Leicester's 2022 version cut down to the values that change."""
    rules = tmp_path_factory.mktemp("carry") / "rules"
    shutil.copytree(ROOT / "rules", rules)
    path = rules / "leicester" / "settings.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    versions = sorted(data["versions"], key=lambda v: v["effective_from"])
    latest, before = versions[-1], versions[-2]
    assert latest["version"] == "2022.1" and before["version"] == "2015.1"
    changed = {k: v for k, v in latest["settings"].items() if before["settings"].get(k) != v}
    assert changed and len(changed) < len(latest["settings"]) - 3
    latest["settings"] = changed
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return rules, sorted(changed), sorted(set(before["settings"]) - set(changed))


def test_unchanged_values_carry_forward(short_rules):
    rules, _, _ = short_rules
    full = eligibility.load()
    short = eligibility.load(rules)
    on = dt.date.fromisoformat(ON)
    assert short.settings_for("leicester", on).values == full.settings_for("leicester", on).values
    assert short.settings_for("leicester", on).sources == full.settings_for("leicester", on).sources
    assert short.settings_for("leicester", on).digest == full.settings_for("leicester", on).digest


def test_the_settings_command_shows_each_value_and_where_it_came_from(short_rules):
    rules, changed, carried = short_rules
    result = CliRunner().invoke(cli, ["settings", "--authority", "leicester", "--on", ON, "--rules", str(rules)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()

    def shown(name):
        at = next(i for i, line in enumerate(lines) if line.startswith(f"  {name}: "))
        return "\n".join(lines[at:at + 2])

    assert "version 2022.1" in shown(changed[0])
    assert "version 2015.1" in shown(carried[0])                  # carried forward
    assert "Leicester City Council" in shown("council_name")


def test_the_settings_command_as_json(short_rules):
    rules, changed, carried = short_rules
    result = CliRunner().invoke(cli, ["settings", "--authority", "leicester", "--on", ON, "--rules", str(rules),
                                      "--format", "json"])
    payload = json.loads(result.stdout)
    assert payload["authority"] == "leicester" and payload["version"] == "2022.1"
    values = {v["name"]: v for v in payload["settings"]}
    assert values[carried[0]]["set_in_version"] == "2015.1"
    assert values[changed[0]]["set_in_version"] == "2022.1"
    assert values[carried[0]]["file"].endswith("settings.yaml") and values[carried[0]]["line"] > 0


def test_the_settings_command_names_an_unknown_authority():
    result = CliRunner().invoke(cli, ["settings", "--authority", "leicster", "--on", ON])
    assert result.exit_code == 2
    assert "did you mean 'leicester'?" in result.output
