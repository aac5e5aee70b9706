"""The dashboard's webhooks page (``/dashboard/webhooks``): the list, a new subscription (its
secret shown once; the use case's errors next to the field), delete after a confirm step, a
subscription's deliveries, and the guards (sign-in, CSRF, another site's webhook)."""

from __future__ import annotations

import random
import uuid

import httpx
import pytest

from bookings.platform.routing import Services
from bookings.webhooks import service as webhooks
from bookings.webhooks.ports import Dispatcher, DispatcherConfig
from tests.booking.conftest import Catalog
from tests.conftest import SiteKeys
from tests.web.dashboard_lists_helpers import fresh, html, signed_in

SOME_ID = str(uuid.uuid4())
PAGES = [
    "/dashboard/webhooks",
    f"/dashboard/webhooks/{SOME_ID}/delete",
    f"/dashboard/webhooks/{SOME_ID}/deliveries",
]
POSTS = ["/dashboard/webhooks", f"/dashboard/webhooks/{SOME_ID}/delete"]
#: A local receiver: allowed here (BOOKINGS_WEBHOOK_ALLOW_PRIVATE), as in tests/webhooks.
RECEIVER = "http://127.0.0.1:9/hook"
BOOKING_CREATED = "wix.bookings.v2.booking_created"
BOOKING_CANCELED = "wix.bookings.v2.booking_canceled"


