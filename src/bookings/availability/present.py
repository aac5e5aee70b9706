"""Wire shapes of Time Slots V2 and the legacy Availability Calendar (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from bookings.availability.policy import Violations
from bookings.platform import zoned
from bookings.platform.wire import format_local_datetime

#: At most this many resources per type in a listed slot's ``availableResources``.
LIST_RESOURCES_PER_TYPE = 10

_LEGACY_LOCATION = {"BUSINESS": "OWNER_BUSINESS", "CUSTOM": "OWNER_CUSTOM", "CUSTOMER": "CUSTOM"}

T = TypeVar("T")


def local_text(instant: datetime, tz: ZoneInfo) -> str:
    return format_local_datetime(zoned.to_local(instant, tz))


def offset_text(instant: datetime, tz: ZoneInfo) -> str:
    """Wall-clock time with its offset, ``2026-01-30T13:30:00+02:00`` (legacy slots)."""
    return instant.astimezone(tz).replace(microsecond=0).isoformat(timespec="seconds")


def service_location(location: Mapping[str, Any]) -> dict[str, Any]:
    """A Services V2 location as a time-slot location (``locationType`` BUSINESS...)."""
    kind = str(location.get("type") or "BUSINESS")
    out: dict[str, Any] = {}
    address: Any = None
    if kind == "BUSINESS":
        business = location.get("business") or {}
        if business.get("id"):
            out["id"] = business["id"]
        if business.get("name"):
            out["name"] = business["name"]
        address = business.get("address")
    elif kind == "CUSTOM":
        address = (location.get("custom") or {}).get("address")
    formatted = _formatted(location.get("calculatedAddress")) or _formatted(address)
    if formatted:
        out["formattedAddress"] = formatted
    out["locationType"] = kind if kind in _LEGACY_LOCATION else "BUSINESS"
    return out


def event_location(location: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A calendar event's location as a time-slot location."""
    if not location:
        return None
    kind = str(location.get("type") or "BUSINESS")
    out: dict[str, Any] = {}
    if location.get("id") and kind == "BUSINESS":
        out["id"] = location["id"]
    if location.get("name"):
        out["name"] = location["name"]
    if location.get("address"):
        out["formattedAddress"] = location["address"]
    out["locationType"] = kind if kind in _LEGACY_LOCATION else "BUSINESS"
    return out


def _formatted(address: Any) -> str | None:
    if isinstance(address, str):
        return address or None
    if isinstance(address, Mapping):
        for key in ("formattedAddress", "formatted", "addressLine"):
            if isinstance(address.get(key), str) and address[key]:
                return str(address[key])
    return None


