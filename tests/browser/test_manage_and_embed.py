"""The manage page and the embed in chromium (issue 16; web-ui.md §4.1 checks 10 and 12).

Data is made over HTTP against the live server as its ADMIN. The embed runs on a second
origin: a host page served by a second local HTTP server on ``http://localhost:P2`` includes
``embed.js`` from ``http://127.0.0.1:P1`` (another site, so cookies would be third-party).

Screenshots go to ``$BOOKINGS_SCREENSHOT_DIR`` when it is set (``docs/screenshots/`` was made
that way), else to the test's temporary directory."""

from __future__ import annotations

import functools
import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page

from tests.browser.conftest import LiveSite, blocking_axe_findings, fits_width
from tests.browser.conftest import new_context as browser_context

pytestmark = pytest.mark.slow

BERLIN = "Europe/Berlin"


async def new_context(browser: Browser, **options: Any) -> BrowserContext:
    """A context whose browser asks for British English (``Accept-Language: en-GB``): English
    on a 24-hour clock, weeks from Monday, as these tests read the times (``en-US`` shows
    ``3:00 AM``: see the locale tests)."""
    options.setdefault("locale", "en-GB")
    return await browser_context(browser, **options)


def next_monday(weeks: int = 2) -> date:
    today = datetime.now(UTC).date()
    return today + timedelta(days=(7 - today.weekday()) % 7 + 7 * weeks)


def ok(res: httpx.Response) -> dict[str, Any]:
    assert res.status_code == 200, res.text
    body: dict[str, Any] = res.json()
    return body


@dataclass(frozen=True)
class Made:
    booking: dict[str, Any]
    token: str
    url: str
    path: str


def make_booking(live: LiveSite, name: str) -> Made:
    """A massage (60 min + 15 between, Berlin hours) under a free policy, booked CONFIRMED at
    10:15 Berlin two Mondays ahead, and its manage address."""
    with httpx.Client(base_url=live.base_url, headers=live.admin, timeout=30) as http:
        staff = ok(http.post("/bookings/v1/staff-members", json={"staffMember": {"name": name}}))
        policy = {
            "name": f"Free {name}",
            "cancellationPolicy": {"enabled": True, "limitLatestCancellation": False},
            "reschedulePolicy": {"enabled": True, "limitLatestReschedule": False},
        }
        pid = ok(http.post("/bookings/v1/booking-policies", json={"bookingPolicy": policy}))
        service = {
            "type": "APPOINTMENT",
            "name": f"Massage {name}",
            "defaultCapacity": 1,
            "onlineBooking": {"enabled": True},
            "payment": {"rateType": "NO_FEE", "options": {"inPerson": True}},
            "schedule": {
                "availabilityConstraints": {"sessionDurations": [60], "timeBetweenSessions": 15}
            },
            "staffMemberIds": [staff["staffMember"]["resourceId"]],
            "bookingPolicy": {"id": pid["bookingPolicy"]["id"]},
        }
        svc = ok(http.post("/_api/bookings/v2/services", json={"service": service}))["service"]
        day = next_monday()
        booking = {
            "bookedEntity": {
                "slot": {
                    "serviceId": svc["id"],
                    "scheduleId": svc["schedule"]["id"],
                    "startDate": f"{day}T10:15:00",
                    "endDate": f"{day}T11:15:00",
                    "timezone": BERLIN,
                }
            },
            "contactDetails": {"firstName": "Kim", "email": "kim@example.com"},
            "totalParticipants": 1,
            "status": "CONFIRMED",
        }
        made = ok(http.post("/bookings/v2/bookings", json={"booking": booking}))["booking"]
        token = ok(http.get(f"/v1/anonymous-bookings/{made['id']}/token"))["token"]
    path = f"/book/{live.site_id}/manage/{token}"
    return Made(made, token, live.base_url + path, path)


