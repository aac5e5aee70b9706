"""Tables of the calendar slice (registered on the shared metadata), and the mapping between
their rows and :mod:`bookings.calendar.rules` states.

* ``calendar_schedules`` — one row per schedule.
* ``calendar_events`` — one row per event: NONE, MASTER, and the materialized INSTANCE /
  EXCEPTION rows of every MASTER (``recurring_event_id`` + ``occurrence_date``, unique per
  series, so materializing twice is harmless). Every filterable field of Query Events is a
  column; the rest of the wire document is ``doc``. ``series_end_utc`` is ``end_utc``, or for
  a MASTER the end of its last occurrence (NULL: no end), so that a date window finds the
  series that run in it.
* ``calendar_event_resources`` — ``resources[]`` of each event, one row per element, with
  the event's instants copied in so that "busy time of resource X between A and B" is one
  index range scan on ``(site_id, resource_id, start_utc)``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from bookings.calendar.recurrence import WEEKDAYS, WeeklyRule
from bookings.calendar.rules import EventState, ScheduleState
from bookings.platform.db import Json, UtcDateTime, metadata, site_id_column
from bookings.platform.wire import format_local_datetime

EVENT_ID_LENGTH = 250

calendar_schedules = sa.Table(
    "calendar_schedules",
    metadata,
    site_id_column(),
    sa.Column("id", sa.String(36), nullable=False),
    sa.Column("external_id", sa.String(100), nullable=True),
    sa.Column("name", sa.String(200), nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("time_zone", sa.String(64), nullable=False),
    sa.Column("app_id", sa.String(100), nullable=False),
    sa.Column("default_capacity", sa.Integer, nullable=True),
    sa.Column("doc", Json, nullable=False),
    sa.Column("revision", sa.BigInteger, nullable=False),
    sa.Column("created_date", UtcDateTime, nullable=False),
    sa.Column("updated_date", UtcDateTime, nullable=False),
    sa.PrimaryKeyConstraint("site_id", "id"),
    sa.Index("ix_calendar_schedules_site_external", "site_id", "external_id"),
    sa.Index("ix_calendar_schedules_site_created", "site_id", "created_date"),
)

calendar_events = sa.Table(
    "calendar_events",
    metadata,
    site_id_column(),
    sa.Column("id", sa.String(EVENT_ID_LENGTH), nullable=False),
    sa.Column("schedule_id", sa.String(36), nullable=False),
    sa.Column("external_schedule_id", sa.String(100), nullable=True),
    sa.Column("schedule_name", sa.String(200), nullable=True),
    sa.Column("app_id", sa.String(100), nullable=False),
    sa.Column("type", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("recurrence_type", sa.String(16), nullable=False),
    sa.Column("recurring_event_id", sa.String(EVENT_ID_LENGTH), nullable=True),
    sa.Column("occurrence_date", sa.Date, nullable=True),
    sa.Column("transparency", sa.String(16), nullable=False),
    sa.Column("time_zone", sa.String(64), nullable=False),
    sa.Column("start_utc", UtcDateTime, nullable=False),
    sa.Column("end_utc", UtcDateTime, nullable=False),
    sa.Column("until_utc", UtcDateTime, nullable=True),
    sa.Column("series_end_utc", UtcDateTime, nullable=True),
    sa.Column("materialized_until", UtcDateTime, nullable=True),
    sa.Column("location_id", sa.String(100), nullable=True),
    sa.Column("location_type", sa.String(16), nullable=True),
    sa.Column("conferencing_type", sa.String(16), nullable=True),
    sa.Column("total_capacity", sa.Integer, nullable=True),
    sa.Column("participants_total", sa.Integer, nullable=False),
    sa.Column("remaining_capacity", sa.Integer, nullable=True),
    sa.Column("doc", Json, nullable=False),
    sa.Column("revision", sa.BigInteger, nullable=False),
    sa.Column("created_date", UtcDateTime, nullable=False),
    sa.Column("updated_date", UtcDateTime, nullable=False),
    sa.PrimaryKeyConstraint("site_id", "id"),
    sa.UniqueConstraint("site_id", "recurring_event_id", "occurrence_date"),
    sa.Index("ix_calendar_events_site_start", "site_id", "start_utc"),
    sa.Index("ix_calendar_events_site_schedule_start", "site_id", "schedule_id", "start_utc"),
    sa.Index("ix_calendar_events_site_series_start", "site_id", "recurring_event_id", "start_utc"),
    sa.Index(
        "ix_calendar_events_site_recurrence", "site_id", "recurrence_type", "materialized_until"
    ),
)

calendar_event_resources = sa.Table(
    "calendar_event_resources",
    metadata,
    site_id_column(),
    sa.Column("event_id", sa.String(EVENT_ID_LENGTH), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("resource_id", sa.String(100), nullable=False),
    sa.Column("resource_type", sa.String(100), nullable=True),
    sa.Column("transparency", sa.String(16), nullable=False),
    sa.Column("start_utc", UtcDateTime, nullable=False),
    sa.Column("end_utc", UtcDateTime, nullable=False),
    sa.PrimaryKeyConstraint("site_id", "event_id", "position"),
    sa.ForeignKeyConstraint(
        ["site_id", "event_id"],
        ["calendar_events.site_id", "calendar_events.id"],
        ondelete="CASCADE",
    ),
    sa.Index("ix_calendar_event_resources_site_resource", "site_id", "resource_id", "start_utc"),
)


# ---------------------------------------------------------------- schedules


def schedule_row(s: ScheduleState) -> dict[str, Any]:
    doc = {
        "defaultTitle": s.default_title,
        "defaultLocation": s.default_location,
        "defaultConferencingDetails": s.default_conferencing_details,
        "extendedFields": s.extended_fields,
    }
    return {
        "id": s.id,
        "external_id": s.external_id,
        "name": s.name,
        "status": s.status,
        "time_zone": s.time_zone,
        "app_id": s.app_id,
        "default_capacity": s.default_capacity,
        "doc": {k: v for k, v in doc.items() if v is not None},
        "revision": s.revision,
        "created_date": s.created_date,
        "updated_date": s.updated_date,
    }


def schedule_from_row(row: sa.Row[Any]) -> ScheduleState:
    doc: dict[str, Any] = dict(row.doc or {})
    return ScheduleState(
        id=row.id,
        status=row.status,
        time_zone=row.time_zone,
        app_id=row.app_id,
        created_date=row.created_date,
        updated_date=row.updated_date,
        external_id=row.external_id,
        name=row.name,
        default_title=doc.get("defaultTitle"),
        default_location=doc.get("defaultLocation"),
        default_capacity=row.default_capacity,
        default_conferencing_details=doc.get("defaultConferencingDetails"),
        extended_fields=doc.get("extendedFields"),
        revision=int(row.revision),
    )


# ---------------------------------------------------------------- events


def _rule_doc(rule: WeeklyRule) -> dict[str, Any]:
    doc: dict[str, Any] = {"interval": rule.interval, "day": WEEKDAYS[rule.weekday]}
    if rule.until is not None:
        doc["until"] = format_local_datetime(rule.until)
    return doc


def _rule_from(doc: dict[str, Any] | None) -> WeeklyRule | None:
    if not doc:
        return None
    until = doc.get("until")
    return WeeklyRule(
        WEEKDAYS.index(doc["day"]),
        int(doc["interval"]),
        datetime.fromisoformat(until) if until else None,
    )


def event_row(e: EventState) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "startLocal": format_local_datetime(e.start_local),
        "endLocal": format_local_datetime(e.end_local),
        "title": e.title,
        "notes": e.notes,
        "location": e.location,
        "resources": e.resources,
        "conferencingDetails": e.conferencing_details,
        "recurrenceRule": _rule_doc(e.rule) if e.rule is not None else None,
        "inheritedFields": sorted(e.inherited),
        "extendedFields": e.extended_fields,
    }
    return {
        "id": e.id,
        "schedule_id": e.schedule_id,
        "external_schedule_id": e.external_schedule_id,
        "schedule_name": e.schedule_name,
        "app_id": e.app_id,
        "type": e.type,
        "status": e.status,
        "recurrence_type": e.recurrence_type,
        "recurring_event_id": e.recurring_event_id,
        "occurrence_date": e.occurrence_key,
        "transparency": e.transparency,
        "time_zone": e.time_zone,
        "start_utc": e.start_utc,
        "end_utc": e.end_utc,
        "until_utc": e.until_utc,
        "series_end_utc": e.series_end_utc,
        "materialized_until": e.materialized_until,
        "location_id": (e.location or {}).get("id"),
        "location_type": (e.location or {}).get("type"),
        "conferencing_type": (
            None
            if e.conferencing_details is None
            else e.conferencing_details.get("type", "UNKNOWN")
        ),
        "total_capacity": e.total_capacity,
        "participants_total": e.participants_total,
        "remaining_capacity": e.remaining_capacity,
        "doc": {k: v for k, v in doc.items() if v is not None},
        "revision": e.revision,
        "created_date": e.created_date,
        "updated_date": e.updated_date,
    }


def event_from_row(row: sa.Row[Any]) -> EventState:
    doc: dict[str, Any] = dict(row.doc or {})
    key = row.occurrence_date
    if isinstance(key, str):  # pragma: no cover - drivers return dates
        key = date.fromisoformat(key)
    return EventState(
        id=row.id,
        schedule_id=row.schedule_id,
        app_id=row.app_id,
        type=row.type,
        status=row.status,
        recurrence_type=row.recurrence_type,
        time_zone=row.time_zone,
        start_local=datetime.fromisoformat(doc["startLocal"]),
        end_local=datetime.fromisoformat(doc["endLocal"]),
        start_utc=row.start_utc,
        end_utc=row.end_utc,
        created_date=row.created_date,
        updated_date=row.updated_date,
        external_schedule_id=row.external_schedule_id,
        schedule_name=row.schedule_name,
        transparency=row.transparency,
        recurring_event_id=row.recurring_event_id,
        occurrence_key=key,
        rule=_rule_from(doc.get("recurrenceRule")),
        until_utc=row.until_utc,
        materialized_until=row.materialized_until,
        title=doc.get("title"),
        notes=doc.get("notes"),
        location=doc.get("location"),
        resources=list(doc.get("resources") or []),
        conferencing_details=doc.get("conferencingDetails"),
        total_capacity=row.total_capacity,
        participants_total=int(row.participants_total),
        extended_fields=doc.get("extendedFields"),
        inherited=set(doc.get("inheritedFields") or []),
        revision=int(row.revision),
    )


def resource_rows(e: EventState) -> list[dict[str, Any]]:
    return [
        {
            "event_id": e.id,
            "position": i,
            "resource_id": str(r["id"]),
            "resource_type": r.get("type"),
            "transparency": r.get("transparency", "OPAQUE"),
            "start_utc": e.start_utc,
            "end_utc": e.end_utc,
        }
        for i, r in enumerate(e.resources)
    ]
