# SPDX-License-Identifier: MIT
"""The agent: snapshot, analyze, ask and diagnose, blocking or streaming."""
import codecs
import json
import threading
import weakref

import k8sagent_c as _c

from .errors import Cancelled
from .results import findings_from_json, result_from_answer

__all__ = ["Agent", "AnswerStream"]


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

    Use it as a context manager, or call :meth:`close`; the garbage collector frees it
    otherwise. Calls on one agent are serialised by a lock; use one agent per thread for
    parallel work (they are cheap).
    """

    def __init__(self, kubeconfig=None, context=None, llm_url=None, backend="ollama",
                 model="mistral", context_tokens=None, timeout=None, prompt_dir=None,
                 answer_tokens=None, api_key=None):
        self._lock = threading.RLock()
        self._streams = weakref.WeakSet()
        self._kube = None
        self._kube_ready = False
        self._kubeconfig = kubeconfig
        self._context = context
        self._timeout = timeout
        self._h = _c.k8sa_agent_new()
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
        if prompt_dir is not None:
            _c.k8sa_agent_set_prompt_dir(h, str(prompt_dir))
        if kubeconfig is not None or context is not None:
            self._load_kube()

    # -- lifetime ------------------------------------------------------------------------

    def close(self):
        """Free the agent and its connections (open streams are closed first). Idempotent."""
        with self._lock:
            for s in list(self._streams):
                s.close()
            if self._kube is not None:
                _c.k8sa_kube_free(self._kube)
                self._kube = None
            if self._h is not None:
                _c.k8sa_agent_free(self._h)
                self._h = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _agent(self):
        if self._h is None:
            raise ValueError("the agent is closed")
        return self._h

    def _load_kube(self):
        """The cluster connection, for the agent loops and for snapshot/analyze."""
        if self._kube_ready:
            return
        path = None if self._kubeconfig is None else str(self._kubeconfig)
        _c.k8sa_agent_load_kubeconfig(self._agent(), path, self._context)
        cfg = _c.k8sa_kubeconfig_load_default(path, self._context)
        try:
            kube = _c.k8sa_kube_new(cfg)
        finally:
            _c.k8sa_kubeconfig_free(cfg)
        if self._timeout is not None:
            ms = max(1, int(self._timeout * 1000))
            _c.k8sa_kube_set_timeout_ms(kube, min(ms, 5000), ms)
        self._kube = kube
        self._kube_ready = True

    def _ns(self, namespace):
        if namespace is None:
            return _c.k8sa_agent_namespace(self._agent()) or "default"
        return namespace

    @property
    def namespace(self):
        """The default namespace (the kubeconfig context's, or the pod's own in-cluster)."""
        with self._lock:
            self._load_kube()
            return self._ns(None)

    # -- cluster, no model ---------------------------------------------------------------

    def _snapshot(self, namespace, all_namespaces):
        self._load_kube()
        ns = None if all_namespaces else self._ns(namespace)
        return _c.k8sa_snapshot_take(self._kube, ns, None)

    def snapshot(self, namespace=None, all_namespaces=False):
        """Everything diagnose reads from a namespace, as a dict (the snapshot JSON)."""
        with self._lock:
            snap = self._snapshot(namespace, all_namespaces)
            try:
                return json.loads(_c.k8sa_snapshot_to_json(snap))
            finally:
                _c.k8sa_snapshot_free(snap)

    def analyze(self, namespace=None, all_namespaces=False, as_dict=False):
        """Deterministic findings of a namespace (no model): a list of
        :class:`~k8sagent.Finding`, root causes first (dicts with ``as_dict=True``)."""
        with self._lock:
            snap = self._snapshot(namespace, all_namespaces)
            try:
                findings = _c.k8sa_analyze(snap)
            finally:
                _c.k8sa_snapshot_free(snap)
            try:
                text = _c.k8sa_findings_to_json(findings)
            finally:
                _c.k8sa_findings_free(findings)
        if as_dict:
            return json.loads(text)["findings"]
        return findings_from_json(text)

    # -- with the model ------------------------------------------------------------------

    def ask(self, question):
        """Ask the model a question (no cluster): a :class:`~k8sagent.Result`. Raises when
        the model fails (TransportError, ModelNotFound, LlmError, TimeoutError...)."""
        with self._lock:
            answer = _c.k8sa_agent_ask(self._agent(), question)
            try:
                return result_from_answer(_c, answer)
            finally:
                _c.k8sa_answer_free(answer)

    def diagnose(self, namespace=None, question=None, call_model=True):
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

    def ask_stream(self, question):
        """Stream the model's answer to a question: an :class:`AnswerStream` of str chunks."""
        with self._lock:
            return self._stream(_c.k8sa_agent_ask_start(self._agent(), question))

    def diagnose_stream(self, namespace=None, question=None):
        """Diagnose with the answer streamed: an :class:`AnswerStream`; its ``findings`` and
        ``context`` are there before the first chunk."""
        with self._lock:
            self._load_kube()
            return self._stream(_c.k8sa_agent_diagnose_start(self._agent(), self._ns(namespace),
                                                             question))

    def investigate(self, namespace=None, question=None, **options):
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
        from .investigate import Session
        session = Session(self, namespace, **options)
        if question is None:
            return session
        return session.ask(question)

    def _stream(self, handle):
        s = AnswerStream(self, handle)
        self._streams.add(s)
        return s


class AnswerStream:
    """Iterator over the chunks (str) of a streamed answer.

    After the iteration ends, :attr:`result` holds the whole :class:`~k8sagent.Result`
    (also when an error ended it: the error is raised, the partial answer kept).
    :meth:`cancel` may be called from any thread: the iteration then ends quietly and
    ``result.llm_status`` is "cancelled". :meth:`close` (or the ``with`` block) frees the
    stream; call it from the iterating thread.
    """

    def __init__(self, agent, handle):
        self._agent = agent       # the C stream uses the agent's clients: keep it alive
        self._h = handle
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._cancelled = False
        self.result = None

    def __iter__(self):
        return self

    def __next__(self):
        while True:
            if self._h is None or self.result is not None:
                raise StopIteration
            try:
                chunk = _c.k8sa_answer_stream_next(self._h)
            except Cancelled:
                self._finish()
                if self._cancelled:
                    raise StopIteration from None
                raise
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

    def _finish(self):
        if self.result is None and self._h is not None:
            self.result = result_from_answer(_c, _c.k8sa_answer_stream_answer(self._h))

    def _answer_now(self):
        if self.result is not None:
            return self.result
        if self._h is None:
            raise ValueError("the stream is closed")
        return result_from_answer(_c, _c.k8sa_answer_stream_answer(self._h))

    @property
    def findings(self):
        """The deterministic findings (diagnose), available before the first chunk."""
        return self._answer_now().findings

    @property
    def context(self):
        """The exact context the model sees (diagnose), available before the first chunk."""
        return self._answer_now().context

    def text(self):
        """Drain the stream and return the whole answer text."""
        return "".join(self)

    def cancel(self):
        """Abort the stream, also a next() blocked in another thread. Thread-safe."""
        h = self._h
        if h is not None:
            self._cancelled = True
            _c.k8sa_answer_stream_cancel(h)

    @property
    def cancelled(self):
        """True after :meth:`cancel`."""
        return self._cancelled

    def close(self):
        """Free the stream (cancelling it if still running). Idempotent."""
        if self._h is not None:
            self._finish()
            h, self._h = self._h, None
            _c.k8sa_answer_stream_free(h)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass
