"""Helpers of the bookings tests: a catalog to book (staff, services, sessions) through HTTP,
and assertions on the error envelope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa

from bookings.identity.models import sites
from bookings.platform.db import Database
from tests.conftest import SiteKeys
from tests.helpers import ok

API = "/_api/bookings-service/v2/bookings"
ALT = "/bookings/v2/bookings"
BULK = "/bookings/v2/bulk/bookings"
CONFIRMATION = "/bookings/v2/confirmation"
EVENTS = "/_api/bookings-server/v1/domain-events"
UNKNOWN_ID = "0f0e0d0c-0b0a-4908-8706-050403020100"


def next_monday(weeks: int = 2) -> date:
    """A Monday ``weeks`` weeks ahead (a working day of the business hours, 09:00-17:00)."""
    today = datetime.now(UTC).date()
    return today + timedelta(days=(7 - today.weekday()) % 7 + 7 * weeks)


def local(day: date, hhmm: str) -> str:
    return f"{day.isoformat()}T{hhmm}:00"


async def set_hold(db: Database, site_id: str, minutes: int) -> None:
    """The site setting ``createdBookingHoldMinutes``."""
    async with db.connect_for_write() as conn:
        current = (
            await conn.execute(sa.select(sites.c.settings).where(sites.c.site_id == site_id))
        ).scalar()
        settings = {**(current or {}), "createdBookingHoldMinutes": minutes}
        await conn.execute(
            sa.update(sites).where(sites.c.site_id == site_id).values(settings=settings)
        )


#: The payment of a service priced by variants (its bookings may name participantsChoices).
VARIED: dict[str, Any] = {
    "rateType": "VARIED",
    "varied": {"defaultPrice": {"value": "20.00", "currency": "USD"}},
    "options": {"inPerson": True},
}


@dataclass
class Catalog:
    """Staff, services and sessions of one site, made through HTTP as its ADMIN."""

    client: httpx.AsyncClient
    headers: dict[str, str]

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return ok(await self.client.post(path, json=body, headers=self.headers))

    async def staff(self, name: str = "Ana") -> str:
        found = await self.post("/bookings/v1/staff-members", {"staffMember": {"name": name}})
        return str(found["staffMember"]["resourceId"])

    async def service(self, svc: dict[str, Any]) -> dict[str, Any]:
        found = await self.post("/_api/bookings/v2/services", {"service": svc})
        return dict(found["service"])

    async def appointment(self, staff_ids: list[str], **changes: Any) -> dict[str, Any]:
        svc: dict[str, Any] = {
            "type": "APPOINTMENT",
            "name": "Massage",
            "defaultCapacity": 1,
            "onlineBooking": {"enabled": True},
            "payment": {
                "rateType": "FIXED",
                "fixed": {"price": {"value": "80.00", "currency": "USD"}},
                "options": {"online": True, "inPerson": True},
            },
            "schedule": {
                "availabilityConstraints": {"sessionDurations": [60], "timeBetweenSessions": 15}
            },
            "staffMemberIds": staff_ids,
            "locations": [{"type": "CUSTOM", "custom": {"address": {"addressLine": "1 Main St"}}}],
        }
        svc.update(changes)
        return await self.service(svc)

    async def group(
        self, kind: str = "CLASS", capacity: int = 10, **changes: Any
    ) -> dict[str, Any]:
        if "bookingPolicy" not in changes:  # the default allows one participant per booking
            roomy = {"name": "Roomy", "participantsPolicy": {"maxParticipantsPerBooking": 20}}
            found = await self.post("/bookings/v1/booking-policies", {"bookingPolicy": roomy})
            changes["bookingPolicy"] = {"id": found["bookingPolicy"]["id"]}
        svc: dict[str, Any] = {
            "type": kind,
            "name": "Yoga" if kind == "CLASS" else "Pottery",
            "defaultCapacity": capacity,
            "onlineBooking": {"enabled": True},
            "payment": {"rateType": "NO_FEE", "options": {"inPerson": True}},
        }
        svc.update(changes)
        return await self.service(svc)

    async def session(
        self,
        service: dict[str, Any],
        day: date,
        start: str = "18:00",
        end: str = "19:00",
        *,
        capacity: int | None = None,
        resources: list[str] | None = None,
        weekly_until: date | None = None,
    ) -> dict[str, Any]:
        event: dict[str, Any] = {
            "scheduleId": service["schedule"]["id"],
            "type": service["type"],
            "title": service["name"],
            "start": {"localDate": local(day, start)},
            "end": {"localDate": local(day, end)},
            "location": {"type": "BUSINESS", "name": "Studio"},
        }
        if capacity is not None:
            event["totalCapacity"] = capacity
        if resources:
            event["resources"] = [{"id": r} for r in resources]
        if weekly_until is not None:
            event["recurrenceRule"] = {
                "frequency": "WEEKLY",
                "days": [day.strftime("%A").upper()],
                "until": {"localDate": local(weekly_until, "23:00")},
            }
        found = await self.post("/calendar/v3/events", {"event": event})
        return dict(found["event"])


def appointment_booking(
    service: dict[str, Any],
    day: date,
    start: str = "10:00",
    end: str = "11:00",
    resource: str | None = None,
    **changes: Any,
) -> dict[str, Any]:
    slot: dict[str, Any] = {
        "serviceId": service["id"],
        "scheduleId": service["schedule"]["id"],
        "startDate": local(day, start),
        "endDate": local(day, end),
        "timezone": "UTC",
        "location": {"locationType": "OWNER_CUSTOM"},
    }
    if resource:
        slot["resource"] = {"id": resource}
    booking: dict[str, Any] = {
        "bookedEntity": {"slot": slot},
        "contactDetails": {"firstName": "John", "lastName": "Doe", "email": "john@example.com"},
        "totalParticipants": 1,
    }
    booking.update(changes)
    return booking


def class_booking(service: dict[str, Any], event: dict[str, Any], **changes: Any) -> dict[str, Any]:
    booking: dict[str, Any] = {
        "bookedEntity": {"slot": {"serviceId": service["id"], "eventId": event["id"]}},
        "contactDetails": {"firstName": "Jane"},
        "totalParticipants": 1,
    }
    booking.update(changes)
    return booking


def course_booking(service: dict[str, Any], **changes: Any) -> dict[str, Any]:
    booking: dict[str, Any] = {
        "bookedEntity": {"schedule": {"scheduleId": service["schedule"]["id"]}},
        "contactDetails": {"firstName": "Kim"},
        "totalParticipants": 1,
    }
    booking.update(changes)
    return booking


# ---------------------------------------------------------------- calls


async def create(
    client: httpx.AsyncClient, headers: dict[str, str], booking: dict[str, Any], **extra: Any
) -> httpx.Response:
    return await client.post(API, json={"booking": booking, **extra}, headers=headers)


async def created(
    client: httpx.AsyncClient, headers: dict[str, str], booking: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = ok(await create(client, headers, booking, **extra))["booking"]
    return body


async def token(client: httpx.AsyncClient, site: SiteKeys, member_id: str | None = None) -> str:
    if member_id is None:
        body = {"grantType": "anonymous", "clientId": site.client_id}
        res = await client.post("/oauth2/token", json=body)
    else:
        body = {"grantType": "member", "memberId": member_id}
        res = await client.post("/oauth2/token", json=body, headers=site.admin)
    return str(ok(res)["access_token"])
