"""Anonymous actions on a multi-service booking: its token, Get and Cancel with only that
token. The token works like a booking's (:mod:`.anonymous`: signed, site-bound, 90 days,
revoked by rotating ``BOOKINGS_SECRET``) but is of another kind: it opens this package and
nothing else. What the package allows is the strictest of its children."""

from __future__ import annotations

from typing import Any

from bookings.booking import packages
from bookings.booking.documents import booking_wire
from bookings.booking.models import multi_service_bookings as _p
from bookings.booking.service.anonymous import (
    ANONYMOUS_VISITOR,
    PACKAGE_TOKEN,
    cannot_cancel,
    invalid_token,
    issue_token,
    open_token,
)
from bookings.booking.service.multi_common import children_of
from bookings.booking.service.multi_queries import package_actions
from bookings.booking.service.multi_status import cancel_package
from bookings.platform import errors
from bookings.platform.auth import Identity, Role
from bookings.platform.db import Database, utcnow
from bookings.platform.signing import Signer


async def get_anonymous_action_token_for_multi_service_booking(
    db: Database, signer: Signer, caller: Identity, package_id: str
) -> dict[str, Any]:
    async with db.read(caller.site_id) as scope:
        found = await scope.one_or_none(scope.select(_p, _p.c.id).where(_p.c.id == package_id))
        if found is None:
            raise packages.not_found(package_id)
    return {"token": issue_token(signer, caller.site_id, package_id, utcnow(), PACKAGE_TOKEN)}


async def get_multi_service_booking_anonymously(
    db: Database, signer: Signer, token: str
) -> dict[str, Any]:
    site_id, package_id = open_token(signer, token, utcnow(), PACKAGE_TOKEN)
    async with db.read(site_id) as scope:
        rows = await children_of(scope, package_id)
        if not rows:
            raise invalid_token()
        actions = await package_actions(scope, rows)
    return {
        "multiServiceBooking": packages.package_wire(
            package_id, [booking_wire(r) for r in rows], True
        ),
        "allowedAnonymousActions": actions,
    }


async def cancel_multi_service_booking_anonymously(
    db: Database, signer: Signer, token: str
) -> dict[str, Any]:
    """Cancel every child as the customer: only when each child's cancellation policy allows
    it now (428 ``BOOKING_CANNOT_BE_CANCELLED`` otherwise, and nothing changes)."""
    site_id, package_id = open_token(signer, token, utcnow(), PACKAGE_TOKEN)
    anonymous = Identity(site_id, Role.VISITOR, ANONYMOUS_VISITOR)
    try:
        return await cancel_package(
            db, anonymous, package_id, None, {}, True, customer_refusal=cannot_cancel
        )
    except errors.ApplicationError as exc:
        if exc.code == "MULTI_SERVICE_BOOKING_NOT_FOUND":
            raise invalid_token() from None
        raise
