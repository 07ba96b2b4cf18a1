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
* an exception swallowed by the engine into the session state is raised again;
* the definition is deep-copied before registration (the engine mutates it), and a
  ruleset already registered under the same content-derived name is reused.
"""

from __future__ import annotations

import copy
import os
import threading
import uuid
import warnings

from durable import engine as _durable

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


def _register(name: str, definition: dict) -> None:
    definition = copy.deepcopy(definition)
    for rule in definition.values():
        rule["run"] = _make_action(rule["run"])
    _get_host().register_rulesets({name: definition})


def register(compiled: CompiledRuleSet) -> None:
    """Make the compiled ruleset available in the engine (idempotent for identical content).

    If the engine refuses it, each criterion's rules are tried on their own to find the
    ones it cannot hold, and EngineLimitError names them.
    """
    with _lock:
        if compiled.name in _registered:
            return
        try:
            _register(compiled.name, compiled.definition)
        except Exception as exc:                    # the engine reports only a numeric code
            raise EngineLimitError(f"the engine refused rule set {compiled.rule_set.id} ({exc})",
                                   _culprits(compiled)) from None
        _registered[compiled.name] = True


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
    global _activations
    register(compiled)
    for attempt in range(2):
        with _lock:
            host = _get_host()
            sid = uuid.uuid4().hex
            batch = [dict(f, sid=sid) for f in facts]
            if attempt:                             # a retry after a false duplicate (32-bit hash clash)
                batch = [dict(f, n=i) for i, f in enumerate(batch)]
            batch.append({"t": READY, "sid": sid})
            _activations = []
            try:
                state = host.assert_facts(compiled.name, batch)
            except _durable.MessageObservedException:
                _delete(host, compiled.name, sid)
                continue
            except BaseException as exc:          # the engine's own state may be damaged: start a fresh one
                _discard_host()
                raise EvaluationError(f"the engine failed on rule set {compiled.rule_set.id}: {exc}") from None
            finally:
                fired, _activations = _activations, None
            if not _delete(host, compiled.name, sid):
                _discard_host()
                raise EvaluationError("the engine could not remove a finished session; no decision was given")
        if isinstance(state, dict) and state.get("exception"):
            raise EvaluationError(f"a rule action failed inside the engine: {state['exception']}")
        return fired
    raise EvaluationError("the engine reported the same fact twice; no decision was made")


def _delete(host, name, sid) -> bool:
    """Remove a session; False if the engine could not (live sessions must never pile up)."""
    try:
        host.delete_state(name, sid)
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
