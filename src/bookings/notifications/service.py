"""Notifications use cases: queue messages from the outbox and for due reminders, send the
queue, and the admin calls (messages, templates).

**Queueing from the outbox** (:func:`queue_events`) runs after the booking's commit, in the
background: it reads the relevant ``domain_events`` of every site that it has not marked in
``notification_seen``, newer than a floor (``notification_cursor``, kept :data:`OVERLAP`
behind the newest event handled, since an event's record time is taken before its commit);
renders each message and inserts it with the marks in one short transaction per site
(``ON CONFLICT DO NOTHING`` on ``dedup_key``: two consumers never queue a message twice).

**Sending** (:func:`send_due`) claims due messages with a lease (a short transaction;
``FOR UPDATE SKIP LOCKED`` on PostgreSQL), sends with no transaction open, and records each
outcome in its own short transaction: sent; transient failure ⇒ retried after
:data:`BACKOFF_SECONDS` (±10 %); permanent failure or the ladder exhausted ⇒ ``FAILED``. A
process killed while sending leaves the lease to expire: the message is sent again
(at-least-once, with the same ``Message-ID``).

**Reminders** (:func:`queue_reminders`) are scan-based: CONFIRMED bookings whose start minus
an offset (site setting ``reminderOffsetsMinutes``, default ``[1440]``) has come get one
message per offset, keyed by the booking's current start (a reschedule makes a new key, a
canceled or declined booking is no longer CONFIRMED). A booking created after its reminder
time gets none (its confirmation covers it).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

from bookings.booking import ports as booking_ports
from bookings.identity import service as identity
from bookings.notifications import ics, planning, rendering
from bookings.notifications.models import (
    notification_cursor,
    notification_messages,
    notification_seen,
    notification_templates,
)
from bookings.notifications.transport import (
    MailTransport,
    PermanentFailure,
    SmsProvider,
    TransientFailure,
)
from bookings.platform.db import Database, SiteScope, insert_ignoring_conflicts, utcnow
from bookings.platform.models import domain_events
from bookings.platform.signing import Signer
from bookings.platform.wire import format_timestamp, new_id, parse_timestamp

log = logging.getLogger("bookings.notifications")

PENDING, SENT, FAILED = "PENDING", "SENT", "FAILED"
#: A queued reminder whose booking was canceled, declined or moved before it went out.
CANCELED = "CANCELED"
STATUSES = (PENDING, SENT, FAILED, CANCELED)
EMAIL, SMS = "EMAIL", "SMS"
#: How far behind the newest handled event the consumer keeps looking (late commits).
OVERLAP = timedelta(minutes=10)
#: On the very first pass, events older than this are not mailed about (an upgrade).
FIRST_LOOK_BACK = timedelta(hours=1)
#: Waits after the 1st, 2nd, ... failed attempt (≈2.8 days in all); then FAILED.
BACKOFF_SECONDS = (60, 300, 1800, 7200, 21600, 43200, 86400, 86400, 86400)
#: How long a claimed message is someone's (a crash leaves it to expire).
LEASE = timedelta(minutes=5)
BATCH = 200
REMINDER_SETTING = "reminderOffsetsMinutes"
DEFAULT_OFFSETS = (1440,)
_CURSOR = "outbox"


@dataclass(frozen=True)
class Notifier:
    """What the notifier needs: the database, the token signer, the transports."""

    db: Database
    signer: Signer
    mail: MailTransport
    sms: SmsProvider
    public_url: str = "http://127.0.0.1:8080"
    mail_from: str = "Bookings <bookings@localhost>"

    @property
    def host(self) -> str:
        return urlsplit(self.public_url).hostname or "localhost"


# ---------------------------------------------------------------- queueing


async def _floor(db: Database) -> datetime:
    async with db.connect_for_read() as conn:
        found = (
            await conn.execute(
                sa.select(notification_cursor.c.floor).where(notification_cursor.c.name == _CURSOR)
            )
        ).scalar()
    if found is not None:
        return found  # type: ignore[no-any-return]
    start = utcnow() - FIRST_LOOK_BACK
    async with db.connect_for_write() as conn:
        stmt = insert_ignoring_conflicts(conn, notification_cursor)
        await conn.execute(stmt.values(name=_CURSOR, floor=start, updated_date=utcnow()))
    return start


async def _raise_floor(db: Database, floor: datetime) -> None:
    c = notification_cursor
    async with db.connect_for_write() as conn:
        await conn.execute(
            sa.update(c)
            .where(c.c.name == _CURSOR)
            .where(c.c.floor < floor)
            .values(floor=floor, updated_date=utcnow())
        )
        # Marks below the floor are never looked at again.
        await conn.execute(
            sa.delete(notification_seen).where(notification_seen.c.event_created < floor - OVERLAP)
        )


async def queue_events(n: Notifier, now: datetime | None = None, site_id: str | None = None) -> int:
    """Queue the messages of the outbox events not handled yet; the number queued.
    ``site_id``: only that site's events (tests; the floor is then left alone)."""
    now = now or utcnow()
    floor = await _floor(n.db)
    de, seen = domain_events, notification_seen
    queued = 0
    while True:
        unseen = ~sa.exists().where(seen.c.site_id == de.c.site_id, seen.c.event_id == de.c.id)
        stmt = (
            sa.select(de.c.site_id, de.c.id, de.c.created_date, de.c.body)
            .where(de.c.created_date > floor, de.c.entity_fqdn.in_(planning.FQDNS), unseen)
            .order_by(de.c.created_date, de.c.id)
            .limit(BATCH)
        )
        if site_id is not None:
            stmt = stmt.where(de.c.site_id == site_id)
        async with n.db.connect_for_read() as conn:
            rows = (await conn.execute(stmt)).all()
        if not rows:
            break
        groups: dict[str, list[Any]] = {}
        for row in rows:
            groups.setdefault(str(row.site_id), []).append(row)
        for site, events in groups.items():
            queued += await _queue_site(n, site, events, now)
        if site_id is None:
            await _raise_floor(n.db, max(r.created_date for r in rows) - OVERLAP)
        if len(rows) < BATCH:
            break
    return queued


