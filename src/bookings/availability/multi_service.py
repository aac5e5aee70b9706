"""Multi-service time slots: chains of 2 to 8 APPOINTMENT services back to back
(``SEQUENTIAL_BOOKINGS``), listed and got over the one chain rule of :mod:`.chains`.

Each service of a request is planned as a single-service slot is (:func:`.appointments.
make_plan`: duration from its ``customerChoices``, its buffer, its staff narrowed by its
``resourceTypes``); the times of every resource of every service are read once for the whole
window; the pure engine (:func:`.chains.list_chains`, :func:`.chains.chain_at`) keeps the
chains whose every link has a free resource and whose staff :func:`.chains.assign_chain`
can assign; this module shapes them (:mod:`.present`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bookings.availability import present
from bookings.availability.appointments import (
    Plan,
    available_resources,
    make_plan,
    plan_groups,
    plan_resource_ids,
    plans_times,
    require_appointment,
    shown_types,
    slot_locations,
)
from bookings.availability.chains import Chain, Part, chain_at, list_chains
from bookings.availability.inputs import (
    APPOINTMENT_LIMIT,
    check_choices,
    duration_minutes,
    missing_arguments,
    request_zone,
    slot_not_found,
    violations_filter,
    window,
)
from bookings.availability.intervals import from_seconds, to_seconds
from bookings.availability.loading import ResourceTimes, SiteSettings, site_settings
from bookings.availability.paging import (
    Item,
    filtered,
    frozen_params,
    paged,
    paging_metadata,
    resume,
)
from bookings.availability.policy import Violations, combined, violations
from bookings.availability.ports import BookingLoad
from bookings.availability.schemas import (
    GetMultiServiceTimeSlotRequest,
    ListMultiServiceTimeSlotsRequest,
    LocationType,
    MultiServiceItem,
    SlotLocation,
)
from bookings.catalog.services import service as catalog
from bookings.platform import errors, zoned
from bookings.platform.db import Database, SiteScope, utcnow
from bookings.platform.signing import Signer
from bookings.platform.wire import format_local_datetime
from bookings.staff import service as staff

#: The cursor kind of ListMultiServiceAvailabilityTimeSlots.
KIND = "multi-service-time-slots"


# ---------------------------------------------------------------- plans


@dataclass(frozen=True)
class ChainPlan:
    """What a multi-service request needs: one plan per service, in request order, and the
    location its slots show (``None``: some service does not offer the requested one)."""

    plans: list[Plan]
    location: dict[str, Any] | None

    @property
    def duration(self) -> int:
        return sum(p.shape.duration for p in self.plans)

    @property
    def reach(self) -> int:
        """How long after its start a chain can still hold a resource (seconds)."""
        return self.duration + max(p.shape.buffer for p in self.plans)

    def parts(self, times: ResourceTimes) -> list[Part]:
        return [Part(p.shape, plan_groups(p, times)) for p in self.plans]


def check_location(location: SlotLocation) -> None:
    """A multi-service request names its location: a type, and for BUSINESS the id."""
    if location.id:
        return
    if location.location_type is None:
        raise errors.invalid_field("location.locationType", "is required", errors.REQUIRED_FIELD)
    if location.location_type is LocationType.BUSINESS:
        raise errors.invalid_field(
            "location.id", "is required for a BUSINESS location", errors.REQUIRED_FIELD
        )


async def chain_plan(
    scope: SiteScope,
    settings: SiteSettings,
    items: Sequence[MultiServiceItem],
    location: SlotLocation,
) -> ChainPlan:
    """The plans of ``items``: 404 ``SERVICE_NOT_FOUND`` for the first unknown service, 400
    for one that is not an APPOINTMENT or has choices it does not allow."""
    ids = [item.service_id for item in items]
    found = await catalog.get_service_views(scope, ids)
    for sid in ids:
        if sid not in found:
            raise catalog.service_not_found(sid)
    services = [dict(found[sid].wire) for sid in ids]
    for n, (service, item) in enumerate(zip(services, items, strict=True)):
        require_appointment(service, f"services[{n}].serviceId")
        check_choices(service, item.customer_choices, f"services[{n}].customerChoices")
    offered = [slot_locations(service, [location]) for service in services]
    wanted: set[str] = set()
    for service, item in zip(services, items, strict=True):
        wanted |= plan_resource_ids(service, item.resource_types)
    # every service's resources in one read
    known = await staff.resources_by_ids(scope, sorted(wanted)) if wanted else {}
    plans = [
        await make_plan(
            scope,
            settings,
            service,
            duration_seconds=duration_minutes(service, item.customer_choices) * 60,
            resource_types=item.resource_types,
            locations=locations[:1],
            known=known,
        )
        for service, item, locations in zip(services, items, offered, strict=True)
    ]
    shown = offered[0][0] if all(offered) else None
    return ChainPlan(plans, shown)


# ---------------------------------------------------------------- presenting


class Clock:
    """Instants (seconds) as aware datetimes, their wall-clock dates and wire texts in the
    response zone, each converted once per call: neighbouring chains share their links'
    edges."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self.seen: dict[int, tuple[datetime, date, str]] = {}

    def __call__(self, seconds: int) -> tuple[datetime, date, str]:
        found = self.seen.get(seconds)
        if found is None:
            instant = from_seconds(seconds)
            wall = zoned.to_local(instant, self.tz)
            found = self.seen[seconds] = (instant, wall.date(), format_local_datetime(wall))
        return found