@pytest.fixture(autouse=True)
def allow_private(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOOKINGS_WEBHOOK_ALLOW_PRIVATE", "1")


async def test_signed_out_goes_to_sign_in(client: httpx.AsyncClient) -> None:
    async with fresh(client) as c:
        for path in PAGES + POSTS:
            res = await (c.post(path, data={}) if path in POSTS else c.get(path))
            assert res.status_code == 303, path
            assert res.headers["location"].startswith("/dashboard/login?next="), path


async def test_posts_without_the_csrf_token_are_refused(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    hook = await webhooks.create_webhook(services.db, site.site_id, RECEIVER, [])
    async with fresh(client) as c:
        await signed_in(c, services, site.admin_key)
        res = await c.post("/dashboard/webhooks", data={"url": RECEIVER, "csrf": "nope"})
        assert res.status_code == 403
        res = await c.post(f"/dashboard/webhooks/{hook['id']}/delete", data={})
        assert res.status_code == 403
        # Nothing created, nothing deleted.
        assert [h["id"] for h in await webhooks.list_webhooks(services.db, site.site_id)] == [
            hook["id"]
        ]


async def test_the_nav_links_the_page_and_its_forms_carry_the_csrf_token(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    hook = await webhooks.create_webhook(services.db, site.site_id, RECEIVER, [])
    async with fresh(client) as c:
        csrf = await signed_in(c, services, site.admin_key)
        page = html(await c.get("/dashboard/bookings"))
        assert [a.text() for a in page.css("nav a[href='/dashboard/webhooks']")] == ["Webhooks"]
        for path in ["/dashboard/webhooks", f"/dashboard/webhooks/{hook['id']}/delete"]:
            res = await c.get(path)
            assert res.status_code == 200, path
            assert res.headers["x-frame-options"] == "DENY"
            forms = html(res).css("form[method=post]")
            assert forms, path
            for form in forms:
                token = form.css_first("input[name=csrf]")
                assert token is not None and token.attributes["value"] == csrf, path


async def test_create_list_and_delete(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    async with fresh(client) as c:
        csrf = await signed_in(c, services, site.admin_key)
        page = html(await c.get("/dashboard/webhooks"))
        assert page.css("tr[data-webhook-id]") == []
        offered = [str(n.attributes["value"]) for n in page.css("input[name=event_types]")]
        assert offered == list(webhooks.EVENT_TYPES)
        assert BOOKING_CREATED in offered
        formats = [str(n.attributes["value"]) for n in page.css("#w-format option")]
        assert formats == ["STANDARD", "WIX"]
        # A STANDARD webhook for two event types: its secret is shown this once.
        res = await c.post(
            "/dashboard/webhooks",
            data={
                "csrf": csrf,
                "url": RECEIVER,
                "format": "STANDARD",
                "event_types": [BOOKING_CREATED, BOOKING_CANCELED],
            },
        )
        assert res.status_code == 200, res.text[:2000]
        secret = html(res).css_first("#new-secret").text()
        assert secret.startswith("whsec_")
        stored = await webhooks.list_webhooks(services.db, site.site_id)
        assert len(stored) == 1
        assert stored[0]["url"] == RECEIVER
        assert stored[0]["eventTypes"] == [BOOKING_CREATED, BOOKING_CANCELED]
        assert stored[0]["format"] == "STANDARD"
        listed = await c.get("/dashboard/webhooks")
        assert secret not in listed.text
        row = html(listed).css_first(f"tr[data-webhook-id='{stored[0]['id']}']")
        cells = {str(td.attributes["data-label"]): td.text(strip=True) for td in row.css("td")}
        assert cells["URL"] == RECEIVER
        assert cells["Event types"] == f"{BOOKING_CREATED}, {BOOKING_CANCELED}"
        assert cells["Format"] == "STANDARD"
        assert cells["State"] == "enabled"
        # A WIX webhook for every type: no secret, its public key instead.
        res = await c.post(
            "/dashboard/webhooks", data={"csrf": csrf, "url": RECEIVER, "format": "WIX"}
        )
        assert res.status_code == 200
        created = html(res)
        assert created.css_first("#new-secret") is None
        assert "BEGIN PUBLIC KEY" in created.css_first("#new-public-key").text()
        listed = html(await c.get("/dashboard/webhooks"))
        assert len(listed.css("tr[data-webhook-id]")) == 2
        assert "every type" in listed.css("tr[data-webhook-id]")[1].text()
        # Delete: a confirm step, then the POST.
        hook_id = stored[0]["id"]
        step = await c.get(f"/dashboard/webhooks/{hook_id}/delete")
        assert step.status_code == 200 and "Delete the webhook" in step.text
        assert [h["id"] for h in await webhooks.list_webhooks(services.db, site.site_id)].count(
            hook_id
        ) == 1
        done = await c.post(f"/dashboard/webhooks/{hook_id}/delete", data={"csrf": csrf})
        assert done.status_code == 303
        assert done.headers["location"] == "/dashboard/webhooks?deleted=1"
        left = await webhooks.list_webhooks(services.db, site.site_id)
        assert [h["format"] for h in left] == ["WIX"]
        assert "was deleted" in (await c.get(done.headers["location"])).text


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"url": "http://169.254.169.254/latest"}, "url", "link-local"),
        ({"url": "ftp://example.com/hook"}, "url", "http or https"),
        ({"url": ""}, "url", "Enter the address"),
        ({"url": RECEIVER, "event_types": ["wix.nothing_here"]}, "event_types", "Not an event"),
        ({"url": RECEIVER, "format": "XML"}, "format", "STANDARD or WIX"),
    ],
)
async def test_errors_are_said_next_to_the_field(
    client: httpx.AsyncClient,
    site: SiteKeys,
    services: Services,
    data: dict[str, str],
    field: str,
    words: str,
) -> None:
    async with fresh(client) as c:
        csrf = await signed_in(c, services, site.admin_key)
        res = await c.post("/dashboard/webhooks", data={"csrf": csrf, **data})
        assert res.status_code == 400
        page = html(res)
        error = page.css_first(f"#e-{field}")
        assert error is not None and words in error.text(), res.text[:3000]
        # The form keeps what was typed.
        assert page.css_first("#w-url").attributes["value"] == data["url"]
        assert await webhooks.list_webhooks(services.db, site.site_id) == []


