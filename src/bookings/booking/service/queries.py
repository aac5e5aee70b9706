"""What other slices read of the bookings: Reader V2 queries and counts (who sees what), the
bookings of a session, policy snapshots and allowed actions, the domain-event feed, the
booking reference the Attendance API needs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bookings.booking import capacity, rules, search
from bookings.booking.documents import (
    ENTITY_FQDN,
)
from bookings.booking.models import bookings as _b
from bookings.booking.state import Status
from bookings.booking.views import BookingPage, BookingView
from bookings.calendar import service as calendar
from bookings.catalog.policies import service as policies
from bookings.platform import errors, events, query
from bookings.platform.auth import Identity, Role
from bookings.platform.db import (
    Database,
    SiteScope,
)
from bookings.platform.signing import Signer

# ---------------------------------------------------------------- reading (Bookings Reader V2)


def visible_to(caller: Identity) -> sa.ColumnElement[bool]:
    """The bookings a caller may read: the site's for the business (ADMIN, APP), a member's
    or visitor's own otherwise."""
    if caller.role == Role.MEMBER:
        return _b.c.member_id == caller.subject_id
    if caller.role == Role.VISITOR:
        return _b.c.created_by_visitor_id == caller.subject_id
    return sa.true()


async def query_bookings(
    scope: SiteScope,
    caller: Identity,
    query_: Mapping[str, Any],
    *,
    signer: Signer,
    scope_key: str,
    session_id: str | None = None,
) -> BookingPage:
    """A page of the bookings ``caller`` may read that match a Reader V2 query (and, with
    ``session_id``, are bookings of that session: :func:`_of_session`)."""
    stmt = scope.select(_b).where(visible_to(caller))
    if session_id is not None:
        stmt = stmt.where(await _of_session(scope, session_id))
    page = await query.run_query(
        scope, search.QUERY_SPEC, stmt, query_, signer=signer, scope_key=scope_key
    )
    return BookingPage([BookingView.of_row(r) for r in page.rows], page.paging_metadata)


async def _of_session(scope: SiteScope, session_id: str) -> sa.ColumnElement[bool]:
    """The bookings of one session: class bookings of that event and course bookings of the
    course it belongs to."""
    event = await calendar.get_event(scope, session_id)
    condition = _b.c.event_id == session_id
    if event is not None and event.get("scheduleId"):
        course = sa.and_(_b.c.kind == rules.COURSE, _b.c.schedule_id == str(event["scheduleId"]))
        condition = sa.or_(condition, course)
    return condition


async def count_bookings(scope: SiteScope, caller: Identity, filter_: Any) -> int:
    stmt = scope.select(_b, _b.c.id).where(visible_to(caller))
    return await query.count(scope, search.QUERY_SPEC, stmt, filter_ or {})


async def policy_snapshots(scope: SiteScope, booking_ids: Sequence[str]) -> dict[str, Any]:
    """The policy of each booking's snapshot (bookings without one are absent)."""
    return {
        s["bookingId"]: dict(s.get("policy") or {})
        for s in await policies.list_snapshots(scope, booking_ids)
    }


async def allowed_actions_of(
    scope: SiteScope, bookings: Sequence[BookingView], now: datetime
) -> dict[str, dict[str, bool]]:
    """``{cancel, reschedule}`` of each booking, from its policy snapshot, at ``now``."""
    snapshots = await policy_snapshots(scope, [b.id for b in bookings])
    return {
        b.id: rules.allowed_actions(b.status, b.kind, snapshots.get(b.id, {}), b.start_utc, now)
        for b in bookings
    }


async def list_domain_events(
    db: Database,
    signer: Signer,
    site_id: str,
    *,
    entity_id: str | None,
    after_sequence: int | None,
    cursor: str | None,
    limit: int,
    entity_fqdn: str | None = None,
) -> dict[str, Any]:
    """The outbox's events of bookings, or of the entity kind ``entity_fqdn`` names (any
    of :data:`events.ENTITY_FQDNS`: waitlist entries, services, calendar events...)."""
    fqdn = entity_fqdn or ENTITY_FQDN
    if fqdn not in events.ENTITY_FQDNS:
        raise errors.invalid_field(
            "entityFqdn", f"must be one of {', '.join(events.ENTITY_FQDNS)}", errors.VALIDATION
        )
    after = None
    if cursor:
        after = events.decode_cursor(signer, site_id, cursor)
        if after is None:
            raise errors.invalid_field("cursor", "is not a cursor of this endpoint", errors.FORMAT)
    async with db.read(site_id) as scope:
        found, next_cursor = await events.list_events(
            scope,
            entity_id=entity_id,
            entity_fqdn=fqdn,
            after_sequence=after_sequence,
            after=after,
            limit=limit,
            signer=signer,
        )
    out: dict[str, Any] = {"events": found}
    if next_cursor and entity_id is None:
        out["nextCursor"] = next_cursor
    return out


# ---------------------------------------------------------------- reading (calendar feeds)


