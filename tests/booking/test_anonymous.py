"""Anonymous actions: a booking's action token is a capability for its customer, on every
alias; whatever is wrong with a token, the answer is 401 INVALID_TOKEN."""

from __future__ import annotations

from typing import Any

import httpx

from bookings.booking.service import anonymous
from bookings.platform.db import utcnow
from bookings.platform.routing import Services
from tests.booking.conftest import Catalog, class_booking, created, next_monday
from tests.conftest import SiteKeys
from tests.helpers import app_error, ok, violation

ANON = ("/v1/anonymous-bookings", "/_api/v1/anonymous-bookings")


async def policy(client: httpx.AsyncClient, site: SiteKeys, cancellable: bool) -> str:
    body = {
        "bookingPolicy": {
            "name": "Free cancellation" if cancellable else "No cancellation",
            "cancellationPolicy": {"enabled": cancellable, "limitLatestCancellation": False},
            "reschedulePolicy": {"enabled": cancellable, "limitLatestReschedule": False},
            "participantsPolicy": {"maxParticipantsPerBooking": 5},
        }
    }
    res = await client.post("/bookings/v1/booking-policies", json=body, headers=site.admin)
    return str(ok(res)["bookingPolicy"]["id"])


async def booked(
    client: httpx.AsyncClient, site: SiteKeys, cancellable: bool = True
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A class booking under a policy that lets its customer cancel and reschedule (or
    neither), and the session it is in."""
    cat = Catalog(client, site.admin)
    yoga = await cat.group(
        capacity=10, bookingPolicy={"id": await policy(client, site, cancellable)}
    )
    event = await cat.session(yoga, next_monday(), capacity=10)
    return yoga, await created(client, site.admin, class_booking(yoga, event))


async def token_of(client: httpx.AsyncClient, site: SiteKeys, booking_id: str) -> str:
    res = await client.get(f"{ANON[0]}/{booking_id}/token", headers=site.app)
    return str(ok(res)["token"])


async def test_get_and_cancel_with_the_token(client: httpx.AsyncClient, site: SiteKeys) -> None:
    yoga, booking = await booked(client, site)
    token = await token_of(client, site, booking["id"])
    assert 32 <= len(token) <= 2048 and token.replace("-", "").replace("_", "").isalnum()
    for prefix in ANON:  # no credential at all
        got = ok(await client.get(f"{prefix}/{token}"))
        assert got == {
            "booking": booking,
            "allowedAnonymousActions": {"cancel": True, "reschedule": True},
        }
        service = ok(await client.get(f"{prefix}/{token}/service"))["service"]
        assert service["id"] == yoga["id"] and service["name"] == yoga["name"]
    violation(await client.post(f"{ANON[1]}/{token}/cancel", json={}), "revision")
    stale = await client.post(f"{ANON[1]}/{token}/cancel", json={"revision": "7"})
    app_error(stale, 409, "REVISION_MISMATCH")
    canceled = ok(await client.post(f"{ANON[0]}/{token}/cancel", json={"revision": "1"}))["booking"]
    assert (canceled["status"], canceled["revision"]) == ("CANCELED", "2")
    assert canceled["id"] == booking["id"]
    events = ok(
        await client.get(
            "/_api/bookings-server/v1/domain-events",
            params={"entityId": booking["id"]},
            headers=site.admin,
        )
    )["events"]
    canceled_event = events[-1]
    assert canceled_event["slug"] == "canceled"
    body = canceled_event["actionEvent"]["body"]
    assert body["initiatedBy"] == {"anonymousVisitorId": anonymous.ANONYMOUS_VISITOR}
    after = ok(await client.get(f"{ANON[0]}/{token}"))
    assert after["allowedAnonymousActions"] == {"cancel": False, "reschedule": False}


async def test_the_policy_decides_and_the_answer_says_so(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    _, booking = await booked(client, site, cancellable=False)
    token = await token_of(client, site, booking["id"])
    actions = ok(await client.get(f"{ANON[0]}/{token}"))["allowedAnonymousActions"]
    assert actions["cancel"] is False
    res = await client.post(f"{ANON[0]}/{token}/cancel", json={"revision": "1"})
    app_error(res, 428, "BOOKING_CANNOT_BE_CANCELLED")
    # the business still may
    res = await client.post(
        f"/bookings/v2/bookings/{booking['id']}/cancel", json={"revision": "1"}, headers=site.admin
    )
    assert ok(res)["booking"]["status"] == "CANCELED"


async def test_every_bad_token_is_invalid_token(
    client: httpx.AsyncClient, site: SiteKeys, other_site: SiteKeys, services: Services
) -> None:
    _, booking = await booked(client, site)
    token = await token_of(client, site, booking["id"])
    forged = services.signer.sign({"v": 1, "k": "cursor", "s": site.site_id, "b": booking["id"]})
    expired = anonymous.issue_token(
        services.signer, site.site_id, booking["id"], utcnow() - anonymous.TOKEN_LIFETIME
    )
    gone = anonymous.issue_token(services.signer, site.site_id, "no-such-booking", utcnow())
    foreign = anonymous.issue_token(services.signer, other_site.site_id, booking["id"], utcnow())
    for bad in (
        token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"),  # altered
        token[:40],  # truncated
        "x" * 40,  # not a token
        "short",
        forged,  # signed here, but not an action token
        expired,
        gone,
        foreign,  # names a booking that is not on its site
    ):
        for res in (
            await client.get(f"{ANON[0]}/{bad}"),
            await client.get(f"{ANON[1]}/{bad}/service"),
            await client.post(f"{ANON[0]}/{bad}/cancel", json={"revision": "1"}),
        ):
            error = app_error(res, 401, "INVALID_TOKEN")
            assert booking["id"] not in res.text and error["data"] == {}
    # the token call itself needs a backend credential and a booking of the caller's site
    app_error(await client.get(f"{ANON[0]}/{booking['id']}/token"), 401, "UNAUTHENTICATED")
    res = await client.get(f"{ANON[1]}/{booking['id']}/token", headers=other_site.admin)
    app_error(res, 404, "BOOKING_NOT_FOUND")
    assert ok(await client.get(f"{ANON[0]}/{token}"))["booking"]["id"] == booking["id"]


async def test_reschedule_with_the_token(client: httpx.AsyncClient, site: SiteKeys) -> None:
    cat = Catalog(client, site.admin)
    for cancellable in (True, False):
        policy_id = await policy(client, site, cancellable)
        yoga = await cat.group(capacity=10, bookingPolicy={"id": policy_id})
        first = await cat.session(yoga, next_monday(), capacity=10)
        later = await cat.session(yoga, next_monday(3), capacity=10)
        booking = await created(client, site.admin, class_booking(yoga, first))
        token = await token_of(client, site, booking["id"])
        body = {"slot": {"eventId": later["id"]}, "revision": "1"}
        res = await client.post(f"{ANON[1]}/{token}/reschedule", json=body)
        if not cancellable:
            app_error(res, 428, "RESCHEDULING_NOT_ALLOWED")
            continue
        moved = ok(res)["booking"]
        assert moved["bookedEntity"]["slot"]["eventId"] == later["id"]
        assert moved["revision"] == "2"
        events = ok(
            await client.get(
                "/_api/bookings-server/v1/domain-events",
                params={"entityId": booking["id"]},
                headers=site.admin,
            )
        )["events"]
        rescheduled = events[-1]["actionEvent"]["body"]
        assert rescheduled["participantNotification"] == {"notifyParticipants": True}
        assert rescheduled["initiatedBy"] == {"anonymousVisitorId": anonymous.ANONYMOUS_VISITOR}
        stale = await client.post(f"{ANON[0]}/{token}/reschedule", json=body)
        app_error(stale, 409, "REVISION_MISMATCH")
