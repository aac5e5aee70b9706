"""E-mail notifications end to end: outbox → queue → SMTP (a local aiosmtpd) or .eml files,
calendar invites parsed back with icalendar, retries, permanent failures, templates in a
sandbox, reminders on a fake clock, waitlist offers, SMS to the log."""

from __future__ import annotations

import email
import logging
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import httpx
import pytest
from icalendar import Calendar

from bookings.notifications.service import Notifier, queue_events, queue_reminders, send_due
from bookings.notifications.transport import FileTransport
from bookings.platform.routing import Services
from bookings.platform.wire import parse_timestamp
from tests.booking.conftest import (
    API,
    Catalog,
    appointment_booking,
    class_booking,
    created,
    local,
    next_monday,
)
from tests.booking.test_waitlist import WAITLIST
from tests.booking.test_waitlist import session as waitlist_session
from tests.conftest import SiteKeys
from tests.helpers import ok
from tests.notifications.conftest import Clock, Smtp, Texts, notifier, set_settings

MESSAGES = "/_api/bookings-server/v1/notifications/messages"
TEMPLATES = "/_api/bookings-server/v1/notifications/templates"
NOTE = {"notifyParticipants": True, "message": "See you soon"}


def invite_of(msg: EmailMessage) -> Calendar:
    parts = [p for p in msg.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1, [p.get_content_type() for p in msg.walk()]
    return Calendar.from_ical(parts[0].get_payload(decode=True))


def vevent(cal: Calendar) -> Any:
    (event,) = cal.walk("VEVENT")
    return event


def text_of(msg: EmailMessage) -> str:
    body = msg.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


async def massage(client: httpx.AsyncClient, site: SiteKeys) -> dict[str, Any]:
    cat = Catalog(client, site.admin)
    return await cat.appointment([await cat.staff()])


async def post(client: httpx.AsyncClient, site: SiteKeys, path: str, body: Any) -> Any:
    return ok(await client.post(path, json=body, headers=site.admin))


async def pump(n: Notifier, clock: Clock, site: SiteKeys) -> tuple[int, int]:
    queued = await queue_events(n, clock.now, site.site_id)
    return queued, await send_due(n, clock.now, site.site_id)


async def test_invites_follow_the_booking_from_create_to_cancel(
    client: httpx.AsyncClient, site: SiteKeys, services: Services, smtp: Smtp
) -> None:
    n, clock = notifier(services, smtp), Clock()
    svc = await massage(client, site)
    day = next_monday()
    b = await created(
        client, site.admin, appointment_booking(svc, day), participantNotification=NOTE
    )
    assert await pump(n, clock, site) == (1, 1)
    (first,) = smtp.inbox.to("john@example.com")
    assert first["Subject"].startswith("Booking received: Massage")
    assert first["Message-ID"].endswith("@book.example.com>")
    body = text_of(first)
    assert "See you soon" in body
    link = next(w for w in body.split() if w.startswith("https://book.example.com/"))
    assert link.startswith("https://book.example.com/book/")  # the manage page
    page = await client.get(link.removeprefix("https://book.example.com"))
    assert page.status_code == 200 and 'data-status="CREATED"' in page.text
    assert "Massage" in page.text
    cal = invite_of(first)
    ev = vevent(cal)
    uid = f"{b['id']}@book.example.com"
    assert (str(cal["METHOD"]), str(ev["UID"]), int(ev["SEQUENCE"])) == ("REQUEST", uid, 1)
    assert ev.decoded("DTSTART") == parse_timestamp(f"{day}T10:00:00Z")
    assert ev.decoded("DTEND") == parse_timestamp(f"{day}T11:00:00Z")
    assert str(ev["SUMMARY"]) == "Massage"
    # Confirmed without asking to notify: no mail to the participant (no business e-mail).
    await post(client, site, f"{API}/{b['id']}/confirm", {"revision": "1"})
    assert await pump(n, clock, site) == (0, 0)
    slot = {
        "serviceId": svc["id"],
        "startDate": local(day, "13:00"),
        "endDate": local(day, "14:00"),
        "timezone": "UTC",
    }
    body = {"slot": slot, "revision": "2", "participantNotification": NOTE}
    await post(client, site, f"{API}/{b['id']}/reschedule", body)
    assert await pump(n, clock, site) == (1, 1)
    moved = smtp.inbox.to("john@example.com")[-1]
    assert moved["Subject"].startswith("Booking rescheduled: Massage")
    ev = vevent(cal := invite_of(moved))
    assert (str(cal["METHOD"]), str(ev["UID"]), int(ev["SEQUENCE"])) == ("REQUEST", uid, 3)
    assert ev.decoded("DTSTART") == parse_timestamp(f"{day}T13:00:00Z")
    body = {"revision": "3", "participantNotification": NOTE}
    await post(client, site, f"{API}/{b['id']}/cancel", body)
    assert await pump(n, clock, site) == (1, 1)
    gone = smtp.inbox.to("john@example.com")[-1]
    assert gone["Subject"].startswith("Booking canceled")
    ev = vevent(cal := invite_of(gone))
    assert (str(cal["METHOD"]), str(ev["UID"]), int(ev["SEQUENCE"])) == ("CANCEL", uid, 4)
    assert str(ev["STATUS"]) == "CANCELLED"
    # Nothing is queued or sent twice.
    clock.advance(hours=1)
    assert await pump(n, clock, site) == (0, 0)
    assert len(smtp.inbox.messages) == 3
    listed = ok(await client.get(MESSAGES, params={"status": "SENT"}, headers=site.admin))
    assert sorted(m["kind"] for m in listed["messages"]) == ["canceled", "created", "rescheduled"]


async def test_without_smtp_each_message_is_an_eml_file(
    client: httpx.AsyncClient, site: SiteKeys, services: Services, tmp_path: Path, smtp: Smtp
) -> None:
    n = notifier(services, smtp)
    n = Notifier(n.db, n.signer, FileTransport(tmp_path / "mail"), n.sms, n.public_url)
    clock = Clock()
    await set_settings(services.db, site.site_id, businessEmail="owner@studio.example")
    svc = await massage(client, site)
    b = await created(
        client, site.admin, appointment_booking(svc, next_monday()), participantNotification=NOTE
    )
    assert await pump(n, clock, site) == (2, 2)
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 2
    mails = [email.message_from_bytes(f.read_bytes(), policy=default) for f in files]
    assert sorted(str(m["To"]) for m in mails) == ["john@example.com", "owner@studio.example"]
    for m in mails:
        assert isinstance(m, EmailMessage)
        assert str(vevent(invite_of(m))["UID"]) == f"{b['id']}@book.example.com"
    owner = next(m for m in mails if m["To"] == "owner@studio.example")
    assert str(owner["Subject"]).strip().startswith("[Test site] Booking received")
    assert smtp.inbox.messages == []


async def test_smtp_down_then_up_delivers_once(
    client: httpx.AsyncClient, site: SiteKeys, services: Services, smtp_down: Smtp
) -> None:
    n, clock = notifier(services, smtp_down), Clock()
    svc = await massage(client, site)
    await created(
        client, site.admin, appointment_booking(svc, next_monday()), participantNotification=NOTE
    )
    assert await pump(n, clock, site) == (1, 0)
    pending = ok(await client.get(MESSAGES, params={"status": "PENDING"}, headers=site.admin))
    (msg,) = pending["messages"]
    assert msg["attempts"] == 1 and "lastError" in msg and "nextAttemptDate" in msg
    assert await send_due(n, clock.advance(seconds=30), site.site_id) == 0  # not due yet
    smtp_down.start()
    assert await send_due(n, clock.advance(seconds=40), site.site_id) == 1
    assert await send_due(n, clock.advance(hours=5), site.site_id) == 0
    assert len(smtp_down.inbox.messages) == 1
    sent = ok(await client.get(MESSAGES, params={"status": "SENT"}, headers=site.admin))
    assert [(m["id"], m["attempts"]) for m in sent["messages"]] == [(msg["id"], 2)]


async def test_a_permanent_failure_is_visible_to_the_business(
    client: httpx.AsyncClient, site: SiteKeys, services: Services, smtp: Smtp
) -> None:
    n, clock = notifier(services, smtp), Clock()
    smtp.inbox.refuse.add("nobody@example.com")
    svc = await massage(client, site)
    booking = appointment_booking(svc, next_monday())
    booking["contactDetails"]["email"] = "nobody@example.com"
    b = await created(client, site.admin, booking, participantNotification=NOTE)
    assert await pump(n, clock, site) == (1, 0)
    failed = ok(await client.get(MESSAGES, params={"status": "FAILED"}, headers=site.admin))
    (msg,) = failed["messages"]
    assert (msg["bookingId"], msg["recipient"], msg["status"]) == (
        b["id"],
        "nobody@example.com",
        "FAILED",
    )
    assert "550" in msg["lastError"]
    assert await send_due(n, clock.advance(days=4), site.site_id) == 0
    res = await client.get(MESSAGES, params={"status": "FAILED"}, headers=site.app)
    assert res.status_code == 403
    res = await client.get(MESSAGES, params={"status": "LOST"}, headers=site.admin)
    assert res.status_code == 400


async def test_a_site_template_overrides_and_escapes_are_refused(
    client: httpx.AsyncClient, site: SiteKeys, services: Services, smtp: Smtp
) -> None:
    n, clock = notifier(services, smtp), Clock()
    put = f"{TEMPLATES}/created.subject"
    res = await client.put(
        put,
        json={"template": {"body": "Thanks {{ contact.firstName }}: {{ title }}"}},
        headers=site.admin,
    )
    assert ok(res)["template"]["name"] == "created.subject"
    html = "<p>{{ message }}</p>"
    ok(await client.put(f"{TEMPLATES}/html", json={"template": {"body": html}}, headers=site.admin))
    for unsafe in (
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ booking|attr('__class__') }}",
        "{{ booking['__class__'] }}",
        "{{ booking.clear() }}",
        "{{ cycler.__init__.__globals__.os }}",
    ):
        res = await client.put(put, json={"template": {"body": unsafe}}, headers=site.admin)
        assert res.status_code == 400, unsafe
        (violation,) = res.json()["details"]["validationError"]["fieldViolations"]
        assert violation["field"] == "template.body"
        assert "unsafe" in violation["description"], violation
    res = await client.put(put, json={"template": {"body": "{% if %}"}}, headers=site.admin)
    assert res.status_code == 400
    res = await client.put(
        f"{TEMPLATES}/nope", json={"template": {"body": "x"}}, headers=site.admin
    )
    assert res.status_code == 400
    res = await client.put(put, json={"template": {"body": "x"}}, headers=site.app)
    assert res.status_code == 403
    svc = await massage(client, site)
    note = {"notifyParticipants": True, "message": "<script>alert(1)</script>"}
    await created(
        client, site.admin, appointment_booking(svc, next_monday()), participantNotification=note
    )
    assert await pump(n, clock, site) == (1, 1)
    (msg,) = smtp.inbox.messages
    assert msg["Subject"] == "Thanks John: Massage"
    html_part = msg.get_body(preferencelist=("html",))
    assert html_part is not None
    assert html_part.get_content().strip() == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    listed = ok(await client.get(TEMPLATES, headers=site.admin))
    assert [t["name"] for t in listed["templates"]] == ["created.subject", "html"]
    ok(await client.delete(put, headers=site.admin))
    listed = ok(await client.get(TEMPLATES, headers=site.admin))
    assert [t["name"] for t in listed["templates"]] == ["html"]


async def test_reminders_on_a_fake_clock(
    client: httpx.AsyncClient,
    site: SiteKeys,
    services: Services,
    smtp: Smtp,
    caplog: pytest.LogCaptureFixture,
) -> None:
    texts = Texts()
    n = notifier(services, smtp, texts)
    svc = await massage(client, site)
    day = next_monday()
    booking = appointment_booking(svc, day)
    booking["contactDetails"]["phone"] = "+15550100"
    a = await created(client, site.admin, booking)
    await post(client, site, f"{API}/{a['id']}/confirm", {"revision": "1"})
    other = appointment_booking(svc, day, "15:00", "16:00")
    other["contactDetails"]["email"] = "other@example.com"
    b = await created(client, site.admin, other)
    await post(client, site, f"{API}/{b['id']}/confirm", {"revision": "1"})
    await post(client, site, f"{API}/{b['id']}/cancel", {"revision": "2"})
    start = parse_timestamp(f"{day}T10:00:00Z")
    clock = Clock(start - timedelta(hours=25))
    assert await queue_reminders(n, clock.now, site.site_id) == 0  # 25 h before
    clock.advance(hours=2)  # 23 h before
    assert await queue_reminders(n, clock.now, site.site_id) == 2  # e-mail and SMS
    assert await queue_reminders(n, clock.advance(minutes=30), site.site_id) == 0
    with caplog.at_level(logging.INFO, logger="bookings.sms"):
        assert await send_due(n, clock.now, site.site_id) == 2
    assert [m["To"] for m in smtp.inbox.messages] == ["john@example.com"]
    assert smtp.inbox.messages[0]["Subject"].startswith("Reminder: Massage")
    assert [to for to, _ in texts.sent] == ["+15550100"]
    assert any("+15550100" in r.getMessage() for r in caplog.records if r.name == "bookings.sms")
    # Moved 4 hours later: the reminder moves with it.
    slot = {
        "serviceId": svc["id"],
        "startDate": local(day, "14:00"),
        "endDate": local(day, "15:00"),
        "timezone": "UTC",
    }
    await post(client, site, f"{API}/{a['id']}/reschedule", {"slot": slot, "revision": "2"})
    assert await queue_reminders(n, clock.now, site.site_id) == 0
    assert await queue_reminders(n, clock.advance(hours=4), site.site_id) == 2
    assert await send_due(n, clock.now, site.site_id) == 2
    assert await queue_reminders(n, clock.advance(hours=10), site.site_id) == 0
    assert [m["To"] for m in smtp.inbox.messages] == ["john@example.com"] * 2
    assert len(texts.sent) == 2
    # A reminder queued, then its booking canceled before it went out: it is not sent.
    c = await created(client, site.admin, appointment_booking(svc, day + timedelta(days=7)))
    await post(client, site, f"{API}/{c['id']}/confirm", {"revision": "1"})
    later = parse_timestamp(f"{day + timedelta(days=7)}T10:00:00Z") - timedelta(hours=23)
    assert await queue_reminders(n, later, site.site_id) == 1
    await post(client, site, f"{API}/{c['id']}/cancel", {"revision": "2"})
    assert await send_due(n, later, site.site_id) == 0
    assert len(smtp.inbox.messages) == 2
    res = await client.get(MESSAGES, params={"status": "CANCELED"}, headers=site.admin)
    assert [m["bookingId"] for m in ok(res)["messages"]] == [c["id"]]
    # A site without reminders.
    await set_settings(services.db, site.site_id, reminderOffsetsMinutes=[])
    assert await queue_reminders(n, clock.now, site.site_id) == 0


