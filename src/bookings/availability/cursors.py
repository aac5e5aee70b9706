"""Paging cursors of the slot lists: the request parameters plus the position, sealed by the
platform's one cursor codec (:mod:`bookings.platform.cursors`).

A cursor is bound to the site and to the API (``kind``); a changed, foreign or garbled one is
a 400 on ``cursorPaging.cursor``.
"""

from __future__ import annotations

from typing import Any

from bookings.platform import errors
from bookings.platform.cursors import CursorCodec, CursorRejected
from bookings.platform.signing import Signer

FIELD = "cursorPaging.cursor"


def encode(signer: Signer, site_id: str, kind: str, params: dict[str, Any], position: Any) -> str:
    return CursorCodec(kind).seal(signer, site_id, {"q": params, "p": position})


def decode(signer: Signer, site_id: str, kind: str, token: str) -> tuple[dict[str, Any], Any]:
    try:
        body = CursorCodec(kind).open(signer, site_id, token)
    except CursorRejected as exc:
        if exc.foreign:
            raise errors.invalid_field(
                FIELD, "is not a cursor of this request", errors.FORMAT
            ) from None
        raise errors.invalid_field(FIELD, "is not a valid cursor", errors.FORMAT) from None
    if not isinstance(body, dict) or not isinstance(body.get("q"), dict):
        raise errors.invalid_field(FIELD, "is not a cursor of this request", errors.FORMAT)
    return body["q"], body.get("p")


def bad_cursor() -> errors.InvalidRequest:
    return errors.invalid_field(FIELD, "is not a valid cursor for this request", errors.FORMAT)
