"""Booking Policy Snapshots: ``take_snapshot`` (for the bookings slice) and
List Policy Snapshots By Booking Ids through HTTP."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest

from bookings.catalog.policies import service as policies
from bookings.platform import errors
from bookings.platform.routing import Services
from tests.conftest import SiteKeys

PATH = "/booking-policy-snapshots/v1/policy-snapshots"
POLICIES = "/bookings/v1/booking-policies"
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


async def create_policy(client: httpx.AsyncClient, site: SiteKeys) -> dict[str, Any]:
    res = await client.post(
        POLICIES,
        headers=site.admin,
        json={
            "bookingPolicy": {
                "name": "Fees",
                "customPolicyDescription": {"enabled": True, "description": "Pay if late"},
                "cancellationPolicy": {"enabled": True, "allowAnonymous": True},
                "cancellationFeePolicy": {
                    "enabled": True,
                    "cancellationWindows": [{"percentage": "25", "startInMinutes": 120}],
                },
                "saveCreditCardPolicy": {"enabled": True},
                "waitlistPolicy": {"enabled": True},
            }
        },
    )
    assert res.status_code == 200, res.text
    return dict(res.json()["bookingPolicy"])


async def snapshot(
    services: Services, site: SiteKeys, booking_id: str, policy_id: str
) -> dict[str, Any]:
    async with services.db.write(site.site_id) as uow:
        return await policies.take_snapshot(uow, booking_id, policy_id)


async def test_snapshot_keeps_the_policy_as_it_was(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    policy = await create_policy(client, site)
    booking_id = str(uuid.uuid4())
    taken = await snapshot(services, site, booking_id, policy["id"])
    assert TIMESTAMP.match(taken["createdDate"])
    want = {
        "id": taken["id"],
        "bookingId": booking_id,
        "createdDate": taken["createdDate"],
        "policy": {
            "id": policy["id"],
            "revision": "1",
            "createdDate": policy["createdDate"],
            "updatedDate": policy["updatedDate"],
            "name": "Fees",
            "default": False,
            "customPolicyDescription": {
                "enabled": True,
                "description": "Pay if late",
                "descriptionTranslated": "Pay if late",
            },
            "cancellationPolicy": {
                "enabled": True,
                "limitLatestCancellation": False,
                "latestCancellationInMinutes": 1440,
                "allowAnonymous": True,
            },
            "reschedulePolicy": {
                "enabled": False,
                "limitLatestReschedule": False,
                "latestRescheduleInMinutes": 1440,
            },
            "cancellationFeePolicy": {
                "enabled": True,
                "cancellationWindows": [{"percentage": "25", "startInMinutes": 120}],
                "autoCollectFeeEnabled": True,
            },
            "saveCreditCardPolicy": {"enabled": True},
            "intakeFormPolicy": {
                "enabled": False,
                "timing": "AFTER_BOOKING",
                "completionRequirement": "OPTIONAL",
            },
        },
    }
    assert taken == want
    # The live policy changes; the snapshot does not.
    res = await client.patch(
        f"{POLICIES}/{policy['id']}",
        headers=site.admin,
        json={"bookingPolicy": {"revision": "1", "cancellationPolicy": {"enabled": False}}},
    )
    assert res.status_code == 200, res.text
    for path in (PATH, f"/_api{PATH}"):
        res = await client.get(path, headers=site.admin, params={"bookingIds": booking_id})
        assert res.status_code == 200, res.text
        assert res.json() == {"bookingPolicySnapshots": [want]}
    # One snapshot per booking: taking it again answers the first one.
    assert await snapshot(services, site, booking_id, policy["id"]) == want


async def test_list_several_in_the_order_asked(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    policy = await create_policy(client, site)
    first, second, without = (str(uuid.uuid4()) for _ in range(3))
    a = await snapshot(services, site, first, policy["id"])
    b = await snapshot(services, site, second, policy["id"])
    res = await client.get(
        PATH,
        headers=site.app,
        params=[("bookingIds", second), ("bookingIds", without), ("bookingIds", first)],
    )
    assert res.json() == {"bookingPolicySnapshots": [b, a]}
    res = await client.get(PATH, headers=site.admin, params={"bookingIds": without})
    assert res.json() == {"bookingPolicySnapshots": []}


async def test_snapshot_of_an_unknown_policy(site: SiteKeys, services: Services) -> None:
    with pytest.raises(errors.ApplicationError) as caught:
        await snapshot(services, site, str(uuid.uuid4()), str(uuid.uuid4()))
    assert (caught.value.code, caught.value.http_status) == ("BOOKING_POLICY_NOT_FOUND", 404)


async def test_list_errors_roles_and_sites(
    client: httpx.AsyncClient, site: SiteKeys, other_site: SiteKeys, services: Services
) -> None:
    policy = await create_policy(client, site)
    booking_id = str(uuid.uuid4())
    await snapshot(services, site, booking_id, policy["id"])
    res = await client.get(PATH, headers=other_site.admin, params={"bookingIds": booking_id})
    assert res.json() == {"bookingPolicySnapshots": []}

    async def rule(params: Any) -> tuple[str, str]:
        res = await client.get(PATH, headers=site.admin, params=params)
        assert res.status_code == 400, res.text
        v = res.json()["details"]["validationError"]["fieldViolations"][0]
        return v["field"], v["violatedRule"]

    assert await rule({}) == ("bookingIds", "REQUIRED_FIELD")
    assert await rule({"bookingIds": "nope"}) == ("bookingIds[0]", "FORMAT")
    many = [("bookingIds", str(uuid.uuid4())) for _ in range(101)]
    assert await rule(many) == ("bookingIds", "MAX_SIZE")
    res = await client.post(
        "/oauth2/token", json={"clientId": site.client_id, "grantType": "anonymous"}
    )
    guest = {"Authorization": res.json()["access_token"]}
    res = await client.get(PATH, headers=guest, params={"bookingIds": booking_id})
    assert res.status_code == 403
    assert res.json()["details"]["applicationError"]["code"] == "PERMISSION_DENIED"
