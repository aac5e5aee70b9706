"""Time Slots V2 and Availability Calendar use-cases, over the one slot engine.

Each API function opens one read unit of work, loads the engine's inputs through the other
slices' service functions (:mod:`.loading`), runs the pure engine (:mod:`.slots`) and the pure
policy rules (:mod:`.policy`), and shapes the answer (:mod:`.present`).

For the bookings slice:

``check_appointment_slot(scope, service_id, start_utc, end_utc, resource_id=None, *,
service=None, settings=None) -> list[str]``
    The staff resource ids free for ``[start_utc, end_utc)`` of an APPOINTMENT service
    (``resource_id`` given: that one or nobody), computed by the same loaders and the same
    :func:`bookings.availability.slots.free_resources_for` as the slot lists, so a slot that
    is listed can be booked and a refused one is never listed. Policies are not checked here:
    use :func:`bookings.availability.policy.violations` with
    :func:`bookings.availability.policy.rules_of` (service). 404 ``SERVICE_NOT_FOUND``;
    400 on ``serviceId`` for a service that is not an APPOINTMENT. A caller that has read
    the service (its wire dict, as ``catalog.get_services`` gives it) or the site's settings
    (:func:`site_settings_of` of its ``sites`` row) in its unit of work passes them, and
    they are not read again; busy time is always read.
``set_booking_load_provider(provider) -> previous provider``
    (re-exported from :mod:`.loading`). ``provider.appointment_busy(scope, resource_ids,
    start_utc, end_utc) -> {resource_id: [(start, end), ...]}`` — intervals held by
    capacity-holding appointment bookings, already extended by their own buffer;
    ``provider.event_participants(scope, event_ids) -> {event_id: participants}`` — booked
    participants per class/course event (an event left out keeps the calendar's
    ``remainingCapacity``). The default provider returns nothing: until the bookings slice
    registers one, appointments are blocked by OPAQUE calendar events (such as APPOINTMENT
    events listing the staff resource) and class capacity is the calendar's.

Decisions where the spec is silent are listed in ``docs/api/availability.md``.
"""

from __future__ import annotations

import calendar as _months
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bookings.availability import cursors, present
from bookings.availability.intervals import from_seconds, to_seconds
from bookings.availability.loading import (
    SiteSettings,
    booking_load_provider,
    day_of,
    resource_times,
    set_booking_load_provider,
    settings_from,
    site_settings,
)
from bookings.availability.policy import PolicyRules, Violations, rules_of, violations
from bookings.availability.schemas import (
    STAFF_RESOURCE_TYPE_ID,
    CustomerChoices,
    GetAvailabilityTimeSlotRequest,
    GetEventTimeSlotRequest,
    ListAvailabilityTimeSlotsRequest,
    ListEventTimeSlotsRequest,
    ResourceTypeFilter,
    SlotLocation,
    ViolationsFilter,
)
from bookings.availability.slots import SlotShape, free_resources_for, list_slots
from bookings.calendar import service as calendar
from bookings.calendar import zoned
from bookings.catalog.services import service as catalog
from bookings.platform import errors, wire
from bookings.platform.db import Database, SiteScope, utcnow
from bookings.platform.signing import Signer
from bookings.platform.timezones import zone
from bookings.staff import service as staff

__all__ = [
    "SiteSettings",
    "check_appointment_slot",
    "get_availability_time_slot",
    "get_event_time_slot",
    "list_availability_time_slots",
    "list_event_time_slots",
    "set_booking_load_provider",
    "site_settings_of",
]

#: Slots are computed in chunks of this many local days while a page fills up.
CHUNK_DAYS = 32
APPOINTMENT_LIMIT = 1000
EVENT_LIMIT = 50
EVENT_TYPES = ("CLASS", "COURSE")
DEFAULT_DURATION_MINUTES = 60


# ---------------------------------------------------------------- small rules


def missing_arguments(*fields: str) -> errors.ApplicationError:
    return errors.ApplicationError(
        "MISSING_ARGUMENTS",
        f"Missing arguments: {', '.join(fields)}",
        http_status=400,
        data={"missingArguments": list(fields)},
    )


def slot_not_found() -> errors.ApplicationError:
    return errors.not_found("SLOT_NOT_FOUND", "No such available time slot")


def request_zone(name: str | None, settings: SiteSettings, field: str = "timeZone") -> ZoneInfo:
    try:
        return zone(name or settings.time_zone)
    except KeyError:
        raise errors.invalid_field(
            field, "must be an IANA time zone such as Europe/London", errors.FORMAT
        ) from None


