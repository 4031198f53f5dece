# SPDX-License-Identifier: MIT
"""The lifetime shared by the classes that own one C handle and free it in close()
(:class:`~k8sagent.AnswerStream`, :class:`~k8sagent.Session`)."""
from __future__ import annotations

from typing import TypeVar

__all__ = ["Closing"]

_T = TypeVar("_T", bound="Closing")


class Closing:
    """A ``with`` block calls :meth:`close` on leaving; so does the garbage collector (its
    errors ignored). A subclass defines ``close()``, idempotent."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self: _T) -> _T:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass
