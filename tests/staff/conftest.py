"""Helpers of the staff tests: HTTP shortcuts and assertions on the error envelope."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.conftest import SiteKeys
from tests.helpers import ok

STAFF = "/bookings/v1/staff-members"
RESOURCES = "/bookings/v2/resources"
BULK_RESOURCES = "/bookings/v2/bulk/resources"
STAFF_TYPE = "1cd44cf8-756f-41c3-bd90-3e2ffcaf1155"
UNKNOWN_ID = "0f0e0d0c-0b0a-4908-8706-050403020100"
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def assert_entity_basics(entity: dict[str, Any]) -> None:
    assert GUID.match(entity["id"])
    assert TIMESTAMP.match(entity["createdDate"])
    assert TIMESTAMP.match(entity["updatedDate"])


async def create_staff(
    client: httpx.AsyncClient, site: SiteKeys, name: str = "Ana", **body: Any
) -> dict[str, Any]:
    member = {"name": name, **body.pop("staffMember", {})}
    res = await client.post(STAFF, headers=site.admin, json={"staffMember": member, **body})
    return dict(ok(res)["staffMember"])


async def create_resource(
    client: httpx.AsyncClient, site: SiteKeys, name: str = "Room 1", **resource: Any
) -> dict[str, Any]:
    res = await client.post(
        RESOURCES, headers=site.admin, json={"resource": {"name": name, **resource}}
    )
    return dict(ok(res)["resource"])


async def visitor_headers(client: httpx.AsyncClient, site: SiteKeys) -> dict[str, str]:
    res = await client.post(
        "/oauth2/token", json={"clientId": site.client_id, "grantType": "anonymous"}
    )
    return {"Authorization": ok(res)["access_token"]}
