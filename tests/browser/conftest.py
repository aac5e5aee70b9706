"""Browser tests (issue 16): Python Playwright driving Debian's ``chromium`` package, never a
downloaded browser, against a real ``bookings serve`` process on a fresh SQLite file.

``chromium`` missing: the tests fail when ``BOOKINGS_TEST_REQUIRE_BROWSER=1`` (``.ci/run``
sets it, after installing the package) and are skipped elsewhere, each saying how to
install it (``apt-get install chromium``)."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from tests.serving import serving

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
INSTALL_HINT = (
    "the browser tests drive Debian's chromium package: install it with "
    "`apt-get install chromium` (Playwright downloads no browser here)"
)
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: Where the tests' screenshots go: ``$BOOKINGS_SCREENSHOT_DIR`` (``docs/screenshots`` to
#: refresh the committed ones), else a temporary folder (a test run leaves the tree clean).
SHOTS = Path(os.environ.get("BOOKINGS_SCREENSHOT_DIR") or tempfile.mkdtemp(prefix="shots-"))
SHOTS.mkdir(parents=True, exist_ok=True)
#: axe impacts that fail a page (WCAG checks of issue 16).
BLOCKING_IMPACTS = ("serious", "critical")


def chromium_path() -> str:
    """The path of Debian's chromium; fails (CI) or skips (elsewhere) when it is missing."""
    for candidate in (os.environ.get("BOOKINGS_TEST_CHROMIUM"), *CHROMIUM_CANDIDATES):
        if candidate and Path(candidate).exists():
            return candidate
    found = shutil.which("chromium")
    if found:
        return found
    if os.environ.get("BOOKINGS_TEST_REQUIRE_BROWSER") == "1":
        pytest.fail(INSTALL_HINT)
    pytest.skip(INSTALL_HINT)


@dataclass(frozen=True)
class LiveSite:
    """A real server with one empty site and its admin key."""

    base_url: str
    site_id: str
    admin_key: str
    data_dir: Path

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": self.admin_key}


@pytest.fixture(scope="session")
def live_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSite]:
    data_dir = tmp_path_factory.mktemp("browser-data")
    site_id, key = str(uuid.uuid4()), f"adm_{uuid.uuid4().hex}"
    env = {
        "BOOKINGS_DATA_DIR": str(data_dir),
        "BOOKINGS_DATABASE_URL": f"sqlite+aiosqlite:///{data_dir / 'bookings.sqlite3'}",
        "BOOKINGS_DEMO": "0",
        "BOOKINGS_SITE_ID": site_id,
        "BOOKINGS_ADMIN_API_KEY": key,
        "BOOKINGS_SITE_TIME_ZONE": "Europe/Berlin",
        "BOOKINGS_LOG_JSON": "0",
        "BOOKINGS_PAYMENT_PROVIDER": "fake",
    }
    with serving(env, log=data_dir / "server.log") as (base, _proc):
        os.environ.setdefault("BOOKINGS_TEST_BASE_URL", base)
        yield LiveSite(base, site_id, key, data_dir)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    path = chromium_path()
    async with async_playwright() as pw:
        launched = await pw.chromium.launch(executable_path=path, args=LAUNCH_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


async def new_context(browser: Browser, **options: Any) -> BrowserContext:
    """A browser context (its own cookies, zone, locale, viewport): 375 px wide unless told."""
    options.setdefault("viewport", {"width": 375, "height": 740})
    # British English: a 24-hour clock, as the tests read times (en-US: see the locale tests).
    options.setdefault("locale", "en-GB")
    return await browser.new_context(**options)


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await new_context(browser)
    try:
        yield await context.new_page()
    finally:
        await context.close()


async def blocking_axe_findings(page: Page) -> list[str]:
    """The serious and critical axe-core findings of the page as it is now."""
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']}"
        for v in results.response["violations"]
        if v.get("impact") in BLOCKING_IMPACTS
    ]


async def fits_width(page: Page) -> bool:
    """Nothing scrolls sideways."""
    width = await page.evaluate("document.documentElement.scrollWidth")
    inner = await page.evaluate("window.innerWidth")
    return bool(width <= inner)
