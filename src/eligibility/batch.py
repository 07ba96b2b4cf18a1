"""Batch runs: decide every input, write one JSON line per input in input order, resumably.

    items ──chunks──▶ workers (this process, a local process pool, or a Dask cluster)
          ◀─lines──── in input order ──▶ OUT.jsonl, each line written and flushed when ready

* Each line is ``{"input", "status", "decision", "problems"}`` (batch-line.schema.json);
  the same input and rules always give the same bytes, wherever it was decided.
* Each line goes out in one write, flushed at once, so a killed run leaves whole lines (the
  last one cut short at worst, when the kill lands inside a write of a long line): a re-run
  with the same output file keeps the whole lines, cuts an unfinished last one, and continues
  with the next input.
* One bad input never costs another its decision: every input is decided on its own, and a
  chunk whose worker dies is decided again one input at a time.
* With a decision log (``--log URL``), this process (never a worker) appends each decided
  record to it just before the record's line is written, so the chain has one writer and the
  log holds every decision in the output. When an append fails the run stops before that
  line: a re-run continues with it (a record appended just before a kill may be appended
  again; none is left out).
"""

from __future__ import annotations

import collections
import json
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

from . import api, decision_log, envelope, record, stable_json
from .batch_inputs import Item, read_all
from .cases import read_case
from .source import YamlProblem

EXIT_OK, EXIT_INVALID, EXIT_FAILED = 0, 1, 3
CHUNK = 16                      # inputs sent to a worker at a time
_LINE_START = b'{"decision":'   # every output line starts so (keys are sorted)


@dataclass
class Summary:
    counts: dict = field(default_factory=lambda: {"decided": 0, "invalid": 0, "failed": 0})
    resumed: int = 0            # lines already in the output file from an earlier run
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def exit_code(self) -> int:
        if self.counts["failed"]:
            return EXIT_FAILED
        return EXIT_INVALID if self.counts["invalid"] else EXIT_OK

    def text(self) -> str:
        new = self.total - self.resumed
        per_second = new / self.seconds if self.seconds > 0 else 0
        rate = f", {per_second:.0f} inputs/s" if per_second >= 10 else f", {per_second:.1f} inputs/s" if new else ""
        kept = f" ({self.resumed} kept from the earlier run)" if self.resumed else ""
        return (f"{self.total} input(s){kept}: {self.counts['decided']} decided, {self.counts['invalid']} invalid, "
                f"{self.counts['failed']} failed; {new} in {self.seconds:.1f} s{rate}")


class LogFailed(Exception):
    """A decided record could not be written to the decision log; the run stopped before its line."""


class ResumeError(Exception):
    """The output file holds lines for other inputs than these."""


# -- deciding a chunk (runs in a worker) -------------------------------------------------------------
_engines: dict = {}
_engines_lock = threading.Lock()


def _engine(rules_dir, limits=None):
    with _engines_lock:
        if (rules_dir, limits) not in _engines:
            _engines[rules_dir, limits] = api.load(rules_dir, limits)
        return _engines[rules_dir, limits]


def decide_chunk(rules_dir, items, limits=None) -> list[tuple[str, str]]:
    """(status, JSON line) for each item, in order; ``limits`` (limits.Limits): the largest files read."""
    engine = _engine(rules_dir, limits)
    return [_line(item, decide_item(engine, item, limits)) for item in items]


def decide_item(engine, item: Item, limits=None) -> envelope.Result:
    if item.kind == "json":
        file, _, line = item.label.rpartition(":")          # a JSON Lines item is labelled file:line
        return envelope.decide_json(engine, item.payload, item.label, line_of=(file, int(line)))
    if item.kind == "data":
        return envelope.decide_data(engine, item.payload, item.label)
    if item.kind == "file":
        try:
            data, smap = read_case(item.payload, limits)
        except YamlProblem as exc:
            return envelope.invalid([exc.diagnostic], unreadable=True)
        except RecursionError:
            return envelope.invalid(envelope.too_deep(item.label).diagnostics, unreadable=True)
        return envelope.decide_data(engine, data, item.label, smap=smap)
    return envelope.invalid(item.payload)


