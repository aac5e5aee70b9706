"""Signing in to the dashboard (an admin API key, or a dashboard user), the session cookie,
CSRF on every POST, and no framing (issue 16, notes §4.2 check 8)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from bookings.identity import service as identity
from bookings.platform.routing import Services
from bookings.web.dashboard.session import COOKIE, _serializer
from tests.conftest import SiteKeys


def fresh(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """A client of the same app with no cookies."""
    return httpx.AsyncClient(transport=client._transport, base_url="http://testserver")


async def sign_in(client: httpx.AsyncClient, **fields: str) -> httpx.Response:
    return await client.post("/dashboard/login", data=fields)


def session_body(services: Services, client: httpx.AsyncClient) -> dict[str, Any]:
    raw = client.cookies.get(COOKIE, path="/dashboard")
    assert raw
    body: dict[str, Any] = _serializer(services).loads(raw)
    return body


async def test_signed_out_pages_go_to_sign_in(client: httpx.AsyncClient) -> None:
    async with fresh(client) as c:
        res = await c.get("/dashboard?tab=PENDING")
        assert res.status_code == 303
        assert res.headers["location"] == "/dashboard/login?next=%2Fdashboard%3Ftab%3DPENDING"
        login = await c.get("/dashboard/login")
        assert login.status_code == 200 and login.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in login.headers["content-security-policy"]


async def test_an_admin_key_signs_in_and_out(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    async with fresh(client) as c:
        res = await sign_in(c, api_key=site.admin_key, next="/dashboard/pending")
        assert res.status_code == 303 and res.headers["location"] == "/dashboard/pending"
        cookie = res.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/dashboard" in cookie
        body = session_body(services, c)
        assert body["site"] == site.site_id and body["kind"] == "key"
        home = await c.get("/dashboard")
        assert home.status_code == 303 and home.headers["location"] == "/dashboard/bookings"
        # A POST without the session's CSRF token is refused; with it, it works.
        assert (await c.post("/dashboard/logout", data={})).status_code == 403
        bye = await c.post("/dashboard/logout", data={"csrf": body["csrf"]})
        assert bye.status_code == 303 and bye.headers["location"] == "/dashboard/login"
        assert (await c.get("/dashboard")).headers["location"].startswith("/dashboard/login")


async def test_what_does_not_sign_in(client: httpx.AsyncClient, site: SiteKeys) -> None:
    async with fresh(client) as c:
        assert (await sign_in(c, api_key="adm_nope")).status_code == 401
        # An APP key is not the business.
        assert (await sign_in(c, api_key=site.app_key)).status_code == 401
        assert (await sign_in(c)).status_code == 401
        # No open redirect.
        res = await sign_in(c, api_key=site.admin_key, next="https://evil.example/")
        assert res.headers["location"] == "/dashboard"


async def test_a_revoked_key_ends_its_sessions(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    async with fresh(client) as c:
        await sign_in(c, api_key=site.admin_key)
        assert (await c.get("/dashboard")).headers["location"] == "/dashboard/bookings"
        await identity.revoke_api_key(services.db, site.admin_key)
        assert (await c.get("/dashboard")).headers["location"].startswith("/dashboard/login")


async def test_a_dashboard_user_signs_in_with_a_password(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    email = f"owner-{site.site_id[:8]}@example.com"
    user = await identity.create_dashboard_user(services.db, site.site_id, email, "correct horse")
    async with fresh(client) as c:
        assert (await sign_in(c, email=email, password="wrong horse!")).status_code == 401
        res = await sign_in(c, email=email.upper(), password="correct horse")
        assert res.status_code == 303
        body = session_body(services, c)
        assert (body["site"], body["sub"], body["kind"]) == (site.site_id, user.id, "user")
    with pytest.raises(Exception, match="already has a dashboard user"):
        await identity.create_dashboard_user(services.db, site.site_id, email, "another one!")
    with pytest.raises(Exception, match="at least 10"):
        await identity.create_dashboard_user(services.db, site.site_id, "x@example.com", "short")
