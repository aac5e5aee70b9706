"""The customer booking page in Debian's chromium (issue 16, web-ui.md §4.1 checks 1, 2, 5,
6, 7, 8, 9, 11, 13), against a real server whose site is in Europe/Berlin. The catalog is
made over HTTP with the site's admin key; every test makes its own staff and service."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page

from tests.booking.conftest import Catalog
from tests.browser.conftest import SHOTS, LiveSite, blocking_axe_findings, fits_width
from tests.browser.conftest import new_context as browser_context

pytestmark = pytest.mark.slow

NY = "America/New_York"
NO_FEE = {"rateType": "NO_FEE", "options": {"inPerson": True}}
#: The 2027 week where EU and US offsets differ (EU changes on 31 Oct, the US on 7 Nov).
FRI, MON, MON_AFTER = "2027-10-29", "2027-11-01", "2027-11-08"


async def new_context(browser: Browser, **options: Any) -> BrowserContext:
    """A context whose browser asks for British English (``Accept-Language: en-GB``): English
    on a 24-hour clock, weeks from Monday, as these tests read the times (``en-US`` shows
    ``3:00 AM``: see the locale tests)."""
    options.setdefault("locale", "en-GB")
    return await browser_context(browser, **options)


@pytest.fixture
async def admin(live_site: LiveSite) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live_site.base_url, timeout=30) as client:
        yield client


async def appointment(
    admin: httpx.AsyncClient, live_site: LiveSite, **changes: Any
) -> dict[str, Any]:
    catalog = Catalog(admin, live_site.admin)
    staff = await catalog.staff(f"Staff {uuid.uuid4().hex[:6]}")
    name = changes.pop("name", f"Massage {uuid.uuid4().hex[:6]}")
    return await catalog.appointment([staff], payment=NO_FEE, name=name, **changes)


def service_url(live_site: LiveSite, svc: dict[str, Any], **query: str) -> str:
    url = f"{live_site.base_url}/book/{live_site.site_id}/{svc['id']}"
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def a_weekday_ahead(days: int = 3) -> date:
    """A Monday-to-Friday day at least ``days`` days ahead (inside the date picker)."""
    day = datetime.now(UTC).date() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


async def first_slot_text(page: Page) -> str:
    return (await page.locator("#slots a.slot").first.inner_text()).replace("\n", " ")


async def check_step(page: Page, name: str | None = None) -> None:
    """Every step: nothing overflows at 375 or 320 px, targets of 24 px, no blocking axe
    finding; a screenshot at 375 and 1280 px when named."""
    assert await blocking_axe_findings(page) == [], page.url
    for width in (375, 320):
        await page.set_viewport_size({"width": width, "height": 740})
        assert await fits_width(page), (page.url, width)
    small = await page.evaluate(
        """() => [...document.querySelectorAll(
            '.days a, .slot-list a, .waitlist, button, input:not([type=hidden]), select, .links a')]
            .map(e => e.getBoundingClientRect())
            .filter(r => r.width > 0 && (r.width < 24 || r.height < 24))
            .length"""
    )
    assert small == 0, page.url
    if name:
        SHOTS.mkdir(parents=True, exist_ok=True)
        for width in (375, 1280):
            await page.set_viewport_size({"width": width, "height": 900})
            await page.screenshot(
                path=str(SHOTS / f"booking-page-{name}-{width}.png"), full_page=True
            )
    await page.set_viewport_size({"width": 375, "height": 740})


async def fill_and_book(page: Page, name: str, email: str) -> None:
    await page.fill("#name", name)
    await page.fill("#email", email)
    await page.click("form.contact button[type=submit]")


async def test_the_dst_week_seen_from_new_york(
    browser: Browser, live_site: LiveSite, admin: httpx.AsyncClient
) -> None:
    """§4.1 check 1: staff hours 09:00 Berlin; the browser's zone goes into the URL."""
    svc = await appointment(admin, live_site)
    context = await new_context(browser, timezone_id=NY)
    page = await context.new_page()
    try:
        await page.goto(service_url(live_site, svc, date=FRI))
        await page.wait_for_url(re.compile(r"tz=America%2FNew_York"))
        for day, clock, abbr in ((FRI, "03:00", "EDT"), (MON, "04:00", "EDT")):
            await page.goto(service_url(live_site, svc, date=day, tz="America/New_York"))
            text = await first_slot_text(page)
            assert text.startswith(f"{clock} {abbr}"), (day, text)
            assert NY in await page.inner_text("#slots-heading")
        await page.goto(service_url(live_site, svc, date=MON_AFTER, tz="America/New_York"))
        assert (await first_slot_text(page)).startswith("03:00 EST")
        # booking the 26 Oct-like slot (Mon 1 Nov 2027, 04:00 New York) stores 08:00 UTC
        await page.goto(service_url(live_site, svc, date=MON, tz="America/New_York"))
        await page.locator("#slots a.slot").first.click()
        await fill_and_book(page, "Nia York", f"nia-{uuid.uuid4().hex[:6]}@example.com")
        await page.wait_for_url(re.compile(r"/done/"))
        when = await page.inner_text(".when")
        assert "04:00 EDT (America/New_York)" in when and "09:00 CET (Europe/Berlin)" in when
        google = await page.get_attribute("a:text('Google Calendar')", "href")
        assert google and "20271101T080000Z" in google
    finally:
        await context.close()


