"""Attendance use-cases: one function per API method, each owning its transaction, and
:func:`extended_attendance` for the Bookings Reader.

An attendance belongs to one booking and one of its sessions: a class booking's session
(``slot.eventId``, derived from the booking), one session of a course booking (named by the
request, checked against the course's calendar events), or — for an appointment, which has no
calendar event in this server — the booking alone. Set is an upsert on (booking, session):
``INSERT ... ON CONFLICT DO NOTHING`` then ``SELECT ... FOR UPDATE``, so two concurrent Sets
of one key make one record (the later one updates it) on either engine. Every change records
a domain event (``wix.bookings.v2.attendance``: ``created``, ``updated``, ``deleted``) in
the same transaction.

For other slices (takes the caller's scope, opens no transaction):

``extended_attendance(scope, booking_ids) -> dict[str, dict]``
    ``ExtendedBooking.attendance`` of each booking that has attendance recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from bookings.attendance import rules
from bookings.attendance.models import attendances as _a
from bookings.attendance.schemas import AttendanceIn
from bookings.booking import service as bookings
from bookings.calendar import service as calendar
from bookings.platform import errors, events, query
from bookings.platform.auth import Identity
from bookings.platform.bulk import bulk_each
from bookings.platform.db import (
    Database,
    SiteScope,
    UnitOfWork,
    insert_ignoring_conflicts,
    utcnow,
)
from bookings.platform.query import FieldSpec, Kind, QuerySpec
from bookings.platform.signing import Signer
from bookings.platform.wire import format_timestamp, new_id

__all__ = ["ENTITY_FQDN", "AttendanceIn", "extended_attendance"]

ENTITY_FQDN = "wix.bookings.v2.attendance"

#: Bookings per statement of :func:`extended_attendance` (a Reader page is at most 100).
_CHUNK = 500


# ---------------------------------------------------------------- for the Bookings Reader


async def extended_attendance(
    scope: SiteScope, booking_ids: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """``ExtendedBooking.attendance`` of each of ``booking_ids`` that has attendance recorded
    (bookings without any are absent: the Reader shows them as ``{"status": "NOT_SET",
    "numberOfAttendees": 0}``). One query for a page of bookings.

    The rule (:func:`bookings.attendance.rules.summarize`): a booking with one record (an
    appointment, a class session) → ``{"id", "status", "numberOfAttendees"}`` of that record;
    with several (the sessions of a course) → no ``id``, ``status`` ATTENDED if any record is
    ATTENDED, else NOT_ATTENDED if any is, else NOT_SET, and the largest
    ``numberOfAttendees``.
    """
    wanted = list(dict.fromkeys(booking_ids))
    found: dict[str, list[dict[str, Any]]] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        rows = await scope.all(
            scope.select(_a, _a.c.id, _a.c.booking_id, _a.c.status, _a.c.number_of_attendees)
            .where(_a.c.booking_id.in_(chunk))
            .order_by(_a.c.booking_id, _a.c.id)
        )
        for r in rows:
            found.setdefault(r.booking_id, []).append(
                {"id": r.id, "status": r.status, "numberOfAttendees": r.number_of_attendees}
            )
    return {booking_id: rules.summarize(records) for booking_id, records in found.items()}


# ---------------------------------------------------------------- query whitelists

_EQUALITY = (query.EQ, query.NE, query.IN, query.NIN)
_ORDERED = (*_EQUALITY, query.GT, query.GTE, query.LT, query.LTE)

QUERY_SPEC = QuerySpec(
    fields=[
        FieldSpec("id", _a.c.id, operators=_EQUALITY, sortable=True, nullable=False),
        FieldSpec("bookingId", _a.c.booking_id, operators=_EQUALITY, sortable=True, nullable=False),
        # sessionId is the deprecated name of eventId: one column (NULL for appointments).
        FieldSpec(
            "eventId", _a.c.event_id, operators=_EQUALITY, aliases=("sessionId",), sortable=True
        ),
        FieldSpec(
            "status",
            _a.c.status,
            Kind.ENUM,
            operators=_EQUALITY,
            enum_values=rules.STATUSES,
            sortable=True,
            nullable=False,
        ),
        FieldSpec(
            "numberOfAttendees",
            _a.c.number_of_attendees,
            Kind.INT,
            operators=_ORDERED,
            sortable=True,
            nullable=False,
        ),
    ],
    tiebreaker=_a.c.id,
    default_sort=(("id", "ASC"),),
    default_limit=50,
    max_limit=1000,
    offset_paging=False,
)

COUNT_SPEC = QuerySpec(
    fields=[
        FieldSpec(
            "status",
            _a.c.status,
            Kind.ENUM,
            operators=_EQUALITY,
            enum_values=rules.STATUSES,
            nullable=False,
        ),
        FieldSpec("serviceId", _a.c.service_id, operators=_EQUALITY, nullable=False),
    ],
    tiebreaker=_a.c.id,
    offset_paging=False,
)


# ---------------------------------------------------------------- wire and rows


def attendance_wire(row: sa.Row[Any]) -> dict[str, Any]:
    """The wire Attendance of a row (``sessionId``/``eventId`` absent for appointments)."""
    out: dict[str, Any] = {"id": row.id, "bookingId": row.booking_id}
    if row.event_id is not None:
        out["sessionId"] = row.event_id
        out["eventId"] = row.event_id
    out["status"] = row.status
    out["numberOfAttendees"] = row.number_of_attendees
    out["updatedDate"] = format_timestamp(row.updated_date)
    out["statusUpdatedDate"] = format_timestamp(row.status_updated_date)
    return out


async def _row(scope: SiteScope, attendance_id: str, *, lock: bool = False) -> sa.Row[Any]:
    stmt = scope.select(_a).where(_a.c.id == attendance_id)
    row = await scope.one_or_none(stmt.with_for_update() if lock else stmt)
    if row is None:
        raise rules.attendance_not_found(attendance_id)
    return row


async def _row_by_key(uow: UnitOfWork, booking_id: str, key: str) -> sa.Row[Any] | None:
    return await uow.one_or_none(
        uow.select(_a)
        .where(_a.c.booking_id == booking_id, _a.c.session_key == key)
        .with_for_update()
    )


async def _record(
    uow: UnitOfWork,
    slug: events.EventKind,
    entity: dict[str, Any],
    modified: Sequence[str] | None = None,
) -> None:
    await events.record(
        uow,
        entity_fqdn=ENTITY_FQDN,
        slug=slug,
        entity_id=entity["id"],
        kind=slug,
        payload=entity,
        modified_fields=modified,
    )


# ---------------------------------------------------------------- set


async def _session(
    uow: UnitOfWork, item: AttendanceIn, prefix: str
) -> tuple[bookings.BookingRef, str]:
    """The booking of ``item`` and the session key its attendance is stored under."""
    booking = await bookings.booking_ref(uow, item.booking_id)
    if booking is None:
        raise bookings.booking_not_found(item.booking_id)
    requested = rules.requested_event(item.event_id, item.session_id, prefix)
    key = rules.session_key(booking.kind, booking.id, booking.event_id, requested)
    if booking.kind == rules.COURSE:
        event = await calendar.get_event(uow, key)
        if not rules.is_course_session(event, booking.schedule_id):
            raise rules.session_not_of_booking(booking.id, key)
    return booking, key


async def _set(uow: UnitOfWork, item: AttendanceIn, prefix: str) -> dict[str, Any]:
    booking, key = await _session(uow, item, prefix)
    status = item.status.value
    now = utcnow()
    existing = await _row_by_key(uow, booking.id, key)
    if existing is None:
        attendance_id = new_id()
        inserted = await uow.conn.execute(
            insert_ignoring_conflicts(uow.conn, _a)
            .values(
                site_id=uow.site_id,
                id=attendance_id,
                booking_id=booking.id,
                session_key=key,
                event_id=key or None,
                status=status,
                number_of_attendees=(
                    rules.DEFAULT_ATTENDEES
                    if item.number_of_attendees is None
                    else item.number_of_attendees
                ),
                service_id=booking.service_id,
                member_id=booking.member_id,
                created_date=now,
                updated_date=now,
                status_updated_date=now,
            )
            .returning(_a.c.id)
        )
        if inserted.first() is not None:
            created = attendance_wire(await _row(uow, attendance_id))
            await _record(uow, "created", created)
            return created
        existing = await _row_by_key(uow, booking.id, key)  # a concurrent Set made it first
        if existing is None:  # pragma: no cover - the conflicting row is committed by now
            raise errors.internal_error()
    change = rules.change(
        existing.status, existing.number_of_attendees, status, item.number_of_attendees
    )
    if not change.modified:  # nothing to change: no write, no event
        return attendance_wire(existing)
    values: dict[str, Any] = {
        "status": change.status,
        "number_of_attendees": change.number_of_attendees,
        "updated_date": now,
    }
    if change.status_changed:
        values["status_updated_date"] = now
    await uow.conn.execute(uow.update(_a).where(_a.c.id == existing.id).values(**values))
    updated = attendance_wire(await _row(uow, existing.id))
    await _record(uow, "updated", updated, change.modified)
    return updated


async def set_attendance(
    db: Database, site_id: str, item: AttendanceIn, *, prefix: str = "attendance"
) -> dict[str, Any]:
    """Create or update the attendance of a booking's session (see the module docstring)."""
    async with db.write(site_id) as uow:
        return await _set(uow, item, prefix)