def _line(item: Item, result: envelope.Result) -> tuple[str, str]:
    return result.status, to_line(result.line(item.label))


def to_line(value: dict) -> str:
    """One output line: stable bytes (sorted keys, no spaces); non-ASCII kept unless it is not valid text."""
    text = stable_json.compact(value)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:                  # a lone surrogate from a \\ud800 escape: keep it escaped
        text = json.dumps(value, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return text


def _failed_line(item: Item, why: str) -> tuple[str, str]:
    return _line(item, envelope.failed(item.label, why))


# -- where the work runs -------------------------------------------------------------------------------
class _Here:
    """Decide in this process, one chunk at a time (one worker)."""

    def __init__(self, rules_dir, limits=None):
        self.rules_dir, self.limits = rules_dir, limits
        self.window = self.chunk = 1          # each line written as soon as it is decided

    def submit(self, chunk):
        return _Done(decide_chunk(self.rules_dir, chunk, self.limits))

    def recover(self):
        pass

    def close(self):
        pass


class _Done:
    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value


class _LocalPool:
    """A pool of local worker processes, each with its own engine."""

    def __init__(self, rules_dir, workers: int, limits=None):
        self.rules_dir, self.workers, self.limits = rules_dir, workers, limits
        self.window, self.chunk = workers * 4, CHUNK
        self.pool = self._start()

    def _start(self):
        return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_engine, initargs=(self.rules_dir, self.limits))

    def submit(self, chunk):
        return self.pool.submit(decide_chunk, self.rules_dir, chunk, self.limits)

    def recover(self):
        """After a worker died: a fresh pool for what is left."""
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.pool = self._start()

    def close(self):
        self.pool.shutdown(wait=True, cancel_futures=True)


def _runner(rules_dir, workers: int, dask_address: str | None, limits=None):
    if dask_address:
        from . import dask_runner          # imported here: the optional [dask] extra
        return dask_runner.DaskRunner(dask_address, rules_dir, limits)
    return _Here(rules_dir, limits) if workers <= 1 else _LocalPool(rules_dir, workers, limits)


def _chunks(items, size: int):
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def ordered_lines(runner, items, chunk_size: int = CHUNK):
    """(status, line) for every item, in input order, with up to runner.window chunks in flight."""
    pending = collections.deque()
    chunks = _chunks(items, chunk_size)
    exhausted = False
    while True:
        while not exhausted and len(pending) < runner.window:
            chunk = next(chunks, None)
            if chunk is None:
                exhausted = True
            else:
                pending.append((chunk, runner.submit(chunk)))
        if not pending:
            return
        chunk, future = pending.popleft()
        try:
            lines = future.result()
        except BrokenProcessPool:
            runner.recover()
            pending = collections.deque((c, runner.submit(c)) for c, _ in pending)
            lines = _one_at_a_time(runner, chunk)
        except Exception as exc:           # a chunk the workers could not finish: decide its inputs one by one
            lines = _one_at_a_time(runner, chunk) if len(chunk) > 1 else [
                _failed_line(chunk[0], f"the worker failed ({type(exc).__name__}: {exc})")]
        yield from lines


def _one_at_a_time(runner, chunk):
    lines = []
    for item in chunk:
        try:
            lines += runner.submit([item]).result()
        except BrokenProcessPool:
            runner.recover()
            lines.append(_failed_line(item, "the worker deciding this input stopped"))
        except Exception as exc:
            lines.append(_failed_line(item, f"the worker failed ({type(exc).__name__}: {exc})"))
    return lines