def booking_now(live: LiveSite, token: str) -> dict[str, Any]:
    got = ok(httpx.get(f"{live.base_url}/v1/anonymous-bookings/{token}", timeout=30))
    return dict(got["booking"])


def set_embed_hosts(live: LiveSite, hosts: list[str]) -> None:
    """The site setting ``allowedEmbedHosts``, written in the server's SQLite file."""
    with sqlite3.connect(live.data_dir / "bookings.sqlite3") as db:
        (raw,) = db.execute(
            "SELECT settings FROM sites WHERE site_id = ?", (live.site_id,)
        ).fetchone()
        settings = {**json.loads(raw or "{}"), "allowedEmbedHosts": hosts}
        db.execute(
            "UPDATE sites SET settings = ? WHERE site_id = ?",
            (json.dumps(settings), live.site_id),
        )


def shots(tmp_path: Path) -> Path:
    where = Path(os.environ.get("BOOKINGS_SCREENSHOT_DIR") or tmp_path)
    where.mkdir(parents=True, exist_ok=True)
    return where


async def tab_to(page: Page, text: str, limit: int = 80) -> None:
    """Press Tab until the focused element's text contains ``text``."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        focused = await page.evaluate(
            "() => (document.activeElement && document.activeElement.textContent || '').trim()"
        )
        if text in focused:
            return
    raise AssertionError(f"no focusable element says {text!r}")


async def test_manage_by_keyboard_at_375_and_1280(
    browser: Browser, live_site: LiveSite, tmp_path: Path
) -> None:
    made = make_booking(live_site, "Kbd")
    out = shots(tmp_path)
    context = await new_context(browser, timezone_id="America/New_York")
    page = await context.new_page()
    try:
        await page.goto(made.url + "?tz=America/New_York")
        assert await page.get_by_role("heading", name="Your booking", exact=True).count() == 1
        assert "America/New_York" in await page.inner_text("main")
        assert "Business time" in await page.inner_text("main")
        assert await fits_width(page)
        assert await blocking_axe_findings(page) == []
        await page.screenshot(path=str(out / "manage-375.png"), full_page=True)
        await page.set_viewport_size({"width": 1280, "height": 800})
        assert await blocking_axe_findings(page) == []
        await page.screenshot(path=str(out / "manage-1280.png"), full_page=True)
        await page.set_viewport_size({"width": 375, "height": 740})

        # Reschedule by keyboard: the link, then the 14:00 slot (Berlin hours in New York).
        await tab_to(page, "Reschedule")
        await page.keyboard.press("Enter")
        await page.wait_for_url("**/reschedule**")
        assert "Currently:" in await page.inner_text("#currently")
        assert await fits_width(page)
        assert await blocking_axe_findings(page) == []
        await page.screenshot(path=str(out / "manage-reschedule-375.png"), full_page=True)
        await page.set_viewport_size({"width": 1280, "height": 800})
        assert await blocking_axe_findings(page) == []
        await page.screenshot(path=str(out / "manage-reschedule-1280.png"), full_page=True)
        await page.set_viewport_size({"width": 375, "height": 740})
        target = datetime.combine(next_monday(), time(14, 0), ZoneInfo(BERLIN))
        await tab_to(page, f"{target.astimezone(ZoneInfo('America/New_York')):%H:%M}")
        await page.keyboard.press("Enter")
        await page.wait_for_url("**done=rescheduled**")
        assert "moved to the new time" in await page.inner_text("main")
        moved = booking_now(live_site, made.token)
        assert moved["startDate"] == f"{target.astimezone(UTC):%Y-%m-%dT%H:%M:%S}.000Z"

        # Cancel by keyboard.
        await tab_to(page, "Cancel booking")
        await page.keyboard.press("Enter")
        await page.wait_for_url("**done=canceled**")
        assert await page.inner_text("[data-status]") == "Canceled"
        assert await page.get_by_role("button", name="Cancel booking").count() == 0
        assert await blocking_axe_findings(page) == []
        await page.screenshot(path=str(out / "manage-canceled-375.png"), full_page=True)
        assert booking_now(live_site, made.token)["status"] == "CANCELED"
    finally:
        await context.close()


async def test_a_tampered_token_shows_nothing(browser: Browser, live_site: LiveSite) -> None:
    made = make_booking(live_site, "Bad")
    context = await new_context(browser)
    page = await context.new_page()
    try:
        res = await page.goto(made.url[:-4] + "AAAA")
        assert res is not None and res.status == 401
        text = await page.inner_text("main")
        assert "does not open a booking" in text and "Massage" not in text
        assert await blocking_axe_findings(page) == []
    finally:
        await context.close()


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def host_site(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A second HTTP server (the business's own site) on another port, reached as
    ``http://localhost:P2``; yields its origin and the folder it serves."""
    root = tmp_path / "host"
    root.mkdir()
    handler = functools.partial(Quiet, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()


def host_page(root: Path, live: LiveSite, made: Made) -> None:
    (root / "index.html").write_text(
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Studio</title><script>window.seen = [];"
        'document.addEventListener("bookings:canceled", e => window.seen.push(e.detail.name));'
        "</script></head><body><h1>Our studio</h1><p>Book with us:</p>"
        f'<script src="{live.base_url}/static/embed.js" data-site="{live.site_id}" '
        f'data-path="{made.path}" defer></script><p id="after">Below the booking.</p>'
        "</body></html>",
        encoding="utf-8",
    )


async def frame_heights(page: Page) -> tuple[float, float]:
    """The iframe's height on the host page, and the framed document's own height."""
    outer = await page.eval_on_selector(
        "iframe[data-bookings-embed]", "f => f.getBoundingClientRect().height"
    )
    inner = (
        await page.frame_locator("iframe[data-bookings-embed]")
        .locator("html")
        .evaluate("h => h.getBoundingClientRect().height")
    )
    return float(outer), float(inner)


async def test_the_embed_on_an_allowed_host(
    browser: Browser,
    live_site: LiveSite,
    host_site: tuple[str, Path],
    tmp_path: Path,
) -> None:
    origin, root = host_site
    made = make_booking(live_site, "Embed")
    host_page(root, live_site, made)
    set_embed_hosts(live_site, [origin, "not an origin"])
    context = await new_context(browser, viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    try:
        await page.goto(origin + "/index.html")
        framed = page.frame_locator("iframe[data-bookings-embed]")
        await framed.get_by_role("heading", name="Your booking", exact=True).wait_for()
        src = await page.get_attribute("iframe[data-bookings-embed]", "src")
        assert src == f"{live_site.base_url}{made.path}?embed=1"

        async def follows() -> float:
            await page.wait_for_function(
                """() => {
                    const f = document.querySelector('iframe[data-bookings-embed]');
                    const d = f.contentDocument;  // null: another origin
                    return f.style.height !== '600px';
                }"""
            )
            outer, inner = await frame_heights(page)
            assert abs(outer - inner) <= 2, (outer, inner)
            return outer

        wide = await follows()
        await page.screenshot(path=str(shots(tmp_path) / "manage-embed-1280.png"), full_page=True)
        await page.set_viewport_size({"width": 375, "height": 740})
        await page.wait_for_function(
            f"() => document.querySelector('iframe[data-bookings-embed]')"
            f".getBoundingClientRect().height > {wide + 1}"
        )
        narrow = await follows()
        assert narrow > wide  # narrower: the content is taller, and so is the frame
        await page.screenshot(path=str(shots(tmp_path) / "manage-embed-375.png"), full_page=True)
        # The booking can be managed inside the frame (no cookie needed).
        await framed.get_by_role("button", name="Cancel booking").click()
        await framed.locator("[data-status=CANCELED]").wait_for()
        assert booking_now(live_site, made.token)["status"] == "CANCELED"
        await page.wait_for_function("window.seen.includes('canceled')")  # told to the host
        frame = next(f for f in page.frames if f.url.startswith(live_site.base_url))
        assert "embed=1" in frame.url
        await follows()
    finally:
        await context.close()
        set_embed_hosts(live_site, [])


async def test_the_embed_on_a_host_not_allowed(
    browser: Browser, live_site: LiveSite, host_site: tuple[str, Path]
) -> None:
    origin, root = host_site
    made = make_booking(live_site, "Refused")
    host_page(root, live_site, made)
    set_embed_hosts(live_site, ["https://studio.example"])
    context = await new_context(browser, viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text))
    try:
        await page.goto(origin + "/index.html")
        await page.wait_for_selector("iframe[data-bookings-embed]", state="attached")
        await page.wait_for_timeout(1500)
        framed = page.frame_locator("iframe[data-bookings-embed]")
        assert await framed.get_by_role("heading", name="Your booking", exact=True).count() == 0
        frames = [f.url for f in page.frames if f != page.main_frame]
        # Chromium blocks the frame and says why in the host page's console.
        assert any("frame-ancestors" in m and "blocked" in m for m in messages), messages
        assert frames and all(not u.startswith(live_site.base_url) for u in frames), frames
        height = await page.eval_on_selector("iframe[data-bookings-embed]", "f => f.style.height")
        assert height == "600px"  # nothing inside reported a height
    finally:
        await context.close()


async def test_times_are_shown_in_the_browsers_zone(browser: Browser, live_site: LiveSite) -> None:
    made = make_booking(live_site, "Zone")
    context = await new_context(browser, timezone_id="Asia/Tokyo")
    page = await context.new_page()
    try:
        await page.goto(made.url)  # the e-mail's link names no zone
        await page.wait_for_url("**tz=Asia%2FTokyo**")
        text = await page.inner_text("main")
        assert "(Asia/Tokyo)" in text and "Business time" in text and "(Europe/Berlin)" in text
        # Choosing a zone on the page wins over the browser's, also on the next page.
        await page.select_option("#tz", "Europe/Berlin")
        await page.get_by_role("button", name="Show").click()
        await page.wait_for_url("**tz=Europe%2FBerlin**")
        await page.get_by_role("link", name="Reschedule").click()
        await page.wait_for_url("**/reschedule?tz=Europe%2FBerlin**")
        assert "(Europe/Berlin)" in await page.inner_text("#currently")
    finally:
        await context.close()
    no_js = await new_context(browser, timezone_id="Asia/Tokyo", java_script_enabled=False)
    page = await no_js.new_page()
    try:
        await page.goto(made.url)
        assert "(Europe/Berlin)" in await page.inner_text("main")
        assert "tz=" not in page.url
    finally:
        await no_js.close()


async def test_the_booking_page_embedded(
    browser: Browser, live_site: LiveSite, host_site: tuple[str, Path]
) -> None:
    """embed.js without a path frames the booking page; every step of it reports its height,
    so the frame follows the content as the visitor goes from the services to a service."""
    origin, root = host_site
    made = make_booking(live_site, "Framed")
    (root / "index.html").write_text(
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Studio</title></head>"
        f'<body><h1>Our studio</h1><script src="{live_site.base_url}/static/embed.js" '
        f'data-site="{live_site.site_id}" defer></script></body></html>',
        encoding="utf-8",
    )
    set_embed_hosts(live_site, [origin])
    context = await new_context(browser, viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    try:
        await page.goto(origin + "/index.html")
        framed = page.frame_locator("iframe[data-bookings-embed]")
        service_name = str(made.booking["bookedEntity"]["title"])
        await framed.get_by_role("link", name=service_name).first.click()
        await framed.get_by_role("heading", name=service_name).wait_for()
        await page.wait_for_function(
            "() => document.querySelector('iframe[data-bookings-embed]').style.height !== '600px'"
        )
        outer, inner = await frame_heights(page)
        assert abs(outer - inner) <= 2, (outer, inner)
    finally:
        await context.close()
        set_embed_hosts(live_site, [])
