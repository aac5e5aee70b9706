"""Booking Policies V1 through HTTP: create/get/update/setDefault/delete/query/count/strictest,
the default policy, validation rules, roles and sites kept apart."""

from __future__ import annotations

import asyncio
import copy
import re
from typing import Any

import httpx
import pytest

from bookings.app import wire_slices
from bookings.catalog.policies import service as policies
from bookings.catalog.services import service as catalog
from bookings.identity import service as identity
from bookings.platform.db import UnitOfWork
from bookings.platform.routing import Services
from tests.conftest import SiteKeys
from tests.helpers import app_error, violation

BASE = "/bookings/v1/booking-policies"
API = f"/_api{BASE}"
BOOKINGS_APP_ID = "13d21c63-b5ec-5912-8397-c3a5ddb27a97"

UNKNOWN = "6f1c3b8e-0d7a-4e7b-9c61-2f9d0a3e5b14"
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def defaults() -> dict[str, Any]:
    """Every sub-policy of a policy created without any."""
    return {
        "customPolicyDescription": {"enabled": False, "description": ""},
        "limitEarlyBookingPolicy": {"enabled": False, "earliestBookingInMinutes": 10080},
        "limitLateBookingPolicy": {"enabled": False, "latestBookingInMinutes": 1440},
        "bookAfterStartPolicy": {"enabled": False},
        "cancellationPolicy": {
            "enabled": False,
            "limitLatestCancellation": False,
            "latestCancellationInMinutes": 1440,
        },
        "reschedulePolicy": {
            "enabled": False,
            "limitLatestReschedule": False,
            "latestRescheduleInMinutes": 1440,
        },
        "waitlistPolicy": {"enabled": False, "capacity": 10, "reservationTimeInMinutes": 10},
        "participantsPolicy": {"maxParticipantsPerBooking": 1},
        "resourcesPolicy": {"enabled": False, "autoAssignAllowed": False},
        "cancellationFeePolicy": {
            "enabled": False,
            "cancellationWindows": [],
            "autoCollectFeeEnabled": True,
        },
        "saveCreditCardPolicy": {"enabled": False},
        "staffSortingPolicy": {"sortingMethodType": "RANDOM"},
        "intakeFormPolicy": {
            "enabled": False,
            "timing": "AFTER_BOOKING",
            "completionRequirement": "OPTIONAL",
        },
    }


def expected(got: dict[str, Any], revision: str = "1", **fields: Any) -> dict[str, Any]:
    """The full wire policy: server-made id and dates taken from ``got``, the rest exact."""
    assert TIMESTAMP.match(got["createdDate"]) and TIMESTAMP.match(got["updatedDate"])
    return {
        "id": got["id"],
        "revision": revision,
        "createdDate": got["createdDate"],
        "updatedDate": got["updatedDate"],
        "appId": BOOKINGS_APP_ID,
        "createdByAppId": BOOKINGS_APP_ID,
        "default": False,
        **defaults(),
        **fields,
    }


async def create(client: httpx.AsyncClient, site: SiteKeys, **policy: Any) -> dict[str, Any]:
    res = await client.post(BASE, headers=site.admin, json={"bookingPolicy": policy})
    assert res.status_code == 200, res.text
    created: dict[str, Any] = res.json()["bookingPolicy"]
    return created


async def visitor(client: httpx.AsyncClient, site: SiteKeys) -> dict[str, str]:
    res = await client.post(
        "/oauth2/token", json={"clientId": site.client_id, "grantType": "anonymous"}
    )
    return {"Authorization": res.json()["access_token"]}


async def default_policy(client: httpx.AsyncClient, site: SiteKeys) -> dict[str, Any]:
    res = await client.post(
        f"{BASE}/query", headers=site.admin, json={"query": {"filter": {"default": True}}}
    )
    assert res.status_code == 200, res.text
    (found,) = res.json()["bookingPolicies"]
    return dict(found)


# ---------------------------------------------------------------- create and get


async def test_create_fills_every_default(client: httpx.AsyncClient, site: SiteKeys) -> None:
    res = await client.post(BASE, headers=site.admin, json={"bookingPolicy": {"name": "Basic"}})
    assert res.status_code == 200, res.text
    got = res.json()["bookingPolicy"]
    assert got == expected(got, name="Basic")
    assert got["createdDate"] == got["updatedDate"]
    res = await client.get(f"{BASE}/{got['id']}", headers=site.admin)
    assert res.json() == {"bookingPolicy": got}


