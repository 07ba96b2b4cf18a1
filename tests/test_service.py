"""The decision service, end to end: a real `eligibility serve` (uvicorn) on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
import threading
import time

import pytest
from openapi_spec_validator import validate as validate_openapi

from live_server import EXAMPLES, eligibility_command, example_envelopes, get, post, request

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def port(served_port):
    return served_port


@pytest.fixture(scope="module")
def check_json():
    """What `eligibility check --format json` gives for every example case, by file name."""
    files = sorted(EXAMPLES.glob("*.yaml"))
    out = subprocess.run(eligibility_command() + ["check", "--format", "json", *map(str, files)],
                         capture_output=True, check=True, text=True).stdout
    return {f.name: r["decision"] for f, r in zip(files, json.loads(out))}


def test_published_openapi_is_valid_openapi_3_1(port):
    status, kind, document = get(port, "/openapi.json")
    assert status == 200 and kind == "application/json"
    assert document["openapi"] == "3.1.0"
    validate_openapi(document)


def test_openapi_schemas_are_the_packages_own(port):
    import eligibility
    from eligibility import validate

    document = get(port, "/openapi.json")[2]
    schemas = document["components"]["schemas"]
    facts = {k: v for k, v in eligibility.load().checker.schema.items() if k != "$schema"}
    assert schemas["CaseFacts"] == facts
    record = validate.load_schema("decision-record")
    assert schemas["DecisionRecord"]["required"] == record["required"]
    assert set(schemas["DecisionRecord"]["properties"]) == set(record["properties"])
    body = document["paths"]["/v1/decisions"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/CaseEnvelope"}


def test_every_example_case_gives_exactly_the_record_check_gives(port, check_json):
    for name, case in example_envelopes().items():
        status, kind, record = post(port, "/v1/decisions", case)
        assert (status, kind) == (200, "application/json"), name
        assert record == check_json[name], name


def test_query_parameters_override_the_case(port):
    case = example_envelopes()["rutland-eligible.yaml"]
    out = subprocess.run(eligibility_command() + ["check", "--format", "json", "--authority", "leicester",
                                                  "--on", "2024-05-01", str(EXAMPLES / "rutland-eligible.yaml")],
                         capture_output=True, check=True, text=True).stdout
    status, _, record = post(port, "/v1/decisions?authority=leicester&on=2024-05-01", case)
    assert status == 200
    assert record == json.loads(out)[0]["decision"]
    assert (record["authority"], record["decided_on"]) == ("leicester", "2024-05-01")


def test_listings(port):
    status, _, kinds = get(port, "/v1/decision-kinds")
    assert status == 200 and "adult-eligibility" in kinds and kinds == sorted(kinds)
    status, _, rule_sets = get(port, "/v1/rule-sets")
    assert status == 200
    adult = [r for r in rule_sets if r["decision"] == "adult-eligibility"]
    assert adult and set(adult[0]["authorities"]) == {"leicester", "leicestershire", "rutland"}
    assert all(len(r["digest"]) == 64 and r["period"] for r in rule_sets)
    status, _, everything = get(port, "/v1/variations")
    status_on, _, on_date = get(port, "/v1/variations?on=2010-01-01")
    assert status == status_on == 200 and len(on_date) < len(everything)
    status, kind, problem = get(port, "/v1/variations?on=01/01/2010")
    assert (status, kind, problem["problems"][0]["code"]) == (400, PROBLEM, "C404")


def test_an_invalid_case_is_422_with_the_problems_check_gives(port, tmp_path):
    case = example_envelopes()["leicester-eligible.yaml"]
    case["facts"]["person"]["date_of_brith"] = case["facts"]["person"].pop("date_of_birth")
    status, kind, problem = post(port, "/v1/decisions", case)
    assert (status, kind, problem["status"]) == (422, PROBLEM, 422)
    (tmp_path / "case.json").write_text(json.dumps(case))
    cli = subprocess.run(eligibility_command() + ["check", "--format", "json", str(tmp_path / "case.json")],
                         capture_output=True, text=True)
    expected = json.loads(cli.stdout)[0]["problems"]
    strip = lambda ps: [{k: v for k, v in p.items() if k not in ("file", "line", "column")} for p in ps]  # noqa: E731
    assert strip(problem["problems"]) == strip(expected)
    assert any("did you mean 'date_of_birth'" in (p["hint"] or "") for p in problem["problems"])


def test_a_query_date_that_is_not_a_date_is_400(port):
    case = example_envelopes()["leicester-eligible.yaml"]
    for path in ("/v1/decisions?on=2024-02-30", "/v1/decision-batches?on=yesterday"):
        status, kind, problem = post(port, path, case if "decisions?" in path else [case])
        assert (status, kind, problem["problems"][0]["path"]) == (400, PROBLEM, "$.query.on"), path


def test_no_rules_in_force_is_422(port):
    case = example_envelopes()["leicester-eligible.yaml"]
    status, kind, problem = post(port, "/v1/decisions?on=1980-01-01", case)
    assert (status, kind, problem["problems"][0]["code"]) == (422, PROBLEM, "C405")


@pytest.mark.parametrize("body", [b"{not json", b"", b"[" * 100_000, b'{"facts": ' * 5000 + b"{}" + b"}" * 5000,
                                  b'{"facts": {}, "facts": {}}', b"\xff\xfe"])
def test_a_malformed_body_is_400(port, body):
    status, kind, problem = post(port, "/v1/decisions", body)
    assert (status, kind, problem["problems"][0]["code"]) == (400, PROBLEM, "C401")
    assert "Traceback" not in json.dumps(problem)


def test_a_body_over_1_mib_is_413(port):
    big = json.dumps({"facts": {}, "notes": "x" * (1024 * 1024)}).encode()
    status, kind, problem = post(port, "/v1/decisions", big)
    assert (status, kind, problem["status"]) == (413, PROBLEM, 413)
    assert get(port, "/health")[0] == 200


def test_unknown_paths_and_methods_are_problems(port):
    assert request(port, "GET", "/v1/nothing")[:2] == (404, PROBLEM)
    assert request(port, "GET", "/v1/decisions")[:2] == (405, PROBLEM)


def test_batch_request_decides_each_case_on_its_own(port, check_json):
    cases = example_envelopes()
    names = list(cases)[:5]
    body = [cases[n] for n in names] + [{"facts": {"nonsense": 1}}, "not a case"]
    status, _, lines = post(port, "/v1/decision-batches", body)
    assert status == 200 and len(lines) == 7
    assert [line["decision"] for line in lines[:5]] == [check_json[n] for n in names]
    assert [line["status"] for line in lines] == ["decided"] * 5 + ["invalid"] * 2
    assert [line["input"] for line in lines] == [f"[{i}]" for i in range(7)]


def test_health_answers_while_a_long_request_is_decided(port):
    cases = list(example_envelopes().values()) * 12          # about 320 decisions in one request
    finished = {}

    def long_request():
        started = time.monotonic()
        finished["status"] = post(port, "/v1/decision-batches", cases)[0]
        finished["seconds"] = time.monotonic() - started

    worker = threading.Thread(target=long_request)
    worker.start()
    time.sleep(0.3)
    answered_during = []
    while worker.is_alive():
        started = time.monotonic()
        assert get(port, "/health")[0] == 200
        answered_during.append(time.monotonic() - started)
        time.sleep(0.05)
    worker.join()
    assert finished["status"] == 200
    assert len(answered_during) >= 3, finished                 # the long request outlasted several health checks
    assert max(answered_during) < finished["seconds"] / 2


@pytest.mark.slow
def test_two_worker_processes_answer_concurrent_requests_with_the_same_records(check_json):
    from live_server import running_server

    cases = example_envelopes()
    with running_server(workers=2) as two:
        results = {}

        def ask(name):
            results[name] = post(two, "/v1/decisions", cases[name])

        threads = [threading.Thread(target=ask, args=(name,)) for name in cases]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert {name: (status, record) for name, (status, _, record) in results.items()} == {
        name: (200, check_json[name]) for name in cases}


def test_every_bad_case_gets_the_problems_check_gives(port):
    """The golden bad cases (each with one defect) give the same code, message, path and hint over HTTP."""
    from eligibility.cases import read_case
    from eligibility.source import YamlProblem

    readable = {}
    for folder in sorted((EXAMPLES.parents[1] / "tests" / "golden" / "bad_cases").iterdir()):
        try:
            readable[folder.name] = (folder / "case.yaml", read_case(folder / "case.yaml")[0])
        except YamlProblem:
            continue                                   # not YAML at all: nothing to send as JSON
    out = subprocess.run(eligibility_command() + ["check", "--format", "json", *(str(f) for f, _ in readable.values())],
                         capture_output=True, text=True).stdout
    expected = dict(zip(readable, json.loads(out)))
    keep = ("code", "message", "path", "hint")
    assert len(readable) >= 10
    for name, (_, case) in readable.items():
        status, kind, problem = post(port, "/v1/decisions", case)
        assert (status, kind) == (422, PROBLEM), name
        assert [{k: p[k] for k in keep} for p in problem["problems"]] == [
            {k: p[k] for k in keep} for p in expected[name]["problems"]], name
