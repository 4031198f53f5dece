# SPDX-License-Identifier: MIT
"""Investigation sessions: the model calls read-only tools until it can answer, with
follow-up questions on the same snapshot and every answer checked against the cluster."""
from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Set

import k8sagent_c as _c  # type: ignore  # the SWIG module has no type information

from ._handle import Closing
from .agent import Agent

__all__ = ["Session", "Investigation", "tool_definitions", "classify_kubectl"]

_EVENT_TYPES = {0: "token", 1: "step", 2: "verification", 3: "done"}
_PROTOCOLS = {"auto": 0, "native": 1, "json": 2}


class Session(Closing):
    """An investigation of one namespace (see ``investigate.h``). Made by
    :meth:`k8sagent.Agent.investigate` or directly: ``Session(agent, "shop")``.

    ``max_steps`` (tool calls per question, default 8), ``time_limit`` (seconds per
    question, default: the agent's timeout), ``result_tokens`` (per tool result),
    ``protocol`` ("auto", "native" or "json"). The session uses its agent: while a question
    runs, the agent is locked for other calls.
    """

    def __init__(self, agent: "Agent", namespace: Optional[str] = None, max_steps: Optional[int] = None,
                 time_limit: Optional[float] = None, result_tokens: Optional[int] = None,
                 protocol: Optional[str] = None) -> None:
        self._agent = agent  # the C session borrows the agent: keep it alive
        with agent._lock:
            agent._load_kube()
            self._h = _c.k8sa_session_new(agent._agent(), namespace)
        if max_steps is not None:
            _c.k8sa_session_set_max_steps(self._h, int(max_steps))
        if time_limit is not None:
            _c.k8sa_session_set_time_limit(self._h, float(time_limit))
        if result_tokens is not None:
            _c.k8sa_session_set_result_tokens(self._h, int(result_tokens))
        if protocol is not None:
            _c.k8sa_session_set_protocol(self._h, _PROTOCOLS[protocol])

    def _session(self) -> Any:
        if self._h is None:
            raise ValueError("the session is closed")
        return self._h

    def ask(self, question: str) -> "Investigation":
        """Ask a question (the first or a follow-up): an :class:`Investigation`, an iterator
        of events. The snapshot is taken by the first question only."""
        with self._agent._lock:
            _c.k8sa_session_ask(self._session(), question)
        return Investigation(self)

    def run(self, question: str) -> Dict[str, Any]:
        """Ask and wait: the result dict (``answer``, ``steps``, ``verification``,
        ``stopped``...)."""
        inv = self.ask(question)
        for _ in inv:
            pass
        return inv.result or {}

    def refresh(self) -> None:
        """Take a new snapshot at the next question."""
        _c.k8sa_session_refresh(self._session())

    def cancel(self) -> None:
        """Abort a running question (thread-safe)."""
        h = self._h
        if h is not None:
            _c.k8sa_session_cancel(h)

    @property
    def result(self) -> Optional[Dict[str, Any]]:
        """The last question's result as a dict (None before the first question)."""
        if self._h is None:
            return None
        r: Dict[str, Any] = json.loads(_c.k8sa_session_result_to_json(self._h))
        return r

    @property
    def transcript(self) -> List[Dict[str, Any]]:
        """The conversation as sent to the model (a list of message dicts)."""
        return json.loads(_c.k8sa_session_transcript_to_json(self._session()) or "[]")

    @property
    def snapshots(self) -> int:
        """Snapshots taken so far (1 after any number of follow-ups without refresh)."""
        return _c.k8sa_session_snapshot_count(self._session())

    def close(self) -> None:
        """Free the session. Idempotent."""
        if self._h is not None:
            h, self._h = self._h, None
            _c.k8sa_session_free(h)


class Investigation:
    """The events of one question, as dicts: ``{"type": "token", "text"}``, ``{"type":
    "step", "tool", "arguments", "result_chars", "error", "cached"}``, ``{"type":
    "verification", "unknown_names", "mutating_commands", "secret_commands"}`` and last
    ``{"type": "done", "stopped", "answer"}``. After the iteration, :attr:`result` holds the
    result dict; :attr:`session` takes follow-ups (``inv.session.ask("and then?")``). A
    model failure raises (the result, with ``"stopped": "error"``, is still set)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.result: Optional[Dict[str, Any]] = None

    def __iter__(self) -> "Investigation":
        return self

    def __next__(self) -> Dict[str, Any]:
        if self.result is not None:
            raise StopIteration
        s = self.session
        try:
            with s._agent._lock:
                ev = _c.k8sa_session_next(s._session())
        except Exception:
            self.result = s.result
            raise
        if ev is None:
            self.result = s.result
            raise StopIteration
        kind, text, js = ev
        d: Dict[str, Any] = json.loads(js)
        d["type"] = _EVENT_TYPES.get(kind, d.get("type"))
        if kind == 0:
            d["text"] = text
        return d

    def text(self) -> str:
        """Drain the events and return the answer."""
        for _ in self:
            pass
        return self.result["answer"] if self.result else ""

    def ask(self, question: str) -> "Investigation":
        """A follow-up on the same session (drains this question first)."""
        for _ in self:
            pass
        return self.session.ask(question)


def tool_definitions() -> List[Dict[str, Any]]:
    """The read-only tools (name, description, JSON Schema parameters) as a list of dicts."""
    return json.loads(_c.k8sa_tools_definitions_json())


def classify_kubectl(command: str) -> Optional[Set[str]]:
    """None for a non-kubectl command, else a set drawn from {"mutating", "secret"} (empty:
    read-only)."""
    c = _c.k8sa_kubectl_classify(command)
    if c < 0:
        return None
    out = set()
    if c & _c.K8SA_KUBECTL_MUTATING:
        out.add("mutating")
    if c & _c.K8SA_KUBECTL_SECRET:
        out.add("secret")
    return out
