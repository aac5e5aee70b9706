"""Bookings Reader V2 use-cases: query and count extended bookings.

An extended booking is the wire Booking plus the parts its request's ``with*`` flags ask for:
``allowedActions`` (from the booking's policy snapshot, at the server's now),
``attendance`` (``{status: NOT_SET, numberOfAttendees: 0}`` when nothing is recorded) and
``bookingPolicySettings`` (``cancellationFeeEnabled`` of the snapshot). Conferencing, fees,
eCommerce orders, waivers, transactions and form submissions are not kept by this server: their
flags are accepted and add nothing. Visibility comes from the booking slice: the business sees
the site's bookings, a member or visitor their own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic.alias_generators import to_camel

from bookings.attendance import service as attendance
from bookings.booking import service as bookings
from bookings.booking.service import BookingView
from bookings.platform import errors
from bookings.platform.auth import Identity
from bookings.platform.db import Database, SiteScope, utcnow
from bookings.platform.signing import Signer
from bookings.reader.schemas import ExtendedParts

#: Flags that need a backend permission (eCommerce orders, booking fees).
_BACKEND_PARTS = ("with_ecom_order", "with_booking_fee_details")

NO_ATTENDANCE = {"status": "NOT_SET", "numberOfAttendees": 0}


def _authorize_parts(caller: Identity, parts: ExtendedParts) -> None:
    if caller.is_backend:
        return
    for name in _BACKEND_PARTS:
        if getattr(parts, name):
            raise errors.permission_denied(f"{to_camel(name)} needs an admin or app identity")


async def _extend(
    scope: SiteScope, found: Sequence[BookingView], parts: ExtendedParts, now: datetime
) -> list[dict[str, Any]]:
    ids = [b.id for b in found]
    actions: Mapping[str, Any] = {}
    attended: Mapping[str, Any] = {}
    snapshots: Mapping[str, Any] = {}
    if parts.with_booking_allowed_actions:
        actions = await bookings.allowed_actions_of(scope, found, now)
    if parts.with_booking_attendance_info:
        attended = await attendance.extended_attendance(scope, ids)
    if parts.with_booking_policy_settings:
        snapshots = await bookings.policy_snapshots(scope, ids)
    out = []
    for booking in found:
        item: dict[str, Any] = {"booking": booking.wire}
        if parts.with_booking_allowed_actions:
            item["allowedActions"] = actions[booking.id]
        if parts.with_booking_attendance_info:
            item["attendance"] = dict(attended.get(booking.id) or NO_ATTENDANCE)
        if parts.with_booking_policy_settings:
            fee = (snapshots.get(booking.id) or {}).get("cancellationFeePolicy") or {}
            item["bookingPolicySettings"] = {"cancellationFeeEnabled": bool(fee.get("enabled"))}
        out.append(item)
    return out


async def query_extended_bookings(
    db: Database,
    signer: Signer,
    caller: Identity,
    query_: Mapping[str, Any] | None,
    parts: ExtendedParts,
    *,
    session_id: str | None = None,
) -> dict[str, Any]:
    """A page of extended bookings; ``session_id`` (the deprecated Query) replaces any ``id``
    condition of the filter with "the bookings of that session"."""
    _authorize_parts(caller, parts)
    q = dict(query_ or {})
    scope_key = f"{caller.site_id}:extended-bookings:{caller.role.value}:{caller.subject_id}"
    async with db.read(caller.site_id) as scope:
        if session_id is not None:
            if isinstance(q.get("filter"), Mapping):
                q["filter"] = {k: v for k, v in q["filter"].items() if k != "id"}
            scope_key += f":session:{session_id}"
        page = await bookings.query_bookings(
            scope, caller, q, signer=signer, scope_key=scope_key, session_id=session_id
        )
        extended = await _extend(scope, page.bookings, parts, utcnow())
    return {"extendedBookings": extended, "pagingMetadata": page.paging_metadata}


async def count_extended_bookings(
    db: Database, caller: Identity, filter_: Mapping[str, Any] | None
) -> dict[str, Any]:
    async with db.read(caller.site_id) as scope:
        return {"count": await bookings.count_bookings(scope, caller, filter_)}
