"""Helpers of the availability tests: a small catalog built through HTTP."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx

from tests.conftest import SiteKeys
from tests.helpers import (
    app_error,
    ok,
    violation,  # noqa: F401 (used by the package)
)

__all__ = ["app_error", "ok"]

TS = "/_api/service-availability/v2/time-slots"
TS_ALIAS = "/service-availability/v2/time-slots"
EVENT_TS = "/_api/service-availability/v2/time-slots/event"
LEGACY = "/availability-calendar/v1/availability/query"
STAFF_TYPE = "1cd44cf8-756f-41c3-bd90-3e2ffcaf1155"
UNKNOWN_ID = "0f0e0d0c-0b0a-4908-8706-050403020100"


def next_weekday(weekday: int, weeks_ahead: int = 1, today: date | None = None) -> date:
    """A date of that weekday (0 = Monday) at least ``weeks_ahead`` weeks from today."""
    today = today or date.today()
    return today + timedelta(days=(weekday - today.weekday()) % 7 + 7 * weeks_ahead)


class Catalog:
    """The admin side: staff, services, events."""

    def __init__(self, client: httpx.AsyncClient, site: SiteKeys) -> None:
        self.client = client
        self.site = site

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return ok(await self.client.post(path, json=body, headers=self.site.admin))

    async def staff(self, name: str = "Ana") -> dict[str, Any]:
        body = {"staffMember": {"name": name}, "fields": ["RESOURCE_DETAILS"]}
        member: dict[str, Any] = (await self.post("/bookings/v1/staff-members", body))[
            "staffMember"
        ]
        return member

    async def own_hours(self, member: dict[str, Any]) -> str:
        """Give the staff member custom hours (its events schedule); returns that schedule."""
        own = str(member["resource"]["eventsSchedule"]["id"])
        await self.post(
            f"/bookings/v1/staff-members/{member['id']}/assign-working-hours-schedule",
            {"scheduleId": own},
        )
        return own

    async def service(self, staff_ids: list[str], **changes: Any) -> dict[str, Any]:
        svc: dict[str, Any] = {
            "type": "APPOINTMENT",
            "name": "Massage",
            "defaultCapacity": 1,
            "onlineBooking": {"enabled": True},
            "payment": {"rateType": "NO_FEE", "options": {"inPerson": True}},
            "schedule": {
                "availabilityConstraints": {"sessionDurations": [60], "timeBetweenSessions": 15}
            },
            "staffMemberIds": staff_ids,
            "locations": [
                {"type": "CUSTOM", "custom": {"address": {"formattedAddress": "1 Main St"}}}
            ],
        }
        svc.update(changes)
        created: dict[str, Any] = (await self.post("/bookings/v2/services", {"service": svc}))[
            "service"
        ]
        return created

    async def a_class(self, **changes: Any) -> dict[str, Any]:
        svc: dict[str, Any] = {
            "type": "CLASS",
            "name": "Yoga",
            "defaultCapacity": 10,
            "onlineBooking": {"enabled": True},
            "payment": {"rateType": "NO_FEE", "options": {"inPerson": True}},
        }
        svc.update(changes)
        created: dict[str, Any] = (await self.post("/bookings/v2/services", {"service": svc}))[
            "service"
        ]
        return created

    async def event(self, **event: Any) -> dict[str, Any]:
        created: dict[str, Any] = (await self.post("/calendar/v3/events", {"event": event}))[
            "event"
        ]
        return created

    async def policy(self, **fields: Any) -> dict[str, Any]:
        body = {"bookingPolicy": {"name": "Strict", **fields}}
        created: dict[str, Any] = (await self.post("/bookings/v1/booking-policies", body))[
            "bookingPolicy"
        ]
        return created

    async def slots(self, body: dict[str, Any], path: str = TS) -> dict[str, Any]:
        return await self.post(path, body)
