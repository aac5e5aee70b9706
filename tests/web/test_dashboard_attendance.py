"""The dashboard's attendance page (issue 16, notes §4.2 check 5): a past appointment marked
Attended and a class participant No-show are saved through the Attendance use cases and read
back through the Attendance API and the Reader; CSRF and other sites."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from bookings.platform.routing import Services
from tests.booking.conftest import Catalog, appointment_booking, class_booking, created
from tests.conftest import SiteKeys
from tests.helpers import ok
from tests.web.dashboard_helpers import csrf, html, signed_in

ATTENDANCE = "/bookings/bookings-attendance"


@dataclass
class Past:
    day: date
    appointment: dict[str, Any]
    klass: list[dict[str, Any]]
    session: dict[str, Any]


async def past_day(client: httpx.AsyncClient, site: SiteKeys) -> Past:
    """Yesterday (UTC site): a massage at 10:00 and a yoga class at 18:00 with two bookings,
    booked as the business with availability checks skipped (they are in the past)."""
    cat = Catalog(client, site.admin)
    ana = await cat.staff("Ana")
    massage = await cat.appointment([ana])
    yoga = await cat.group("CLASS", capacity=20)
    day = datetime.now(UTC).date() - timedelta(days=1)
    skip = {"flowControlSettings": {"skipAvailabilityValidation": True}}
    appointment = await created(
        client, site.admin, appointment_booking(massage, day, resource=ana), **skip
    )
    session = await cat.session(yoga, day, capacity=20)
    klass = [
        await created(
            client,
            site.admin,
            class_booking(yoga, session, totalParticipants=n, contactDetails={"firstName": who}),
            **skip,
        )
        for who, n in (("Gina", 3), ("Hugo", 1))
    ]
    return Past(day, appointment, klass, session)


async def attendance_of(client: httpx.AsyncClient, site: SiteKeys, booking_id: str) -> Any:
    found = ok(
        await client.post(
            f"{ATTENDANCE}/query",
            json={"query": {"filter": {"bookingId": booking_id}}},
            headers=site.admin,
        )
    )
    return found["attendances"]


async def test_marking_is_saved_and_the_api_returns_it(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    past = await past_day(client, site)
    gina, hugo = past.klass
    async with signed_in(client, site) as c:
        doc = html(await c.get(f"/dashboard/attendance?date={past.day}"))
        titles = [" ".join(h.text().split()) for h in doc.css("section.att-sitting h2")]
        assert titles == ["10:00\N{EN DASH}11:00 Massage with Ana", "18:00\N{EN DASH}19:00 Yoga"]
        assert doc.css_first(f"tr[data-booking='{gina['id']}'] input[name=attendees]")
        assert not doc.css(f"tr[data-booking='{hugo['id']}'] input[name=attendees]")
        token = csrf(services, c)
        base = {"csrf": token, "date": past.day.isoformat()}
        res = await c.post(
            "/dashboard/attendance",
            data={**base, "booking": past.appointment["id"], "status": "ATTENDED"},
        )
        assert res.status_code == 303
        res = await c.post(
            "/dashboard/attendance",
            data={**base, "booking": gina["id"], "status": "ATTENDED", "attendees": "2"},
        )
        assert res.status_code == 303
        res = await c.post(
            "/dashboard/attendance",
            data={**base, "booking": hugo["id"], "status": "NOT_ATTENDED"},
        )
        page = html(await c.get(res.headers["location"]))
        assert "Saved" in page.css_first("p.notice.ok").text()
        row = page.css_first(f"tr[data-booking='{gina['id']}'] td.att-status")
        assert row.text(strip=True) == "Attended (2 came)"
    [appointment] = await attendance_of(client, site, past.appointment["id"])
    assert appointment["status"] == "ATTENDED"
    [g] = await attendance_of(client, site, gina["id"])
    assert (g["status"], g["numberOfAttendees"], g["eventId"]) == (
        "ATTENDED",
        2,
        past.session["id"],
    )
    [h] = await attendance_of(client, site, hugo["id"])
    assert h["status"] == "NOT_ATTENDED"
    # The Reader's attendance part says the same.
    read = ok(
        await client.post(
            "/_api/bookings-reader/v2/extended-bookings/query",
            json={
                "query": {"filter": {"id": gina["id"]}},
                "withBookingAttendanceInfo": True,
            },
            headers=site.admin,
        )
    )
    assert read["extendedBookings"][0]["attendance"]["numberOfAttendees"] == 2


async def test_a_whole_class_at_once_and_bad_input(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    past = await past_day(client, site)
    ids = ",".join(b["id"] for b in past.klass)
    async with signed_in(client, site) as c:
        base = {"csrf": csrf(services, c), "date": past.day.isoformat()}
        res = await c.post(
            "/dashboard/attendance", data={**base, "booking": ids, "status": "ATTENDED"}
        )
        assert res.status_code == 303 and res.headers["location"].endswith("saved=2")
        bad = await c.post(
            "/dashboard/attendance",
            data={**base, "booking": past.klass[0]["id"], "status": "ATTENDED", "attendees": "x"},
        )
        assert bad.status_code == 422 and "whole number" in bad.text
        assert (
            await c.post("/dashboard/attendance", data={**base, "booking": ids})
        ).status_code == 422
        # No CSRF token: refused, nothing saved.
        res = await c.post(
            "/dashboard/attendance",
            data={"booking": past.appointment["id"], "status": "ATTENDED"},
        )
        assert res.status_code == 403
    assert [
        a["status"] for b in past.klass for a in await attendance_of(client, site, b["id"])
    ] == [
        "ATTENDED",
        "ATTENDED",
    ]
    assert await attendance_of(client, site, past.appointment["id"]) == []


async def test_another_sites_admin_cannot_mark(
    client: httpx.AsyncClient, site: SiteKeys, other_site: SiteKeys, services: Services
) -> None:
    past = await past_day(client, site)
    async with signed_in(client, other_site) as c:
        doc = html(await c.get(f"/dashboard/attendance?date={past.day}"))
        assert doc.css("section.att-sitting") == []
        res = await c.post(
            "/dashboard/attendance",
            data={
                "csrf": csrf(services, c),
                "date": past.day.isoformat(),
                "booking": past.appointment["id"],
                "status": "ATTENDED",
            },
        )
        assert res.status_code == 404
    assert await attendance_of(client, site, past.appointment["id"]) == []