def window(
    from_local: datetime | None,
    to_local: datetime | None,
    tz: ZoneInfo,
    settings: SiteSettings,
    now: datetime,
) -> tuple[datetime, datetime]:
    """``[from, to)`` as instants (``from`` defaults to now); at most the site's range."""
    if to_local is None:
        raise missing_arguments("toLocalDate")
    lo = zoned.to_utc(from_local, tz) if from_local is not None else now
    hi = zoned.to_utc(to_local, tz)
    if hi <= lo:
        raise errors.invalid_field(
            "toLocalDate", "must be after fromLocalDate (or now)", errors.OTHER, rule_name="RANGE"
        )
    if hi - lo > timedelta(days=settings.max_range_days):
        raise errors.invalid_field(
            "toLocalDate",
            f"must be at most {settings.max_range_days} days after fromLocalDate",
            errors.MAX,
        )
    return lo, hi


def add_month(value: datetime) -> datetime:
    year, month = (value.year + 1, 1) if value.month == 12 else (value.year, value.month + 1)
    day = min(value.day, _months.monthrange(year, month)[1])
    return value.replace(year=year, month=month, day=day)


def constraints(service: Mapping[str, Any]) -> Mapping[str, Any]:
    return ((service.get("schedule") or {}).get("availabilityConstraints")) or {}


def duration_minutes(service: Mapping[str, Any], choices: CustomerChoices | None) -> int:
    if choices is not None and choices.duration_in_minutes:
        return choices.duration_in_minutes
    ac = constraints(service)
    for value in ac.get("sessionDurations") or ():
        if isinstance(value, int) and value > 0:
            return value
    for item in ac.get("durations") or ():
        minutes = item.get("minutes") if isinstance(item, Mapping) else None
        if isinstance(minutes, int) and minutes > 0:
            return minutes
    return DEFAULT_DURATION_MINUTES


def buffer_minutes(service: Mapping[str, Any]) -> int:
    value = constraints(service).get("timeBetweenSessions")
    return value if isinstance(value, int) and value > 0 else 0


def check_choices(service: Mapping[str, Any], choices: CustomerChoices | None) -> None:
    if choices is None:
        return
    if choices.requested_gender is not None and choices.requested_gender.gender is not None:
        raise errors.ApplicationError(
            "REQUESTED_GENDER_NOT_ALLOWED",
            "Narrowing staff by gender is not enabled for this business",
            http_status=400,
        )
    if choices.duration_in_minutes and constraints(service).get("durationRange"):
        raise errors.invalid_field(
            "customerChoices.durationInMinutes",
            "is not allowed for a service with a duration range",
            errors.FIELD_NOT_ALLOWED,
        )


def violations_filter(value: ViolationsFilter | None) -> dict[str, bool | None] | None:
    return None if value is None else value.model_dump(exclude_none=True, by_alias=False)


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
    found = await catalog.get_services(scope, [service_id])
    service = found.get(service_id)
    if service is None:
        raise errors.not_found("SERVICE_NOT_FOUND", f"Service {service_id} not found")
    return service


def require_appointment(service: Mapping[str, Any]) -> None:
    if service.get("type") != "APPOINTMENT":
        raise errors.invalid_field(
            "serviceId",
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
) -> Plan:
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
    resources = await staff.resources_by_ids(scope, wanted) if wanted else {}
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


@dataclass(frozen=True, slots=True)
class Item:
    """One listed entry and its paging key."""

    key: tuple[Any, ...]
    slot: dict[str, Any]
    bookable: bool
    day: date
    violations: Violations
    #: The slot's end instant (seconds).
    end: int


async def appointment_items(
    scope: SiteScope,
    plan: Plan,
    settings: SiteSettings,
    tz: ZoneInfo,
    lo: datetime,
    hi: datetime,
    now: datetime,
    types: Sequence[str],
) -> list[Item]:
    shape = plan.shape
    times = await resource_times(
        scope,
        plan.resources,
        lo=lo,
        hi=hi,
        reach=timedelta(seconds=shape.duration + shape.buffer),
        site_zone=zone(settings.time_zone),
        known_buffers={plan.service_id: shape.buffer},
    )
    groups = [[times[r] for r in ids] for _, ids in plan.groups]
    found = list_slots(groups, shape, lo=to_seconds(lo), hi=to_seconds(hi), now=to_seconds(now))
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


