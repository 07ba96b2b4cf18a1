"""The inputs of a batch run, read lazily, one item per case, in input order.

    cases.jsonl   one case envelope per line (JSON); blank lines are skipped
    cases.csv     one case per row; columns named like the keys of a case file, with
                  dotted names for facts (facts.person.date_of_birth, facts.placements.0.start);
                  an empty cell means "not recorded"
    folder/       every .yaml, .yml and .json case file in it and its subfolders, by name
    case.yaml     one case file (also .yml and .json)
    -             standard input, read as JSONL

A case file, and each line of JSONL, is refused when it is larger than the case-file size
limit (limits.py), without reading the rest of it into memory.

An item is only the input's label (``<file>:<line>``, or the file for a case file) and its
raw content: parsing and checking happen when the item is decided, so that a bad line is
reported as that line's problem and never stops the others.
"""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from . import limits as input_limits
from . import model as m
from .diagnostics import Diagnostic, Span
from .loader import display_path

CASE_FILE_SUFFIXES = (".yaml", ".yml", ".json")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
CSV_SUFFIXES = (".csv",)
ENVELOPE_COLUMNS = ("ref", "authority", "assessment_date", "decision", "notes")


@dataclass(frozen=True)
class Item:
    """One input. kind: json (text of one line), data (a case from a CSV row), file (a case file),
    or invalid (problems found while reading it)."""

    label: str
    kind: str
    payload: object


class InputError(Exception):
    """An input that cannot be used at all (it does not exist, or its kind is unknown)."""


def check_inputs(inputs) -> None:
    """Refuse, before anything is decided, inputs that do not exist or are of no known kind."""
    for name in inputs:
        if name == "-":
            continue
        path = Path(name)
        if path.is_dir():
            continue
        if not path.is_file():
            raise InputError(f"{name}: no such file or folder")
        if path.suffix.lower() not in CASE_FILE_SUFFIXES + JSONL_SUFFIXES + CSV_SUFFIXES:
            raise InputError(f"{name}: not a kind of input batch reads; use .jsonl, .csv, a case file "
                             "(.yaml, .yml, .json) or a folder of case files")


def read_all(inputs, vocabulary: m.Vocabulary, limits=None):
    """Every item of every input, in order; ``limits`` (limits.Limits): the largest case read."""
    largest = input_limits.max_bytes("case", limits)
    for name in inputs:
        if name == "-":
            yield from _jsonl(sys.stdin.buffer, "<stdin>", largest)
            continue
        path = Path(name)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in CASE_FILE_SUFFIXES)
            for file in files:
                yield Item(display_path(str(file)), "file", str(file))
            continue
        suffix = path.suffix.lower()
        if suffix in JSONL_SUFFIXES:
            with open(path, "rb") as handle:
                yield from _jsonl(handle, display_path(name), largest)
        elif suffix in CSV_SUFFIXES:
            yield from _csv(path, display_path(name), vocabulary)
        else:
            yield Item(display_path(name), "file", name)


def _jsonl(handle, shown: str, largest: int = input_limits.MAX_CASE_BYTES):
    number = 0
    while True:
        raw = handle.readline(largest + 1)
        if not raw:
            return
        number += 1
        if len(raw) > largest and not raw.endswith(b"\n"):
            while (rest := handle.readline(1 << 20)) and not rest.endswith(b"\n"):
                pass                                        # the rest of the line, never held whole
            refused = input_limits.refuse_too_big(None, largest, "case")
            yield Item(f"{shown}:{number}", "invalid", (Diagnostic(
                "C406", f"the line is larger than the {largest:,}-byte limit for a case", Span(shown, number, 1),
                "$", refused.hint),))
        elif raw.strip():
            yield Item(f"{shown}:{number}", "json", raw)


