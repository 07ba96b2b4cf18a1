"""Letters through the service (POST /v1/letters): the same letter as `eligibility letter`, HTML or PDF by Accept."""

from __future__ import annotations

import http.client
import io
import json
import subprocess

import pytest
from pypdf import PdfReader

from live_server import EXAMPLES, eligibility_command, example_envelopes

CASES = ["rutland-not-eligible.yaml", "leicestershire-rehab-placement-approval-further-work.yaml"]


@pytest.fixture(scope="module")
def port(served_port):
    return served_port


def _post(port: int, body: bytes, accept: str | None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        headers = {"Content-Type": "application/json", **({"Accept": accept} if accept else {})}
        conn.request("POST", "/v1/letters", body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.getheader("content-type"), response.read()
    finally:
        conn.close()


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("accept", ["text/html", None, "text/html, application/xhtml+xml;q=0.9, */*;q=0.8"])
def test_the_html_letter_is_the_one_the_command_writes(port, name, accept):
    expected = subprocess.run(eligibility_command() + ["letter", str(EXAMPLES / name)],
                              capture_output=True, check=True).stdout
    status, kind, body = _post(port, json.dumps(example_envelopes()[name]).encode(), accept)
    assert (status, kind) == (200, "text/html; charset=utf-8")
    assert body == expected


@pytest.mark.slow
def test_a_pdf_letter_when_the_accept_header_asks_for_one(port):
    case = example_envelopes()["rutland-not-eligible.yaml"]
    status, kind, body = _post(port, json.dumps(case).encode(), "application/pdf")
    assert (status, kind) == (200, "application/pdf")
    assert body.startswith(b"%PDF-")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    assert "Rutland County Council" in text and "Ombudsman" in text


def test_an_invalid_case_gets_the_same_problems_as_a_decision_and_no_letter(port):
    case = dict(example_envelopes()["rutland-not-eligible.yaml"], assessment_date="2023-02-30")
    status, kind, body = _post(port, json.dumps(case).encode(), "text/html")
    problem = json.loads(body)
    assert (status, kind) == (422, "application/problem+json")
    assert problem["problems"] and problem["problems"][0]["code"].startswith("C4")
    status, kind, body = _post(port, b"{not json", "text/html")
    assert (status, kind) == (400, "application/problem+json")


def test_a_format_other_than_html_or_pdf_is_refused_with_406(port):
    case = example_envelopes()["rutland-not-eligible.yaml"]
    status, kind, body = _post(port, json.dumps(case).encode(), "image/png")
    assert (status, kind) == (406, "application/problem+json")
    assert json.loads(body)["status"] == 406


def test_a_council_with_no_letter_content_in_force_is_a_problem_response_not_a_server_error(tmp_path):
    # the same case as `eligibility letter` refuses with exit 1 and C405: the service answers 422 with it
    import shutil

    from conftest import RULES
    from live_server import running_server

    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    (rules / "rutland" / "letters.yaml").unlink()
    with running_server(extra=["--rules", str(rules)]) as served:
        status, kind, body = _post(served, json.dumps(example_envelopes()["rutland-not-eligible.yaml"]).encode(),
                                   "text/html")
    problem = json.loads(body)
    assert (status, kind) == (422, "application/problem+json")
    assert [p["code"] for p in problem["problems"]] == ["C405"]
    assert "no letter content is in force for rutland" in problem["problems"][0]["message"]
