"""``/docs`` in a real browser: Swagger UI renders the operations from this server's own
files, and every request the page makes goes to the server's own origin."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.async_api import Page

from tests.browser.conftest import LiveSite

pytestmark = pytest.mark.slow


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


async def test_docs_render_offline(page: Page, live_site: LiveSite) -> None:
    requested: list[str] = []
    console: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    await page.set_viewport_size({"width": 1280, "height": 900})

    await page.goto(live_site.base_url + "/docs")
    token = page.locator(".opblock-summary-path", has_text="/oauth2/token")
    await token.first.wait_for(timeout=15_000)
    await page.wait_for_load_state("networkidle")
    assert await page.get_by_role("heading", name="Bookings server").count() == 1
    # Swagger UI renders the tags as they scroll into view: the last one is there too.
    await page.keyboard.press("End")
    healthz = page.locator(".opblock-summary-path", has_text="/healthz")
    await healthz.first.wait_for(timeout=15_000)
    await page.wait_for_load_state("networkidle")

    own = origin(live_site.base_url)
    assert requested, "the page made no request at all?"
    assert [url for url in requested if origin(url) != own] == []
    assert live_site.base_url + "/openapi.json" in requested
    assert not [line for line in console if "Content Security Policy" in line], console
