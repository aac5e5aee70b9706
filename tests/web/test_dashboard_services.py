"""The dashboard's services pages (issue 16, notes §4.2 check 7): an edit goes through Update
Service with its revision and changes the slots the Time Slots API lists; a stale revision is
refused; another site's service is not found."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from selectolax.lexbor import LexborHTMLParser

from bookings.platform.routing import Services
from tests.booking.conftest import Catalog, next_monday
from tests.conftest import SiteKeys
from tests.helpers import ok
from tests.web.dashboard_helpers import csrf, html, signed_in

SLOTS = "/_api/service-availability/v2/time-slots"


async def slot_starts(client: httpx.AsyncClient, site: SiteKeys, service_id: str) -> list[str]:
    day = next_monday()
    body = {
        "serviceId": service_id,
        "fromLocalDate": f"{day}T00:00:00",
        "toLocalDate": f"{day + timedelta(days=1)}T00:00:00",
        "timeZone": "UTC",
    }
    found = ok(await client.post(SLOTS, json=body, headers=site.admin))
    return [s["localStartDate"][11:16] for s in found["timeSlots"]]


def form_of(doc: Any) -> dict[str, str]:
    fields = {}
    for node in doc.css("form.edit-form input, form.edit-form textarea"):
        name = node.attributes.get("name")
        if not name:
            continue
        if node.attributes.get("type") == "checkbox":
            if "checked" in node.attributes:
                fields[name] = "on"
        elif node.tag == "textarea":
            fields[name] = node.text()
        else:
            fields[name] = node.attributes.get("value") or ""
    return fields


async def test_an_edit_changes_the_slots(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    cat = Catalog(client, site.admin)
    ana = await cat.staff("Ana")
    massage = await cat.appointment([ana])
    before = await slot_starts(client, site, massage["id"])
    assert before[:3] == ["09:00", "10:15", "11:30"]  # 60 minutes + a 15-minute break
    async with signed_in(client, site) as c:
        listing = html(await c.get("/dashboard/services"))
        row = listing.css_first(f"tr[data-service='{massage['id']}']")
        assert "60 min" in row.text() and "80.00 USD" in row.text()
        doc = html(await c.get(f"/dashboard/services/{massage['id']}"))
        fields = form_of(doc)
        assert fields["duration"] == "60" and fields["revision"] == massage["revision"]
        fields.update(duration="30", buffer="0", price="45.5", name="Short massage")
        fields["manual"] = "on"
        res = await c.post(f"/dashboard/services/{massage['id']}", data=fields)
        assert res.status_code == 303, res.text
    after = await slot_starts(client, site, massage["id"])
    assert after[:4] == ["09:00", "09:30", "10:00", "10:30"]
    svc = ok(await client.get(f"/_api/bookings/v2/services/{massage['id']}", headers=site.admin))[
        "service"
    ]
    assert svc["name"] == "Short massage"
    assert svc["payment"]["fixed"]["price"]["value"] == "45.50"
    assert svc["onlineBooking"] == {"enabled": True, "requireManualApproval": True}
    assert svc["revision"] == str(int(massage["revision"]) + 1)


async def test_a_stale_revision_and_bad_input_are_refused(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    cat = Catalog(client, site.admin)
    massage = await cat.appointment([await cat.staff("Ana")])
    async with signed_in(client, site) as c:
        fields = form_of(html(await c.get(f"/dashboard/services/{massage['id']}")))
        # Someone else saves first (through the API).
        patch = {"service": {"id": massage["id"], "revision": massage["revision"], "name": "X"}}
        ok(
            await client.patch(
                f"/_api/bookings/v2/services/{massage['id']}", json=patch, headers=site.admin
            )
        )
        res = await c.post(f"/dashboard/services/{massage['id']}", data=fields)
        assert res.status_code == 409
        assert "changed by someone else" in res.text and "Reload" in res.text
        bad = await c.post(
            f"/dashboard/services/{massage['id']}", data={**fields, "duration": "0", "name": ""}
        )
        assert bad.status_code == 422
        doc = LexborHTMLParser(bad.text)
        assert doc.css_first("#duration").attributes.get("aria-invalid") == "true"
        assert doc.css_first("#name-error")
        no_token = {k: v for k, v in fields.items() if k != "csrf"}
        assert (
            await c.post(f"/dashboard/services/{massage['id']}", data=no_token)
        ).status_code == 403
    svc = ok(await client.get(f"/_api/bookings/v2/services/{massage['id']}", headers=site.admin))
    assert svc["service"]["name"] == "X"


async def test_another_sites_service_is_not_found(
    client: httpx.AsyncClient, site: SiteKeys, other_site: SiteKeys, services: Services
) -> None:
    cat = Catalog(client, site.admin)
    massage = await cat.appointment([await cat.staff("Ana")])
    async with signed_in(client, other_site) as c:
        assert (await c.get(f"/dashboard/services/{massage['id']}")).status_code == 404
        assert "Massage" not in (await c.get("/dashboard/services")).text
        res = await c.post(
            f"/dashboard/services/{massage['id']}",
            data={"csrf": csrf(services, c), "revision": "1", "name": "Mine", "duration": "30"},
        )
        assert res.status_code == 404
    async with httpx.AsyncClient(transport=client._transport, base_url="http://t") as anon:
        assert (await anon.get("/dashboard/services")).status_code == 303
