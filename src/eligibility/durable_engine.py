"""The guarded adapter around durable-rules. The only module that imports ``durable``.

How it is used, and why (see the durable-rules notes shipped with the project):

* one process-wide ``Host`` whose background dispatcher is switched off (the
  dispatcher crashes after ``delete_state`` while other sessions are live);
* every call runs under one process-wide lock: the engine holds the GIL in C, so
  threads gain nothing, and the lock keeps at most one live session, far from the
  1,024-session limit and from session hash collisions;
* a fresh session id per decision, removed in ``finally`` whatever happens;
* facts, never events (an event is consumed by the first rule that matches);
* the sentinel fact asserted last in the same batch;
* an exception recorded by the engine in the session state is raised again;
* the definition is deep-copied before registration (the engine mutates it), and a
  ruleset already registered under the same content-derived name is reused.

Rulesets are registered through durable-rules' Python ``Host``. A decision then drives
the engine's C core directly, beneath the Python ``Host``/``Closure`` layer: assert the
batch, then take each activation the engine schedules and mark it complete. That is the
same sequence of C calls the Python layer makes, without building a ``Closure``, a
``Content`` and a JSON copy of the session state for every rule that fires. What that
layer guarded is guarded here (each with a test in tests/test_engine_adapter.py): an
unhandled fact or an engine error raises; a duplicate fact is retried once in a fresh
session; an exception the engine records in the session state is raised again; no
action code runs inside the engine and no dispatcher thread exists.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import threading
import uuid
import warnings

from durable import engine as _durable

_core = _durable.durable_rules_engine      # durable-rules' C core, beneath its Python Host/Closure layer

from . import stable_json
from .compile import READY, CompiledRuleSet
from .diagnostics import EvaluationError

ENGINE_NAME = "durable-rules 2.0.28"

# durable-rules 2.0.28 calls datetime.utcfromtimestamp for every action, deprecated from
# Python 3.12; the warning is about the library, not the decision, so it is silenced here only.
warnings.filterwarnings("ignore", message=r".*utcfromtimestamp.*", category=DeprecationWarning)


def engine_fingerprint() -> str:
    """The engine's version and build, as the rules cache keys it: a different engine may refuse other rules."""
    parts = [ENGINE_NAME]
    for module in (_durable, _durable.durable_rules_engine):
        path = getattr(module, "__file__", None)
        if path:
            st = os.stat(path)
            parts.append(f"{os.path.basename(path)}:{st.st_size}:{st.st_mtime_ns}")
    return " ".join(parts)


class _NoDispatchHost(_durable.Host):
    """A Host without the timer threads that poll (and crash) in the background."""

    def _run(self):
        return None


_lock = threading.RLock()
_host = None
_registered: dict = {}
_activations: list | None = None


def _get_host():
    global _host
    if _host is None:
        _host = _NoDispatchHost()
    return _host


def _make_action(label: str):
    def action(c):              # exactly one parameter: two would make the engine treat it as asynchronous
        bound = getattr(c, "x", None)
        facts = dict(bound._d) if bound is not None else {}       # the fact exactly as the engine bound it
        _activations.append((label, facts))
    return action


class EngineLimitError(EvaluationError):
    """The engine refused a ruleset (it reports only a numeric code); ``culprits`` names the rules to blame."""

    def __init__(self, message: str, culprits: tuple):
        super().__init__(message)
        self.culprits = culprits


def _register(name: str, definition: dict):
    """Register a deep copy of the definition; return the C handle of the new ruleset."""
    definition = copy.deepcopy(definition)
    for rule in definition.values():
        rule["run"] = _make_action(rule["run"])
    host = _get_host()
    host.register_rulesets({name: definition})
    return host.get_ruleset(name)._handle


def register(compiled: CompiledRuleSet) -> None:
    """Make the compiled ruleset available in the engine (idempotent for identical content).

    If the engine refuses it, each criterion's rules are tried on their own to find the
    ones it cannot hold, and EngineLimitError names them.
    """
    with _lock:
        if compiled.name in _registered:
            return
        try:
            handle = _register(compiled.name, compiled.definition)
        except Exception as exc:                    # the engine reports only a numeric code
            raise EngineLimitError(f"the engine refused rule set {compiled.rule_set.id} ({exc})",
                                   _culprits(compiled)) from None
        labels = {rule_name: rule["run"] for rule_name, rule in compiled.definition.items()}
        _registered[compiled.name] = (handle, labels)