async def test_a_waitlist_offer_is_mailed(
    client: httpx.AsyncClient, site: SiteKeys, services: Services, smtp: Smtp
) -> None:
    n, clock = notifier(services, smtp), Clock()
    yoga, event = await waitlist_session(client, site)
    first = await created(client, site.admin, class_booking(yoga, event))
    waiting = class_booking(yoga, event)
    waiting["contactDetails"] = {"firstName": "Ann", "email": "ann@example.com"}
    res = await client.post(f"{WAITLIST}/register", json={"booking": waiting}, headers=site.admin)
    ann = ok(res)["booking"]
    assert await pump(n, clock, site) == (0, 0)
    await post(client, site, f"{API}/{first['id']}/cancel", {"revision": "1"})
    assert await pump(n, clock, site) == (1, 1)
    (offer,) = smtp.inbox.messages
    assert offer["To"] == "ann@example.com"
    assert offer["Subject"].startswith("A spot opened up: Yoga")
    assert "held for you until" in text_of(offer)
    assert not [p for p in offer.walk() if p.get_content_type() == "text/calendar"]
    listed = ok(await client.get(MESSAGES, headers=site.admin))["messages"]
    assert [(m["kind"], m["bookingId"]) for m in listed] == [("waitlist_offer", ann["id"])]
