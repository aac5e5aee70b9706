"""Availability Calendar (legacy) Query Availability, over the same engine as Time Slots V2.

Filter: implicit equality only (an operator such as ``$eq`` is a 400), fields
``serviceId`` (required; a list = several services), ``startDate`` (required; slots starting
at or after), ``endDate`` (required; slots *ending* at or before), ``resourceId``,
``bookable``, ``bookingPolicyViolations.{tooEarlyToBook,tooLateToBook,bookOnlineDisabled}``,
``location.businessLocation.id``, ``openSpots`` (at least), ``eventId``/``sessionId``.
Appointment entries are one per slot, location and free staff member; class and course
entries one per session. Sort by ``startDate`` (ASC default), unbookable entries last.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bookings.availability import present
from bookings.availability.appointments import (
    load_service,
    make_plan,
    plan_groups,
    plans_times,
    slot_locations,
)
from bookings.availability.events import event_items
from bookings.availability.inputs import (
    EVENT_TYPES,
    duration_minutes,
    local_or_instant,
    request_zone,
)
from bookings.availability.intervals import from_seconds, to_seconds
from bookings.availability.loading import day_of, site_settings
from bookings.availability.paging import Item
from bookings.availability.policy import Violations, violations
from bookings.availability.ports import BookingLoad
from bookings.availability.schemas import (
    STAFF_RESOURCE_TYPE_ID,
    QueryAvailabilityRequest,
    ResourceTypeFilter,
)
from bookings.availability.slots import list_slots
from bookings.platform import errors
from bookings.platform.db import Database, SiteScope, utcnow
from bookings.platform.timezones import zone

FIELDS = {
    "serviceId",
    "startDate",
    "endDate",
    "resourceId",
    "bookable",
    "bookingPolicyViolations.tooEarlyToBook",
    "bookingPolicyViolations.tooLateToBook",
    "bookingPolicyViolations.bookOnlineDisabled",
    "location.businessLocation.id",
    "openSpots",
    "eventId",
    "sessionId",
}
PREFIX = "query.filter"


def flatten(node: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}``; any ``$`` operator is refused."""
    out: dict[str, Any] = {}
    for key, value in node.items():
        path = f"{prefix}.{key}" if prefix else key
        if key.startswith("$"):
            raise errors.invalid_field(
                f"{PREFIX}.{path}",
                "is not supported: Query Availability accepts implicit equality only",
                errors.FIELD_NOT_ALLOWED,
            )
        if isinstance(value, Mapping):
            out.update(flatten(value, path))
        else:
            out[path] = value
    for path in out:
        if path not in FIELDS:
            raise errors.invalid_field(
                f"{PREFIX}.{path}", "is not a supported filter field", errors.FIELD_NOT_ALLOWED
            )
    return out


def strings(value: Any, path: str) -> list[str]:
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, str) and v for v in values):
        raise errors.invalid_field(f"{PREFIX}.{path}", "must be a string or strings", errors.FORMAT)
    return list(dict.fromkeys(values))


def boolean(value: Any, path: str) -> bool | None:
    if value is None:
        return None
    if not isinstance(value, bool):
        raise errors.invalid_field(f"{PREFIX}.{path}", "must be a boolean", errors.FORMAT)
    return value


def entry(
    *,
    slot: dict[str, Any],
    bookable: bool,
    total: int,
    open_spots: int,
    broken: Violations,
) -> dict[str, Any]:
    return {
        "slot": slot,
        "bookable": bookable,
        "totalSpots": total,
        "openSpots": max(0, open_spots),
        "bookingPolicyViolations": broken.wire(legacy=True),
        "isFromV2": False,
    }


def waitlisted(found: dict[str, Any], v2: Mapping[str, Any]) -> dict[str, Any]:
    """A session entry with its waitlist: ``locked`` while spots are held for the waitlist's
    offers, ``waitingList.{totalSpots, openSpots}`` when its service has a waitlist."""
    if v2["bookableCapacity"] < v2["remainingCapacity"]:
        found["locked"] = True
    waiting = (v2.get("eventInfo") or {}).get("waitingList")
    if waiting is not None:
        found["waitingList"] = {
            "totalSpots": waiting["totalCapacity"],
            "openSpots": waiting["remainingCapacity"],
        }
    return found


