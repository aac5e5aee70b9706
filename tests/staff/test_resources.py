"""Resources V2 through HTTP: exact wire JSON, C.5 validation rules, bulk methods, queries."""

from __future__ import annotations

from typing import Any

import httpx

from bookings.platform.routing import Services
from bookings.staff import calendar_port
from tests.conftest import SiteKeys
from tests.helpers import app_error, ok
from tests.helpers import only_violation as violation
from tests.staff.conftest import (
    BULK_RESOURCES,
    GUID,
    RESOURCES,
    STAFF,
    STAFF_TYPE,
    UNKNOWN_ID,
    assert_entity_basics,
    create_resource,
    create_staff,
    visitor_headers,
)

ROOM_TYPE = "6a1f0c4e-2b3d-4c5e-8f90-1a2b3c4d5e6f"
LOCATION = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
LOCATION_2 = "1a2b3c4d-5e6f-4a0b-9c8d-7e6f5a4b3c2d"


async def new_schedule(services: Services, site: SiteKeys, external_id: str) -> str:
    async with services.db.write(site.site_id) as uow:
        return await calendar_port.create_events_schedule(
            uow, external_id=external_id, name="hours"
        )


async def schedule_status(services: Services, site: SiteKeys, schedule_id: str) -> str:
    async with services.db.read(site.site_id) as scope:
        found = await calendar_port.get_schedule(scope, schedule_id)
    assert found is not None
    return str(found["status"])


def rule(res: httpx.Response) -> tuple[str, str | None]:
    """(field, ruleName) of the only violation; named Wix rules are ``violatedRule: OTHER``."""
    v = violation(res)
    if "ruleName" in v:
        assert v["violatedRule"] == "OTHER", v
    return v["field"], v.get("ruleName")


async def test_create_minimal_resource(client: httpx.AsyncClient, site: SiteKeys) -> None:
    res = await client.post(RESOURCES, headers=site.admin, json={"resource": {"name": "Room 1"}})
    resource = ok(res)["resource"]
    assert_entity_basics(resource)
    assert GUID.match(resource["eventsSchedule"]["scheduleId"])
    assert resource == {
        "id": resource["id"],
        "revision": "1",
        "createdDate": resource["createdDate"],
        "updatedDate": resource["createdDate"],
        "name": "Room 1",
        "workingHoursSchedules": {"values": []},
        "locationOptions": {"availableInAllLocations": True},
        "eventsSchedule": {"scheduleId": resource["eventsSchedule"]["scheduleId"]},
    }
    got = ok(await client.get(f"{RESOURCES}/{resource['id']}", headers=site.admin))
    assert got == {"resource": resource}


