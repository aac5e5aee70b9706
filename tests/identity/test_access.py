"""Identity and access through HTTP: keys, tokens, roles, and sites kept apart."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from bookings.app import api_methods
from bookings.identity import service as identity
from bookings.platform.routing import Services
from tests.conftest import SiteKeys
from tests.helpers import app_error
from tests.wire.echo import router as echo_router

PROPS = "/site-properties/v4/properties"


async def visitor_token(client: httpx.AsyncClient, client_id: str) -> dict[str, Any]:
    res = await client.post("/oauth2/token", json={"clientId": client_id, "grantType": "anonymous"})
    assert res.status_code == 200, res.text
    return dict(res.json())


async def test_admin_key_raw_or_bearer(client: httpx.AsyncClient, site: SiteKeys) -> None:
    for auth in (site.admin_key, f"Bearer {site.admin_key}", f"bearer  {site.admin_key} "):
        res = await client.get(PROPS, headers={"Authorization": auth})
        assert res.status_code == 200, auth
        assert res.json() == {
            "properties": {
                "siteDisplayName": "Test site",
                "businessName": "Test site",
                "timeZone": "UTC",
            }
        }


async def test_missing_or_unknown_credentials_are_401(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    app_error(await client.get(PROPS), 401, "UNAUTHENTICATED")
    app_error(await client.get(PROPS, headers={"Authorization": ""}), 401, "UNAUTHENTICATED")
    app_error(await client.get(PROPS, headers={"Authorization": "Bearer "}), 401, "UNAUTHENTICATED")
    app_error(
        await client.get(PROPS, headers={"Authorization": site.admin_key + "x"}),
        401,
        "UNAUTHENTICATED",
    )


async def test_revoked_key_stops_working(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    assert (await client.get(PROPS, headers=site.app)).status_code == 200
    await identity.revoke_api_key(services.db, site.app_key)
    app_error(await client.get(PROPS, headers=site.app), 401, "UNAUTHENTICATED")
    assert (await client.get(PROPS, headers=site.admin)).status_code == 200


async def test_site_header_must_match_the_key(
    client: httpx.AsyncClient, site: SiteKeys, other_site: SiteKeys
) -> None:
    headers = {"Authorization": site.admin_key, "wix-site-id": other_site.site_id}
    app_error(await client.get(PROPS, headers=headers), 403, "PERMISSION_DENIED")


async def test_wrong_identity_is_403(client: httpx.AsyncClient, site: SiteKeys) -> None:
    # The echo GET method is ADMIN only.
    res = await client.get("/_api/test/v1/things/t", headers=site.app)
    app_error(res, 403, "PERMISSION_DENIED")
    token = await visitor_token(client, site.client_id)
    res = await client.get(
        "/_api/test/v1/things/t", headers={"Authorization": token["access_token"]}
    )
    app_error(res, 403, "PERMISSION_DENIED")
    assert (await client.get("/_api/test/v1/things/t", headers=site.admin)).status_code == 200


async def test_visitor_token_flow(client: httpx.AsyncClient, site: SiteKeys) -> None:
    token = await visitor_token(client, site.client_id)
    assert set(token) == {"access_token", "expires_in", "refresh_token"}
    assert token["expires_in"] == 14400
    assert token["access_token"] != token["refresh_token"]
    res = await client.get(PROPS, headers={"Authorization": token["access_token"]})
    assert res.status_code == 200
    # The site id is accepted as the client id too, and form encoding works.
    res = await client.post(
        "/oauth2/token", data={"clientId": site.site_id, "grantType": "anonymous"}
    )
    assert res.status_code == 200, res.text
    # A refresh token gives a new access token for the same visitor.
    res = await client.post(
        "/oauth2/token",
        json={
            "clientId": site.client_id,
            "grantType": "refresh_token",
            "refreshToken": token["refresh_token"],
        },
    )
    assert res.status_code == 200
    refreshed = res.json()
    assert refreshed["access_token"] != token["access_token"]
    assert (
        await client.get(PROPS, headers={"Authorization": refreshed["access_token"]})
    ).status_code == 200


async def test_token_request_errors(client: httpx.AsyncClient, site: SiteKeys) -> None:
    res = await client.post("/oauth2/token", json={"clientId": "nope", "grantType": "anonymous"})
    assert res.status_code == 400
    assert res.json()["details"]["validationError"]["fieldViolations"][0]["field"] == "clientId"
    res = await client.post(
        "/oauth2/token", json={"clientId": site.client_id, "grantType": "magic"}
    )
    assert res.status_code == 400
    v = res.json()["details"]["validationError"]["fieldViolations"][0]
    assert (v["field"], v["violatedRule"]) == ("grantType", "INVALID_ENUM_VALUE")
    res = await client.post("/oauth2/token", json={"clientId": site.client_id})
    assert (
        res.json()["details"]["validationError"]["fieldViolations"][0]["violatedRule"]
        == "REQUIRED_FIELD"
    )
    res = await client.post(
        "/oauth2/token", json={"grantType": "refresh_token", "refreshToken": "bkr_forged"}
    )
    app_error(res, 400, "INVALID_REFRESH_TOKEN")


async def test_member_tokens_need_an_admin_key(client: httpx.AsyncClient, site: SiteKeys) -> None:
    member_id = "6f1c3b8e-0d7a-4e7b-9c61-2f9d0a3e5b14"
    body = {"grantType": "member", "memberId": member_id}
    app_error(await client.post("/oauth2/token", json=body), 401, "UNAUTHENTICATED")
    app_error(
        await client.post("/oauth2/token", json=body, headers=site.app), 403, "PERMISSION_DENIED"
    )
    visitor = await visitor_token(client, site.client_id)
    app_error(
        await client.post(
            "/oauth2/token", json=body, headers={"Authorization": visitor["access_token"]}
        ),
        403,
        "PERMISSION_DENIED",
    )
    res = await client.post("/oauth2/token", json=body, headers=site.admin)
    assert res.status_code == 200
    member = res.json()["access_token"]
    assert (await client.get(PROPS, headers={"Authorization": member})).status_code == 200
    # A member cannot use admin-only methods.
    res = await client.get("/_api/test/v1/things/t", headers={"Authorization": member})
    app_error(res, 403, "PERMISSION_DENIED")
    bad = await client.post(
        "/oauth2/token", json={"grantType": "member", "memberId": "x"}, headers=site.admin
    )
    assert bad.json()["details"]["validationError"]["fieldViolations"][0]["field"] == "memberId"


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "00000000-0000-4000-8000-000000000000", path)


def _authenticated_routes() -> list[tuple[str, str, str]]:
    return [
        (m.name, m.verb, _concrete(path))
        for m in api_methods([echo_router])
        if m.roles is not None
        for path in m.paths
    ]


@pytest.mark.parametrize(("name", "verb", "path"), _authenticated_routes())
async def test_every_endpoint_refuses_other_sites_and_anonymous_callers(
    client: httpx.AsyncClient,
    site: SiteKeys,
    other_site: SiteKeys,
    name: str,
    verb: str,
    path: str,
) -> None:
    """A key of site A never reaches site B; no credentials never reach anything."""
    res = await client.request(verb, path, json={} if verb != "GET" else None)
    app_error(res, 401, "UNAUTHENTICATED")
    for key in (site.admin_key, site.app_key):
        res = await client.request(
            verb,
            path,
            headers={"Authorization": key, "wix-site-id": other_site.site_id},
            json={} if verb != "GET" else None,
        )
        app_error(res, 403, "PERMISSION_DENIED")
    token = await visitor_token(client, site.client_id)
    res = await client.request(
        verb,
        path,
        headers={"Authorization": token["access_token"], "wix-site-id": other_site.site_id},
        json={} if verb != "GET" else None,
    )
    app_error(res, 403, "PERMISSION_DENIED")
