"""A staff member's weekly working hours on the dashboard.

Where they live (see :mod:`bookings.staff.service`): a staff member works the *business
schedule* (shared; WORKING_HOURS weekly series, Monday to Friday 09:00-17:00 by default) until
their own *events schedule* is assigned as their working-hours schedule; then the WORKING_HOURS
weekly series on that schedule are their hours, and availability uses them.

Reading: the WORKING_HOURS occurrences of the coming seven days of the schedule in use, one
interval per weekday (the first; local times in the business zone). Saving "own hours":
assign the events schedule (the Staff slice's Assign Working Hours Schedule), cancel its
WORKING_HOURS series from now on and create one weekly series per working day (the Calendar
slice's use cases, in one unit of work). Saving "business hours" assigns the business
schedule back (their own series stay, unused).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from starlette.requests import Request

from bookings.calendar import service as calendar
from bookings.staff import service as staff
from bookings.web.dashboard.session import DashboardSession, services_of

DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _schedule_ids(member: dict[str, Any]) -> tuple[str, str | None]:
    """The staff member's events schedule, and the working-hours schedule in use."""
    resource = member.get("resource") or {}
    own = str((resource.get("eventsSchedule") or {}).get("id") or "")
    values = resource.get("workingHoursSchedules") or []
    in_use = str(values[0]["id"]) if values and values[0].get("id") else None
    return own, in_use


async def hours_of(
    request: Request, session: DashboardSession, member: dict[str, Any]
) -> dict[str, Any]:
    """``{"mode": "business"|"own", "days": {DAY: {"start", "end"} | None}}``."""
    own, in_use = _schedule_ids(member)
    resource = member.get("resource") or {}
    mode = "business" if resource.get("usesDefaultWorkingHours", True) else "own"
    schedule_id = in_use or (own if mode == "own" else "")
    services = services_of(request)
    now = datetime.now(UTC)
    async with services.db.read(session.site_id) as scope:
        found = await calendar.occurrences(
            scope,
            start_utc=now,
            end_utc=now + timedelta(days=7),
            schedule_ids=[schedule_id] if schedule_id else [],
            types=["WORKING_HOURS"],
        )
    days: dict[str, dict[str, str] | None] = dict.fromkeys(DAYS)
    for event in found:
        start = (event.get("adjustedStart") or event.get("start") or {}).get("localDate", "")
        end = (event.get("adjustedEnd") or event.get("end") or {}).get("localDate", "")
        if len(start) < 16 or len(end) < 16:
            continue
        day = DAYS[date.fromisoformat(start[:10]).weekday()]
        if days[day] is None:
            days[day] = {"start": start[11:16], "end": end[11:16]}
    return {"mode": mode, "days": days}


def week_form(fields: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The hours form's values and its problems (by day; ``""`` for the whole form)."""
    mode = "own" if fields.get("mode") == "own" else "business"
    days: dict[str, dict[str, str] | None] = {}
    problems: dict[str, str] = {}
    for day in DAYS:
        key = day.lower()
        start, end = fields.get(f"{key}_start", "").strip(), fields.get(f"{key}_end", "").strip()
        if fields.get(f"{key}_on") != "on":
            days[day] = None
            continue
        days[day] = {"start": start, "end": end}
        if not (HHMM.match(start) and HHMM.match(end)):
            problems[day] = "Give a start and an end time, like 09:00 and 17:00."
        elif end <= start:
            problems[day] = "The end must come after the start."
    if mode == "own" and not problems and not any(days.values()):
        problems[""] = "Choose at least one working day, or use the business hours."
    return {"mode": mode, "days": days}, problems


async def save_hours(
    request: Request, session: DashboardSession, member: dict[str, Any], form: dict[str, Any]
) -> None:
    """Apply the hours form (see the module docstring)."""
    db = services_of(request).db
    own, _ = _schedule_ids(member)
    if form["mode"] == "business":
        async with db.write(session.site_id) as uow:
            business = await calendar.ensure_business_schedule(uow)
        await staff.assign_working_hours_schedule(db, session.site_id, member["id"], business["id"])
        return
    await staff.assign_working_hours_schedule(db, session.site_id, member["id"], own)
    now = datetime.now(UTC)
    async with db.write(session.site_id) as uow:
        current = await calendar.occurrences(
            uow,
            start_utc=now - timedelta(days=1),
            end_utc=now + timedelta(days=14),
            schedule_ids=[own],
            types=["WORKING_HOURS"],
        )
        masters = {e.get("recurringEventId") or e["id"] for e in current}
        for event_id in sorted(masters):
            event = await calendar.get_event(uow, event_id)
            if event is not None and event.get("status") != "CANCELLED":
                await calendar.cancel_event(uow, event_id)
        today = now.date()
        for index, day in enumerate(DAYS):
            hours = form["days"][day]
            if not hours:
                continue
            first = today + timedelta(days=(index - today.weekday()) % 7)
            await calendar.create_event(
                uow,
                {
                    "scheduleId": own,
                    "type": "WORKING_HOURS",
                    "start": {"localDate": f"{first.isoformat()}T{hours['start']}:00"},
                    "end": {"localDate": f"{first.isoformat()}T{hours['end']}:00"},
                    "recurrenceRule": {"frequency": "WEEKLY", "interval": 1, "days": [day]},
                },
            )
