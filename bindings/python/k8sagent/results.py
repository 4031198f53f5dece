# SPDX-License-Identifier: MIT
"""Plain Python values built from the library's JSON outputs: findings and answers.

Nothing here holds a C pointer: a Result or Finding stays valid after the agent is closed.
"""
from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping, Optional

__all__ = ["Finding", "Result"]

_FINDING_FIELDS = ("code", "severity", "kind", "namespace", "name", "members", "container",
                   "summary", "evidence", "commands", "root_cause")


class Finding:
    """One deterministic finding (the objects of ``analyze -o json``).

    Attributes: ``code`` ("OOMKilled"...), ``severity`` ("info", "warning", "critical"),
    ``kind``, ``namespace`` ("" for cluster-scoped objects), ``name`` (the first member),
    ``members`` (every pod of the group), ``container`` ("" when none), ``summary``,
    ``evidence`` (list of str), ``commands`` (next ``kubectl`` commands), ``root_cause``
    (bool). Fields a newer library adds are kept in :meth:`to_dict`.
    """

    __slots__ = _FINDING_FIELDS + ("_raw",)

    code: str
    severity: str
    kind: str
    namespace: str
    name: str
    members: List[str]
    container: str
    summary: str
    evidence: List[str]
    commands: List[str]
    root_cause: bool

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._raw = dict(data)
        for f in _FINDING_FIELDS:
            default: Any = [] if f in ("members", "evidence", "commands") else (
                False if f == "root_cause" else "")
            setattr(self, f, data.get(f, default))

    @property
    def is_problem(self) -> bool:
        """True for warning and critical findings."""
        return self.severity in ("warning", "critical")

    def to_dict(self) -> Dict[str, Any]:
        """The finding as the library's JSON object (a new dict)."""
        d = dict(self._raw)
        for f in _FINDING_FIELDS:
            d[f] = getattr(self, f)
        return d

    def __getitem__(self, key: str) -> Any:
        return self.to_dict()[key]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Finding) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash((self.code, self.kind, self.namespace, self.name, self.container))

    def __repr__(self) -> str:
        return "Finding(%s %s %s/%s%s)" % (self.severity, self.code, self.kind, self.name,
                                          " root-cause" if self.root_cause else "")


def findings_from_json(text: Optional[str]) -> List[Finding]:
    """List of :class:`Finding` from ``{"namespace":..., "findings":[...]}`` (or None)."""
    if not text:
        return []
    return [Finding(f) for f in json.loads(text).get("findings", [])]


def _json(text: Optional[str], default: Any) -> Any:
    return json.loads(text) if text else default


class Result:
    """The outcome of ``ask`` or ``diagnose``.

    Attributes: ``text`` (the model's answer, None when no model answered), ``model``,
    ``llm_status`` (k8sa_strerror() name, "ok" when the model answered), ``llm_error``
    (why the model gave no complete answer, else None), ``findings`` (list of
    :class:`Finding`; diagnose only), ``namespace``, ``context`` (the exact context text the
    model saw), ``messages`` (the messages sent: list of {"role", "content"}),
    ``prompt_text``, ``dropped`` (what the token budget cut), ``gaps`` (resources that could
    not be read), ``timings`` (dict), ``problem_count``, ``verification`` (diagnose: the answer
    checked against the snapshot, ``{"unknown_names", "mutating_commands", "secret_commands"}``,
    or None).
    """

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.text: Optional[str] = values.get("text")
        self.model: Optional[str] = values.get("model")
        self.llm_status: str = values.get("llm_status", "ok")
        self.llm_error: Optional[str] = values.get("llm_error")
        self.namespace: Optional[str] = values.get("namespace")
        self.findings: List[Finding] = values.get("findings", [])
        self.context: Optional[str] = values.get("context")
        self.messages: List[Dict[str, str]] = values.get("messages", [])
        self.prompt_text: Optional[str] = values.get("prompt_text")
        self.dropped: List[Dict[str, Any]] = values.get("dropped", [])
        self.gaps: List[str] = values.get("gaps", [])
        self.timings: Dict[str, Any] = values.get("timings", {})
        self.problem_count: int = values.get("problem_count", 0)
        self.verification: Optional[Dict[str, List[str]]] = values.get("verification")
        self._json: Optional[str] = values.get("json")

    @property
    def ok(self) -> bool:
        """True when the model answered completely."""
        return self.llm_error is None and self.llm_status == "ok"

    def to_dict(self) -> Dict[str, Any]:
        """The whole answer as the library's JSON object (the service's /diagnose body)."""
        return json.loads(self._json) if self._json else {}

    def __str__(self) -> str:
        return self.text or ""

    def __repr__(self) -> str:
        return "Result(model=%r, findings=%d, llm_status=%r, text=%r)" % (
            self.model, len(self.findings), self.llm_status,
            (self.text[:40] + "...") if self.text and len(self.text) > 40 else self.text)


def result_from_answer(c: Any, answer: Any) -> Result:
    """Copy everything out of a k8sa_answer (borrowed or owned) into a :class:`Result`."""
    findings_json = c.k8sa_answer_findings_json(answer)
    ns = json.loads(findings_json).get("namespace") if findings_json else None
    status = c.k8sa_answer_llm_status(answer)
    return Result({
        "text": c.k8sa_answer_text(answer),
        "model": c.k8sa_answer_model(answer),
        "llm_status": c.k8sa_strerror(status),
        "llm_error": c.k8sa_answer_llm_error(answer) if status != 0 else None,
        "namespace": ns,
        "findings": findings_from_json(findings_json),
        "context": c.k8sa_answer_context(answer),
        "messages": _json(c.k8sa_answer_messages_json(answer), []),
        "prompt_text": c.k8sa_answer_prompt_text(answer),
        "dropped": _json(c.k8sa_answer_dropped_json(answer), []),
        "gaps": _json(c.k8sa_answer_gaps_json(answer), []),
        "timings": _json(c.k8sa_answer_timings_json(answer), {}),
        "problem_count": c.k8sa_answer_problem_count(answer),
        "verification": _json(c.k8sa_answer_verification_json(answer), None),
        "json": c.k8sa_answer_to_json(answer),
    })
