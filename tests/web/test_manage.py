"""The manage page (issue 16) without a browser: a booking made over the API, opened with its
action token; cancel, reschedule, refusals, the ``.ics``, and who may frame the page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import httpx
import icalendar
import sqlalchemy as sa
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from bookings.booking import ports as booking_ports
from bookings.identity import service as identity
from bookings.identity.models import sites
from bookings.platform.db import Database, utcnow
from bookings.platform.routing import Services
from bookings.platform.wire import parse_timestamp
from tests.booking.conftest import (
    Catalog,
    appointment_booking,
    class_booking,
    created,
    local,
    next_monday,
)
from tests.conftest import SiteKeys, make_site
from tests.helpers import ok

BERLIN = "Europe/Berlin"
#: Paid at the business: a booking is CONFIRMED at once.
PAY_THERE = {
    "rateType": "FIXED",
    "fixed": {"price": {"value": "80.00", "currency": "EUR"}},
    "options": {"inPerson": True},
}


async def set_settings(db: Database, site_id: str, **values: Any) -> None:
    """Site settings written as ``set_hold`` of tests/booking/conftest.py does."""
    async with db.connect_for_write() as conn:
        current = (
            await conn.execute(sa.select(sites.c.settings).where(sites.c.site_id == site_id))
        ).scalar()
        settings = {**(current or {}), **values}
        await conn.execute(
            sa.update(sites).where(sites.c.site_id == site_id).values(settings=settings)
        )


async def make_policy(
    client: httpx.AsyncClient, site: SiteKeys, *, latest_minutes: int | None = None
) -> str:
    """A policy that lets the customer cancel and reschedule; with ``latest_minutes``, only
    until that long before the start."""
    limited = latest_minutes is not None
    body = {
        "bookingPolicy": {
            "name": "Limited" if limited else "Free",
            "cancellationPolicy": {
                "enabled": True,
                "limitLatestCancellation": limited,
                "latestCancellationInMinutes": latest_minutes or 60,
            },
            "reschedulePolicy": {
                "enabled": True,
                "limitLatestReschedule": limited,
                "latestRescheduleInMinutes": latest_minutes or 60,
            },
        }
    }
    res = await client.post("/bookings/v1/booking-policies", json=body, headers=site.admin)
    return str(ok(res)["bookingPolicy"]["id"])


@dataclass
class Booked:
    site: SiteKeys
    slug: str
    service: dict[str, Any]
    booking: dict[str, Any]
    token: str
    day: date

    @property
    def url(self) -> str:
        return f"/book/{self.slug}/manage/{self.token}"


async def booked(
    client: httpx.AsyncClient, services: Services, *, latest_minutes: int | None = None
) -> Booked:
    """A Berlin site, a massage under a policy (60 min + 15 between: slots at 09:00, 10:15,
    11:30, 12:45, 14:00, 15:15 Berlin), and a booking at 10:15 Berlin two weeks ahead,
    made over the API, with its token from the API's token endpoint."""
    site = await make_site(services, BERLIN)
    found = await identity.get_site(services.db, site.site_id)
    assert found is not None
    cat = Catalog(client, site.admin)
    ana = await cat.staff("Ana")
    policy = await make_policy(client, site, latest_minutes=latest_minutes)
    massage = await cat.appointment([ana], bookingPolicy={"id": policy}, payment=PAY_THERE)
    day = next_monday()
    confirmed = appointment_booking(massage, day, "10:15", "11:15", status="CONFIRMED")
    confirmed["bookedEntity"]["slot"]["timezone"] = BERLIN  # on the slot grid of 09:00
    booking = await created(client, site.admin, confirmed)
    res = await client.get(f"/v1/anonymous-bookings/{booking['id']}/token", headers=site.app)
    return Booked(site, found.slug, massage, booking, str(ok(res)["token"]), day)


async def api_booking(client: httpx.AsyncClient, b: Booked) -> dict[str, Any]:
    got = ok(await client.get(f"/v1/anonymous-bookings/{b.token}"))
    return dict(got["booking"])


def text_of(html: str) -> str:
    tree = HTMLParser(html)
    main = tree.css_first("main")
    assert main is not None
    return " ".join(main.text().split())


def expected_span(start: datetime, zone: str) -> str:
    at = start.astimezone(ZoneInfo(zone))
    return f"{at:%A} {at.day} {at:%B %Y}, {at:%H:%M}"


