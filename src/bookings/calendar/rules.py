"""Calendar V3 rules without I/O: the state of schedules and events, validation, the
inheritance schedule -> event -> occurrence, updates and the wire rendering.

Inheritance (``inheritedFields``): a NONE or MASTER event takes ``TITLE``, ``TIME_ZONE``,
``LOCATION``, ``CAPACITY`` and ``CONFERENCING_DETAILS`` from its schedule's defaults unless it
sets them; an INSTANCE takes every field it has (plus ``TIME`` and ``RESOURCES``) from its
MASTER. A field sent with a different value on update leaves ``inheritedFields``; Restore Event
Defaults puts it back.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bookings.calendar.recurrence import (
    WEEKDAYS,
    Occurrence,
    Series,
    WeeklyRule,
    instance_id,
    last_occurrence,
)
from bookings.calendar.schemas import (
    ConferencingDetailsIn,
    EventIn,
    EventStatus,
    EventType,
    InheritedField,
    LocationIn,
    RecurrenceRuleIn,
    RecurrenceType,
    ResourceIn,
    ScheduleStatus,
    Transparency,
    ZonedDateIn,
)
from bookings.platform import errors, zoned
from bookings.platform.wire import to_wire

TITLE = InheritedField.TITLE.value
TIME_ZONE = InheritedField.TIME_ZONE.value
TIME = InheritedField.TIME.value
LOCATION = InheritedField.LOCATION.value
RESOURCES = InheritedField.RESOURCES.value
CAPACITY = InheritedField.CAPACITY.value
CONFERENCING_DETAILS = InheritedField.CONFERENCING_DETAILS.value

#: Fields an event takes from its schedule's defaults.
SCHEDULE_FIELDS = (TITLE, TIME_ZONE, LOCATION, CAPACITY, CONFERENCING_DETAILS)
#: Fields an occurrence takes from its MASTER.
MASTER_FIELDS = (TITLE, TIME_ZONE, TIME, LOCATION, RESOURCES, CAPACITY, CONFERENCING_DETAILS)
_ORDER = {f.value: i for i, f in enumerate(InheritedField)}

CONFIRMED = EventStatus.CONFIRMED.value
CANCELLED = EventStatus.CANCELLED.value
NONE = RecurrenceType.NONE.value
MASTER = RecurrenceType.MASTER.value
INSTANCE = RecurrenceType.INSTANCE.value
EXCEPTION = RecurrenceType.EXCEPTION.value
OCCURRENCE_TYPES = (NONE, INSTANCE, EXCEPTION)
WORKING_HOURS = EventType.WORKING_HOURS.value

#: Wall-clock bounds of an event (the spec: end no later than the year 2100).
MIN_LOCAL = datetime(1900, 1, 1)
MAX_LOCAL = datetime(2101, 1, 1)


# ---------------------------------------------------------------- state


@dataclass
class ScheduleState:
    id: str
    status: str
    time_zone: str
    app_id: str
    created_date: datetime
    updated_date: datetime
    external_id: str | None = None
    name: str | None = None
    default_title: str | None = None
    default_location: dict[str, Any] | None = None
    default_capacity: int | None = None
    default_conferencing_details: dict[str, Any] | None = None
    extended_fields: dict[str, Any] | None = None
    revision: int = 1

    @property
    def active(self) -> bool:
        return self.status == ScheduleStatus.ACTIVE.value

    def defaults(self) -> dict[str, Any]:
        """The values events inherit, by inherited field."""
        return {
            TITLE: self.default_title,
            TIME_ZONE: self.time_zone,
            LOCATION: self.default_location,
            CAPACITY: self.default_capacity,
            CONFERENCING_DETAILS: self.default_conferencing_details,
        }


@dataclass
class EventState:
    id: str
    schedule_id: str
    app_id: str
    type: str
    status: str
    recurrence_type: str
    time_zone: str
    start_local: datetime
    end_local: datetime
    start_utc: datetime
    end_utc: datetime
    created_date: datetime
    updated_date: datetime
    external_schedule_id: str | None = None
    schedule_name: str | None = None
    transparency: str = Transparency.OPAQUE.value
    recurring_event_id: str | None = None
    #: INSTANCE/EXCEPTION: nominal local date of the occurrence within its series.
    occurrence_key: date | None = None
    #: MASTER: the recurrence rule, its ``until`` as an instant, and how far instances exist.
    rule: WeeklyRule | None = None
    until_utc: datetime | None = None
    materialized_until: datetime | None = None
    title: str | None = None
    notes: str | None = None
    location: dict[str, Any] | None = None
    resources: list[dict[str, Any]] = field(default_factory=list)
    conferencing_details: dict[str, Any] | None = None
    total_capacity: int | None = None
    participants_total: int = 0
    extended_fields: dict[str, Any] | None = None
    inherited: set[str] = field(default_factory=set)
    revision: int = 1

    @property
    def tz(self) -> ZoneInfo:
        return zoned.zone(self.time_zone)

    @property
    def remaining_capacity(self) -> int | None:
        if self.total_capacity is None:
            return None
        return max(0, self.total_capacity - self.participants_total)

    @property
    def active(self) -> bool:
        return self.status == CONFIRMED

    @property
    def series_end_utc(self) -> datetime | None:
        """When the event (a MASTER: its whole series) is over; ``None``: a series without end."""
        if self.rule is None:
            return self.end_utc
        last = last_occurrence(self.series())
        return None if last is None else max(last.end_utc, self.end_utc)

    def series(self) -> Series:
        assert self.rule is not None, "only a MASTER has a series"
        return Series(self.start_local, self.end_local, self.tz, self.rule)

    def get(self, name: str) -> Any:
        """The value of an inheritable field (not TIME)."""
        return {
            TITLE: self.title,
            TIME_ZONE: self.time_zone,
            LOCATION: self.location,
            RESOURCES: self.resources,
            CAPACITY: self.total_capacity,
            CONFERENCING_DETAILS: self.conferencing_details,
        }[name]

    def set(self, name: str, value: Any) -> None:
        value = copy.deepcopy(value)
        if name == TITLE:
            self.title = value
        elif name == TIME_ZONE:
            self.time_zone = value
        elif name == LOCATION:
            self.location = value
        elif name == RESOURCES:
            self.resources = value or []
        elif name == CAPACITY:
            self.total_capacity = value
        elif name == CONFERENCING_DETAILS:
            self.conferencing_details = value
        else:  # pragma: no cover - callers pass known fields
            raise KeyError(name)

    def master_values(self) -> dict[str, Any]:
        """What this MASTER's occurrences inherit, by inherited field (not TIME)."""
        return {name: self.get(name) for name in MASTER_FIELDS if name != TIME}

    def retime(self, start_local: datetime, end_local: datetime) -> None:
        """New wall-clock times in the event's zone (gap times move forward)."""
        tz = self.tz
        self.start_utc, self.end_utc = zoned.to_utc(start_local, tz), zoned.to_utc(end_local, tz)
        self.start_local = zoned.to_local(self.start_utc, tz)
        self.end_local = zoned.to_local(self.end_utc, tz)
        if self.rule is not None:
            self.until_utc = None if self.rule.until is None else zoned.to_utc(self.rule.until, tz)

    def place(self, occ: Occurrence) -> None:
        """Take the times of occurrence ``occ``."""
        self.start_local, self.end_local = occ.start_local, occ.end_local
        self.start_utc, self.end_utc = occ.start_utc, occ.end_utc


