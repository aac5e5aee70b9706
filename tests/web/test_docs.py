"""``/docs`` is Swagger UI served from this server's own files (no CDN), and the vendored
files are the ones ``static/VENDOR.md`` lists (same sha256)."""

from __future__ import annotations

import hashlib
import re

import httpx
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from bookings.web.templating import STATIC_DIR

VENDOR_ROW = re.compile(r"^\| `(vendor/[^`]+)` .*\| ([0-9a-f]{64}) \|$", re.MULTILINE)


async def test_docs_load_swagger_ui_from_this_server(client: httpx.AsyncClient) -> None:
    res = await client.get("/docs")
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/html")
    page = HTMLParser(res.text)
    sources = [s.attributes.get("src") for s in page.css("script[src]")]
    sources += [link.attributes.get("href") for link in page.css("link[href]")]
    assert len(sources) == 3
    for source in sources:
        assert str(source).startswith("/static/vendor/swagger-ui-"), source
        fetched = await client.get(str(source))
        assert fetched.status_code == 200
        assert fetched.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "cdn" not in res.text.lower() and "https://" not in res.text
    csp = res.headers["content-security-policy"]
    assert "connect-src 'self'" in csp and "default-src 'self'" in csp
    assert "'sha256-" in csp and "unsafe-eval" not in csp
    assert "/openapi.json" in res.text


def test_vendored_files_match_vendor_md() -> None:
    rows = VENDOR_ROW.findall((STATIC_DIR / "VENDOR.md").read_text())
    names = {name for name, _ in rows}
    assert "vendor/swagger-ui-5.35.0/swagger-ui-bundle.js" in names
    for name, digest in rows:
        assert hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest() == digest, name
    text = (STATIC_DIR / "VENDOR.md").read_text()
    for path in (STATIC_DIR / "vendor").rglob("*"):
        if path.is_file():  # every vendored file is accounted for
            assert path.name in text, path
