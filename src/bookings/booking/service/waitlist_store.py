"""The waitlist entries of class sessions, read and written under the session's event lock,
and the settling of a session's waitlist: offers that ran out end, freed spots are offered to
the next in line (rules: :mod:`bookings.booking.waitlist`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bookings.booking import load, rules, waitlist
from bookings.booking.models import waitlist_entries as _w
from bookings.booking.waitlist import Entry, Policy
from bookings.calendar import service as calendar
from bookings.catalog.services import service as catalog
from bookings.platform import events
from bookings.platform.db import SiteScope, UnitOfWork
from bookings.platform.wire import new_id


def _entry(row: sa.Row[Any]) -> Entry:
    return Entry(
        row.id, row.booking_id, row.status, row.participants, row.expires_at, row.created_date
    )


async def active_entries(scope: SiteScope, event_id: str) -> list[Entry]:
    """The session's entries on the list (WAITING, SUGGESTING), first registered first."""
    stmt = (
        scope.select(_w)
        .where(_w.c.event_id == event_id)
        .where(_w.c.status.in_(sorted(waitlist.ACTIVE)))
        .order_by(_w.c.created_date, _w.c.id)
    )
    return [_entry(r) for r in await scope.all(stmt)]


async def listed_entries(scope: SiteScope, event_id: str) -> list[Entry]:
    """The session's entries on the list or enrolled from it, first registered first."""
    stmt = (
        scope.select(_w)
        .where(_w.c.event_id == event_id)
        .where(_w.c.status.in_(sorted({*waitlist.ACTIVE, waitlist.ENROLLED})))
        .order_by(_w.c.created_date, _w.c.id)
    )
    return [_entry(r) for r in await scope.all(stmt)]


async def entry_of_booking(scope: SiteScope, booking_id: str) -> tuple[Entry, str] | None:
    """A booking's latest entry and its session."""
    stmt = (
        scope.select(_w)
        .where(_w.c.booking_id == booking_id)
        .order_by(_w.c.created_date.desc())
        .limit(1)
    )
    row = await scope.one_or_none(stmt)
    return (_entry(row), row.event_id) if row is not None else None


async def held_spots(
    scope: SiteScope, event_id: str, now: datetime, exclude: str | None = None
) -> int:
    """Participants of the spots held for running offers (``exclude``: a booking whose own
    offer does not count, it is taking its spot)."""
    return waitlist.held(await active_entries(scope, event_id), now, exclude)


async def _record(uow: UnitOfWork, entry: Entry, event_id: str, slug: str) -> None:
    await events.record(
        uow,
        entity_fqdn=waitlist.ENTITY_FQDN,
        slug=slug,
        entity_id=entry.id,
        kind="created" if slug == "created" else "updated",
        payload=waitlist.entry_wire(entry, event_id),
    )


async def register(
    uow: UnitOfWork, event_id: str, booking_id: str, participants: int, now: datetime
) -> Entry:
    entry = Entry(new_id(), booking_id, waitlist.WAITING, participants, None, now)
    await uow.insert(
        _w,
        {
            "id": entry.id,
            "event_id": event_id,
            "booking_id": booking_id,
            "status": entry.status,
            "participants": participants,
            "expires_at": None,
            "created_date": now,
            "updated_date": now,
        },
    )
    await _record(uow, entry, event_id, "created")
    return entry


async def set_status(
    uow: UnitOfWork,
    entry: Entry,
    event_id: str,
    status: str,
    now: datetime,
    expires_at: datetime | None = None,
) -> Entry:
    await uow.conn.execute(
        uow.update(_w)
        .where(_w.c.id == entry.id)
        .values(status=status, expires_at=expires_at, updated_date=now)
    )
    changed = Entry(
        entry.id, entry.booking_id, status, entry.participants, expires_at, entry.created_date
    )
    await _record(uow, changed, event_id, "updated")
    return changed


async def end_registration(uow: UnitOfWork, booking_id: str, status: str, now: datetime) -> None:
    """A waitlisted booking leaves the list (``LEFT``: canceled or declined) or takes its
    place (``ENROLLED``: confirmed or pending)."""
    found = await entry_of_booking(uow, booking_id)
    if found is not None and found[0].status in waitlist.ACTIVE:
        await set_status(uow, found[0], found[1], status, now)


async def settle(uow: UnitOfWork, event_id: str, now: datetime) -> list[str]:
    """Under the session's event lock: offers that ran out end (``EXPIRED``), and the spots
    free now are offered to the next in line. Answers the bookings of the ended offers (the
    caller cancels them). Costs one statement when nobody waits."""
    entries = await active_entries(uow, event_id)
    if not entries:
        return []
    ended = waitlist.expired(entries, now)
    for entry in ended:
        await set_status(uow, entry, event_id, waitlist.EXPIRED, now)
    left = [e for e in entries if e not in ended]
    if not any(e.status == waitlist.WAITING for e in left):
        return [e.booking_id for e in ended]
    event = await calendar.get_event(uow, event_id)
    if event is None:
        return [e.booking_id for e in ended]
    owner = str(event.get("externalScheduleId") or "")
    service = (await catalog.get_service_views(uow, [owner])).get(owner) if owner else None
    policy = Policy.of(service.booking_policy if service else {})
    cap = event.get("totalCapacity")
    if not isinstance(cap, int) and service is not None:
        cap = service.default_capacity
    used = await load.occupied(uow, rules.CLASS, event_id, now, None)
    for entry in waitlist.to_offer(cap if isinstance(cap, int) else None, used, left, now):
        await set_status(
            uow, entry, event_id, waitlist.SUGGESTING, now, waitlist.expiry(now, policy)
        )
    return [e.booking_id for e in ended]


async def due_sessions(scope_db: Any, now: datetime) -> Sequence[tuple[str, str]]:
    """``(site_id, event_id)`` of every session with an offer that ran out (all sites)."""
    stmt = (
        sa.select(_w.c.site_id, _w.c.event_id)
        .where(_w.c.status == waitlist.SUGGESTING)
        .where(_w.c.expires_at <= now)
        .distinct()
    )
    rows = (await scope_db.execute(stmt)).all()
    return [(r.site_id, r.event_id) for r in rows]
