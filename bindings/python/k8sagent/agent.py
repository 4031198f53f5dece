# SPDX-License-Identifier: MIT
"""The agent: snapshot, analyze, ask and diagnose, blocking or streaming."""
from __future__ import annotations

import codecs
import json
import os
import threading
import weakref
from typing import Any, Dict, Iterator, List, Optional, Union

import k8sagent_c as _c  # type: ignore  # the SWIG module has no type information

from ._handle import Closing
from .errors import Cancelled, Error, no_model_answer
from .results import Finding, Result, findings_from_json, result_from_answer

__all__ = ["Agent", "AnswerStream"]

PathLike = Union[str, "os.PathLike[str]"]


class Agent:
    """A read-only diagnosis agent over one cluster and one LLM server.

    ``kubeconfig`` / ``context``: as ``--kubeconfig`` / ``--context`` (None: the default
    precedence: in-cluster, ``$KUBECONFIG``, ``~/.kube/config``). The Kubernetes
    configuration is loaded now when either is given (a bad one raises
    :class:`~k8sagent.ConfigError` at once), otherwise on the first call that needs the
    cluster, so an agent that only ``ask``s needs no cluster at all.

    ``llm_url`` (None: ``$K8SA_LLM_URL``, ``$OLLAMA_HOST`` or http://localhost:11434),
    ``backend`` ("ollama" or "openai"), ``model``, ``context_tokens`` (the model's context
    window; the prompt is fitted to it), ``answer_tokens``, ``timeout`` (seconds, for a
    whole LLM answer and for each Kubernetes request), ``prompt_dir`` (prompt overrides
    ``ask.md`` / ``diagnose.md``), ``api_key`` (bearer key of OpenAI-compatible servers).
    A bad value raises :class:`~k8sagent.InvalidArgument` with the library's message
    (e.g. "context tokens must be from 512 to 16777216, got 100").

    Use it as a context manager, or call :meth:`close`; the garbage collector frees it
    otherwise. Calls on one agent are serialised by a lock; use one agent per thread for
    parallel work (they are cheap).
    """

    def __init__(self, kubeconfig: Optional[PathLike] = None, context: Optional[str] = None,
                 llm_url: Optional[str] = None, backend: Optional[str] = "ollama",
                 model: Optional[str] = "mistral", context_tokens: Optional[int] = None,
                 timeout: Optional[float] = None, prompt_dir: Optional[PathLike] = None,
                 answer_tokens: Optional[int] = None, api_key: Optional[str] = None) -> None:
        self._lock = threading.RLock()
        self._streams: "weakref.WeakSet[AnswerStream]" = weakref.WeakSet()
        self._kube_ready = False
        self._kubeconfig = kubeconfig
        self._context = context
        self._h: Any = _c.k8sa_agent_new()
        h = self._h
        if llm_url is not None:
            _c.k8sa_agent_set_llm_url(h, llm_url)
        if backend is not None:
            _c.k8sa_agent_set_backend(h, backend)
        if model is not None:
            _c.k8sa_agent_set_model(h, model)
        if api_key is not None:
            _c.k8sa_agent_set_api_key(h, api_key)
        if context_tokens is not None:
            _c.k8sa_agent_set_context_tokens(h, int(context_tokens))
        if answer_tokens is not None:
            _c.k8sa_agent_set_answer_tokens(h, int(answer_tokens))
        if timeout is not None:
            _c.k8sa_agent_set_timeout(h, float(timeout))
            _c.k8sa_agent_set_kube_timeout(h, float(timeout))
        if prompt_dir is not None:
            _c.k8sa_agent_set_prompt_dir(h, os.fspath(prompt_dir))
        if kubeconfig is not None or context is not None:
            self._load_kube()

    # -- lifetime ------------------------------------------------------------------------

    def close(self) -> None:
        """Free the agent and its connections (open streams are closed first). Idempotent."""
        with self._lock:
            for s in list(self._streams):
                s.close()
            if self._h is not None:
                _c.k8sa_agent_free(self._h)
                self._h = None

    def __enter__(self) -> "Agent":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _agent(self) -> Any:
        if self._h is None:
            raise ValueError("the agent is closed")
        return self._h

    def _load_kube(self) -> None:
        """Load the Kubernetes configuration into the agent once (the agent's calls use it)."""
        if self._kube_ready:
            return
        path = None if self._kubeconfig is None else os.fspath(self._kubeconfig)
        _c.k8sa_agent_load_kubeconfig(self._agent(), path, self._context)
        self._kube_ready = True

    @staticmethod
    def _ns(namespace: Optional[str], all_namespaces: bool = False) -> Optional[str]:
        """The namespace argument of the C calls: "*" for all, None for the default."""
        return "*" if all_namespaces else namespace

    @property
    def namespace(self) -> str:
        """The default namespace (the kubeconfig context's, or the pod's own in-cluster)."""
        with self._lock:
            self._load_kube()
            return str(_c.k8sa_agent_namespace(self._agent()) or "default")

    # -- cluster, no model ---------------------------------------------------------------

    def snapshot(self, namespace: Optional[str] = None,
                 all_namespaces: bool = False) -> Dict[str, Any]:
        """Everything diagnose reads from a namespace, as a dict (the snapshot JSON)."""
        with self._lock:
            self._load_kube()
            snap = _c.k8sa_agent_snapshot(self._agent(), self._ns(namespace, all_namespaces))
            try:
                data: Dict[str, Any] = json.loads(_c.k8sa_snapshot_to_json(snap))
                return data
            finally:
                _c.k8sa_snapshot_free(snap)

    def analyze(self, namespace: Optional[str] = None, all_namespaces: bool = False,
                as_dict: bool = False) -> Union[List[Finding], List[Dict[str, Any]]]:
        """Deterministic findings of a namespace (no model): a list of
        :class:`~k8sagent.Finding`, root causes first (dicts with ``as_dict=True``)."""
        with self._lock:
            self._load_kube()
            findings = _c.k8sa_agent_analyze(self._agent(), self._ns(namespace, all_namespaces))
            try:
                text: str = _c.k8sa_findings_to_json(findings)
            finally:
                _c.k8sa_findings_free(findings)
        if as_dict:
            found: List[Dict[str, Any]] = json.loads(text)["findings"]
            return found
        return findings_from_json(text)

    # -- with the model ------------------------------------------------------------------

    def ask(self, question: str) -> Result:
        """Ask the model a question (no cluster): a :class:`~k8sagent.Result`. Raises when
        the model fails (TransportError, ModelNotFound, LlmError, TimeoutError...)."""
        with self._lock:
            answer = _c.k8sa_agent_ask(self._agent(), question)
            try:
                return result_from_answer(_c, answer)
            finally:
                _c.k8sa_answer_free(answer)

    def diagnose(self, namespace: Optional[str] = None, question: Optional[str] = None,
                 call_model: bool = True) -> Result:
        """Diagnose a namespace: a :class:`~k8sagent.Result` with the findings, the exact
        context and, when a model answered, its text. A model failure does not raise: the
        findings come back with ``llm_status`` / ``llm_error`` set. ``call_model=False``
        stops after the prompt (``--print-prompt``)."""
        with self._lock:
            self._load_kube()
            answer = _c.k8sa_agent_diagnose(self._agent(), self._ns(namespace), question,
                                            1 if call_model else 0)
            try:
                return result_from_answer(_c, answer)
            finally:
                _c.k8sa_answer_free(answer)

    def ask_stream(self, question: str) -> "AnswerStream":
        """Stream the model's answer to a question: an :class:`AnswerStream` of str chunks."""
        with self._lock:
            return self._stream(_c.k8sa_agent_ask_start(self._agent(), question))

    def diagnose_stream(self, namespace: Optional[str] = None,
                        question: Optional[str] = None) -> "AnswerStream":
        """Diagnose with the answer streamed: an :class:`AnswerStream`; its ``findings`` and
        ``context`` are there before the first chunk."""
        with self._lock:
            self._load_kube()
            return self._stream(_c.k8sa_agent_diagnose_start(self._agent(), self._ns(namespace),
                                                             question))

    def investigate(self, namespace: Optional[str] = None, question: Optional[str] = None,
                    **options: Any) -> Union["Session", "Investigation"]:
        """Investigate a namespace with read-only tools: an iterator of event dicts
        (:class:`~k8sagent.Investigation`) whose ``session`` takes follow-ups::

            inv = agent.investigate("shop", "why do checkouts fail?")
            for ev in inv:
                ...
            print(inv.result["answer"])
            more = inv.session.ask("and how do I fix it?")

        ``options``: ``max_steps``, ``time_limit``, ``result_tokens``, ``protocol``
        (see :class:`~k8sagent.Session`). Without ``question`` the session alone is returned.
        """
        session = Session(self, namespace, **options)
        if question is None:
            return session
        return session.ask(question)

    def _stream(self, handle: Any) -> "AnswerStream":
        s = AnswerStream(self, handle)
        self._streams.add(s)
        return s


