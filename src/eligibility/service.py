"""The decision service: an HTTP JSON API for case systems. The only module that imports FastAPI.

Every decision runs in a worker thread, off the event loop, so /health and other requests
are answered while a long one is decided (the engine itself runs one decision at a time per
process; `eligibility serve --workers N` runs N processes). Every error is an RFC 9457
problem (application/problem+json) carrying the same problems as the command line:

    400  the body or a query parameter is malformed (not JSON, nested too deeply, a bad date)
    406  a letter is asked for in a format letters are not given in (HTML and PDF are)
    413  the body is larger than 1 MiB
    422  the case is invalid, or no rules are in force for it
    503  the rules engine failed, or the decision could not be written to the decision log:
         no decision was given

With a decision log (`eligibility serve --log URL`), every decision is appended to it
before it is returned; each worker process opens its own connection, and the log's
writers' lock keeps the chain whole.
"""

from __future__ import annotations

import datetime as dt
import json
import os

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from . import __version__, api, decision_log, envelope, letter_formats, openapi, record
from .cases import is_date
from .diagnostics import CaseError, Diagnostic, EvaluationError, Span

RULES_VARIABLE = "ELIGIBILITY_RULES"          # how `eligibility serve --rules` reaches each worker process
LOG_VARIABLE = "ELIGIBILITY_LOG"              # how `eligibility serve --log` reaches each worker process
_TITLES = {400: ("malformed-request", "The request is malformed"),
           404: ("not-found", "There is no such endpoint"),
           405: ("method-not-allowed", "This endpoint does not accept this method"),
           406: ("not-acceptable", "The letter cannot be given in the format asked for"),
           413: ("too-large", "The request body is too large"),
           422: ("invalid-case", "The case cannot be decided as it stands"),
           500: ("internal-error", "The service failed"),
           503: ("engine-failure", "The rules engine failed; no decision was given")}


class Problem(Exception):
    def __init__(self, status: int, detail: str, problems=()):
        super().__init__(detail)
        self.status, self.detail, self.problems = status, detail, tuple(problems)


def problem_response(status: int, detail: str, problems=(), headers=None) -> Response:
    kind, title = _TITLES.get(status, ("error", "The request failed"))
    body = {"type": f"urn:eligibility:problem:{kind}", "title": title, "status": status,
            "detail": detail, "problems": [p.to_dict() for p in problems]}
    return Response(_dumps(body), status_code=status, media_type=openapi.PROBLEM_JSON, headers=headers)


def _dumps(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True).encode("utf-8", "backslashreplace")


def _ok(value) -> Response:
    return Response(_dumps(value), media_type="application/json")


def create_app(rules_dir=None, log_url: str | None = None) -> FastAPI:
    """The application for the rules in rules_dir (the bundled rules by default).

    With ``log_url``, every decision is appended to that decision log before it is returned.
    """
    engine = api.load(rules_dir)
    log = decision_log.open_log(log_url) if log_url else None

    def logged(decided: list[dict]) -> None:
        """Append each decided record to the log; a record that cannot be written is not given."""
        if log is None:
            return
        try:
            for item in decided:
                log.append(record.issue(item))
        except decision_log.LogError as exc:
            raise Problem(503, f"the decision could not be written to the decision log ({exc}); "
                               "no decision was given") from None
    document = openapi.document(engine.checker.schema, __version__, engine.authorities)
    app = FastAPI(title=document["info"]["title"], version=__version__, docs_url="/docs", redoc_url=None)
    app.openapi = lambda: document

    @app.exception_handler(Problem)
    async def _problem(request, exc: Problem):
        return problem_response(exc.status, exc.detail, exc.problems)

    @app.exception_handler(HTTPException)
    async def _http(request, exc: HTTPException):
        return problem_response(exc.status_code, str(exc.detail), headers=exc.headers)

    @app.exception_handler(Exception)
    async def _internal(request, exc: Exception):       # a fault in this program: said plainly, no traceback
        return problem_response(500, f"internal error ({type(exc).__name__}); no decision was given")

    @app.get("/health")
    async def health():
        return _ok({"status": "ok"})

    @app.get("/v1/decision-kinds")
    async def decision_kinds():
        return _ok(engine.decisions)

    @app.get("/v1/rule-sets")
    async def rule_sets():
        listing = sorted(engine.corpus.rule_sets, key=lambda r: (r.decision, r.effective_from))
        return _ok([{"id": r.id, "version": r.version, "decision": r.decision, "title": r.title, "period": r.period,
                     "effective_from": r.effective_from.isoformat(),
                     "effective_to": r.effective_to.isoformat() if r.effective_to else None,
                     "digest": r.digest, "authorities": list(r.applies_to)} for r in listing])

    @app.get("/v1/variations")
    async def variations(request: Request):
        on = _query_date(request)
        from .consistency import variation_register         # imported here: it loads Hypothesis, deciding does not
        return _ok([v.to_dict() for v in variation_register(engine, dt.date.fromisoformat(on) if on else None)])

    @app.post("/v1/decisions")
    async def decide(request: Request):
        body = await _body(request)
        result = await run_in_threadpool(envelope.decide_json, engine, body, "<request>", *_overrides(request))
        if result.status == envelope.DECIDED:
            await run_in_threadpool(logged, [result.decision])
            return _ok(result.decision)
        if result.status == envelope.FAILED:
            raise Problem(503, result.problems[0].message, result.problems)
        status = 400 if result.unreadable else 422
        raise Problem(status, f"{len(result.problems)} problem(s); nothing was decided", result.problems)

    @app.post("/v1/decision-batches")
    async def decide_many(request: Request):
        body = await _body(request)
        try:
            cases = envelope.parse_json(body, "<request>")
        except CaseError as exc:
            raise Problem(400, "the body is not a JSON array of cases", exc.diagnostics) from None
        if not isinstance(cases, list):
            raise Problem(422, "the body is not a list of cases", [Diagnostic(
                "C402", "a batch request is a JSON array of case envelopes", Span("<request>"), "$",
                "send [{...}, {...}], or send one case to /v1/decisions")])
        overrides = _overrides(request)
        lines = await run_in_threadpool(lambda: [
            envelope.decide_data(engine, case, f"<request>[{i}]", *overrides).line(f"[{i}]")
            for i, case in enumerate(cases)])
        await run_in_threadpool(logged, [line["decision"] for line in lines if line["status"] == envelope.DECIDED])
        return _ok(lines)

    @app.post("/v1/letters")
    async def letter(request: Request):
        output_format = _letter_format(request)
        body = await _body(request)
        content = await run_in_threadpool(_letter, engine, body, output_format, _overrides(request))
        return Response(content, media_type=letter_formats.letter_format(output_format).content_type)

    return app


