"""Signed paging cursors of the slot lists: the request parameters plus the position.

A cursor is bound to the site and to the API (``kind``); a changed, foreign or garbled one
is a 400 on ``cursorPaging.cursor``.
"""

from __future__ import annotations

from typing import Any

from bookings.platform import errors
from bookings.platform.signing import Signer

VERSION = 1
FIELD = "cursorPaging.cursor"


def encode(signer: Signer, site_id: str, kind: str, params: dict[str, Any], position: Any) -> str:
    return signer.sign({"v": VERSION, "s": site_id, "k": kind, "q": params, "p": position})


def decode(signer: Signer, site_id: str, kind: str, token: str) -> tuple[dict[str, Any], Any]:
    try:
        payload = signer.verify(token)
    except Exception:
        raise errors.invalid_field(FIELD, "is not a valid cursor", errors.FORMAT) from None
    if (
        not isinstance(payload, dict)
        or payload.get("v") != VERSION
        or payload.get("s") != site_id
        or payload.get("k") != kind
        or not isinstance(payload.get("q"), dict)
    ):
        raise errors.invalid_field(FIELD, "is not a cursor of this request", errors.FORMAT)
    return payload["q"], payload.get("p")


def bad_cursor() -> errors.InvalidRequest:
    return errors.invalid_field(FIELD, "is not a valid cursor for this request", errors.FORMAT)