def ordered(fields: Iterable[str]) -> list[str]:
    """``inheritedFields`` in the enum's order."""
    return sorted(set(fields), key=lambda f: _ORDER[f])


# ---------------------------------------------------------------- small validators


def check_zone(name: str, path: str) -> ZoneInfo:
    try:
        return zoned.zone(name)
    except KeyError:
        raise errors.invalid_field(
            path, f"must be an IANA time zone such as Europe/London, not {name!r}", errors.FORMAT
        ) from None


def local_of(value: ZonedDateIn) -> datetime:
    """A ZonedDate's ``localDate``; seconds are ignored, as by Wix."""
    return value.local_date.replace(second=0, microsecond=0)


def _times(
    start_local: datetime, end_local: datetime, tz: ZoneInfo, prefix: str
) -> tuple[datetime, datetime]:
    if not MIN_LOCAL <= start_local < MAX_LOCAL:
        raise errors.invalid_field(
            f"{prefix}.start.localDate", "must be between the years 1900 and 2100"
        )
    if not MIN_LOCAL <= end_local < MAX_LOCAL:
        raise errors.invalid_field(
            f"{prefix}.end.localDate", "must be between the years 1900 and 2100"
        )
    start_utc, end_utc = zoned.to_utc(start_local, tz), zoned.to_utc(end_local, tz)
    if end_utc <= start_utc:
        raise errors.invalid_field(f"{prefix}.end", "must be after start")
    return start_utc, end_utc