async def _overrides(scope: SiteScope) -> dict[str, str]:
    t = notification_templates
    rows = await scope.all(scope.select(t, t.c.name, t.c.body))
    return {str(r.name): str(r.body) for r in rows}


async def _queue_site(n: Notifier, site_id: str, events: Sequence[Any], now: datetime) -> int:
    site = await identity.get_site(n.db, site_id)
    asks = [(e, planning.ask_of(dict(e.body))) if site else (e, None) for e in events]
    wanted = [a.booking_id for _, a in asks if a is not None and a.booking is None]
    messages: list[dict[str, Any]] = []
    if site is not None and any(a is not None for _, a in asks):
        async with n.db.read(site_id) as scope:
            views = await booking_ports.booking_views(scope, wanted)
            overrides = await _overrides(scope)
        for event, ask in asks:
            if ask is None:
                continue
            booking = ask.booking
            if booking is None:
                view = views.get(ask.booking_id)
                if view is None:
                    continue
                booking = view.wire
            messages += _messages_of(n, site, ask, booking, str(event.id), now, overrides)
    marks = [
        {"site_id": site_id, "event_id": str(e.id), "event_created": e.created_date} for e in events
    ]
    async with n.db.write(site_id) as uow:
        if messages:
            await uow.conn.execute(
                insert_ignoring_conflicts(uow.conn, notification_messages), messages
            )
        await uow.conn.execute(insert_ignoring_conflicts(uow.conn, notification_seen), marks)
    return len(messages)


def _business_email(site: identity.Site) -> str | None:
    value = site.settings.get("businessEmail")
    if not isinstance(value, str) or "@" not in value:
        return None
    if site.settings.get("notifyBusiness") is False:
        return None
    return value


def _messages_of(
    n: Notifier,
    site: identity.Site,
    ask: planning.Ask,
    booking: dict[str, Any],
    event_id: str,
    now: datetime,
    overrides: dict[str, str],
) -> list[dict[str, Any]]:
    out = []
    email = planning.contact_of(booking)["email"]
    if ask.participant and email:
        out.append((planning.PARTICIPANT, str(email)))
    business = _business_email(site)
    if ask.business and business:
        out.append((planning.BUSINESS, business))
    return [
        _message(
            n,
            site,
            ask,
            booking,
            audience=audience,
            channel=EMAIL,
            recipient=to,
            dedup_key=f"{event_id}:{audience}",
            event_id=event_id,
            now=now,
            overrides=overrides,
        )
        for audience, to in out
    ]