async def test_the_manage_page_shows_the_booking_in_both_zones(
    client: httpx.AsyncClient, services: Services
) -> None:
    b = await booked(client, services)
    res = await client.get(b.url, params={"tz": "America/New_York"})
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/html")
    assert res.headers["cache-control"] == "no-store"
    assert "set-cookie" not in res.headers
    csp = res.headers["content-security-policy"]
    assert "frame-ancestors 'self'" in csp and "x-frame-options" not in res.headers
    page = HTMLParser(res.text)
    text = text_of(res.text)
    start = parse_timestamp(b.booking["startDate"])
    assert "Massage" in text
    assert expected_span(start, "America/New_York") in text and "(America/New_York)" in text
    assert expected_span(start, BERLIN) in text and f"({BERLIN})" in text
    status = page.css_first("[data-status]")
    assert status is not None and status.attributes["data-status"] == "CONFIRMED"
    forms = {str(f.attributes.get("action")).split("?")[0] for f in page.css("form[method=post]")}
    assert forms == {b.url + "/cancel"}
    links = {str(a.attributes.get("href")) for a in page.css("a")}
    assert any(h.startswith(b.url + "/reschedule") for h in links)
    assert any(h.startswith(b.url + "/booking.ics") for h in links)
    # Google and Outlook links carry the booked instant, in UTC.
    google = next(h for h in links if h.startswith("https://calendar.google.com/"))
    outlook = next(h for h in links if h.startswith("https://outlook.live.com/"))
    end = parse_timestamp(b.booking["endDate"])
    compact = f"{start:%Y%m%dT%H%M%SZ}/{end:%Y%m%dT%H%M%SZ}"
    assert parse_qs(urlsplit(google).query)["dates"] == [compact]
    assert parse_qs(urlsplit(outlook).query)["startdt"] == [f"{start:%Y-%m-%dT%H:%M:%SZ}"]
    spoofed = await client.get(b.url, params={"done": "canceled"})
    assert "Your booking is canceled." not in spoofed.text
    # The zone may be chosen; an unknown one falls back to the business zone.
    unknown = await client.get(b.url, params={"tz": "Mars/Olympus"})
    assert f"({BERLIN})" in text_of(unknown.text) and "Business time" not in unknown.text


async def test_cancel_with_the_form(client: httpx.AsyncClient, services: Services) -> None:
    b = await booked(client, services)
    res = await client.post(
        b.url + "/cancel", data={"revision": b.booking["revision"], "tz": "Asia/Kolkata"}
    )
    assert res.status_code == 303
    assert res.headers["location"].startswith(b.url + "?")
    assert "tz=Asia%2FKolkata" in res.headers["location"]
    after = await client.get(res.headers["location"])
    assert after.status_code == 200
    page = HTMLParser(after.text)
    status = page.css_first("[data-status]")
    assert status is not None and status.attributes["data-status"] == "CANCELED"
    assert "Your booking is canceled." in text_of(after.text)
    assert page.css("form[method=post]") == []
    assert (await api_booking(client, b))["status"] == "CANCELED"
    # A second post (an old tab) is explained, not an error page.
    again = await client.post(b.url + "/cancel", data={"revision": b.booking["revision"]})
    assert again.status_code == 409 and "changed since" in text_of(again.text)


async def test_a_cancel_outside_the_policy_window_is_explained(
    client: httpx.AsyncClient, services: Services
) -> None:
    b = await booked(client, services, latest_minutes=60 * 24 * 60)  # 60 days before
    page = await client.get(b.url)
    text = text_of(page.text)
    assert HTMLParser(page.text).css("form[method=post]") == []
    assert "Cancellations are accepted online up to 60 days before the start" in text
    assert "Changes of time are accepted online up to 60 days before the start" in text
    res = await client.post(b.url + "/cancel", data={"revision": b.booking["revision"]})
    assert res.status_code == 409
    refusal = HTMLParser(res.text).css_first("#refusal")
    assert refusal is not None
    assert "up to 60 days before the start" in refusal.text()
    assert "Massage" in text_of(res.text)
    assert (await api_booking(client, b))["status"] == "CONFIRMED"
    moved = await client.post(
        b.url + "/reschedule",
        data={"revision": "1", "slot": f"{local(b.day, '12:00')}|{local(b.day, '13:00')}"},
    )
    assert moved.status_code == 409 and "up to 60 days" in text_of(moved.text)


async def slot_free(client: httpx.AsyncClient, b: Booked, day: date, start_utc: datetime) -> bool:
    body = {
        "serviceId": b.service["id"],
        "fromLocalDate": f"{day}T00:00:00",
        "toLocalDate": f"{day + timedelta(days=1)}T00:00:00",
        "timeZone": "UTC",
        "bookable": True,
    }
    res = await client.post("/service-availability/v2/time-slots", json=body, headers=b.site.app)
    wanted = start_utc.strftime("%Y-%m-%dT%H:%M:%S")
    return any(s["localStartDate"] == wanted for s in ok(res)["timeSlots"])


