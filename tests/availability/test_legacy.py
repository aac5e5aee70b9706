"""Availability Calendar (legacy) Query Availability through HTTP."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from tests.availability.conftest import LEGACY, Catalog, next_weekday
from tests.conftest import SiteKeys
from tests.helpers import violation

ALIASES = (
    LEGACY,
    "/_api/availability-calendar/v1/availability/query",
    "/bookings/availability-calendar/v1/availability/query",
    "/bookings/v1/availability/query",
)


async def test_query_availability(client: httpx.AsyncClient, site: SiteKeys) -> None:
    cat = Catalog(client, site)
    ana, ben = await cat.staff("Ana"), await cat.staff("Ben")
    svc = await cat.service([ana["resourceId"], ben["resourceId"]])
    monday = next_weekday(0)
    flt: dict[str, Any] = {
        "serviceId": svc["id"],
        "startDate": f"{monday}T09:00:00.000Z",
        "endDate": f"{monday}T11:00:00.000Z",  # the 10:15 slot ends after it: left out
    }
    for path in ALIASES:
        res = await cat.post(path, {"query": {"filter": flt}})
        assert res == {
            "availabilityEntries": [
                {
                    "slot": {
                        "serviceId": svc["id"],
                        "scheduleId": svc["schedule"]["id"],
                        "startDate": f"{monday}T09:00:00+00:00",
                        "endDate": f"{monday}T10:00:00+00:00",
                        "timezone": "UTC",
                        "resource": {"id": member["resourceId"], "name": member["name"]},
                        "location": {
                            "formattedAddress": "1 Main St",
                            "locationType": "OWNER_CUSTOM",
                        },
                    },
                    "bookable": True,
                    "totalSpots": 1,
                    "openSpots": 1,
                    "bookingPolicyViolations": {
                        "tooEarlyToBook": False,
                        "tooLateToBook": False,
                        "bookOnlineDisabled": False,
                    },
                    "isFromV2": False,
                }
                for member in (ana, ben)
            ]
        }
    one = await cat.post(LEGACY, {"query": {"filter": {**flt, "resourceId": ben["resourceId"]}}})
    assert [e["slot"]["resource"]["id"] for e in one["availabilityEntries"]] == [ben["resourceId"]]
    # with `timezone`, the filter dates are wall-clock times there (their offset is ignored)
    ny = await cat.post(
        LEGACY,
        {
            "query": {
                "filter": {
                    **flt,
                    "startDate": f"{monday}T04:00:00Z",
                    "endDate": f"{monday}T06:00:00Z",
                }
            },
            "timezone": "America/New_York",
        },
    )
    assert [e["slot"]["startDate"] for e in ny["availabilityEntries"]] == [
        f"{monday}T04:00:00-05:00"
    ] * 2
    # a whole day, at most one per day
    day = {**flt, "endDate": f"{monday + timedelta(days=1)}T00:00:00Z"}
    capped = await cat.post(LEGACY, {"query": {"filter": day}, "slotsPerDay": 1})
    assert len(capped["availabilityEntries"]) == 1

    async def bad(body: dict[str, Any]) -> httpx.Response:
        return await client.post(LEGACY, json=body, headers=site.admin)

    violation(
        await bad({"query": {"filter": {**flt, "serviceId": {"$eq": svc["id"]}}}}),
        "query.filter.serviceId.$eq",
    )
    missing = {k: v for k, v in flt.items() if k != "endDate"}
    assert (
        violation(await bad({"query": {"filter": missing}}), "query.filter.endDate")["violatedRule"]
        == "REQUIRED_FIELD"
    )
    violation(await bad({"query": {"filter": {**flt, "color": "red"}}}), "query.filter.color")
    violation(
        await bad({"query": {"filter": {**flt, "startDate": "soon"}}}), "query.filter.startDate"
    )
    violation(await bad({}), "query")


async def test_query_availability_classes(client: httpx.AsyncClient, site: SiteKeys) -> None:
    cat = Catalog(client, site)
    yoga = await cat.a_class()
    monday = next_weekday(0)
    session = await cat.event(
        scheduleId=yoga["schedule"]["id"],
        type="CLASS",
        start={"localDate": f"{monday}T18:00:00"},
        end={"localDate": f"{monday}T19:00:00"},
        totalCapacity=4,
    )
    res = await cat.post(
        LEGACY,
        {
            "query": {
                "filter": {
                    "serviceId": [yoga["id"]],
                    "startDate": f"{monday}T00:00:00Z",
                    "endDate": f"{monday + timedelta(days=1)}T00:00:00Z",
                    "openSpots": 2,
                }
            }
        },
    )
    assert res == {
        "availabilityEntries": [
            {
                "slot": {
                    "sessionId": session["id"],
                    "serviceId": yoga["id"],
                    "scheduleId": yoga["schedule"]["id"],
                    "startDate": f"{monday}T18:00:00+00:00",
                    "endDate": f"{monday}T19:00:00+00:00",
                    "timezone": "UTC",
                    "eventId": session["id"],
                },
                "bookable": True,
                "totalSpots": 4,
                "openSpots": 4,
                "bookingPolicyViolations": {
                    "tooEarlyToBook": False,
                    "tooLateToBook": False,
                    "bookOnlineDisabled": False,
                },
                "isFromV2": False,
            }
        ]
    }
