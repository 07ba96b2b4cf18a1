"""eligibility: explained eligibility, approval and review decisions for Leicester, Leicestershire and Rutland.

    import eligibility
    engine = eligibility.load()                      # the bundled LLR rules; or load("path/to/rules")
    case, where = eligibility.read_case("case.yaml") # or any mapping; Limits(case_bytes=...) raises the size limit
    d = engine.decide(case, decision="adult-eligibility", authority="rutland", on=date(2024, 5, 1))
    d.outcome, d.to_dict()
"""

import sys

if not ((3, 10) <= sys.version_info[:2] < (3, 13)):
    raise ImportError(
        "eligibility needs Python 3.10, 3.11 or 3.12: its rules engine, durable-rules 2.0.28, "
        f"does not work on Python {sys.version_info[0]}.{sys.version_info[1]}. "
        "Create a virtual environment with a supported Python, e.g. 'python3.11 -m venv .venv'."
    )

from .api import Engine, check_rules, load  # noqa: E402
from .cases import read_case  # noqa: E402
from .decision import CriterionResult, Decision, MissingFact  # noqa: E402
from .diagnostics import (  # noqa: E402
    CaseError,
    Diagnostic,
    EligibilityError,
    EvaluationError,
    RuleFileError,
    Span,
)
from .limits import Limits  # noqa: E402

__version__ = "0.1.0"
__all__ = [
    "load", "check_rules", "Engine", "Decision", "CriterionResult", "MissingFact",
    "Diagnostic", "Span", "EligibilityError", "RuleFileError", "CaseError", "EvaluationError",
    "read_case", "Limits",
]