# ---------------------------------------------------------------- paging


Compute = Callable[[datetime, datetime], Awaitable[list[Item]]]


async def paged(
    compute: Compute,
    lo: datetime,
    hi: datetime,
    tz: ZoneInfo,
    position: tuple[Any, ...] | None,
    limit: int,
) -> tuple[list[Item], bool]:
    """Up to ``limit`` items after ``position``, computing chunk by chunk (chunks end at local
    midnights, so per-day caps see whole days)."""
    chunk_lo = lo
    if position is not None:
        day = day_of(from_seconds(int(position[0])), tz)
        chunk_lo = max(lo, zoned.to_utc(datetime.combine(day, time()), tz))
    out: list[Item] = []
    while chunk_lo < hi and len(out) <= limit:
        first = day_of(chunk_lo, tz)
        chunk_hi = min(
            hi, zoned.to_utc(datetime.combine(first + timedelta(CHUNK_DAYS), time()), tz)
        )
        items = await compute(chunk_lo, chunk_hi)
        if position is not None:
            items = [i for i in items if i.key > position]
        out.extend(items)
        chunk_lo = chunk_hi
    return out[:limit], len(out) > limit


def position_of(raw: Any, second: type) -> tuple[Any, ...] | None:
    if raw is None:
        return None
    if (
        isinstance(raw, list)
        and len(raw) == 2
        and isinstance(raw[0], int)
        and isinstance(raw[1], second)
    ):
        return (raw[0], raw[1])
    raise cursors.bad_cursor()


def paging_metadata(
    signer: Signer,
    site_id: str,
    kind: str,
    params: dict[str, Any],
    page: list[Item],
    has_next: bool,
) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if has_next and page:
        found["next"] = cursors.encode(signer, site_id, kind, params, list(page[-1].key))
    return {"cursors": found, "hasNext": has_next}


def filtered(
    items: list[Item],
    *,
    bookable: bool | None,
    wanted: dict[str, bool | None] | None,
    per_day: int | None,
    extra: Callable[[Item], bool] | None = None,
) -> list[Item]:
    kept = [
        i
        for i in items
        if (bookable is None or i.bookable == bookable)
        and present.violations_match(i.violations, wanted)
        and (extra is None or extra(i))
    ]
    return present.cap_per_day(
        kept, per_day, lambda i: i.day, lambda i: i.bookable, bookable_first=bookable is None
    )


def resume(
    signer: Signer, site_id: str, kind: str, token: str, model: type[Any], second: type
) -> tuple[Any, tuple[Any, ...] | None, int | None]:
    params, raw_position = cursors.decode(signer, site_id, kind, token)
    try:
        request = model.model_validate(params)
    except Exception:
        raise cursors.bad_cursor() from None
    limit = params.get("cursorPaging", {}).get("limit") if isinstance(params, dict) else None
    return request, position_of(raw_position, second), limit if isinstance(limit, int) else None


def frozen_params(request: Any, lo: datetime, tz: ZoneInfo, limit: int) -> dict[str, Any]:
    params: dict[str, Any] = request.model_dump(
        mode="json", by_alias=True, exclude_none=True, exclude={"cursor_paging"}
    )
    params["fromLocalDate"] = present.local_text(lo, tz)
    params["cursorPaging"] = {"limit": limit}
    return params


# ---------------------------------------------------------------- appointment slots


async def list_availability_time_slots(
    db: Database, signer: Signer, site_id: str, req: ListAvailabilityTimeSlotsRequest
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
            items = await appointment_items(scope, plan, settings, tz, a, b, now, types)
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
    db: Database, site_id: str, req: GetAvailabilityTimeSlotRequest
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
        free = await free_for_start(scope, plan, settings, start)
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
    scope: SiteScope, plan: Plan, settings: SiteSettings, start: datetime
) -> list[list[str]]:
    """Free resources of each group for a slot of ``plan`` starting at ``start``."""
    shape = plan.shape
    times = await resource_times(
        scope,
        plan.resources,
        lo=start,
        hi=start + timedelta(seconds=1),
        reach=timedelta(seconds=shape.duration + shape.buffer),
        site_zone=zone(settings.time_zone),
        known_buffers={plan.service_id: shape.buffer},
    )
    at = to_seconds(start)
    return [free_resources_for([times[r] for r in ids], shape, at) for _type, ids in plan.groups]


