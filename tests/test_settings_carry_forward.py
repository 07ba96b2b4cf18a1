"""A settings version lists only what changes; unchanged values carry forward from the version before.
`eligibility settings --authority A --on DATE` shows the values in force and where each came from."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from click.testing import CliRunner

import eligibility
from conftest import ROOT
from eligibility.cli import cli

ON = "2023-01-01"


@pytest.fixture(scope="module")
def short_rules(tmp_path_factory):
    """The shipped rules, with Leicester's 2022 version cut down to the one value that changes."""
    rules = tmp_path_factory.mktemp("carry") / "rules"
    shutil.copytree(ROOT / "rules", rules)
    path = rules / "leicester" / "settings.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index('  - version: "2022.1"')
    block = text[start:]
    end = block.index("\nvariations:") if "\nvariations:" in block else len(block)
    funder = re.search(r"      rehab_placement_funder:\n        value: .*\n        source: .*\n", block[:end]).group(0)
    header = block[:block.index("    settings:\n") + len("    settings:\n")]
    path.write_text(text[:start] + header + funder + block[end:], encoding="utf-8")
    return rules


def test_unchanged_values_carry_forward(short_rules):
    full = eligibility.load()
    short = eligibility.load(short_rules)
    on = eligibility.api.dt.date.fromisoformat(ON)
    assert short.settings_for("leicester", on).values == full.settings_for("leicester", on).values
    assert short.settings_for("leicester", on).digest == full.settings_for("leicester", on).digest


def test_the_settings_command_shows_each_value_and_where_it_came_from(short_rules):
    result = CliRunner().invoke(cli, ["settings", "--authority", "leicester", "--on", ON, "--rules", str(short_rules)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    funder = next(i for i, line in enumerate(lines) if line.startswith("  rehab_placement_funder"))
    council = next(i for i, line in enumerate(lines) if line.startswith("  council_name"))
    assert "City-only treatment contract" in lines[funder]
    assert "version 2022.1" in "\n".join(lines[funder:funder + 3])
    assert "version 2015.1" in "\n".join(lines[council:council + 3])     # carried forward
    assert "Leicester City Council" in lines[council]


def test_the_settings_command_as_json(short_rules):
    result = CliRunner().invoke(cli, ["settings", "--authority", "leicester", "--on", ON, "--rules", str(short_rules),
                                      "--format", "json"])
    payload = json.loads(result.stdout)
    assert payload["authority"] == "leicester" and payload["version"] == "2022.1"
    values = {v["name"]: v for v in payload["settings"]}
    assert values["council_name"]["set_in_version"] == "2015.1"
    assert values["rehab_placement_funder"]["set_in_version"] == "2022.1"
    assert values["council_name"]["file"].endswith("settings.yaml") and values["council_name"]["line"] > 0


def test_the_settings_command_names_an_unknown_authority():
    result = CliRunner().invoke(cli, ["settings", "--authority", "leicster", "--on", ON])
    assert result.exit_code == 2
    assert "did you mean 'leicester'?" in result.output
