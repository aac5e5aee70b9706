"""The dashboard's lists in chromium (issue 16; notes §4.2 checks 2, 3, 8 and 9): confirm a
pending request with the keyboard only, the stale-revision message when two tabs confirm the
same booking, axe (no serious or critical finding) and no sideways scrolling at 1280 and
375 px, and no framing. Data is made over HTTP with the live site's admin key; the browser
signs in through the sign-in form. Screenshots (dashboard-*.png) go to
``$BOOKINGS_SCREENSHOT_DIR`` when it is set (``docs/screenshots`` refreshes the committed
ones), else to a temporary folder, so a run leaves the tree clean."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.booking.conftest import API, appointment_booking, next_monday
from tests.browser.conftest import LiveSite, blocking_axe_findings, fits_width, new_context

pytestmark = pytest.mark.slow

STALE = "This booking was changed by someone else. Reload to see it."


async def _ok(res: httpx.Response) -> dict[str, Any]:
    assert res.status_code == 200, res.text
    body: dict[str, Any] = res.json()
    return body


async def seed_pending(live: LiveSite, count: int, day: date | None = None) -> list[dict[str, Any]]:
    """A new staff member and service (so other tests' data does not matter) and ``count``
    PENDING appointments with customers of their own."""
    day = day or next_monday()
    async with httpx.AsyncClient(base_url=live.base_url, headers=live.admin) as c:
        tag = uuid.uuid4().hex[:6]
        staff = await _ok(
            await c.post("/bookings/v1/staff-members", json={"staffMember": {"name": f"Ana {tag}"}})
        )
        resource = staff["staffMember"]["resourceId"]
        service = {
            "type": "APPOINTMENT",
            "name": f"Massage {tag}",
            "defaultCapacity": 1,
            "onlineBooking": {"enabled": True, "requireManualApproval": True},
            "payment": {"rateType": "NO_FEE", "options": {"inPerson": True}},
            "schedule": {"availabilityConstraints": {"sessionDurations": [60]}},
            "staffMemberIds": [resource],
            "locations": [{"type": "CUSTOM", "custom": {"address": {"addressLine": "1 Main St"}}}],
        }
        svc = (await _ok(await c.post("/_api/bookings/v2/services", json={"service": service})))[
            "service"
        ]
        made = []
        for i in range(count):
            hour = f"{9 + i:02d}"
            contact = {
                "firstName": f"Guest{i}",
                "lastName": tag,
                "email": f"guest{i}.{tag}@example.com",
            }
            booking = appointment_booking(
                svc, day, f"{hour}:00", f"{hour}:45", resource, contactDetails=contact
            )
            booking["bookedEntity"]["slot"]["timezone"] = "Europe/Berlin"
            new = (await _ok(await c.post(API, json={"booking": booking})))["booking"]
            marked = await _ok(
                await c.post(
                    f"{API}/{new['id']}/mark_booking_as_pending",
                    json={
                        "revision": new["revision"],
                        "flowControlSettings": {"skipPendingApprovalServiceValidation": True},
                    },
                )
            )
            made.append(marked["booking"])
        return made


async def status_of(live: LiveSite, booking_id: str) -> str:
    async with httpx.AsyncClient(base_url=live.base_url, headers=live.admin) as c:
        body = await _ok(
            await c.post(
                "/_api/bookings-reader/v2/extended-bookings/query",
                json={"query": {"filter": {"id": booking_id}}},
            )
        )
    return str(body["extendedBookings"][0]["booking"]["status"])


async def sign_in(page: Page, live: LiveSite, to: str) -> None:
    """Through the sign-in form, with the admin key."""
    await page.goto(f"{live.base_url}/dashboard/login?next={to}")
    await page.get_by_label("Admin API key").fill(live.admin_key)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"**{to}")


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where the screenshots go."""
    where = Path(os.environ.get("BOOKINGS_SCREENSHOT_DIR") or tmp_path)
    where.mkdir(parents=True, exist_ok=True)
    return where


@pytest.fixture
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    ctx = await new_context(browser, viewport={"width": 1280, "height": 900})
    try:
        yield ctx
    finally:
        await ctx.close()


async def test_confirm_a_pending_request_with_the_keyboard_only(
    context: BrowserContext, live_site: LiveSite
) -> None:
    (booking,) = await seed_pending(live_site, 1)
    page = await context.new_page()
    await sign_in(page, live_site, "/dashboard/pending")
    row = page.locator(f"#pending-{booking['id']}")
    await expect(row).to_be_visible()
    target = f"/dashboard/bookings/{booking['id']}/confirm"
    # Tab through the page until the row's Confirm button has the focus, then press Enter.
    for _ in range(200):
        await page.keyboard.press("Tab")
        focused = await page.evaluate(
            "document.activeElement && document.activeElement.form"
            " ? document.activeElement.form.getAttribute('action') : ''"
        )
        if focused == target:
            break
    else:
        pytest.fail("the Confirm button was never reached with Tab")
    await page.keyboard.press("Enter")
    await expect(row.get_by_role("status")).to_contain_text("Confirmed.")
    # The focus stays on the row (its outcome), so Tab goes on from there.
    await expect(row.locator("p.notice")).to_be_focused()
    assert await status_of(live_site, booking["id"]) == "CONFIRMED"


async def test_two_tabs_confirm_the_same_booking(
    context: BrowserContext, live_site: LiveSite
) -> None:
    (booking,) = await seed_pending(live_site, 1)
    first = await context.new_page()
    await sign_in(first, live_site, "/dashboard/pending")
    second = await context.new_page()
    await second.goto(f"{live_site.base_url}/dashboard/pending")
    name = f"Confirm Guest0 {booking['contactDetails']['lastName']}"
    await first.locator(f"#pending-{booking['id']}").get_by_role("button", name=name).click()
    await expect(first.locator(f"#pending-{booking['id']}")).to_contain_text("Confirmed.")
    await second.locator(f"#pending-{booking['id']}").get_by_role("button", name=name).click()
    await expect(second.locator(f"#pending-{booking['id']}")).to_contain_text(STALE)
    assert await status_of(live_site, booking["id"]) == "CONFIRMED"


@pytest.mark.parametrize("width", [1280, 375])
async def test_lists_pass_axe_and_fit(
    browser: Browser, live_site: LiveSite, width: int, shots: Path
) -> None:
    await seed_pending(live_site, 3)
    ctx = await new_context(browser, viewport={"width": width, "height": 900})
    try:
        page = await ctx.new_page()
        await sign_in(page, live_site, "/dashboard/bookings")
        for name, path in [
            ("bookings", "/dashboard/bookings?tab=all"),
            ("pending", "/dashboard/pending"),
            ("api-keys", "/dashboard/api-keys"),
            ("settings", "/dashboard/settings"),
            ("webhooks", "/dashboard/webhooks"),
        ]:
            res = await page.goto(live_site.base_url + path)
            assert res is not None and res.status == 200, path
            assert await page.locator("h1").count() == 1
            assert await blocking_axe_findings(page) == [], path
            assert await fits_width(page), f"{path} scrolls sideways at {width} px"
            await page.screenshot(
                path=str(shots / f"dashboard-{name}-{width}.png"), full_page=width < 1000
            )
        # The list is usable at this width: a row's link opens the booking page.
        await page.goto(live_site.base_url + "/dashboard/bookings?tab=pending")
        await page.locator("#bookings tbody tr a").first.click()
        await expect(page.locator("#status")).to_have_text("Pending approval")
        assert await fits_width(page)
        assert await blocking_axe_findings(page) == []
        await page.screenshot(
            path=str(shots / f"dashboard-booking-{width}.png"), full_page=width < 1000
        )
    finally:
        await ctx.close()


async def test_the_dashboard_cannot_be_framed(context: BrowserContext, live_site: LiveSite) -> None:
    page = await context.new_page()
    await sign_in(page, live_site, "/dashboard/bookings")
    for path in (
        "/dashboard/bookings",
        "/dashboard/pending",
        "/dashboard/api-keys",
        "/dashboard/settings",
        "/dashboard/webhooks",
    ):
        res = await page.goto(live_site.base_url + path)
        assert res is not None
        headers = await res.all_headers()
        assert headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
    # A page of another origin that frames the dashboard shows nothing of it.
    framer = await context.new_page()
    await framer.route(
        "http://framer.test/",
        lambda route: route.fulfill(
            content_type="text/html",
            body=f'<iframe id="f" src="{live_site.base_url}/dashboard/bookings"></iframe>',
        ),
    )
    await framer.goto("http://framer.test/")
    await framer.wait_for_timeout(500)
    # Chromium shows its own error page in the frame ("refused to connect"), not ours.
    frame = framer.frame_locator("#f")
    assert await frame.locator("a.brand, form, table").count() == 0
    assert "Bookings dashboard" not in await frame.locator("body").inner_text()
    framed = next(f for f in framer.frames if f != framer.main_frame)
    assert not framed.url.startswith(live_site.base_url)


async def test_a_refused_webhook_url_is_said_next_to_the_field(
    browser: Browser, live_site: LiveSite, shots: Path
) -> None:
    """The live server does not allow private receivers: the SSRF check's refusal is said
    next to the URL, the field is marked invalid and described by it, and the page still
    passes axe and fits 375 px."""
    ctx = await new_context(browser, viewport={"width": 375, "height": 900})
    try:
        page = await ctx.new_page()
        await sign_in(page, live_site, "/dashboard/webhooks")
        await page.get_by_label("URL").fill("http://127.0.0.1:9/hook")
        await page.get_by_label("wix.bookings.v2.booking_created").check()
        await page.get_by_role("button", name="Create webhook").click()
        error = page.locator("#e-url")
        await expect(error).to_contain_text("private or loopback")
        url = page.get_by_label("URL")
        await expect(url).to_have_attribute("aria-invalid", "true")
        await expect(url).to_have_attribute("aria-describedby", "e-url")
        await expect(url).to_have_value("http://127.0.0.1:9/hook")
        await expect(page.get_by_label("wix.bookings.v2.booking_created")).to_be_checked()
        assert await page.locator("#webhooks tr[data-webhook-id]").count() == 0
        assert await blocking_axe_findings(page) == []
        assert await fits_width(page)
        await page.screenshot(path=str(shots / "dashboard-webhooks-error-375.png"), full_page=True)
    finally:
        await ctx.close()
