# SPDX-License-Identifier: MIT
"""libk8sagent for Python: a read-only, cluster-aware Kubernetes diagnosis agent.

    import k8sagent
    with k8sagent.Agent(kubeconfig="~/.kube/config", model="mistral") as agent:
        for f in agent.analyze("shop"):
            print(f.severity, f.code, f.name, f.summary)
        result = agent.diagnose("shop", "why is checkout failing?")
        print(result.text or result.llm_error)

The low-level SWIG module is ``k8sagent_c`` (one function per C function, ``k8sa_`` names);
this package is the supported interface. Library errors are :class:`k8sagent.Error`
subclasses (see :mod:`k8sagent.errors`).
"""
from __future__ import annotations

from typing import Union

import k8sagent_c as lowlevel  # type: ignore  # the SWIG module has no type information

from .errors import *  # noqa: F401,F403
from .errors import __all__ as _errors_all
from .errors import error_class
from .results import Finding, Result
from .agent import Agent, AnswerStream
from .investigate import Session, Investigation, tool_definitions, classify_kubectl

__version__: str = lowlevel.k8sa_version()
version_num: int = lowlevel.k8sa_version_num()

__all__ = ["Agent", "AnswerStream", "Session", "Investigation", "tool_definitions",
           "classify_kubectl", "Finding", "Result", "redact", "env_name_is_secret",
           "namespace_is_valid", "strerror", "error_class", "lowlevel", "__version__",
           "version_num"] + list(_errors_all)


def redact(text: Union[str, bytes]) -> str:
    """Text with secrets (tokens, passwords, keys, JWTs, connection strings) replaced by
    ``[REDACTED:<kind>]`` markers: the scrubbing applied to everything bound for the model.
    Accepts str or bytes; returns str."""
    out: str = lowlevel.k8sa_redact(text)
    return out


def env_name_is_secret(name: str) -> bool:
    """Whether an environment variable's name says its value is secret."""
    return bool(lowlevel.k8sa_env_name_is_secret(name))


def namespace_is_valid(ns: str) -> bool:
    """Whether ``ns`` is a valid namespace name (a DNS-1123 label)."""
    return bool(lowlevel.k8sa_namespace_is_valid(ns))


def strerror(code: int) -> str:
    """Name of a k8sa_status code ("forbidden", "timeout"...)."""
    name: str = lowlevel.k8sa_strerror(code)
    return name
