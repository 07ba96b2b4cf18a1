"""The JSON Schemas published for editors: complete notes, stable ids, and agreement with `validate`.

check-jsonschema (the tool many editors and CI systems use) checks every shipped file with
the published schemas, so the schemas an editor uses cannot drift from what `validate`
accepts; and the bad-file fixtures that `validate` refuses for their shape are refused by
the published schemas too.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from jsonschema import Draft7Validator, FormatChecker
from referencing import Registry, Resource

from conftest import EXAMPLES, GOLDEN, ROOT, RULES
from eligibility import editor_schemas, loader
from eligibility.cli import cli

SHIPPED = sorted((ROOT / "src" / "eligibility" / "schemas").glob("*.schema.json"))
# What the package writes (the decision record, problems, batch lines) rather than files people write in an
# editor; the service publishes these in its OpenAPI document.
OUTPUT_SCHEMAS = {"decision-record.schema.json", "problem.schema.json", "batch-line.schema.json"}
WRITTEN_BY_PEOPLE = [path for path in SHIPPED if path.name not in OUTPUT_SCHEMAS]
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"
KIND_TO_SCHEMA = {"rule-set": "rule-set", "authority-settings": "settings", "case-fields": "case-fields",
                  "setting-definitions": "setting-definitions", "case-tests": "case-tests",
                  "letter-content": "letter-content"}
# Shape rules that validate checks after the schema (build.py), which a JSON Schema cannot state well:
# an editor does not flag these while typing; `eligibility validate` does.
CHECKED_AFTER_THE_SCHEMA = {"E201-unverified-without-note", "E204-insufficient-information-outcome",
                            "E204-last-outcome-without-otherwise", "E204-two-operators",
                            "E204-dated-by-not-a-date-field"}


@pytest.fixture(scope="module")
def corpus():
    return loader.read_corpus(RULES)


@pytest.fixture(scope="module")
def published(tmp_path_factory, corpus):
    """Every published schema, built from the shipped rules and written to a file as an editor would use it."""
    folder = tmp_path_factory.mktemp("schemas")
    out = {}
    for name in editor_schemas.PUBLISHED:
        schema = editor_schemas.published(name, corpus)
        (folder / f"{name}.json").write_text(json.dumps(schema, indent=2), encoding="utf-8")
        out[name] = (schema, folder / f"{name}.json")
    return out


def _keys(schema: dict):
    """(JSON pointer, property schema) for every key of every object the schema describes."""
    def walk(node, where):
        if isinstance(node, dict):
            for key, sub in (node.get("properties") or {}).items():
                yield f"{where}/properties/{key}", sub
            for key, sub in node.items():
                yield from walk(sub, f"{where}/{key}")
        elif isinstance(node, list):
            for i, sub in enumerate(node):
                yield from walk(sub, f"{where}/{i}")
    return list(walk(schema, ""))


@pytest.mark.parametrize("path", WRITTEN_BY_PEOPLE, ids=lambda p: p.name)
def test_every_key_of_every_shipped_schema_has_a_description_and_an_example(path):
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert editor_schemas.keys_without_notes(schema) == []


def test_every_key_of_every_published_schema_has_a_description_and_an_example(published):
    for name, (schema, _) in published.items():
        assert editor_schemas.keys_without_notes(schema) == [], name
        assert len(_keys(schema)) > 5, name


def test_keys_without_notes_finds_a_key_without_them():
    schema = {"properties": {"a": {"type": "string", "description": "A.", "examples": ["x"]},
                             "b": {"type": "object", "properties": {"c": {"type": "string", "description": "C."}}}}}
    assert editor_schemas.keys_without_notes(schema) == ["#/properties/b", "#/properties/b/properties/c"]


def test_every_example_is_valid_where_it_is_given(published):
    """Each key's example passes the key's own schema: an example an editor offers is never wrong."""
    checked = 0
    for name, (schema, _) in published.items():
        registry = Registry().with_resource(schema["$id"], Resource.from_contents(schema))
        for pointer, sub in _keys(schema):
            validator = Draft7Validator({"$ref": f"{schema['$id']}#{pointer}"}, registry=registry,
                                        format_checker=FormatChecker())
            for example in sub["examples"]:
                errors = [e.message for e in validator.iter_errors(example)]
                assert errors == [], f"{name} {pointer}: {example!r}: {errors}"
                checked += 1
    assert checked > 300


def test_published_schemas_are_draft_7_which_editors_implement(published):
    for name, (schema, _) in published.items():
        assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
        Draft7Validator.check_schema(schema)
        text = json.dumps(schema)
        assert "$defs" not in text, name
        refs_with_neighbours = [pointer for pointer, sub in _all_objects(schema) if "$ref" in sub and len(sub) > 1]
        assert refs_with_neighbours == [], name          # draft 7 ignores a reference's neighbours


def _all_objects(node, where=""):
    if isinstance(node, dict):
        yield where, node
        for key, sub in node.items():
            yield from _all_objects(sub, f"{where}/{key}")
    elif isinstance(node, list):
        for i, sub in enumerate(node):
            yield from _all_objects(sub, f"{where}/{i}")


def test_published_ids_are_stable_and_no_schema_names_a_placeholder_domain(published):
    assert {schema["$id"] for schema, _ in published.values()} == {
        f"urn:eligibility:schema:{name}" for name in ("rule-set", "settings", "case", "case-tests", "case-fields",
                                                      "setting-definitions", "letter-content")}
    for path in SHIPPED:
        schema = json.loads(path.read_text(encoding="utf-8"))
        assert schema["$id"] == path.name                        # shipped parts refer to one another by file name
        assert "example" not in json.dumps({k: v for k, v in schema.items() if k == "$id"})


def test_case_facts_are_described_field_by_field_from_the_case_fields(published, corpus):
    facts = published["case"][0]["properties"]["facts"]
    fields = corpus.vocabulary.fields
    person = facts["properties"]["person"]
    assert person["description"] == fields["person"].text
    assert person["properties"]["date_of_birth"]["description"] == fields["person.date_of_birth"].text
    assert facts["additionalProperties"] is False
    assert set(facts["properties"]) == {p for p in fields if "." not in p}
    tests_facts = published["case-tests"][0]["definitions"]["test"]["properties"]["facts"]
    assert tests_facts["properties"].keys() == facts["properties"].keys()


def test_settings_name_every_defined_setting_with_its_type(published, corpus):
    settings = published["settings"][0]["definitions"]["version"]["properties"]["settings"]
    definitions = corpus.setting_defs
    assert set(settings["properties"]) == set(definitions)
    assert settings["additionalProperties"] is False
    integer = next(n for n, d in definitions.items() if d.type == "integer" and d.maximum is not None)
    assert settings["properties"][integer]["properties"]["value"]["maximum"] == definitions[integer].maximum


@pytest.mark.parametrize("name", ["rule-set", "settings", "case"])
def test_schema_command_prints_the_published_schema(name, published, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(cli, ["schema", name, "--rules", "rules"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == published[name][0]


def test_schema_command_reports_invalid_rules(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    bad = GOLDEN / "bad_rules" / "E203-unknown-key"
    result = CliRunner().invoke(cli, ["schema", "case", "--rules", str(bad)])
    assert result.exit_code == 1 and "error[E203]" in result.stderr and result.stdout == ""


def _check_jsonschema(schema_file: Path, files: list[Path]) -> dict:
    """check-jsonschema's verdict on each file: {file: [error messages]} (an empty list when it passes)."""
    done = subprocess.run([str(CHECK_JSONSCHEMA), "--output-format", "json", "--schemafile", str(schema_file),
                           *map(str, files)], capture_output=True, text=True, timeout=120, cwd=ROOT)
    report = json.loads(done.stdout)
    assert not report.get("parse_errors"), report["parse_errors"]
    verdict = {str(f): [] for f in files}
    for error in report.get("errors", []):
        verdict[error["filename"]].append(f"{error['path']}: {error['message']}")
    assert (done.returncode == 0) == (not report.get("errors")), done.stderr
    return verdict


def _kind(path: Path) -> str | None:
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("kind:"):
            return line.split(":", 1)[1].strip()
    return None


def _schema_for(path: Path) -> str:
    kind = KIND_TO_SCHEMA.get(_kind(path) or "")
    if kind:
        return kind
    if path.name == "case-fields.yaml":
        return "case-fields"
    if path.name == "settings.yaml":
        return "setting-definitions" if path.parent.name == "shared" else "settings"
    return "rule-set"


@pytest.mark.slow
def test_check_jsonschema_accepts_every_shipped_file_with_the_published_schemas(published, tmp_path):
    """The rules, the example cases and the case tests; a folder of rules is checked with schemas built from it."""
    operators = ROOT / "tests" / "fixtures" / "operators"
    own = loader.read_corpus(operators)
    for name in editor_schemas.PUBLISHED:
        (tmp_path / f"{name}.json").write_text(json.dumps(editor_schemas.published(name, own)), encoding="utf-8")
    runs = {}
    for root, schemas in ((RULES, {n: f for n, (_, f) in published.items()}),
                          (operators, {n: tmp_path / f"{n}.json" for n in editor_schemas.PUBLISHED})):
        for path in sorted(root.rglob("*.yaml")):
            runs.setdefault(schemas[_schema_for(path)], []).append(path.relative_to(ROOT))
    runs[published["case"][1]] = [p.relative_to(ROOT) for p in sorted(EXAMPLES.glob("*.yaml"))]
    runs[published["case-tests"][1]] = [p.relative_to(ROOT) for p in sorted((ROOT / "tests" / "cases").glob("*.yaml"))]
    assert sum(map(len, runs.values())) >= 50 and len(runs) >= 8
    for schema_file, files in runs.items():
        verdict = _check_jsonschema(schema_file, files)
        assert {f: e for f, e in verdict.items() if e} == {}, schema_file.name


@pytest.mark.slow
def test_check_jsonschema_refuses_the_bad_files_validate_refuses_for_their_shape(published):
    fixtures = sorted(p for p in (GOLDEN / "bad_rules").iterdir() if p.is_dir() and p.name[:2] == "E2")
    by_schema = {}
    for fixture in fixtures:
        located = (fixture / "expected.txt").read_text(encoding="utf-8").split(":", 1)[0]
        by_schema.setdefault(_schema_for(ROOT / located), []).append((fixture.name, Path(located)))
    refused, accepted = set(), set()
    for name, pairs in by_schema.items():
        verdict = _check_jsonschema(published[name][1], [f for _, f in pairs])
        for fixture, file in pairs:
            (refused if verdict[str(file)] else accepted).add(fixture)
    assert accepted == CHECKED_AFTER_THE_SCHEMA
    assert len(refused) >= 14
