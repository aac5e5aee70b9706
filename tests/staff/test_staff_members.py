"""Staff Members V1 through HTTP: exact wire JSON, working hours, queries, roles, errors."""

from __future__ import annotations

from typing import Any

import httpx

from bookings.platform.routing import Services
from bookings.staff import calendar_port
from bookings.staff import service as staff
from bookings.staff.rules import BUSINESS_SCHEDULE_EXTERNAL_ID
from tests.conftest import SiteKeys
from tests.helpers import app_error, ok
from tests.helpers import only_violation as violation
from tests.staff.conftest import (
    GUID,
    RESOURCES,
    STAFF,
    STAFF_TYPE,
    UNKNOWN_ID,
    assert_entity_basics,
    create_staff,
    visitor_headers,
)

ANA = {
    "name": "Ana",
    "email": "ana@example.com",
    "phone": "+1 555 0100",
    "description": "Gel and acrylic nails",
    "mainMedia": {"image": "https://example.com/ana.png"},
}


async def schedule(services: Services, site: SiteKeys, schedule_id: str) -> dict[str, Any]:
    async with services.db.read(site.site_id) as scope:
        found = await calendar_port.get_schedule(scope, schedule_id)
    assert found is not None
    return found


async def test_create_staff_member(client: httpx.AsyncClient, site: SiteKeys) -> None:
    res = await client.post(STAFF, headers=site.admin, json={"staffMember": ANA})
    member = ok(res)["staffMember"]
    assert_entity_basics(member)
    assert GUID.match(member["resourceId"])
    assert member["createdDate"] == member["updatedDate"]
    assert member == {
        **ANA,
        "id": member["id"],
        "resourceId": member["resourceId"],
        "revision": "1",
        "createdDate": member["createdDate"],
        "updatedDate": member["updatedDate"],
        "serviceProvider": True,
    }


