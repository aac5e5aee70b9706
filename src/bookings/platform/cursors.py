"""The one paging-cursor codec: a signed, versioned envelope bound to a scope.

Every cursor this server hands out (Wix queries, time-slot lists, the domain-event feed) is
``Signer.sign({"v": version, "k": kind, "s": scope, "b": body})``:

* ``kind`` names the API family that issued it (``query``, ``time-slots``, ``events``), so a
  cursor of one API is refused by another;
* ``scope`` binds it to whom it was issued for (the site, and where it matters the API and the
  caller), so a cursor is useless on another site or to another member;
* ``body`` is whatever position the issuer needs to resume.

A cursor that was not signed here, or was altered, is :class:`CursorRejected` with
``foreign=False``; a genuine cursor of another kind, scope or version with ``foreign=True``.
The issuer turns either into its 400 on its cursor field.
"""

from __future__ import annotations

from typing import Any

from bookings.platform.signing import Signer


class CursorRejected(ValueError):
    """A cursor that cannot be resumed here; ``foreign``: genuine, but issued for something
    else (another API, site, caller or version)."""

    def __init__(self, message: str, *, foreign: bool) -> None:
        super().__init__(message)
        self.foreign = foreign


class CursorCodec:
    """Seals and opens the cursors of one API family (``kind``) at one ``version``."""

    def __init__(self, kind: str, version: int = 1) -> None:
        self.kind = kind
        self.version = version

    def seal(self, signer: Signer, scope: str, body: Any) -> str:
        return signer.sign({"v": self.version, "k": self.kind, "s": scope, "b": body})

    def open(self, signer: Signer, scope: str, token: str) -> Any:
        """The body of a cursor sealed by :meth:`seal` for ``scope`` (else
        :class:`CursorRejected`)."""
        try:
            payload = signer.verify(token)
        except Exception:
            raise CursorRejected("not a cursor of this server", foreign=False) from None
        if (
            not isinstance(payload, dict)
            or payload.get("v") != self.version
            or payload.get("k") != self.kind
            or payload.get("s") != scope
            or "b" not in payload
        ):
            raise CursorRejected("a cursor of another request", foreign=True)
        return payload["b"]
