"""Delivery, on both engines, with an injected clock (no sleeps): Standard Webhooks
signatures verified by PyPI's ``standardwebhooks`` (proof 1), the retry ladder, 410, 3xx and
Retry-After (proof 2), a 6-hour receiver outage (proof 3), and a create that commits while a
receiver holds its request open (proof 6)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from datetime import timedelta
from typing import Any

import httpx
import jwt
import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from bookings.platform.routing import Services
from bookings.webhooks import ladder
from bookings.webhooks.shapes import SystemClock
from tests.conftest import SiteKeys
from tests.helpers import ok
from tests.webhooks.conftest import (
    BOOKING_TYPES,
    HOOKS,
    Bookings,
    FakeClock,
    attempts_of,
    deliveries,
    dispatcher,
    events_of,
    eventually,
    subscribe,
)
from tests.webhooks.receiver import Receiver

CREATED = "wix.bookings.v2.booking_created"
CANCELED = "wix.bookings.v2.booking_canceled"


class Script:
    """A MockTransport receiver at ``url``: answers from ``answer`` and records (clock time,
    request). Requests for other URLs (deliveries of other tests' webhooks, which a
    dispatcher of this database may claim too) get a 410 and are not recorded."""

    def __init__(self, clock: FakeClock, answer: Any = None) -> None:
        self.url = f"http://127.0.0.1:1/{uuid.uuid4().hex}"
        self.clock = clock
        self.answer = answer or (lambda request: httpx.Response(204))
        self.seen: list[tuple[Any, httpx.Request]] = []

    def transport(self) -> httpx.MockTransport:
        def handle(request: httpx.Request) -> httpx.Response:
            if request.url.path != httpx.URL(self.url).path:
                return httpx.Response(410)
            self.seen.append((self.clock.now(), request))
            response: httpx.Response = self.answer(request)
            return response

        return httpx.MockTransport(handle)


async def test_standard_signatures_verify(
    client: httpx.AsyncClient, site: SiteKeys, services: Services, receiver: Receiver
) -> None:
    """Proof 1: every delivery verifies with standardwebhooks; a tampered body or an old
    timestamp does not; the event type filter holds; webhook-id is the event id."""
    everything = await subscribe(client, site, receiver.url)
    only_canceled = await subscribe(client, site, receiver.url + "?canceled", [CANCELED])
    bookings = await Bookings(client, site).setup()
    made = [await bookings.create() for _ in range(3)]
    res = await client.post(
        f"/_api/bookings-service/v2/bookings/{made[0]['id']}/cancel",
        json={"revision": made[0]["revision"]},
        headers=site.admin,
    )
    ok(res)
    d = dispatcher(services, SystemClock())
    try:
        await d.drain()
    finally:
        await d.aclose()
    events = {e.id: e for e in await events_of(services, site.site_id)}
    mine = [r for r in receiver.received if r.path == "/hook"]
    filtered = [r for r in receiver.received if r.path == "/hook?canceled"]
    assert sorted(r.headers["webhook-id"] for r in mine) == sorted(events)
    assert len(filtered) == 1
    verifiers = {
        "/hook": Webhook(everything["secret"]),
        "/hook?canceled": Webhook(only_canceled["secret"]),
    }
    for got in receiver.received:
        message = verifiers[got.path].verify(got.body, got.headers)
        event = events[got.headers["webhook-id"]]
        assert message == {
            "type": f"{event.entity_fqdn}_{event.slug}",
            "timestamp": event.body["eventTime"],
            "data": event.body,
        }
        assert got.headers["content-type"] == "application/json"
        with pytest.raises(WebhookVerificationError):
            verifiers[got.path].verify(got.body[:-1] + b" }", got.headers)
        old = {**got.headers, "webhook-timestamp": str(int(got.headers["webhook-timestamp"]) - 600)}
        with pytest.raises(WebhookVerificationError):
            verifiers[got.path].verify(got.body, old)
        with pytest.raises(WebhookVerificationError):
            Webhook(
                everything["secret"] if got.path != "/hook" else only_canceled["secret"]
            ).verify(got.body, got.headers)
    assert json.loads(filtered[0].body)["type"] == CANCELED
    # Every slice's events (services, staff, schedules...) go to a webhook of every type.
    assert {json.loads(r.body)["type"] for r in mine} >= {CREATED, CANCELED}
    listed = await deliveries(client, site, everything["id"])
    assert len(listed) == len(events)
    assert {d["status"] for d in listed} == {"DELIVERED"}
    assert all(d["attempts"] == 1 and d["lastStatusCode"] == 204 for d in listed)
    assert all("nextAttemptDate" not in d for d in listed)


async def test_retry_ladder_then_failed_then_recover(
    client: httpx.AsyncClient, site: SiteKeys, services: Services, clock: FakeClock
) -> None:
    """Proof 2: a 503 receiver is retried on the ladder (each step +-20%), then FAILED, listed,
    and recover sends it again."""
    status = {"code": 503}
    script = Script(clock, lambda request: httpx.Response(status["code"], text="busy " * 2000))
    d = dispatcher(services, clock, script.transport())
    hook = await subscribe(client, site, script.url, BOOKING_TYPES)
    bookings = await Bookings(client, site).setup()
    await bookings.create()
    try:
        await d.drain()
        assert len(script.seen) == 1
        for step in ladder.LADDER:
            [delivery] = await deliveries(client, site, hook["id"])
            assert delivery["status"] == "PENDING" and delivery["lastStatusCode"] == 503
            due = ok_instant(delivery["nextAttemptDate"])
            waited = due - script.seen[-1][0]
            assert step * 0.8 <= waited <= step * 1.2, (step, waited)
            clock.t = due - timedelta(seconds=1)
            await d.drain()
            assert len(script.seen) == len(ladder.LADDER[: ladder.LADDER.index(step)]) + 1
            clock.t = due
            await d.drain()
        assert len(script.seen) == ladder.MAX_ATTEMPTS == 10
        [delivery] = await deliveries(client, site, hook["id"])
        assert delivery == {
            "id": delivery["id"],
            "eventId": delivery["eventId"],
            "eventType": CREATED,
            "status": "FAILED",
            "attempts": 10,
            "lastStatusCode": 503,
        }
        assert [x["id"] for x in await deliveries(client, site, hook["id"], status="FAILED")] == [
            delivery["id"]
        ]
        total = script.seen[-1][0] - script.seen[0][0]
        assert timedelta(days=2.5) < total < timedelta(days=3.8)
        log = await attempts_of(services, site.site_id)
        assert [a.number for a in log] == list(range(1, 11))
        assert all(a.status_code == 503 and len(a.response_excerpt) == 4096 for a in log)
        assert all(a.error == "HTTP 503" for a in log)
        clock.advance(timedelta(days=10))
        assert await d.drain() == 0

        status["code"] = 200
        since = (script.seen[0][0] - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
        res = await client.post(
            f"{HOOKS}/{hook['id']}/recover", json={"since": since}, headers=site.admin
        )
        assert ok(res) == {"requeued": 1}
        # requeued at the real now, which the fake clock has passed
        await d.drain()
        [delivery] = await deliveries(client, site, hook["id"])
        assert delivery["status"] == "DELIVERED" and delivery["attempts"] == 1
        ids = {r.headers["webhook-id"] for _, r in script.seen}
        assert ids == {delivery["eventId"]}
    finally:
        await d.aclose()


def ok_instant(text: str) -> Any:
    from bookings.platform.wire import parse_timestamp

    return parse_timestamp(text)


async def test_gone_disables_and_cancels(
    client: httpx.AsyncClient, site: SiteKeys, services: Services, clock: FakeClock
) -> None:
    status = {"code": 503}
    script = Script(clock, lambda request: httpx.Response(status["code"]))
    d = dispatcher(services, clock, script.transport())
    hook = await subscribe(client, site, script.url, BOOKING_TYPES)
    bookings = await Bookings(client, site).setup()
    try:
        await bookings.create()
        await d.drain()
        status["code"] = 410
        await bookings.create()
        await d.drain()
        assert len(script.seen) == 2
        listed = await deliveries(client, site, hook["id"])
        assert [x["status"] for x in listed] == ["CANCELED", "CANCELED"]
        assert sorted(x["lastStatusCode"] for x in listed) == [410, 503]
        [webhook] = ok(await client.get(HOOKS, headers=site.admin))["webhooks"]
        assert webhook["enabled"] is False
        await bookings.create()  # no delivery for a disabled webhook
        clock.advance(timedelta(hours=1))
        await d.drain()
        assert len(script.seen) == 2 and len(await deliveries(client, site, hook["id"])) == 2
    finally:
        await d.aclose()


async def test_redirect_fails_and_is_not_followed(
    client: httpx.AsyncClient, site: SiteKeys, services: Services, clock: FakeClock
) -> None:
    script = Script(
        clock, lambda request: httpx.Response(302, headers={"location": "http://127.0.0.1:1/x"})
    )
    d = dispatcher(services, clock, script.transport())
    hook = await subscribe(client, site, script.url, BOOKING_TYPES)
    bookings = await Bookings(client, site).setup()
    try:
        await bookings.create()
        await d.drain()
        assert [str(r.url).split("/")[-1] for _, r in script.seen] == [script.url.split("/")[-1]]
        [delivery] = await deliveries(client, site, hook["id"])
        assert delivery["status"] == "PENDING" and delivery["lastStatusCode"] == 302
        [attempt] = await attempts_of(services, site.site_id)
        assert "redirects are not followed" in attempt.error
    finally:
        await d.aclose()


@pytest.mark.parametrize(("header", "expected"), [("3600", 3600), ("999999", 86400)])
async def test_retry_after_is_honoured(
    client: httpx.AsyncClient,
    site: SiteKeys,
    services: Services,
    clock: FakeClock,
    header: str,
    expected: int,
) -> None:
    script = Script(clock, lambda request: httpx.Response(429, headers={"retry-after": header}))
    d = dispatcher(services, clock, script.transport())
    hook = await subscribe(client, site, script.url, BOOKING_TYPES)
    bookings = await Bookings(client, site).setup()
    try:
        await bookings.create()
        await d.drain()
        [delivery] = await deliveries(client, site, hook["id"])
        due = ok_instant(delivery["nextAttemptDate"])
        assert due - script.seen[0][0] == timedelta(seconds=expected)
    finally:
        await d.aclose()


async def test_send_time_safety(
    client: httpx.AsyncClient,
    site: SiteKeys,
    services: Services,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A URL accepted at creation is checked again at send time: the attempt fails, logged."""
    script = Script(clock)
    d = dispatcher(services, clock, script.transport())
    hook = await subscribe(client, site, script.url, BOOKING_TYPES)
    bookings = await Bookings(client, site).setup()
    monkeypatch.delenv("BOOKINGS_WEBHOOK_ALLOW_PRIVATE")
    try:
        await bookings.create()
        await d.drain()
        assert script.seen == []
        [delivery] = await deliveries(client, site, hook["id"])
        assert delivery["status"] == "PENDING" and delivery["attempts"] == 1
        [attempt] = await attempts_of(services, site.site_id)
        assert attempt.status_code is None
        assert "BOOKINGS_WEBHOOK_ALLOW_PRIVATE=1" in attempt.error
    finally:
        await d.aclose()