async def test_create_keeps_what_is_given(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    policy = {
        "id": UNKNOWN,  # read-only: ignored
        "revision": "7",
        "default": True,
        "name": "Strict",
        "customPolicyDescription": {"enabled": True, "description": "Fees apply"},
        "limitEarlyBookingPolicy": {"enabled": True, "earliestBookingInMinutes": 2880},
        "limitLateBookingPolicy": {"enabled": True, "latestBookingInMinutes": "60"},
        "cancellationPolicy": {"enabled": True, "allowAnonymous": False},
        "reschedulePolicy": {"enabled": True, "limitLatestReschedule": True},
        "waitlistPolicy": {"enabled": True, "capacity": 3},
        "participantsPolicy": {"maxParticipantsPerBooking": 4},
        "cancellationFeePolicy": {
            "enabled": True,
            "cancellationWindows": [
                {"percentage": "50", "startInMinutes": 1440},
                {"amount": {"value": "20.5", "currency": "EUR"}, "startInMinutes": 60},
            ],
            "autoCollectFeeEnabled": False,
        },
        "saveCreditCardPolicy": {"enabled": True},
        "staffSortingPolicy": {"sortingMethodType": "RANKING"},
        "intakeFormPolicy": {
            "enabled": True,
            "formId": UNKNOWN,
            "timing": "BEFORE_BOOKING",
            "completionRequirement": "REQUIRED_BEFORE_BOOKING",
        },
        "limitRebookingPolicy": {"enabled": True, "maxBookings": 2},
        "bookForSomeoneElseAllowed": True,
        "extendedFields": {"namespaces": {"@acme/app": {"tier": "gold"}}},
    }
    res = await client.post(API, headers=site.app, json={"bookingPolicy": policy})
    assert res.status_code == 200, res.text
    got = res.json()["bookingPolicy"]
    (app_key,) = [
        k for k in await identity.list_api_keys(services.db, site.site_id) if k.role == "APP"
    ]
    want = expected(
        got,
        createdByAppId=app_key.id,
        name="Strict",
        customPolicyDescription={"enabled": True, "description": "Fees apply"},
        limitEarlyBookingPolicy={"enabled": True, "earliestBookingInMinutes": 2880},
        limitLateBookingPolicy={"enabled": True, "latestBookingInMinutes": 60},
        cancellationPolicy={
            "enabled": True,
            "limitLatestCancellation": False,
            "latestCancellationInMinutes": 1440,
            "allowAnonymous": False,
        },
        reschedulePolicy={
            "enabled": True,
            "limitLatestReschedule": True,
            "latestRescheduleInMinutes": 1440,
        },
        waitlistPolicy={"enabled": True, "capacity": 3, "reservationTimeInMinutes": 10},
        participantsPolicy={"maxParticipantsPerBooking": 4},
        cancellationFeePolicy={
            "enabled": True,
            "cancellationWindows": [
                {"percentage": "50", "startInMinutes": 1440},
                # The currency is read-only: always the site's.
                {"amount": {"value": "20.5", "currency": "USD"}, "startInMinutes": 60},
            ],
            "autoCollectFeeEnabled": False,
        },
        saveCreditCardPolicy={"enabled": True},
        staffSortingPolicy={
            "sortingMethodType": "RANKING",
            "rankingOptions": {"order": "LOWEST_TO_HIGHEST"},
        },
        intakeFormPolicy={
            "enabled": True,
            "formId": UNKNOWN,
            "timing": "BEFORE_BOOKING",
            "completionRequirement": "REQUIRED_BEFORE_BOOKING",
        },
        limitRebookingPolicy={"enabled": True, "maxBookings": 2},
        bookForSomeoneElseAllowed=True,
        extendedFields={"namespaces": {"@acme/app": {"tier": "gold"}}},
    )
    assert got == want
    assert got["id"] != UNKNOWN
    res = await client.get(f"{API}/{got['id']}", headers=site.admin)
    assert res.json() == {"bookingPolicy": want}


async def test_create_needs_a_policy(client: httpx.AsyncClient, site: SiteKeys) -> None:
    v = violation(await client.post(BASE, headers=site.admin, json={}))
    assert (v["field"], v["violatedRule"]) == ("bookingPolicy", "REQUIRED_FIELD")


async def test_get_unknown_or_malformed_id(client: httpx.AsyncClient, site: SiteKeys) -> None:
    app_error(
        await client.get(f"{BASE}/{UNKNOWN}", headers=site.admin), 404, "BOOKING_POLICY_NOT_FOUND"
    )
    v = violation(await client.get(f"{BASE}/not-a-guid", headers=site.admin))
    assert (v["field"], v["violatedRule"]) == ("bookingPolicyId", "FORMAT")


# ---------------------------------------------------------------- the default policy


async def test_a_site_has_one_default_policy_from_the_start(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    res = await client.post(f"{BASE}/query", headers=site.admin, json={"query": {}})
    assert res.status_code == 200, res.text
    body = res.json()
    (policy,) = body["bookingPolicies"]
    assert policy == expected(policy, name="Default policy", default=True)
    assert body["pagingMetadata"] == {"count": 1, "cursors": {}, "hasNext": False}
    # Still exactly one after more calls and creates.
    await create(client, site, name="Other")
    res = await client.post(f"{BASE}/count", headers=site.admin, json={"filter": {"default": True}})
    assert res.json() == {"count": 1}
    res = await client.post(f"{BASE}/count", headers=site.admin, json={})
    assert res.json() == {"count": 2}


async def test_the_default_is_created_once_under_concurrency(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    calls = [
        client.post(f"{BASE}/count", headers=site.admin, json={"filter": {"default": True}})
        for _ in range(8)
    ] + [
        client.post(BASE, headers=site.admin, json={"bookingPolicy": {"name": "x"}})
        for _ in range(4)
    ]
    results = await asyncio.gather(*calls)
    assert all(r.status_code == 200 for r in results), [r.text for r in results]
    assert all(r.json() == {"count": 1} for r in results[:8])
    res = await client.post(f"{BASE}/count", headers=site.admin, json={})
    assert res.json() == {"count": 5}


async def test_other_slices_get_the_default(site: SiteKeys, services: Services) -> None:
    async with services.db.write(site.site_id) as uow:
        first = await policies.ensure_default_policy(uow)
        assert await policies.default_policy_id(uow) == first["id"]
    async with services.db.read(site.site_id) as scope:
        found = await policies.get_policies(scope, [first["id"], UNKNOWN])
    assert found == {first["id"]: first}
    assert first["default"] is True and first["name"] == "Default policy"


# ---------------------------------------------------------------- update


async def test_update_replaces_given_fields_and_whole_sub_policies(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    made = await create(
        client,
        site,
        name="Before",
        cancellationPolicy={
            "enabled": True,
            "limitLatestCancellation": True,
            "latestCancellationInMinutes": 120,
        },
        waitlistPolicy={"enabled": True, "capacity": 5},
    )
    res = await client.patch(
        f"{BASE}/{made['id']}",
        headers=site.admin,
        json={
            "bookingPolicy": {
                "revision": "1",
                "name": "After",
                "default": True,  # read-only: ignored
                "cancellationPolicy": {"enabled": True},
            }
        },
    )
    assert res.status_code == 200, res.text
    got = res.json()["bookingPolicy"]
    assert got == expected(
        got,
        revision="2",
        name="After",
        cancellationPolicy={
            "enabled": True,
            "limitLatestCancellation": False,
            "latestCancellationInMinutes": 1440,
        },
        waitlistPolicy={"enabled": True, "capacity": 5, "reservationTimeInMinutes": 10},
    )
    assert got["createdDate"] == made["createdDate"]
    assert got["updatedDate"] >= made["updatedDate"]
    assert (await client.get(f"{BASE}/{made['id']}", headers=site.admin)).json() == {
        "bookingPolicy": got
    }


@pytest.mark.parametrize(
    "mask",
    [
        {"mask": "waitlistPolicy"},
        {"fieldMask": "waitlistPolicy.capacity"},
        {"fieldMask": {"paths": ["waitlistPolicy", "revision"]}},
        {"mask": {"paths": ["waitlist_policy"]}},
    ],
)
async def test_update_with_a_mask(
    client: httpx.AsyncClient, site: SiteKeys, mask: dict[str, Any]
) -> None:
    made = await create(client, site, name="Keep", waitlistPolicy={"enabled": True})
    res = await client.patch(
        f"{API}/{made['id']}",
        headers=site.app,
        json={
            "bookingPolicy": {"revision": 1, "name": "ignored", "waitlistPolicy": {"capacity": 2}},
            **mask,
        },
    )
    assert res.status_code == 200, res.text
    got = res.json()["bookingPolicy"]
    assert got == expected(
        got,
        revision="2",
        name="Keep",
        waitlistPolicy={"enabled": False, "capacity": 2, "reservationTimeInMinutes": 10},
    )


async def test_update_masked_field_not_given_goes_back_to_its_default(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    made = await create(client, site, name="N", bookAfterStartPolicy={"enabled": True})
    res = await client.patch(
        f"{BASE}/{made['id']}",
        headers=site.admin,
        json={"bookingPolicy": {"revision": "1"}, "mask": "name,bookAfterStartPolicy"},
    )
    got = res.json()["bookingPolicy"]
    assert got == expected(got, revision="2")
    assert "name" not in got


async def test_update_errors(client: httpx.AsyncClient, site: SiteKeys) -> None:
    made = await create(client, site, name="E")
    url = f"{BASE}/{made['id']}"
    v = violation(
        await client.patch(url, headers=site.admin, json={"bookingPolicy": {"name": "x"}})
    )
    assert (v["field"], v["violatedRule"]) == ("bookingPolicy.revision", "REQUIRED_FIELD")
    v = violation(await client.patch(url, headers=site.admin, json={}))
    assert (v["field"], v["violatedRule"]) == ("bookingPolicy.revision", "REQUIRED_FIELD")
    res = await client.patch(url, headers=site.admin, json={"bookingPolicy": {"revision": "5"}})
    app_error(res, 409, "REVISION_MISMATCH")
    assert res.json()["details"]["applicationError"]["data"] == {"currentRevision": "1"}
    res = await client.patch(
        f"{BASE}/{UNKNOWN}", headers=site.admin, json={"bookingPolicy": {"revision": "1"}}
    )
    app_error(res, 404, "BOOKING_POLICY_NOT_FOUND")
    v = violation(
        await client.patch(
            url, headers=site.admin, json={"bookingPolicy": {"revision": "1"}, "mask": "nope"}
        )
    )
    assert v["field"] == "mask"
    v = violation(
        await client.patch(url, headers=site.admin, json={"bookingPolicy": {"revision": "x1"}})
    )
    assert (v["field"], v["violatedRule"]) == ("bookingPolicy.revision", "FORMAT")
    # Rules apply to the merged policy.
    await client.patch(
        url,
        headers=site.admin,
        json={"bookingPolicy": {"revision": "1", "limitLateBookingPolicy": {"enabled": True}}},
    )
    v = violation(
        await client.patch(
            url,
            headers=site.admin,
            json={"bookingPolicy": {"revision": "2", "bookAfterStartPolicy": {"enabled": True}}},
        )
    )
    assert v["ruleName"] == "BOTH_LATE_AND_AFTER_START_POLICIES_NOT_ALLOWED"


# ---------------------------------------------------------------- set default and delete


async def test_set_default(client: httpx.AsyncClient, site: SiteKeys) -> None:
    old = await default_policy(client, site)
    made = await create(client, site, name="New default")
    res = await client.post(f"{BASE}/{made['id']}:setDefault", headers=site.admin, json={})
    assert res.status_code == 200, res.text
    body = res.json()
    current, previous = body["currentDefaultBookingPolicy"], body["previousDefaultBookingPolicy"]
    assert set(body) == {"currentDefaultBookingPolicy", "previousDefaultBookingPolicy"}
    assert current == expected(current, revision="2", name="New default", default=True)
    assert current["id"] == made["id"]
    assert previous == expected(previous, revision="2", name="Default policy")
    assert previous["id"] == old["id"]
    assert (await default_policy(client, site))["id"] == made["id"]
    # Idempotent: nothing changes, no previous.
    res = await client.post(f"{API}/{made['id']}:setDefault", headers=site.app, json={})
    assert res.json() == {"currentDefaultBookingPolicy": current}
    res = await client.post(f"{BASE}/{UNKNOWN}:setDefault", headers=site.admin, json={})
    app_error(res, 404, "BOOKING_POLICY_NOT_FOUND")


async def test_concurrent_set_default_leaves_one_default(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    made = [await create(client, site, name=f"P{i}") for i in range(4)]
    calls = [
        client.post(f"{BASE}/{p['id']}:setDefault", headers=site.admin, json={})
        for _ in range(3)
        for p in made
    ]
    results = await asyncio.gather(*calls)
    assert all(r.status_code == 200 for r in results), [r.text for r in results]
    res = await client.post(f"{BASE}/count", headers=site.admin, json={"filter": {"default": True}})
    assert res.json() == {"count": 1}


async def test_delete(client: httpx.AsyncClient, site: SiteKeys) -> None:
    calls: list[tuple[str, str]] = []

    async def hook(uow: UnitOfWork, deleted: str, default: str) -> None:
        if uow.site_id == site.site_id:
            calls.append((deleted, default))

    policies.policy_deleted.wire(catalog.reassign_policy, hook)
    try:
        made = await create(client, site, name="Gone")
        res = await client.delete(f"{BASE}/{made['id']}", headers=site.admin)
        assert res.status_code == 200, res.text
        assert res.json() == {}
    finally:
        wire_slices()
    default = await default_policy(client, site)
    assert calls == [(made["id"], default["id"])]
    app_error(
        await client.get(f"{BASE}/{made['id']}", headers=site.admin),
        404,
        "BOOKING_POLICY_NOT_FOUND",
    )
    app_error(
        await client.delete(f"{API}/{made['id']}", headers=site.app),
        404,
        "BOOKING_POLICY_NOT_FOUND",
    )
    res = await client.delete(f"{BASE}/{default['id']}", headers=site.admin)
    app_error(res, 428, "DEFAULT_POLICY_CANNOT_BE_DELETED")
    assert (await default_policy(client, site)) == default


# ---------------------------------------------------------------- query and count


async def test_query_filters_sorts_and_pages_with_cursors(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    made = [
        await create(client, site, name=f"Yoga {i}", waitlistPolicy={"capacity": 10 + i})
        for i in range(5)
    ]
    await create(client, site, name="Pilates")
    res = await client.post(
        f"{BASE}/query",
        headers=site.admin,
        json={"query": {"filter": {"name": {"$startsWith": "yoga"}}, "cursorPaging": {"limit": 2}}},
    )
    assert res.status_code == 200, res.text
    page = res.json()
    assert page["bookingPolicies"] == made[:2]
    assert page["pagingMetadata"]["count"] == 2 and page["pagingMetadata"]["hasNext"] is True
    assert set(page["pagingMetadata"]["cursors"]) == {"next"}
    seen = list(page["bookingPolicies"])
    while page["pagingMetadata"]["hasNext"]:
        res = await client.post(
            f"{API}/query",
            headers=site.admin,
            json={"query": {"cursorPaging": {"cursor": page["pagingMetadata"]["cursors"]["next"]}}},
        )
        assert res.status_code == 200, res.text
        page = res.json()
        seen += page["bookingPolicies"]
    assert seen == made
    assert page["pagingMetadata"]["count"] == 1 and "prev" in page["pagingMetadata"]["cursors"]
    # Sort and a numeric filter.
    res = await client.post(
        f"{BASE}/query",
        headers=site.admin,
        json={
            "query": {
                "filter": {"waitlistPolicy.capacity": {"$gte": 12}, "default": False},
                "sort": [{"fieldName": "waitlistPolicy.capacity", "order": "DESC"}],
            }
        },
    )
    assert [p["name"] for p in res.json()["bookingPolicies"]] == ["Yoga 4", "Yoga 3", "Yoga 2"]
    res = await client.post(
        f"{BASE}/count",
        headers=site.admin,
        json={"filter": {"$or": [{"name": "Pilates"}, {"id": {"$in": [made[0]["id"]]}}]}},
    )
    assert res.json() == {"count": 2}


async def test_query_errors(client: httpx.AsyncClient, site: SiteKeys) -> None:
    url = f"{BASE}/query"
    v = violation(await client.post(url, headers=site.admin, json={}))
    assert (v["field"], v["violatedRule"]) == ("query", "REQUIRED_FIELD")
    v = violation(
        await client.post(url, headers=site.admin, json={"query": {"filter": {"appId": "x"}}})
    )
    assert (v["field"], v["violatedRule"]) == ("query.filter.appId", "FIELD_NOT_ALLOWED")
    v = violation(
        await client.post(url, headers=site.admin, json={"query": {"cursorPaging": {"limit": 101}}})
    )
    assert (v["field"], v["violatedRule"]) == ("query.cursorPaging.limit", "MAX")
    v = violation(await client.post(url, headers=site.admin, json={"query": {"paging": {}}}))
    assert v["field"] == "query.paging"
    sort = [{"fieldName": "name"}] * 11
    v = violation(await client.post(url, headers=site.admin, json={"query": {"sort": sort}}))
    assert (v["field"], v["violatedRule"]) == ("query.sort", "MAX_SIZE")
    v = violation(
        await client.post(
            f"{BASE}/count", headers=site.admin, json={"filter": {"name": {"$gt": 1}}}
        )
    )
    assert v["field"].startswith("filter.name")


# ---------------------------------------------------------------- strictest


async def test_strictest(client: httpx.AsyncClient, site: SiteKeys) -> None:
    a = await create(
        client,
        site,
        limitEarlyBookingPolicy={"enabled": True, "earliestBookingInMinutes": 5000},
        cancellationPolicy={
            "enabled": True,
            "limitLatestCancellation": True,
            "latestCancellationInMinutes": 60,
        },
        waitlistPolicy={"enabled": True, "capacity": 4},
        participantsPolicy={"maxParticipantsPerBooking": 3},
    )
    b = await create(
        client,
        site,
        limitLateBookingPolicy={"enabled": True, "latestBookingInMinutes": 120},
        cancellationPolicy={
            "enabled": True,
            "limitLatestCancellation": True,
            "latestCancellationInMinutes": 180,
        },
        waitlistPolicy={"enabled": True, "capacity": 8},
        participantsPolicy={"maxParticipantsPerBooking": 2},
        saveCreditCardPolicy={"enabled": True},
    )
    res = await client.post(
        f"{API}/strictest", headers=site.admin, json={"bookingPolicyIds": [a["id"], b["id"]]}
    )
    assert res.status_code == 200, res.text
    assert res.json() == {
        "bookingPolicy": {
            **defaults(),
            "limitEarlyBookingPolicy": {"enabled": True, "earliestBookingInMinutes": 5000},
            "limitLateBookingPolicy": {"enabled": True, "latestBookingInMinutes": 120},
            "cancellationPolicy": {
                "enabled": True,
                "limitLatestCancellation": True,
                "latestCancellationInMinutes": 180,
            },
            "waitlistPolicy": {"enabled": True, "capacity": 4, "reservationTimeInMinutes": 10},
            "participantsPolicy": {"maxParticipantsPerBooking": 2},
            "saveCreditCardPolicy": {"enabled": True},
        }
    }
    res = await client.post(
        f"{BASE}/strictest", headers=site.admin, json={"bookingPolicyIds": [a["id"], UNKNOWN]}
    )
    app_error(res, 404, "BOOKING_POLICY_NOT_FOUND")
    v = violation(await client.post(f"{BASE}/strictest", headers=site.admin, json={}))
    assert (v["field"], v["violatedRule"]) == ("bookingPolicyIds", "REQUIRED_FIELD")
    v = violation(
        await client.post(f"{BASE}/strictest", headers=site.admin, json={"bookingPolicyIds": []})
    )
    assert (v["field"], v["violatedRule"]) == ("bookingPolicyIds", "REQUIRED_FIELD")
    v = violation(
        await client.post(
            f"{BASE}/strictest", headers=site.admin, json={"bookingPolicyIds": [UNKNOWN] * 101}
        )
    )
    assert (v["field"], v["violatedRule"]) == ("bookingPolicyIds", "MAX_SIZE")


# ---------------------------------------------------------------- validation rules

FEE = {
    "enabled": True,
    "cancellationWindows": [{"percentage": "50", "startInMinutes": 60}],
}
DESCRIPTION = {"enabled": True, "description": "Late cancellations are charged"}


@pytest.mark.parametrize(
    ("policy", "field", "rule_name"),
    [
        (
            {
                "limitLateBookingPolicy": {"enabled": True},
                "bookAfterStartPolicy": {"enabled": True},
            },
            "bookingPolicy.bookAfterStartPolicy.enabled",
            "BOTH_LATE_AND_AFTER_START_POLICIES_NOT_ALLOWED",
        ),
        (
            {
                "limitEarlyBookingPolicy": {"enabled": True, "earliestBookingInMinutes": 60},
                "limitLateBookingPolicy": {"enabled": True, "latestBookingInMinutes": 60},
            },
            "bookingPolicy.limitEarlyBookingPolicy.earliestBookingInMinutes",
            "INVALID_BOOKING_WINDOW",
        ),
        (
            {"cancellationFeePolicy": FEE, "customPolicyDescription": DESCRIPTION},
            "bookingPolicy.saveCreditCardPolicy.enabled",
            "CANCELLATION_FEE_WITHOUT_CREDIT_CARD",
        ),
        (
            {"cancellationFeePolicy": FEE, "saveCreditCardPolicy": {"enabled": True}},
            "bookingPolicy.customPolicyDescription.description",
            "CANCELLATION_FEE_WITHOUT_DESCRIPTION",
        ),
        (
            {
                "cancellationFeePolicy": {"enabled": True, "cancellationWindows": []},
                "saveCreditCardPolicy": {"enabled": True},
                "customPolicyDescription": DESCRIPTION,
            },
            "bookingPolicy.cancellationFeePolicy.cancellationWindows",
            "EMPTY_CANCELLATION_WINDOWS_LIST",
        ),
        (
            {
                "cancellationFeePolicy": {
                    "enabled": True,
                    "cancellationWindows": [
                        {"percentage": "10", "startInMinutes": 60},
                        {"percentage": "100", "startInMinutes": 600},
                    ],
                },
                "saveCreditCardPolicy": {"enabled": True},
                "customPolicyDescription": DESCRIPTION,
            },
            "bookingPolicy.cancellationFeePolicy.cancellationWindows",
            "INVALID_CANCELLATION_WINDOWS_ORDER",
        ),
        (
            {"intakeFormPolicy": {"enabled": True}},
            "bookingPolicy.intakeFormPolicy.formId",
            "INTAKE_FORM_ID_REQUIRED",
        ),
        (
            {"intakeFormPolicy": {"completionRequirement": "REQUIRED_BEFORE_BOOKING"}},
            "bookingPolicy.intakeFormPolicy.completionRequirement",
            "INVALID_COMPLETION_REQUIREMENT_FOR_TIMING",
        ),
    ],
)
async def test_rules(
    client: httpx.AsyncClient,
    site: SiteKeys,
    policy: dict[str, Any],
    field: str,
    rule_name: str,
) -> None:
    res = await client.post(BASE, headers=site.admin, json={"bookingPolicy": policy})
    assert res.status_code == 400, res.text
    violations = res.json()["details"]["validationError"]["fieldViolations"]
    assert violations == [
        {
            "field": field,
            "description": violations[0]["description"],
            "violatedRule": "OTHER",
            "ruleName": rule_name,
        }
    ]


def _deep(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(levels):
        value = {"a": value}
    return value


DEEP = _deep(500)


@pytest.mark.parametrize(
    ("policy", "field", "rule"),
    [
        ({"name": "n" * 401}, "bookingPolicy.name", "MAX_LENGTH"),
        (
            {"customPolicyDescription": {"description": "d" * 2501}},
            "bookingPolicy.customPolicyDescription.description",
            "MAX_LENGTH",
        ),
        ({"waitlistPolicy": {"capacity": 0}}, "bookingPolicy.waitlistPolicy.capacity", "MIN"),
        (
            {"limitEarlyBookingPolicy": {"earliestBookingInMinutes": 0}},
            "bookingPolicy.limitEarlyBookingPolicy.earliestBookingInMinutes",
            "MIN",
        ),
        (
            {"participantsPolicy": {"maxParticipantsPerBooking": 2**31}},
            "bookingPolicy.participantsPolicy.maxParticipantsPerBooking",
            "MAX",
        ),
        (
            {"cancellationPolicy": {"latestCancellationInMinutes": 1.5}},
            "bookingPolicy.cancellationPolicy.latestCancellationInMinutes",
            "FORMAT",
        ),
        (
            {"cancellationFeePolicy": {"cancellationWindows": [{"startInMinutes": 5}] * 3}},
            "bookingPolicy.cancellationFeePolicy.cancellationWindows",
            "MAX_SIZE",
        ),
        (
            {"cancellationFeePolicy": {"cancellationWindows": [{"startInMinutes": 5}]}},
            "bookingPolicy.cancellationFeePolicy.cancellationWindows[0]",
            "REQUIRED_ONE_OF_FIELD",
        ),
        (
            {"cancellationFeePolicy": {"cancellationWindows": [{"percentage": "100.5"}]}},
            "bookingPolicy.cancellationFeePolicy.cancellationWindows[0].percentage",
            "DECIMAL_LTE",
        ),
        (
            {"cancellationFeePolicy": {"cancellationWindows": [{"amount": {"value": "0"}}]}},
            "bookingPolicy.cancellationFeePolicy.cancellationWindows[0].amount.value",
            "DECIMAL_GT",
        ),
        (
            {"staffSortingPolicy": {"sortingMethodType": "BEST"}},
            "bookingPolicy.staffSortingPolicy.sortingMethodType",
            "INVALID_ENUM_VALUE",
        ),
        (
            {"intakeFormPolicy": {"formId": "form-1"}},
            "bookingPolicy.intakeFormPolicy.formId",
            "FORMAT",
        ),
        ({"cancellationPolicy": "yes"}, "bookingPolicy.cancellationPolicy", "FORMAT"),
        # Text the databases cannot store, and documents nested too deep to store.
        ({"name": "a\x00b"}, "bookingPolicy.name", "FORMAT"),
        (
            {"extendedFields": {"namespaces": {"app": {"k": ["\x00"]}}}},
            "bookingPolicy.extendedFields.namespaces.app.k[0]",
            "FORMAT",
        ),
        (
            {"extendedFields": {"namespaces": {"app": DEEP}}},
            "bookingPolicy.extendedFields.namespaces",
            "FORMAT",
        ),
    ],
)
async def test_field_bounds(
    client: httpx.AsyncClient, site: SiteKeys, policy: dict[str, Any], field: str, rule: str
) -> None:
    v = violation(await client.post(BASE, headers=site.admin, json={"bookingPolicy": policy}))
    assert (v["field"], v["violatedRule"]) == (field, rule)


# ---------------------------------------------------------------- roles and sites


async def test_visitors_read_but_cannot_write(client: httpx.AsyncClient, site: SiteKeys) -> None:
    made = await create(client, site, name="Public")
    guest = await visitor(client, site)
    res = await client.get(f"{BASE}/{made['id']}", headers=guest)
    assert res.json() == {"bookingPolicy": made}
    res = await client.post(f"{API}/query", headers=guest, json={"query": {}})
    assert len(res.json()["bookingPolicies"]) == 2
    assert (await client.post(f"{BASE}/count", headers=guest, json={})).json() == {"count": 2}
    res = await client.post(
        f"{BASE}/strictest", headers=guest, json={"bookingPolicyIds": [made["id"]]}
    )
    assert res.status_code == 200
    for verb, url, body in [
        ("POST", BASE, {"bookingPolicy": {}}),
        ("PATCH", f"{BASE}/{made['id']}", {"bookingPolicy": {"revision": "1"}}),
        ("POST", f"{BASE}/{made['id']}:setDefault", {}),
        ("DELETE", f"{BASE}/{made['id']}", None),
    ]:
        res = await client.request(verb, url, headers=guest, json=body)
        app_error(res, 403, "PERMISSION_DENIED")


async def test_sites_are_kept_apart(
    client: httpx.AsyncClient, site: SiteKeys, other_site: SiteKeys
) -> None:
    mine = await create(client, site, name="Mine")
    theirs = other_site.admin
    url = f"{BASE}/{mine['id']}"
    app_error(await client.get(url, headers=theirs), 404, "BOOKING_POLICY_NOT_FOUND")
    res = await client.patch(url, headers=theirs, json={"bookingPolicy": {"revision": "1"}})
    app_error(res, 404, "BOOKING_POLICY_NOT_FOUND")
    res = await client.post(f"{url}:setDefault", headers=theirs, json={})
    app_error(res, 404, "BOOKING_POLICY_NOT_FOUND")
    app_error(await client.delete(url, headers=theirs), 404, "BOOKING_POLICY_NOT_FOUND")
    res = await client.post(
        f"{BASE}/strictest", headers=theirs, json={"bookingPolicyIds": [mine["id"]]}
    )
    app_error(res, 404, "BOOKING_POLICY_NOT_FOUND")
    res = await client.post(f"{BASE}/query", headers=theirs, json={"query": {}})
    assert [p["name"] for p in res.json()["bookingPolicies"]] == ["Default policy"]
    mine_now = (await client.get(url, headers=site.admin)).json()["bookingPolicy"]
    assert mine_now == mine
    # Each site has its own default.
    assert (await default_policy(client, site))["id"] != (await default_policy(client, other_site))[
        "id"
    ]
    assert copy.deepcopy(mine) == mine
