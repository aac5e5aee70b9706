"""The dashboard calendar and attendance in Debian's chromium (issue 16, notes §4.2 checks
5, 6, 9): the DST week of 2026-10-25 in Europe/Berlin (a 25-hour Sunday, a booking across
the change shown once, overlapping bookings side by side), attendance marked with the
keyboard only, no serious or critical axe findings at 1280 and 768 px, and screenshots.

The data is made over HTTP against the live server with its admin key; the browser signs in
through the login form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from playwright.async_api import Browser, Page

from tests.browser.conftest import SHOTS, LiveSite, blocking_axe_findings, new_context

pytestmark = pytest.mark.slow

SKIP = {"flowControlSettings": {"skipAvailabilityValidation": True}}


class Api:
    def __init__(self, site: LiveSite) -> None:
        self.site = site

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        res = httpx.post(self.site.base_url + path, json=body, headers=self.site.admin)
        assert res.status_code == 200, res.text
        found: dict[str, Any] = res.json()
        return found

    def staff(self, name: str) -> str:
        found = self.post("/bookings/v1/staff-members", {"staffMember": {"name": name}})
        return str(found["staffMember"]["resourceId"])

    def massage(self, staff_ids: list[str]) -> dict[str, Any]:
        svc = {
            "type": "APPOINTMENT",
            "name": "Massage",
            "defaultCapacity": 1,
            "onlineBooking": {"enabled": True},
            "payment": {"rateType": "NO_FEE", "options": {"inPerson": True}},
            "schedule": {"availabilityConstraints": {"sessionDurations": [60]}},
            "staffMemberIds": staff_ids,
            "locations": [{"type": "CUSTOM", "custom": {"address": {"addressLine": "1 Main"}}}],
        }
        found: dict[str, Any] = self.post("/_api/bookings/v2/services", {"service": svc})["service"]
        return found

    def book(
        self, svc: dict[str, Any], staff: str, start: str, end: str, who: str, zone: str
    ) -> dict[str, Any]:
        slot = {
            "serviceId": svc["id"],
            "scheduleId": svc["schedule"]["id"],
            "startDate": start,
            "endDate": end,
            "timezone": zone,
            "resource": {"id": staff},
            "location": {"locationType": "OWNER_CUSTOM"},
        }
        booking = {
            "bookedEntity": {"slot": slot},
            "contactDetails": {"firstName": who, "lastName": "Test"},
            "totalParticipants": 1,
        }
        found: dict[str, Any] = self.post(
            "/_api/bookings-service/v2/bookings", {"booking": booking, **SKIP}
        )["booking"]
        return found


@pytest.fixture(scope="module")
def week(live_site: LiveSite) -> dict[str, Any]:
    api = Api(live_site)
    ana, bo = api.staff("Ana"), api.staff("Bo")
    svc = api.massage([ana, bo])
    made = {
        # 01:30 CEST to 02:30 CET on the Sunday clocks go back: two real hours.
        "across": api.book(svc, ana, "2026-10-24T23:30:00", "2026-10-25T01:30:00", "Across", "UTC"),
        "sunday": api.book(
            svc, bo, "2026-10-25T10:00:00", "2026-10-25T11:00:00", "Sunny", "Europe/Berlin"
        ),
        "one": api.book(
            svc, ana, "2026-10-21T10:00:00", "2026-10-21T11:00:00", "Olga", "Europe/Berlin"
        ),
        "two": api.book(
            svc, ana, "2026-10-21T10:30:00", "2026-10-21T11:30:00", "Tom", "Europe/Berlin"
        ),
    }
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date()
    made["past"] = api.book(
        svc, bo, f"{yesterday}T10:00:00", f"{yesterday}T11:00:00", "Petra", "Europe/Berlin"
    )
    made["ana"], made["bo"], made["day"] = ana, bo, yesterday
    return made


async def sign_in(page: Page, site: LiveSite, to: str) -> None:
    await page.goto(f"{site.base_url}/dashboard/login?next={quote(to, safe='')}")
    await page.get_by_label("Admin API key").fill(site.admin_key)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"**{to.split('?')[0]}*")


async def test_the_dst_week(browser: Browser, live_site: LiveSite, week: dict[str, Any]) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = await new_context(browser, viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    try:
        await sign_in(page, live_site, "/dashboard/calendar?view=week&date=2026-10-25")
        columns = page.locator("section.cal-col")
        assert await columns.count() == 7
        sunday = columns.nth(6)
        assert "25-hour day" in await sunday.locator(".cal-head").inner_text()
        assert await page.get_by_test_id("dst-note").count() == 1
        # Each booking once; the one across the change on Sunday only.
        items = page.locator("li.cal-item")
        assert await items.count() == 4
        across = page.locator(f"li[data-booking='{week['across']['id']}']")
        assert await across.count() == 1
        assert "01:30\N{EN DASH}02:30" in await across.inner_text()
        assert await sunday.locator(f"li[data-booking='{week['across']['id']}']").count() == 1
        # Two real hours tall: 8 quarter-hour rows of 1rem.
        box = await across.bounding_box()
        assert box is not None and 120 <= box["height"] <= 130
        # The repeated hour's rows are labelled twice on the axis.
        axis = await page.locator(".cal-axis").inner_text()
        assert "02:00 (1st)" in axis and "02:00 (2nd)" in axis
        # Overlapping bookings side by side on Wednesday.
        one = await page.locator(f"li[data-booking='{week['one']['id']}']").bounding_box()
        two = await page.locator(f"li[data-booking='{week['two']['id']}']").bounding_box()
        assert one and two and two["x"] >= one["x"] + one["width"] - 2 and two["y"] > one["y"]
        assert await blocking_axe_findings(page) == []
        await page.screenshot(path=str(SHOTS / "dashboard-calendar-week-1280.png"), full_page=True)
        # The view as a list: same range.
        link = page.get_by_role("link", name="View as list")
        assert (
            await link.get_attribute("href") == "/dashboard/bookings?from=2026-10-19&to=2026-10-25"
        )
        # Day view: a column per staff member; keyboard navigation to the next day.
        await page.goto(f"{live_site.base_url}/dashboard/calendar?view=day&date=2026-10-24")
        await page.get_by_role("link", name="Next day").focus()
        await page.keyboard.press("Enter")
        await page.wait_for_url("**date=2026-10-25*")
        heads = await page.locator("section.cal-col h2").all_inner_texts()
        assert {"Ana", "Bo"} <= set(heads)  # (the site may have other staff: other tests)
        await page.screenshot(path=str(SHOTS / "dashboard-calendar-day-1280.png"), full_page=True)
        await page.set_viewport_size({"width": 768, "height": 900})
        assert await blocking_axe_findings(page) == []
        await page.goto(f"{live_site.base_url}/dashboard/calendar?view=week&date=2026-10-25")
        assert await blocking_axe_findings(page) == []
        await page.set_viewport_size({"width": 375, "height": 740})
        await page.screenshot(path=str(SHOTS / "dashboard-calendar-week-375.png"), full_page=True)
    finally:
        await context.close()


async def test_attendance_by_keyboard(
    browser: Browser, live_site: LiveSite, week: dict[str, Any]
) -> None:
    context = await new_context(browser, viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    try:
        await sign_in(page, live_site, f"/dashboard/attendance?date={week['day']}")
        assert await blocking_axe_findings(page) == []
        await page.screenshot(path=str(SHOTS / "dashboard-attendance-1280.png"), full_page=True)
        target = "Petra Test: attended"
        for _ in range(80):
            await page.keyboard.press("Tab")
            name = await page.evaluate("document.activeElement.getAttribute('aria-label')")
            if name == target:
                break
        else:
            pytest.fail("the Attended button is not reachable with Tab")
        await page.keyboard.press("Enter")
        await page.wait_for_url("**saved=1*")
        row = page.locator(f"tr[data-booking='{week['past']['id']}'] td.att-status")
        assert await row.inner_text() == "Attended"
        await page.set_viewport_size({"width": 768, "height": 900})
        assert await blocking_axe_findings(page) == []
        await page.set_viewport_size({"width": 375, "height": 740})
        await page.screenshot(path=str(SHOTS / "dashboard-attendance-375.png"), full_page=True)
    finally:
        await context.close()
    found = Api(live_site).post(
        "/bookings/bookings-attendance/query",
        {"query": {"filter": {"bookingId": week["past"]["id"]}}},
    )
    assert [a["status"] for a in found["attendances"]] == ["ATTENDED"]


async def test_catalog_pages_pass_axe(
    browser: Browser, live_site: LiveSite, week: dict[str, Any]
) -> None:
    context = await new_context(browser, viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    try:
        await sign_in(page, live_site, "/dashboard/services")
        for path, shot in (
            ("/dashboard/services", "dashboard-services"),
            ("/dashboard/staff", "dashboard-staff"),
            ("/dashboard/policies", "dashboard-policies"),
        ):
            await page.set_viewport_size({"width": 1280, "height": 900})
            await page.goto(live_site.base_url + path)
            assert await blocking_axe_findings(page) == [], path
            await page.locator("a", has_text="Edit").first.click()
            assert await blocking_axe_findings(page) == [], path + " edit"
            await page.screenshot(path=str(SHOTS / f"{shot}-edit-1280.png"), full_page=True)
            await page.set_viewport_size({"width": 768, "height": 900})
            assert await blocking_axe_findings(page) == [], path + " edit at 768 px"
            await page.set_viewport_size({"width": 375, "height": 740})
            await page.screenshot(path=str(SHOTS / f"{shot}-edit-375.png"), full_page=True)
    finally:
        await context.close()


async def test_eventcalendar_enhances_a_week_without_dst_change(
    browser: Browser, live_site: LiveSite, week: dict[str, Any]
) -> None:
    context = await new_context(browser, viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    blocked: list[str] = []
    page.on(
        "console",
        lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
    )
    try:
        await sign_in(page, live_site, "/dashboard/calendar?view=day&date=2026-10-21")
        await page.locator(".ec-mount .ec-event").first.wait_for()
        assert await page.locator(".cal-scroll").is_hidden()
        texts = await page.locator(".ec-mount .ec-event").all_inner_texts()
        assert len(texts) == 2 and any("Olga" in t for t in texts)
        heads = await page.locator(".ec-mount").inner_text()
        assert "Ana" in heads and "Bo" in heads
        assert blocked == []
        await page.screenshot(
            path=str(SHOTS / "dashboard-calendar-eventcalendar-1280.png"), full_page=True
        )
        findings = await blocking_axe_findings(page)
        # The plain grid is one keypress away.
        await page.get_by_role("button", name="Show the plain grid").focus()
        await page.keyboard.press("Enter")
        assert await page.locator(".cal-scroll").is_visible()
        assert findings == []
        # The DST week keeps the exact server grid.
        await page.goto(f"{live_site.base_url}/dashboard/calendar?view=week&date=2026-10-25")
        await page.wait_for_load_state("networkidle")
        assert await page.locator(".ec-mount").count() == 0
        assert await page.locator(".cal-scroll").is_visible()
        assert blocked == []
    finally:
        await context.close()