def _rule(data: RecurrenceRuleIn, start_local: datetime, prefix: str) -> WeeklyRule:
    weekday = WEEKDAYS.index(data.days[0].value)
    if weekday != start_local.weekday():
        raise errors.invalid_field(
            f"{prefix}.recurrenceRule.days",
            f"must be the weekday of start ({WEEKDAYS[start_local.weekday()]})",
        )
    until = local_of(data.until) if data.until is not None else None
    if until is not None and until < start_local:
        raise errors.invalid_field(f"{prefix}.recurrenceRule.until", "must not be before start")
    if until is not None and until >= MAX_LOCAL:
        raise errors.invalid_field(
            f"{prefix}.recurrenceRule.until", "must not be after the year 2100"
        )
    return WeeklyRule(weekday, data.interval or 1, until)


def _check_master_start(start_local: datetime, tz: ZoneInfo, now: datetime, prefix: str) -> None:
    if start_local.date() < zoned.today(now, tz):
        raise errors.invalid_field(
            f"{prefix}.start.localDate", "a recurring event cannot start on a past date"
        )


_WORKING_HOURS_ONLY = (
    ("title", "title"),
    ("location", "location"),
    ("total_capacity", "totalCapacity"),
    ("resources", "resources"),
    ("notes", "notes"),
    ("conferencing_details", "conferencingDetails"),
)


def _check_working_hours(data: EventIn, prefix: str) -> None:
    """WORKING_HOURS events carry only type, scheduleId, start, end and recurrenceRule."""
    found = [
        errors.FieldViolation(
            f"{prefix}.{wire_name}",
            "is not allowed on WORKING_HOURS events (it is inherited from the schedule)",
            errors.FIELD_NOT_ALLOWED,
        )
        for attr, wire_name in _WORKING_HOURS_ONLY
        if getattr(data, attr) is not None
    ]
    if found:
        raise errors.InvalidRequest(found)


