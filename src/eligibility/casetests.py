"""Case tests: YAML files that pair cases with the decisions expected for them.

A policy officer can read and extend them; ``eligibility test`` runs them, and pytest
collects them (see tests/conftest.py) so they run with the rest of the suite.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import source, validate
from .diagnostics import CaseError, Diagnostic, EligibilityError, Span


@dataclass(frozen=True)
class CaseTest:
    name: str
    file: str
    line: int
    decision: str
    authority: str
    date: str
    facts: dict
    expect: dict
    where: source.SourceMap | None = field(default=None, compare=False, repr=False)   # the case's place in the file

    @property
    def label(self) -> str:
        return f"{self.name} [{self.authority}]"


@dataclass(frozen=True)
class Result:
    test: CaseTest
    failures: tuple          # human-readable differences; empty when the test passed
    decision: object = None  # the Decision, when one was made

    @property
    def passed(self) -> bool:
        return not self.failures


def read_tests(path, limits=None) -> tuple[list[CaseTest], list[Diagnostic]]:
    """The tests in one file (one per authority named), or the problems that stop it being read.

    A case-test file is read under the rule-file size limit (``limits``, a limits.Limits).
    """
    try:
        data, smap = source.read(path, size_limits=limits)
    except source.YamlProblem as exc:
        return [], [exc.diagnostic]
    problems = validate.check_rule_file(data, "case-tests", smap) if isinstance(data, dict) else [
        Diagnostic("E202", "a case-test file must be a mapping starting 'kind: case-tests'", Span(str(path), 1, 1))]
    if problems:
        return [], problems
    tests = []
    for index, item in enumerate(data["tests"]):
        authorities = item["authority"] if isinstance(item["authority"], list) else [item["authority"]]
        line = smap.span(("tests", index)).line or 0
        where = _case_positions(smap, index)
        for authority in authorities:
            tests.append(CaseTest(item["name"], str(path), line, item["decision"], authority, item["date"],
                                  item["facts"], item["expect"], where))
    return tests, []


def _case_positions(smap: source.SourceMap, index: int) -> source.SourceMap:
    """Positions in the test file of the case one test builds, so its problems point into that file."""
    names = {"date": "assessment_date"}
    where = source.SourceMap(smap.file)
    prefix = ("tests", index)
    for path, span in smap.positions.items():
        if path[:2] == prefix:
            rest = path[2:]
            where.positions[(names.get(rest[0], rest[0]),) + rest[1:] if rest else ()] = span
    return where


def run_test(engine, test: CaseTest) -> Result:
    case = {"facts": test.facts, "authority": test.authority, "assessment_date": test.date, "decision": test.decision}
    try:
        decision = engine.decide(case, smap=test.where)
    except CaseError as exc:
        return Result(test, tuple(f"{d.span}: error[{d.code}]: {d.message}" + (f" (hint: {d.hint})" if d.hint else "")
                                  for d in exc.diagnostics))
    except EligibilityError as exc:
        return Result(test, (f"engine error: {exc}",))
    return Result(test, tuple(compare(decision, test.expect)), decision)


def compare(decision, expect: dict) -> list[str]:
    """Differences between a decision and what the test expects of it."""
    out = []
    if decision.outcome != expect["outcome"]:
        out.append(f"outcome: expected {expect['outcome']}, got {decision.outcome} ({decision.outcome_reason})")
    results = {c.id: c for c in decision.criteria}
    for status in ("met", "not_met", "waived", "unknown"):
        for criterion in expect.get(status, ()):
            if criterion not in results:
                out.append(f"criterion {criterion}: no such criterion in {decision.rule_set.id} "
                           f"(criteria: {', '.join(results)})")
            elif results[criterion].status != status:
                out.append(f"criterion {criterion}: expected {status}, got {results[criterion].status}: "
                           f"{results[criterion].reason}")
    if "missing" in expect:
        got = [m.fact for m in decision.missing_facts]
        if sorted(got) != sorted(expect["missing"]):
            out.append(f"missing facts: expected {sorted(expect['missing'])}, got {sorted(got)}")
    outputs = {name: value for name, _, value in decision.outputs}
    for name, value in (expect.get("outputs") or {}).items():
        if name not in outputs:
            out.append(f"output {name}: not produced (outputs: {', '.join(sorted(outputs)) or 'none'})")
        elif outputs[name] != value:
            out.append(f"output {name}: expected {value!r}, got {outputs[name]!r}")
    if "unconfirmed" in expect:
        got = sorted(name for kind, name, _ in decision.unconfirmed if kind != "derived")
        if got != sorted(expect["unconfirmed"]):
            out.append(f"marked unconfirmed: expected {sorted(expect['unconfirmed'])}, got {got}")
    if "rule_set_version" in expect and decision.rule_set.version != expect["rule_set_version"]:
        out.append(f"rule set version: expected {expect['rule_set_version']}, got {decision.rule_set.version}")
    return out
