"""Appointment time slots: a service's plan (duration, buffer, staff and resource groups,
policy rules, locations), its slots over a window, one slot with all its free resources."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bookings.availability import present
from bookings.availability.inputs import (
    APPOINTMENT_LIMIT,
    buffer_minutes,
    check_choices,
    duration_minutes,
    missing_arguments,
    request_zone,
    slot_not_found,
    violations_filter,
    window,
)
from bookings.availability.intervals import from_seconds, to_seconds
from bookings.availability.loading import (
    ResourceTimes,
    SiteSettings,
    resource_times,
    site_settings,
)
from bookings.availability.paging import (
    Item,
    filtered,
    frozen_params,
    paged,
    paging_metadata,
    resume,
)
from bookings.availability.policy import PolicyRules, rules_of, violations
from bookings.availability.ports import BookingLoad, HeldRead
from bookings.availability.schemas import (
    STAFF_RESOURCE_TYPE_ID,
    GetAvailabilityTimeSlotRequest,
    ListAvailabilityTimeSlotsRequest,
    ResourceTypeFilter,
    SlotLocation,
)
from bookings.availability.slots import (
    ResourceTime,
    SlotShape,
    free_resources_for,
    list_slots,
)
from bookings.catalog.services import service as catalog
from bookings.platform import errors, zoned
from bookings.platform.db import Database, SiteScope, utcnow
from bookings.platform.signing import Signer
from bookings.platform.timezones import zone
from bookings.staff import service as staff

# ---------------------------------------------------------------- appointment plans


@dataclass(frozen=True)
class Plan:
    """What one appointment service needs, resolved for one request."""

    service: dict[str, Any]
    shape: SlotShape
    #: (resource type id, resource ids) per required group; the staff group first.
    groups: list[tuple[str, list[str]]]
    resources: dict[str, dict[str, Any]]
    names: dict[str, str]
    rules: PolicyRules
    locations: list[dict[str, Any] | None]

    @property
    def service_id(self) -> str:
        return str(self.service["id"])

    @property
    def schedule_id(self) -> str | None:
        value = (self.service.get("schedule") or {}).get("id")
        return str(value) if value else None


async def load_service(scope: SiteScope, service_id: str) -> dict[str, Any]:
    return dict((await catalog.require_service(scope, service_id)).wire)


def require_appointment(service: Mapping[str, Any], field: str = "serviceId") -> None:
    if service.get("type") != "APPOINTMENT":
        raise errors.invalid_field(
            field,
            f"must be an APPOINTMENT service (this one is a {service.get('type')}); class and "
            "course sessions are listed by ListEventTimeSlots",
            errors.OTHER,
            rule_name="APPOINTMENT_SERVICE_REQUIRED",
        )


def slot_locations(
    service: Mapping[str, Any], wanted: Sequence[SlotLocation] | None
) -> list[dict[str, Any] | None]:
    offered: list[dict[str, Any] | None] = [
        present.service_location(loc) for loc in service.get("locations") or ()
    ]
    if not wanted:
        return offered or [None]
    filters = [w.model_dump(by_alias=True, exclude_none=True, mode="json") for w in wanted]
    return [
        loc
        for loc in offered
        if loc is not None and any(present.location_matches(loc, f) for f in filters)
    ]


async def make_plan(
    scope: SiteScope,
    settings: SiteSettings,
    service: dict[str, Any],
    *,
    duration_seconds: int,
    resource_types: Sequence[ResourceTypeFilter] | None,
    locations: list[dict[str, Any] | None],
    known: Mapping[str, dict[str, Any]] | None = None,
    cached: bool = False,
) -> Plan:
    """``known``: Resource V2 wire dicts already read in this unit of work (by id); the
    plan's resources are then taken from them instead of read again. ``cached``: the
    process's current copies of the resources may serve (``staff.resources_by_ids``)."""
    staff_ids = [str(r) for r in service.get("staffMemberIds") or ()]
    filters: dict[str, list[str]] = {}
    for entry in resource_types or ():
        if entry.resource_type_id and entry.resource_ids:
            filters.setdefault(entry.resource_type_id, []).extend(entry.resource_ids)
    if STAFF_RESOURCE_TYPE_ID in filters:
        chosen = set(filters[STAFF_RESOURCE_TYPE_ID])
        staff_ids = [r for r in staff_ids if r in chosen]
    groups: list[tuple[str, list[str]]] = [(STAFF_RESOURCE_TYPE_ID, staff_ids)]
    groups += [(t, list(dict.fromkeys(ids))) for t, ids in filters.items() if t != groups[0][0]]
    wanted = sorted({r for _, ids in groups for r in ids})
    if known is not None:
        resources = {r: dict(known[r]) for r in wanted if r in known}
    else:
        resources = await staff.resources_by_ids(scope, wanted, cached=cached) if wanted else {}
    groups = [(t, [r for r in ids if r in resources]) for t, ids in groups]
    step = settings.split_minutes * 60 if settings.split_minutes else 0
    shape = SlotShape(duration_seconds, buffer_minutes(service) * 60, step)
    return Plan(
        service=service,
        shape=shape,
        groups=groups,
        resources=resources,
        names={rid: str(res.get("name") or "") for rid, res in resources.items()},
        rules=rules_of(service),
        locations=locations,
    )