def ics_event(text: str) -> icalendar.Event:
    cal = icalendar.Calendar.from_ical(text)
    events = list(cal.walk("VEVENT"))
    assert len(events) == 1
    event: icalendar.Event = events[0]
    return event


async def test_reschedule_to_another_slot(client: httpx.AsyncClient, services: Services) -> None:
    b = await booked(client, services)
    old_start = parse_timestamp(b.booking["startDate"])
    before = ics_event((await client.get(b.url + "/booking.ics")).text)
    page = await client.get(b.url + "/reschedule", params={"date": b.day.isoformat()})
    assert page.status_code == 200
    tree = HTMLParser(page.text)
    banner = tree.css_first("#currently")
    assert banner is not None and expected_span(old_start, BERLIN) in " ".join(
        banner.text().split()
    )
    buttons = tree.css("button[name=slot]")
    keys = [str(btn.attributes["value"]) for btn in buttons]
    # Berlin business hours, shown in Berlin time; the booking's own time is not offered.
    own = old_start.astimezone(ZoneInfo(BERLIN)).strftime("%Y-%m-%dT%H:%M")
    assert keys and not any(k.startswith(own) for k in keys)
    label = buttons[0].attributes.get("aria-label") or ""
    assert f"{b.day:%A}" in label and keys[0][11:16] in label
    chosen = next(k for k in keys if k.startswith(f"{b.day}T14:00"))
    assert not await slot_free(client, b, b.day, old_start)
    res = await client.post(
        b.url + "/reschedule",
        data={"slot": chosen, "revision": b.booking["revision"], "date": b.day.isoformat()},
    )
    assert res.status_code == 303 and "done=rescheduled" in res.headers["location"]
    moved = await api_booking(client, b)
    new_start = datetime.fromisoformat(chosen.split("|")[0]).replace(tzinfo=ZoneInfo(BERLIN))
    assert parse_timestamp(moved["startDate"]) == new_start
    assert await slot_free(client, b, b.day, old_start)  # the old slot is offered again
    after = await client.get(res.headers["location"])
    assert "Your booking has moved to the new time." in text_of(after.text)
    assert expected_span(new_start, BERLIN) in text_of(after.text)
    event = ics_event((await client.get(b.url + "/booking.ics")).text)
    assert event.decoded("dtstart") == new_start
    assert int(event["SEQUENCE"]) > int(before["SEQUENCE"])
    assert str(event["UID"]) == str(before["UID"])
    # The same slot again with the old revision: the booking changed, say so.
    stale = await client.post(
        b.url + "/reschedule", data={"slot": chosen, "revision": b.booking["revision"]}
    )
    assert stale.status_code == 409 and "changed since" in text_of(stale.text)


async def test_the_ics_file(client: httpx.AsyncClient, services: Services) -> None:
    b = await booked(client, services)
    res = await client.get(b.url + "/booking.ics")
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("text/calendar")
    assert "attachment" in res.headers["content-disposition"]
    event = ics_event(res.text)
    start, end = (parse_timestamp(b.booking[k]) for k in ("startDate", "endDate"))
    assert event.decoded("dtstart") == start and event.decoded("dtend") == end
    assert event.decoded("dtstart").utcoffset() == timedelta(0)
    assert str(event["SUMMARY"]) == "Massage"
    assert str(event["UID"]).startswith(b.booking["id"] + "@")
    assert str(event["STATUS"]) == "CONFIRMED"
    assert icalendar.Calendar.from_ical(res.text)["METHOD"] == "PUBLISH"
    await client.post(b.url + "/cancel", data={"revision": b.booking["revision"]})
    canceled = ics_event((await client.get(b.url + "/booking.ics")).text)
    assert str(canceled["STATUS"]) == "CANCELLED"
    assert int(canceled["SEQUENCE"]) > int(event["SEQUENCE"])


async def test_a_bad_token_answers_401_with_no_booking_data(
    client: httpx.AsyncClient, services: Services, site: SiteKeys
) -> None:
    b = await booked(client, services)
    other = await identity.get_site(services.db, site.site_id)
    assert other is not None
    tampered = b.token[:-3] + ("AAA" if not b.token.endswith("AAA") else "BBB")
    expired = booking_ports.manage_token(
        services.signer, b.site.site_id, b.booking["id"], utcnow() - timedelta(days=91)
    )
    cases = [
        f"/book/{b.slug}/manage/{tampered}",
        f"/book/{b.slug}/manage/{expired}",
        f"/book/{b.slug}/manage/short",
        f"/book/{other.slug}/manage/{b.token}",  # another site's page
    ]
    for url in cases:
        for suffix in ("", "/reschedule", "/booking.ics"):
            res = await client.get(url + suffix)
            assert res.status_code == 401, url + suffix
            assert "Massage" not in res.text and b.booking["id"] not in res.text
            assert "John" not in res.text and "data-status" not in res.text
            assert "This link does not open a booking" in res.text
        res = await client.post(url + "/cancel", data={"revision": "1"})
        assert res.status_code == 401 and "Massage" not in res.text
    assert (await api_booking(client, b))["status"] == "CONFIRMED"
    assert (await client.get(f"/book/no-such-site/manage/{b.token}")).status_code == 404


