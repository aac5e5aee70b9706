"""Event time slots: class and course sessions as slots, with their booked capacity."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from bookings.availability import present
from bookings.availability.inputs import (
    EVENT_LIMIT,
    EVENT_TYPES,
    add_month,
    request_zone,
    slot_not_found,
    violations_filter,
    window,
)
from bookings.availability.intervals import to_seconds
from bookings.availability.loading import (
    day_of,
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
from bookings.availability.policy import rules_of, violations
from bookings.availability.ports import BookingLoad, WaitlistState
from bookings.availability.schemas import (
    STAFF_RESOURCE_TYPE_ID,
    GetEventTimeSlotRequest,
    ListEventTimeSlotsRequest,
)
from bookings.calendar import service as calendar
from bookings.calendar.service import EventView
from bookings.catalog.services import service as catalog
from bookings.catalog.services.service import ServiceView
from bookings.platform import errors, query, zoned
from bookings.platform.db import Database, SiteScope, utcnow
from bookings.platform.query import match
from bookings.platform.signing import Signer

# ---------------------------------------------------------------- event slots


# The ``eventFilter`` of List Event Time Slots: parsed and validated by the platform's query
# language against this whitelist, then evaluated on each event (occurrences may be computed,
# not stored). The columns name the fields; no SQL is made of them.
_RESOURCES = sa.Table("event_filter_resources", sa.MetaData(), sa.Column("value", sa.String))
_SCALAR = frozenset({query.EQ, query.NE, query.IN, query.NIN, query.EXISTS})
EVENT_FILTER = query.QuerySpec(
    fields=[
        *(
            query.FieldSpec(path, sa.column(path), operators=_SCALAR)
            for path in (
                "id",
                "scheduleId",
                "type",
                "status",
                "title",
                "location.id",
                "location.type",
            )
        ),
        query.FieldSpec(
            "resources.id",
            array=query.ArrayStorage(_RESOURCES, {}),
            operators=frozenset(
                {query.EQ, query.NE, query.IN, query.NIN, query.HAS_SOME, query.IS_EMPTY}
            ),
        ),
    ],
    tiebreaker=sa.column("id"),
)


def parse_event_filter(flt: Any) -> query.Node:
    """The ``eventFilter`` of a request, validated (400 on ``eventFilter...``)."""
    return query.normalize_filter(EVENT_FILTER, flt, "eventFilter")


def _event_values(event: Mapping[str, Any], path: str) -> list[Any]:
    if path == "resources.id":
        return [r.get("id") for r in event.get("resources") or ()]
    node: Any = event
    for part in path.split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
    return [] if node is None else [node]


def event_filter_matches(event: Mapping[str, Any], node: query.Node) -> bool:
    """Whether an event wire dict passes a parsed ``eventFilter``."""
    return match.matches(node, lambda field: _event_values(event, field.path))


def staff_on_event(event: EventView) -> tuple[list[str], dict[str, str]]:
    ids, names = [], {}
    for entry in event.resources:
        if entry.get("type") == STAFF_RESOURCE_TYPE_ID and entry.get("id"):
            ids.append(str(entry["id"]))
            if entry.get("name"):
                names[str(entry["id"])] = str(entry["name"])
    return ids, names


def event_item(
    event: EventView,
    service: ServiceView,
    tz: ZoneInfo,
    now: datetime,
    participants: Mapping[str, int],
    waitlists: Mapping[str, WaitlistState] | None = None,
) -> Item:
    start, end = event.start, event.end
    total = event.total_capacity
    if total is None:
        total = service.default_capacity or 0
    if event.id in participants:
        remaining = total - participants[event.id]
    else:
        stored = event.remaining_capacity
        remaining = stored if stored is not None else total
    broken = violations(rules_of(service.wire), start, now)
    state = (waitlists or {}).get(event.id) or WaitlistState()
    policy = service.booking_policy.get("waitlistPolicy") or {}
    waiting_list = None
    if policy.get("enabled"):
        size = policy.get("capacity")
        waiting_list = present.WaitingList(size if isinstance(size, int) else 10, state.registrants)
    ids, names = staff_on_event(event)
    shown = [present.resources_entry(STAFF_RESOURCE_TYPE_ID, ids, names, None)] if ids else []
    slot = present.time_slot(
        service_id=service.id,
        schedule_id=event.schedule_id or None,
        local_start=zoned.to_local(start, tz),
        local_end=zoned.to_local(end, tz),
        location=present.event_location(event.location),
        capacity=present.Capacity(total, remaining, min(state.held, max(0, remaining))),
        violations=broken,
        available_resources=shown,
        event=event.wire,
        cancelled=event.cancelled,
        waiting_list=waiting_list,
    )
    key = (to_seconds(start), event.id)
    return Item(key, slot, slot["bookable"], day_of(start, tz), broken, to_seconds(end))


async def event_items(
    scope: SiteScope,
    load: BookingLoad,
    service_ids: Sequence[str] | None,
    tz: ZoneInfo,
    lo: datetime,
    hi: datetime,
    now: datetime,
    *,
    include_cancelled: bool,
    event_filter: query.Node | None,
) -> list[Item]:
    schedule_ids: list[str] | None = None
    services: dict[str, ServiceView] = {}
    if service_ids is not None:
        services = await catalog.get_service_views(scope, list(service_ids))
        schedule_ids = sorted(
            s.schedule_id for s in services.values() if s.type in EVENT_TYPES and s.schedule_id
        )
        if not schedule_ids:
            return []
    found = await calendar.occurrences(
        scope,
        start_utc=lo,
        end_utc=hi,
        schedule_ids=schedule_ids,
        types=EVENT_TYPES,
        include_cancelled=include_cancelled,
    )
    events = [e for e in map(EventView, found) if e.start >= lo]
    if service_ids is None:
        owners = sorted({str(e.external_schedule_id) for e in events})
        services = await catalog.get_service_views(scope, owners) if owners else {}
    by_schedule = {
        s.schedule_id: s for s in services.values() if s.type in EVENT_TYPES and s.schedule_id
    }
    events = [e for e in events if e.schedule_id in by_schedule]
    if event_filter is not None:
        events = [e for e in events if event_filter_matches(e.wire, event_filter)]
    ids = [e.id for e in events]
    participants = await load.event_participants(scope, ids)
    waitlists = await load.event_waitlists(scope, ids)
    return [
        event_item(e, by_schedule[e.schedule_id], tz, now, participants, waitlists) for e in events
    ]


async def list_event_time_slots(
    db: Database, load: BookingLoad, signer: Signer, site_id: str, req: ListEventTimeSlotsRequest
) -> dict[str, Any]:
    position: tuple[Any, ...] | None = None
    paging = req.cursor_paging
    limit = paging.limit if paging and paging.limit else None
    if paging is not None and paging.cursor:
        req, position, stored = resume(
            signer, site_id, "event-time-slots", paging.cursor, ListEventTimeSlotsRequest, str
        )
        limit = limit or stored
    limit = limit or EVENT_LIMIT
    event_filter = parse_event_filter(req.event_filter) if req.event_filter is not None else None
    now = utcnow()
    async with db.read(site_id) as scope:
        settings = await site_settings(scope)
        tz = request_zone(req.time_zone, settings)
        lo, hi = window(req.from_local_date, req.to_local_date, tz, settings, now)
        if req.max_slots_per_day is not None and hi > add_month(lo):
            raise errors.invalid_field(
                "maxSlotsPerDay",
                "needs toLocalDate at most one month after fromLocalDate",
                errors.OTHER,
                rule_name="RANGE_TOO_LONG",
            )
        include_non_bookable = req.include_non_bookable is not False
        wanted = violations_filter(req.booking_policy_violations)
        minimum = req.min_bookable_capacity

        def extra(item: Item) -> bool:
            return minimum is None or int(item.slot["bookableCapacity"]) >= minimum

        async def compute(a: datetime, b: datetime) -> list[Item]:
            items = await event_items(
                scope,
                load,
                req.service_ids,
                tz,
                a,
                b,
                now,
                include_cancelled=include_non_bookable,
                event_filter=event_filter,
            )
            items.sort(key=lambda i: i.key)
            return filtered(
                items,
                bookable=None if include_non_bookable else True,
                wanted=wanted,
                per_day=req.max_slots_per_day,
                extra=extra,
            )

        page, has_next = await paged(compute, lo, hi, tz, position, limit)
    params = frozen_params(req, lo, tz, limit)
    return {
        "timeSlots": [i.slot for i in page],
        "timeZone": tz.key,
        "pagingMetadata": paging_metadata(
            signer, site_id, "event-time-slots", params, page, has_next
        ),
    }


async def get_event_time_slot(
    db: Database, load: BookingLoad, site_id: str, req: GetEventTimeSlotRequest
) -> dict[str, Any]:
    now = utcnow()
    async with db.read(site_id) as scope:
        settings = await site_settings(scope)
        tz = request_zone(req.time_zone, settings)
        found = await calendar.get_event(scope, req.event_id)
        event = EventView(found) if found is not None else None
        if event is None or event.type not in EVENT_TYPES:
            raise slot_not_found()
        owner = event.external_schedule_id
        service = (await catalog.get_service_views(scope, [owner])).get(owner) if owner else None
        if service is None or service.type not in EVENT_TYPES:
            raise slot_not_found()
        participants = await load.event_participants(scope, [req.event_id])
        waitlists = await load.event_waitlists(scope, [req.event_id])
        item = event_item(event, service, tz, now, participants, waitlists)
    return {"timeSlot": item.slot, "timeZone": tz.key}
