"""The demo business's catalog, created through the public API in-process, exactly as a
client would: staff with working hours, a non-default policy, an appointment service, a weekly
class and an eight-week course with their sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from bookings.platform import errors
from bookings.platform.logs import quieter
from bookings.platform.routing import Services

WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")


@dataclass(frozen=True)
class DemoCatalog:
    staff: dict[str, str]  # name -> staff member id
    policy: str
    appointment: str
    weekly_class: str
    course: str

    def lines(self) -> list[str]:
        return [
            f"    staff            {', '.join(self.staff)}",
            "                     (Jordan Lee works Tue/Thu 12:00-20:00, Sat 10:00-14:00)",
            "    appointment      Sports Massage: 45 min + 15 min buffer, Alex Morgan or Sam Patel",
            "    class            Evening Yoga: Tuesdays 18:00-19:00, capacity 12, Jordan Lee",
            "    course           Pottery for Beginners: 8 Thursdays 18:30-20:30, Sam Patel",
            "    policies         the default policy; Flexible Cancellation (the yoga class)",
        ]


class _Api:
    def __init__(self, client: httpx.AsyncClient, key: str) -> None:
        self.client = client
        self.headers = {"Authorization": key}

    async def call(self, verb: str, path: str, body: dict[str, Any] | None = None) -> Any:
        res = await self.client.request(verb, path, json=body, headers=self.headers)
        if res.status_code != 200:
            raise errors.ApplicationError(
                "DEMO_SEED_FAILED",
                f"seeding the demo: {verb} {path} -> {res.text}",
                http_status=500,
            )
        return res.json()


def _next(weekday: int, today: date) -> date:
    """The first such weekday after today (a recurring series may not start in the past)."""
    return today + timedelta(days=(weekday - today.weekday()) % 7 or 7)


def _local(day: date, at: time) -> str:
    return datetime.combine(day, at).isoformat(timespec="seconds")


def _weekly(
    schedule_id: str, kind: str, day: date, start: time, end: time, **extra: Any
) -> dict[str, Any]:
    return {
        "event": {
            "scheduleId": schedule_id,
            "type": kind,
            "start": {"localDate": _local(day, start)},
            "end": {"localDate": _local(day, end)},
            "recurrenceRule": {
                "frequency": "WEEKLY",
                "interval": 1,
                "days": [WEEKDAYS[day.weekday()]],
                **extra.pop("rule", {}),
            },
            **extra,
        }
    }


async def seed_demo_catalog(services: Services, admin_key: str, time_zone: str) -> DemoCatalog:
    """Seed through an app of its own, in-process, that logs no line per request, with httpx's
    line per call silenced: the start banner is the first thing a person reads. The server's
    app, started afterwards, logs its requests as ever; a failing call still raises."""
    from bookings.app import create_app

    app = create_app(services=services, log_requests=False)
    transport = httpx.ASGITransport(app=app)
    with quieter("httpx"):
        async with httpx.AsyncClient(transport=transport, base_url="http://demo") as client:
            return await _seed(_Api(client, admin_key), datetime.now(ZoneInfo(time_zone)).date())


async def _seed(api: _Api, today: date) -> DemoCatalog:
    staff: dict[str, dict[str, Any]] = {}
    for name in ("Alex Morgan", "Sam Patel", "Jordan Lee"):
        body = {
            "staffMember": {"name": name, "email": f"{name.split()[0].lower()}@example.com"},
            "fields": ["RESOURCE_DETAILS"],
        }
        staff[name] = (await api.call("POST", "/bookings/v1/staff-members", body))["staffMember"]

    jordan = staff["Jordan Lee"]
    own = jordan["resource"]["eventsSchedule"]["id"]
    await api.call(
        "POST",
        f"/bookings/v1/staff-members/{jordan['id']}/assign-working-hours-schedule",
        {"scheduleId": own},
    )
    for weekday, opens, closes in (
        (1, time(12), time(20)),
        (3, time(12), time(20)),
        (5, time(10), time(14)),
    ):
        await api.call(
            "POST",
            "/calendar/v3/events",
            _weekly(own, "WORKING_HOURS", _next(weekday, today), opens, closes),
        )

    policy = (
        await api.call(
            "POST",
            "/bookings/v1/booking-policies",
            {
                "bookingPolicy": {
                    "name": "Flexible Cancellation",
                    "customPolicyDescription": {
                        "enabled": True,
                        "description": "Cancel or reschedule free of charge up to 24 hours before.",
                    },
                    "cancellationPolicy": {
                        "enabled": True,
                        "limitLatestCancellation": True,
                        "latestCancellationInMinutes": 1440,
                    },
                    "reschedulePolicy": {
                        "enabled": True,
                        "limitLatestReschedule": True,
                        "latestRescheduleInMinutes": 1440,
                    },
                    "limitEarlyBookingPolicy": {"enabled": True, "earliestBookingInMinutes": 86400},
                }
            },
        )
    )["bookingPolicy"]

    def price(value: str) -> dict[str, Any]:
        return {
            "rateType": "FIXED",
            "fixed": {"price": {"value": value}},
            "options": {"online": True, "inPerson": True},
        }

    massage = (
        await api.call(
            "POST",
            "/bookings/v2/services",
            {
                "service": {
                    "type": "APPOINTMENT",
                    "name": "Sports Massage",
                    "description": "A deep, restorative massage for active people.",
                    "defaultCapacity": 1,
                    "onlineBooking": {"enabled": True},
                    "payment": price("60"),
                    "schedule": {
                        "availabilityConstraints": {
                            "sessionDurations": [45],
                            "timeBetweenSessions": 15,
                        }
                    },
                    "staffMemberIds": [
                        staff["Alex Morgan"]["resourceId"],
                        staff["Sam Patel"]["resourceId"],
                    ],
                }
            },
        )
    )["service"]

    yoga = (
        await api.call(
            "POST",
            "/bookings/v2/services",
            {
                "service": {
                    "type": "CLASS",
                    "name": "Evening Yoga",
                    "description": "Stretch, breathe and unwind after work.",
                    "defaultCapacity": 12,
                    "onlineBooking": {"enabled": True},
                    "payment": price("15"),
                    "bookingPolicy": {"id": policy["id"]},
                }
            },
        )
    )["service"]
    await api.call(
        "POST",
        "/calendar/v3/events",
        _weekly(
            yoga["schedule"]["id"],
            "CLASS",
            _next(1, today),
            time(18),
            time(19),
            resources=[{"id": jordan["resourceId"]}],
            totalCapacity=12,
        ),
    )

    pottery = (
        await api.call(
            "POST",
            "/bookings/v2/services",
            {
                "service": {
                    "type": "COURSE",
                    "name": "Pottery for Beginners",
                    "description": "Eight evenings at the wheel: from clay to glazed bowl.",
                    "defaultCapacity": 8,
                    "onlineBooking": {"enabled": True},
                    "payment": price("240"),
                }
            },
        )
    )["service"]
    first = _next(3, today)
    last = first + timedelta(weeks=7)
    await api.call(
        "POST",
        "/calendar/v3/events",
        _weekly(
            pottery["schedule"]["id"],
            "COURSE",
            first,
            time(18, 30),
            time(20, 30),
            resources=[{"id": staff["Sam Patel"]["resourceId"]}],
            totalCapacity=8,
            rule={"until": {"localDate": _local(last, time(23, 59))}},
        ),
    )
    return DemoCatalog(
        staff={name: member["id"] for name, member in staff.items()},
        policy=policy["id"],
        appointment=massage["id"],
        weekly_class=yoga["id"],
        course=pottery["id"],
    )
