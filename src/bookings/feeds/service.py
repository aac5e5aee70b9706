"""Calendar feeds (our extension): every site and every staff member has a secret URL that
calendar apps (Google, Apple, Outlook) subscribe to with a plain ``GET``.

* **Tokens** (:mod:`.tokens`): 128 random bits stored (``lookup_id``) + 128 bits of HMAC under
  the server's secret, not stored. The admin API can list a feed's URL again; rotating draws
  a new ``lookup_id``, so the old URL answers 404 at once. A feed row is made the first time
  the feeds are listed (or the feed is rotated).
* **What a feed lists** (``docs/api/calendar-feeds.md``): the bookings that hold capacity now
  (CONFIRMED; PENDING, and CREATED within its hold, as TENTATIVE) overlapping the window
  :data:`PAST` back to :data:`AHEAD` ahead. Canceled, declined, waiting-list and lapsed
  CREATED bookings drop out. The site's feed: every booking (a course booking at each of its
  sessions in the window); a staff member's feed: their appointment bookings, and the class
  and course sessions they teach with the number of their bookings.
* **UIDs**: ``<bookingId>@bookings`` for a booking, ``<eventId>@bookings`` for a session,
  ``<bookingId>.<eventId>@bookings`` for a course booking's session. ``SEQUENCE`` is the
  booking's revision (the session's for a session; their sum for a course booking's session).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bookings.booking import service as booking
from bookings.calendar import service as calendar
from bookings.feeds import ics, tokens
from bookings.feeds.models import SITE_FEED_ID, calendar_feeds
from bookings.identity import service as identity
from bookings.platform import errors, wire
from bookings.platform.db import Database, SiteScope, insert_ignoring_conflicts, utcnow
from bookings.platform.signing import Signer
from bookings.staff import service as staff

#: The window of a feed, around the time it is read.
PAST = timedelta(days=30)
AHEAD = timedelta(days=365)
#: The path of a feed under the public base URL (``{token}``: :mod:`.tokens`).
FEED_PATH = "/_api/bookings-server/v1/calendar-feeds/{token}.ics"
SESSION_TYPES = ("CLASS", "COURSE")

_BY_LOOKUP = sa.select(calendar_feeds).where(
    calendar_feeds.c.lookup_id == sa.bindparam("lookup_id")
)


@dataclass(frozen=True)
class Feed:
    """A feed as the admin API and the CLI show it."""

    #: ``None`` for the site's own feed.
    staff_member_id: str | None
    name: str
    url: str
    created_date: datetime
    updated_date: datetime


def feed_url(public_url: str, token: str) -> str:
    return public_url.rstrip("/") + FEED_PATH.format(token=token)


def _feed(signer: Signer, public_url: str, row: sa.Row[Any], name: str) -> Feed:
    token = tokens.token(signer, row.site_id, row.id, row.lookup_id)
    return Feed(
        None if row.id == SITE_FEED_ID else row.id,
        name,
        feed_url(public_url, token),
        row.created_date,
        row.updated_date,
    )


async def _rows(scope: SiteScope) -> dict[str, sa.Row[Any]]:
    return {r.id: r for r in await scope.all(scope.select(calendar_feeds))}


async def _site(db: Database, site_id: str) -> identity.Site:
    site = await identity.get_site(db, site_id)
    if site is None:
        raise identity.site_not_found(site_id)
    return site


async def list_feeds(db: Database, signer: Signer, public_url: str, site_id: str) -> list[Feed]:
    """The site's feed and every staff member's (by name), made on first listing."""
    site = await _site(db, site_id)
    async with db.read(site_id) as scope:
        members = await staff.list_staff_members(scope)
        rows = await _rows(scope)
    wanted = [SITE_FEED_ID, *(str(m["id"]) for m in members)]
    if any(feed_id not in rows for feed_id in wanted):
        async with db.write(site_id) as uow:
            now = utcnow()
            await uow.conn.execute(
                insert_ignoring_conflicts(uow.conn, calendar_feeds),
                [
                    {
                        "site_id": site_id,
                        "id": feed_id,
                        "lookup_id": tokens.new_lookup_id(),
                        "created_date": now,
                        "updated_date": now,
                    }
                    for feed_id in wanted
                    if feed_id not in rows
                ],
            )
            rows = await _rows(uow)
    feeds = [_feed(signer, public_url, rows[SITE_FEED_ID], site.name)]
    feeds += [_feed(signer, public_url, rows[str(m["id"])], str(m["name"])) for m in members]
    return feeds


async def rotate_feed(
    db: Database,
    signer: Signer,
    public_url: str,
    site_id: str,
    staff_member_id: str | None = None,
) -> Feed:
    """A new token for the site's feed (or a staff member's): the old URL stops working."""
    site = await _site(db, site_id)
    async with db.write(site_id) as uow:
        name = site.name
        if staff_member_id is not None:
            found = await staff.list_staff_members(uow, [staff_member_id])
            if not found:
                raise errors.not_found(
                    "STAFF_MEMBER_NOT_FOUND",
                    f"Staff member {staff_member_id} not found",
                    staffMemberId=staff_member_id,
                )
            name = str(found[0]["name"])
        feed_id = staff_member_id or SITE_FEED_ID
        lookup_id, now = tokens.new_lookup_id(), utcnow()
        values = {"lookup_id": lookup_id, "updated_date": now}
        await uow.conn.execute(
            insert_ignoring_conflicts(uow.conn, calendar_feeds).values(
                site_id=site_id, id=feed_id, created_date=now, **values
            )
        )
        await uow.conn.execute(
            uow.update(calendar_feeds).where(calendar_feeds.c.id == feed_id).values(**values)
        )
        row = (await _rows(uow))[feed_id]
    return _feed(signer, public_url, row, name)


# ---------------------------------------------------------------- the feed itself


async def feed_calendar(
    db: Database, signer: Signer, token: str, now: datetime | None = None
) -> bytes | None:
    """The iCalendar text of the feed whose token is ``token``; ``None`` when there is no
    such feed (a wrong or rotated token, a deleted staff member or site)."""
    lookup_id = tokens.lookup_id_of(token)
    if lookup_id is None:
        return None
    async with db.connect_for_lookup() as conn:
        row = (await conn.execute(_BY_LOOKUP, {"lookup_id": lookup_id})).first()
    if row is None or not tokens.matches(signer, token, row.site_id, row.id, row.lookup_id):
        return None
    site = await identity.get_site(db, row.site_id)
    if site is None:
        return None
    now = now or utcnow()
    start, end = now - PAST, now + AHEAD
    async with db.read(site.site_id) as scope:
        if row.id == SITE_FEED_ID:
            name = f"{site.name} bookings"
            events = await _site_events(scope, start, end, now)
        else:
            found = await staff.list_staff_members(scope, [row.id])
            if not found:
                return None
            name = f"{found[0]['name']} - {site.name}"
            events = await _staff_events(scope, str(found[0]["resourceId"]), start, end, now)
    events.sort(key=lambda e: (e.start, e.uid))
    return ics.calendar_text(name, site.time_zone, events)


async def _site_events(
    scope: SiteScope, start: datetime, end: datetime, now: datetime
) -> list[ics.FeedEvent]:
    found = await booking.live_bookings(scope, start_utc=start, end_utc=end, now=now)
    out = [_booking_event(b) for b in found if b.kind != "COURSE" and b.start_utc and b.end_utc]
    courses = [b for b in found if b.kind == "COURSE" and b.schedule_id]
    if courses:
        sessions = await calendar.occurrences(
            scope,
            start_utc=start,
            end_utc=end,
            schedule_ids=sorted({str(b.schedule_id) for b in courses}),
            types=["COURSE"],
        )
        for b in courses:
            out += [
                _course_session_event(b, s) for s in sessions if s["scheduleId"] == b.schedule_id
            ]
    return out


async def _staff_events(
    scope: SiteScope, resource_id: str, start: datetime, end: datetime, now: datetime
) -> list[ics.FeedEvent]:
    found = await booking.live_bookings(
        scope, start_utc=start, end_utc=end, now=now, resource_id=resource_id
    )
    out = [_booking_event(b) for b in found if b.start_utc and b.end_utc]
    sessions = await calendar.occurrences(
        scope, start_utc=start, end_utc=end, resource_ids=[resource_id], types=SESSION_TYPES
    )
    loads = await booking.session_loads(
        scope, [(str(s["id"]), s.get("scheduleId")) for s in sessions], now
    )
    out += [_session_event(s, loads.get(str(s["id"]))) for s in sessions]
    return out


# ---------------------------------------------------------------- events (pure)


def _customer(doc: dict[str, Any]) -> str | None:
    contact = doc.get("contactDetails") or {}
    name = " ".join(str(contact[k]) for k in ("firstName", "lastName") if contact.get(k))
    return name or None


def _place(location: dict[str, Any] | None) -> str | None:
    location = location or {}
    text = location.get("formattedAddress") or location.get("address") or location.get("name")
    return str(text) if text else None


def _booking_location(doc: dict[str, Any]) -> str | None:
    entity = doc.get("bookedEntity") or {}
    held = entity.get("slot") or entity.get("schedule") or {}
    return _place(held.get("location"))


def _booking_text(b: booking.BookingView) -> tuple[str, str]:
    doc = b.wire
    title = str((doc.get("bookedEntity") or {}).get("title") or "Booking")
    customer = _customer(doc)
    contact = doc.get("contactDetails") or {}
    lines = [f"Customer: {customer}"] if customer else []
    lines += [f"{k.title()}: {contact[k]}" for k in ("email", "phone") if contact.get(k)]
    participants = doc.get("totalParticipants")
    if participants:
        lines.append(f"Participants: {participants}")
    lines += [f"Status: {b.status.value}", f"Booking: {b.id}"]
    return (f"{title} - {customer}" if customer else title), "\n".join(lines)


def _status(b: booking.BookingView) -> str:
    return "CONFIRMED" if b.status.value == "CONFIRMED" else "TENTATIVE"


def _booking_event(b: booking.BookingView) -> ics.FeedEvent:
    assert b.start_utc is not None and b.end_utc is not None
    summary, description = _booking_text(b)
    return ics.FeedEvent(
        uid=f"{b.id}@bookings",
        start=b.start_utc,
        end=b.end_utc,
        summary=summary,
        status=_status(b),
        sequence=b.revision,
        last_modified=b.updated_utc or b.start_utc,
        location=_booking_location(b.wire),
        description=description,
    )


def _session_times(session: dict[str, Any]) -> tuple[datetime, datetime, int, datetime]:
    start, end = calendar.event_interval(session)
    return (
        start,
        end,
        int(session.get("revision") or 0),
        wire.parse_timestamp(session["updatedDate"]),
    )


def _course_session_event(b: booking.BookingView, session: dict[str, Any]) -> ics.FeedEvent:
    start, end, revision, updated = _session_times(session)
    summary, description = _booking_text(b)
    return ics.FeedEvent(
        uid=f"{b.id}.{session['id']}@bookings",
        start=start,
        end=end,
        summary=summary,
        status=_status(b),
        sequence=b.revision + revision,
        last_modified=max(updated, b.updated_utc or updated),
        location=_place(session.get("location")) or _booking_location(b.wire),
        description=description,
    )


def _session_event(session: dict[str, Any], load: booking.SessionLoad | None) -> ics.FeedEvent:
    start, end, revision, updated = _session_times(session)
    count = load.bookings if load else 0
    participants = load.participants if load else 0
    title = str(session.get("title") or "Session")
    lines = [f"Bookings: {count}", f"Participants: {participants}"]
    if session.get("totalCapacity") is not None:
        lines.append(f"Capacity: {session['totalCapacity']}")
    lines.append(f"Session: {session['id']}")
    return ics.FeedEvent(
        uid=f"{session['id']}@bookings",
        start=start,
        end=end,
        summary=f"{title} ({count} booking{'' if count == 1 else 's'})",
        status="CONFIRMED",
        sequence=revision,
        last_modified=updated,
        location=_place(session.get("location")),
        description="\n".join(lines),
    )