class AnswerStream(Closing, Iterator[str]):
    """Iterator over the chunks (str) of a streamed answer (the agent's answer stream, the C
    ``k8sa_answer_stream``).

    After the iteration ends, :attr:`result` holds the whole :class:`~k8sagent.Result`
    (also when an error ended it: the error is raised, the partial answer kept). When the
    model fails (no server, model not pulled, a model error, a timeout) the error raised is a
    :class:`~k8sagent.NoModelAnswer`, which is also of the underlying error's class and
    carries the findings in ``result``.
    :meth:`cancel` may be called from any thread: the iteration then ends quietly and
    ``result.llm_status`` is "cancelled". :meth:`close` (or the ``with`` block) frees the
    stream; call it from the iterating thread.
    """

    def __init__(self, agent: Agent, handle: Any) -> None:
        self._agent = agent       # the C stream uses the agent's clients: keep it alive
        self._h: Any = handle
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._cancelled = False
        self.result: Optional[Result] = None

    def __iter__(self) -> "AnswerStream":
        return self

    def __next__(self) -> str:
        while True:
            if self._h is None or self.result is not None:
                raise StopIteration
            try:
                chunk: Optional[bytes] = _c.k8sa_answer_stream_next(self._h)
            except Cancelled:
                self._finish()
                if self._cancelled:
                    raise StopIteration from None
                raise
            except Error as e:
                # The findings were taken when the stream started: what fails now is the
                # model. One exception to catch for "no model answered" (CLI exit 3).
                self._finish()
                raise no_model_answer(e, self.result) from e
            except Exception:
                self._finish()
                raise
            if chunk is None:
                tail = self._decoder.decode(b"", final=True)
                self._finish()
                if tail:
                    return tail
                raise StopIteration
            text = self._decoder.decode(chunk)
            if text:
                return text

    def _finish(self) -> None:
        if self.result is None and self._h is not None:
            self.result = result_from_answer(_c, _c.k8sa_answer_stream_answer(self._h))

    def _answer_now(self) -> Result:
        if self.result is not None:
            return self.result
        if self._h is None:
            raise ValueError("the stream is closed")
        return result_from_answer(_c, _c.k8sa_answer_stream_answer(self._h))

    @property
    def findings(self) -> List[Finding]:
        """The deterministic findings (diagnose), available before the first chunk."""
        return self._answer_now().findings

    @property
    def context(self) -> Optional[str]:
        """The exact context the model sees (diagnose), available before the first chunk."""
        return self._answer_now().context

    def text(self) -> str:
        """Drain the stream and return the whole answer text."""
        return "".join(self)

    def cancel(self) -> None:
        """Abort the stream, also a next() blocked in another thread. Thread-safe."""
        h = self._h
        if h is not None:
            self._cancelled = True
            _c.k8sa_answer_stream_cancel(h)

    @property
    def cancelled(self) -> bool:
        """True after :meth:`cancel`."""
        return self._cancelled

    def close(self) -> None:
        """Free the stream (cancelling it if still running). Idempotent."""
        if self._h is not None:
            self._finish()
            h, self._h = self._h, None
            _c.k8sa_answer_stream_free(h)


# Last: investigate.py uses Agent (a cycle Python resolves because Agent exists by now).
from .investigate import Investigation, Session  # noqa: E402
