"""Services V2 through HTTP: exact wire JSON, the validation rules, paths and access."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from tests.conftest import SiteKeys

API = "/_api/bookings/v2/services"


async def staff_resource(client: httpx.AsyncClient, site: SiteKeys, name: str = "Ana") -> str:
    res = await client.post(
        "/bookings/v1/staff-members", json={"staffMember": {"name": name}}, headers=site.admin
    )
    assert res.status_code == 200, res.text
    return str(res.json()["staffMember"]["resourceId"])


def appointment(staff_ids: list[str], **changes: Any) -> dict[str, Any]:
    svc: dict[str, Any] = {
        "type": "APPOINTMENT",
        "name": "Deep Tissue Massage",
        "description": "60 minutes of bliss",
        "defaultCapacity": 1,
        "onlineBooking": {"enabled": True, "requireManualApproval": False},
        "payment": {
            "rateType": "FIXED",
            "fixed": {"price": {"value": "80.00", "currency": "EUR"}},
            "options": {"online": True, "inPerson": True},
        },
        "schedule": {
            "availabilityConstraints": {"sessionDurations": [60], "timeBetweenSessions": 15}
        },
        "staffMemberIds": staff_ids,
        "locations": [{"type": "CUSTOM", "custom": {"address": {"addressLine": "1 Main St"}}}],
    }
    svc.update(changes)
    return svc


def a_class(**changes: Any) -> dict[str, Any]:
    svc: dict[str, Any] = {
        "type": "CLASS",
        "name": "Morning Yoga",
        "defaultCapacity": 12,
        "onlineBooking": {"enabled": True},
        "payment": {"rateType": "NO_FEE", "options": {"inPerson": True}},
    }
    svc.update(changes)
    return svc


async def create(client: httpx.AsyncClient, site: SiteKeys, svc: dict[str, Any]) -> dict[str, Any]:
    res = await client.post(API, json={"service": svc}, headers=site.admin)
    assert res.status_code == 200, res.text
    return dict(res.json()["service"])


def rule_of(res: httpx.Response) -> tuple[str, str | None]:
    assert res.status_code == 400, res.text
    v = res.json()["details"]["validationError"]["fieldViolations"][0]
    return v["field"], v.get("ruleName") or v["violatedRule"]


async def test_create_appointment_wire_json(client: httpx.AsyncClient, site: SiteKeys) -> None:
    staff = await staff_resource(client, site)
    svc = await create(client, site, appointment([staff]))
    policy = svc.pop("bookingPolicy")
    assert policy["default"] is True and policy["id"]
    schedule_id = svc["schedule"].pop("id")
    assert schedule_id
    slug_date = svc["mainSlug"]["createdDate"]
    assert svc == {
        "id": svc["id"],
        "appId": "13d21c63-b5ec-5912-8397-c3a5ddb27a97",
        "createdByAppId": "13d21c63-b5ec-5912-8397-c3a5ddb27a97",
        "type": "APPOINTMENT",
        "name": "Deep Tissue Massage",
        "description": "60 minutes of bliss",
        "defaultCapacity": 1,
        "form": {"id": "00000000-0000-0000-0000-000000000000"},
        "onlineBooking": {"enabled": True, "requireManualApproval": False},
        "payment": {
            "rateType": "FIXED",
            "fixed": {"price": {"value": "80.00", "currency": "USD"}},
            "options": {"online": True, "inPerson": True},
            "pricingPlanIds": [],
        },
        "schedule": {
            "availabilityConstraints": {
                "sessionDurations": [60],
                "timeBetweenSessions": 15,
                "durations": [{"minutes": 60}],
            }
        },
        "staffMemberIds": [staff],
        "locations": [{"type": "CUSTOM", "custom": {"address": {"addressLine": "1 Main St"}}}],
        "mainSlug": {"name": "deep-tissue-massage", "custom": False, "createdDate": slug_date},
        "supportedSlugs": [
            {"name": "deep-tissue-massage", "custom": False, "createdDate": slug_date}
        ],
        "urls": {
            "servicePage": {"relativePath": "/service-page/deep-tissue-massage"},
            "bookingPage": {"relativePath": "/booking-calendar/deep-tissue-massage"},
            "calendarPage": {"relativePath": "/booking-calendar/deep-tissue-massage"},
        },
        "revision": "1",
        "createdDate": svc["createdDate"],
        "updatedDate": svc["createdDate"],
    }
    got = await client.get(f"{API}/{svc['id']}", headers=site.admin)
    assert got.status_code == 200
    assert got.json()["service"]["bookingPolicy"] == policy
    # The service owns a calendar schedule named after it.
    sched = await client.get(f"/calendar/v3/schedules/{schedule_id}", headers=site.admin)
    assert sched.status_code == 200, sched.text
    assert sched.json()["schedule"]["externalId"] == svc["id"]


async def test_slug_is_unique(client: httpx.AsyncClient, site: SiteKeys) -> None:
    first = await create(client, site, a_class())
    second = await create(client, site, a_class())
    assert first["mainSlug"]["name"] == "morning-yoga"
    assert second["mainSlug"]["name"] == "morning-yoga-2"


async def test_create_rules(client: httpx.AsyncClient, site: SiteKeys) -> None:
    staff = await staff_resource(client, site)
    base = appointment([staff])

    def without(*keys: str) -> dict[str, Any]:
        svc = copy.deepcopy(base)
        for key in keys:
            svc.pop(key)
        return svc

    def pay(**payment: Any) -> dict[str, Any]:
        return appointment([staff], payment=payment)

    cases: list[tuple[dict[str, Any], tuple[str, str]]] = [
        (without("type"), ("service.type", "REQUIRED_FIELD")),
        (without("name"), ("service.name", "REQUIRED_FIELD")),
        (appointment([staff], name="  "), ("service.name", "INVALID_SERVICE_NAME")),
        (without("defaultCapacity"), ("service.defaultCapacity", "REQUIRED_FIELD")),
        (
            appointment([staff], defaultCapacity=2),
            ("service.defaultCapacity", "INVALID_APPOINTMENT_CAPACITY"),
        ),
        (a_class(defaultCapacity=1001), ("service.defaultCapacity", "INVALID_DEFAULT_CAPACITY")),
        (without("onlineBooking"), ("service.onlineBooking", "REQUIRED_FIELD")),
        (without("payment"), ("service.payment", "PAYMENT_REQUIRED")),
        (
            pay(rateType="FIXED", options={"online": True}),
            ("service.payment.fixed.price.value", "REQUIRED_FIELD"),
        ),
        (
            pay(rateType="FIXED", fixed={"price": {"value": "0"}}, options={"inPerson": True}),
            ("service.payment.fixed.price.value", "DECIMAL_GT"),
        ),
        (
            pay(rateType="FIXED", fixed={"price": {"value": "1.999"}}, options={"inPerson": True}),
            ("service.payment.fixed.price.value", "DECIMAL_MAX_SCALE"),
        ),
        (
            pay(rateType="NO_FEE", options={}),
            ("service.payment.options", "INVALID_PAYMENT_OPTIONS"),
        ),
        (
            pay(rateType="NO_FEE", options={"online": True}),
            ("service.payment.options.online", "INVALID_PAYMENT_OPTIONS"),
        ),
        (
            pay(rateType="NO_FEE", fixed={"price": {"value": "5"}}, options={"inPerson": True}),
            ("service.payment", "INVALID_RATE"),
        ),
        (
            pay(
                rateType="FIXED",
                fixed={"price": {"value": "5"}},
                options={"online": True, "inPerson": True, "deposit": True},
            ),
            ("service.payment.fixed.deposit.value", "REQUIRED_FIELD"),
        ),
        (
            pay(rateType="SUBSCRIPTION", options={"online": True}),
            ("service.payment.rateType", "INVALID_PAYMENT_TYPE"),
        ),
        (
            appointment(
                [staff],
                onlineBooking={"enabled": True, "requireManualApproval": True},
                payment={
                    "rateType": "FIXED",
                    "fixed": {"price": {"value": "5"}},
                    "options": {"pricingPlan": True},
                },
            ),
            ("service.payment.options.pricingPlan", "INVALID_MANUAL_APPROVAL_WITH_PRICING_PLANS"),
        ),
        (
            without("schedule"),
            (
                "service.schedule.availabilityConstraints.sessionDurations",
                "INVALID_SESSION_DURATION",
            ),
        ),
        (
            appointment(
                [staff], schedule={"availabilityConstraints": {"sessionDurations": [30, 60]}}
            ),
            (
                "service.schedule.availabilityConstraints.sessionDurations",
                "INVALID_SESSION_DURATION",
            ),
        ),
        (
            a_class(schedule={"availabilityConstraints": {"sessionDurations": [30]}}),
            (
                "service.schedule.availabilityConstraints.sessionDurations",
                "INVALID_SESSION_DURATION",
            ),
        ),
        (
            a_class(locations=[{"type": "CUSTOMER"}]),
            ("service.locations[0].type", "INVALID_CUSTOMER_LOCATION"),
        ),
        (
            appointment([staff], locations=[{"type": "BUSINESS", "business": {}}]),
            ("service.locations[0].business.id", "INVALID_BUSINESS_LOCATION"),
        ),
        (
            appointment([staff], locations=[{"type": "CUSTOM"}]),
            ("service.locations[0].custom.address", "INVALID_CUSTOM_LOCATION"),
        ),
        (
            appointment(["6f1c3b8e-0d7a-4e7b-9c61-2f9d0a3e5b14"]),
            ("service.staffMemberIds", "INVALID_STAFF_MEMBER_IDS"),
        ),
        (
            appointment([staff], bookingPolicy={"id": "6f1c3b8e-0d7a-4e7b-9c61-2f9d0a3e5b14"}),
            ("service.bookingPolicy.id", "INVALID_BOOKING_POLICY"),
        ),
        (appointment([staff], type="WORKSHOP"), ("service.type", "INVALID_ENUM_VALUE")),
    ]
    for svc, expected in cases:
        res = await client.post(API, json={"service": svc}, headers=site.admin)
        assert rule_of(res) == expected, svc
    res = await client.post(API, json={"service": appointment([])}, headers=site.admin)
    assert res.status_code == 428
    assert res.json()["details"]["applicationError"]["code"] == "MISSING_APPOINTMENT_RESOURCES"
    # Nothing of the refused services was stored.
    count = await client.post(f"{API}/count", json={}, headers=site.admin)
    assert count.json() == {"count": 0}


async def test_update_revision_and_partial_merge(client: httpx.AsyncClient, site: SiteKeys) -> None:
    svc = await create(client, site, a_class())
    url = f"{API}/{svc['id']}"
    res = await client.patch(url, json={"service": {"name": "Evening Yoga"}}, headers=site.admin)
    assert rule_of(res) == ("service.revision", "REQUIRED_FIELD")
    res = await client.patch(
        url, json={"service": {"revision": "7", "name": "Evening Yoga"}}, headers=site.admin
    )
    assert res.status_code == 409
    assert res.json()["details"]["applicationError"]["code"] == "REVISION_MISMATCH"
    res = await client.patch(
        url,
        json={
            "service": {
                "id": "ignored",
                "revision": "1",
                "name": "Evening Yoga",
                "defaultCapacity": 20,
            }
        },
        headers=site.admin,
    )
    assert res.status_code == 200, res.text
    updated = res.json()["service"]
    assert updated["id"] == svc["id"]
    assert (updated["name"], updated["defaultCapacity"], updated["revision"]) == (
        "Evening Yoga",
        20,
        "2",
    )
    assert updated["payment"] == svc["payment"]  # untouched fields stay
    res = await client.patch(
        url, json={"service": {"revision": "2", "type": "COURSE"}}, headers=site.admin
    )
    assert rule_of(res) == ("service.type", "INVALID_SERVICE_TYPE")
    res = await client.patch(
        url, json={"service": {"revision": "2", "defaultCapacity": 0}}, headers=site.admin
    )
    assert rule_of(res) == ("service.defaultCapacity", "INVALID_DEFAULT_CAPACITY")
    still = (await client.get(url, headers=site.admin)).json()["service"]
    assert still["revision"] == "2" and still["defaultCapacity"] == 20


async def test_delete_cancels_schedule(client: httpx.AsyncClient, site: SiteKeys) -> None:
    svc = await create(client, site, a_class())
    res = await client.delete(f"{API}/{svc['id']}", headers=site.admin)
    assert (res.status_code, res.json()) == (200, {})
    res = await client.get(f"{API}/{svc['id']}", headers=site.admin)
    assert res.status_code == 404
    assert res.json()["details"]["applicationError"]["code"] == "SERVICE_NOT_FOUND"
    sched = await client.get(f"/calendar/v3/schedules/{svc['schedule']['id']}", headers=site.admin)
    assert sched.json()["schedule"]["status"] == "CANCELLED"


async def test_query_count_and_aliases(client: httpx.AsyncClient, site: SiteKeys) -> None:
    staff_a = await staff_resource(client, site, "Ana")
    staff_b = await staff_resource(client, site, "Ben")
    a1 = await create(client, site, appointment([staff_a], name="A one"))
    a2 = await create(client, site, appointment([staff_a, staff_b], name="A two"))
    c1 = await create(client, site, a_class(name="Class", hidden=True))
    for base in (API, "/bookings/v2/services"):
        res = await client.post(f"{base}/query", json={"query": {}}, headers=site.admin)
        body = res.json()
        assert [s["id"] for s in body["services"]] == [a1["id"], a2["id"], c1["id"]]
        assert body["pagingMetadata"] == {
            "count": 3,
            "offset": 0,
            "total": 3,
            "tooManyToCount": False,
        }

    async def ids(q: dict[str, Any]) -> list[str]:
        res = await client.post(f"{API}/query", json={"query": q}, headers=site.admin)
        assert res.status_code == 200, res.text
        return [s["id"] for s in res.json()["services"]]

    assert await ids({"filter": {"type": "CLASS"}}) == [c1["id"]]
    assert await ids({"filter": {"staffMemberIds": {"$hasSome": [staff_b]}}}) == [a2["id"]]
    assert await ids({"filter": {"hidden": True}}) == [c1["id"]]
    assert await ids(
        {
            "filter": {"name": {"$startsWith": "a "}},
            "sort": [{"fieldName": "name", "order": "DESC"}],
        }
    ) == [a2["id"], a1["id"]]
    assert await ids({"paging": {"limit": 1, "offset": 1}}) == [a2["id"]]
    res = await client.post(
        f"{API}/query", json={"query": {"filter": {"media": 1}}}, headers=site.admin
    )
    assert rule_of(res) == ("query.filter.media", "FIELD_NOT_ALLOWED")
    res = await client.post(
        f"{API}/count", json={"filter": {"type": "APPOINTMENT"}}, headers=site.admin
    )
    assert res.json() == {"count": 2}
    # STAFF_MEMBER_DETAILS adds the staff names (keyed by resource id).
    res = await client.get(
        f"{API}/{a2['id']}",
        params={"conditionalFields": "STAFF_MEMBER_DETAILS"},
        headers=site.admin,
    )
    assert res.json()["service"]["staffMemberDetails"] == {
        "staffMembers": [
            {"staffMemberId": staff_a, "name": "Ana"},
            {"staffMemberId": staff_b, "name": "Ben"},
        ]
    }


async def test_bulk_methods(client: httpx.AsyncClient, site: SiteKeys) -> None:
    res = await client.post(
        "/bookings/v2/bulk/services/create",
        json={
            "services": [a_class(name="One"), a_class(name=""), a_class(name="Three")],
            "returnEntity": True,
        },
        headers=site.admin,
    )
    body = res.json()
    assert res.status_code == 200
    assert body["bulkActionMetadata"] == {
        "totalSuccesses": 2,
        "totalFailures": 1,
        "undetailedFailures": 0,
    }
    assert [r["itemMetadata"]["success"] for r in body["results"]] == [True, False, True]
    assert body["results"][0]["item"]["name"] == "One"
    assert body["results"][1]["itemMetadata"]["error"]["code"] == "INVALID_ARGUMENT"
    one = body["results"][0]["itemMetadata"]["id"]
    res = await client.post(
        "/bookings/services/v2/bulk/services/update",
        json={
            "services": [
                {
                    "service": {"id": one, "revision": "1", "name": "Uno", "hidden": True},
                    "mask": "name",
                }
            ]
        },
        headers=site.admin,
    )
    assert res.json()["bulkActionMetadata"]["totalSuccesses"] == 1
    got = (await client.get(f"{API}/{one}", headers=site.admin)).json()["service"]
    assert got["name"] == "Uno" and "hidden" not in got
    res = await client.post(
        "/bookings/v2/bulk/services/delete",
        json={"ids": [one, "6f1c3b8e-0d7a-4e7b-9c61-2f9d0a3e5b14"]},
        headers=site.admin,
    )
    assert [r["itemMetadata"]["success"] for r in res.json()["results"]] == [True, False]


async def test_locations_slugs_clone(client: httpx.AsyncClient, site: SiteKeys) -> None:
    svc = await create(client, site, a_class())
    biz = "a1c3b8e6-0d7a-4e7b-9c61-2f9d0a3e5b14"
    res = await client.post(
        f"{API}/{svc['id']}/locations",
        json={"locations": [{"type": "BUSINESS", "business": {"id": biz}}]},
        headers=site.admin,
    )
    assert res.status_code == 200, res.text
    assert res.json()["service"]["locations"] == [{"type": "BUSINESS", "business": {"id": biz}}]
    assert res.json()["service"]["revision"] == "2"
    q = await client.post(
        f"{API}/query",
        json={"query": {"filter": {"locations.business.id": biz}}},
        headers=site.admin,
    )
    assert [s["id"] for s in q.json()["services"]] == [svc["id"]]

    res = await client.post(
        f"{API}/{svc['id']}/slugs/custom", json={"slug": "yoga"}, headers=site.admin
    )
    assert res.status_code == 200, res.text
    assert res.json()["slug"]["name"] == "yoga"
    assert res.json()["service"]["mainSlug"]["name"] == "yoga"
    res = await client.post(
        f"{API}/{svc['id']}/slugs/custom", json={"slug": "Bad Slug!"}, headers=site.admin
    )
    assert rule_of(res) == ("slug", "SLUG_CONTAINS_ILLEGAL_CHARACTERS")
    other = await create(client, site, a_class(name="Other"))
    res = await client.post(
        f"{API}/{other['id']}/slugs/custom", json={"slug": "yoga"}, headers=site.admin
    )
    assert res.status_code == 409
    assert res.json()["details"]["applicationError"]["code"] == "SLUG_ALREADY_EXISTS"
    res = await client.post(
        f"{API}/slugs/validate", json={"serviceId": other["id"], "slug": "yoga"}, headers=site.admin
    )
    assert res.json() == {"valid": False, "slug": "yoga", "errors": ["SLUG_ALREADY_EXISTS"]}
    res = await client.post(f"{API}/clone", json={"sourceServiceId": svc["id"]}, headers=site.admin)
    clone = res.json()["service"]
    assert clone["name"] == "Morning Yoga (copy)" and clone["id"] != svc["id"]
    assert clone["schedule"]["id"] != svc["schedule"]["id"]


async def test_access(client: httpx.AsyncClient, site: SiteKeys, other_site: SiteKeys) -> None:
    svc = await create(client, site, a_class())
    token = (
        await client.post(
            "/oauth2/token", json={"clientId": site.client_id, "grantType": "anonymous"}
        )
    ).json()["access_token"]
    visitor = {"Authorization": token}
    res = await client.post(f"{API}/query", json={"query": {}}, headers=visitor)
    assert [s["id"] for s in res.json()["services"]] == [svc["id"]]
    res = await client.post(API, json={"service": a_class()}, headers=visitor)
    assert res.status_code == 403
    # Another site's key sees nothing of this site's services.
    res = await client.get(f"{API}/{svc['id']}", headers=other_site.admin)
    assert res.status_code == 404
    res = await client.patch(
        f"{API}/{svc['id']}",
        json={"service": {"revision": "1", "name": "x"}},
        headers=other_site.admin,
    )
    assert res.status_code == 404
    res = await client.post(f"{API}/query", json={"query": {}}, headers=other_site.admin)
    assert res.json()["services"] == []


@pytest.mark.parametrize("path", ["/search", "/booking-forms/query"])
async def test_unimplemented_methods_say_so(
    client: httpx.AsyncClient, site: SiteKeys, path: str
) -> None:
    res = await client.post(f"{API}{path}", json={}, headers=site.admin)
    assert res.status_code == 501
    assert res.json()["details"]["applicationError"]["code"] == "UNIMPLEMENTED"


async def test_class_and_course_derive_from_their_sessions(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    teacher = await staff_resource(client, site, "Teacher")
    course = await create(client, site, a_class(type="COURSE", name="Pottery", defaultCapacity=8))
    assert "staffMemberIds" not in course
    assert "firstSessionStart" not in course["schedule"]
    body = {
        "event": {
            "scheduleId": course["schedule"]["id"],
            "type": "COURSE",
            "start": {"localDate": "2027-03-04T18:30:00"},
            "end": {"localDate": "2027-03-04T20:30:00"},
            "recurrenceRule": {
                "frequency": "WEEKLY",
                "days": ["THURSDAY"],
                "until": {"localDate": "2027-04-22T23:00:00"},
            },
            "resources": [{"id": teacher}],
        }
    }
    res = await client.post("/calendar/v3/events", json=body, headers=site.admin)
    assert res.status_code == 200, res.text
    got = (await client.get(f"{API}/{course['id']}", headers=site.admin)).json()["service"]
    assert got["staffMemberIds"] == [teacher]
    assert got["revision"] == course["revision"]  # derived data, not an edit
    assert got["schedule"]["availabilityConstraints"]["durations"] == [{"minutes": 120}]
    # Site time zone is UTC here: 8 Thursdays from 4 March to 22 April 2027.
    assert got["schedule"]["firstSessionStart"] == "2027-03-04T18:30:00.000Z"
    assert got["schedule"]["lastSessionEnd"] == "2027-04-22T20:30:00.000Z"
    q = await client.post(
        f"{API}/query",
        json={
            "query": {
                "filter": {
                    "schedule.firstSessionStart": {"$gte": "2027-03-01T00:00:00Z"},
                    "staffMemberIds": {"$hasAll": [teacher]},
                }
            }
        },
        headers=site.admin,
    )
    assert [s["id"] for s in q.json()["services"]] == [course["id"]]
