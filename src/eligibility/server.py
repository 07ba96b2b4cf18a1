"""Running the decision service on uvicorn. The only module that imports uvicorn.

Each worker process builds its own application (and loads the rules once); the rules
directory reaches the workers through the ELIGIBILITY_RULES environment variable.
"""

from __future__ import annotations

import os

import uvicorn

from .service import RULES_VARIABLE


def run(host: str, port: int, workers: int = 1, rules_dir=None) -> None:
    if rules_dir is not None:
        os.environ[RULES_VARIABLE] = os.path.abspath(rules_dir)
    else:
        os.environ.pop(RULES_VARIABLE, None)
    uvicorn.run("eligibility.service:app_from_environment", factory=True, host=host, port=port, workers=workers,
                access_log=False, proxy_headers=True, server_header=False, timeout_graceful_shutdown=10)