def _live(now: datetime) -> sa.ColumnElement[bool]:
    """The bookings that hold capacity at ``now`` (:func:`bookings.booking.capacity.holds`):
    CONFIRMED and PENDING, CREATED while its hold lasts."""
    return sa.or_(
        *(_b.c.status == s.value for s in sorted(capacity.ALWAYS_HOLDING)),
        sa.and_(_b.c.status == Status.CREATED.value, _b.c.hold_until > now),
    )


async def live_bookings(
    scope: SiteScope,
    *,
    start_utc: datetime,
    end_utc: datetime,
    now: datetime,
    resource_id: str | None = None,
) -> list[BookingView]:
    """The bookings of the scope's site that hold capacity at ``now`` (CONFIRMED, PENDING,
    CREATED within its hold) and overlap ``[start_utc, end_utc)``, by start then id. A
    course booking whose first or last session is unknown (an open-ended course) counts as
    open on that side. With ``resource_id``: only the appointments of that staff resource."""
    starts_before = sa.or_(_b.c.start_utc < end_utc, _b.c.start_utc.is_(None))
    ends_after = sa.or_(_b.c.end_utc > start_utc, _b.c.end_utc.is_(None))
    if resource_id is not None:
        stmt = scope.select(_b).where(
            _b.c.kind == rules.APPOINTMENT,
            _b.c.resource_id == resource_id,
            _b.c.start_utc < end_utc,
            _b.c.end_utc > start_utc,
        )
    else:
        stmt = scope.select(_b).where(
            sa.or_(
                sa.and_(_b.c.start_utc < end_utc, _b.c.end_utc > start_utc),
                sa.and_(_b.c.kind == rules.COURSE, starts_before, ends_after),
            )
        )
    rows = await scope.all(stmt.where(_live(now)).order_by(_b.c.start_utc, _b.c.id))
    return [BookingView.of_row(r) for r in rows]


@dataclass(frozen=True)
class SessionLoad:
    """What a class or course session holds: its live bookings and their participants."""

    bookings: int
    participants: int


async def session_loads(
    scope: SiteScope, sessions: Sequence[tuple[str, str | None]], now: datetime
) -> dict[str, SessionLoad]:
    """For each ``(event id, schedule id)`` of a session, the bookings that hold capacity at
    ``now``: the class bookings of that event, and the course bookings of its schedule (a
    course booking is a booking of every session of the course). Sessions without any are
    left out."""
    event_ids = sorted({e for e, _ in sessions})
    schedule_ids = sorted({s for _, s in sessions if s})
    if not event_ids:
        return {}
    count = sa.func.count().label("n")
    total = sa.func.coalesce(sa.func.sum(_b.c.participants), 0).label("p")
    by_event = {
        r.event_id: (int(r.n), int(r.p))
        for r in await scope.all(
            scope.select(_b, _b.c.event_id, count, total)
            .where(_b.c.kind == rules.CLASS, _b.c.event_id.in_(event_ids), _live(now))
            .group_by(_b.c.event_id)
        )
    }
    by_schedule: dict[str, tuple[int, int]] = {}
    if schedule_ids:
        by_schedule = {
            r.schedule_id: (int(r.n), int(r.p))
            for r in await scope.all(
                scope.select(_b, _b.c.schedule_id, count, total)
                .where(_b.c.kind == rules.COURSE, _b.c.schedule_id.in_(schedule_ids), _live(now))
                .group_by(_b.c.schedule_id)
            )
        }
    out: dict[str, SessionLoad] = {}
    for event_id, schedule_id in sessions:
        a = by_event.get(event_id, (0, 0))
        b = by_schedule.get(schedule_id or "", (0, 0))
        if a[0] + b[0]:
            out[event_id] = SessionLoad(a[0] + b[0], a[1] + b[1])
    return out


# ---------------------------------------------------------------- reading (Attendance API)


@dataclass(frozen=True)
class BookingRef:
    """What the attendance slice needs to know of a booking: its kind (APPOINTMENT, CLASS,
    COURSE), service, class session (``event_id``), course schedule (``schedule_id``) and the
    member who booked it (``None`` unless a MEMBER created it)."""

    id: str
    kind: str
    service_id: str
    event_id: str | None
    schedule_id: str | None
    member_id: str | None


async def booking_ref(scope: SiteScope, booking_id: str) -> BookingRef | None:
    """The :class:`BookingRef` of a booking of the scope's site, or ``None`` when unknown."""
    row = await scope.one_or_none(
        scope.select(
            _b, _b.c.id, _b.c.kind, _b.c.service_id, _b.c.event_id, _b.c.schedule_id, _b.c.member_id
        ).where(_b.c.id == booking_id)
    )
    if row is None:
        return None
    return BookingRef(
        id=row.id,
        kind=row.kind,
        service_id=row.service_id,
        event_id=row.event_id,
        schedule_id=row.schedule_id,
        member_id=row.member_id,
    )