def site_settings_of(time_zone: str | None, settings: Mapping[str, Any] | None) -> SiteSettings:
    """The availability settings of a ``sites`` row (its ``time_zone`` and ``settings``)."""
    return settings_from(time_zone, settings)


async def check_appointment_slot(
    scope: SiteScope,
    service_id: str,
    start_utc: datetime,
    end_utc: datetime,
    resource_id: str | None = None,
    *,
    service: dict[str, Any] | None = None,
    settings: SiteSettings | None = None,
) -> list[str]:
    """Staff resource ids free for ``[start_utc, end_utc)`` (see the module docstring)."""
    if settings is None:
        settings = await site_settings(scope)
    if service is None or service.get("id") != service_id:
        service = await load_service(scope, service_id)
    require_appointment(service)
    seconds = to_seconds(end_utc) - to_seconds(start_utc)
    if seconds <= 0:
        return []
    filters = None
    if resource_id is not None:
        filters = [
            ResourceTypeFilter(resource_type_id=STAFF_RESOURCE_TYPE_ID, resource_ids=[resource_id])
        ]
    plan = await make_plan(
        scope, settings, service, duration_seconds=seconds, resource_types=filters, locations=[]
    )
    return (await free_for_start(scope, plan, settings, start_utc))[0]


# ---------------------------------------------------------------- event slots


_EVENT_FILTER_FIELDS = {
    "id": False,
    "scheduleId": False,
    "type": False,
    "status": False,
    "title": False,
    "location.id": False,
    "location.type": False,
    "resources.id": True,
}


def _event_values(event: Mapping[str, Any], path: str) -> list[Any]:
    if path == "resources.id":
        return [r.get("id") for r in event.get("resources") or ()]
    node: Any = event
    for part in path.split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
    return [] if node is None else [node]


def event_filter_matches(event: Mapping[str, Any], flt: Any, path: str = "eventFilter") -> bool:
    """A small subset of the Calendar Events query filter, on one event wire dict:
    implicit equality, ``$eq $ne $in $nin $hasSome $exists``, ``$and $or $not``."""
    if not isinstance(flt, Mapping):
        raise errors.invalid_field(path, "must be an object", errors.FORMAT)
    for key, value in flt.items():
        here = f"{path}.{key}"
        if key == "$and" or key == "$or":
            if not isinstance(value, list) or not value:
                raise errors.invalid_field(here, "must be a non-empty array", errors.FORMAT)
            results = [event_filter_matches(event, v, f"{here}[{i}]") for i, v in enumerate(value)]
            if not (all(results) if key == "$and" else any(results)):
                return False
        elif key == "$not":
            if event_filter_matches(event, value, here):
                return False
        elif key in _EVENT_FILTER_FIELDS:
            if not _condition(_event_values(event, key), value, here):
                return False
        else:
            raise errors.invalid_field(
                here, "is not a supported filter field", errors.FIELD_NOT_ALLOWED
            )
    return True


def _condition(values: list[Any], cond: Any, path: str) -> bool:
    if not isinstance(cond, Mapping):
        return cond in values
    for op, operand in cond.items():
        if op == "$eq":
            ok = operand in values
        elif op == "$ne":
            ok = operand not in values
        elif op in ("$in", "$hasSome", "$nin"):
            if not isinstance(operand, list):
                raise errors.invalid_field(f"{path}.{op}", "must be an array", errors.FORMAT)
            hit = any(v in operand for v in values)
            ok = not hit if op == "$nin" else hit
        elif op == "$exists":
            ok = bool(values) == bool(operand)
        else:
            raise errors.invalid_field(
                f"{path}.{op}", "is not a supported operator", errors.FIELD_NOT_ALLOWED
            )
        if not ok:
            return False
    return True


def staff_on_event(event: Mapping[str, Any]) -> tuple[list[str], dict[str, str]]:
    ids, names = [], {}
    for entry in event.get("resources") or ():
        if entry.get("type") == STAFF_RESOURCE_TYPE_ID and entry.get("id"):
            ids.append(str(entry["id"]))
            if entry.get("name"):
                names[str(entry["id"])] = str(entry["name"])
    return ids, names