# -- the output file -----------------------------------------------------------------------------------
def _resume(path: str, summary: Summary) -> tuple[list[str], int]:
    """The labels of the whole lines already in the output file, and where the last of them ends."""
    if not os.path.exists(path):
        return [], 0
    with open(path, "rb") as handle:
        data = handle.read()
    end = data.rfind(b"\n") + 1
    tail = data[end:]
    if tail and not (tail.startswith(_LINE_START) or _LINE_START.startswith(tail)):
        raise ResumeError(f"{path}: its last line is not one this command writes; "
                          "give another output file or remove this one")
    labels = []
    for number, raw in enumerate(data[:end].splitlines(), start=1):
        try:
            line = json.loads(raw)
            labels.append(line["input"])
            summary.counts[line["status"]] += 1
        except (ValueError, KeyError, TypeError) as exc:
            raise ResumeError(f"{path}:{number}: not a line this command writes ({exc}); "
                              "give another output file or remove this one") from None
    return labels, end


def _skip_done(items, done: list[str], out: str):
    items = iter(items)
    for number, label in enumerate(done, start=1):
        item = next(items, None)
        if item is None or item.label != label:
            raise ResumeError(f"{out}:{number} is the result for {label}, but input {number} is "
                              f"{item.label if item else 'missing'}: the output file is from other inputs; "
                              "give another output file or remove this one")
    yield from items


def run(inputs, out: str | None, rules_dir=None, workers: int = 1, dask_address: str | None = None,
        progress=None, stdout=None, engine=None, log=None, issued_by: str | None = None, limits=None) -> Summary:
    """Decide every input into ``out`` (or ``stdout``); ``progress(n)`` is called after each line.

    ``engine``, if given, is the engine already loaded from ``rules_dir`` (under ``limits``,
    a limits.Limits: the largest rule file and case file read) in this process.
    ``log``, if given, is an open decision log: each decided record is appended to it (issued
    by ``issued_by``) before its line is written.
    """
    if engine is not None:
        with _engines_lock:
            _engines.setdefault((rules_dir, limits), engine)
    engine = _engine(rules_dir, limits)
    summary = Summary()
    done, end = _resume(out, summary) if out else ([], 0)
    summary.resumed = len(done)
    items = read_all(inputs, engine.corpus.vocabulary, limits)
    if done:
        items = _skip_done(items, done, out)
        next_item = next(items, None)                   # checks the output belongs to these inputs
        items = _prepend(next_item, items)
    if out and os.path.exists(out):
        os.truncate(out, end)                           # only now: cut an unfinished last line
    if progress:
        progress(len(done))
    started = time.perf_counter()
    handle = open(out, "ab", buffering=0) if out else stdout       # unbuffered: one write per whole line
    runner = _runner(rules_dir, workers, dask_address, limits)
    try:
        for status, line in ordered_lines(runner, items, runner.chunk):
            if log is not None and status == envelope.DECIDED:
                _append(log, line, issued_by)
            _write_line(handle, line.encode("utf-8") + b"\n")
            summary.counts[status] += 1
            if progress:
                progress(1)
    finally:
        runner.close()
        if out:
            handle.close()
        summary.seconds = time.perf_counter() - started
    return summary


def _append(log, line: str, issued_by: str | None) -> None:
    decided = json.loads(line)
    try:
        log.append(record.issue(decided["decision"], issued_by))
    except decision_log.LogError as exc:
        raise LogFailed(f"{decided['input']}: the decision could not be written to the decision log ({exc}); "
                        "the run stopped before writing it. Re-run with the same output file to continue "
                        "from this input") from None


def _write_line(handle, data: bytes) -> None:
    """Write all of one line and flush it: a killed run leaves whole lines, or a cut last one."""
    view = memoryview(data)
    while view:
        written = handle.write(view)
        view = view[written if written is not None else len(view):]
    handle.flush()


def _prepend(first, rest):
    if first is not None:
        yield first
        yield from rest


__all__ = ["run", "Summary", "ResumeError", "LogFailed", "decide_chunk", "decide_item", "ordered_lines", "to_line",
           "EXIT_OK", "EXIT_INVALID", "EXIT_FAILED"]