async def test_frame_ancestors_follow_allowed_embed_hosts(
    client: httpx.AsyncClient, services: Services
) -> None:
    b = await booked(client, services)
    res = await client.get(b.url, params={"embed": "1"})
    assert "frame-ancestors 'self';" in res.headers["content-security-policy"] + ";"
    scripts = [str(s.attributes.get("src")) for s in HTMLParser(res.text).css("script")]
    assert any(s.startswith("/static/embed-child.js?v=") for s in scripts)
    # Embedded: every link and form keeps embed=1.
    assert f'href="{b.url}/reschedule?tz=Europe%2FBerlin&amp;embed=1"' in res.text
    assert "embed-child" not in (await client.get(b.url)).text
    hosts = [
        "https://studio.example",
        "http://localhost:8123/",
        "https://evil.example; script-src *",
        "javascript:alert(1)",
        "https://*.example",
        "https://studio.example/path",
        42,
    ]
    await set_settings(services.db, b.site.site_id, allowedEmbedHosts=hosts)
    res = await client.get(b.url)
    csp = res.headers["content-security-policy"]
    ancestors = csp.split("frame-ancestors ")[1].split(";")[0]
    assert ancestors == "'self' https://studio.example http://localhost:8123"
    assert "x-frame-options" not in res.headers
    invalid = await client.get(b.url[:-4] + "AAAA")
    assert "https://studio.example" in invalid.headers["content-security-policy"]


async def test_a_slot_taken_meanwhile_is_said_so(
    client: httpx.AsyncClient, services: Services
) -> None:
    b = await booked(client, services)
    page = await client.get(b.url + "/reschedule", params={"date": b.day.isoformat()})
    keys = [str(x.attributes["value"]) for x in HTMLParser(page.text).css("button[name=slot]")]
    chosen = next(k for k in keys if k.startswith(f"{b.day}T14:00"))
    other = appointment_booking(b.service, b.day, "14:00", "15:00", status="CONFIRMED")
    other["bookedEntity"]["slot"]["timezone"] = BERLIN
    await created(client, b.site.admin, other)
    res = await client.post(
        b.url + "/reschedule",
        data={"slot": chosen, "revision": b.booking["revision"], "date": b.day.isoformat()},
    )
    assert res.status_code == 409
    assert "That time is no longer free" in text_of(res.text)
    left = [str(x.attributes["value"]) for x in HTMLParser(res.text).css("button[name=slot]")]
    assert left and chosen not in left  # the list is fresh
    assert (await api_booking(client, b))["startDate"] == b.booking["startDate"]
    bad = await client.post(b.url + "/reschedule", data={"slot": "nonsense", "revision": "1"})
    assert bad.status_code == 400 and "Choose one of the times" in text_of(bad.text)


async def test_a_class_booking_moves_to_another_session(
    client: httpx.AsyncClient, services: Services
) -> None:
    site = await make_site(services, BERLIN)
    found = await identity.get_site(services.db, site.site_id)
    assert found is not None
    cat = Catalog(client, site.admin)
    policy = await make_policy(client, site)
    yoga = await cat.group(capacity=5, bookingPolicy={"id": policy})
    day = next_monday()
    first = await cat.session(yoga, day, "18:00", "19:00")
    second = await cat.session(yoga, day, "20:00", "21:00")
    booking = await created(client, site.admin, class_booking(yoga, first, status="CONFIRMED"))
    res = await client.get(f"/v1/anonymous-bookings/{booking['id']}/token", headers=site.app)
    url = f"/book/{found.slug}/manage/{ok(res)['token']}"
    page = await client.get(url)
    assert any(
        str(a.attributes.get("href")).startswith(url + "/reschedule")
        for a in HTMLParser(page.text).css("a")
    )
    listed = await client.get(url + "/reschedule", params={"date": day.isoformat()})
    keys = [str(x.attributes["value"]) for x in HTMLParser(listed.text).css("button[name=slot]")]
    assert keys == [f"event:{second['id']}"]  # its own session is not offered
    moved = await client.post(url + "/reschedule", data={"slot": keys[0], "revision": "1"})
    assert moved.status_code == 303
    got = ok(await client.get(f"/v1/anonymous-bookings/{ok(res)['token']}"))["booking"]
    assert got["bookedEntity"]["slot"]["eventId"] == second["id"]