async def bulk_set_attendance(
    db: Database, site_id: str, items: Sequence[AttendanceIn] | None, return_entity: bool
) -> dict[str, Any]:
    """Set each item in its own transaction; per-item failures travel in the results."""
    if not items:
        raise rules.attendances_missing()

    async def set_one(index: int, item: AttendanceIn) -> dict[str, Any]:
        prefix = f"attendanceDetails[{index}].attendance"
        return await set_attendance(db, site_id, item, prefix=prefix)

    return await bulk_each(items, set_one, return_entity=return_entity)


# ---------------------------------------------------------------- get, delete


async def get_attendance(db: Database, site_id: str, attendance_id: str) -> dict[str, Any]:
    async with db.read(site_id) as scope:
        return attendance_wire(await _row(scope, attendance_id))


async def delete_attendance(db: Database, site_id: str, attendance_id: str) -> None:
    async with db.write(site_id) as uow:
        row = await _row(uow, attendance_id, lock=True)
        await uow.conn.execute(uow.delete(_a).where(_a.c.id == row.id))
        await _record(uow, "deleted", attendance_wire(row))


async def bulk_delete_attendances(
    db: Database, site_id: str, attendance_ids: Sequence[str]
) -> dict[str, Any]:
    async def delete(_index: int, attendance_id: str) -> None:
        await delete_attendance(db, site_id, attendance_id)

    return await bulk_each(attendance_ids, delete, item_id=str)


