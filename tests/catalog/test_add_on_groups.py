"""Add-on groups of Services V2 through HTTP: the five methods on both aliases, exact wire
JSON, the service's ``addOnGroups``/``addOnDetails`` and revision, every refusal, access."""

from __future__ import annotations

from typing import Any

import httpx

from tests.booking.conftest import token
from tests.catalog.test_services import API, a_class, create
from tests.conftest import SiteKeys
from tests.helpers import app_error, ok, violation

GROUPS = f"{API}/add-on-groups"
PUBLIC = "/bookings/v2/services/add-on-groups"
UNKNOWN = "0f0e0d0c-0b0a-4908-8706-050403020100"
MAT, BANDS, BLOCKS, STRAP = (f"a0000000-0000-4000-8000-00000000000{i}" for i in range(1, 5))


async def call(
    client: httpx.AsyncClient, headers: dict[str, str], verb: str, body: dict[str, Any]
) -> httpx.Response:
    return await client.post(f"{GROUPS}/{verb}", json=body, headers=headers)


async def service_doc(client: httpx.AsyncClient, site: SiteKeys, service_id: str) -> Any:
    return ok(await client.get(f"{API}/{service_id}", headers=site.admin))["service"]


async def test_create_update_set_list_delete(client: httpx.AsyncClient, site: SiteKeys) -> None:
    svc = await create(client, site, a_class())
    assert "addOnGroups" not in svc and "addOnDetails" not in svc
    group = {
        "name": "Equipment",
        "maxNumberOfAddOns": 2,
        "addOnIds": [MAT, BANDS],
        "prompt": "Pick up to two",
    }
    res = await call(client, site.admin, "create", {"serviceId": svc["id"], "addOnGroup": group})
    created = ok(res)["addOnGroup"]
    assert created == {"id": created["id"], **group}
    got = await service_doc(client, site, svc["id"])
    assert got["addOnGroups"] == [created]
    assert got["addOnDetails"] == [{"addOnId": MAT}, {"addOnId": BANDS}]
    assert got["revision"] == "2" and got["updatedDate"] >= svc["updatedDate"]
    # The public alias, a group without add-ons (addOnIds is always answered).
    res = await client.post(
        f"{PUBLIC}/create",
        json={"serviceId": svc["id"], "addOnGroup": {"name": "Extras"}},
        headers=site.app,
    )
    extras = ok(res)["addOnGroup"]
    assert extras == {"id": extras["id"], "name": "Extras", "addOnIds": []}
    # Update replaces the fields given; the mask names the ones to replace (or clear).
    res = await call(
        client,
        site.admin,
        "update",
        {"serviceId": svc["id"], "addOnGroup": {"id": created["id"], "name": "Gear"}},
    )
    assert ok(res)["addOnGroup"] == {**created, "name": "Gear"}
    res = await call(
        client,
        site.admin,
        "update",
        {
            "serviceId": svc["id"],
            "addOnGroup": {"id": created["id"], "name": "Ignored", "addOnIds": [BLOCKS]},
            "mask": "addOnIds,prompt",
        },
    )
    gear = ok(res)["addOnGroup"]
    assert gear == {
        "id": created["id"],
        "name": "Gear",
        "maxNumberOfAddOns": 2,
        "addOnIds": [BLOCKS],
    }
    # Set Add-Ons replaces the list, in the order given.
    res = await client.post(
        f"{PUBLIC}/set-add-ons-for-group",
        json={"serviceId": svc["id"], "groupId": extras["id"], "addOnIds": [STRAP, MAT]},
        headers=site.admin,
    )
    extras = ok(res)["addOnGroup"]
    assert extras["addOnIds"] == [STRAP, MAT]
    got = await service_doc(client, site, svc["id"])
    assert got["addOnGroups"] == [gear, extras]
    assert got["addOnDetails"] == [{"addOnId": i} for i in (BLOCKS, STRAP, MAT)]
    assert got["revision"] == "6"
    # List: every group with its add-ons (by id), or those named; anyone may list.
    visitor = {"Authorization": await token(client, site)}
    for headers, path in ((site.admin, GROUPS), (visitor, PUBLIC)):
        res = await client.post(
            f"{path}/list-add-on-groups-by-service-id",
            json={"serviceId": svc["id"]},
            headers=headers,
        )
        assert ok(res) == {
            "addOnGroupsDetails": [
                {
                    "groupId": gear["id"],
                    "maxNumberOfAddOns": 2,
                    "groupName": "Gear",
                    "addOns": [{"addOnId": BLOCKS}],
                },
                {
                    "groupId": extras["id"],
                    "groupName": "Extras",
                    "addOns": [{"addOnId": STRAP}, {"addOnId": MAT}],
                },
            ]
        }
    res = await call(
        client,
        site.admin,
        "list-add-on-groups-by-service-id",
        {"serviceId": svc["id"], "groupIds": [extras["id"], UNKNOWN]},
    )
    assert [d["groupId"] for d in ok(res)["addOnGroupsDetails"]] == [extras["id"]]
    # Delete answers {}; the service loses the group and the add-ons only it offered.
    res = await call(
        client, site.admin, "delete", {"serviceId": svc["id"], "addOnGroupId": gear["id"]}
    )
    assert ok(res) == {}
    got = await service_doc(client, site, svc["id"])
    assert got["addOnGroups"] == [extras]
    assert got["addOnDetails"] == [{"addOnId": STRAP}, {"addOnId": MAT}]
    res = await client.post(
        f"{PUBLIC}/delete",
        json={"serviceId": svc["id"], "addOnGroupId": extras["id"]},
        headers=site.admin,
    )
    ok(res)
    got = await service_doc(client, site, svc["id"])
    assert "addOnGroups" not in got and "addOnDetails" not in got
    assert got["revision"] == "8"
    # Query Services shows groups as Get Service does.
    await call(client, site.admin, "create", {"serviceId": svc["id"], "addOnGroup": group})
    res = await client.post(f"{API}/query", json={"query": {}}, headers=site.admin)
    (listed,) = ok(res)["services"]
    assert listed["addOnGroups"][0]["name"] == "Equipment"


async def test_refusals(client: httpx.AsyncClient, site: SiteKeys) -> None:
    svc = await create(client, site, a_class())
    sid = svc["id"]
    res = await call(client, site.admin, "create", {"serviceId": sid, "addOnGroup": {}})
    violation(res, "addOnGroup.name", "REQUIRED_FIELD")
    res = await call(client, site.admin, "create", {"addOnGroup": {"name": "A"}})
    violation(res, "serviceId", "REQUIRED_FIELD")
    res = await call(
        client, site.admin, "create", {"serviceId": "nope", "addOnGroup": {"name": "A"}}
    )
    violation(res, "serviceId", "FORMAT")
    res = await call(
        client, site.admin, "create", {"serviceId": UNKNOWN, "addOnGroup": {"name": "A"}}
    )
    app_error(res, 404, "SERVICE_NOT_FOUND")
    eight = [f"b0000000-0000-4000-8000-00000000000{i}" for i in range(8)]
    res = await call(
        client,
        site.admin,
        "create",
        {"serviceId": sid, "addOnGroup": {"name": "A", "addOnIds": eight}},
    )
    violation(res, "addOnGroup.addOnIds", "MAX_SIZE")
    res = await call(
        client,
        site.admin,
        "create",
        {"serviceId": sid, "addOnGroup": {"name": "A", "addOnIds": [MAT, MAT]}},
    )
    violation(res, "addOnGroup.addOnIds[1]")
    res = await call(
        client,
        site.admin,
        "create",
        {"serviceId": sid, "addOnGroup": {"name": "A", "maxNumberOfAddOns": 0}},
    )
    violation(res, "addOnGroup.maxNumberOfAddOns", "MIN")
    res = await call(
        client, site.admin, "create", {"serviceId": sid, "addOnGroup": {"name": "x" * 101}}
    )
    violation(res, "addOnGroup.name", "MAX_LENGTH")
    ids = []
    for name in ("A", "B", "C"):
        res = await call(
            client, site.admin, "create", {"serviceId": sid, "addOnGroup": {"name": name}}
        )
        ids.append(ok(res)["addOnGroup"]["id"])
    res = await call(client, site.admin, "create", {"serviceId": sid, "addOnGroup": {"name": "D"}})
    assert violation(res, "serviceId", "MAX_SIZE")["data"] == {"max": 3}
    # A group of another service, or none at all.
    other = await create(client, site, a_class(name="Evening Yoga"))
    for verb, body, code in (
        (
            "update",
            {"serviceId": other["id"], "addOnGroup": {"id": ids[0], "name": "Z"}},
            "GROUP_NOT_ON_SERVICE",
        ),
        ("delete", {"serviceId": other["id"], "addOnGroupId": ids[0]}, "GROUP_NOT_ON_SERVICE"),
        (
            "set-add-ons-for-group",
            {"serviceId": other["id"], "groupId": ids[0], "addOnIds": [MAT]},
            "ADD_ON_GROUP_NOT_FOUND",
        ),
    ):
        app_error(await call(client, site.admin, verb, body), 404, code)
    for verb, body in (
        ("update", {"serviceId": UNKNOWN, "addOnGroup": {"id": ids[0]}}),
        ("delete", {"serviceId": UNKNOWN, "addOnGroupId": ids[0]}),
        ("set-add-ons-for-group", {"serviceId": UNKNOWN, "groupId": ids[0], "addOnIds": [MAT]}),
        ("list-add-on-groups-by-service-id", {"serviceId": UNKNOWN}),
    ):
        app_error(await call(client, site.admin, verb, body), 404, "SERVICE_NOT_FOUND")
    res = await call(client, site.admin, "update", {"serviceId": sid, "addOnGroup": {"name": "Z"}})
    violation(res, "addOnGroup.id", "REQUIRED_FIELD")
    res = await call(
        client, site.admin, "update", {"serviceId": sid, "addOnGroup": {"id": ids[0], "name": " "}}
    )
    violation(res, "addOnGroup.name", "REQUIRED_FIELD")
    res = await call(
        client,
        site.admin,
        "set-add-ons-for-group",
        {"serviceId": sid, "groupId": ids[0], "addOnIds": []},
    )
    violation(res, "addOnIds", "MIN_SIZE")
    res = await call(
        client,
        site.admin,
        "set-add-ons-for-group",
        {"serviceId": sid, "groupId": ids[0], "addOnIds": [MAT, BANDS, MAT]},
    )
    violation(res, "addOnIds[2]")
    res = await call(
        client,
        site.admin,
        "list-add-on-groups-by-service-id",
        {"serviceId": sid, "groupIds": [*ids, UNKNOWN]},
    )
    violation(res, "groupIds", "MAX_SIZE")
    # Nothing refused changed the service.
    assert (await service_doc(client, site, sid))["revision"] == "4"
    # A course paid by subscription takes no add-ons.
    course = await create(
        client,
        site,
        a_class(
            type="COURSE",
            name="Pottery",
            payment={
                "rateType": "SUBSCRIPTION",
                "subscription": {
                    "amountPerBillingCycle": {"value": "30.00", "currency": "USD"},
                    "totalPayments": 3,
                    "recurringStartDate": "2030-01-01T00:00:00Z",
                },
                "options": {"online": True},
            },
        ),
    )
    res = await call(
        client, site.admin, "create", {"serviceId": course["id"], "addOnGroup": {"name": "A"}}
    )
    app_error(res, 428, "SUBSCRIPTION_SERVICE_NOT_SUPPORTED")


