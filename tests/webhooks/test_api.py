"""The webhooks admin API (our extension) and its CLI: exact wire shapes, validation in the
project's envelope, ADMIN only, SSRF refusals at creation."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization

from bookings.cli import main
from bookings.identity import service as identity
from bookings.platform.db import Database
from tests.conftest import SiteKeys
from tests.helpers import app_error, ok
from tests.webhooks.conftest import HOOKS, deliveries

URL = "http://127.0.0.1:9/hook"


def violation(res: httpx.Response) -> dict[str, str]:
    assert res.status_code == 400, res.text
    found: dict[str, str] = res.json()["details"]["validationError"]["fieldViolations"][0]
    return found


async def test_create_list_delete_standard(client: httpx.AsyncClient, site: SiteKeys) -> None:
    body = {
        "webhook": {
            "url": URL,
            "eventTypes": ["wix.bookings.v2.booking_created", "wix.bookings.v2.booking_canceled"],
            "format": "STANDARD",
        }
    }
    created = ok(await client.post(HOOKS, json=body, headers=site.admin))["webhook"]
    assert set(created) == {"id", "url", "eventTypes", "format", "enabled", "createdDate", "secret"}
    assert created["url"] == URL
    assert created["eventTypes"] == body["webhook"]["eventTypes"]
    assert created["format"] == "STANDARD" and created["enabled"] is True
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", created["createdDate"])
    assert re.fullmatch(r"whsec_[A-Za-z0-9+/]{43}=", created["secret"])

    listed = ok(await client.get(HOOKS, headers=site.admin))["webhooks"]
    assert listed == [{k: v for k, v in created.items() if k != "secret"}]
    assert await deliveries(client, site, created["id"]) == []

    assert ok(await client.delete(f"{HOOKS}/{created['id']}", headers=site.admin)) == {}
    assert ok(await client.get(HOOKS, headers=site.admin)) == {"webhooks": []}
    gone = await client.delete(f"{HOOKS}/{created['id']}", headers=site.admin)
    app_error(gone, 404, "WEBHOOK_NOT_FOUND")
    app_error(
        await client.get(f"{HOOKS}/{created['id']}/deliveries", headers=site.admin),
        404,
        "WEBHOOK_NOT_FOUND",
    )


async def test_create_wix_gives_a_public_key(client: httpx.AsyncClient, site: SiteKeys) -> None:
    body = {"webhook": {"url": URL, "format": "WIX"}}
    created = ok(await client.post(HOOKS, json=body, headers=site.admin))["webhook"]
    assert "secret" not in created and created["eventTypes"] == []
    key = serialization.load_pem_public_key(created["publicKey"].encode())
    assert key.key_size == 2048  # type: ignore[union-attr]
    listed = ok(await client.get(HOOKS, headers=site.admin))["webhooks"]
    assert listed[0]["publicKey"] == created["publicKey"]


async def test_format_defaults_to_standard(client: httpx.AsyncClient, site: SiteKeys) -> None:
    created = ok(await client.post(HOOKS, json={"webhook": {"url": URL}}, headers=site.admin))
    assert created["webhook"]["format"] == "STANDARD" and "secret" in created["webhook"]


@pytest.mark.parametrize(
    ("webhook", "field"),
    [
        ({}, "webhook.url"),
        ({"url": URL, "format": "JSON"}, "webhook.format"),
        ({"url": URL, "eventTypes": ["booking_created"]}, "webhook.eventTypes[0]"),
        ({"url": "ftp://example.com/x"}, "webhook.url"),
        ({"url": "not a url"}, "webhook.url"),
    ],
)
async def test_validation(
    client: httpx.AsyncClient, site: SiteKeys, webhook: dict[str, object], field: str
) -> None:
    res = await client.post(HOOKS, json={"webhook": webhook}, headers=site.admin)
    assert violation(res)["field"] == field


async def test_missing_webhook(client: httpx.AsyncClient, site: SiteKeys) -> None:
    assert violation(await client.post(HOOKS, json={}, headers=site.admin))["field"] == "webhook"


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data",
        "http://[fe80::1]/hook",
        "http://[::ffff:169.254.169.254]/hook",
        "http://169.254.1.1:8080/",
    ],
)
async def test_link_local_is_always_refused(
    client: httpx.AsyncClient, site: SiteKeys, url: str
) -> None:
    res = await client.post(HOOKS, json={"webhook": {"url": url}}, headers=site.admin)
    found = violation(res)
    assert found["field"] == "webhook.url" and "link-local" in found["description"]


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/hook", "http://10.1.2.3/", "http://[::1]/x", "http://localhost/"]
)
async def test_private_needs_the_variable(
    client: httpx.AsyncClient, site: SiteKeys, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BOOKINGS_WEBHOOK_ALLOW_PRIVATE")
    res = await client.post(HOOKS, json={"webhook": {"url": url}}, headers=site.admin)
    found = violation(res)
    assert found["field"] == "webhook.url"
    assert "BOOKINGS_WEBHOOK_ALLOW_PRIVATE=1" in found["description"]
    assert "BOOKINGS_WEBHOOK_ALLOW_PRIVATE" in res.json()["message"]


async def test_admin_only_and_per_site(
    client: httpx.AsyncClient, site: SiteKeys, other_site: SiteKeys
) -> None:
    app_error(await client.get(HOOKS, headers=site.app), 403, "PERMISSION_DENIED")
    app_error(await client.get(HOOKS), 401, "UNAUTHENTICATED")
    created = ok(await client.post(HOOKS, json={"webhook": {"url": URL}}, headers=site.admin))
    hook_id = created["webhook"]["id"]
    assert ok(await client.get(HOOKS, headers=other_site.admin)) == {"webhooks": []}
    app_error(
        await client.delete(f"{HOOKS}/{hook_id}", headers=other_site.admin),
        404,
        "WEBHOOK_NOT_FOUND",
    )
    res = await client.post(
        f"{HOOKS}/{hook_id}/recover",
        json={"since": "2020-01-01T00:00:00Z"},
        headers=other_site.admin,
    )
    app_error(res, 404, "WEBHOOK_NOT_FOUND")
    res = await client.post(
        f"{HOOKS}/{hook_id}/recover", json={"since": "2020-01-01T00:00:00Z"}, headers=site.admin
    )
    assert ok(res) == {"requeued": 0}
    assert (
        violation(await client.post(f"{HOOKS}/{hook_id}/recover", json={}, headers=site.admin))[
            "field"
        ]
        == "since"
    )


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    rc = main(list(argv))
    out = capsys.readouterr()
    return rc, out.out + out.err


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"
    db = ["--database-url", url]
    rc, out = run(capsys, "sites", "create", "--name", "Studio", *db)
    site_id = re.search(r"site id\s+(\S+)", out).group(1)  # type: ignore[union-attr]
    rc, out = run(
        capsys,
        "webhooks",
        "create",
        "--site",
        site_id,
        "--url",
        URL,
        "--event-type",
        "wix.bookings.v2.booking_created",
        *db,
    )
    assert rc == 0, out
    hook_id = re.search(r"webhook id\s+(\S+)", out).group(1)  # type: ignore[union-attr]
    assert re.search(r"secret\s+whsec_\S+", out)
    rc, out = run(
        capsys, "webhooks", "create", "--site", site_id, "--url", URL, "--format", "WIX", *db
    )
    assert rc == 0 and "BEGIN PUBLIC KEY" in out
    rc, out = run(capsys, "webhooks", "list", "--site", site_id, *db)
    assert hook_id in out and "wix.bookings.v2.booking_created" in out and "WIX" in out
    rc, out = run(capsys, "webhooks", "deliveries", "--site", site_id, hook_id, *db)
    assert rc == 0 and out == ""
    rc, out = run(
        capsys,
        "webhooks",
        "recover",
        "--site",
        site_id,
        hook_id,
        "--since",
        "2020-01-01T00:00:00Z",
        *db,
    )
    assert rc == 0 and "requeued 0" in out
    rc, out = run(capsys, "webhooks", "delete", "--site", site_id, hook_id, *db)
    assert rc == 0 and f"deleted {hook_id}" in out
    rc, out = run(capsys, "webhooks", "delete", "--site", site_id, hook_id, *db)
    assert rc == 1 and "not found" in out
    rc, out = run(
        capsys, "webhooks", "create", "--site", site_id, "--url", "http://169.254.169.254/", *db
    )
    assert rc == 1 and "link-local" in out

    async def sites() -> int:
        database = Database(url)
        try:
            return len(await identity.list_sites(database))
        finally:
            await database.dispose()

    assert asyncio.run(sites()) == 1
