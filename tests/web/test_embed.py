"""Embedding (issue 16): who may frame the customer pages, and how embed.js is served."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from bookings.web.framing import frame_ancestors_for, origin_of
from bookings.web.templating import static_url


@dataclass
class FakeSite:
    settings: dict[str, Any] = field(default_factory=dict)


@pytest.mark.parametrize(
    ("entry", "origin"),
    [
        ("https://studio.example", "https://studio.example"),
        ("https://Studio.Example/", "https://studio.example"),
        ("http://localhost:8123", "http://localhost:8123"),
        ("http://127.0.0.1:5000", "http://127.0.0.1:5000"),
        ("http://[::1]:8080", "http://[::1]:8080"),
        ("studio.example", None),
        ("ftp://studio.example", None),
        ("https://studio.example/book", None),
        ("https://studio.example?x=1", None),
        ("https://user@studio.example", None),
        ("https://*.studio.example", None),
        ("https://studio.example; script-src *", None),
        ("https://studio.example 'unsafe-inline'", None),
        ("https://studio.example:99999", None),
        ("https://", None),
        ("", None),
        (None, None),
        (["https://studio.example"], None),
    ],
)
def test_only_bare_origins_are_taken(entry: object, origin: str | None) -> None:
    assert origin_of(entry) == origin


def test_frame_ancestors_for_a_site() -> None:
    assert frame_ancestors_for(FakeSite()) == "'self'"
    assert frame_ancestors_for(FakeSite({"allowedEmbedHosts": "https://a.example"})) == "'self'"
    hosts = ["https://a.example", "nope", "https://a.example/", "http://b.example:81"]
    got = frame_ancestors_for(FakeSite({"allowedEmbedHosts": hosts}))
    assert got == "'self' https://a.example http://b.example:81"


async def test_embed_js_is_served_for_other_sites(client: httpx.AsyncClient) -> None:
    res = await client.get("/static/embed.js")
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("text/javascript")
    assert res.headers["access-control-allow-origin"] == "*"
    assert res.headers["cross-origin-resource-policy"] == "cross-origin"
    assert res.headers["cache-control"] == "public, max-age=3600"  # a fixed address
    assert "bookings-embed" in res.text and "bookings:height" in res.text
    hashed = await client.get(static_url("embed.js"))
    assert hashed.headers["cache-control"] == "public, max-age=31536000, immutable"
    child = await client.get(static_url("embed-child.js"))
    assert child.status_code == 200 and "postMessage" in child.text
    assert "access-control-allow-origin" not in child.headers