def _letter_format(request: Request) -> str:
    """The letter format (letter_formats.py) the Accept header asks for first (HTML when it accepts anything)."""
    accept = request.headers.get("accept", "*/*").lower()
    name = letter_formats.for_accept_header(accept)
    if name is None:
        raise Problem(406, f"letters are given as {letter_formats.media_types_text()}, not {accept!r}")
    return name


def _letter(engine, body: bytes, output_format: str, overrides) -> bytes:
    """Decide the case in the body and write the letter to the person (the same as `eligibility letter`)."""
    from . import letter as letters                 # imported here: Jinja2 (and WeasyPrint for PDF) are only for letters
    try:
        data = envelope.parse_json(body, "<request>")
    except CaseError as exc:
        raise Problem(400, "the body is not a JSON case envelope", exc.diagnostics) from None
    try:
        decision = engine.decide(data, *overrides, smap=envelope.source_map(data, "<request>"), suggest_changes=True)
        return letters.write(engine, decision, data, output_format)
    except CaseError as exc:                        # includes LetterError: no letter content in force for the council
        raise Problem(422, f"{len(exc.diagnostics)} problem(s); no letter was written", exc.diagnostics) from None
    except EvaluationError as exc:
        raise Problem(503, f"the rules engine failed: {exc}; no letter was written") from None


def _overrides(request: Request) -> tuple:
    query = request.query_params
    return query.get("decision"), query.get("authority"), _query_date(request)


def _query_date(request: Request) -> str | None:
    """The 'on' query parameter; a value that is not a date is a malformed request (400)."""
    on = request.query_params.get("on")
    if on is not None and not is_date(on):
        raise Problem(400, f"'on' is {on!r}, not a date", [Diagnostic(
            "C404", f"{on!r} is not a date written YYYY-MM-DD", Span("<request>"), "$.query.on",
            "write dates as YYYY-MM-DD, e.g. 2024-05-01")])
    return on


async def _body(request: Request) -> bytes:
    """The request body, refused with 413 as soon as it is known to be over the limit."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > openapi.MAX_BODY:
        raise Problem(413, f"the body is {declared} bytes; the limit is {openapi.MAX_BODY}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > openapi.MAX_BODY:
            raise Problem(413, f"the body is over the limit of {openapi.MAX_BODY} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def app_from_environment() -> FastAPI:
    """The application factory uvicorn calls in each worker process."""
    return create_app(os.environ.get(RULES_VARIABLE) or None, os.environ.get(LOG_VARIABLE) or None)


__all__ = ["create_app", "app_from_environment", "problem_response", "RULES_VARIABLE", "LOG_VARIABLE"]
