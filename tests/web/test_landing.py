"""The landing page and the static files (no browser: HTML checked with selectolax)."""

from __future__ import annotations

import httpx
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from bookings.web.templating import static_url
from tests.conftest import SiteKeys


async def test_the_landing_page_links_where_to_go(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    res = await client.get("/")
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/html")
    assert "frame-ancestors 'none'" in res.headers["content-security-policy"]
    assert res.headers["x-frame-options"] == "DENY"
    page = HTMLParser(res.text)
    links = {a.attributes.get("href") for a in page.css("a")}
    assert {"/dashboard", "/docs", "/openapi.json", "/healthz"} <= links
    assert any(str(href).startswith("/book/") for href in links)


async def test_static_files_are_cached_by_content(client: httpx.AsyncClient) -> None:
    url = static_url("site.css")
    assert url.startswith("/static/site.css?v=")
    res = await client.get(url)
    assert res.status_code == 200 and "text/css" in res.headers["content-type"]
    assert res.headers["cache-control"] == "public, max-age=31536000, immutable"
    htmx = await client.get(static_url("vendor/htmx-2.0.11.min.js"))
    assert htmx.status_code == 200 and "javascript" in htmx.headers["content-type"]
    assert (await client.get("/static/nope.css")).status_code == 404
