"""Anonymous actions: what a customer may do with a booking holding only its action token
(the link in a confirmation e-mail), without any credential.

A token is a capability for one booking of one site: ``Signer.sign`` (HMAC-SHA256 with the
deployment's secret, URL-safe) over ``{kind, site, booking, issued}``. It names the booking and
its site, so it is resolved without a credential, and it cannot be forged or altered. It lives
:data:`TOKEN_LIFETIME` from when it was issued; every token of a deployment is revoked at once
by rotating ``BOOKINGS_SECRET`` (which also voids paging cursors). A token that was not signed
here, is altered or truncated, has expired, or names a booking that no longer exists answers
401 ``INVALID_TOKEN`` and says nothing about any booking.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bookings.booking.schemas import ParticipantNotification, RescheduleBookingRequest, V2Slot
from bookings.booking.service.common import _row, booking_not_found
from bookings.booking.service.lifecycle import _cancel
from bookings.booking.service.queries import allowed_actions_of
from bookings.booking.service.reschedule import reschedule_booking
from bookings.booking.views import BookingView
from bookings.catalog.services import service as catalog
from bookings.platform import errors
from bookings.platform.auth import Identity, Role
from bookings.platform.db import Database, utcnow
from bookings.platform.signing import Signer

#: How long a token opens its booking after it was issued.
TOKEN_LIFETIME = timedelta(days=90)
BOOKING_TOKEN = "anonymous-booking"
#: The kind of a multi-service booking's token: a booking's token opens no package, and a
#: package's token opens no booking.
PACKAGE_TOKEN = "anonymous-multi-service-booking"
_VERSION = 1
#: Who an anonymous action is initiated by (``initiatedBy.anonymousVisitorId``).
ANONYMOUS_VISITOR = "00000000-0000-0000-0000-000000000000"


def invalid_token() -> errors.ApplicationError:
    """401 ``INVALID_TOKEN``: the same answer whatever is wrong with the token."""
    return errors.ApplicationError(
        "INVALID_TOKEN", "The token is not a valid action token", http_status=401
    )


def issue_token(
    signer: Signer, site_id: str, booking_id: str, now: datetime, kind: str = BOOKING_TOKEN
) -> str:
    payload = {
        "v": _VERSION,
        "k": kind,
        "s": site_id,
        "b": booking_id,
        "i": int(now.timestamp()),
    }
    return signer.sign(payload)


def open_token(
    signer: Signer, token: str, now: datetime, kind: str = BOOKING_TOKEN
) -> tuple[str, str]:
    """The ``(site_id, booking_id)`` a token of ``kind`` opens (else 401 ``INVALID_TOKEN``)."""
    if not 32 <= len(token) <= 2048:
        raise invalid_token()
    try:
        payload = signer.verify(token)
    except Exception:
        raise invalid_token() from None
    if not isinstance(payload, dict) or payload.get("v") != _VERSION or payload.get("k") != kind:
        raise invalid_token()
    site_id, booking_id, issued = payload.get("s"), payload.get("b"), payload.get("i")
    if not (isinstance(site_id, str) and isinstance(booking_id, str) and isinstance(issued, int)):
        raise invalid_token()
    if now.timestamp() >= issued + TOKEN_LIFETIME.total_seconds():
        raise invalid_token()
    return site_id, booking_id


async def get_anonymous_action_token(
    db: Database, signer: Signer, caller: Identity, booking_id: str
) -> dict[str, Any]:
    async with db.read(caller.site_id) as scope:
        if await _row(scope, booking_id) is None:
            raise booking_not_found(booking_id)
    return {"token": issue_token(signer, caller.site_id, booking_id, utcnow())}


async def get_booking_anonymously(db: Database, signer: Signer, token: str) -> dict[str, Any]:
    now = utcnow()
    site_id, booking_id = open_token(signer, token, now)
    async with db.read(site_id) as scope:
        row = await _row(scope, booking_id)
        if row is None:
            raise invalid_token()
        booking = BookingView.of_row(row)
        actions = await allowed_actions_of(scope, [booking], now)
    return {"booking": booking.wire, "allowedAnonymousActions": actions[booking.id]}


def cannot_cancel() -> errors.ApplicationError:
    return errors.failed_precondition(
        "BOOKING_CANNOT_BE_CANCELLED",
        "The booking's cancellation policy does not allow cancelling it now",
    )


async def cancel_booking_anonymously(
    db: Database, signer: Signer, token: str, revision: int | None
) -> dict[str, Any]:
    """Cancel as the customer: only inside the booking's cancellation policy."""
    site_id, booking_id = open_token(signer, token, utcnow())
    anonymous = Identity(site_id, Role.VISITOR, ANONYMOUS_VISITOR)
    try:
        booking = await _cancel(
            db, anonymous, booking_id, revision, None, {}, customer_refusal=cannot_cancel
        )
    except errors.ApplicationError as exc:
        if exc.code == "BOOKING_NOT_FOUND":
            raise invalid_token() from None
        raise
    return {"booking": booking}


def _cannot_reschedule() -> errors.ApplicationError:
    return errors.failed_precondition(
        "RESCHEDULING_NOT_ALLOWED",
        "The booking's reschedule policy does not allow rescheduling it now",
    )


async def reschedule_booking_anonymously(
    db: Database, signer: Signer, token: str, slot: V2Slot | None, revision: int | None
) -> dict[str, Any]:
    """Reschedule as the customer: only inside the booking's policies; the participants are
    always notified."""
    site_id, booking_id = open_token(signer, token, utcnow())
    anonymous = Identity(site_id, Role.VISITOR, ANONYMOUS_VISITOR)
    req = RescheduleBookingRequest(
        booking_id=booking_id,
        slot=slot,
        revision=revision,
        participant_notification=ParticipantNotification(notify_participants=True),
    )
    try:
        booking = await reschedule_booking(db, anonymous, req, customer_refusal=_cannot_reschedule)
    except errors.ApplicationError as exc:
        if exc.code == "BOOKING_NOT_FOUND":
            raise invalid_token() from None
        raise
    return booking


async def get_service_anonymously(
    db: Database, signer: Signer, token: str, fields: list[str]
) -> dict[str, Any]:
    site_id, booking_id = open_token(signer, token, utcnow())
    async with db.read(site_id) as scope:
        row = await _row(scope, booking_id)
        if row is None:
            raise invalid_token()
    return {"service": await catalog.get_service(db, site_id, row.service_id, fields)}


__all__ = [
    "TOKEN_LIFETIME",
    "cancel_booking_anonymously",
    "get_anonymous_action_token",
    "get_booking_anonymously",
    "get_service_anonymously",
    "reschedule_booking_anonymously",
]
