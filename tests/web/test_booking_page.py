"""The customer booking page without a browser: HTML checked with selectolax."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import sqlalchemy as sa
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from bookings.identity.models import sites
from bookings.platform.db import Database
from bookings.platform.routing import Services
from bookings.web.framing import frame_ancestors_for
from tests.booking.conftest import Catalog, created, token
from tests.conftest import SiteKeys, make_site
from tests.helpers import ok

NY = "America/New_York"
#: The 2027 week where EU and US offsets differ (EU changes on 31 Oct, the US on 7 Nov).
FRI, MON, MON_AFTER = "2027-10-29", "2027-11-01", "2027-11-08"


async def set_setting(db: Database, site_id: str, name: str, value: Any) -> None:
    async with db.connect_for_write() as conn:
        current = (
            await conn.execute(sa.select(sites.c.settings).where(sites.c.site_id == site_id))
        ).scalar()
        settings = {**(current or {}), name: value}
        await conn.execute(
            sa.update(sites).where(sites.c.site_id == site_id).values(settings=settings)
        )


@pytest.fixture
async def berlin(services: Services) -> SiteKeys:
    return await make_site(services, "Europe/Berlin")


BIZ = "a1c3b8e6-0d7a-4e7b-9c61-2f9d0a3e5b14"
NO_FEE = {"rateType": "NO_FEE", "options": {"inPerson": True}}


async def massage(client: httpx.AsyncClient, site: SiteKeys, **changes: Any) -> dict[str, Any]:
    catalog = Catalog(client, site.admin)
    staff = await catalog.staff()
    return await catalog.appointment([staff], payment=NO_FEE, **changes)


def html(res: httpx.Response) -> HTMLParser:
    assert res.headers["content-type"].startswith("text/html"), res.text[:200]
    return HTMLParser(res.text)


def first_slot(doc: HTMLParser) -> str:
    slot = doc.css_first("#slots a.slot")
    assert slot is not None, doc.html
    return slot.text(separator=" ", strip=True)


async def slot_link(client: httpx.AsyncClient, path: str, index: int = 0) -> str:
    doc = html(await client.get(path))
    links = doc.css("#slots a.slot")
    assert links, doc.html
    return str(links[index].attributes["href"])


async def open_form(client: httpx.AsyncClient, href: str) -> tuple[str, dict[str, str]]:
    """The form's action and its hidden fields."""
    doc = html(await client.get(href))
    form = doc.css_first("form.contact")
    assert form is not None, doc.html
    hidden = {
        str(i.attributes["name"]): str(i.attributes.get("value") or "")
        for i in form.css("input[type=hidden]")
    }
    return str(form.attributes["action"]), hidden


CONTACT = {"name": "Ada Lovelace", "email": "ada@example.com", "phone": "+44 20 7946 0000"}


async def bookings_of(client: httpx.AsyncClient, site: SiteKeys) -> list[dict[str, Any]]:
    res = await client.post(
        "/_api/bookings-reader/v2/extended-bookings/query", json={"query": {}}, headers=site.admin
    )
    return [e["booking"] for e in ok(res)["extendedBookings"]]


async def test_an_unknown_site_is_a_404_page(client: httpx.AsyncClient) -> None:
    res = await client.get("/book/no-such-site")
    assert res.status_code == 404
    assert "does not exist" in html(res).text()
    res = await client.get("/book/no-such-site/0f0e0d0c-0b0a-4908-8706-050403020100")
    assert res.status_code == 404


