"""Query and list events and schedules: the query whitelists and the events filter."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bookings.calendar import documents, rules
from bookings.calendar.models import (
    event_from_row,
)
from bookings.calendar.rules import (
    CANCELLED,
    CONFIRMED,
)
from bookings.calendar.schemas import (
    QueryEventsRequest,
    RecurrenceType,
    ScheduleStatus,
)
from bookings.calendar.series import (
    _ensure_materialized,
)
from bookings.calendar.store import (
    HORIZON_MIN,
    _ev,
    _res,
    _response_zone,
    _sc,
)
from bookings.platform import errors, query, wire, zoned
from bookings.platform.db import (
    Database,
    utcnow,
)
from bookings.platform.query import ArrayStorage, FieldSpec, Kind, QuerySpec
from bookings.platform.signing import Signer

# ---------------------------------------------------------------- query whitelists

_EQ_IN = frozenset({"$eq", "$ne", "$in", "$nin"})


def _resources_array(column: str) -> ArrayStorage:
    return ArrayStorage(_res, {"site_id": _ev.c.site_id, "event_id": _ev.c.id}, value_column=column)


def _enum(path: str, column: sa.ColumnElement[Any], values: Iterable[str]) -> FieldSpec:
    return FieldSpec(
        path, column, Kind.ENUM, operators=_EQ_IN, enum_values=list(values), nullable=False
    )


EVENT_QUERY = QuerySpec(
    fields=[
        FieldSpec("id", _ev.c.id, operators=_EQ_IN, nullable=False),
        FieldSpec("scheduleId", _ev.c.schedule_id, operators=_EQ_IN, nullable=False),
        FieldSpec("externalScheduleId", _ev.c.external_schedule_id, operators=_EQ_IN),
        FieldSpec("appId", _ev.c.app_id, operators=_EQ_IN, nullable=False),
        FieldSpec("type", _ev.c.type, operators=_EQ_IN, nullable=False),
        FieldSpec("recurringEventId", _ev.c.recurring_event_id, operators=_EQ_IN),
        _enum("recurrenceType", _ev.c.recurrence_type, [t.value for t in RecurrenceType]),
        _enum("status", _ev.c.status, [CONFIRMED, CANCELLED]),
        _enum("transparency", _ev.c.transparency, ["OPAQUE", "TRANSPARENT"]),
        FieldSpec("location.id", _ev.c.location_id, operators=_EQ_IN),
        FieldSpec(
            "location.type",
            _ev.c.location_type,
            Kind.ENUM,
            operators=_EQ_IN,
            enum_values=["BUSINESS", "CUSTOMER", "CUSTOM"],
        ),
        FieldSpec("location", _ev.c.location_type, operators={"$exists"}),
        FieldSpec("conferencingDetails", _ev.c.conferencing_type, operators={"$exists"}),
        FieldSpec("totalCapacity", _ev.c.total_capacity, Kind.INT),
        FieldSpec("remainingCapacity", _ev.c.remaining_capacity, Kind.INT),
        FieldSpec("participants.total", _ev.c.participants_total, Kind.INT, nullable=False),
        FieldSpec("resources.id", array=_resources_array("resource_id")),
        FieldSpec("resources.type", array=_resources_array("resource_type")),
        FieldSpec("resources.transparency", array=_resources_array("transparency")),
        # Sorting only: the date window travels in fromLocalDate/toLocalDate.
        FieldSpec("start", _ev.c.start_utc, Kind.TIMESTAMP, operators=(), sortable=True),
        FieldSpec("end", _ev.c.end_utc, Kind.TIMESTAMP, operators=(), sortable=True),
        # Internal: how the date window travels inside cursors.
        FieldSpec("_window.start", _ev.c.start_utc, Kind.TIMESTAMP, operators={"$lt"}),
        FieldSpec(
            "_window.end", _ev.c.series_end_utc, Kind.TIMESTAMP, operators={"$gt", "$exists"}
        ),
    ],
    tiebreaker=_ev.c.id,
    default_sort=[("start", "ASC")],
    default_limit=50,
    max_limit=1000,
    offset_paging=False,
)

SCHEDULE_QUERY = QuerySpec(
    fields=[
        FieldSpec("id", _sc.c.id, operators=_EQ_IN, nullable=False, sortable=True),
        FieldSpec("externalId", _sc.c.external_id, operators=_EQ_IN),
        FieldSpec("name", _sc.c.name, sortable=True),
        _enum("status", _sc.c.status, [s.value for s in ScheduleStatus]),
        FieldSpec("appId", _sc.c.app_id, operators=_EQ_IN, nullable=False),
        FieldSpec("timeZone", _sc.c.time_zone, operators=_EQ_IN, nullable=False),
        FieldSpec("defaultCapacity", _sc.c.default_capacity, Kind.INT),
        FieldSpec("createdDate", _sc.c.created_date, Kind.TIMESTAMP, sortable=True, nullable=False),
        FieldSpec("updatedDate", _sc.c.updated_date, Kind.TIMESTAMP, sortable=True, nullable=False),
    ],
    tiebreaker=_sc.c.id,
    default_sort=[("createdDate", "ASC")],
    default_limit=50,
    max_limit=100,
    offset_paging=False,
)


async def api_list_events(
    db: Database, site_id: str, event_ids: Sequence[str], time_zone: str | None, *, pi: bool
) -> dict[str, Any]:
    async with db.read(site_id) as scope:
        zone_name = await _response_zone(scope, time_zone)
        rows = await scope.all(scope.select(_ev).where(_ev.c.id.in_(list(event_ids))))
    by_id = {r.id: event_from_row(r) for r in rows}
    ordered = [by_id[i] for i in dict.fromkeys(event_ids) if i in by_id]
    return {"events": [documents.event_wire(e, time_zone=zone_name, pi=pi) for e in ordered]}


def _mentions(node: Any, key: str, value: str | None = None) -> bool:
    """Whether a filter names field ``key`` (with ``value`` somewhere under it)."""
    if isinstance(node, Mapping):
        for k, v in node.items():
            named = isinstance(k, str) and (k == key or k.startswith(key + "."))
            if named and (value is None or _contains(v, value)):
                return True
            if isinstance(v, Mapping | list) and _mentions(v, key, value):
                return True
    elif isinstance(node, list):
        return any(_mentions(item, key, value) for item in node)
    return False


def _contains(node: Any, value: str) -> bool:
    if isinstance(node, Mapping):
        return any(_contains(v, value) for v in node.values())
    if isinstance(node, list):
        return any(_contains(v, value) for v in node)
    return bool(node == value)


def _events_filter(
    req: QueryEventsRequest, user_filter: Any, tz_name: str
) -> tuple[dict[str, Any], datetime | None]:
    """The user's filter plus the window, default recurrence types and hidden events; and
    the end of the window as an instant."""
    tz = zoned.zone(tz_name)
    window_from = zoned.to_utc(req.from_local_date, tz) if req.from_local_date else None
    window_to = zoned.to_utc(req.to_local_date, tz) if req.to_local_date else None
    if window_from is not None and window_to is not None and window_from >= window_to:
        sort = (req.query or {}).get("sort")
        descending = isinstance(sort, list) and any(
            isinstance(s, Mapping) and s.get("order") == "DESC" for s in sort
        )
        if not descending or window_from == window_to:
            raise errors.invalid_field("toLocalDate", "must be after fromLocalDate")
        window_from, window_to = window_to, window_from
    parts: list[dict[str, Any]] = [user_filter] if user_filter else []
    if window_to is not None:
        parts.append({"_window.start": {"$lt": wire.format_timestamp(window_to)}})
    if window_from is not None:  # a MASTER without end runs forever
        after = {"$gt": wire.format_timestamp(window_from)}
        parts.append({"$or": [{"_window.end": after}, {"_window.end": {"$exists": False}}]})
    kinds = [t.value for t in req.recurrence_type] if req.recurrence_type else None
    parts.append({"recurrenceType": {"$in": kinds or list(rules.OCCURRENCE_TYPES)}})
    if not _mentions(user_filter, "status"):
        parts.append({"status": CONFIRMED})
    if not _mentions(user_filter, "type", rules.WORKING_HOURS):
        parts.append({"type": {"$ne": rules.WORKING_HOURS}})
    return {"$and": parts}, window_to


async def api_query_events(
    db: Database, signer: Signer, site_id: str, req: QueryEventsRequest, *, pi: bool
) -> dict[str, Any]:
    async with db.read(site_id) as scope:
        zone_name = await _response_zone(scope, req.time_zone)
    q: dict[str, Any] = dict(req.query or {})
    paging = q.get("cursorPaging")
    cursor = paging.get("cursor") if isinstance(paging, Mapping) else None
    target = utcnow() + HORIZON_MIN
    if not cursor:
        user_filter = q.get("filter")
        query.compile_filter(EVENT_QUERY, user_filter, "query.filter")  # errors name its paths
        q["filter"], window_to = _events_filter(req, user_filter, zone_name)
        if window_to is not None:
            target = max(target, window_to)
    await _ensure_materialized(db, site_id, target)
    async with db.read(site_id) as scope:
        page = await query.run_query(
            scope,
            EVENT_QUERY,
            scope.select(_ev),
            q,
            signer=signer,
            scope_key=f"{site_id}:calendar-events",
        )
    return {
        "events": [
            documents.event_wire(event_from_row(r), time_zone=zone_name, pi=pi) for r in page.rows
        ],
        "pagingMetadata": page.paging_metadata,
    }
