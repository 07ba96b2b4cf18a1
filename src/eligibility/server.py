"""Running the decision service on uvicorn. The only module that imports uvicorn.

Each worker process builds its own application (and loads the rules once); the rules
directory reaches the workers through the ELIGIBILITY_RULES environment variable, the
decision log's URL through ELIGIBILITY_LOG (each worker opens its own connection to it),
and the rule-file size limit (--max-rule-bytes) through ELIGIBILITY_MAX_RULE_BYTES.
"""

from __future__ import annotations

import os

import uvicorn

from .limits import ENV, Limits
from .service import LOG_VARIABLE, RULES_VARIABLE


def run(host: str, port: int, workers: int = 1, rules_dir=None, log_url: str | None = None,
        limits: Limits | None = None) -> None:
    if rules_dir is not None:
        os.environ[RULES_VARIABLE] = os.path.abspath(rules_dir)
    else:
        os.environ.pop(RULES_VARIABLE, None)
    if log_url:
        os.environ[LOG_VARIABLE] = log_url
    else:
        os.environ.pop(LOG_VARIABLE, None)
    if limits is not None:
        os.environ[ENV["rule"]] = str(limits.rule_bytes)
    uvicorn.run("eligibility.service:app_from_environment", factory=True, host=host, port=port, workers=workers,
                access_log=False, proxy_headers=True, server_header=False, timeout_graceful_shutdown=10)