async def appointment_entries(
    scope: SiteScope,
    load: BookingLoad,
    service: dict[str, Any],
    tz: ZoneInfo,
    lo: datetime,
    hi: datetime,
    now: datetime,
    resource_ids: list[str] | None,
) -> list[tuple[Item, dict[str, Any]]]:
    settings = await site_settings(scope)
    filters = None
    if resource_ids is not None:
        filters = [
            ResourceTypeFilter(resource_type_id=STAFF_RESOURCE_TYPE_ID, resource_ids=resource_ids)
        ]
    plan = await make_plan(
        scope,
        settings,
        service,
        duration_seconds=duration_minutes(service, None) * 60,
        resource_types=filters,
        locations=slot_locations(service, None),
    )
    times = await plans_times(scope, load, [plan], settings, lo, hi)
    out: list[tuple[Item, dict[str, Any]]] = []
    for cand in list_slots(
        plan_groups(plan, times),
        plan.shape,
        lo=to_seconds(lo),
        hi=to_seconds(hi),
        now=to_seconds(now),
    ):
        if cand.end > to_seconds(hi):
            continue
        start, end = from_seconds(cand.start), from_seconds(cand.end)
        broken = violations(plan.rules, start, now)
        bookable = not broken.any
        for index, location in enumerate(plan.locations):
            for rid in cand.free[0]:
                slot: dict[str, Any] = {
                    "serviceId": plan.service_id,
                    "scheduleId": plan.schedule_id,
                    "startDate": present.offset_text(start, tz),
                    "endDate": present.offset_text(end, tz),
                    "timezone": tz.key,
                    "resource": {"id": rid, "name": plan.names.get(rid) or None},
                }
                legacy_location = present.legacy_location(location)
                if legacy_location is not None:
                    slot["location"] = legacy_location
                slot = {k: v for k, v in slot.items() if v is not None}
                slot["resource"] = {k: v for k, v in slot["resource"].items() if v is not None}
                key = (cand.start, index)
                item = Item(key, slot, bookable, day_of(start, tz), broken, cand.end)
                out.append(
                    (
                        item,
                        entry(slot=slot, bookable=bookable, total=1, open_spots=1, broken=broken),
                    )
                )
    return out


