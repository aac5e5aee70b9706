"""The availability check of the bookings slice: which staff are free for one slot, by the
same loaders and engine as the slot lists (see :mod:`bookings.availability.service`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bookings.availability.appointments import (
    free_for_start,
    load_service,
    make_plan,
    require_appointment,
)
from bookings.availability.intervals import to_seconds
from bookings.availability.loading import (
    SiteSettings,
    settings_from,
    site_settings,
)
from bookings.availability.ports import AppointmentCheck, BookingLoad
from bookings.availability.schemas import (
    STAFF_RESOURCE_TYPE_ID,
    ResourceTypeFilter,
)
from bookings.platform.db import SiteScope


def site_settings_of(time_zone: str | None, settings: Mapping[str, Any] | None) -> SiteSettings:
    """The availability settings of a ``sites`` row (its ``time_zone`` and ``settings``)."""
    return settings_from(time_zone, settings)


async def check_appointment_slot(
    scope: SiteScope,
    load: BookingLoad,
    service_id: str,
    start_utc: datetime,
    end_utc: datetime,
    resource_id: str | None = None,
    *,
    exclude: frozenset[str] = frozenset(),
    service: dict[str, Any] | None = None,
    settings: SiteSettings | None = None,
    cached: bool = False,
) -> AppointmentCheck:
    """Staff resource ids free for ``[start_utc, end_utc)``, not counting the bookings in
    ``exclude``, and what was read of the bookings (see :mod:`bookings.availability.service`).
    ``cached``: the process's current copies of the staff resources and of what the calendar
    says of them may serve (the bookings are always read)."""
    if settings is None:
        settings = await site_settings(scope)
    if service is None or service.get("id") != service_id:
        service = await load_service(scope, service_id)
    require_appointment(service)
    seconds = to_seconds(end_utc) - to_seconds(start_utc)
    if seconds <= 0:
        return AppointmentCheck([])
    filters = None
    if resource_id is not None:
        filters = [
            ResourceTypeFilter(resource_type_id=STAFF_RESOURCE_TYPE_ID, resource_ids=[resource_id])
        ]
    plan = await make_plan(
        scope,
        settings,
        service,
        duration_seconds=seconds,
        resource_types=filters,
        locations=[],
        cached=cached,
    )
    free, held = await free_for_start(
        scope, load, plan, settings, start_utc, exclude, cached=cached
    )
    return AppointmentCheck(free[0], held)
