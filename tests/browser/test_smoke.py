"""The browser harness works: Debian's chromium opens the landing page of a real server."""

from __future__ import annotations

import pytest
from playwright.async_api import Page

from tests.browser.conftest import LiveSite, blocking_axe_findings, fits_width

pytestmark = pytest.mark.slow


async def test_the_landing_page_in_chromium(page: Page, live_site: LiveSite) -> None:
    await page.goto(live_site.base_url + "/")
    assert await page.title() == "Bookings server"
    assert await page.get_by_role("link", name="Dashboard").count() == 1
    assert await fits_width(page)
    assert await blocking_axe_findings(page) == []
    await page.set_viewport_size({"width": 320, "height": 640})
    assert await fits_width(page)
