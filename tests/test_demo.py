"""The demo site `serve` seeds: what its printed summary promises is really there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from bookings.demo import ensure_demo_site
from bookings.platform.routing import Services


async def test_demo_site_catalog(
    services: Services, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    demo, created = await ensure_demo_site(services, tmp_path)
    assert created
    again, created_again = await ensure_demo_site(services, tmp_path)
    assert (again.site_id, created_again) == (demo.site_id, False)
    admin = {"Authorization": demo.admin_api_key}

    async def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        res = await client.post(path, json=body, headers=admin)
        assert res.status_code == 200, res.text
        return dict(res.json())

    props = (await client.get("/site-properties/v4/properties", headers=admin)).json()
    assert props["properties"]["timeZone"] == "Europe/London"

    found = (await post("/_api/bookings/v2/services/query", {"query": {}}))["services"]
    by_type = {s["type"]: s for s in found}
    assert sorted(by_type) == ["APPOINTMENT", "CLASS", "COURSE"]
    massage = by_type["APPOINTMENT"]
    assert massage["schedule"]["availabilityConstraints"]["sessionDurations"] == [45]
    assert massage["schedule"]["availabilityConstraints"]["timeBetweenSessions"] == 15
    assert len(massage["staffMemberIds"]) == 2
    assert by_type["CLASS"]["defaultCapacity"] == 12
    assert by_type["CLASS"]["bookingPolicy"]["default"] is False
    assert by_type["CLASS"]["bookingPolicy"]["name"] == "Flexible Cancellation"

    staff = (
        await post(
            "/bookings/v1/staff-members/query", {"query": {}, "fields": ["RESOURCE_DETAILS"]}
        )
    )["staffMembers"]
    hours = {m["name"]: m["resource"]["usesDefaultWorkingHours"] for m in staff}
    assert hours == {"Alex Morgan": True, "Sam Patel": True, "Jordan Lee": False}

    async def sessions(schedule_id: str) -> list[dict[str, Any]]:
        body = {
            "fromLocalDate": "2000-01-01T00:00:00",
            "toLocalDate": "2100-01-01T00:00:00",
            "query": {"filter": {"scheduleId": schedule_id}, "cursorPaging": {"limit": 100}},
        }
        return list((await post("/calendar/v3/events/query", body))["events"])

    course = await sessions(by_type["COURSE"]["schedule"]["id"])
    assert len(course) == 8
    assert {e["start"]["localDate"][11:16] for e in course} == {"18:30"}
    yoga = await sessions(by_type["CLASS"]["schedule"]["id"])
    assert len(yoga) >= 52  # a weekly class, materialized a year ahead
    assert {e["start"]["localDate"][11:16] for e in yoga} == {"18:00"}  # across DST
    assert {e["totalCapacity"] for e in yoga} == {12}

    working = (
        await post(
            "/calendar/v3/events/query",
            {
                "fromLocalDate": "2000-01-01T00:00:00",
                "toLocalDate": "2100-01-01T00:00:00",
                "query": {"filter": {"type": "WORKING_HOURS"}, "cursorPaging": {"limit": 1000}},
                "recurrenceType": ["MASTER"],
            },
        )
    )["events"]
    assert len(working) == 5 + 3  # business Mon-Fri, Jordan's three weekly slots