async def test_the_services_list_and_framing(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    svc = await massage(client, site)
    hidden = await massage(client, site, name="Private", onlineBooking={"enabled": False})
    res = await client.get(f"/book/{site.site_id}")
    assert res.status_code == 200
    assert "set-cookie" not in res.headers
    csp = res.headers["content-security-policy"]
    assert "frame-ancestors 'self'" in csp and "x-frame-options" not in res.headers
    links = {str(a.attributes.get("href")) for a in html(res).css("ul.services a")}
    assert any(link.startswith("/book/") and link.endswith(svc["id"]) for link in links)
    assert not any(hidden["id"] in link for link in links)

    hosts = ["https://studio.example", "http://localhost:8001/", "bad host; script-src *", 7]
    await set_setting(services.db, site.site_id, "allowedEmbedHosts", hosts)
    res = await client.get(f"/book/{site.site_id}/{svc['id']}")
    assert res.headers["content-security-policy"].endswith(
        "frame-ancestors 'self' https://studio.example http://localhost:8001"
    )
    assert "set-cookie" not in res.headers


def test_frame_ancestors_without_the_setting() -> None:
    class Plain:
        settings: dict[str, Any] = {}

    assert frame_ancestors_for(Plain()) == "'self'"


async def test_times_in_the_visitor_zone_across_dst(
    client: httpx.AsyncClient, berlin: SiteKeys
) -> None:
    """Staff hours 09:00 Berlin seen from New York: 03:00, then 04:00 after the EU change,
    then 03:00 again after the US change; the zone beside every time."""
    svc = await massage(client, berlin)
    base = f"/book/{berlin.site_id}/{svc['id']}"
    for day, expected in ((FRI, "03:00"), (MON, "04:00"), (MON_AFTER, "03:00")):
        doc = html(await client.get(base, params={"date": day, "tz": NY}))
        text = first_slot(doc)
        assert text.startswith(expected), (day, text)
        assert "EDT" in text or "EST" in text
        heading = doc.css_first("#slots-heading").text()
        assert NY in heading
        for slot in doc.css("#slots a.slot"):
            assert NY in str(slot.attributes["aria-label"])
    # without a zone: the business's, and the page says so (and asks the script to fill it)
    doc = html(await client.get(base, params={"date": FRI}))
    assert first_slot(doc).startswith("09:00")
    assert "business's time zone" in doc.css_first("#zone-note").text()
    assert doc.css_first('meta[name="book-detect-zone"]') is not None


async def test_the_zone_selector_keeps_the_date(
    client: httpx.AsyncClient, berlin: SiteKeys
) -> None:
    svc = await massage(client, berlin)
    base = f"/book/{berlin.site_id}/{svc['id']}"
    doc = html(await client.get(base, params={"date": MON, "tz": NY}))
    form = doc.css_first("form.zone-form")
    assert form.attributes["method"] == "get"
    assert form.css_first("input[name=date]").attributes["value"] == MON
    assert form.css_first("option[selected]").text() == NY
    doc = html(await client.get(base, params={"date": MON, "tz": "Asia/Kolkata"}))
    assert first_slot(doc).startswith("13:30")  # 08:00 UTC
    assert "Asia/Kolkata" in doc.css_first("#slots-heading").text()
    # every link carries the zone
    for a in doc.css(".days a"):
        assert "tz=Asia%2FKolkata" in str(a.attributes["href"])
    # an unknown zone is the business's
    doc = html(await client.get(base, params={"date": MON, "tz": "Mars/Olympus"}))
    assert first_slot(doc).startswith("09:00")


async def test_an_in_person_service_locks_the_business_zone(
    client: httpx.AsyncClient, berlin: SiteKeys
) -> None:
    svc = await massage(client, berlin, locations=[{"type": "BUSINESS", "business": {"id": BIZ}}])
    doc = html(
        await client.get(f"/book/{berlin.site_id}/{svc['id']}", params={"date": MON, "tz": NY})
    )
    assert first_slot(doc).startswith("09:00")
    assert "in person" in doc.css_first("#zone-note").text()
    assert doc.css_first("form.zone-form") is None
    # the form and the confirmation keep the business's zone
    action, hidden = await open_form(client, str(doc.css_first("#slots a.slot").attributes["href"]))
    res = await client.post(action, data={**hidden, **CONTACT})
    assert res.status_code == 303, res.text
    done = html(await client.get(str(res.headers["location"])))
    assert "09:00 CET (Europe/Berlin)" in done.css_first(".when").text()
    assert "America/New_York" not in done.css_first(".when").text()


async def test_a_date_change_by_htmx_answers_only_the_panel(
    client: httpx.AsyncClient, berlin: SiteKeys
) -> None:
    svc = await massage(client, berlin)
    base = f"/book/{berlin.site_id}/{svc['id']}"
    doc = html(await client.get(base, params={"date": FRI, "tz": NY}))
    day = doc.css_first(f'.days a[data-day="{MON}"]')
    assert day.attributes["hx-target"] == "#slots"
    assert day.attributes["hx-get"] == day.attributes["hx-push-url"]
    assert str(day.attributes["href"]).endswith("#slots-heading")
    res = await client.get(str(day.attributes["hx-get"]), headers={"HX-Request": "true"})
    assert res.status_code == 200 and "<html" not in res.text
    assert res.headers["vary"] == "HX-Request"
    panel = HTMLParser(res.text)
    assert panel.css_first("section#slots") is not None
    assert first_slot(panel).startswith("04:00")
    # a history restore gets the whole page
    res = await client.get(
        str(day.attributes["hx-get"]),
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in res.text


async def test_booking_end_to_end(client: httpx.AsyncClient, berlin: SiteKeys) -> None:
    svc = await massage(client, berlin)
    href = await slot_link(client, f"/book/{berlin.site_id}/{svc['id']}?date={MON}&tz={NY}")
    assert "tz=America%2FNew_York" in href
    action, hidden = await open_form(client, href)
    assert len(hidden["idempotency_key"]) == 36
    res = await client.post(action, data={**hidden, **CONTACT})
    assert res.status_code == 303, res.text
    done = str(res.headers["location"])
    assert "/done/" in done
    doc = html(await client.get(done))
    assert doc.css_first("#status strong").text() == "CONFIRMED"
    when = doc.css_first(".when").text(separator=" ")
    assert "04:00 EDT (America/New_York)" in when and "09:00 CET (Europe/Berlin)" in when
    token_ = done.split("/done/")[1].split("?")[0]
    links = {a.text(strip=True): str(a.attributes["href"]) for a in doc.css("a")}
    assert links["Download .ics"] == f"/book/{berlin.site_id}/manage/{token_}/booking.ics" or (
        links["Download .ics"].endswith(f"/manage/{token_}/booking.ics")
    )
    assert links["Manage this booking"].endswith(f"/manage/{token_}")
    google = parse_qs(urlsplit(links["Google Calendar"]).query)
    assert google["dates"] == ["20271101T080000Z/20271101T090000Z"]
    outlook = parse_qs(urlsplit(links["Outlook"]).query)
    assert outlook["startdt"] == ["2027-11-01T08:00:00Z"]
    assert "set-cookie" not in res.headers
    # Framed by embed.js, every step reports its height, and this one that a booking was made.
    scripts = [str(s.attributes.get("src")) for s in doc.css("script[src]")]
    assert any(src.startswith("/static/embed-child.js?v=") for src in scripts)
    event = doc.css_first('meta[name="bookings-event"]')
    assert event is not None and event.attributes["content"] == "booked"


async def test_pressing_book_twice_books_once(client: httpx.AsyncClient, berlin: SiteKeys) -> None:
    svc = await massage(client, berlin)
    href = await slot_link(client, f"/book/{berlin.site_id}/{svc['id']}?date={MON}")
    action, hidden = await open_form(client, href)
    first = await client.post(action, data={**hidden, **CONTACT})
    second = await client.post(action, data={**hidden, **CONTACT})
    assert first.status_code == second.status_code == 303, second.text
    one = first.headers["location"].split("/done/")[1]
    two = second.headers["location"].split("/done/")[1]
    docs = [html(await client.get(f"/book/{berlin.site_id}/done/{t}")) for t in (one, two)]
    assert all(d.css_first("#status strong").text() == "CONFIRMED" for d in docs)
    found = await bookings_of(client, berlin)
    assert len(found) == 1


async def test_a_slot_taken_meanwhile(client: httpx.AsyncClient, berlin: SiteKeys) -> None:
    svc = await massage(client, berlin)
    href = await slot_link(client, f"/book/{berlin.site_id}/{svc['id']}?date={MON}&tz={NY}")
    action, hidden = await open_form(client, href)
    # someone else books it first, through the API
    visitor = {"Authorization": await token(client, berlin)}
    slot = {
        "serviceId": svc["id"],
        "scheduleId": svc["schedule"]["id"],
        "startDate": f"{MON}T09:00:00",
        "endDate": f"{MON}T10:00:00",
        "timezone": "Europe/Berlin",
        "location": {"locationType": "OWNER_CUSTOM"},
    }
    body = {
        "bookedEntity": {"slot": slot},
        "contactDetails": {"firstName": "Eve", "email": "eve@example.com"},
        "totalParticipants": 1,
    }
    await created(client, visitor, body)
    res = await client.post(action, data={**hidden, **CONTACT})
    assert res.status_code == 409
    doc = html(res)
    assert "no longer available" in doc.css_first("#taken").text()
    alternatives = doc.css("#alternatives label")
    assert alternatives and all("America/New_York" in a.text() for a in alternatives)
    assert doc.css_first("#alternatives input[checked]") is not None
    assert doc.css_first("#name").attributes["value"] == CONTACT["name"]
    assert doc.css_first("#email").attributes["value"] == CONTACT["email"]
    assert doc.css_first("#phone").attributes["value"] == CONTACT["phone"]
    # the form's GET says the same
    res = await client.get(href)
    assert "no longer available" in html(res).text()
    # booking the first alternative with what was typed
    form = doc.css_first("form.contact")
    fields = {
        str(i.attributes["name"]): str(i.attributes.get("value") or "")
        for i in form.css("input")
        if i.attributes.get("type") != "radio" or "checked" in i.attributes
    }
    res = await client.post(action, data=fields)
    assert res.status_code == 303, res.text


async def test_manual_approval_is_pending(client: httpx.AsyncClient, berlin: SiteKeys) -> None:
    svc = await massage(
        client, berlin, onlineBooking={"enabled": True, "requireManualApproval": True}
    )
    href = await slot_link(client, f"/book/{berlin.site_id}/{svc['id']}?date={MON}")
    action, hidden = await open_form(client, href)
    res = await client.post(action, data={**hidden, **CONTACT})
    assert res.status_code == 303, res.text
    doc = html(await client.get(str(res.headers["location"])))
    assert doc.css_first("#status strong").text() == "PENDING"
    assert "not confirmed yet" in doc.css_first("#status").text()


async def test_a_missing_name_keeps_the_form(client: httpx.AsyncClient, berlin: SiteKeys) -> None:
    svc = await massage(client, berlin)
    href = await slot_link(client, f"/book/{berlin.site_id}/{svc['id']}?date={MON}")
    action, hidden = await open_form(client, href)
    res = await client.post(action, data={**hidden, "name": "", "email": "x@example.com"})
    assert res.status_code == 422
    assert html(res).css_first("#email").attributes["value"] == "x@example.com"
    res = await client.post(action, data={**hidden, **CONTACT, "slot": "nonsense"})
    assert res.status_code == 409


async def test_classes_show_spots_and_offer_the_waitlist(
    client: httpx.AsyncClient, berlin: SiteKeys
) -> None:
    catalog = Catalog(client, berlin.admin)
    policy = {
        "name": "Waitlisted",
        "waitlistPolicy": {"enabled": True, "capacity": 5},
        "participantsPolicy": {"maxParticipantsPerBooking": 1},
    }
    found = await catalog.post("/bookings/v1/booking-policies", {"bookingPolicy": policy})
    yoga = await catalog.group(capacity=1, bookingPolicy={"id": found["bookingPolicy"]["id"]})
    from datetime import date

    await catalog.session(yoga, date.fromisoformat(MON), "18:00", "19:00", capacity=1)
    base = f"/book/{berlin.site_id}/{yoga['id']}"
    doc = html(await client.get(base, params={"date": MON}))
    assert "1 spot left" in first_slot(doc)
    href = await slot_link(client, f"{base}?date={MON}")
    action, hidden = await open_form(client, href)
    res = await client.post(action, data={**hidden, **CONTACT})
    assert res.status_code == 303, res.text
    doc = html(await client.get(base, params={"date": MON}))
    assert "Full" in doc.css_first("#slots .slot.full").text()
    waitlist = doc.css_first("#slots a.waitlist")
    assert waitlist is not None
    action, hidden = await open_form(client, str(waitlist.attributes["href"]))
    assert hidden["waitlist"] == "1"
    res = await client.post(action, data={**hidden, "name": "Bo", "email": "bo@example.com"})
    assert res.status_code == 303, res.text
    doc = html(await client.get(str(res.headers["location"])))
    assert doc.css_first("#status strong").text() == "WAITING LIST"


async def test_a_bad_token_shows_nothing(client: httpx.AsyncClient, berlin: SiteKeys) -> None:
    res = await client.get(f"/book/{berlin.site_id}/done/{'x' * 40}")
    assert res.status_code == 401
    assert "not valid" in html(res).text()


async def test_every_page_of_slots_is_read(
    client: httpx.AsyncClient, berlin: SiteKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The day list and the panel read the API's later pages (here 5 slots a page)."""
    import bookings.availability.appointments as appointments

    monkeypatch.setattr(appointments, "APPOINTMENT_LIMIT", 5)
    svc = await massage(client, berlin)
    doc = html(await client.get(f"/book/{berlin.site_id}/{svc['id']}", params={"date": MON}))
    assert len(doc.css("#slots a.slot")) == 6  # 09:00 to 15:15, every 75 minutes
    with_slots = [str(a.attributes["data-day"]) for a in doc.css(".days a.has-slots")]
    assert with_slots == [
        "2027-11-01",
        "2027-11-02",
        "2027-11-03",
        "2027-11-04",
        "2027-11-05",
        "2027-11-08",
        "2027-11-09",
        "2027-11-10",
        "2027-11-11",
        "2027-11-12",
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/book/{site}/{svc}?date=9999-12-31",
        "/book/{site}/{svc}?date=2027-02-30&tz=" + "A/" * 80,
        "/book/{site}/{svc}?date=nonsense&tz=../../etc/passwd",
        "/book/{site}/not-a-guid",
        "/book/{site}/{svc}/form",
        "/book/{site}/{svc}/form?slot=a~20270101T000000Z~20260101T000000Z",
        "/book/{site}/{svc}/form?slot=e~nope",
        "/book/{site}/done/form",
    ],
)
async def test_odd_addresses_never_answer_5xx(
    client: httpx.AsyncClient, berlin: SiteKeys, path: str
) -> None:
    svc = await massage(client, berlin)
    res = await client.get(path.format(site=berlin.site_id, svc=svc["id"]))
    assert res.status_code < 500, res.text
    assert res.headers["content-type"].startswith("text/html")
    res = await client.get(
        path.format(site=berlin.site_id, svc=svc["id"]), headers={"HX-Request": "true"}
    )
    assert res.status_code < 500, res.text


async def test_odd_posts_never_answer_5xx(client: httpx.AsyncClient, berlin: SiteKeys) -> None:
    svc = await massage(client, berlin)
    action = f"/book/{berlin.site_id}/{svc['id']}/form"
    for data in (
        {},
        {"name": "A", "email": "a@example.com"},
        {"name": "A", "email": "a@example.com", "slot": "a~x~y", "idempotency_key": "k"},
        {"name": "A", "email": "not-an-email@", "slot": "e~" + "x" * 300},
        {"name": "A" * 5000, "email": "a@example.com", "idempotency_key": "\u00e9" * 300},
    ):
        res = await client.post(action, data=data)
        assert res.status_code < 500, (data, res.text)
    res = await client.post(f"/book/{berlin.site_id}/not-a-guid/form", data={})
    assert res.status_code == 404


async def test_the_slot_step_weighs_under_60_kb(
    client: httpx.AsyncClient, berlin: SiteKeys
) -> None:
    """web-ui.md §4.1 check 13: the JS and CSS of the slot step, gzipped."""
    import gzip

    svc = await massage(client, berlin)
    doc = html(await client.get(f"/book/{berlin.site_id}/{svc['id']}"))
    urls = [str(s.attributes["src"]) for s in doc.css("script[src]")]
    urls += [str(s.attributes["href"]) for s in doc.css("link[rel=stylesheet]")]
    assert any("htmx" in u for u in urls) and any("book.js" in u for u in urls)
    total = 0
    for url in urls:
        res = await client.get(url)
        assert res.status_code == 200
        total += len(gzip.compress(res.content, compresslevel=9))
    assert total <= 60 * 1024
    assert not doc.css("script:not([src])")  # no inline script (the CSP forbids it)
