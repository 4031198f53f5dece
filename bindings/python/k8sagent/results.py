# SPDX-License-Identifier: MIT
"""Plain Python values built from the library's JSON outputs: findings and answers.

Nothing here holds a C pointer: a Result or Finding stays valid after the agent is closed.
"""
import json

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

    def __init__(self, data):
        self._raw = dict(data)
        for f in _FINDING_FIELDS:
            default = [] if f in ("members", "evidence", "commands") else (
                False if f == "root_cause" else "")
            setattr(self, f, data.get(f, default))

    @property
    def is_problem(self):
        """True for warning and critical findings."""
        return self.severity in ("warning", "critical")

    def to_dict(self):
        """The finding as the library's JSON object (a new dict)."""
        d = dict(self._raw)
        for f in _FINDING_FIELDS:
            d[f] = getattr(self, f)
        return d

    def __getitem__(self, key):
        return self.to_dict()[key]

    def __eq__(self, other):
        return isinstance(other, Finding) and self.to_dict() == other.to_dict()

    def __hash__(self):
        return hash((self.code, self.kind, self.namespace, self.name, self.container))

    def __repr__(self):
        return "Finding(%s %s %s/%s%s)" % (self.severity, self.code, self.kind, self.name,
                                          " root-cause" if self.root_cause else "")


def findings_from_json(text):
    """List of :class:`Finding` from ``{"namespace":..., "findings":[...]}`` (or None)."""
    if not text:
        return []
    return [Finding(f) for f in json.loads(text).get("findings", [])]


def _json(text, default):
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

    def __init__(self, values):
        self.text = values.get("text")
        self.model = values.get("model")
        self.llm_status = values.get("llm_status", "ok")
        self.llm_error = values.get("llm_error")
        self.namespace = values.get("namespace")
        self.findings = values.get("findings", [])
        self.context = values.get("context")
        self.messages = values.get("messages", [])
        self.prompt_text = values.get("prompt_text")
        self.dropped = values.get("dropped", [])
        self.gaps = values.get("gaps", [])
        self.timings = values.get("timings", {})
        self.problem_count = values.get("problem_count", 0)
        self.verification = values.get("verification")
        self._json = values.get("json")

    @property
    def ok(self):
        """True when the model answered completely."""
        return self.llm_error is None and self.llm_status == "ok"

    def to_dict(self):
        """The whole answer as the library's JSON object (the service's /diagnose body)."""
        return json.loads(self._json) if self._json else {}

    def __str__(self):
        return self.text or ""

    def __repr__(self):
        return "Result(model=%r, findings=%d, llm_status=%r, text=%r)" % (
            self.model, len(self.findings), self.llm_status,
            (self.text[:40] + "...") if self.text and len(self.text) > 40 else self.text)


def result_from_answer(c, answer):
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
