"""The site setting ``createdBookingHoldMinutes``, changed as the CLI and the dashboard change
it (``identity.service.update_site_settings``), is the hold of the next CREATED booking."""

from __future__ import annotations

from datetime import timedelta

import httpx

from bookings.booking.models import bookings
from bookings.identity import service as identity
from bookings.platform.routing import Services
from tests.booking.conftest import Catalog, class_booking, created, next_monday
from tests.conftest import SiteKeys
from tests.helpers import ok


async def held(services: Services, site: SiteKeys, booking_id: str) -> timedelta | None:
    async with services.db.read(site.site_id) as scope:
        row = await scope.one_or_none(scope.select(bookings).where(bookings.c.id == booking_id))
    assert row is not None
    return None if row.hold_until is None else row.hold_until - row.created_date


async def remaining(client: httpx.AsyncClient, site: SiteKeys, event_id: str) -> int:
    res = await client.get(f"/calendar/v3/events/{event_id}", headers=site.admin)
    return int(ok(res)["event"]["remainingCapacity"])


async def test_a_changed_hold_is_what_a_new_booking_holds(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    cat = Catalog(client, site.admin)
    yoga = await cat.group(capacity=5)
    session = await cat.session(yoga, next_monday(), capacity=5)

    first = await created(client, site.admin, class_booking(yoga, session))
    assert first["status"] == "CREATED"
    assert await held(services, site, first["id"]) == timedelta(minutes=15)  # the default

    changed = await identity.update_site_settings(
        services.db, site.site_id, {"createdBookingHoldMinutes": "45"}
    )
    assert changed.settings["createdBookingHoldMinutes"] == 45
    second = await created(client, site.admin, class_booking(yoga, session))
    assert await held(services, site, second["id"]) == timedelta(minutes=45)
    assert await remaining(client, site, session["id"]) == 3

    await identity.update_site_settings(services.db, site.site_id, {"createdBookingHoldMinutes": 0})
    third = await created(client, site.admin, class_booking(yoga, session))
    assert await held(services, site, third["id"]) is None
    assert await remaining(client, site, session["id"]) == 3  # it holds nothing

    reset = await identity.update_site_settings(
        services.db, site.site_id, {"createdBookingHoldMinutes": ""}
    )
    assert "createdBookingHoldMinutes" not in reset.settings
    fourth = await created(client, site.admin, class_booking(yoga, session))
    assert await held(services, site, fourth["id"]) == timedelta(minutes=15)
