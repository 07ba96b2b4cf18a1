"""The cases a rule change is measured on: case files, case tests, and JSON Lines of decided cases.

``eligibility diff`` decides every case it is given under two versions of the rules. A
case can come from

* a case file (YAML or JSON with ``facts``, as in ``examples/cases/``);
* a case-test file (``kind: case-tests``): each test, once for each authority it names;
* a JSON Lines file (``.jsonl``), one decided case per line, as ``batch`` writes them
  (``{"input": {...}, "status": ..., "decision": {...} | null, "problems": [...]}``) or a
  decision log exports them (the case under ``input``, ``case``, or the record's own
  ``decision.case``, the case as decided). Where the case does
  not itself say which decision, authority or date it was decided for, they are taken
  from the decision record on the same line;
* a directory: every ``.yaml``, ``.yml``, ``.json`` and ``.jsonl`` file in it and below it.

Anything that cannot be read is a located problem; the cases that can be read are still
compared.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from . import casetests, source
from .diagnostics import Diagnostic, Span
from .limits import max_bytes
from .loader import display_path

CASE_SUFFIXES = (".yaml", ".yml", ".json", ".jsonl")


@dataclass(frozen=True)
class CaseInput:
    """One case to decide, with what to decide it as (None: what the case itself says)."""

    label: str                      # how the report names it: a file, a file and line, or a generated case
    case: dict
    decision: str | None = None
    authority: str | None = None
    on: str | None = None
    generated: bool = False
    smap: object = None             # source.SourceMap of a case file, for located problems

    def to_dict(self) -> dict:
        out = {"label": self.label, "generated": self.generated}
        if self.generated:
            out.update(facts=self.case.get("facts"), decision=self.decision, authority=self.authority, on=self.on)
        return out


def read_inputs(paths, limits=None) -> tuple[list[CaseInput], list[Diagnostic]]:
    """Every case in the given files and directories, and the problems of what could not be read.

    ``limits`` (limits.Limits): the largest case file and case-test file read.
    """
    inputs, problems = [], []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in CASE_SUFFIXES)
            if not files:
                problems.append(Diagnostic("C401", f"the folder {display_path(path)} holds no case files", Span(str(path)),
                                           hint=f"case files end {', '.join(CASE_SUFFIXES)}"))
        elif path.is_file():
            files = [path]
        else:
            problems.append(Diagnostic("C401", f"there is no file or folder {display_path(path)}", Span(str(path)),
                                       hint="check the path"))
            continue
        for file in files:
            found, trouble = read_file(file, limits)
            inputs += found
            problems += trouble
    return inputs, problems


def read_file(path: Path, limits=None) -> tuple[list[CaseInput], list[Diagnostic]]:
    if path.suffix == ".jsonl":
        return _read_lines(path)
    shown = display_path(path)
    if _says_case_tests(path, limits):
        tests, problems = casetests.read_tests(path, limits)
        return [CaseInput(f"{shown}:{t.line} {t.label}", {"facts": t.facts}, t.decision, t.authority, t.date)
                for t in tests], problems
    try:
        data, smap = source.read(path, code_prefix="C", size_limits=limits)
    except source.YamlProblem as exc:
        return [], [exc.diagnostic]
    if isinstance(data, dict) and "facts" in data:
        return [CaseInput(shown, data, smap=smap)], []
    kind = f" (it is 'kind: {data.get('kind')}')" if isinstance(data, dict) and "kind" in data else ""
    return [], [Diagnostic("C402", f"{shown} is neither a case nor a file of case tests{kind}", Span(str(path), 1, 1), "$",
                           "a case has 'facts:'; a case-test file starts 'kind: case-tests'; "
                           "decided cases are read from .jsonl files")]


def _says_case_tests(path: Path, limits=None) -> bool:
    """A file with a line 'kind: case-tests' is read as case tests (and parsed once, by casetests).

    Only as much is looked at as a case-test file may hold: a larger file is refused unread
    whichever kind it is.
    """
    largest = max_bytes("rule", limits)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(largest + 1)
        text = raw.decode("utf-8", errors="replace" if len(raw) > largest else "strict")
    except (OSError, UnicodeDecodeError):
        return False
    return re.search(r"^kind:[ \t]*['\"]?case-tests['\"]?[ \t]*(#.*)?$", text, re.MULTILINE) is not None


def _read_lines(path: Path) -> tuple[list[CaseInput], list[Diagnostic]]:
    shown, inputs, problems = display_path(path), [], []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [Diagnostic("C401", f"cannot read the file: {exc}", Span(str(path)),
                               hint="check the path and that the file is UTF-8 text")]
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(Diagnostic("C401", f"this line is not JSON: {exc.msg}", Span(str(path), number, exc.colno),
                                       hint="each line of a .jsonl file is one JSON object, as batch writes them"))
            continue
        case = _case_of(record)
        if case is None:
            problems.append(Diagnostic("C402", "this line holds no case", Span(str(path), number, 1), "$",
                                       "each line needs the case under 'input' (as batch writes it) or 'case', "
                                       "with its 'facts'"))
            continue
        decided = record.get("decision") if isinstance(record.get("decision"), dict) else {}
        ref = case.get("ref") or decided.get("case_ref")
        inputs.append(CaseInput(f"{shown}:{number}" + (f" ({ref})" if ref else ""), case,
                                None if "decision" in case else decided.get("decision"),
                                None if "authority" in case else decided.get("authority"),
                                None if "assessment_date" in case else decided.get("decided_on")))
    return inputs, problems


def _case_of(record):
    if not isinstance(record, dict):
        return None
    decided = record.get("decision")
    places = (record.get("input"), record.get("case"),              # batch lines, check --format json
              decided.get("case") if isinstance(decided, dict) else None)   # log exports: the case as decided
    for case in places:
        if isinstance(case, dict) and isinstance(case.get("facts"), dict):
            return case
    return record if isinstance(record.get("facts"), dict) else None
