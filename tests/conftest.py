"""Shared test set-up: the loaded bundled rules, golden-file updating, Hypothesis profiles."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

# The tests never read or write the real user cache: every process they start, and this
# one, keeps its rules cache in a temporary directory.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="eligibility-test-cache-")
atexit.register(shutil.rmtree, os.environ["XDG_CACHE_HOME"], ignore_errors=True)

import pytest
from hypothesis import HealthCheck, settings

import eligibility

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules"
EXAMPLES = ROOT / "examples" / "cases"
GOLDEN = Path(__file__).resolve().parent / "golden"

# "ci" keeps the whole suite well inside the CI budget; "nightly" searches much harder:
#   HYPOTHESIS_PROFILE=nightly python -m pytest tests/property
settings.register_profile("ci", max_examples=150, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("nightly", max_examples=5000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=50, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


CASES = Path(__file__).resolve().parent / "cases"


def pytest_collect_file(parent, file_path):
    """Collect the YAML case tests in tests/cases/ as pytest items."""
    if file_path.suffix == ".yaml" and CASES in file_path.parents:
        return CaseTestFile.from_parent(parent, path=file_path)
    return None


class CaseTestFile(pytest.File):
    def collect(self):
        from eligibility import casetests
        tests, problems = casetests.read_tests(self.path)
        if problems:
            raise pytest.UsageError("\n".join(f"{d.span}: {d.code} {d.message}" for d in problems))
        for test in tests:
            yield CaseTestItem.from_parent(self, name=f"line {test.line}: {test.label}", test=test)


class CaseTestItem(pytest.Item):
    def __init__(self, *, test, **kwargs):
        super().__init__(**kwargs)
        self.test = test

    def runtest(self):
        from eligibility import casetests
        result = casetests.run_test(_bundled_engine(), self.test)
        if not result.passed:
            raise CaseTestFailure(result)

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, CaseTestFailure):
            from eligibility import render
            result = excinfo.value.result
            text = "\n".join(f"  {f}" for f in result.failures)
            explained = render.decision_text(result.decision) if result.decision is not None else ""
            return f"{self.test.file}:{self.test.line}: {self.test.label}\n{text}\n\n{explained}"
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, self.test.line, self.name


class CaseTestFailure(Exception):
    def __init__(self, result):
        super().__init__(result.failures)
        self.result = result


_ENGINE = []


def _bundled_engine():
    if not _ENGINE:
        _ENGINE.append(eligibility.load(RULES))
    return _ENGINE[0]


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite golden files from the current output instead of comparing")


@pytest.fixture(scope="session")
def update_golden(request) -> bool:
    return request.config.getoption("--update-golden")


@pytest.fixture(scope="session")
def engine():
    """The bundled LLR rules, loaded once for the whole test session."""
    return _bundled_engine()


def compare_golden(path: Path, actual: str, update: bool) -> None:
    """Assert that actual equals the golden file (or rewrite it with --update-golden)."""
    if update or not path.exists():
        if not update:
            raise AssertionError(f"golden file {path} is missing; run pytest --update-golden and review it")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8"), f"output differs from {path}"


@pytest.fixture(scope="session")
def served_port():
    """A real `eligibility serve` on 127.0.0.1 (a free port), shared by the service tests."""
    from live_server import running_server
    with running_server() as port:
        yield port
