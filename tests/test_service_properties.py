"""Property-based tests of the service against its published OpenAPI (schemathesis): no 5xx, and
every response matches its documented status, content type and schema.

Each operation's requests are generated from /openapi.json as the running server publishes it
(cases built from the case-field schema, and data that breaks it), a bounded number per operation.
"""

from __future__ import annotations

import datetime as dt

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)

from live_server import get

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES_PER_OPERATION = 20


@pytest.fixture(scope="module")
def port(served_port):
    return served_port


@pytest.fixture(scope="module")
def api_schema(port):
    return schemathesis.openapi.from_url(f"http://127.0.0.1:{port}/openapi.json")


def _operations():
    return ["GET /health", "GET /v1/decision-kinds", "GET /v1/rule-sets", "GET /v1/variations",
            "POST /v1/decisions", "POST /v1/decision-batches"]


@pytest.mark.parametrize("label", _operations())
def test_operation_conforms_to_the_published_openapi(api_schema, label):
    operations = {op.ok().label: op.ok() for op in api_schema.get_all_operations()}
    assert set(operations) == set(_operations())
    calls = []

    @given(case=operations[label].as_strategy())
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def conforms(case):
        response = case.call_and_validate(checks=CHECKS)
        calls.append(response.status_code)

    conforms()
    assert calls and all(status < 500 for status in calls)


def test_generated_cases_with_a_decision_authority_and_date_are_decided_or_refused(api_schema, port):
    """Facts generated from the published CaseFacts schema, asked about a real decision, authority and date."""
    operation = next(op.ok() for op in api_schema.get_all_operations() if op.ok().label == "POST /v1/decisions")
    kinds = get(port, "/v1/decision-kinds")[2]
    statuses = []

    @given(case=operation.as_strategy(), decision=st.sampled_from(kinds),
           authority=st.sampled_from(["leicester", "leicestershire", "rutland"]),
           on=st.dates(dt.date(2016, 1, 1), dt.date(2030, 12, 31)))
    @settings(max_examples=30, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def conforms(case, decision, authority, on):
        case.query = {"decision": decision, "authority": authority, "on": on.isoformat()}
        statuses.append(case.call_and_validate(checks=CHECKS).status_code)

    conforms()
    assert statuses.count(200) >= 8, statuses          # most generated cases are decided, and checked as records
    assert set(statuses) <= {200, 400, 422}
