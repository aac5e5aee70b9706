"""What the booking page asks the slices, as the site's anonymous visitor: the bookable
services, a day's slots (Time Slots V2, appointments and class sessions), one slot re-checked,
and the booking (Create Booking, then Confirm Or Decline as the site's own checkout would, or
Register To Waitlist). Every call is the one the API routes make; nothing here decides
availability."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bookings.availability import service as availability
from bookings.booking import service as booking
from bookings.booking.ports import holding_bookings
from bookings.booking.service import waitlist_calls
from bookings.booking.service.anonymous import ANONYMOUS_VISITOR
from bookings.catalog.services import service as catalog
from bookings.identity.service import Site
from bookings.platform import errors, wire
from bookings.platform.auth import Identity, Role
from bookings.platform.db import Database
from bookings.platform.signing import Signer
from bookings.web.booking_times import DEFAULT_LOCALE, ZonedTime, parse_local, utc_of

#: The kinds of service the page books.
BOOKABLE_TYPES = ("APPOINTMENT", "CLASS")
#: Who confirms a visitor's booking: the site's own page, as its checkout would.
PAGE_APP = "booking-page"
#: Codes that mean "someone else has this slot now".
TAKEN = frozenset(
    {
        "SLOT_NOT_AVAILABLE",
        "SESSION_CAPACITY_EXCEEDED",
        "SCHEDULE_CAPACITY_EXCEEDED",
        "RESOURCE_NOT_AVAILABLE",
        "SLOT_NOT_FOUND",
        "EVENT_NOT_FOUND",
        "BOOKING_POLICY_VIOLATION",
        "TOO_LATE_TO_BOOK",
        "TOO_EARLY_TO_BOOK",
    }
)


def visitor(site: Site) -> Identity:
    """The site's anonymous visitor (as anonymous actions are initiated)."""
    return Identity(site.site_id, Role.VISITOR, ANONYMOUS_VISITOR)


def page_app(site: Site) -> Identity:
    return Identity(site.site_id, Role.APP, PAGE_APP)


async def bookable_services(db: Database, signer: Signer, site: Site) -> list[dict[str, Any]]:
    """The site's services that take online bookings (Query Services, as a visitor)."""
    found = await catalog.query_services(
        db, signer, site.site_id, {"paging": {"limit": 100}, "sort": [{"fieldName": "name"}]}
    )
    return [s for s in found.get("services", []) if is_bookable(s)]


def is_bookable(svc: dict[str, Any]) -> bool:
    online = bool((svc.get("onlineBooking") or {}).get("enabled"))
    return online and svc.get("type") in BOOKABLE_TYPES and not svc.get("hidden")


async def bookable_service(db: Database, site: Site, service_id: str) -> dict[str, Any] | None:
    """One bookable service of the site (Get Service), else ``None``."""
    try:
        svc = await catalog.get_service(db, site.site_id, service_id)
    except errors.ApiError:
        return None
    return svc if is_bookable(svc) else None


def in_person(svc: dict[str, Any]) -> bool:
    """All the service's locations are business locations: its times are the business's."""
    kinds = [loc.get("type") for loc in svc.get("locations") or []]
    return bool(kinds) and all(k == "BUSINESS" for k in kinds)


def waitlist_enabled(svc: dict[str, Any]) -> bool:
    policy = (svc.get("bookingPolicy") or {}).get("waitlistPolicy") or {}
    return bool(policy.get("enabled"))


@dataclass(frozen=True)
class Slot:
    """One slot as the page shows it."""

    #: What the page's links carry: ``a~<start>~<end>`` (UTC) or ``e~<event id>``.
    key: str
    start: datetime
    end: datetime
    bookable: bool
    remaining: int | None
    total: int | None

    def shown(
        self, zone_name: str, locale: str = DEFAULT_LOCALE, hour12: bool = False
    ) -> ZonedTime:
        return ZonedTime(self.start, zone_name, locale, hour12)

    def ends(self, zone_name: str, locale: str = DEFAULT_LOCALE, hour12: bool = False) -> ZonedTime:
        return ZonedTime(self.end, zone_name, locale, hour12)

    @property
    def full(self) -> bool:
        return self.remaining is not None and self.remaining <= 0

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