async def test_create_full_resource(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    member = await create_staff(client, site, fields=["RESOURCE_DETAILS"])
    business_id = member["resource"]["workingHoursSchedules"][0]["id"]
    body = {
        "name": "Room 2",
        "typeId": ROOM_TYPE,
        "workingHoursSchedules": {"values": [{"scheduleId": business_id}]},
        "locationOptions": {
            "specificLocationOptions": {
                "availableInBusinessLocations": True,
                "businessLocations": [{"locationId": LOCATION}],
            }
        },
        "extendedFields": {"namespaces": {"@acme/rooms": {"floor": 2}}},
        "eventsSchedule": {"scheduleId": UNKNOWN_ID},
        "revision": "7",
    }
    resource = await create_resource(client, site, **body)
    assert resource == {
        "id": resource["id"],
        "revision": "1",
        "createdDate": resource["createdDate"],
        "updatedDate": resource["updatedDate"],
        "name": "Room 2",
        "typeId": ROOM_TYPE,
        "workingHoursSchedules": {"values": [{"scheduleId": business_id, "shared": True}]},
        "locationOptions": {
            "availableInAllLocations": False,
            "specificLocationOptions": {
                "availableInBusinessLocations": True,
                "businessLocations": [{"locationId": LOCATION}],
            },
        },
        "eventsSchedule": {"scheduleId": resource["eventsSchedule"]["scheduleId"]},
        "extendedFields": {"namespaces": {"@acme/rooms": {"floor": 2}}},
    }
    assert resource["eventsSchedule"]["scheduleId"] != UNKNOWN_ID
    # A schedule that is not the business schedule is not shared (unless the client says so).
    own = await new_schedule(services, site, "custom-hours")
    custom = await create_resource(
        client, site, "Room 3", workingHoursSchedules={"values": [{"scheduleId": own}]}
    )
    assert custom["workingHoursSchedules"] == {"values": [{"scheduleId": own, "shared": False}]}


async def test_create_validation_rules(client: httpx.AsyncClient, site: SiteKeys) -> None:
    async def create(resource: dict[str, Any]) -> httpx.Response:
        return await client.post(RESOURCES, headers=site.admin, json={"resource": resource})

    specific = "resource.locationOptions.specificLocationOptions"
    cases: list[tuple[dict[str, Any], tuple[str, str | None]]] = [
        ({}, ("resource.name", "RESOURCE_NAME_IS_REQUIRED")),
        ({"name": ""}, ("resource.name", "RESOURCE_NAME_IS_REQUIRED")),
        (
            {"name": "R", "locationOptions": {"availableInAllLocations": False}},
            (specific, "RESOURCE_SPECIFIC_LOCATION_OPTIONS_MUST_BE_SET"),
        ),
        (
            {
                "name": "R",
                "locationOptions": {
                    "availableInAllLocations": True,
                    "specificLocationOptions": {
                        "availableInBusinessLocations": True,
                        "businessLocations": [{"locationId": LOCATION}],
                    },
                },
            },
            (specific, "RESOURCE_SPECIFIC_LOCATION_OPTIONS_NOT_ALLOWED"),
        ),
        (
            {
                "name": "R",
                "locationOptions": {
                    "specificLocationOptions": {"businessLocations": [{"locationId": LOCATION}]}
                },
            },
            (
                f"{specific}.availableInBusinessLocations",
                "RESOURCE_AVAILABLE_IN_BUSINESS_LOCATION_MUST_BE_TRUE",
            ),
        ),
        (
            {
                "name": "R",
                "locationOptions": {
                    "specificLocationOptions": {
                        "availableInBusinessLocations": True,
                        "businessLocations": [{}],
                    }
                },
            },
            (f"{specific}.businessLocations[0].locationId", "RESOURCE_LOCATION_ID_IS_REQUIRED"),
        ),
        (
            {"name": "R", "workingHoursSchedules": {"values": [{"shared": True}]}},
            (
                "resource.workingHoursSchedules.values[0].scheduleId",
                "RESOURCE_WORKING_HOURS_SCHEDULE_ID_IS_REQUIRED",
            ),
        ),
        (
            {"name": "R", "typeId": STAFF_TYPE},
            ("resource.typeId", "RESOURCE_TYPE_MANAGED_BY_STAFF_MEMBERS"),
        ),
        ({"name": "x" * 41}, ("resource.name", None)),
        ({"name": "R", "typeId": "room"}, ("resource.typeId", None)),
        (
            {"name": "R", "workingHoursSchedules": {"values": [{"scheduleId": UNKNOWN_ID}]}},
            ("resource.workingHoursSchedules.values[0].scheduleId", None),
        ),
    ]
    for resource, expected in cases:
        assert rule(await create(resource)) == expected, resource
    v = violation(
        await create(
            {
                "name": "R",
                "workingHoursSchedules": {
                    "values": [{"scheduleId": UNKNOWN_ID}, {"scheduleId": UNKNOWN_ID}]
                },
            }
        )
    )
    assert (v["field"], v["violatedRule"]) == ("resource.workingHoursSchedules.values", "MAX_SIZE")
    v = violation(await create({"name": "x" * 41}))
    assert v["violatedRule"] == "MAX_LENGTH"
    # Several broken rules are reported together.
    res = await create({"locationOptions": {"availableInAllLocations": False}})
    names = [v["ruleName"] for v in res.json()["details"]["validationError"]["fieldViolations"]]
    assert names == ["RESOURCE_NAME_IS_REQUIRED", "RESOURCE_SPECIFIC_LOCATION_OPTIONS_MUST_BE_SET"]


async def test_update_resource(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    resource = await create_resource(client, site, typeId=ROOM_TYPE)
    url = f"{RESOURCES}/{resource['id']}"
    res = await client.patch(
        url,
        headers=site.admin,
        json={
            "resource": {
                "revision": "1",
                "name": "Studio",
                "locationOptions": {
                    "availableInAllLocations": False,
                    "specificLocationOptions": {
                        "availableInBusinessLocations": True,
                        "businessLocations": [{"locationId": LOCATION}],
                    },
                },
            }
        },
    )
    updated = ok(res)["resource"]
    assert updated == {
        **resource,
        "name": "Studio",
        "revision": "2",
        "updatedDate": updated["updatedDate"],
        "locationOptions": {
            "availableInAllLocations": False,
            "specificLocationOptions": {
                "availableInBusinessLocations": True,
                "businessLocations": [{"locationId": LOCATION}],
            },
        },
    }
    async with services.db.read(site.site_id) as scope:
        events = await calendar_port.get_schedule(scope, resource["eventsSchedule"]["scheduleId"])
    assert events is not None and events["name"] == "Studio"  # renamed with the resource
    # The SDK's ``mask`` (and REST's ``fieldMask``) change only the paths named.
    own = await new_schedule(services, site, "hours")
    res = await client.patch(
        url,
        headers=site.admin,
        json={
            "resource": {
                "revision": "2",
                "name": "ignored",
                "workingHoursSchedules": {"values": [{"scheduleId": own, "shared": False}]},
                "locationOptions": {"availableInAllLocations": True},
            },
            "mask": "workingHoursSchedules,locationOptions",
        },
    )
    masked = ok(res)["resource"]
    assert masked["name"] == "Studio"
    assert masked["workingHoursSchedules"] == {"values": [{"scheduleId": own, "shared": False}]}
    assert masked["locationOptions"] == {"availableInAllLocations": True}
    assert masked["revision"] == "3"

    async def patch(body: dict[str, Any], **extra: Any) -> httpx.Response:
        return await client.patch(url, headers=site.admin, json={"resource": body, **extra})

    v = violation(await patch({"name": "X"}))
    assert (v["field"], v["violatedRule"]) == ("resource.revision", "REQUIRED_FIELD")
    error = app_error(await patch({"revision": "1", "name": "X"}), 409, "REVISION_MISMATCH")
    assert error["data"] == {"currentRevision": "3"}
    assert rule(await patch({"revision": "3", "typeId": UNKNOWN_ID})) == ("resource.typeId", None)
    assert rule(await patch({"revision": "3"}, fieldMask="typeId")) == ("resource.typeId", None)
    assert rule(await patch({"revision": "3", "name": ""})) == (
        "resource.name",
        "RESOURCE_NAME_IS_REQUIRED",
    )
    assert rule(
        await patch({"revision": "3", "workingHoursSchedules": {"values": [{"scheduleId": own}]}})
    ) == (
        "resource.workingHoursSchedules.values[0].shared",
        "RESOURCE_WORKING_HOURS_SHARED_IS_REQUIRED",
    )
    assert rule(await patch({"revision": "3", "typeId": STAFF_TYPE})) == (
        "resource.typeId",
        "RESOURCE_TYPE_MANAGED_BY_STAFF_MEMBERS",
    )
    v = violation(await patch({"revision": "3"}, fieldMask="nope"))
    assert (v["field"], v["violatedRule"]) == ("fieldMask", "FIELD_NOT_ALLOWED")
    app_error(
        await client.patch(
            f"{RESOURCES}/{UNKNOWN_ID}", headers=site.admin, json={"resource": {"revision": "1"}}
        ),
        404,
        "RESOURCE_NOT_FOUND",
    )
    # An untyped resource may be given a type once.
    untyped = await create_resource(client, site, "Untyped")
    res = await client.patch(
        f"{RESOURCES}/{untyped['id']}",
        headers=site.admin,
        json={"resource": {"revision": "1", "typeId": ROOM_TYPE}},
    )
    assert ok(res)["resource"]["typeId"] == ROOM_TYPE


async def test_staff_resources_are_managed_by_staff_members(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    member = await create_staff(client, site)
    url = f"{RESOURCES}/{member['resourceId']}"
    error = app_error(
        await client.patch(
            url, headers=site.admin, json={"resource": {"revision": "1", "name": "X"}}
        ),
        428,
        "RESOURCE_MANAGED_BY_STAFF_MEMBER",
    )
    assert error["data"] == {"resourceId": member["resourceId"], "staffMemberId": member["id"]}
    app_error(await client.delete(url, headers=site.admin), 428, "RESOURCE_MANAGED_BY_STAFF_MEMBER")
    res = ok(
        await client.post(
            f"{BULK_RESOURCES}/delete", headers=site.admin, json={"ids": [member["resourceId"]]}
        )
    )
    assert res["results"][0]["itemMetadata"]["error"]["code"] == "RESOURCE_MANAGED_BY_STAFF_MEMBER"
    assert ok(await client.get(f"{STAFF}/{member['id']}", headers=site.admin))


async def test_delete_cancels_events_and_unshared_hours(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    member = await create_staff(client, site, fields=["RESOURCE_DETAILS"])
    business_id = member["resource"]["workingHoursSchedules"][0]["id"]
    own = await new_schedule(services, site, "hours")
    private = await create_resource(
        client, site, "A", workingHoursSchedules={"values": [{"scheduleId": own}]}
    )
    shared = await create_resource(
        client, site, "B", workingHoursSchedules={"values": [{"scheduleId": business_id}]}
    )
    # C works the hours of A's events schedule: deleting C must not cancel A's schedule.
    borrowed = private["eventsSchedule"]["scheduleId"]
    borrower = await create_resource(
        client, site, "C", workingHoursSchedules={"values": [{"scheduleId": borrowed}]}
    )
    for resource in (private, shared, borrower):
        assert ok(await client.delete(f"{RESOURCES}/{resource['id']}", headers=site.admin)) == {}
        assert (
            await schedule_status(services, site, resource["eventsSchedule"]["scheduleId"])
            == "CANCELLED"
        )
    assert await schedule_status(services, site, own) == "CANCELLED"
    assert await schedule_status(services, site, business_id) == "ACTIVE"
    app_error(
        await client.get(f"{RESOURCES}/{private['id']}", headers=site.admin),
        404,
        "RESOURCE_NOT_FOUND",
    )
    app_error(
        await client.delete(f"{RESOURCES}/{private['id']}", headers=site.admin),
        404,
        "RESOURCE_NOT_FOUND",
    )


async def test_delete_keeps_hours_still_used_elsewhere(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    own = await new_schedule(services, site, "hours")
    first = await create_resource(
        client, site, "A", workingHoursSchedules={"values": [{"scheduleId": own}]}
    )
    second = await create_resource(
        client, site, "B", workingHoursSchedules={"values": [{"scheduleId": own}]}
    )
    ok(await client.delete(f"{RESOURCES}/{first['id']}", headers=site.admin))
    assert await schedule_status(services, site, own) == "ACTIVE"
    ok(await client.delete(f"{RESOURCES}/{second['id']}", headers=site.admin))
    assert await schedule_status(services, site, own) == "CANCELLED"


async def test_bulk_create(client: httpx.AsyncClient, site: SiteKeys) -> None:
    res = await client.post(
        f"{BULK_RESOURCES}/create",
        headers=site.admin,
        json={
            "resources": [
                {"name": "A"},
                {},
                {"name": "C", "workingHoursSchedules": {"values": [{"scheduleId": UNKNOWN_ID}]}},
                {"resource": {"name": "D", "typeId": ROOM_TYPE}},
            ],
            "returnEntity": True,
        },
    )
    body = ok(res)
    results = body["results"]
    assert body["bulkActionMetadata"] == {
        "totalSuccesses": 2,
        "totalFailures": 2,
        "undetailedFailures": 0,
    }
    assert [r["itemMetadata"]["success"] for r in results] == [True, False, False, True]
    first = results[0]
    assert first == {
        "itemMetadata": {"id": first["item"]["id"], "originalIndex": 0, "success": True},
        "item": first["item"],
    }
    assert first["item"]["name"] == "A" and results[3]["item"]["typeId"] == ROOM_TYPE
    failure = results[2]["itemMetadata"]
    assert failure["error"]["code"] == "INVALID_ARGUMENT"
    assert failure["error"]["data"]["fieldViolations"][0]["ruleName"] == (
        "RESOURCE_WORKING_HOURS_NOT_SUPPORTED_IN_BULK_REQUEST"
    )
    assert results[1]["itemMetadata"]["error"]["data"]["fieldViolations"][0]["ruleName"] == (
        "RESOURCE_NAME_IS_REQUIRED"
    )
    # Without returnEntity only the metadata comes back.
    res = await client.post(
        f"{BULK_RESOURCES}/create", headers=site.admin, json={"resources": [{"name": "E"}]}
    )
    only = ok(res)["results"][0]
    assert set(only) == {"itemMetadata"}
    v = violation(
        await client.post(f"{BULK_RESOURCES}/create", headers=site.admin, json={"resources": []})
    )
    assert (v["field"], v["violatedRule"]) == ("resources", "MIN_SIZE")
    v = violation(
        await client.post(
            f"{BULK_RESOURCES}/create",
            headers=site.admin,
            json={"resources": [{"name": "x"}] * 51},
        )
    )
    assert (v["field"], v["violatedRule"]) == ("resources", "MAX_SIZE")


async def test_bulk_update_and_delete(client: httpx.AsyncClient, site: SiteKeys) -> None:
    a = await create_resource(client, site, "A")
    b = await create_resource(client, site, "B")
    res = await client.post(
        f"{BULK_RESOURCES}/update",
        headers=site.admin,
        json={
            "resources": [
                {"resource": {"id": a["id"], "revision": "1", "name": "A2"}},
                {"resource": {"id": b["id"], "revision": "5", "name": "B2"}},
                {"resource": {"id": b["id"], "name": "B3"}},
                {
                    "resource": {"id": b["id"], "revision": "1", "name": "kept"},
                    "mask": ["extendedFields"],
                },
                {"resource": {"id": UNKNOWN_ID, "revision": "1"}},
            ],
            "returnEntity": True,
        },
    )
    results = ok(res)["results"]
    assert results[0]["item"] == {
        **a,
        "name": "A2",
        "revision": "2",
        "updatedDate": results[0]["item"]["updatedDate"],
    }
    assert results[1]["itemMetadata"]["error"]["code"] == "REVISION_MISMATCH"
    assert results[2]["itemMetadata"]["error"]["data"]["fieldViolations"][0]["field"] == (
        "resource.revision"
    )
    assert results[3]["item"]["name"] == "B" and results[3]["item"]["revision"] == "2"
    assert results[4]["itemMetadata"] == {
        "id": UNKNOWN_ID,
        "originalIndex": 4,
        "success": False,
        "error": {
            "code": "RESOURCE_NOT_FOUND",
            "description": f"Resource {UNKNOWN_ID} not found",
            "data": {"resourceId": UNKNOWN_ID},
        },
    }
    res = await client.post(
        f"{BULK_RESOURCES}/delete", headers=site.admin, json={"ids": [a["id"], UNKNOWN_ID]}
    )
    assert ok(res) == {
        "results": [
            {"itemMetadata": {"id": a["id"], "originalIndex": 0, "success": True}},
            {
                "itemMetadata": {
                    "id": UNKNOWN_ID,
                    "originalIndex": 1,
                    "success": False,
                    "error": {
                        "code": "RESOURCE_NOT_FOUND",
                        "description": f"Resource {UNKNOWN_ID} not found",
                        "data": {"resourceId": UNKNOWN_ID},
                    },
                }
            },
        ],
        "bulkActionMetadata": {"totalSuccesses": 1, "totalFailures": 1, "undetailedFailures": 0},
    }
    v = violation(
        await client.post(f"{BULK_RESOURCES}/delete", headers=site.admin, json={"ids": ["x"]})
    )
    assert (v["field"], v["violatedRule"]) == ("ids[0]", "FORMAT")


async def test_query_and_count(client: httpx.AsyncClient, site: SiteKeys) -> None:
    def specific(*ids: str) -> dict[str, Any]:
        return {
            "specificLocationOptions": {
                "availableInBusinessLocations": True,
                "businessLocations": [{"locationId": i} for i in ids],
            }
        }

    room = await create_resource(client, site, "Room", typeId=ROOM_TYPE)
    car = await create_resource(client, site, "Car", locationOptions=specific(LOCATION))
    van = await create_resource(
        client, site, "Van", typeId=ROOM_TYPE, locationOptions=specific(LOCATION, LOCATION_2)
    )
    member = await create_staff(client, site)

    async def query(body: dict[str, Any]) -> dict[str, Any]:
        return ok(await client.post(f"{RESOURCES}/query", headers=site.admin, json=body))

    everything = await query({})
    ids = sorted([room["id"], car["id"], van["id"], member["resourceId"]])
    assert [r["id"] for r in everything["resources"]] == ids
    assert everything["pagingMetadata"] == {"count": 4, "cursors": {}, "hasNext": False}
    typed = await query({"query": {"filter": {"typeId": ROOM_TYPE}}})
    assert typed["resources"] == sorted([room, van], key=lambda r: r["id"])
    at_2 = await query(
        {
            "query": {
                "filter": {
                    "locationOptions.specificLocationOptions.businessLocations.locationId": {
                        "$hasSome": [LOCATION_2]
                    }
                }
            }
        }
    )
    assert at_2["resources"] == [van]
    everywhere = await query(
        {"query": {"filter": {"singleResource.locationOptions.availableInAllLocations": True}}}
    )
    assert {r["id"] for r in everywhere["resources"]} == {room["id"], member["resourceId"]}
    staff_only = await query({"query": {"filter": {"typeId": STAFF_TYPE}}})
    assert [r["id"] for r in staff_only["resources"]] == [member["resourceId"]]
    page = await query({"query": {"sort": [{"fieldName": "name"}], "cursorPaging": {"limit": 2}}})
    assert [r["name"] for r in page["resources"]] == ["Ana", "Car"]
    rest = await query(
        {"query": {"cursorPaging": {"cursor": page["pagingMetadata"]["cursors"]["next"]}}}
    )
    assert [r["name"] for r in rest["resources"]] == ["Room", "Van"]

    count = await client.post(
        f"{RESOURCES}/count", headers=site.admin, json={"filter": {"typeId": {"$ne": STAFF_TYPE}}}
    )
    assert ok(count) == {"count": 3}
    v = violation(
        await client.post(f"{RESOURCES}/count", headers=site.admin, json={"filter": {"x": 1}})
    )
    assert (v["field"], v["violatedRule"]) == ("filter.x", "FIELD_NOT_ALLOWED")
    v = violation(
        await client.post(
            f"{RESOURCES}/query", headers=site.admin, json={"query": {"paging": {"limit": 1}}}
        )
    )
    assert v["field"] == "query.paging"
    app_error(
        await client.post(
            f"{RESOURCES}/count", headers=site.admin, json={"search": {"expression": "van"}}
        ),
        501,
        "UNIMPLEMENTED",
    )
    app_error(
        await client.post(f"{RESOURCES}/search", headers=site.admin, json={}),
        501,
        "UNIMPLEMENTED",
    )


async def test_roles_and_sites(
    client: httpx.AsyncClient, site: SiteKeys, other_site: SiteKeys
) -> None:
    resource = await create_resource(client, site)
    url = f"{RESOURCES}/{resource['id']}"
    visitor = await visitor_headers(client, site)
    assert ok(await client.get(url, headers=visitor)) == {"resource": resource}
    assert ok(await client.post(f"{RESOURCES}/count", headers=visitor, json={})) == {"count": 1}
    app_error(
        await client.post(RESOURCES, headers=visitor, json={"resource": {"name": "X"}}),
        403,
        "PERMISSION_DENIED",
    )
    app_error(await client.delete(url, headers=visitor), 403, "PERMISSION_DENIED")
    # The app key may write.
    assert ok(await client.post(RESOURCES, headers=site.app, json={"resource": {"name": "Y"}}))
    # Another site sees nothing of this one.
    other = other_site.admin
    app_error(await client.get(url, headers=other), 404, "RESOURCE_NOT_FOUND")
    app_error(
        await client.patch(url, headers=other, json={"resource": {"revision": "1"}}),
        404,
        "RESOURCE_NOT_FOUND",
    )
    app_error(await client.delete(url, headers=other), 404, "RESOURCE_NOT_FOUND")
    assert ok(await client.post(f"{RESOURCES}/count", headers=other, json={})) == {"count": 0}
    assert ok(await client.get(url, headers=site.admin))["resource"] == resource


async def test_aliases(client: httpx.AsyncClient, site: SiteKeys) -> None:
    resource = await create_resource(client, site)
    got = ok(await client.get(f"/_api/bookings/v2/resources/{resource['id']}", headers=site.admin))
    assert got == {"resource": resource}
    res = await client.post(
        "/_api/bookings/v2/bulk/resources/delete",
        headers=site.admin,
        json={"ids": [resource["id"]]},
    )
    assert ok(res)["bulkActionMetadata"]["totalSuccesses"] == 1
    v = violation(await client.get(f"{RESOURCES}/not-a-guid", headers=site.admin))
    assert (v["field"], v["violatedRule"]) == ("resourceId", "FORMAT")
