"""A booking made on the customer page appears in the dashboard (issue 16, notes §4.2 check
1), in Debian's chromium against a real server whose site is in Europe/Berlin.

A new staff member "A" (the business hours: 09:00-17:00 Europe/Berlin, Monday to Friday)
and a service are made over HTTP with the site's admin key. A customer books the 09:00 slot
of a weekday through ``/book/{site}/{service}`` in one browser context; the business, signed
in through the sign-in form in another context, finds it in ``/dashboard/bookings`` (its row)
and in A's column at 09:00 of ``/dashboard/calendar?view=day``. A booking of a
manual-approval service is confirmed from ``/dashboard/pending``, and the customer's manage
page (linked from the confirmation page) then says CONFIRMED."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.booking.conftest import Catalog
from tests.browser.conftest import LiveSite, new_context

pytestmark = pytest.mark.slow

BERLIN = "Europe/Berlin"
NO_FEE = {"rateType": "NO_FEE", "options": {"inPerson": True}}
READER = "/_api/bookings-reader/v2/extended-bookings/query"


@pytest.fixture
async def admin(live_site: LiveSite) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live_site.base_url, timeout=30) as client:
        yield client


@pytest.fixture
async def customer(browser: Browser) -> AsyncIterator[BrowserContext]:
    ctx = await new_context(browser, timezone_id=BERLIN)
    try:
        yield ctx
    finally:
        await ctx.close()


@pytest.fixture
async def business(browser: Browser) -> AsyncIterator[BrowserContext]:
    ctx = await new_context(browser, viewport={"width": 1280, "height": 900})
    try:
        yield ctx
    finally:
        await ctx.close()


def weekday_after(day: date) -> date:
    """The first Monday-to-Friday day after ``day``."""
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


async def book_at_nine(
    page: Page, live: LiveSite, svc: dict[str, Any], day: date, name: str, email: str
) -> None:
    """Through the customer page: the 09:00 slot of ``day``, the contact form, the
    confirmation."""
    url = f"{live.base_url}/book/{live.site_id}/{svc['id']}?date={day.isoformat()}&tz={BERLIN}"
    await page.goto(url)
    nine = page.locator("#slots a.slot").filter(has_text=re.compile(r"^\s*09:00"))
    await expect(nine).to_have_count(1)
    await nine.click()
    await page.wait_for_selector("form.contact")
    await page.fill("#name", name)
    await page.fill("#email", email)
    await page.click("form.contact button[type=submit]")
    await page.wait_for_url(re.compile(r"/done/"))


async def booking_of(admin: httpx.AsyncClient, live: LiveSite, email: str) -> dict[str, Any]:
    """The one booking of the customer's e-mail, read over the Reader API."""
    res = await admin.post(
        READER,
        json={"query": {"filter": {"contactDetails.email": email}}},
        headers=live.admin,
    )
    assert res.status_code == 200, res.text
    found = res.json()["extendedBookings"]
    assert len(found) == 1, found
    return dict(found[0]["booking"])


async def sign_in(page: Page, live: LiveSite, to: str) -> None:
    """Through the sign-in form, with the admin key."""
    await page.goto(f"{live.base_url}/dashboard/login?next={quote(to, safe='')}")
    await page.get_by_label("Admin API key").fill(live.admin_key)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"**{to.split('?')[0]}*")


async def test_a_booking_of_the_customer_page_is_in_the_dashboard(
    live_site: LiveSite,
    admin: httpx.AsyncClient,
    customer: BrowserContext,
    business: BrowserContext,
) -> None:
    tag = uuid.uuid4().hex[:6]
    catalog = Catalog(admin, live_site.admin)
    staff_a = await catalog.staff("A")
    svc = await catalog.appointment([staff_a], payment=NO_FEE, name=f"Cross massage {tag}")
    day = weekday_after(date.today() + timedelta(days=2))
    name, email = f"Cora Cross {tag}", f"cora-{tag}@example.com"

    shopper = await customer.new_page()
    await book_at_nine(shopper, live_site, svc, day, name, email)
    assert await shopper.inner_text("#status strong") == "CONFIRMED"
    booking = await booking_of(admin, live_site, email)
    assert booking["status"] == "CONFIRMED"

    owner = await business.new_page()
    # The bookings list: its row, with the customer, the service, A and the 09:00 start.
    await sign_in(owner, live_site, "/dashboard/bookings")
    row = owner.locator(f"#bookings tr[data-booking-id='{booking['id']}']")
    await expect(row).to_have_count(1)
    await expect(row.locator("td[data-label=Customer]")).to_contain_text(name)
    await expect(row.locator("td[data-label=Service]")).to_have_text(svc["name"])
    await expect(row.locator("td[data-label=Staff]")).to_have_text("A")
    await expect(row.locator("td[data-label=When]")).to_contain_text("09:00")
    await expect(row.locator("td[data-label=Status]")).to_contain_text("Confirmed")
    # The day calendar: in A's column, 09:00-10:00.
    await owner.goto(f"{live_site.base_url}/dashboard/calendar?view=day&date={day.isoformat()}")
    column = owner.locator(f"section.cal-col[data-column='{staff_a}']")
    await expect(column.locator("h2")).to_have_text("A")
    item = column.locator(f"li.cal-item[data-booking='{booking['id']}']")
    await expect(item).to_have_count(1)
    await expect(item.locator(".t")).to_have_text("09:00\u201310:00")
    others = owner.locator(
        f"section.cal-col:not([data-column='{staff_a}']) li[data-booking='{booking['id']}']"
    )
    await expect(others).to_have_count(0)


async def test_confirming_a_pending_booking_shows_on_the_manage_page(
    live_site: LiveSite,
    admin: httpx.AsyncClient,
    customer: BrowserContext,
    business: BrowserContext,
) -> None:
    tag = uuid.uuid4().hex[:6]
    catalog = Catalog(admin, live_site.admin)
    staff_a = await catalog.staff("A")
    svc = await catalog.appointment(
        [staff_a],
        payment=NO_FEE,
        name=f"Approved massage {tag}",
        onlineBooking={"enabled": True, "requireManualApproval": True},
    )
    day = weekday_after(date.today() + timedelta(days=3))
    email = f"pat-{tag}@example.com"

    shopper = await customer.new_page()
    await book_at_nine(shopper, live_site, svc, day, f"Pat Pending {tag}", email)
    assert await shopper.inner_text("#status strong") == "PENDING"
    manage = await shopper.get_attribute("a:text('Manage this booking')", "href")
    assert manage and manage.startswith("/book/") and "/manage/" in manage
    await shopper.goto(live_site.base_url + manage)
    assert await shopper.get_attribute("[data-status]", "data-status") == "PENDING"
    booking = await booking_of(admin, live_site, email)

    owner = await business.new_page()
    await sign_in(owner, live_site, "/dashboard/pending")
    row = owner.locator(f"#pending-{booking['id']}")
    await expect(row).to_be_visible()
    await row.get_by_role("button", name=re.compile(r"^Confirm")).click()
    await expect(row.get_by_role("status")).to_contain_text("Confirmed.")

    await shopper.goto(live_site.base_url + manage)
    assert await shopper.get_attribute("[data-status]", "data-status") == "CONFIRMED"
    assert await shopper.inner_text("[data-status]") == "Confirmed"