def _stamp(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _unstamp(text: str) -> datetime:
    return datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def appointment_key(start: datetime, end: datetime) -> str:
    return f"a~{_stamp(start)}~{_stamp(end)}"


@dataclass(frozen=True)
class SlotKey:
    """A parsed slot key: an appointment's instants, or a session's event id."""

    start: datetime | None = None
    end: datetime | None = None
    event_id: str | None = None


def parse_key(key: str) -> SlotKey | None:
    """What a slot key names; ``None`` for anything that is not a slot key."""
    parts = key.split("~")
    if len(parts) == 3 and parts[0] == "a":
        try:
            start, end = _unstamp(parts[1]), _unstamp(parts[2])
        except ValueError:
            return None
        return SlotKey(start=start, end=end) if end > start else None
    if len(parts) == 2 and parts[0] == "e" and 0 < len(parts[1]) <= 250:
        return SlotKey(event_id=parts[1])
    return None


def _slot_of(found: dict[str, Any], zone_name: str, event: bool) -> Slot:
    start = utc_of(parse_local(found["localStartDate"]), zone_name)
    end = utc_of(parse_local(found["localEndDate"]), zone_name)
    if event:
        key = "e~" + str((found.get("eventInfo") or {}).get("eventId"))
    else:
        key = appointment_key(start, end)
    return Slot(
        key=key,
        start=start,
        end=end,
        bookable=bool(found.get("bookable")),
        remaining=found.get("remainingCapacity"),
        total=found.get("totalCapacity"),
    )


def _local(day: date) -> str:
    return f"{day.isoformat()}T00:00:00"


async def slots_between(
    db: Database,
    signer: Signer,
    site: Site,
    svc: dict[str, Any],
    first: date,
    last: date,
    zone_name: str,
    per_day: int | None = None,
) -> list[Slot]:
    """The slots from ``first`` to ``last`` (local days in ``zone_name``, both included),
    through List Availability Time Slots or List Event Time Slots, every page."""
    event = svc.get("type") != "APPOINTMENT"
    frm, to = _local(first), _local(last + timedelta(days=1))
    try:
        found = await _listed(db, signer, site, svc, frm, to, zone_name, per_day, event)
    except errors.ApiError:
        found = []  # a day the API refuses to list has no slot to show
    slots: dict[str, Slot] = {}
    for item in found:
        slot = _slot_of(item, zone_name, event)
        known = slots.get(slot.key)
        if known is None or (slot.bookable and not known.bookable):
            slots[slot.key] = slot  # one per time (an appointment offered at two places)
    return sorted(slots.values(), key=lambda s: (s.start, s.key))


async def _listed(
    db: Database,
    signer: Signer,
    site: Site,
    svc: dict[str, Any],
    frm: str,
    to: str,
    zone_name: str,
    per_day: int | None,
    event: bool,
) -> list[dict[str, Any]]:
    """Every page of the slots of one list call."""
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(20):
        paging: dict[str, Any] = {"cursorPaging": {"cursor": cursor}} if cursor else {}
        try:
            if event:
                body: dict[str, Any] = {
                    "serviceIds": [svc["id"]],
                    "timeZone": zone_name,
                    "includeNonBookable": True,
                    **({"maxSlotsPerDay": per_day} if per_day else {}),
                }
                body = paging or body | {"fromLocalDate": frm, "toLocalDate": to}
                answer = await availability.list_event_time_slots(
                    db,
                    holding_bookings(),
                    signer,
                    site.site_id,
                    wire.parse(availability.ListEventTimeSlotsRequest, body),
                )
            else:
                body = {
                    "serviceId": svc["id"],
                    "timeZone": zone_name,
                    **({"timeSlotsPerDay": per_day} if per_day else {}),
                }
                body = paging or body | {"fromLocalDate": frm, "toLocalDate": to}
                answer = await availability.list_availability_time_slots(
                    db,
                    holding_bookings(),
                    signer,
                    site.site_id,
                    wire.parse(availability.ListAvailabilityTimeSlotsRequest, body),
                )
        except errors.ApiError:
            if not found:
                raise
            break  # a later page refused: show what the first pages found
        found += answer.get("timeSlots", [])
        # appointments answer cursorPagingMetadata, event slots pagingMetadata
        meta = answer.get("cursorPagingMetadata") or answer.get("pagingMetadata") or {}
        cursor = (meta.get("cursors") or {}).get("next")
        if not meta.get("hasNext") or not cursor:
            break
    return found


async def recheck(
    db: Database, site: Site, svc: dict[str, Any], key: str
) -> tuple[Slot, dict[str, Any]] | None:
    """The slot named by ``key``, asked again (Get Availability Time Slot / Get Event Time
    Slot), with what Create Booking needs of it; ``None`` when it does not exist."""
    parsed = parse_key(key)
    if parsed is None:
        return None
    zone_name = site.time_zone
    try:
        if parsed.event_id is not None:
            answer = await availability.get_event_time_slot(
                db,
                holding_bookings(),
                site.site_id,
                wire.parse(
                    availability.GetEventTimeSlotRequest,
                    {"eventId": parsed.event_id, "timeZone": zone_name},
                ),
            )
            found = answer.get("timeSlot") or {}
            if found.get("serviceId") != svc["id"]:
                return None
            entity = {"serviceId": svc["id"], "eventId": parsed.event_id}
            return _slot_of(found, zone_name, True), entity
        start, end = parsed.start, parsed.end
        assert start is not None and end is not None
        tz = ZonedTime(start, zone_name)
        local_start = wire.format_local_datetime(tz.local.replace(tzinfo=None))
        local_end = wire.format_local_datetime(ZonedTime(end, zone_name).local.replace(tzinfo=None))
        answer = await availability.get_availability_time_slot(
            db,
            holding_bookings(),
            site.site_id,
            wire.parse(
                availability.GetAvailabilityTimeSlotRequest,
                {
                    "serviceId": svc["id"],
                    "localStartDate": local_start,
                    "localEndDate": local_end,
                    "timeZone": zone_name,
                },
            ),
        )
    except errors.ApiError:
        return None
    found = answer.get("timeSlot") or {}
    if not found:
        return None
    entity = {
        "serviceId": svc["id"],
        "scheduleId": (svc.get("schedule") or {}).get("id"),
        "startDate": local_start,
        "endDate": local_end,
        "timezone": zone_name,
        "location": booking_location(found.get("location") or {}),
    }
    return _slot_of(found, zone_name, False), entity


def booking_location(slot_location: dict[str, Any]) -> dict[str, Any]:
    """A time slot's location as a booking's (``BUSINESS`` -> ``OWNER_BUSINESS`` ...)."""
    kind = {"BUSINESS": "OWNER_BUSINESS", "CUSTOM": "OWNER_CUSTOM", "CUSTOMER": "CUSTOM"}.get(
        str(slot_location.get("locationType")), "OWNER_CUSTOM"
    )
    out: dict[str, Any] = {"locationType": kind}
    for field in ("id", "name", "formattedAddress"):
        if slot_location.get(field):
            out[field] = slot_location[field]
    return out


async def nearest(
    db: Database,
    signer: Signer,
    site: Site,
    svc: dict[str, Any],
    around: datetime,
    zone_name: str,
    count: int = 3,
) -> list[Slot]:
    """The ``count`` bookable slots nearest to ``around`` (a week either side)."""
    day = around.astimezone(UTC).date()
    found = await slots_between(
        db, signer, site, svc, day - timedelta(days=7), day + timedelta(days=7), zone_name
    )
    free = [s for s in found if s.bookable and not s.full and s.start != around]
    free.sort(key=lambda s: abs((s.start - around).total_seconds()))
    return sorted(free[:count], key=lambda s: s.start)


@dataclass(frozen=True)
class Contact:
    name: str
    email: str
    phone: str

    def details(self) -> dict[str, Any]:
        first, _, last = self.name.strip().partition(" ")
        out: dict[str, Any] = {"firstName": first, "email": self.email.strip()}
        if last.strip():
            out["lastName"] = last.strip()
        if self.phone.strip():
            out["phone"] = self.phone.strip()
        return out


async def book(
    db: Database, site: Site, entity: dict[str, Any], contact: Contact, waitlist: bool
) -> dict[str, Any]:
    """Create the booking as the visitor, then confirm or decline it as the site's checkout
    does for a booking with nothing to pay online (CONFIRMED, or PENDING when the service
    needs the business's approval); a full session's waitlist registration instead."""
    body = {
        "booking": {
            "bookedEntity": {"slot": entity},
            "contactDetails": contact.details(),
            "totalParticipants": 1,
        }
    }
    if waitlist:
        request = wire.parse(booking.RegisterToWaitlistRequest, body)
        registered = await waitlist_calls.register_to_waitlist(db, visitor(site), request)
        return dict(registered["booking"])
    created = await booking.create_booking(
        db, visitor(site), wire.parse(booking.CreateBookingRequest, body)
    )
    made = dict(created["booking"])
    if made.get("status") != "CREATED":
        return made
    decided = await booking.confirm_or_decline_booking(
        db,
        page_app(site),
        wire.parse(booking.ConfirmOrDeclineBookingRequest, {"bookingId": made["id"]}),
    )
    return dict(decided["booking"])
