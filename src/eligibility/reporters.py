"""How each command's results reach the user: the one place an output format is chosen by name.

Every command that reports (check, validate, test, consistency, variations, settings,
prove, verify, log verify/export/purge, diff, schema, batch) takes ``--format NAME`` and
hands what it found to ``reporter(NAME, out)``. A reporter receives results as they are
made and writes them:

* ``text`` (text_reporter.py): for people; decisions on standard output, problems on
  standard error, each case as soon as it is finished.
* ``json`` (json_reporter.py): for systems; one JSON document on standard output, written
  once at the end (or when the run is interrupted), nothing on standard error.

A new format is one new class, with the same methods as these two, added to REPORTERS;
the commands do not change. Letters to the person are not reports: their formats (html,
pdf) are chosen in letter_formats.py.
"""

from __future__ import annotations

from typing import Callable

from .json_reporter import JsonReporter
from .text_reporter import TextReporter

REPORTERS = {"text": TextReporter, "json": JsonReporter}


def reporter(name: str, out: Callable[..., None]):
    """The reporter for an output format, by name; ``out(text, err=False)`` writes without adding a newline."""
    return REPORTERS[name](out)


__all__ = ["REPORTERS", "reporter", "TextReporter", "JsonReporter"]