def _message(
    n: Notifier,
    site: identity.Site,
    ask: planning.Ask,
    booking: dict[str, Any],
    *,
    audience: str,
    channel: str,
    recipient: str,
    dedup_key: str,
    event_id: str | None,
    now: datetime,
    overrides: dict[str, str],
) -> dict[str, Any]:
    """A queue row, rendered (a template that cannot render makes it FAILED at once)."""
    token = url = None
    if audience == planning.PARTICIPANT:  # the customer's manage page (anonymous actions)
        token = booking_ports.manage_token(n.signer, site.site_id, ask.booking_id, now)
        url = f"{n.public_url}/book/{site.slug or site.site_id}/manage/{token}"
    ctx = planning.context_of(
        ask,
        booking,
        audience=audience,
        kind=ask.kind,
        site_name=site.name,
        site_zone=site.time_zone,
        manage_url=url,
        manage_token=token,
    )
    status, error = PENDING, None
    subject = text = ""
    html = invite = None
    try:
        if channel == SMS:
            text = rendering.render("sms", ask.kind, ctx, overrides).strip()
        else:
            subject = " ".join(rendering.render("subject", ask.kind, ctx, overrides).split())
            text = rendering.render("text", ask.kind, ctx, overrides)
            html = rendering.render("html", ask.kind, ctx, overrides)
    except Exception as exc:  # the default templates failed: visible, never sent
        status, error = FAILED, f"template: {exc}"
    if channel == EMAIL and ask.kind != "waitlist_offer":
        organizer = _business_email(site) or parseaddr(n.mail_from)[1] or f"bookings@{n.host}"
        invite = ics.invite(
            booking,
            host=n.host,
            now=now,
            title=planning.title_of(booking),
            location=planning.location_of(booking),
            organizer=organizer,
            attendee=planning.contact_of(booking)["email"],
            description=f"Manage your booking: {url}" if url else None,
        )
    return {
        "site_id": site.site_id,
        "id": new_id(),
        "dedup_key": dedup_key,
        "kind": ask.kind,
        "audience": audience,
        "channel": channel,
        "booking_id": ask.booking_id,
        "event_id": event_id,
        "recipient": recipient,
        "subject": subject,
        "text_body": text,
        "html_body": html,
        "ics": invite,
        "status": status,
        "attempts": 0,
        "next_attempt_at": now if status == PENDING else None,
        "lease_expires_at": None,
        "last_error": error,
        "created_date": now,
        "sent_date": None,
        "updated_date": now,
    }


def reminder_offsets(settings: dict[str, Any]) -> list[int]:
    """The site's reminder offsets in minutes (default ``[1440]``; ``[]``: no reminders)."""
    raw = settings.get(REMINDER_SETTING, list(DEFAULT_OFFSETS))
    if not isinstance(raw, list):
        return list(DEFAULT_OFFSETS)
    return sorted({int(v) for v in raw if isinstance(v, int) and 0 < v <= 60 * 24 * 60})


async def queue_reminders(
    n: Notifier, now: datetime | None = None, site_id: str | None = None
) -> int:
    """Queue the reminders that are due; the number queued."""
    now = now or utcnow()
    if site_id is not None:
        found = await identity.get_site(n.db, site_id)
        sites = [found] if found else []
    else:
        sites = await identity.list_sites(n.db)
    queued = 0
    for site in sites:
        offsets = reminder_offsets(site.settings)
        if offsets:
            queued += await _site_reminders(n, site, offsets, now)
    return queued


async def _site_reminders(
    n: Notifier, site: identity.Site, offsets: list[int], now: datetime
) -> int:
    horizon = now + timedelta(minutes=max(offsets))
    async with n.db.read(site.site_id) as scope:
        views = await booking_ports.upcoming_bookings(scope, now, horizon)
        if not views:
            return 0
        overrides = await _overrides(scope)
    wanted: list[tuple[str, str, booking_ports.BookingView, str]] = []
    for view in views:
        if view.start_utc is None:
            continue
        contact = planning.contact_of(view.wire)
        created = view.wire.get("createdDate")
        for offset in offsets:
            if not planning.reminder_due(view.start_utc, offset, now):
                continue
            due = view.start_utc - timedelta(minutes=offset)
            if created and parse_timestamp(created) > due:
                continue
            key = f"reminder:{view.id}:{offset}:{format_timestamp(view.start_utc)}"
            if contact["email"]:
                wanted.append((f"{key}:{EMAIL}", EMAIL, view, str(contact["email"])))
            if view.wire.get("sendSmsReminder") and contact["phone"]:
                wanted.append((f"{key}:{SMS}", SMS, view, str(contact["phone"])))
    if not wanted:
        return 0
    t = notification_messages
    keys = [w[0] for w in wanted]
    async with n.db.read(site.site_id) as scope:
        found = await scope.all(scope.select(t, t.c.dedup_key).where(t.c.dedup_key.in_(keys)))
    have = {str(r.dedup_key) for r in found}
    rows = []
    for key, channel, view, to in wanted:
        if key in have:
            continue
        ask = planning.Ask("reminder", view.id, view.wire, True, False, None)
        rows.append(
            _message(
                n,
                site,
                ask,
                view.wire,
                audience=planning.PARTICIPANT,
                channel=channel,
                recipient=to,
                dedup_key=key,
                event_id=None,
                now=now,
                overrides=overrides,
            )
        )
    if rows:
        async with n.db.write(site.site_id) as uow:
            await uow.conn.execute(insert_ignoring_conflicts(uow.conn, t), rows)
    return len(rows)