async def test_six_hour_outage(
    client: httpx.AsyncClient, site: SiteKeys, services: Services, clock: FakeClock
) -> None:
    """Proof 3: the receiver is down for 6 simulated hours while 200 bookings are written;
    once it is back every event arrives, once per (webhook, event), every attempt logged."""
    up = {"now": False}

    def answer(request: httpx.Request) -> httpx.Response:
        if not up["now"]:
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(200)

    script = Script(clock, answer)
    d = dispatcher(services, clock, script.transport())
    hook = await subscribe(client, site, script.url, BOOKING_TYPES)
    bookings = await Bookings(client, site).setup()
    try:
        for _ in range(20):
            for _ in range(10):
                await bookings.create()
            await d.drain()
            clock.advance(timedelta(minutes=18))
        up["now"] = True
        for _ in range(40):  # an hour at a time: each delivery's next step comes
            await d.drain()
            listed = await deliveries(client, site, hook["id"], limit=1000)
            if all(x["status"] == "DELIVERED" for x in listed):
                break
            clock.advance(timedelta(hours=1))
        listed = await deliveries(client, site, hook["id"], limit=1000)
        events = await events_of(services, site.site_id, "wix.bookings.v2.booking")
        assert len(events) == 200
        assert {x["status"] for x in listed} == {"DELIVERED"}
        assert sorted(x["eventId"] for x in listed) == sorted(e.id for e in events)
        delivered = [r.headers["webhook-id"] for _, r in script.seen if up["now"]]
        assert sorted(set(delivered)) == sorted(e.id for e in events)
        log = await attempts_of(services, site.site_id)
        assert len(log) == len(script.seen) == sum(x["attempts"] for x in listed)
        assert sum(1 for a in log if a.status_code == 200) == 200
        assert all(a.error.startswith("ConnectError") for a in log if a.status_code is None)
    finally:
        await d.aclose()