def plan_resource_ids(
    service: Mapping[str, Any], resource_types: Sequence[ResourceTypeFilter] | None
) -> set[str]:
    """Every resource id :func:`make_plan` may read for ``service`` and these filters."""
    out = {str(r) for r in service.get("staffMemberIds") or ()}
    out.update(r for e in resource_types or () for r in e.resource_ids or ())
    return out


async def plans_times(
    scope: SiteScope,
    load: BookingLoad,
    plans: Sequence[Plan],
    settings: SiteSettings,
    lo: datetime,
    hi: datetime,
    *,
    reach: int | None = None,
    exclude: frozenset[str] = frozenset(),
    cached: bool = False,
) -> ResourceTimes:
    """Windows and busy time of every resource of ``plans``, read once, for slots starting
    in ``[lo, hi)`` that last up to ``reach`` seconds (default: the longest duration + buffer
    of the plans); ``exclude``: ids of bookings not to count."""
    resources: dict[str, dict[str, Any]] = {}
    for plan in plans:
        resources.update(plan.resources)
    if reach is None:
        reach = max((p.shape.duration + p.shape.buffer for p in plans), default=0)
    return await resource_times(
        scope,
        resources,
        load=load,
        lo=lo,
        hi=hi,
        reach=timedelta(seconds=reach),
        site_zone=zone(settings.time_zone),
        known_buffers={p.service_id: p.shape.buffer for p in plans},
        exclude=exclude,
        cached=cached,
    )


def plan_groups(plan: Plan, times: ResourceTimes) -> list[list[ResourceTime]]:
    """The engine's input of ``plan``: per group, its resources' times."""
    return [[times.times[r] for r in ids] for _, ids in plan.groups]


def shown_types(
    include: Sequence[str] | None, resource_types: Sequence[ResourceTypeFilter] | None
) -> list[str]:
    types = list(include or ())
    types += [e.resource_type_id for e in resource_types or () if e.resource_type_id]
    return list(dict.fromkeys(types))


def available_resources(
    plan: Plan, free: Sequence[Sequence[str]], types: Sequence[str] | None, limit: int | None
) -> list[dict[str, Any]]:
    """``availableResources`` of a slot: the given types (``None``: every group)."""
    out = []
    for g, (type_id, _ids) in enumerate(plan.groups):
        if types is None or type_id in types:
            out.append(present.resources_entry(type_id, list(free[g]), plan.names, limit))
    return out


async def appointment_items(
    scope: SiteScope,
    load: BookingLoad,
    plan: Plan,
    settings: SiteSettings,
    tz: ZoneInfo,
    lo: datetime,
    hi: datetime,
    now: datetime,
    types: Sequence[str],
) -> list[Item]:
    times = await plans_times(scope, load, [plan], settings, lo, hi)
    found = list_slots(
        plan_groups(plan, times),
        plan.shape,
        lo=to_seconds(lo),
        hi=to_seconds(hi),
        now=to_seconds(now),
    )
    items: list[Item] = []
    capacity = present.Capacity(1, 1)
    for cand in found:
        start = from_seconds(cand.start)
        local_start = zoned.to_local(start, tz)
        local_end = zoned.to_local(from_seconds(cand.end), tz)
        broken = violations(plan.rules, start, now)
        shown = available_resources(plan, cand.free, types, present.LIST_RESOURCES_PER_TYPE)
        for index, location in enumerate(plan.locations):
            slot = present.time_slot(
                service_id=plan.service_id,
                schedule_id=plan.schedule_id,
                local_start=local_start,
                local_end=local_end,
                location=location,
                capacity=capacity,
                violations=broken,
                available_resources=shown if index == 0 else [dict(e) for e in shown],
            )
            key = (cand.start, index)
            items.append(Item(key, slot, slot["bookable"], local_start.date(), broken, cand.end))
    return items


# ---------------------------------------------------------------- appointment slots


