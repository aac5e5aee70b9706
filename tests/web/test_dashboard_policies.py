"""The dashboard's booking policies (issue 16): edits through Update Booking Policy with the
revision, the slice's validation errors next to their fields, other sites' policies not found."""

from __future__ import annotations

from typing import Any

import httpx
from selectolax.lexbor import LexborHTMLParser

from bookings.platform.routing import Services
from tests.conftest import SiteKeys
from tests.helpers import ok
from tests.web.dashboard_helpers import csrf, html, signed_in

POLICIES = "/bookings/v1/booking-policies"


async def a_policy(client: httpx.AsyncClient, site: SiteKeys) -> dict[str, Any]:
    body = {"bookingPolicy": {"name": "Standard"}}
    found: dict[str, Any] = ok(await client.post(POLICIES, json=body, headers=site.admin))
    return found["bookingPolicy"]


def form_of(doc: LexborHTMLParser) -> dict[str, str]:
    out: dict[str, str] = {}
    for node in doc.css("form.edit-form textarea"):
        out[node.attributes.get("name") or ""] = node.text()
    for node in doc.css("form.edit-form input"):
        name = node.attributes.get("name") or ""
        if node.attributes.get("type") == "checkbox":
            if "checked" in node.attributes:
                out[name] = "on"
        else:
            out[name] = node.attributes.get("value") or ""
    return out


async def test_edit_and_validation(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    policy = await a_policy(client, site)
    async with signed_in(client, site) as c:
        listing = html(await c.get("/dashboard/policies"))
        assert listing.css_first(f"tr[data-policy='{policy['id']}'] th").text() == "Standard"
        fields = form_of(html(await c.get(f"/dashboard/policies/{policy['id']}")))
        assert fields["revision"] == policy["revision"]
        fields.update(
            {
                "cancellationPolicy.enabled": "on",
                "cancellationPolicy.limitLatestCancellation": "on",
                "cancellationPolicy.latestCancellationInMinutes": "120",
                "reschedulePolicy.enabled": "on",
                "participantsPolicy.maxParticipantsPerBooking": "4",
            }
        )
        # A fee without a window, and without saving the card: the use case says why.
        bad = await c.post(
            f"/dashboard/policies/{policy['id']}",
            data={**fields, "cancellationFeePolicy.enabled": "on"},
        )
        assert bad.status_code == 422
        doc = LexborHTMLParser(bad.text)
        assert doc.css_first("#saveCreditCardPolicy-enabled-error")
        assert doc.css_first("#cancellationFeePolicy-cancellationWindows-error")
        assert doc.css_first("#saveCreditCardPolicy-enabled").attributes["aria-invalid"] == "true"
        assert doc.css_first("#customPolicyDescription-description-error")
        # A good one, with a fee window.
        res = await c.post(
            f"/dashboard/policies/{policy['id']}",
            data={
                **fields,
                "cancellationFeePolicy.enabled": "on",
                "saveCreditCardPolicy.enabled": "on",
                "customPolicyDescription.enabled": "on",
                "customPolicyDescription.description": "Half the price within a day.",
                "cancellationFeePolicy.cancellationWindows[0].startInMinutes": "1440",
                "cancellationFeePolicy.cancellationWindows[0].percentage": "50",
            },
        )
        assert res.status_code == 303, res.text
        stale = await c.post(f"/dashboard/policies/{policy['id']}", data=fields)
        assert stale.status_code == 409 and "changed by someone else" in stale.text
        no_token = {k: v for k, v in fields.items() if k != "csrf"}
        assert (
            await c.post(f"/dashboard/policies/{policy['id']}", data=no_token)
        ).status_code == 403
    saved = ok(await client.get(f"{POLICIES}/{policy['id']}", headers=site.admin))["bookingPolicy"]
    assert saved["cancellationPolicy"] == {
        "enabled": True,
        "limitLatestCancellation": True,
        "latestCancellationInMinutes": 120,
    }
    assert saved["reschedulePolicy"]["enabled"] is True
    assert saved["participantsPolicy"]["maxParticipantsPerBooking"] == 4
    fee = saved["cancellationFeePolicy"]
    assert fee["enabled"] is True
    assert fee["cancellationWindows"][0]["startInMinutes"] == 1440
    assert fee["cancellationWindows"][0]["percentage"] in ("50", "50.00", "50.0")
    assert saved["revision"] == str(int(policy["revision"]) + 1)


async def test_another_sites_policy_is_not_found(
    client: httpx.AsyncClient, site: SiteKeys, other_site: SiteKeys, services: Services
) -> None:
    policy = await a_policy(client, site)
    async with signed_in(client, other_site) as c:
        assert (await c.get(f"/dashboard/policies/{policy['id']}")).status_code == 404
        assert "Standard" not in (await c.get("/dashboard/policies")).text
        res = await c.post(
            f"/dashboard/policies/{policy['id']}",
            data={"csrf": csrf(services, c), "revision": "1", "name": "Mine"},
        )
        assert res.status_code == 404
