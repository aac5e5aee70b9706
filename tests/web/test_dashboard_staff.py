"""The dashboard's staff pages (issue 16, notes §4.2 check 7): create, edit with the
revision, working hours that the Time Slots API follows, deleting removes the slots; another
site's staff member is not found."""

from __future__ import annotations

from datetime import timedelta

import httpx
from selectolax.lexbor import LexborHTMLParser

from bookings.platform.routing import Services
from tests.booking.conftest import Catalog, next_monday
from tests.conftest import SiteKeys
from tests.helpers import ok
from tests.web.dashboard_helpers import csrf, html, signed_in

SLOTS = "/_api/service-availability/v2/time-slots"
STAFF = "/bookings/v1/staff-members"


async def slots_by_staff(
    client: httpx.AsyncClient, site: SiteKeys, service_id: str, days: int = 0
) -> dict[str, list[str]]:
    day = next_monday() + timedelta(days=days)
    body = {
        "serviceId": service_id,
        "fromLocalDate": f"{day}T00:00:00",
        "toLocalDate": f"{day + timedelta(days=1)}T00:00:00",
        "timeZone": "UTC",
        "includeResourceTypeIds": ["1cd44cf8-756f-41c3-bd90-3e2ffcaf1155"],
    }
    found = ok(await client.post(SLOTS, json=body, headers=site.admin))
    out: dict[str, list[str]] = {}
    for slot in found["timeSlots"]:
        for group in slot.get("availableResources") or []:
            for r in group["resources"]:
                out.setdefault(r["name"], []).append(slot["localStartDate"][11:16])
    return out


async def member_id(client: httpx.AsyncClient, site: SiteKeys, name: str) -> str:
    found = ok(await client.post(f"{STAFF}/query", json={"query": {}}, headers=site.admin))
    return next(m["id"] for m in found["staffMembers"] if m["name"] == name)


async def test_create_edit_hours_and_delete(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    cat = Catalog(client, site.admin)
    ana = await cat.staff("Ana")
    async with signed_in(client, site) as c:
        token = csrf(services, c)
        res = await c.post(
            "/dashboard/staff", data={"csrf": token, "name": "Bo", "email": "bo@example.com"}
        )
        assert res.status_code == 303
        listing = html(await c.get(res.headers["location"]))
        assert [r.css_first("th").text() for r in listing.css("tbody tr")] == ["Ana", "Bo"]
        bo = await member_id(client, site, "Bo")
        bo_resource = ok(await client.get(f"{STAFF}/{bo}", headers=site.admin))["staffMember"][
            "resourceId"
        ]
        massage = await cat.appointment([ana, bo_resource])
        before = await slots_by_staff(client, site, massage["id"])
        assert before["Bo"][0] == "09:00" and before["Ana"] == before["Bo"]

        # Name and e-mail, with the revision.
        page = html(await c.get(f"/dashboard/staff/{bo}"))
        revision = page.css_first("input[name=revision]").attributes["value"]
        res = await c.post(
            f"/dashboard/staff/{bo}",
            data={"csrf": token, "revision": revision, "name": "Bo B", "email": "b@example.com"},
        )
        assert res.status_code == 303
        stale = await c.post(
            f"/dashboard/staff/{bo}",
            data={"csrf": token, "revision": revision, "name": "Bo C", "email": ""},
        )
        assert stale.status_code == 409 and "changed by someone else" in stale.text
        bad = await c.post(
            f"/dashboard/staff/{bo}",
            data={
                "csrf": token,
                "revision": str(int(revision or 0) + 1),
                "name": "Bo",
                "email": "nope",
            },
        )
        assert bad.status_code == 422
        assert LexborHTMLParser(bad.text).css_first("#email-error")

        # Own hours: Mondays 12:00-14:00 only.
        res = await c.post(
            f"/dashboard/staff/{bo}/hours",
            data={
                "csrf": token,
                "mode": "own",
                "monday_on": "on",
                "monday_start": "12:00",
                "monday_end": "14:00",
            },
        )
        assert res.status_code == 303, res.text
        page = html(await c.get(f"/dashboard/staff/{bo}"))
        assert page.css_first("#monday_start").attributes["value"] == "12:00"
        assert "checked" not in page.css_first("#tuesday_on").attributes
        after = await slots_by_staff(client, site, massage["id"])
        assert after["Bo B"][0] == "12:00" and all("12:00" <= t <= "13:00" for t in after["Bo B"])
        assert after["Ana"][0] == "09:00"
        assert "Bo B" not in await slots_by_staff(client, site, massage["id"], days=1)
        bad_hours = await c.post(
            f"/dashboard/staff/{bo}/hours",
            data={
                "csrf": token,
                "mode": "own",
                "monday_on": "on",
                "monday_start": "14:00",
                "monday_end": "12:00",
            },
        )
        assert bad_hours.status_code == 422 and "after the start" in bad_hours.text
        # Back to the business hours.
        res = await c.post(f"/dashboard/staff/{bo}/hours", data={"csrf": token, "mode": "business"})
        assert res.status_code == 303
        assert (await slots_by_staff(client, site, massage["id"]))["Bo B"][0] == "09:00"

        # Delete: Bo's slots go.
        assert (await c.post(f"/dashboard/staff/{bo}/delete", data={})).status_code == 403
        res = await c.post(f"/dashboard/staff/{bo}/delete", data={"csrf": token})
        assert res.status_code == 303
    left = await slots_by_staff(client, site, massage["id"])
    assert set(left) == {"Ana"}
    assert (await client.get(f"{STAFF}/{bo}", headers=site.admin)).status_code == 404


async def test_another_sites_staff_is_not_found(
    client: httpx.AsyncClient, site: SiteKeys, other_site: SiteKeys, services: Services
) -> None:
    await Catalog(client, site.admin).staff("Ana")
    ana = await member_id(client, site, "Ana")
    async with signed_in(client, other_site) as c:
        token = csrf(services, c)
        assert (await c.get(f"/dashboard/staff/{ana}")).status_code == 404
        assert "Ana" not in (await c.get("/dashboard/staff")).text
        for path in (f"/dashboard/staff/{ana}", f"/dashboard/staff/{ana}/delete"):
            res = await c.post(path, data={"csrf": token, "revision": "1", "name": "Mine"})
            assert res.status_code == 404
    assert (await client.get(f"{STAFF}/{ana}", headers=site.admin)).status_code == 200
