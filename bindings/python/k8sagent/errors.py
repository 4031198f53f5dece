# SPDX-License-Identifier: MIT
"""Exceptions raised by libk8sagent calls, one class per k8sa_status.

Every exception is a :class:`Error` carrying the library's ``code`` (the k8sa_status
number), ``name`` (k8sa_strerror()), ``message`` (the C message: the file, field, resource
or server message involved), ``http_status`` (0 when none) and ``retry_after`` (seconds, 0
when none). Classes also derive from the closest built-in exception where one fits, so
``except ConnectionError`` or ``except ValueError`` work too.

The codes are append-only in the C library; an unknown code (a newer library) raises the
base :class:`Error`.
"""
from __future__ import annotations

import builtins
from typing import Dict, Optional, Type

__all__ = [
    "Error", "InvalidArgument", "NoMemory", "ConfigError", "FileError", "TransportError",
    "TLSError", "TimeoutError", "ApiError", "BadRequest", "Unauthorized", "Forbidden",
    "NotFound", "NotFoundError", "Gone", "TooManyRequests", "ServerError", "HttpError", "ProtocolError",
    "ReadOnlyViolation", "LlmError", "ModelNotFound", "Cancelled", "LimitExceeded",
    "Unsupported", "InternalError", "NoModelAnswer",
]


class Error(Exception):
    """Base class of every libk8sagent error."""

    def __init__(self, message: str, code: Optional[int] = None, name: Optional[str] = None,
                 http_status: int = 0, retry_after: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.name = name
        self.http_status = http_status
        self.retry_after = retry_after

    def __str__(self) -> str:
        return self.message


class InvalidArgument(Error, ValueError):
    """K8SA_E_INVALID_ARG: a NULL or out-of-range argument (e.g. a bad namespace name)."""


class NoMemory(Error, MemoryError):
    """K8SA_E_NOMEM."""


class ConfigError(Error):
    """K8SA_E_CONFIG: bad or missing configuration (kubeconfig, in-cluster files, settings)."""


class FileError(Error, OSError):
    """K8SA_E_IO: a local file could not be read or written."""


class TransportError(Error, ConnectionError):
    """K8SA_E_TRANSPORT: connection refused or reset, DNS, other transport failures."""


class TLSError(TransportError):
    """K8SA_E_TLS: TLS handshake or certificate verification failed."""


class TimeoutError(Error, builtins.TimeoutError):  # noqa: A001 (k8sagent.TimeoutError)
    """K8SA_E_TIMEOUT: an operation took longer than its timeout."""


class ApiError(Error):
    """An HTTP error answer; ``http_status`` holds the status."""


class BadRequest(ApiError):
    """K8SA_E_BAD_REQUEST (400)."""


class Unauthorized(ApiError):
    """K8SA_E_UNAUTHORIZED (401): token missing, expired or rotated."""


class Forbidden(ApiError):
    """K8SA_E_FORBIDDEN (403): RBAC denied the request; the message is the server's."""


class NotFound(ApiError):
    """K8SA_E_NOT_FOUND (404): also a namespace that does not exist ("namespace shpo not
    found"), so a typo never reads as a healthy, empty namespace."""


#: The name the documentation uses: ``except k8sagent.NotFoundError``.
NotFoundError = NotFound


class Gone(ApiError):
    """K8SA_E_GONE (410): a list continue token expired."""


class TooManyRequests(ApiError):
    """K8SA_E_TOO_MANY_REQUESTS (429); see ``retry_after``."""


class ServerError(ApiError):
    """K8SA_E_SERVER (5xx)."""


class HttpError(ApiError):
    """K8SA_E_HTTP: another unexpected HTTP status."""


class ProtocolError(Error):
    """K8SA_E_PROTOCOL: a malformed or truncated response body."""


class ReadOnlyViolation(Error):
    """K8SA_E_READ_ONLY: the request would not be a read (or would read Secrets)."""


class LlmError(Error):
    """K8SA_E_LLM: the LLM server reported an error."""


class ModelNotFound(LlmError):
    """K8SA_E_MODEL_NOT_FOUND: the LLM server does not have the requested model."""


class Cancelled(Error):
    """K8SA_E_CANCELLED: cancelled by the caller."""


class LimitExceeded(Error):
    """K8SA_E_LIMIT: a configured bound was exceeded."""


class Unsupported(Error):
    """K8SA_E_UNSUPPORTED: not supported by this build or server."""


class InternalError(Error):
    """K8SA_E_INTERNAL: a bug in the library; please report it."""


# k8sa_status number -> class (common.h; append-only there, so append-only here).
class NoModelAnswer(Error):
    """No model answered a streamed ``diagnose`` or ``ask`` (server down, model not pulled,
    model error, timeout): the same case as the CLI's exit status 3. The findings were
    computed: ``result`` holds the partial :class:`~k8sagent.Result` (findings, context,
    ``llm_error``). The exception is also an instance of the class of the underlying error
    (``TransportError``, ``ModelNotFound``, ``TimeoutError``...), which is ``cause``::

        try:
            for chunk in agent.diagnose_stream("shop"):
                print(chunk, end="")
        except k8sagent.NoModelAnswer as e:
            print("no model answered:", e.cause)
            for f in e.result.findings:
                print(f.code, f.name)
    """

    cause: Optional[Error] = None
    result: Optional[object] = None


_NO_MODEL_CLASSES: Dict[Type[Error], Type[NoModelAnswer]] = {}


def no_model_answer(cause: Error, result: object) -> NoModelAnswer:
    """A :class:`NoModelAnswer` that is also of ``cause``'s class."""
    base = type(cause)
    cls = _NO_MODEL_CLASSES.get(base)
    if cls is None:
        cls = type("NoModelAnswer", (NoModelAnswer, base), {"__module__": __name__}) \
            if base is not NoModelAnswer else NoModelAnswer
        _NO_MODEL_CLASSES[base] = cls
    e = cls("no model answered: " + cause.message, cause.code, cause.name, cause.http_status,
            cause.retry_after)
    e.cause = cause
    e.result = result
    return e


_BY_CODE: Dict[int, Type[Error]] = {
    1: InvalidArgument, 2: NoMemory, 3: ConfigError, 4: FileError, 5: TransportError,
    6: TLSError, 7: TimeoutError, 8: BadRequest, 9: Unauthorized, 10: Forbidden,
    11: NotFound, 12: Gone, 13: TooManyRequests, 14: ServerError, 15: HttpError,
    16: ProtocolError, 17: ReadOnlyViolation, 18: LlmError, 19: ModelNotFound,
    20: Cancelled, 21: LimitExceeded, 22: Unsupported, 23: InternalError,
}


def error_class(code: int) -> Type[Error]:
    """The exception class for a k8sa_status number (:class:`Error` when unknown)."""
    return _BY_CODE.get(code, Error)


def _from_status(code: int, name: str, http_status: int, retry_after: int, message: str) -> Error:
    """Called by the C wrapper to build the exception of a failed call."""
    return error_class(code)(message, code=code, name=name, http_status=http_status,
                             retry_after=retry_after)
