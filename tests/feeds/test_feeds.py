"""Calendar feeds through HTTP: the secret ICS URLs of a site and its staff members, what
they list (parsed with ``icalendar``), rotation, wrong tokens and roles (both engines)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

import httpx
import icalendar

from bookings.feeds import service as feeds
from bookings.platform.routing import Services
from tests.booking.conftest import (
    API,
    Catalog,
    appointment_booking,
    class_booking,
    course_booking,
    created,
    local,
    next_monday,
    set_hold,
    token,
)
from tests.conftest import SiteKeys
from tests.helpers import app_error, ok

FEEDS = "/_api/bookings-server/v1/calendar-feeds"
BASE = "http://127.0.0.1:8080"


async def staff_member(cat: Catalog, name: str) -> dict[str, Any]:
    found = await cat.post("/bookings/v1/staff-members", {"staffMember": {"name": name}})
    return dict(found["staffMember"])


async def feed_urls(client: httpx.AsyncClient, site: SiteKeys) -> dict[str | None, str]:
    listed = ok(await client.get(FEEDS, headers=site.admin))["calendarFeeds"]
    return {f.get("staffMemberId"): f["url"] for f in listed}


async def fetch(client: httpx.AsyncClient, url: str) -> icalendar.Calendar:
    """GET a feed as a calendar app does: no headers at all."""
    res = await client.get(url.removeprefix(BASE))
    assert res.status_code == 200, res.text
    assert res.headers["content-type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(res.content)


def events(cal: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def utc(day: Any, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day.isoformat()}T{hhmm}:00+00:00")


async def post(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], body: dict[str, Any]
) -> dict[str, Any]:
    return ok(await client.post(path, json=body, headers=headers))


async def test_site_and_staff_feeds(client: httpx.AsyncClient, site: SiteKeys) -> None:
    cat = Catalog(client, site.admin)
    ana, bo = await staff_member(cat, "Ana"), await staff_member(cat, "Bo")
    massage = await cat.appointment([ana["resourceId"], bo["resourceId"]])
    yoga = await cat.group(capacity=10)
    pottery = await cat.group("COURSE", capacity=5)
    day = next_monday()
    session = await cat.session(yoga, day, resources=[ana["resourceId"]])
    course_session = await cat.session(pottery, day, "12:00", "13:00", resources=[bo["resourceId"]])
    empty = await cat.session(yoga, day, "20:00", "21:00", resources=[ana["resourceId"]])

    appt = await created(
        client,
        site.admin,
        appointment_booking(massage, day, resource=ana["resourceId"], status="CONFIRMED"),
    )
    held = await created(  # CREATED, within its hold: TENTATIVE
        client, site.admin, appointment_booking(massage, day, "14:00", "15:00", bo["resourceId"])
    )
    c1 = await created(client, site.admin, class_booking(yoga, session, status="CONFIRMED"))
    c2 = await created(client, site.admin, class_booking(yoga, session, totalParticipants=2))
    pending = {
        "revision": "1",
        "flowControlSettings": {"skipPendingApprovalServiceValidation": True},
    }
    await post(client, f"{API}/{c2['id']}/mark_booking_as_pending", site.admin, pending)
    k = await created(client, site.admin, course_booking(pottery, status="CONFIRMED"))

    listed = ok(await client.get(FEEDS, headers=site.admin))["calendarFeeds"]
    assert [(f.get("staffMemberId"), f["name"]) for f in listed] == [
        (None, "Test site"),
        (ana["id"], "Ana"),
        (bo["id"], "Bo"),
    ]
    for f in listed:
        assert f["url"].startswith(f"{BASE}{FEEDS}/") and f["url"].endswith(".ics")
        assert set(f) <= {"staffMemberId", "name", "url", "createdDate", "updatedDate"}
    # Listing again answers the same URLs (they are stored, not drawn anew).
    assert await feed_urls(client, site) == {f.get("staffMemberId"): f["url"] for f in listed}
    urls = await feed_urls(client, site)

    cal = await fetch(client, urls[None])
    assert str(cal["X-WR-CALNAME"]) == "Test site bookings"
    assert str(cal["METHOD"]) == "PUBLISH" and str(cal["VERSION"]) == "2.0"
    found = events(cal)
    course_uid = f"{k['id']}.{course_session['id']}@bookings"
    assert set(found) == {
        f"{appt['id']}@bookings",
        f"{held['id']}@bookings",
        f"{c1['id']}@bookings",
        f"{c2['id']}@bookings",
        course_uid,
    }
    a = found[f"{appt['id']}@bookings"]
    assert str(a["SUMMARY"]) == "Massage - John Doe"
    assert a.decoded("DTSTART") == utc(day, "10:00") and a.decoded("DTEND") == utc(day, "11:00")
    assert a.decoded("DTSTART").tzinfo is not None and a.decoded(
        "DTSTART"
    ).utcoffset() == timedelta(0)
    assert "DTSTART:" + day.strftime("%Y%m%d") + "T100000Z" in cal.to_ical().decode()
    assert str(a["STATUS"]) == "CONFIRMED" and int(a["SEQUENCE"]) == 1
    assert "LOCATION" not in a  # the slot names no address (OWNER_CUSTOM alone)
    assert a.decoded("LAST-MODIFIED") == datetime.fromisoformat(appt["updatedDate"]).replace(
        microsecond=0
    )
    assert "john@example.com" in str(a["DESCRIPTION"])
    assert str(found[f"{held['id']}@bookings"]["STATUS"]) == "TENTATIVE"
    p = found[f"{c2['id']}@bookings"]
    assert (str(p["STATUS"]), int(p["SEQUENCE"])) == ("TENTATIVE", 2)
    assert str(p["SUMMARY"]) == "Yoga - Jane" and str(p["LOCATION"]) == "Studio"
    assert str(found[f"{c1['id']}@bookings"]["STATUS"]) == "CONFIRMED"
    course = found[course_uid]
    assert str(course["SUMMARY"]) == "Pottery - Kim"
    assert course.decoded("DTSTART") == utc(day, "12:00")

    staff_cal = await fetch(client, urls[ana["id"]])
    assert str(staff_cal["X-WR-CALNAME"]) == "Ana - Test site"
    mine = events(staff_cal)
    assert set(mine) == {
        f"{appt['id']}@bookings",
        f"{session['id']}@bookings",
        f"{empty['id']}@bookings",
    }
    taught = mine[f"{session['id']}@bookings"]
    assert str(taught["SUMMARY"]) == "Yoga (2 bookings)"
    assert "Participants: 3" in str(taught["DESCRIPTION"])
    assert taught.decoded("DTSTART") == utc(day, "18:00")
    assert str(mine[f"{empty['id']}@bookings"]["SUMMARY"]) == "Yoga (0 bookings)"
    bo_cal = events(await fetch(client, urls[bo["id"]]))
    assert set(bo_cal) == {f"{held['id']}@bookings", f"{course_session['id']}@bookings"}
    assert str(bo_cal[f"{course_session['id']}@bookings"]["SUMMARY"]) == "Pottery (1 booking)"

    # A CREATED booking that holds nothing (the site's hold is 0, the hosted behaviour) is
    # left out.
    await set_hold(client_db(client), site.site_id, 0)
    unheld = await created(
        client, site.admin, appointment_booking(massage, day, "16:00", "17:00", bo["resourceId"])
    )
    assert unheld["status"] == "CREATED"
    assert f"{unheld['id']}@bookings" not in events(await fetch(client, urls[None]))


def client_db(client: httpx.AsyncClient) -> Any:
    transport = client._transport
    assert isinstance(transport, httpx.ASGITransport)
    app: Any = transport.app
    return app.state.services.db


async def test_feed_follows_reschedule_and_cancel(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    cat = Catalog(client, site.admin)
    ana = await staff_member(cat, "Ana")
    massage = await cat.appointment([ana["resourceId"]])
    day = next_monday()
    appt = await created(
        client, site.admin, appointment_booking(massage, day, resource=ana["resourceId"])
    )
    urls = await feed_urls(client, site)
    uid = f"{appt['id']}@bookings"
    slot = {
        "serviceId": massage["id"],
        "startDate": local(day, "13:00"),
        "endDate": local(day, "14:00"),
        "timezone": "UTC",
    }
    await post(
        client, f"{API}/{appt['id']}/reschedule", site.admin, {"slot": slot, "revision": "1"}
    )
    for url in (urls[None], urls[ana["id"]]):
        moved = events(await fetch(client, url))[uid]
        assert moved.decoded("DTSTART") == utc(day, "13:00")
        assert int(moved["SEQUENCE"]) == 2
    await post(client, f"{API}/{appt['id']}/cancel", site.admin, {"revision": "2"})
    for url in (urls[None], urls[ana["id"]]):
        assert uid not in events(await fetch(client, url))


async def test_the_window(client: httpx.AsyncClient, site: SiteKeys, services: Services) -> None:
    cat = Catalog(client, site.admin)
    ana = await staff_member(cat, "Ana")
    massage = await cat.appointment([ana["resourceId"]])
    day = next_monday()
    appt = await created(client, site.admin, appointment_booking(massage, day, status="CONFIRMED"))
    url = (await feed_urls(client, site))[None]
    text = url.removeprefix(f"{BASE}{FEEDS}/").removesuffix(".ics")

    async def uids(now: datetime) -> set[str]:
        body = await feeds.feed_calendar(services.db, services.signer, text, now)
        assert body is not None
        return set(events(icalendar.Calendar.from_ical(body)))

    start = utc(day, "10:00")
    assert f"{appt['id']}@bookings" in await uids(start + feeds.PAST - timedelta(minutes=1))
    assert f"{appt['id']}@bookings" not in await uids(start + feeds.PAST + timedelta(hours=2))
    assert f"{appt['id']}@bookings" in await uids(start - feeds.AHEAD + timedelta(minutes=1))
    assert f"{appt['id']}@bookings" not in await uids(start - feeds.AHEAD - timedelta(hours=1))


async def test_wrong_and_rotated_tokens_answer_404(
    client: httpx.AsyncClient, site: SiteKeys, other_site: SiteKeys
) -> None:
    cat = Catalog(client, site.admin)
    ana = await staff_member(cat, "Ana")
    urls = await feed_urls(client, site)
    unknown_path = (await client.get("/_api/bookings-server/v1/no-such-thing")).json()
    lookup_half = urls[None].removeprefix(f"{BASE}{FEEDS}/")[:22]

    async def gone(path: str) -> None:
        res = await client.get(path)
        assert res.status_code == 404, path
        assert res.json() == unknown_path

    for wrong in (
        secrets.token_urlsafe(33),  # 44 characters, like a token
        lookup_half + secrets.token_urlsafe(16)[:22],  # the right row, a forged MAC
        "short",
        "x" * 300,
    ):
        await gone(f"{FEEDS}/{wrong}.ics")
    await gone(urls[None].removeprefix(BASE).removesuffix(".ics"))  # without .ics

    rotated = await post(client, f"{FEEDS}/rotate", site.admin, {})
    new = rotated["calendarFeed"]
    assert "staffMemberId" not in new and new["url"] != urls[None]
    await gone(urls[None].removeprefix(BASE))
    await fetch(client, new["url"])
    await fetch(client, urls[ana["id"]])  # the staff feed is untouched
    assert (await feed_urls(client, site))[None] == new["url"]

    staff_rotated = await post(client, f"{FEEDS}/rotate", site.admin, {"staffMemberId": ana["id"]})
    assert staff_rotated["calendarFeed"]["staffMemberId"] == ana["id"]
    await gone(urls[ana["id"]].removeprefix(BASE))
    await fetch(client, staff_rotated["calendarFeed"]["url"])
    await fetch(client, new["url"])
    app_error(
        await client.post(
            f"{FEEDS}/rotate", json={"staffMemberId": other_site.site_id}, headers=site.admin
        ),
        404,
        "STAFF_MEMBER_NOT_FOUND",
    )
    # A deleted staff member's feed answers 404 too.
    res = await client.delete(f"/bookings/v1/staff-members/{ana['id']}", headers=site.admin)
    ok(res)
    await gone(staff_rotated["calendarFeed"]["url"].removeprefix(BASE))
    # Another site's feeds are its own.
    theirs = await feed_urls(client, other_site)
    assert theirs[None] not in (urls[None], new["url"])
    await fetch(client, theirs[None])


async def test_admin_api_roles(client: httpx.AsyncClient, site: SiteKeys) -> None:
    visitor = {"Authorization": await token(client, site)}
    for headers in (site.app, visitor):
        app_error(await client.get(FEEDS, headers=headers), 403, "PERMISSION_DENIED")
        app_error(
            await client.post(f"{FEEDS}/rotate", json={}, headers=headers), 403, "PERMISSION_DENIED"
        )
    assert (await client.get(FEEDS)).status_code == 401
    assert (await client.post(f"{FEEDS}/rotate", json={})).status_code == 401
