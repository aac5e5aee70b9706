"""Reading multi-service bookings: Get, Get Availability, Bulk Get Allowed Actions."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from bookings.availability import service as availability
from bookings.booking import packages, rules
from bookings.booking.documents import booking_wire
from bookings.booking.schemas import BulkGetMultiServiceBookingAllowedActionsRequest
from bookings.booking.service.common import _site
from bookings.booking.service.multi_common import children_of, require_package, services_of
from bookings.booking.service.mutation import _target_of
from bookings.booking.service.placement import _appointment_free
from bookings.booking.service.queries import allowed_actions_of
from bookings.booking.state import Status
from bookings.booking.views import BookingView
from bookings.platform import zoned
from bookings.platform.auth import Identity
from bookings.platform.bulk import BulkResults
from bookings.platform.db import Database, SiteScope, utcnow

#: What Get's ``totalNumberOfScheduledBookings`` counts.
SCHEDULED = frozenset({Status.CONFIRMED, Status.PENDING})


async def get_multi_service_booking(
    db: Database, caller: Identity, package_id: str
) -> dict[str, Any]:
    async with db.read(caller.site_id) as scope:
        rows = await require_package(scope, package_id, caller)
    scheduled = sum(1 for r in rows if r.status in SCHEDULED)
    return {
        "multiServiceBooking": packages.package_wire(
            package_id, [booking_wire(r) for r in rows], True
        ),
        "metadata": {"totalNumberOfScheduledBookings": scheduled},
    }


async def get_multi_service_booking_availability(
    db: Database, caller: Identity, package_id: str
) -> dict[str, Any]:
    """Whether the package's chain could be booked again now at its times: every child's
    policies pass and the chain rule finds staff (the package's own bookings not counted)."""
    now = utcnow()
    async with db.read(caller.site_id) as scope:
        rows = await require_package(scope, package_id, caller)
        services = await services_of(scope, rows)
        site_tz, settings = await _site(scope, caller)
        site = availability.site_settings_of(site_tz, settings)
        own = frozenset(r.id for r in rows)
        links: list[availability.Link] = []
        for row in rows:
            target = _target_of(row, services[row.service_id])
            free = await _appointment_free(scope, target, now, own, site)
            start, end = zoned.to_seconds(row.start_utc), zoned.to_seconds(row.end_utc)
            links.append(availability.Link(start, end, target.buffer * 60, tuple(free)))
    found = [rules.booking_violations(services[r.service_id].wire, r.start_utc, now) for r in rows]
    violations = rules.PolicyViolations(
        any(v.too_early for v in found),
        any(v.too_late for v in found),
        any(v.online_disabled for v in found),
    )
    room = availability.assign_chain(links) is not None
    limits = [rules.max_participants(s.wire) for s in services.values()]
    known = [m for m in limits if m is not None]
    out: dict[str, Any] = {
        "bookable": room and not violations.any,
        "totalCapacity": 1,
        "remainingCapacity": 1 if room else 0,
        "policyViolations": violations.wire(),
        "policySettings": {"maxParticipantsPerBooking": min(known)} if known else {},
        "multiServiceBookingInfo": [{"bookingId": r.id} for r in rows],
    }
    return out


async def package_actions(scope: SiteScope, rows: list[sa.Row[Any]]) -> dict[str, bool]:
    """What the customer may do with a package now: the strictest of its children."""
    views = [BookingView.of_row(r) for r in rows]
    actions = await allowed_actions_of(scope, views, utcnow())
    return packages.strictest(actions.values())


async def bulk_get_multi_service_booking_allowed_actions(
    db: Database, caller: Identity, req: BulkGetMultiServiceBookingAllowedActionsRequest
) -> dict[str, Any]:
    results = BulkResults(return_entity=True)
    async with db.read(caller.site_id) as scope:
        for i, package_id in enumerate(req.multi_service_booking_ids):
            rows = await children_of(scope, package_id)
            if not rows:
                results.failed(i, package_id, packages.not_found(package_id))
            else:
                results.ok(i, package_id, await package_actions(scope, rows))
    return results.to_wire()
