"""The OpenAPI 3.1 description of the decision service, built from the package's own JSON Schemas.

Nothing here re-types a schema by hand: the case facts come from the case fields of the
loaded rules (the schema the case check itself uses), the case envelope from
case-file.schema.json, the record from decision-record.schema.json, the errors from
problem.schema.json and batch results from batch-line.schema.json. Each becomes a
component; references between them are rewritten to point at the components.
"""

from __future__ import annotations

import copy

from . import letter_formats, validate

_COMPONENTS = {"case-file": "CaseEnvelope", "decision-record": "DecisionRecord", "problem": "Problem",
               "batch-line": "BatchLine"}
PROBLEM_JSON = "application/problem+json"
MAX_BODY = 1024 * 1024          # bytes: larger bodies are refused with 413


def _component_ref(name: str, pointer: str = "") -> str:
    return f"#/components/schemas/{name}{pointer}"


def _rewrite(schema, own: str):
    """Point $refs at components: '#/$defs/x' inside component own, 'f.schema.json#/p' at f's component."""
    if isinstance(schema, list):
        return [_rewrite(v, own) for v in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key in ("$schema", "$id"):
            continue
        if key == "$ref" and isinstance(value, str):
            target, _, pointer = value.partition("#")
            name = own if not target else _COMPONENTS[target.removesuffix(".schema.json")]
            out[key] = _component_ref(name, pointer)
        else:
            out[key] = _rewrite(value, own)
    return out


def _component(name: str, authorities: tuple) -> dict:
    return _rewrite(validate.standalone_schema(name, authorities), _COMPONENTS[name])


def schemas(facts_schema: dict, authorities: tuple) -> dict:
    envelope = _component("case-file", authorities)
    envelope["properties"]["facts"] = {"$ref": _component_ref("CaseFacts"),
                                       "description": envelope["properties"]["facts"].get("description", "")}
    return {
        "CaseFacts": _rewrite(copy.deepcopy(facts_schema), "CaseFacts"),
        "CaseEnvelope": envelope,
        "DecisionRecord": _component("decision-record", authorities),
        "Problem": _component("problem", authorities),
        "BatchLine": _component("batch-line", authorities),
        "RuleSet": {
            "type": "object", "required": ["id", "version", "decision", "title", "period", "effective_from",
                                           "effective_to", "digest", "authorities"],
            "properties": {
                "id": {"type": "string"}, "version": {"type": "string"}, "decision": {"type": "string"},
                "title": {"type": "string"}, "period": {"type": "string"},
                "effective_from": {"$ref": _component_ref("DecisionRecord", "/$defs/date")},
                "effective_to": {"$ref": _component_ref("DecisionRecord", "/$defs/optional_date")},
                "digest": {"$ref": _component_ref("DecisionRecord", "/$defs/sha256"),
                           "description": "SHA-256 of the rule file, as in every decision record"},
                "authorities": {"type": "array", "items": {"enum": list(authorities)}}}},
    }


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _problems(*statuses) -> dict:
    words = {400: "The body or a query parameter is malformed (not JSON, nested too deeply, 'on' not a date).",
             404: "No such endpoint.",
             406: f"A letter was asked for in a format other than {letter_formats.media_types_text()}.",
             413: f"The body is larger than {MAX_BODY} bytes.",
             422: "The case is invalid, or no rules are in force for the decision, authority and date.",
             503: "The rules engine failed; no decision was given. Trying again may succeed."}
    return {str(s): {"description": words[s],
                     "content": {PROBLEM_JSON: {"schema": {"$ref": _component_ref("Problem")}}}} for s in statuses}


def _overrides(authorities: tuple) -> list:
    """The query parameters that override what a case says."""
    return [
        {"name": "decision", "in": "query", "required": False, "description": "the kind of decision (overrides the case's)",
         "schema": {"type": "string", "pattern": "^[a-z][a-z0-9]*(-[a-z0-9]+)*$"}},
        {"name": "authority", "in": "query", "required": False, "description": "the authority (overrides the case's)",
         "schema": {"enum": list(authorities)}},
        {"name": "on", "in": "query", "required": False, "description": "decide as at this date (overrides assessment_date)",
         "schema": {"type": "string", "format": "date"}},
    ]


def document(facts_schema: dict, version: str, authorities: tuple) -> dict:
    """The whole OpenAPI 3.1 document."""
    record = {"$ref": _component_ref("DecisionRecord")}
    return {
        "openapi": "3.1.0",
        "info": {"title": "eligibility decision service", "version": version,
                 "description": "Explained adult social care eligibility, placement-approval and review decisions "
                                "for Leicester, Leicestershire and Rutland. Errors are RFC 9457 problem details "
                                "carrying the same problems (code, message, path, hint) as the command line.",
                 "license": {"name": "MIT", "identifier": "MIT"}},
        "paths": {
            "/health": {"get": {"operationId": "health", "summary": "Whether the service is up",
                                "responses": {"200": _json({"type": "object", "required": ["status"],
                                                            "properties": {"status": {"const": "ok"}}}, "Up.")}}},
            "/v1/decision-kinds": {"get": {
                "operationId": "decisionKinds", "summary": "The kinds of decision the loaded rules make",
                "responses": {"200": _json({"type": "array", "items": {"type": "string"}}, "Sorted by name.")}}},
            "/v1/rule-sets": {"get": {
                "operationId": "ruleSets", "summary": "Every loaded rule set with its version, period and digest",
                "responses": {"200": _json({"type": "array", "items": {"$ref": _component_ref("RuleSet")}},
                                           "By decision and start date.")}}},
            "/v1/variations": {"get": {
                "operationId": "variations", "summary": "The register of declared local variations",
                "parameters": [{"name": "on", "in": "query", "required": False,
                                "description": "only the variations in force on this date",
                                "schema": {"type": "string", "format": "date"}}],
                "responses": {"200": _json({"type": "array",
                                            "items": {"$ref": _component_ref("DecisionRecord", "/$defs/variation")}},
                                           "By authority and date."), **_problems(400)}}},
            "/v1/decisions": {"post": {
                "operationId": "decide", "summary": "Decide one case",
                "description": "The body is a case envelope, the same keys as a case file. The answer is the "
                               "decision record, exactly the 'decision' that 'eligibility check --format json' "
                               "gives for the same case.",
                "parameters": _overrides(authorities),
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": _component_ref("CaseEnvelope")}}}},
                "responses": {"200": _json(record, "The decision record."), **_problems(400, 413, 422, 503)}}},
            "/v1/decision-batches": {"post": {
                "operationId": "decideMany", "summary": "Decide a list of cases in one request",
                "description": "The body is a JSON array of case envelopes (at most 1 MiB in all). The answer "
                               "has one result per case, in order, each as one line of 'eligibility batch': "
                               "an invalid or failed case does not stop the others.",
                "parameters": _overrides(authorities),
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"type": "array", "items": {"$ref": _component_ref("CaseEnvelope")}}}}},
                "responses": {"200": _json({"type": "array", "items": {"$ref": _component_ref("BatchLine")}},
                                           "One result per case, in order."), **_problems(400, 413, 422)}}},
            "/v1/letters": {"post": {
                "operationId": "letter", "summary": "Decide one case and write the letter to the person",
                "description": "The body is a case envelope, as for /v1/decisions. The answer is the letter that "
                               "'eligibility letter' writes for the same case (Care Act 2014 s13(2) record, or a "
                               "notice with reasons): HTML, or PDF when the Accept header asks for "
                               "application/pdf.",
                "parameters": _overrides(authorities),
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": _component_ref("CaseEnvelope")}}}},
                "responses": {"200": {"description": "The letter.", "content": {
                    f.media_type: {"schema": dict(f.content_schema)} for f in letter_formats.LETTER_FORMATS.values()}},
                    **_problems(400, 406, 413, 422, 503)}}},
        },
        "components": {"schemas": schemas(facts_schema, authorities)},
    }


__all__ = ["document", "schemas", "MAX_BODY", "PROBLEM_JSON"]