async def test_create_commits_while_a_receiver_holds_a_request(
    client: httpx.AsyncClient, site: SiteKeys, services: Services, receiver: Receiver
) -> None:
    """Proof 6: no HTTP call inside a transaction (on SQLite, one held would block every
    write)."""
    hook = await subscribe(client, site, receiver.url, BOOKING_TYPES)
    bookings = await Bookings(client, site).setup()
    receiver.released.clear()
    d = dispatcher(services, SystemClock())
    loop = asyncio.create_task(d.run())
    try:
        await bookings.create()
        await eventually(lambda: receiver.in_flight == 1)
        second = await asyncio.wait_for(bookings.create(), 30)
        assert second["id"]
        assert receiver.in_flight >= 1 and receiver.received == []
        receiver.released.set()
        await eventually(lambda: len(receiver.received) >= 2)
        await eventually(lambda: d.stats.delivered >= 2)
        # The dispatcher records a delivery in its next short transaction: wait for it with
        # the dispatcher still running (stopped first, it might never record the last one).
        for _ in range(3000):
            listed = await deliveries(client, site, hook["id"])
            if [x["status"] for x in listed] == ["DELIVERED", "DELIVERED"]:
                break
            await asyncio.sleep(0.02)
    finally:
        receiver.released.set()
        loop.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop
    assert [x["status"] for x in listed] == ["DELIVERED", "DELIVERED"]


async def test_wix_format_deliveries_are_jwts_of_the_webhooks_key(
    client: httpx.AsyncClient, site: SiteKeys, services: Services, receiver: Receiver
) -> None:
    """A WIX webhook gets each event as the compact RS256 JWT Wix sends, signed by the key
    whose public half its creation answered (the official SDK reading it: tests/sdk)."""
    body = {"webhook": {"url": receiver.url, "eventTypes": [CREATED], "format": "WIX"}}
    hook = ok(await client.post(HOOKS, json=body, headers=site.admin))["webhook"]
    assert "secret" not in hook and hook["publicKey"].startswith("-----BEGIN PUBLIC KEY-----")
    bookings = await Bookings(client, site).setup()
    made = await bookings.create()
    d = dispatcher(services, SystemClock())
    try:
        await d.drain()
    finally:
        await d.aclose()
    [got] = [r for r in receiver.received if r.path == "/hook"]
    claims = jwt.decode(got.body.decode(), hook["publicKey"], algorithms=["RS256"])
    envelope = json.loads(claims["data"])
    assert envelope["eventType"] == CREATED
    event = json.loads(envelope["data"])
    assert event["entityId"] == made["id"] == event["createdEvent"]["entity"]["id"]