async def test_the_zone_switch_keeps_the_date(
    browser: Browser, live_site: LiveSite, admin: httpx.AsyncClient
) -> None:
    """§4.1 check 2, and the business zone without JavaScript."""
    svc = await appointment(admin, live_site)
    context = await new_context(browser, timezone_id=NY)
    page = await context.new_page()
    try:
        await page.goto(service_url(live_site, svc, date=MON))
        await page.wait_for_url(re.compile(r"tz=America%2FNew_York"))
        await page.select_option("#tz", "Asia/Kolkata")
        await page.click("form.zone-form button")
        await page.wait_for_url(re.compile(r"tz=Asia%2FKolkata"))
        assert f"date={MON}" in page.url
        assert (await first_slot_text(page)).startswith("13:30 IST")
        assert "Asia/Kolkata" in await page.inner_text("#slots-heading")
    finally:
        await context.close()
    context = await new_context(browser, timezone_id=NY, java_script_enabled=False)
    page = await context.new_page()
    try:
        await page.goto(service_url(live_site, svc, date=MON))
        assert "tz=" not in page.url
        assert (await first_slot_text(page)).startswith("09:00 CET")
        assert "business's time zone" in await page.inner_text("#zone-note")
    finally:
        await context.close()


async def tab_to(page: Page, selector: str, limit: int = 80) -> None:
    """Press Tab until the focused element matches ``selector``."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        if await page.evaluate(
            "s => document.activeElement && document.activeElement.matches(s)", selector
        ):
            return
    raise AssertionError(f"Tab never reached {selector} on {page.url}")


async def test_keyboard_only_booking_with_axe_on_every_step(
    browser: Browser, live_site: LiveSite, admin: httpx.AsyncClient
) -> None:
    """§4.1 checks 5, 6, 9 and 13: service -> date -> slot -> form -> submit by keyboard;
    the date change is one request that swaps only the slot panel and focuses its heading;
    axe, widths and targets on each step; screenshots."""
    name = f"Keyboard massage {uuid.uuid4().hex[:4]}"
    svc = await appointment(admin, live_site, name=name)
    day = a_weekday_ahead()
    context = await new_context(browser, timezone_id=NY)
    page = await context.new_page()
    try:
        await page.goto(f"{live_site.base_url}/book/{live_site.site_id}")
        await page.wait_for_url(re.compile(r"tz="))
        await check_step(page, "services")
        await tab_to(page, f"a[href*='{svc['id']}']")
        await page.keyboard.press("Enter")
        await page.wait_for_url(re.compile(svc["id"]))
        await page.wait_for_selector("#slots")
        await check_step(page)

        requests: list[dict[str, str]] = []
        page.on(
            "request",
            lambda r: (
                requests.append({"url": r.url, **r.headers})
                if r.resource_type in ("document", "xhr", "fetch")
                else None
            ),
        )
        await page.evaluate("document.querySelector('nav.days').dataset.kept = 'yes'")
        await tab_to(page, f"a[data-day='{day.isoformat()}']")
        await page.keyboard.press("Enter")
        await page.wait_for_function(
            "d => document.querySelector('#slots-heading').textContent.includes(d)",
            arg=str(day.day),
        )
        await page.wait_for_function("document.activeElement.id === 'slots-heading'")
        assert len(requests) == 1, requests
        assert requests[0].get("hx-request") == "true"
        assert await page.evaluate("document.querySelector('nav.days').dataset.kept") == "yes"
        assert f"date={day.isoformat()}" in page.url
        current = page.locator("a[aria-current=date]")
        assert await current.get_attribute("data-day") == day.isoformat()
        await check_step(page, "slots")

        await page.evaluate("document.getElementById('slots-heading').focus()")
        await tab_to(page, "#slots a.slot")
        await page.keyboard.press("Enter")
        await page.wait_for_selector("form.contact")
        await check_step(page, "form")
        await tab_to(page, "#name")
        await page.keyboard.type("Kay Board")
        await page.keyboard.press("Tab")
        await page.keyboard.type(f"kay-{uuid.uuid4().hex[:6]}@example.com")
        await tab_to(page, "form.contact button[type=submit]")
        await page.keyboard.press("Enter")
        await page.wait_for_url(re.compile(r"/done/"))
        assert await page.inner_text("#status strong") == "CONFIRMED"
        await check_step(page, "done")
        slug = urlsplit(page.url).path.split("/")[2]
        token = page.url.split("/done/")[1].split("?")[0]
        ics = await page.get_attribute("a[download]", "href")
        assert ics == f"/book/{slug}/manage/{token}/booking.ics"
        manage = await page.get_attribute("a:text('Manage this booking')", "href")
        assert manage == f"/book/{slug}/manage/{token}"
        google = await page.get_attribute("a:text('Google Calendar')", "href")
        outlook = await page.get_attribute("a:text('Outlook')", "href")
        assert google and outlook
        when = await page.get_attribute(".when time", "datetime")
        assert when
        start = datetime.fromisoformat(when.replace("Z", "+00:00"))
        dates = parse_qs(urlsplit(google).query)["dates"][0]
        assert dates.startswith(start.strftime("%Y%m%dT%H%M%SZ") + "/")
        assert parse_qs(urlsplit(outlook).query)["startdt"] == [when]
        assert await context.cookies() == []  # customer pages set no cookies
    finally:
        await context.close()


async def test_booking_without_javascript(
    browser: Browser, live_site: LiveSite, admin: httpx.AsyncClient
) -> None:
    """§4.1 check 7."""
    svc = await appointment(admin, live_site)
    context = await new_context(browser, java_script_enabled=False)
    page = await context.new_page()
    try:
        await page.goto(f"{live_site.base_url}/book/{live_site.site_id}")
        await page.click(f"a[href*='{svc['id']}']")
        await page.click(f"a[data-day='{a_weekday_ahead(4).isoformat()}']")
        assert "business's time zone" in await page.inner_text("#zone-note")
        await page.locator("#slots a.slot").first.click()
        await fill_and_book(page, "No Script", f"ns-{uuid.uuid4().hex[:6]}@example.com")
        await page.wait_for_url(re.compile(r"/done/"))
        assert await page.inner_text("#status strong") == "CONFIRMED"
    finally:
        await context.close()


async def bookings_with(admin: httpx.AsyncClient, live_site: LiveSite, email: str) -> int:
    res = await admin.post(
        "/_api/bookings-reader/v2/extended-bookings/query",
        json={"query": {"paging": {"limit": 100}}},
        headers=live_site.admin,
    )
    assert res.status_code == 200, res.text
    found = [e["booking"] for e in res.json()["extendedBookings"]]
    return sum(1 for b in found if (b.get("contactDetails") or {}).get("email") == email)


async def test_a_race_and_a_double_submit(
    browser: Browser, live_site: LiveSite, admin: httpx.AsyncClient
) -> None:
    """§4.1 check 8."""
    svc = await appointment(admin, live_site)
    day = a_weekday_ahead(5).isoformat()
    first = await new_context(browser, timezone_id=NY)
    second = await new_context(browser, timezone_id=NY)
    try:
        pages = [await first.new_page(), await second.new_page()]
        for page in pages:
            await page.goto(service_url(live_site, svc, date=day, tz="America/New_York"))
            await page.locator("#slots a.slot").first.click()
            await page.wait_for_selector("form.contact")
        late, early = pages
        await late.fill("#name", "Late Comer")
        await late.fill("#email", "late@example.com")
        await late.fill("#phone", "+1 555 0100")
        await fill_and_book(early, "Early Bird", f"early-{uuid.uuid4().hex[:6]}@example.com")
        await early.wait_for_url(re.compile(r"/done/"))
        response = (
            await late.wait_for_event(
                "response", lambda: late.click("form.contact button[type=submit]")
            )
            if False
            else None
        )
        async with late.expect_response(lambda r: r.request.method == "POST") as info:
            await late.click("form.contact button[type=submit]")
        response = await info.value
        assert response.status == 409
        assert "no longer available" in await late.inner_text("#taken")
        assert await late.locator("#alternatives input[type=radio]").count() > 0
        assert await late.input_value("#name") == "Late Comer"
        assert await late.input_value("#email") == "late@example.com"
        assert await late.input_value("#phone") == "+1 555 0100"
        await check_step(late, "taken")

        # pressing Book (the nearest other time, details kept) twice makes one booking
        email = f"twice-{uuid.uuid4().hex[:6]}@example.com"
        await late.fill("#email", email)
        await late.dblclick("form.contact button[type=submit]")
        await late.wait_for_url(re.compile(r"/done/"))
        assert await late.inner_text("#status strong") == "CONFIRMED"
        assert await bookings_with(admin, live_site, email) == 1
    finally:
        await first.close()
        await second.close()


async def test_a_class_shows_spots_and_a_full_one_offers_the_waitlist(
    browser: Browser, live_site: LiveSite, admin: httpx.AsyncClient
) -> None:
    """§4.1 check 11."""
    catalog = Catalog(admin, live_site.admin)
    policy = {
        "name": f"Waitlisted {uuid.uuid4().hex[:4]}",
        "waitlistPolicy": {"enabled": True, "capacity": 5},
        "participantsPolicy": {"maxParticipantsPerBooking": 1},
    }
    found = await catalog.post("/bookings/v1/booking-policies", {"bookingPolicy": policy})
    yoga = await catalog.group(
        capacity=3, name="Yoga", bookingPolicy={"id": found["bookingPolicy"]["id"]}
    )
    day = a_weekday_ahead(6)
    await catalog.session(yoga, day, "18:00", "19:00", capacity=3)
    await catalog.session(yoga, day, "08:00", "09:00", capacity=1)
    context = await new_context(browser, timezone_id="Europe/Berlin")
    page = await context.new_page()
    try:
        url = service_url(live_site, yoga, date=day.isoformat(), tz="Europe/Berlin")
        await page.goto(url)
        texts = await page.locator("#slots a.slot").all_inner_texts()
        assert any("3 spots left" in t for t in texts), texts
        await page.locator("#slots a.slot", has_text="08:00").click()
        await fill_and_book(page, "First In", f"in-{uuid.uuid4().hex[:6]}@example.com")
        await page.wait_for_url(re.compile(r"/done/"))
        await page.goto(url)
        assert "Full" in await page.inner_text("#slots .slot.full")
        await check_step(page, "class")
        await page.click("#slots a.waitlist")
        await fill_and_book(page, "Fourth Customer", f"wl-{uuid.uuid4().hex[:6]}@example.com")
        await page.wait_for_url(re.compile(r"/done/"))
        assert await page.inner_text("#status strong") == "WAITING LIST"
    finally:
        await context.close()


async def test_an_in_person_service_shows_business_times_to_a_new_york_visitor(
    browser: Browser, live_site: LiveSite, admin: httpx.AsyncClient
) -> None:
    """§4.1 check 3 (the page and the confirmation; the e-mail and .ics are the manage
    page's and the notifications')."""
    business = [{"type": "BUSINESS", "business": {"id": "a1c3b8e6-0d7a-4e7b-9c61-2f9d0a3e5b14"}}]
    svc = await appointment(admin, live_site, locations=business)
    context = await new_context(browser, timezone_id=NY)
    page = await context.new_page()
    try:
        await page.goto(service_url(live_site, svc, date=MON))
        await page.wait_for_load_state("load")
        assert (await first_slot_text(page)).startswith("09:00 CET")
        assert "in person" in await page.inner_text("#zone-note")
        assert await page.locator("form.zone-form").count() == 0
        await page.locator("#slots a.slot").first.click()
        await fill_and_book(page, "In Person", f"ip-{uuid.uuid4().hex[:6]}@example.com")
        await page.wait_for_url(re.compile(r"/done/"))
        when = await page.inner_text(".when")
        assert "09:00 CET (Europe/Berlin)" in when and NY not in when
    finally:
        await context.close()


async def test_the_browsers_locale_german_then_us_english(
    browser: Browser, live_site: LiveSite, admin: httpx.AsyncClient
) -> None:
    """§4.1.4: a German browser reads German labels, weeks from Monday and 24-hour times (a
    toggle switches to 12 hours and stays through the steps); a US one reads 12-hour times
    and weeks from Sunday."""
    svc = await appointment(admin, live_site)
    day = a_weekday_ahead(10)  # its week starts after today: the picker starts on it
    context = await new_context(browser, locale="de-DE", timezone_id="Europe/Berlin")
    page = await context.new_page()
    try:
        await page.goto(service_url(live_site, svc, date=day.isoformat()))
        await page.wait_for_url(re.compile(r"tz="))
        assert await page.inner_text("#days-heading") == "Tag wählen"
        assert await page.get_attribute("html", "lang") == "de"
        first = await page.get_attribute("nav.days li:first-child a", "data-day")
        assert first and date.fromisoformat(first).weekday() == 0
        assert (await first_slot_text(page)).startswith("09:00")
        await page.click("#clock-toggle")
        await page.wait_for_url(re.compile(r"clock=12"))
        assert (await first_slot_text(page)).startswith("9:00 AM")
        await page.locator("#slots a.slot").first.click()
        await page.wait_for_url(re.compile(r"/form\?.*clock=12"))
        assert await page.inner_text("label[for=email]") == "E-Mail"
        assert "9:00 AM" in await page.inner_text(".chosen")
    finally:
        await context.close()
    context = await new_context(browser, locale="en-US", timezone_id="Europe/Berlin")
    page = await context.new_page()
    try:
        await page.goto(service_url(live_site, svc, date=day.isoformat()))
        await page.wait_for_url(re.compile(r"tz="))
        assert await page.inner_text("#days-heading") == "Choose a day"
        first = await page.get_attribute("nav.days li:first-child a", "data-day")
        assert first and date.fromisoformat(first).weekday() == 6
        assert (await first_slot_text(page)).startswith("9:00 AM")
    finally:
        await context.close()
