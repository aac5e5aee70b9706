"""Helpers of the dashboard page tests: a signed-in client, a small booked site, and HTML
parsing with selectolax."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx
from selectolax.lexbor import LexborHTMLParser

from bookings.platform.routing import Services
from bookings.web.dashboard.session import COOKIE, _serializer
from tests.booking.conftest import API, Catalog, appointment_booking, created, next_monday
from tests.conftest import SiteKeys
from tests.helpers import ok

READER = "/_api/bookings-reader/v2/extended-bookings"


def fresh(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """A client of the same app with no cookies."""
    return httpx.AsyncClient(transport=client._transport, base_url="http://testserver")


async def signed_in(client: httpx.AsyncClient, services: Services, key: str) -> str:
    """Sign ``client`` in with an admin key; returns the session's CSRF token."""
    res = await client.post("/dashboard/login", data={"api_key": key})
    assert res.status_code == 303, res.text
    raw = client.cookies.get(COOKIE, path="/dashboard")
    assert raw
    body: dict[str, Any] = _serializer(services).loads(raw)
    return str(body["csrf"])


def html(res: httpx.Response) -> LexborHTMLParser:
    return LexborHTMLParser(res.text)


def row_ids(res: httpx.Response) -> list[str]:
    return [str(n.attributes["data-booking-id"]) for n in html(res).css("tr[data-booking-id]")]


async def reader_ids(
    client: httpx.AsyncClient, headers: dict[str, str], q: dict[str, Any]
) -> list[str]:
    body = ok(await client.post(f"{READER}/query", json={"query": q}, headers=headers))
    return [e["booking"]["id"] for e in body["extendedBookings"]]


async def reader_count(
    client: httpx.AsyncClient, headers: dict[str, str], filter_: dict[str, Any]
) -> int:
    return int(
        ok(await client.post(f"{READER}/count", json={"filter": filter_}, headers=headers))["count"]
    )


@dataclass
class Booked:
    """Two staff members, two services, bookings in several states."""

    ana: str
    ben: str
    massage: dict[str, Any]
    facial: dict[str, Any]
    day: date
    bookings: dict[str, dict[str, Any]] = field(default_factory=dict)


async def post(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], body: dict[str, Any]
) -> dict[str, Any]:
    return ok(await client.post(path, json=body, headers=headers))


async def make_pending(
    client: httpx.AsyncClient, headers: dict[str, str], booking: dict[str, Any]
) -> dict[str, Any]:
    made = await created(client, headers, booking)
    forced = {
        "revision": made["revision"],
        "flowControlSettings": {"skipPendingApprovalServiceValidation": True},
    }
    found = await post(client, f"{API}/{made['id']}/mark_booking_as_pending", headers, forced)
    return dict(found["booking"])


async def book_site(client: httpx.AsyncClient, site: SiteKeys) -> Booked:
    """Bookings of one site: CREATED, CONFIRMED, PENDING, CANCELED, on two days, two staff,
    two services, two customers."""
    cat = Catalog(client, site.admin)
    ana, ben = await cat.staff("Ana"), await cat.staff("Ben")
    massage = await cat.appointment([ana, ben])
    facial = await cat.appointment([ana, ben], name="Facial")
    day = next_monday()
    b = Booked(ana, ben, massage, facial, day)
    kim = {"firstName": "Kim", "lastName": "Lee", "email": "kim@example.com"}
    later = day + timedelta(days=1)
    b.bookings["created"] = await created(
        client, site.admin, appointment_booking(massage, day, "09:00", "10:00", ana)
    )
    b.bookings["confirmed"] = await created(
        client,
        site.admin,
        appointment_booking(facial, day, "11:00", "12:00", ben, contactDetails=kim),
        **{"participantNotification": {"notifyParticipants": False}},
    )
    confirmed = b.bookings["confirmed"]
    b.bookings["confirmed"] = (
        await post(
            client,
            f"{API}/{confirmed['id']}/confirm",
            site.admin,
            {"revision": confirmed["revision"]},
        )
    )["booking"]
    b.bookings["pending"] = await make_pending(
        client, site.admin, appointment_booking(massage, later, "13:00", "14:00", ben)
    )
    canceled = await created(
        client,
        site.admin,
        appointment_booking(facial, later, "15:00", "16:00", ana, contactDetails=kim),
    )
    b.bookings["canceled"] = (
        await post(
            client, f"{API}/{canceled['id']}/cancel", site.admin, {"revision": canceled["revision"]}
        )
    )["booking"]
    return b