async def query_availability(
    db: Database, load: BookingLoad, site_id: str, req: QueryAvailabilityRequest
) -> dict[str, Any]:
    flat = flatten(req.query.filter or {})
    missing = [f for f in ("serviceId", "startDate", "endDate") if f not in flat]
    if missing:
        raise errors.invalid_field(f"{PREFIX}.{missing[0]}", "is required", errors.REQUIRED_FIELD)
    service_ids = strings(flat["serviceId"], "serviceId")
    resource_ids = strings(flat["resourceId"], "resourceId") if "resourceId" in flat else None
    location_ids = (
        set(strings(flat["location.businessLocation.id"], "location.businessLocation.id"))
        if "location.businessLocation.id" in flat
        else None
    )
    event_ids = None
    for key in ("eventId", "sessionId"):
        if key in flat:
            event_ids = set(strings(flat[key], key)) | (event_ids or set())
    bookable = boolean(flat.get("bookable"), "bookable")
    wanted = {
        "too_early_to_book": boolean(
            flat.get("bookingPolicyViolations.tooEarlyToBook"),
            "bookingPolicyViolations.tooEarlyToBook",
        ),
        "too_late_to_book": boolean(
            flat.get("bookingPolicyViolations.tooLateToBook"),
            "bookingPolicyViolations.tooLateToBook",
        ),
        "book_online_disabled": boolean(
            flat.get("bookingPolicyViolations.bookOnlineDisabled"),
            "bookingPolicyViolations.bookOnlineDisabled",
        ),
    }
    open_spots = flat.get("openSpots")
    if open_spots is not None and (not isinstance(open_spots, int) or isinstance(open_spots, bool)):
        raise errors.invalid_field(f"{PREFIX}.openSpots", "must be an integer", errors.FORMAT)
    descending = False
    for index, sort in enumerate(req.query.sort or ()):
        if sort.field_name not in (None, "startDate"):
            raise errors.invalid_field(
                f"query.sort[{index}].fieldName",
                "only startDate is sortable",
                errors.FIELD_NOT_ALLOWED,
            )
        descending = sort.order is not None and sort.order.value == "DESC"
    now = utcnow()
    async with db.read(site_id) as scope:
        settings = await site_settings(scope)
        given = request_zone(req.timezone, settings, "timezone") if req.timezone else None
        tz = given or zone(settings.time_zone)
        lo = local_or_instant(flat["startDate"], given, f"{PREFIX}.startDate")
        hi = local_or_instant(flat["endDate"], given, f"{PREFIX}.endDate")
        if hi <= lo:
            raise errors.invalid_field(
                f"{PREFIX}.endDate", "must be after startDate", errors.OTHER, rule_name="RANGE"
            )
        if (hi - lo).days >= settings.max_range_days:
            raise errors.invalid_field(
                f"{PREFIX}.endDate",
                f"must be at most {settings.max_range_days} days after startDate",
                errors.MAX,
            )
        found: list[tuple[Item, dict[str, Any]]] = []
        for service_id in service_ids:
            service = await load_service(scope, service_id)
            if service.get("type") == "APPOINTMENT":
                found += await appointment_entries(
                    scope, load, service, tz, lo, hi, now, resource_ids
                )
            elif service.get("type") in EVENT_TYPES:
                found += await event_entries(scope, load, service, tz, lo, hi, now)
    kept = []
    for item, e in found:
        if bookable is not None and e["bookable"] != bookable:
            continue
        if not present.violations_match(item.violations, wanted):
            continue
        if open_spots is not None and e["openSpots"] < open_spots:
            continue
        loc = e["slot"].get("location") or {}
        if location_ids is not None and loc.get("id") not in location_ids:
            continue
        if event_ids is not None and e["slot"].get("eventId") not in event_ids:
            continue
        kept.append((item, e))
    kept.sort(key=lambda pair: pair[0].key, reverse=descending)
    kept.sort(key=lambda pair: not pair[1]["bookable"])
    kept = present.cap_per_day(
        kept, req.slots_per_day, lambda p: p[0].day, lambda p: p[1]["bookable"], bookable_first=True
    )
    return {"availabilityEntries": [e for _, e in kept]}


async def event_entries(
    scope: SiteScope,
    load: BookingLoad,
    service: dict[str, Any],
    tz: ZoneInfo,
    lo: datetime,
    hi: datetime,
    now: datetime,
) -> list[tuple[Item, dict[str, Any]]]:
    items = await event_items(
        scope,
        load,
        [str(service["id"])],
        tz,
        lo,
        hi,
        now,
        include_cancelled=False,
        event_filter=None,
    )
    out: list[tuple[Item, dict[str, Any]]] = []
    for item in items:
        v2 = item.slot
        event_id = v2["eventInfo"]["eventId"]
        start, end = from_seconds(int(item.key[0])), from_seconds(item.end)
        if item.end > to_seconds(hi):
            continue
        slot: dict[str, Any] = {
            "sessionId": event_id,
            "serviceId": v2["serviceId"],
            "scheduleId": v2.get("scheduleId"),
            "startDate": present.offset_text(start, tz),
            "endDate": present.offset_text(end, tz),
            "timezone": tz.key,
        }
        legacy_location = present.legacy_location(v2.get("location"))
        if legacy_location is not None:
            slot["location"] = legacy_location
        slot["eventId"] = event_id
        slot = {k: v for k, v in slot.items() if v is not None}
        bookable = item.violations.any is False and v2["bookableCapacity"] > 0
        out.append(
            (
                item,
                waitlisted(
                    entry(
                        slot=slot,
                        bookable=bookable,
                        total=v2["totalCapacity"],
                        open_spots=v2["remainingCapacity"],
                        broken=item.violations,
                    ),
                    v2,
                ),
            )
        )
    return out