def chain_slot(
    chain_plan: ChainPlan,
    chain: Chain,
    clock: Clock,
    now: datetime,
    types: Sequence[Sequence[str] | None],
    limit: int | None,
) -> tuple[dict[str, Any], Violations]:
    """The TimeSlot of a kept chain and its aggregated violations. ``types[i]``: the resource
    types shown in service ``i``'s nested slot (``None``: all its groups)."""
    edges = [clock(link.start) for link in chain.links] + [clock(chain.end)]
    local = [text for _, _, text in edges]
    nested: list[dict[str, Any]] = []
    broken: list[Violations] = []
    for i, plan in enumerate(chain_plan.plans):
        broken.append(violations(plan.rules, edges[i][0], now))
        nested.append(
            present.nested_time_slot(
                service_id=plan.service_id,
                schedule_id=plan.schedule_id,
                local_start=local[i],
                local_end=local[i + 1],
                available_resources=available_resources(plan, chain.free[i], types[i], limit),
            )
        )
    found = combined(broken)
    slot = present.time_slot(
        service_id=None,
        schedule_id=None,
        local_start=local[0],
        local_end=local[-1],
        location=chain_plan.location,
        capacity=present.Capacity(1, 1),
        violations=found,
        available_resources=[],
        nested=nested,
    )
    return slot, found


async def chain_items(
    scope: SiteScope,
    load: BookingLoad,
    chain_plan: ChainPlan,
    settings: SiteSettings,
    tz: ZoneInfo,
    lo: datetime,
    hi: datetime,
    end_by: datetime,
    now: datetime,
    types: Sequence[Sequence[str]],
) -> list[Item]:
    """The chains starting in ``[lo, hi)`` and ending by ``end_by``, as listed items."""
    if chain_plan.location is None:
        return []
    times = await plans_times(
        scope, load, chain_plan.plans, settings, lo, hi, reach=chain_plan.reach
    )
    chains = list_chains(
        chain_plan.parts(times),
        lo=to_seconds(lo),
        hi=to_seconds(hi),
        end_by=to_seconds(end_by),
        now=to_seconds(now),
    )
    items: list[Item] = []
    limit = present.LIST_RESOURCES_PER_TYPE
    clock = Clock(tz)
    for chain in chains:
        slot, found = chain_slot(chain_plan, chain, clock, now, types, limit)
        day = clock(chain.start)[1]
        items.append(Item((chain.start, 0), slot, slot["bookable"], day, found, chain.end))
    return items


# ---------------------------------------------------------------- use cases


async def list_multi_service_time_slots(
    db: Database,
    load: BookingLoad,
    signer: Signer,
    site_id: str,
    req: ListMultiServiceTimeSlotsRequest,
) -> dict[str, Any]:
    position: tuple[Any, ...] | None = None
    paging = req.cursor_paging
    limit = paging.limit if paging and paging.limit else None
    if paging is not None and paging.cursor:
        req, position, stored = resume(
            signer, site_id, KIND, paging.cursor, ListMultiServiceTimeSlotsRequest, int
        )
        limit = limit or stored
    else:
        missing = [
            name
            for name, value in (
                ("services", req.services),
                ("toLocalDate", req.to_local_date),
                ("location", req.location),
            )
            if value is None
        ]
        if missing:
            raise missing_arguments(*missing)
    limit = limit or APPOINTMENT_LIMIT
    if req.services is None or req.location is None:  # only a forged cursor gets here
        raise missing_arguments("services", "location")
    check_location(req.location)
    now = utcnow()
    async with db.read(site_id) as scope:
        settings = await site_settings(scope)
        tz = request_zone(req.time_zone, settings)
        lo, hi = window(req.from_local_date, req.to_local_date, tz, settings, now)
        plan = await chain_plan(scope, settings, req.services, req.location)
        types = [shown_types(i.include_resource_type_ids, i.resource_types) for i in req.services]
        wanted = violations_filter(req.booking_policy_violations)

        async def compute(a: datetime, b: datetime) -> list[Item]:
            items = await chain_items(scope, load, plan, settings, tz, a, b, hi, now, types)
            return filtered(
                items, bookable=req.bookable, wanted=wanted, per_day=req.time_slots_per_day
            )

        page, has_next = await paged(compute, lo, hi, tz, position, limit)
    params = frozen_params(req, lo, tz, limit)
    return {
        "timeSlots": [i.slot for i in page],
        "timeZone": tz.key,
        "cursorPagingMetadata": paging_metadata(signer, site_id, KIND, params, page, has_next),
    }


async def get_multi_service_time_slot(
    db: Database, load: BookingLoad, site_id: str, req: GetMultiServiceTimeSlotRequest
) -> dict[str, Any]:
    check_location(req.location)
    now = utcnow()
    async with db.read(site_id) as scope:
        settings = await site_settings(scope)
        tz = request_zone(req.time_zone, settings)
        plan = await chain_plan(scope, settings, req.services, req.location)
        start = zoned.to_utc(req.local_start_date, tz)
        end = zoned.to_utc(req.local_end_date, tz)
        if end <= start:
            raise errors.invalid_field(
                "localEndDate", "must be after localStartDate", errors.OTHER, rule_name="RANGE"
            )
        if to_seconds(end) - to_seconds(start) != plan.duration or start < now:
            raise slot_not_found()
        if plan.location is None:
            raise slot_not_found()
        times = await plans_times(
            scope,
            load,
            plan.plans,
            settings,
            start,
            start + timedelta(seconds=1),
            reach=plan.reach,
        )
        chain = chain_at(plan.parts(times), to_seconds(start))
        if chain is None:
            raise slot_not_found()
    types = [
        shown_types(i.include_resource_type_ids, i.resource_types) or None for i in req.services
    ]
    slot, _ = chain_slot(plan, chain, Clock(tz), now, types, None)
    return {"timeSlot": slot, "timeZone": tz.key}