async def test_access(client: httpx.AsyncClient, site: SiteKeys) -> None:
    svc = await create(client, site, a_class())
    visitor = {"Authorization": await token(client, site)}
    member = {"Authorization": await token(client, site, UNKNOWN)}
    for verb in ("create", "update", "delete", "set-add-ons-for-group"):
        for path in (GROUPS, PUBLIC):
            for headers in (visitor, member):
                res = await client.post(f"{path}/{verb}", json={}, headers=headers)
                assert res.status_code == 403, res.text
            res = await client.post(f"{path}/{verb}", json={})
            assert res.status_code == 401, res.text
    res = await call(
        client, site.app, "create", {"serviceId": svc["id"], "addOnGroup": {"name": "A"}}
    )
    ok(res)


async def test_create_and_update_service_keep_groups_their_own(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    """``addOnGroups`` and ``addOnDetails`` belong to the add-on group methods: Create and
    Update Service ignore them, and an update (even one whose mask names them) keeps them."""
    bogus = [{"id": UNKNOWN, "name": "Sneaky", "addOnIds": [MAT]}]
    svc = await create(client, site, a_class(addOnGroups=bogus, addOnDetails=[{"addOnId": MAT}]))
    assert "addOnGroups" not in svc and "addOnDetails" not in svc
    res = await call(
        client,
        site.admin,
        "create",
        {"serviceId": svc["id"], "addOnGroup": {"name": "Real", "addOnIds": [BANDS]}},
    )
    real = ok(res)["addOnGroup"]
    res = await client.patch(
        f"{API}/{svc['id']}",
        json={
            "service": {"name": "Renamed", "revision": "2", "addOnGroups": bogus},
            "mask": "name,addOnGroups",
        },
        headers=site.admin,
    )
    updated = ok(res)["service"]
    assert updated["name"] == "Renamed" and updated["revision"] == "3"
    assert updated["addOnGroups"] == [real]
    assert updated["addOnDetails"] == [{"addOnId": BANDS}]