def event_item(
    event: Mapping[str, Any],
    service: Mapping[str, Any],
    tz: ZoneInfo,
    now: datetime,
    participants: Mapping[str, int],
) -> Item:
    start, end = calendar.event_interval(event)
    total = event.get("totalCapacity")
    if not isinstance(total, int):
        default = service.get("defaultCapacity")
        total = default if isinstance(default, int) else 0
    if event["id"] in participants:
        remaining = total - participants[event["id"]]
    else:
        stored = event.get("remainingCapacity")
        remaining = stored if isinstance(stored, int) else total
    broken = violations(rules_of(service), start, now)
    ids, names = staff_on_event(event)
    shown = [present.resources_entry(STAFF_RESOURCE_TYPE_ID, ids, names, None)] if ids else []
    slot = present.time_slot(
        service_id=str(service["id"]),
        schedule_id=str(event.get("scheduleId") or "") or None,
        local_start=zoned.to_local(start, tz),
        local_end=zoned.to_local(end, tz),
        location=present.event_location(event.get("location")),
        capacity=present.Capacity(total, remaining),
        violations=broken,
        available_resources=shown,
        event=event,
        cancelled=event.get("status") == "CANCELLED",
    )
    key = (to_seconds(start), str(event["id"]))
    return Item(key, slot, slot["bookable"], day_of(start, tz), broken, to_seconds(end))


async def event_items(
    scope: SiteScope,
    service_ids: Sequence[str] | None,
    tz: ZoneInfo,
    lo: datetime,
    hi: datetime,
    now: datetime,
    *,
    include_cancelled: bool,
    event_filter: Mapping[str, Any] | None,
) -> list[Item]:
    schedule_ids: list[str] | None = None
    services: dict[str, dict[str, Any]] = {}
    if service_ids is not None:
        services = await catalog.get_services(scope, list(service_ids))
        schedule_ids = sorted(
            str(s["schedule"]["id"])
            for s in services.values()
            if s.get("type") in EVENT_TYPES and (s.get("schedule") or {}).get("id")
        )
        if not schedule_ids:
            return []
    events = await calendar.occurrences(
        scope,
        start_utc=lo,
        end_utc=hi,
        schedule_ids=schedule_ids,
        types=EVENT_TYPES,
        include_cancelled=include_cancelled,
    )
    events = [e for e in events if calendar.event_interval(e)[0] >= lo]
    if service_ids is None:
        owners = sorted({str(e.get("externalScheduleId")) for e in events})
        services = await catalog.get_services(scope, owners) if owners else {}
    by_schedule = {
        str(s["schedule"]["id"]): s
        for s in services.values()
        if s.get("type") in EVENT_TYPES and (s.get("schedule") or {}).get("id")
    }
    events = [e for e in events if e.get("scheduleId") in by_schedule]
    if event_filter:
        events = [e for e in events if event_filter_matches(e, event_filter)]
    participants = await booking_load_provider().event_participants(
        scope, [str(e["id"]) for e in events]
    )
    return [event_item(e, by_schedule[e["scheduleId"]], tz, now, participants) for e in events]


async def list_event_time_slots(
    db: Database, signer: Signer, site_id: str, req: ListEventTimeSlotsRequest
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
    if req.event_filter is not None:
        event_filter_matches({}, req.event_filter)  # validates the filter up front
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
                req.service_ids,
                tz,
                a,
                b,
                now,
                include_cancelled=include_non_bookable,
                event_filter=req.event_filter,
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
    db: Database, site_id: str, req: GetEventTimeSlotRequest
) -> dict[str, Any]:
    now = utcnow()
    async with db.read(site_id) as scope:
        settings = await site_settings(scope)
        tz = request_zone(req.time_zone, settings)
        event = await calendar.get_event(scope, req.event_id)
        if event is None or event.get("type") not in EVENT_TYPES:
            raise slot_not_found()
        owner = str(event.get("externalScheduleId") or "")
        service = (await catalog.get_services(scope, [owner])).get(owner) if owner else None
        if service is None or service.get("type") not in EVENT_TYPES:
            raise slot_not_found()
        participants = await booking_load_provider().event_participants(scope, [req.event_id])
        item = event_item(event, service, tz, now, participants)
    return {"timeSlot": item.slot, "timeZone": tz.key}


def local_or_instant(value: Any, tz: ZoneInfo | None, field: str) -> datetime:
    """A legacy filter date: an instant, or with ``timezone`` local wall time in it."""
    try:
        if tz is not None:
            return zoned.to_utc(wire.parse_local_datetime(value), tz)
        return wire.parse_timestamp(value)
    except Exception:
        raise errors.invalid_field(
            field, "must be a date-time such as 2026-01-30T13:30:00.000Z", errors.FORMAT
        ) from None
