"""The only place this slice talks to the calendar slice.

Every function takes the caller's unit of work (or read scope) so that creating a staff member
and its schedules is one transaction. Schedules are calendar wire dicts (``id``,
``externalId``, ``status`` ...).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from bookings.calendar import service as calendar
from bookings.platform.db import SiteScope, UnitOfWork
from bookings.staff.rules import BUSINESS_SCHEDULE_EXTERNAL_ID

ResourceDetails = Callable[[SiteScope, Sequence[str]], Awaitable[Mapping[str, Mapping[str, Any]]]]


async def create_events_schedule(uow: UnitOfWork, *, external_id: str, name: str) -> str:
    """A new Bookings schedule for a resource's events; returns its id."""
    schedule = await calendar.create_schedule(uow, external_id=external_id, name=name)
    return str(schedule["id"])


async def business_schedule_id(uow: UnitOfWork) -> str:
    """The site's business (default working hours) schedule, created on first use."""
    schedule = await calendar.ensure_business_schedule(uow)
    return str(schedule["id"])


async def get_schedule(scope: SiteScope, schedule_id: str) -> dict[str, Any] | None:
    schedule = await calendar.get_schedule(scope, schedule_id)
    return None if schedule is None else dict(schedule)


def is_business_schedule(schedule: Mapping[str, Any] | None) -> bool:
    return schedule is not None and schedule.get("externalId") == BUSINESS_SCHEDULE_EXTERNAL_ID


def is_active(schedule: Mapping[str, Any] | None) -> bool:
    return schedule is not None and schedule.get("status", "ACTIVE") != "CANCELLED"


async def rename_schedule(uow: UnitOfWork, schedule_id: str, name: str) -> None:
    """Keep a resource's events schedule named after the resource."""
    if is_active(await get_schedule(uow, schedule_id)):
        await calendar.update_schedule(uow, schedule_id, {"name": name})


async def cancel_schedule(uow: UnitOfWork, schedule_id: str) -> None:
    """Cancel a schedule and its future events; one gone or already cancelled is left alone."""
    if is_active(await get_schedule(uow, schedule_id)):
        await calendar.cancel_schedule(uow, schedule_id)