def location_doc(value: LocationIn | None, path: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if value.id is not None and value.type.value != "BUSINESS":
        raise errors.invalid_field(
            f"{path}.id", "is only allowed for BUSINESS locations", errors.FIELD_NOT_ALLOWED
        )
    return to_wire(value)


def conferencing_doc(value: ConferencingDetailsIn | None) -> dict[str, Any] | None:
    return None if value is None else to_wire(value)


def resources_doc(
    values: list[ResourceIn] | None,
    *,
    trusted: bool,
    known: Iterable[Mapping[str, Any]] = (),
) -> list[dict[str, Any]]:
    """``resources[]`` as stored: ``transparency`` defaults to OPAQUE; ``name``/``type`` are
    read-only (kept from ``known`` entries of the same id, or taken from trusted callers)."""
    previous = {str(r["id"]): r for r in known}
    out: list[dict[str, Any]] = []
    for item in values or []:
        doc: dict[str, Any] = {"id": item.id}
        old = previous.get(item.id, {})
        name = item.name if trusted and item.name is not None else old.get("name")
        kind = item.type if trusted and item.type is not None else old.get("type")
        if name is not None:
            doc["name"] = name
        if kind is not None:
            doc["type"] = kind
        doc["transparency"] = (item.transparency or Transparency.OPAQUE).value
        if item.permission_role is not None:
            doc["permissionRole"] = item.permission_role.value
        out.append(doc)
    return out


# ---------------------------------------------------------------- create


def new_event(
    data: EventIn,
    schedule: ScheduleState,
    *,
    event_id: str,
    now: datetime,
    trusted: bool,
    prefix: str = "event",
) -> EventState:
    """A NONE or MASTER event from a create request (the schedule is known to be ACTIVE)."""
    kind = (data.type or EventType.DEFAULT).value
    if kind == WORKING_HOURS:
        _check_working_hours(data, prefix)
    missing = [
        errors.FieldViolation(f"{prefix}.{name}", "is required", errors.REQUIRED_FIELD)
        for name, value in (("start", data.start), ("end", data.end))
        if value is None
    ]
    if missing:
        raise errors.InvalidRequest(missing)
    assert data.start is not None and data.end is not None
    zone_name = data.time_zone or schedule.time_zone
    tz = check_zone(zone_name, f"{prefix}.timeZone")
    start_local, end_local = local_of(data.start), local_of(data.end)
    _times(start_local, end_local, tz, prefix)
    rule = None
    if data.recurrence_rule is not None:
        rule = _rule(data.recurrence_rule, start_local, prefix)
        _check_master_start(start_local, tz, now, prefix)
    event = EventState(
        id=event_id,
        schedule_id=schedule.id,
        external_schedule_id=schedule.external_id,
        schedule_name=schedule.name,
        app_id=schedule.app_id,
        type=kind,
        status=CONFIRMED,
        recurrence_type=MASTER if rule is not None else NONE,
        time_zone=zone_name,
        start_local=start_local,
        end_local=end_local,
        start_utc=now,
        end_utc=now,
        created_date=now,
        updated_date=now,
        transparency=(data.transparency or Transparency.OPAQUE).value,
        rule=rule,
        notes=data.notes,
        resources=resources_doc(data.resources, trusted=trusted),
        extended_fields=data.extended_fields,
    )
    event.retime(start_local, end_local)
    given = {
        TITLE: data.title,
        TIME_ZONE: data.time_zone,
        LOCATION: location_doc(data.location, f"{prefix}.location"),
        CAPACITY: data.total_capacity,
        CONFERENCING_DETAILS: conferencing_doc(data.conferencing_details),
    }
    defaults = schedule.defaults()
    for name, value in given.items():
        if value is None:
            event.inherited.add(name)
            event.set(name, defaults[name])
        else:
            event.set(name, value)
    return event


def instance_of(master: EventState, occ: Occurrence, now: datetime) -> EventState:
    """The INSTANCE of ``master`` for occurrence ``occ``."""
    event = EventState(
        id=instance_id(master.id, occ.key),
        schedule_id=master.schedule_id,
        external_schedule_id=master.external_schedule_id,
        schedule_name=master.schedule_name,
        app_id=master.app_id,
        type=master.type,
        status=CONFIRMED,
        recurrence_type=INSTANCE,
        time_zone=master.time_zone,
        start_local=occ.start_local,
        end_local=occ.end_local,
        start_utc=occ.start_utc,
        end_utc=occ.end_utc,
        created_date=now,
        updated_date=now,
        recurring_event_id=master.id,
        occurrence_key=occ.key,
        inherited=set(MASTER_FIELDS),
    )
    follow_master(event, master)
    return event


def follow_master(instance: EventState, master: EventState) -> None:
    """An INSTANCE takes every value of its MASTER (times are placed separately)."""
    for name, value in master.master_values().items():
        instance.set(name, value)
    instance.transparency = master.transparency
    instance.notes = master.notes
    instance.schedule_name = master.schedule_name


# ---------------------------------------------------------------- update


@dataclass
class Change:
    """What an update changed: inherited fields whose value changed, and whether the times of
    a series' occurrences must be recomputed."""

    fields: set[str] = field(default_factory=set)
    retime: bool = False
    other: bool = False

    @property
    def any(self) -> bool:
        return bool(self.fields) or self.retime or self.other


def update_event(
    event: EventState, data: EventIn, *, now: datetime, trusted: bool, prefix: str = "event"
) -> tuple[EventState, Change]:
    """``event`` patched with the fields present in ``data`` (absent or null = unchanged)."""
    if data.schedule_id is not None and data.schedule_id != event.schedule_id:
        raise errors.invalid_field(
            f"{prefix}.scheduleId", "cannot be changed", errors.FIELD_NOT_ALLOWED
        )
    if data.type is not None and data.type.value != event.type:
        raise errors.invalid_field(f"{prefix}.type", "cannot be changed", errors.FIELD_NOT_ALLOWED)
    if event.type == WORKING_HOURS:
        _check_working_hours(data, prefix)
    if data.recurrence_rule is not None and event.recurrence_type != MASTER:
        raise errors.invalid_field(
            f"{prefix}.recurrenceRule",
            "can only be changed on a MASTER event",
            errors.FIELD_NOT_ALLOWED,
        )
    new = copy.deepcopy(event)
    change = Change()

    def put(name: str, value: Any) -> None:
        if value != new.get(name):
            new.set(name, value)
            change.fields.add(name)

    if data.title is not None:
        put(TITLE, data.title)
    if data.location is not None:
        put(LOCATION, location_doc(data.location, f"{prefix}.location"))
    if data.resources is not None:
        put(RESOURCES, resources_doc(data.resources, trusted=trusted, known=event.resources))
    if data.total_capacity is not None:
        put(CAPACITY, data.total_capacity)
    if data.conferencing_details is not None:
        put(CONFERENCING_DETAILS, conferencing_doc(data.conferencing_details))
    if data.time_zone is not None and data.time_zone != event.time_zone:
        check_zone(data.time_zone, f"{prefix}.timeZone")
        new.time_zone = data.time_zone
        change.fields.add(TIME_ZONE)
    start_local = local_of(data.start) if data.start is not None else event.start_local
    end_local = local_of(data.end) if data.end is not None else event.end_local
    if (start_local, end_local) != (event.start_local, event.end_local):
        change.fields.add(TIME)
    if data.recurrence_rule is not None:
        rule = _rule(data.recurrence_rule, start_local, prefix)
        if rule != event.rule:
            new.rule = rule
            change.retime = True
    elif new.rule is not None and start_local.weekday() != new.rule.weekday:
        raise errors.invalid_field(
            f"{prefix}.recurrenceRule.days",
            f"must be the weekday of start ({WEEKDAYS[start_local.weekday()]}): "
            "send the recurrence rule with the new start",
        )
    if change.retime or TIME in change.fields or TIME_ZONE in change.fields:
        _times(start_local, end_local, new.tz, prefix)
        new.retime(start_local, end_local)
        change.retime = True
        if (new.start_utc, new.end_utc) != (event.start_utc, event.end_utc):
            change.fields.add(TIME)  # a new zone with the same wall clock moves the instants
    if new.recurrence_type == MASTER and start_local.date() != event.start_local.date():
        _check_master_start(start_local, new.tz, now, prefix)
    for attr, value in (
        ("transparency", data.transparency.value if data.transparency else None),
        ("notes", data.notes),
        ("extended_fields", data.extended_fields),
    ):
        if value is not None and value != getattr(new, attr):
            setattr(new, attr, value)
            change.other = True
    new.inherited -= change.fields
    if new.recurrence_type == INSTANCE:
        new.recurrence_type = EXCEPTION
    return new, change


def inherit(child: EventState, values: Mapping[str, Any], fields: Iterable[str]) -> bool:
    """Copy the parent's ``values`` of ``fields`` the child still inherits; True if any
    value changed."""
    changed = False
    for name in fields:
        if name in child.inherited and name in values and child.get(name) != values[name]:
            child.set(name, values[name])
            changed = True
    return changed


def restorable(event: EventState) -> tuple[str, ...]:
    """Fields Restore Event Defaults accepts for ``event``."""
    if event.recurrence_type in (INSTANCE, EXCEPTION):
        return MASTER_FIELDS
    return SCHEDULE_FIELDS


# ---------------------------------------------------------------- errors


def schedule_not_found(schedule_id: str) -> errors.ApplicationError:
    """404 ``SCHEDULE_NOT_FOUND``, the same body wherever a schedule is looked up."""
    return errors.not_found(
        "SCHEDULE_NOT_FOUND", f"Schedule {schedule_id} not found", scheduleId=schedule_id
    )


def event_not_found(event_id: str) -> errors.ApplicationError:
    """404 ``EVENT_NOT_FOUND``, the same body wherever an event is looked up."""
    return errors.not_found("EVENT_NOT_FOUND", f"Event {event_id} not found", eventId=event_id)