async def list_availability_time_slots(
    db: Database,
    load: BookingLoad,
    signer: Signer,
    site_id: str,
    req: ListAvailabilityTimeSlotsRequest,
) -> dict[str, Any]:
    position: tuple[Any, ...] | None = None
    paging = req.cursor_paging
    limit = paging.limit if paging and paging.limit else None
    if paging is not None and paging.cursor:
        req, position, stored = resume(
            signer, site_id, "time-slots", paging.cursor, ListAvailabilityTimeSlotsRequest, int
        )
        limit = limit or stored
    elif req.service_id is None:
        raise missing_arguments("serviceId")
    limit = limit or APPOINTMENT_LIMIT
    assert req.service_id is not None
    now = utcnow()
    async with db.read(site_id) as scope:
        settings = await site_settings(scope)
        tz = request_zone(req.time_zone, settings)
        lo, hi = window(req.from_local_date, req.to_local_date, tz, settings, now)
        service = await load_service(scope, req.service_id)
        require_appointment(service)
        check_choices(service, req.customer_choices)
        plan = await make_plan(
            scope,
            settings,
            service,
            duration_seconds=duration_minutes(service, req.customer_choices) * 60,
            resource_types=req.resource_types,
            locations=slot_locations(service, req.locations),
        )
        types = shown_types(req.include_resource_type_ids, req.resource_types)
        wanted = violations_filter(req.booking_policy_violations)

        async def compute(a: datetime, b: datetime) -> list[Item]:
            items = await appointment_items(scope, load, plan, settings, tz, a, b, now, types)
            return filtered(
                items, bookable=req.bookable, wanted=wanted, per_day=req.time_slots_per_day
            )

        page, has_next = await paged(compute, lo, hi, tz, position, limit)
    params = frozen_params(req, lo, tz, limit)
    return {
        "timeSlots": [i.slot for i in page],
        "timeZone": tz.key,
        "cursorPagingMetadata": paging_metadata(
            signer, site_id, "time-slots", params, page, has_next
        ),
    }


def zone_name(tz: ZoneInfo) -> str:
    return tz.key


async def get_availability_time_slot(
    db: Database, load: BookingLoad, site_id: str, req: GetAvailabilityTimeSlotRequest
) -> dict[str, Any]:
    now = utcnow()
    async with db.read(site_id) as scope:
        settings = await site_settings(scope)
        tz = request_zone(req.time_zone, settings)
        service = await load_service(scope, req.service_id)
        require_appointment(service)
        check_choices(service, req.customer_choices)
        start = zoned.to_utc(req.local_start_date, tz)
        end = zoned.to_utc(req.local_end_date, tz)
        if end <= start:
            raise errors.invalid_field(
                "localEndDate", "must be after localStartDate", errors.OTHER, rule_name="RANGE"
            )
        wanted_duration = duration_minutes(service, req.customer_choices) * 60
        if to_seconds(end) - to_seconds(start) != wanted_duration or start < now:
            raise slot_not_found()
        locations = slot_locations(service, [req.location] if req.location else None)
        if not locations:
            raise slot_not_found()
        plan = await make_plan(
            scope,
            settings,
            service,
            duration_seconds=wanted_duration,
            resource_types=req.resource_types,
            locations=locations[:1],
        )
        free, _ = await free_for_start(scope, load, plan, settings, start)
        if not free or not all(free):
            raise slot_not_found()
    types = shown_types(req.include_resource_type_ids, req.resource_types)
    slot = present.time_slot(
        service_id=plan.service_id,
        schedule_id=plan.schedule_id,
        local_start=zoned.to_local(start, tz),
        local_end=zoned.to_local(end, tz),
        location=locations[0],
        capacity=present.Capacity(1, 1),
        violations=violations(plan.rules, start, now),
        available_resources=available_resources(plan, free, types or None, None),
    )
    return {"timeSlot": slot, "timeZone": tz.key}


async def free_for_start(
    scope: SiteScope,
    load: BookingLoad,
    plan: Plan,
    settings: SiteSettings,
    start: datetime,
    exclude: frozenset[str] = frozenset(),
    cached: bool = False,
) -> tuple[list[list[str]], HeldRead | None]:
    """Free resources of each group for a slot of ``plan`` starting at ``start``, and what
    was read of the bookings (``exclude``: ids of bookings not to count; ``cached``: the
    calendar's part may come from the process's current copy, ``loading.CalendarReads``)."""
    times = await plans_times(
        scope,
        load,
        [plan],
        settings,
        start,
        start + timedelta(seconds=1),
        exclude=exclude,
        cached=cached,
    )
    at = to_seconds(start)
    free = [free_resources_for(group, plan.shape, at) for group in plan_groups(plan, times)]
    return free, times.held