# ---------------------------------------------------------------- query, count


async def query_attendance(
    db: Database, signer: Signer, site_id: str, q: dict[str, Any] | None
) -> dict[str, Any]:
    """Cursor paging only; default sort ``id`` ASC; ``$hasSome`` is read as ``$in``."""
    q = dict(q or {})
    rules.check_sort(q.get("sort"))
    if "filter" in q:
        q["filter"] = rules.rewrite_filter(q["filter"])
    async with db.read(site_id) as scope:
        page = await query.run_query(
            scope,
            QUERY_SPEC,
            scope.select(_a),
            q,
            signer=signer,
            scope_key=f"{site_id}:attendance",
        )
        return {
            "attendances": [attendance_wire(r) for r in page.rows],
            "pagingMetadata": page.paging_metadata,
        }


async def count_attendances(db: Database, caller: Identity, filter_: dict[str, Any] | None) -> int:
    """The calling member's attendance records (of bookings they made) matching ``filter``
    (``status``, ``serviceId`` — one id or a list). The router admits MEMBER callers only."""
    rewritten = rules.rewrite_filter(filter_ or {}, list_fields=("serviceId",))
    async with db.read(caller.site_id) as scope:
        stmt = scope.select(_a, _a.c.id).where(_a.c.member_id == caller.subject_id)
        return await query.count(scope, COUNT_SPEC, stmt, rewritten, prefix="filter")