async def test_private_addresses_are_refused_unless_allowed(
    client: httpx.AsyncClient, site: SiteKeys, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BOOKINGS_WEBHOOK_ALLOW_PRIVATE")
    async with fresh(client) as c:
        csrf = await signed_in(c, services, site.admin_key)
        res = await c.post("/dashboard/webhooks", data={"csrf": csrf, "url": RECEIVER})
        assert res.status_code == 400
        error = html(res).css_first("#e-url")
        assert error is not None and "private or loopback" in error.text()
        assert html(res).css_first("#w-url").attributes["aria-invalid"] == "true"


async def test_deliveries(client: httpx.AsyncClient, site: SiteKeys, services: Services) -> None:
    hook = await webhooks.create_webhook(services.db, site.site_id, RECEIVER, [])
    # An event of the site (a new service), sent once to a receiver that answers 503.
    await Catalog(client, site.admin).group()
    answers: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        answers.append(str(request.url))
        return httpx.Response(503)

    dispatcher = Dispatcher(
        services.db,
        transport=httpx.MockTransport(answer),
        config=DispatcherConfig(poll=0.05),
        rng=random.Random(7),
    )
    try:
        await dispatcher.drain()
    finally:
        await dispatcher.aclose()
    try:
        assert answers
        await _deliveries_page(client, site, services, hook["id"])
    finally:
        # The deliveries retry in seconds: delete them, so that no later test's dispatcher
        # (the database is the session's) sends them.
        await webhooks.delete_webhook(services.db, site.site_id, hook["id"])


async def _deliveries_page(
    client: httpx.AsyncClient, site: SiteKeys, services: Services, hook_id: str
) -> None:
    found = await webhooks.list_deliveries(services.db, site.site_id, hook_id)
    assert found
    async with fresh(client) as c:
        await signed_in(c, services, site.admin_key)
        listed = html(await c.get("/dashboard/webhooks"))
        link = listed.css_first(f"a[href='/dashboard/webhooks/{hook_id}/deliveries']")
        assert link is not None
        res = await c.get(f"/dashboard/webhooks/{hook_id}/deliveries")
        assert res.status_code == 200
        rows = html(res).css("tr[data-delivery-id]")
        assert [str(r.attributes["data-delivery-id"]) for r in rows] == [d["id"] for d in found]
        first = found[0]
        tried = next(r for r in rows if r.attributes["data-delivery-id"] == first["id"])
        cells = {str(td.attributes["data-label"]): td.text(strip=True) for td in tried.css("td")}
        assert cells["Event type"] == first["eventType"]
        assert cells["Status"] == first["status"] == "PENDING"
        assert cells["Attempts"] == "1"
        assert cells["Last status code"] == "503"
        assert cells["Next attempt"] != "—"


async def test_another_sites_webhook_is_not_found(
    client: httpx.AsyncClient, site: SiteKeys, other_site: SiteKeys, services: Services
) -> None:
    theirs = await webhooks.create_webhook(services.db, other_site.site_id, RECEIVER, [])
    async with fresh(client) as c:
        csrf = await signed_in(c, services, site.admin_key)
        listed = html(await c.get("/dashboard/webhooks"))
        assert listed.css("tr[data-webhook-id]") == []
        for path in [
            f"/dashboard/webhooks/{theirs['id']}/delete",
            f"/dashboard/webhooks/{theirs['id']}/deliveries",
            f"/dashboard/webhooks/{SOME_ID}/deliveries",
        ]:
            assert (await c.get(path)).status_code == 404, path
        res = await c.post(f"/dashboard/webhooks/{theirs['id']}/delete", data={"csrf": csrf})
        assert res.status_code == 404
        still = await webhooks.list_webhooks(services.db, other_site.site_id)
        assert [h["id"] for h in still] == [theirs["id"]]


async def test_every_offered_event_type_is_accepted(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    async with fresh(client) as c:
        csrf = await signed_in(c, services, site.admin_key)
        res = await c.post(
            "/dashboard/webhooks",
            data={"csrf": csrf, "url": RECEIVER, "event_types": list(webhooks.EVENT_TYPES)},
        )
        assert res.status_code == 200, res.text[:2000]
        (stored,) = await webhooks.list_webhooks(services.db, site.site_id)
        assert stored["eventTypes"] == list(webhooks.EVENT_TYPES)
        assert len(set(webhooks.EVENT_TYPES)) == len(webhooks.EVENT_TYPES)