# ---------------------------------------------------------------- sending


async def _claim(db: Database, now: datetime, site_id: str | None, limit: int) -> list[sa.Row[Any]]:
    t = notification_messages
    stmt = (
        sa.select(t.c.id)
        .where(t.c.status == PENDING, t.c.next_attempt_at <= now)
        .where(sa.or_(t.c.lease_expires_at.is_(None), t.c.lease_expires_at < now))
        .order_by(t.c.next_attempt_at, t.c.id)
        .limit(limit)
    )
    if site_id is not None:
        stmt = stmt.where(t.c.site_id == site_id)
    if not db.is_sqlite:
        stmt = stmt.with_for_update(skip_locked=True)
    async with db.connect_for_write() as conn:
        ids = [str(r) for r in (await conn.execute(stmt)).scalars()]
        if not ids:
            return []
        await conn.execute(
            sa.update(t)
            .where(t.c.id.in_(ids))
            .values(lease_expires_at=now + LEASE, attempts=t.c.attempts + 1, updated_date=now)
        )
        return list((await conn.execute(sa.select(t).where(t.c.id.in_(ids)))).all())


def email_of(n: Notifier, row: Any, now: datetime) -> EmailMessage:
    """The e-mail of a queued message (``Message-ID`` derived from its id: a resend after a
    crash is recognisable as the same message)."""
    msg = EmailMessage()
    msg["From"] = n.mail_from
    msg["To"] = row.recipient
    msg["Subject"] = row.subject
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = f"<{row.id}@{n.host}>"
    msg.set_content(row.text_body)
    if row.html_body:
        msg.add_alternative(row.html_body, subtype="html")
    if row.ics:
        method = "CANCEL" if "METHOD:CANCEL" in row.ics else "REQUEST"
        msg.add_attachment(
            row.ics.encode("utf-8"),
            maintype="text",
            subtype="calendar",
            filename="invite.ics",
            params={"method": method},
        )
    return msg


async def send_due(
    n: Notifier, now: datetime | None = None, site_id: str | None = None, limit: int = 50
) -> int:
    """Send the messages that are due; the number sent."""
    now = now or utcnow()
    sent = 0
    for row in await _claim(n.db, now, site_id, limit):
        if row.kind == "reminder" and not await _still_due(n.db, row):
            await _record(n.db, row, now, CANCELED, "the booking changed: reminder not sent")
            continue
        try:
            if row.channel == SMS:
                await n.sms.send(row.recipient, row.text_body)
            else:
                await n.mail.send(email_of(n, row, now))
        except PermanentFailure as exc:
            await _record(n.db, row, now, FAILED, str(exc))
        except TransientFailure as exc:
            await _retry(n.db, row, now, str(exc))
        except Exception as exc:
            log.exception("sending notification %s failed", row.id)
            await _retry(n.db, row, now, f"{type(exc).__name__}: {exc}")
        else:
            await _record(n.db, row, now, SENT, None)
            sent += 1
    return sent


async def _still_due(db: Database, row: Any) -> bool:
    """Whether a queued reminder's booking is still CONFIRMED at the start it was queued for
    (its key, ``reminder:<booking>:<offset>:<start>:<channel>``, names that start)."""
    if not row.booking_id:
        return True
    async with db.read(str(row.site_id)) as scope:
        view = (await booking_ports.booking_views(scope, [str(row.booking_id)])).get(
            str(row.booking_id)
        )
    if view is None or view.status != "CONFIRMED" or view.start_utc is None:
        return False
    return f":{format_timestamp(view.start_utc)}:" in str(row.dedup_key)


async def _retry(db: Database, row: Any, now: datetime, error: str) -> None:
    attempts = int(row.attempts)
    if attempts > len(BACKOFF_SECONDS):
        await _record(db, row, now, FAILED, f"gave up after {attempts} attempts: {error}")
        return
    wait = BACKOFF_SECONDS[attempts - 1] * random.uniform(0.9, 1.1)
    await _record(db, row, now, PENDING, error, now + timedelta(seconds=wait))


async def _record(
    db: Database,
    row: Any,
    now: datetime,
    status: str,
    error: str | None,
    next_attempt: datetime | None = None,
) -> None:
    t = notification_messages
    values: dict[str, Any] = {
        "status": status,
        "lease_expires_at": None,
        "updated_date": now,
        "next_attempt_at": next_attempt,
    }
    if error is not None:
        values["last_error"] = error[:2000]
    if status == SENT:
        values["sent_date"] = now
    async with db.write(str(row.site_id)) as uow:
        await uow.conn.execute(
            uow.update(t).where(t.c.id == row.id, t.c.status == PENDING).values(**values)
        )