def location_matches(slot_location: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    """A requested location filter: type, and for BUSINESS the id (other fields ignored)."""
    kind = wanted.get("locationType")
    if wanted.get("id"):
        return bool(slot_location.get("id") == wanted["id"])
    return kind is None or slot_location.get("locationType") == kind


def legacy_location(location: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not location:
        return None
    out = {k: v for k, v in location.items() if k != "locationType"}
    out["locationType"] = _LEGACY_LOCATION.get(str(location.get("locationType")), "UNDEFINED")
    return out


def resources_entry(
    type_id: str, ids: Sequence[str], names: Mapping[str, str], limit: int | None
) -> dict[str, Any]:
    shown = ids if limit is None else ids[:limit]
    resources = []
    for rid in shown:
        item: dict[str, Any] = {"id": rid}
        if names.get(rid):
            item["name"] = names[rid]
        resources.append(item)
    return {
        "resourceTypeId": type_id,
        "resources": resources,
        "hasMoreAvailableResources": len(ids) > len(shown),
    }


@dataclass(frozen=True, slots=True)
class Capacity:
    total: int
    remaining: int
    #: Spots held for the waitlist's running offers (nobody else may book them).
    held: int = 0

    @property
    def bookable(self) -> int:
        """``remaining`` without the spots held for the waitlist."""
        return max(0, self.remaining - self.held)


@dataclass(frozen=True, slots=True)
class WaitingList:
    """``eventInfo.waitingList`` of a session whose service has a waitlist."""

    capacity: int
    registrants: int

    def wire(self) -> dict[str, int]:
        return {
            "totalCapacity": self.capacity,
            "remainingCapacity": max(0, self.capacity - self.registrants),
        }


def _wall(value: datetime | str) -> str:
    """A wall-clock time as wire text (given as a naive datetime, or already formatted)."""
    return value if isinstance(value, str) else format_local_datetime(value)


def time_slot(
    *,
    service_id: str | None,
    schedule_id: str | None,
    local_start: datetime | str,
    local_end: datetime | str,
    location: Mapping[str, Any] | None,
    capacity: Capacity,
    violations: Violations,
    available_resources: list[dict[str, Any]],
    event: Mapping[str, Any] | None = None,
    cancelled: bool = False,
    nested: list[dict[str, Any]] | None = None,
    waiting_list: WaitingList | None = None,
) -> dict[str, Any]:
    """One V2 TimeSlot (``local_*``: wall-clock times in the response zone, as naive
    datetimes or already formatted). A multi-service slot has no ``service_id`` and its
    services' slots in ``nested``."""
    bookable = not violations.any and capacity.bookable > 0 and not cancelled
    slot: dict[str, Any] = {}
    if service_id is not None:
        slot["serviceId"] = service_id
    slot["localStartDate"] = _wall(local_start)
    slot["localEndDate"] = _wall(local_end)
    slot["bookable"] = bookable
    if location is not None:
        slot["location"] = dict(location)
    if event is not None:
        info: dict[str, Any] = {"eventId": event["id"]}
        if event.get("title"):
            info["eventTitle"] = event["title"]
        if waiting_list is not None:
            info["waitingList"] = waiting_list.wire()
        slot["eventInfo"] = info
    slot["totalCapacity"] = capacity.total
    slot["remainingCapacity"] = max(0, capacity.remaining)
    slot["bookableCapacity"] = capacity.bookable
    slot["bookingPolicyViolations"] = violations.wire()
    slot["availableResources"] = available_resources
    slot["nestedTimeSlots"] = nested if nested is not None else []
    if not bookable:
        reasons: dict[str, Any] = {}
        if capacity.bookable <= 0:
            reasons["noRemainingCapacity"] = True
            if capacity.held > 0:
                reasons["reservedForWaitingList"] = True
        if violations.any:
            reasons["violatesBookingPolicy"] = True
        if cancelled:
            reasons["eventCancelled"] = True
        slot["nonBookableReasons"] = reasons
    if schedule_id:
        slot["scheduleId"] = schedule_id
    return slot


def nested_time_slot(
    *,
    service_id: str,
    schedule_id: str | None,
    local_start: datetime | str,
    local_end: datetime | str,
    available_resources: list[dict[str, Any]],
) -> dict[str, Any]:
    """One service's part of a multi-service slot (``nestedTimeSlots``)."""
    slot: dict[str, Any] = {
        "serviceId": service_id,
        "localStartDate": _wall(local_start),
        "localEndDate": _wall(local_end),
    }
    if schedule_id:
        slot["scheduleId"] = schedule_id
    slot["availableResources"] = available_resources
    return slot


def violations_match(violations: Violations, wanted: Mapping[str, bool | None] | None) -> bool:
    """Each given key of a ``bookingPolicyViolations`` filter is an equality filter."""
    if not wanted:
        return True
    actual = {
        "too_early_to_book": violations.too_early,
        "too_late_to_book": violations.too_late,
        "book_online_disabled": violations.online_disabled,
    }
    return all(value is None or actual[key] == value for key, value in wanted.items())


def cap_per_day(
    items: Sequence[T],
    cap: int | None,
    day_of: Callable[[T], date],
    is_bookable: Callable[[T], bool],
    *,
    bookable_first: bool,
) -> list[T]:
    """At most ``cap`` items per calendar day; bookable ones win the cap first if asked.
    ``items`` are in output order and stay so."""
    if cap is None:
        return list(items)
    by_day: dict[date, list[int]] = {}
    for index, item in enumerate(items):
        by_day.setdefault(day_of(item), []).append(index)
    keep: set[int] = set()
    for indexes in by_day.values():
        if bookable_first:
            ordered = [i for i in indexes if is_bookable(items[i])]
            ordered += [i for i in indexes if not is_bookable(items[i])]
        else:
            ordered = indexes
        keep.update(ordered[:cap])
    return [item for index, item in enumerate(items) if index in keep]