def _csv(path: Path, shown: str, vocabulary: m.Vocabulary):
    try:
        handle = open(path, encoding="utf-8-sig", newline="")
    except OSError as exc:
        yield Item(f"{shown}:1", "invalid", (_problem(shown, 1, f"cannot read the file: {exc.strerror}",
                                                      "check the path and that the file is readable"),))
        return
    with handle:
        reader = csv.reader(handle)
        line = 1
        try:
            header = next(reader, None)
            if header is None:
                return
            bad = [c for c in header if c not in ENVELOPE_COLUMNS and not c.startswith("facts.")]
            if bad:
                yield Item(f"{shown}:1", "invalid", (_problem(
                    shown, 1, f"the column '{bad[0]}' is neither a key of a case nor a fact",
                    "name columns ref, authority, assessment_date, decision, notes, or facts.<field>, "
                    "e.g. facts.person.date_of_birth"),))
                return
            line = reader.line_num + 1
            for row in reader:
                label = f"{shown}:{line}"
                if len(row) != len(header):
                    yield Item(label, "invalid", (_problem(
                        label, None, f"the row has {len(row)} cells but the header names {len(header)} columns",
                        "check for a missing or extra comma, or quote cells that contain commas"),))
                elif any(row):
                    yield Item(label, "data", row_case(header, row, vocabulary))
                line = reader.line_num + 1
        except (csv.Error, UnicodeDecodeError) as exc:
            yield Item(f"{shown}:{line}", "invalid", (_problem(
                f"{shown}:{line}", None, f"the CSV file cannot be read from here on: {exc}",
                "save the file as UTF-8 CSV; nothing after this line was decided"),))


def _problem(file, line, message, hint) -> Diagnostic:
    return Diagnostic("C401", message, Span(file, line, 1 if line else None), "$", hint)


def row_case(header, row, vocabulary: m.Vocabulary) -> dict:
    """A case envelope from one CSV row. Cells become values by the type of their case field."""
    case: dict = {}
    for column, cell in zip(header, row):
        if cell == "":
            continue                                        # not recorded
        parts = column.split(".")
        field = field_at(vocabulary, [p for p in parts[1:] if not p.isdigit()])
        _put(case, parts, cell_value(cell, field) if parts[0] == "facts" else cell)
    return case


def field_at(vocabulary: m.Vocabulary, names) -> m.FieldDef | None:
    """The case field at a path of names (list items' fields are found through their list)."""
    field = vocabulary.fields.get(names[0]) if names else None
    for name in names[1:]:
        if field is None:
            return None
        field = next((c for c in field.children if c.path.rsplit(".", 1)[-1] == name), None)
    return field


def cell_value(cell: str, field: m.FieldDef | None):
    """The value a cell stands for, read as its field's type; text that does not fit is kept as text,
    so that the case check reports it with the field's hint."""
    kind = field.type if field is not None else None
    text = cell.strip()
    if kind == "integer" and text.lstrip("-").isdigit():
        return int(text)
    if kind == "boolean" and text.lower() in ("true", "false", "yes", "no"):
        return text.lower() in ("true", "yes")
    if kind in ("choices", "list") and text.startswith("["):
        try:
            return json.loads(text)
        except (ValueError, RecursionError):
            return cell
    if kind == "choices":
        return [part.strip() for part in text.split(";") if part.strip()]
    return cell


def _put(case: dict, parts, value) -> None:
    """Set case[parts...] = value; numeric parts index lists (facts.placements.0.start).

    Columns that contradict each other (facts.x.0 and facts.x.y) keep the first; the case
    check then reports what is missing or wrong.
    """
    target = case
    for part, following in zip(parts, parts[1:]):
        child = [] if following.isdigit() else {}
        if isinstance(target, list) and part.isdigit():
            while len(target) <= int(part):
                target.append(None)
            if target[int(part)] is None:
                target[int(part)] = child
            target = target[int(part)]
        elif isinstance(target, dict) and not part.isdigit():
            target = target.setdefault(part, child)
        else:
            return
    last = parts[-1]
    if isinstance(target, list) and last.isdigit():
        while len(target) <= int(last):
            target.append(None)
        target[int(last)] = value
    elif isinstance(target, dict) and not last.isdigit():
        target[last] = value


__all__ = ["Item", "InputError", "check_inputs", "read_all", "row_case", "cell_value"]