async def test_resource_details_show_business_hours(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    member = await create_staff(client, site, fields=["RESOURCE_DETAILS"])
    resource = member["resource"]
    business_id = resource["workingHoursSchedules"][0]["id"]
    events_id = resource["eventsSchedule"]["id"]
    assert resource == {
        "id": member["resourceId"],
        "workingHoursSchedules": [{"id": business_id, "shared": True}],
        "eventsSchedule": {"id": events_id},
        "usesDefaultWorkingHours": True,
        "revision": "1",
    }
    assert (await schedule(services, site, business_id))["externalId"] == (
        BUSINESS_SCHEDULE_EXTERNAL_ID
    )
    assert (await schedule(services, site, events_id))["externalId"] == member["resourceId"]
    # Query-string form of the conditional fields, and no resource without them.
    got = ok(
        await client.get(
            f"{STAFF}/{member['id']}", params={"fields": "RESOURCE_DETAILS"}, headers=site.admin
        )
    )["staffMember"]
    assert got == member
    plain = ok(await client.get(f"{STAFF}/{member['id']}", headers=site.admin))["staffMember"]
    assert "resource" not in plain and plain["resourceId"] == member["resourceId"]
    # A second staff member shares the same business schedule.
    other = await create_staff(client, site, "Ben", fields=["RESOURCE_DETAILS"])
    assert other["resource"]["workingHoursSchedules"] == [{"id": business_id, "shared": True}]
    assert other["resource"]["eventsSchedule"]["id"] != events_id


async def test_the_staff_resource_is_a_resource_v2(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    member = await create_staff(client, site, fields=["RESOURCE_DETAILS"])
    details = member["resource"]
    resource = ok(await client.get(f"{RESOURCES}/{member['resourceId']}", headers=site.admin))[
        "resource"
    ]
    assert resource == {
        "id": member["resourceId"],
        "revision": "1",
        "createdDate": resource["createdDate"],
        "updatedDate": resource["updatedDate"],
        "name": "Ana",
        "typeId": STAFF_TYPE,
        "workingHoursSchedules": {
            "values": [{"scheduleId": details["workingHoursSchedules"][0]["id"], "shared": True}]
        },
        "locationOptions": {"availableInAllLocations": True},
        "eventsSchedule": {"scheduleId": details["eventsSchedule"]["id"]},
    }


async def test_assign_own_schedule_then_reset(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    member = await create_staff(client, site, fields=["RESOURCE_DETAILS"])
    business_id = member["resource"]["workingHoursSchedules"][0]["id"]
    events_id = member["resource"]["eventsSchedule"]["id"]
    url = f"{STAFF}/{member['id']}/assign-working-hours-schedule"

    custom = ok(
        await client.post(
            url,
            headers=site.admin,
            json={"scheduleId": events_id, "fields": ["RESOURCE_DETAILS"]},
        )
    )["staffMember"]
    assert custom == {
        **member,
        "resource": {
            "id": member["resourceId"],
            "workingHoursSchedules": [{"id": events_id, "shared": False}],
            "eventsSchedule": {"id": events_id},
            "usesDefaultWorkingHours": False,
            "revision": "2",
        },
    }
    async with services.db.read(site.site_id) as scope:
        hours = await staff.working_hours_schedule_ids(scope, [member["resourceId"], UNKNOWN_ID])
    assert hours == {member["resourceId"]: events_id}

    # The deprecated alias resets to the business hours.
    reset = ok(
        await client.post(
            f"{STAFF}/{member['id']}/assign-custom-schedule",
            headers=site.admin,
            json={"scheduleId": business_id, "fields": ["RESOURCE_DETAILS"]},
        )
    )["staffMember"]
    assert reset["resource"] == {
        "id": member["resourceId"],
        "workingHoursSchedules": [{"id": business_id, "shared": True}],
        "eventsSchedule": {"id": events_id},
        "usesDefaultWorkingHours": True,
        "revision": "3",
    }
    assert reset["revision"] == "1"  # the staff member itself did not change

    # Any other schedule is refused, naming both acceptable ids.
    other = await create_staff(client, site, "Ben", fields=["RESOURCE_DETAILS"])
    res = await client.post(
        url, headers=site.admin, json={"scheduleId": other["resource"]["eventsSchedule"]["id"]}
    )
    v = violation(res)
    assert v["field"] == "scheduleId"
    assert events_id in v["description"] and business_id in v["description"]
    v = violation(await client.post(url, headers=site.admin, json={}))
    assert (v["field"], v["violatedRule"]) == ("scheduleId", "REQUIRED_FIELD")
    v = violation(await client.post(url, headers=site.admin, json={"scheduleId": "nope"}))
    assert (v["field"], v["violatedRule"]) == ("scheduleId", "FORMAT")
    app_error(
        await client.post(
            f"{STAFF}/{UNKNOWN_ID}/assign-working-hours-schedule",
            headers=site.admin,
            json={"scheduleId": events_id},
        ),
        404,
        "STAFF_MEMBER_NOT_FOUND",
    )


async def test_update_with_revision(client: httpx.AsyncClient, site: SiteKeys) -> None:
    member = await create_staff(client, site, staffMember=ANA)
    url = f"{STAFF}/{member['id']}"
    res = await client.patch(
        url,
        headers=site.admin,
        json={"staffMember": {"revision": "1", "name": "Ana B", "serviceProvider": False}},
    )
    updated = ok(res)["staffMember"]
    assert updated == {
        **member,
        "name": "Ana B",
        "revision": "2",
        "updatedDate": updated["updatedDate"],
    }
    assert updated["updatedDate"] >= member["updatedDate"]
    resource = ok(await client.get(f"{RESOURCES}/{member['resourceId']}", headers=site.admin))
    assert resource["resource"]["name"] == "Ana B"
    assert resource["resource"]["revision"] == "2"

    # A field mask clears what it names and keeps the rest.
    res = await client.patch(
        url,
        headers=site.admin,
        json={
            "staffMember": {"revision": 2, "description": "Lashes", "phone": "555 0199"},
            "fieldMask": "email,description",
        },
    )
    masked = ok(res)["staffMember"]
    assert "email" not in masked
    assert (masked["description"], masked["phone"], masked["revision"]) == (
        "Lashes",
        ANA["phone"],
        "3",
    )

    # Missing and stale revisions.
    v = violation(await client.patch(url, headers=site.admin, json={"staffMember": {"name": "X"}}))
    assert (v["field"], v["violatedRule"]) == ("staffMember.revision", "REQUIRED_FIELD")
    error = app_error(
        await client.patch(
            url, headers=site.admin, json={"staffMember": {"revision": "1", "name": "X"}}
        ),
        409,
        "REVISION_MISMATCH",
    )
    assert error["data"] == {"currentRevision": "3"}
    app_error(
        await client.patch(
            f"{STAFF}/{UNKNOWN_ID}", headers=site.admin, json={"staffMember": {"revision": "1"}}
        ),
        404,
        "STAFF_MEMBER_NOT_FOUND",
    )
    v = violation(
        await client.patch(
            url, headers=site.admin, json={"staffMember": {"revision": "3"}, "fieldMask": "name"}
        )
    )
    assert (v["field"], v["violatedRule"]) == ("staffMember.name", "REQUIRED_FIELD")
    v = violation(
        await client.patch(
            url, headers=site.admin, json={"staffMember": {"revision": "3"}, "fieldMask": "bogus"}
        )
    )
    assert (v["field"], v["violatedRule"]) == ("fieldMask", "FIELD_NOT_ALLOWED")


async def test_validation(client: httpx.AsyncClient, site: SiteKeys) -> None:
    async def create(member: dict[str, Any], **body: Any) -> httpx.Response:
        return await client.post(STAFF, headers=site.admin, json={"staffMember": member, **body})

    cases: list[tuple[dict[str, Any], str, str, str | None]] = [
        ({}, "staffMember.name", "REQUIRED_FIELD", "is required"),
        ({"name": ""}, "staffMember.name", "MIN_LENGTH", None),
        ({"name": "   "}, "staffMember.name", "MIN_LENGTH", "must not be blank"),
        ({"name": "x" * 41}, "staffMember.name", "MAX_LENGTH", None),
        ({"name": "A", "email": ""}, "staffMember.email", "FORMAT", "is not a valid email"),
        ({"name": "A", "email": "nope"}, "staffMember.email", "FORMAT", "is not a valid email"),
        ({"name": "A", "phone": ""}, "staffMember.phone", "FORMAT", "is not a valid phone"),
        ({"name": "A", "phone": "call me"}, "staffMember.phone", "FORMAT", "is not a valid phone"),
        ({"name": "A", "phone": "1" * 21}, "staffMember.phone", "MAX_LENGTH", None),
        ({"name": "A", "email": "a@" + "b" * 320 + ".io"}, "staffMember.email", "MAX_LENGTH", None),
        ({"name": "A", "description": "d" * 501}, "staffMember.description", "MAX_LENGTH", None),
        ({"name": 5}, "staffMember.name", "FORMAT", None),
    ]
    for member, field, rule, description in cases:
        v = violation(await create(member))
        assert (v["field"], v["violatedRule"]) == (field, rule), member
        if description is not None:
            assert v["description"] == description
    v = violation(await create({"name": "A"}, fields=["BOGUS"]))
    assert (v["field"], v["violatedRule"]) == ("fields[0]", "INVALID_ENUM_VALUE")
    v = violation(await create({"name": "A"}, fields=["RESOURCE_DETAILS"] * 4))
    assert (v["field"], v["violatedRule"]) == ("fields", "MAX_SIZE")
    v = violation(await client.post(STAFF, headers=site.admin, json={}))
    assert (v["field"], v["violatedRule"]) == ("staffMember", "REQUIRED_FIELD")
    v = violation(await client.get(f"{STAFF}/not-a-guid", headers=site.admin))
    assert (v["field"], v["violatedRule"]) == ("staffMemberId", "FORMAT")
    app_error(
        await client.get(f"{STAFF}/{UNKNOWN_ID}", headers=site.admin), 404, "STAFF_MEMBER_NOT_FOUND"
    )
    # Read-only fields are ignored on create.
    member = await create_staff(
        client,
        site,
        staffMember={"id": UNKNOWN_ID, "resourceId": UNKNOWN_ID, "revision": "9"},
    )
    assert member["id"] != UNKNOWN_ID and member["resourceId"] != UNKNOWN_ID
    assert member["revision"] == "1"


async def test_delete_removes_resource_and_cancels_schedule(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    member = await create_staff(client, site, fields=["RESOURCE_DETAILS"])
    events_id = member["resource"]["eventsSchedule"]["id"]
    business_id = member["resource"]["workingHoursSchedules"][0]["id"]
    await client.post(
        f"{STAFF}/{member['id']}/assign-working-hours-schedule",
        headers=site.admin,
        json={"scheduleId": events_id},
    )
    assert ok(await client.delete(f"{STAFF}/{member['id']}", headers=site.admin)) == {}
    app_error(
        await client.get(f"{STAFF}/{member['id']}", headers=site.admin),
        404,
        "STAFF_MEMBER_NOT_FOUND",
    )
    app_error(
        await client.get(f"{RESOURCES}/{member['resourceId']}", headers=site.admin),
        404,
        "RESOURCE_NOT_FOUND",
    )
    assert (await schedule(services, site, events_id))["status"] == "CANCELLED"
    assert (await schedule(services, site, business_id))["status"] == "ACTIVE"
    app_error(
        await client.delete(f"{STAFF}/{member['id']}", headers=site.admin),
        404,
        "STAFF_MEMBER_NOT_FOUND",
    )


async def test_service_provider(client: httpx.AsyncClient, site: SiteKeys) -> None:
    member = await create_staff(client, site, serviceProvider=False)
    assert member["serviceProvider"] is False
    url = f"{STAFF}/{member['id']}/set-service-provider"
    res = ok(await client.post(url, headers=site.admin, json={"serviceProvider": True}))
    assert res["staffMember"] == {
        **member,
        "serviceProvider": True,
        "revision": "2",
        "updatedDate": res["staffMember"]["updatedDate"],
    }
    # Setting the same value again changes nothing.
    again = ok(await client.post(url, headers=site.admin, json={"serviceProvider": True}))
    assert again == res
    v = violation(await client.post(url, headers=site.admin, json={}))
    assert (v["field"], v["violatedRule"]) == ("serviceProvider", "REQUIRED_FIELD")


async def test_query_and_count(client: httpx.AsyncClient, site: SiteKeys) -> None:
    ana = await create_staff(client, site, "Ana")
    ben = await create_staff(client, site, "Ben")
    cy = await create_staff(client, site, "Cy", serviceProvider=False)
    by_id = sorted([ana, ben, cy], key=lambda m: m["id"])
    providers = [m for m in by_id if m["serviceProvider"]]

    v1 = ok(await client.post(f"{STAFF}/query", headers=site.admin, json={}))
    assert v1 == {
        "staffMembers": providers,
        "pagingMetadata": {"count": 2, "cursors": {}, "hasNext": False},
    }
    everyone = ok(
        await client.post("/bookings/staff/v2/staff-members/query", headers=site.admin, json={})
    )
    assert everyone["staffMembers"] == by_id
    only_cy = ok(
        await client.post(
            f"{STAFF}/query",
            headers=site.admin,
            json={"query": {"filter": {"serviceProvider": False}}},
        )
    )
    assert only_cy["staffMembers"] == [cy]

    # Filters, sorting, fields and cursor paging.
    res = ok(
        await client.post(
            f"{STAFF}/query",
            headers=site.admin,
            json={
                "query": {"filter": {"name": {"$in": ["Ana", "Cy"]}}},
                "fields": ["RESOURCE_DETAILS"],
            },
        )
    )
    assert [m["id"] for m in res["staffMembers"]] == [ana["id"]]
    assert res["staffMembers"][0]["resource"]["id"] == ana["resourceId"]
    for key in ("resourceId", "resource.id"):
        res = ok(
            await client.post(
                f"{STAFF}/query",
                headers=site.admin,
                json={"query": {"filter": {key: ben["resourceId"]}}},
            )
        )
        assert res["staffMembers"] == [ben]
    page = ok(
        await client.post(
            "/bookings/v2/staff-members/query",
            headers=site.admin,
            json={
                "query": {
                    "sort": [{"fieldName": "name", "order": "DESC"}],
                    "cursorPaging": {"limit": 2},
                }
            },
        )
    )
    assert [m["name"] for m in page["staffMembers"]] == ["Cy", "Ben"]
    assert page["pagingMetadata"]["hasNext"] is True
    rest = ok(
        await client.post(
            "/bookings/v2/staff-members/query",
            headers=site.admin,
            json={"query": {"cursorPaging": {"cursor": page["pagingMetadata"]["cursors"]["next"]}}},
        )
    )
    assert [m["name"] for m in rest["staffMembers"]] == ["Ana"]
    assert rest["pagingMetadata"]["hasNext"] is False
    # A V2 cursor does not continue a V1 query (the V1 one carries the provider filter).
    v = violation(
        await client.post(
            f"{STAFF}/query",
            headers=site.admin,
            json={"query": {"cursorPaging": {"cursor": page["pagingMetadata"]["cursors"]["next"]}}},
        )
    )
    assert v["field"] == "query.cursorPaging.cursor"

    count = await client.post(f"{STAFF}/count", headers=site.admin, json={})
    assert ok(count) == {"count": 2}
    count = await client.post("/bookings/staff/v2/staff-members/count", headers=site.admin, json={})
    assert ok(count) == {"count": 3}
    count = await client.post(
        f"{STAFF}/count", headers=site.admin, json={"filter": {"name": {"$startsWith": "b"}}}
    )
    assert ok(count) == {"count": 1}

    # Query errors name the field.
    v = violation(
        await client.post(
            f"{STAFF}/query", headers=site.admin, json={"query": {"filter": {"nope": 1}}}
        )
    )
    assert (v["field"], v["violatedRule"]) == ("query.filter.nope", "FIELD_NOT_ALLOWED")
    v = violation(
        await client.post(f"{STAFF}/count", headers=site.admin, json={"filter": {"nope": 1}})
    )
    assert (v["field"], v["violatedRule"]) == ("filter.nope", "FIELD_NOT_ALLOWED")
    v = violation(
        await client.post(
            f"{STAFF}/query", headers=site.admin, json={"query": {"paging": {"limit": 2}}}
        )
    )
    assert v["field"] == "query.paging"
    v = violation(
        await client.post(
            f"{STAFF}/query", headers=site.admin, json={"query": {"cursorPaging": {"limit": 101}}}
        )
    )
    assert (v["field"], v["violatedRule"]) == ("query.cursorPaging.limit", "MAX")


async def test_visitors_see_no_contact_details(client: httpx.AsyncClient, site: SiteKeys) -> None:
    member = await create_staff(client, site, staffMember=ANA)
    visitor = await visitor_headers(client, site)
    public = {k: v for k, v in member.items() if k not in ("email", "phone")}
    got = ok(await client.get(f"{STAFF}/{member['id']}", headers=visitor))
    assert got == {"staffMember": public}
    listed = ok(await client.post(f"{STAFF}/query", headers=visitor, json={}))
    assert listed["staffMembers"] == [public]
    assert ok(await client.post(f"{STAFF}/count", headers=visitor, json={})) == {"count": 1}
    # ...nor may they probe them through filters.
    v = violation(
        await client.post(
            f"{STAFF}/query",
            headers=visitor,
            json={"query": {"filter": {"email": ANA["email"]}}},
        )
    )
    assert (v["field"], v["violatedRule"]) == ("query.filter.email", "FIELD_NOT_ALLOWED")
    # The app key is a backend caller and sees everything; filtering on email works.
    res = ok(
        await client.post(
            f"{STAFF}/query", headers=site.app, json={"query": {"filter": {"email": ANA["email"]}}}
        )
    )
    assert res["staffMembers"] == [member]
    # Writes are for backend callers only.
    for res in (
        await client.post(STAFF, headers=visitor, json={"staffMember": {"name": "X"}}),
        await client.delete(f"{STAFF}/{member['id']}", headers=visitor),
        await client.patch(
            f"{STAFF}/{member['id']}", headers=visitor, json={"staffMember": {"revision": "1"}}
        ),
    ):
        app_error(res, 403, "PERMISSION_DENIED")
    app_error(await client.post(f"{STAFF}/query", json={}), 401, "UNAUTHENTICATED")


async def test_sites_are_kept_apart(
    client: httpx.AsyncClient, site: SiteKeys, other_site: SiteKeys
) -> None:
    member = await create_staff(client, site, fields=["RESOURCE_DETAILS"])
    url = f"{STAFF}/{member['id']}"
    other = other_site.admin
    app_error(await client.get(url, headers=other), 404, "STAFF_MEMBER_NOT_FOUND")
    app_error(
        await client.patch(url, headers=other, json={"staffMember": {"revision": "1"}}),
        404,
        "STAFF_MEMBER_NOT_FOUND",
    )
    app_error(await client.delete(url, headers=other), 404, "STAFF_MEMBER_NOT_FOUND")
    app_error(
        await client.post(
            f"{url}/assign-working-hours-schedule",
            headers=other,
            json={"scheduleId": member["resource"]["eventsSchedule"]["id"]},
        ),
        404,
        "STAFF_MEMBER_NOT_FOUND",
    )
    app_error(
        await client.get(f"{RESOURCES}/{member['resourceId']}", headers=other),
        404,
        "RESOURCE_NOT_FOUND",
    )
    assert ok(await client.post(f"{STAFF}/query", headers=other, json={}))["staffMembers"] == []
    # Another site's key with this site's id header is refused outright.
    headers = {"Authorization": other_site.admin_key, "wix-site-id": site.site_id}
    app_error(await client.get(url, headers=headers), 403, "PERMISSION_DENIED")
    assert ok(await client.get(url, headers=site.admin))["staffMember"]["id"] == member["id"]


async def test_aliases(client: httpx.AsyncClient, site: SiteKeys) -> None:
    member = await create_staff(client, site)
    for prefix in (
        "/_api/bookings/v1/staff-members",
        "/bookings/staff/v1/staff-members",
        "/_api/bookings/staff/v1/staff-members",
        "/_api/staff-members/v1/staff-members",
    ):
        got = ok(await client.get(f"{prefix}/{member['id']}", headers=site.admin))
        assert got == {"staffMember": member}, prefix
    for path in (
        "/_api/bookings/staff/v2/staff-members/count",
        "/_api/bookings/v2/staff-members/count",
        "/_api/staff-members/v2/staff-members/count",
    ):
        assert ok(await client.post(path, headers=site.admin, json={})) == {"count": 1}


async def test_not_implemented_methods(client: httpx.AsyncClient, site: SiteKeys) -> None:
    member = await create_staff(client, site)
    for path in (
        f"{STAFF}/search",
        "/bookings/staff/v2/staff-members/search",
        f"{STAFF}/{member['id']}/connect-staff-member-to-user",
        f"{STAFF}/{member['id']}/disconnect-staff-member-from-user",
        f"{STAFF}/get-or-create/wix-user-id/{UNKNOWN_ID}",
        "/bookings/v1/bulk/staff-members/get-or-create",
        "/bookings/v1/bulk/staff-members/update-tags",
        "/bookings/v1/bulk/staff-members/update-tags-by-filter",
    ):
        app_error(await client.post(path, headers=site.admin, json={}), 501, "UNIMPLEMENTED")
    app_error(
        await client.get("/bookings/staff/v2/staff-members/trash-bin", headers=site.admin),
        501,
        "UNIMPLEMENTED",
    )


async def test_functions_for_other_slices(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    member = await create_staff(client, site, staffMember=ANA, fields=["RESOURCE_DETAILS"])
    details = member.pop("resource")
    room = ok(
        await client.post(RESOURCES, headers=site.admin, json={"resource": {"name": "Room"}})
    )["resource"]
    async with services.db.read(site.site_id) as scope:
        found = await staff.staff_by_resource_ids(scope, [member["resourceId"], room["id"]])
        assert found == {member["resourceId"]: member}
        hours = await staff.working_hours_schedule_ids(
            scope, [member["resourceId"], room["id"], UNKNOWN_ID]
        )
        assert hours == {
            member["resourceId"]: details["workingHoursSchedules"][0]["id"],
            room["id"]: None,
        }
        resources = await staff.resources_by_ids(scope, [room["id"], member["resourceId"]])
        assert resources[room["id"]] == room
        assert resources[member["resourceId"]]["typeId"] == STAFF_TYPE
        assert await staff.staff_by_resource_ids(scope, []) == {}
        assert await staff.resources_by_ids(scope, []) == {}
    async with services.db.read(UNKNOWN_ID) as scope:
        assert await staff.staff_by_resource_ids(scope, [member["resourceId"]]) == {}


async def test_calendar_integration(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    from bookings.calendar import service as calendar

    member = await create_staff(client, site, fields=["RESOURCE_DETAILS"])
    events_id = member["resource"]["eventsSchedule"]["id"]
    assert (await schedule(services, site, events_id))["name"] == "Ana"
    # A rename follows the staff member to its events schedule.
    ok(
        await client.patch(
            f"{STAFF}/{member['id']}",
            headers=site.admin,
            json={"staffMember": {"revision": "1", "name": "Ana Lima"}},
        )
    )
    assert (await schedule(services, site, events_id))["name"] == "Ana Lima"
    # Events naming the staff resource get its name and type from this slice.
    async with services.db.write(site.site_id) as uow:
        event = await calendar.create_event(
            uow,
            {
                "scheduleId": events_id,
                "type": "DEFAULT",
                "title": "Time off",
                "start": {"localDate": "2030-01-07T10:00:00"},
                "end": {"localDate": "2030-01-07T12:00:00"},
                "resources": [{"id": member["resourceId"], "permissionRole": "WRITER"}],
            },
        )
    resource = event["resources"][0]
    assert (resource["id"], resource["name"], resource["type"]) == (
        member["resourceId"],
        "Ana Lima",
        STAFF_TYPE,
    )