def _culprits(compiled: CompiledRuleSet) -> tuple:
    """The criteria whose rules the engine refuses even on their own (empty: only the whole is too big)."""
    culprits = []
    for criterion in compiled.criteria:
        prefix = criterion.criterion.id + "__"
        rules = {k: v for k, v in compiled.definition.items() if k.startswith(prefix) or k == "__sink"}
        try:
            _register(f"probe/{uuid.uuid4().hex}", rules)
        except Exception:
            culprits.append(criterion.waiver_of or criterion.criterion.id)
    return tuple(dict.fromkeys(culprits))


def run(compiled: CompiledRuleSet, facts: list[dict]) -> list[tuple[str, dict]]:
    """Assert the facts (then the sentinel) in a fresh session; return the rules that fired.

    Each item is ``("criterion-id/status", bound fact)``.
    """
    for attempt in range(2):
        with _lock:
            if compiled.name not in _registered:    # first use, or the engine was replaced after a failure
                register(compiled)
            handle, labels = _registered[compiled.name]
            sid = _session_id()
            payload = _batch(facts, sid, attempt)
            try:
                code, state_handle = _core.assert_facts(handle, payload)
                if code == _OBSERVED:
                    if not _delete(handle, sid):
                        raise EvaluationError("the engine could not remove a session")
                    continue
                if code != _DONE:
                    raise EvaluationError(f"the engine did not handle every fact (code {code})")
                fired = _activations_of(handle, state_handle, labels)
            except BaseException as exc:          # the engine's own state may be damaged: start a fresh one
                _delete(handle, sid)
                _discard_host()
                if isinstance(exc, EvaluationError):
                    raise EvaluationError(f"the engine failed on rule set {compiled.rule_set.id}: {exc}") from None
                raise EvaluationError(f"the engine failed on rule set {compiled.rule_set.id}: {exc!r}") from None
            if not _delete(handle, sid):
                _discard_host()
                raise EvaluationError("the engine could not remove a finished session; no decision was given")
        return fired
    raise EvaluationError("the engine reported the same fact twice; no decision was made")


def _batch(facts: list[dict], sid: str, attempt: int) -> str:
    """The facts, then the sentinel, each with the session id, as the JSON the engine reads."""
    if attempt:                                 # a retry after a false duplicate (32-bit hash clash)
        batch = [dict(f, sid=sid, n=i) for i, f in enumerate(facts)]
    else:
        batch = [dict(f, sid=sid) for f in facts]
    batch.append({"t": READY, "sid": sid})
    return stable_json.for_machines(batch)


_sessions = itertools.count(1)
_process = uuid.uuid4().hex[:12]


def _session_id() -> str:
    """A session id never used before in this process (one per decision; called under the lock)."""
    return f"{_process}-{next(_sessions)}"


_DONE, _NOT_HANDLED, _OBSERVED = 0, 1, 2         # the result codes of the C core's assert_facts


def _activations_of(handle, state_handle, labels: dict) -> list[tuple[str, dict]]:
    """Take every activation the engine scheduled for the session, in order, and mark each complete.

    The same C calls as durable-rules' Python layer (start_action_for_state, then
    complete_and_start_action until none is left), recording the rule and the fact it
    bound instead of running Python code inside the engine.
    """
    fired = []
    started = _core.start_action_for_state(handle, state_handle)
    if not started:
        return fired
    state_text, message_text = started
    if '"exception"' in state_text:             # an error the engine recorded in the session state
        state = json.loads(state_text)
        if state.get("exception"):
            raise EvaluationError(f"the engine recorded an error in the session: {state['exception']}")
    messages = []
    while message_text:
        messages.append(message_text)
        message_text = _core.complete_and_start_action(handle, state_handle)
    if messages:
        for activation in stable_json.parse("[" + ",".join(messages) + "]"):
            if len(activation) != 1:
                raise EvaluationError(f"the engine scheduled {len(activation)} actions at once")
            (rule_name, bound), = activation.items()
            fact = bound.get("x")           # freshly parsed: nothing else holds it
            fired.append((labels[rule_name], fact if fact is not None else {}))
    return fired


def _delete(handle, sid) -> bool:
    """Remove a session; False if the engine could not (live sessions must never pile up)."""
    try:
        _core.delete_state(handle, sid)
    except Exception:
        return False
    return True


def _discard_host() -> None:
    """Stop using a Host after an engine failure: the next decision registers its rules in a new one.

    The old Host's memory cannot be freed (durable-rules has no safe unload), so this is
    for failures only, which the checks at load time make rare.
    """
    global _host
    _host = None
    _registered.clear()
