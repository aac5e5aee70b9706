"""The dashboard's bookings list, booking page, pending approvals and API keys, over HTTP
without a browser (issue 16; notes §4.2 checks 2, 3, 4 and 8): the list equals the Bookings
Reader V2 answer for its filter, the CSV has those rows, Confirm / Decline / Cancel carry the
revision and a stale one is refused with a message, a site's admin sees no other site's
bookings or keys, signed-out pages go to sign-in and POSTs need the CSRF token."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from selectolax.lexbor import LexborHTMLParser

from bookings.identity import service as identity
from bookings.platform.routing import Services
from bookings.web.dashboard import bookings_list
from tests.booking.conftest import API
from tests.conftest import SiteKeys, make_site
from tests.web.dashboard_lists_helpers import (
    book_site,
    fresh,
    html,
    post,
    reader_count,
    reader_ids,
    row_ids,
    signed_in,
)

SOME_ID = str(uuid.uuid4())
PAGES = [
    "/dashboard/bookings",
    "/dashboard/bookings?tab=past",
    "/dashboard/bookings.csv",
    f"/dashboard/bookings/{SOME_ID}",
    "/dashboard/pending",
    "/dashboard/api-keys",
    f"/dashboard/api-keys/{SOME_ID}/revoke",
    "/dashboard/settings",
]
POSTS = [
    f"/dashboard/bookings/{SOME_ID}/confirm",
    f"/dashboard/bookings/{SOME_ID}/decline",
    f"/dashboard/bookings/{SOME_ID}/cancel",
    "/dashboard/api-keys",
    f"/dashboard/api-keys/{SOME_ID}/revoke",
    "/dashboard/settings",
]


async def test_signed_out_every_page_goes_to_sign_in(client: httpx.AsyncClient) -> None:
    async with fresh(client) as c:
        for path in PAGES + POSTS:
            res = await (c.post(path, data={}) if path in POSTS else c.get(path))
            assert res.status_code == 303, path
            assert res.headers["location"].startswith("/dashboard/login?next="), path


async def test_posts_without_the_csrf_token_are_refused(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    async with fresh(client) as c:
        await signed_in(c, services, site.admin_key)
        for path in POSTS:
            res = await c.post(path, data={"revision": "1", "role": "app", "csrf": "nope"})
            assert res.status_code == 403, path
        # Still signed in, nothing created.
        keys = await identity.list_api_keys(services.db, site.site_id)
        assert len(keys) == 2


async def test_pages_are_never_framed(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    async with fresh(client) as c:
        await signed_in(c, services, site.admin_key)
        for path in PAGES:
            res = await c.get(path)
            assert res.headers["x-frame-options"] == "DENY", path
            assert "frame-ancestors 'none'" in res.headers["content-security-policy"], path


@pytest.mark.parametrize(
    ("query", "reader_filter"),
    [
        ("tab=all&status=CONFIRMED", {"status": "CONFIRMED"}),
        ("tab=canceled", {"status": {"$in": ["CANCELED", "DECLINED"]}}),
        ("tab=pending", {"status": "PENDING"}),
        ("tab=waitlist", {"status": "WAITING_LIST"}),
        ("tab=all&customer=kim@example.com", {"contactDetails.email": "kim@example.com"}),
    ],
)
async def test_filters_are_the_reader_query(
    client: httpx.AsyncClient,
    services: Services,
    query: str,
    reader_filter: dict[str, Any],
) -> None:
    site = await make_site(services, "Europe/Berlin")
    await book_site(client, site)
    async with fresh(client) as c:
        await signed_in(c, services, site.admin_key)
        res = await c.get(f"/dashboard/bookings?{query}")
        assert res.status_code == 200, res.text
        shown = json.loads(html(res).css_first("#reader-filter").text())
        assert shown == reader_filter
        q = {"filter": reader_filter, "sort": [{"fieldName": "startDate", "order": "ASC"}]}
        expected = await reader_ids(client, site.admin, q)
        assert sorted(row_ids(res)) == sorted(expected)
        assert int(html(res).css_first("#total").text()) == await reader_count(
            client, site.admin, reader_filter
        )


async def test_every_filter_at_once_and_each_tab(
    client: httpx.AsyncClient, services: Services
) -> None:
    site = await make_site(services, "Europe/Berlin")
    b = await book_site(client, site)
    day = b.day.isoformat()
    query = (
        f"tab=all&status=CONFIRMED&staff={b.ben}&service={b.facial['id']}"
        f"&from={day}&to={day}&customer=kim@example.com"
    )
    expected_filter = {
        "status": "CONFIRMED",
        "bookedEntity.item.slot.resource.id": b.ben,
        "bookedEntity.item.slot.serviceId": b.facial["id"],
        # Whole days of the business zone (Berlin: UTC+1 in winter, UTC+2 in summer).
        "startDate": {
            "$gte": bookings_list._midnight(b.day, "Europe/Berlin"),
            "$lt": bookings_list._midnight(b.day + timedelta(days=1), "Europe/Berlin"),
        },
        "contactDetails.email": "kim@example.com",
    }
    async with fresh(client) as c:
        await signed_in(c, services, site.admin_key)
        res = await c.get(f"/dashboard/bookings?{query}")
        assert json.loads(html(res).css_first("#reader-filter").text()) == expected_filter
        assert row_ids(res) == [b.bookings["confirmed"]["id"]]
        assert await reader_ids(client, site.admin, {"filter": expected_filter}) == row_ids(res)
        assert html(res).css_first("#total").text() == "1"
        # The row's time is in the business zone, and the zone is shown.
        berlin = datetime.combine(b.day, time(11), UTC).astimezone(ZoneInfo("Europe/Berlin"))
        assert f"{berlin:%H:%M}-" in html(res).css_first("#bookings tbody td").text()
        assert "Europe/Berlin" in res.text
        # Each tab: the shown filter, sorted by the tab's order, gives the rows and count.
        for tab, (_label, _status, _when, order) in bookings_list.TABS.items():
            res = await c.get(f"/dashboard/bookings?tab={tab}")
            shown = json.loads(html(res).css_first("#reader-filter").text())
            q = {"filter": shown, "sort": [{"fieldName": "startDate", "order": order}]}
            assert row_ids(res) == await reader_ids(client, site.admin, q), tab
            total = int(html(res).css_first("#total").text())
            assert total == await reader_count(client, site.admin, shown), tab
        upcoming = row_ids(await c.get("/dashboard/bookings"))
        assert set(upcoming) == {b.bookings[k]["id"] for k in ("created", "confirmed", "pending")}
        # Filters without a tab (the calendar's "view as list" link): every status.
        res = await c.get(f"/dashboard/bookings?from={day}&to={day}")
        shown = json.loads(html(res).css_first("#reader-filter").text())
        assert "status" not in shown and set(shown) == {"startDate"}
        assert set(row_ids(res)) == {b.bookings["created"]["id"], b.bookings["confirmed"]["id"]}
        # A name is not a Reader filter: said next to the field, left out of the query.
        res = await c.get(f"/dashboard/bookings?from={day}&to={day}&customer=Kim+Lee")
        assert html(res).css_first("#e-customer").text() == bookings_list.CUSTOMER_HINT
        assert len(row_ids(res)) == 2
        # A bad date is said next to its field; the rest of the view still works.
        res = await c.get("/dashboard/bookings?tab=all&from=31.12.2026")
        assert res.status_code == 200
        assert html(res).css_first("#e-from").text() == "Use a date like 2026-12-31."


async def test_cursor_paging(
    client: httpx.AsyncClient, site: SiteKeys, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    b = await book_site(client, site)
    monkeypatch.setattr(bookings_list, "PAGE_SIZE", 3)
    async with fresh(client) as c:
        await signed_in(c, services, site.admin_key)
        first = await c.get("/dashboard/bookings?tab=all")
        assert len(row_ids(first)) == 3 and html(first).css_first("#total").text() == "4"
        assert html(first).css_first("a[rel=prev]") is None
        nxt = html(first).css_first("a[rel=next]").attributes["href"]
        assert nxt and "tab=all" in nxt
        second = await c.get(nxt)
        assert len(row_ids(second)) == 1
        assert set(row_ids(first) + row_ids(second)) == {x["id"] for x in b.bookings.values()}
        prev = html(second).css_first("a[rel=prev]").attributes["href"]
        assert prev and row_ids(await c.get(prev)) == row_ids(first)


async def test_csv_export_has_the_rows(
    client: httpx.AsyncClient, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = await make_site(services, "Europe/Berlin")
    b = await book_site(client, site)
    monkeypatch.setattr(bookings_list, "CSV_PAGE", 2)  # more than one Reader page
    async with fresh(client) as c:
        await signed_in(c, services, site.admin_key)
        page = await c.get("/dashboard/bookings?tab=all&service=" + b.massage["id"])
        res = await c.get("/dashboard/bookings.csv?tab=all&service=" + b.massage["id"])
        assert res.status_code == 200
        assert res.headers["content-type"].startswith("text/csv")
        assert 'filename="bookings-all-' in res.headers["content-disposition"]
        lines = list(csv.reader(io.StringIO(res.text)))
        assert lines[0] == bookings_list.CSV_COLUMNS
        assert [line[0] for line in lines[1:]] == row_ids(page)
        assert len(lines) == 3
        first = dict(zip(lines[0], lines[1], strict=True))
        assert first["timeZone"] == "Europe/Berlin" and first["start"].endswith("+01:00")
        everything = await c.get("/dashboard/bookings.csv?tab=all")
        assert len(list(csv.reader(io.StringIO(everything.text)))) == 1 + len(b.bookings)


async def test_booking_page_and_another_sites_booking(
    client: httpx.AsyncClient, site: SiteKeys, other_site: SiteKeys, services: Services
) -> None:
    b = await book_site(client, site)
    mine = b.bookings["pending"]
    async with fresh(client) as c:
        await signed_in(c, services, site.admin_key)
        res = await c.get(f"/dashboard/bookings/{mine['id']}")
        assert res.status_code == 200
        page = html(res)
        assert page.css_first("#status").text() == "Pending approval"
        assert page.css_first("#revision").text() == mine["revision"]
        actions = [f.attributes["action"] for f in page.css("form[action*='/dashboard/bookings/']")]
        assert actions == [
            f"/dashboard/bookings/{mine['id']}/{name}" for name in ("confirm", "decline", "cancel")
        ]
        assert (await c.get("/dashboard/bookings/not-an-id")).status_code == 404
    async with fresh(client) as c:
        csrf = await signed_in(c, services, other_site.admin_key)
        assert (await c.get(f"/dashboard/bookings/{mine['id']}")).status_code == 404
        for name in ("confirm", "decline", "cancel"):
            res = await c.post(
                f"/dashboard/bookings/{mine['id']}/{name}",
                data={"csrf": csrf, "revision": mine["revision"]},
            )
            assert res.status_code == 404, name
        assert row_ids(await c.get("/dashboard/bookings?tab=all")) == []
    got = await post(client, "/_api/bookings-reader/v2/extended-bookings/query", site.admin, {})
    assert {e["booking"]["id"]: e["booking"]["status"] for e in got["extendedBookings"]}[
        mine["id"]
    ] == "PENDING"


async def test_pending_confirm_decline_and_a_stale_revision(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    b = await book_site(client, site)
    pending = b.bookings["pending"]
    async with fresh(client) as c:
        csrf = await signed_in(c, services, site.admin_key)
        page = await c.get("/dashboard/pending")
        assert row_ids(page) == [pending["id"]]
        form = html(page).css_first(f"form[action='/dashboard/bookings/{pending['id']}/confirm']")
        revision = form.css_first("input[name=revision]").attributes["value"]
        assert revision == pending["revision"]
        # Someone confirms it meanwhile (through the API): the page's revision is stale.
        await post(client, f"{API}/{pending['id']}/confirm", site.admin, {"revision": revision})
        fields = {"csrf": csrf, "revision": str(revision), "next": "/dashboard/pending"}
        stale = await c.post(f"/dashboard/bookings/{pending['id']}/decline", data=fields)
        assert stale.status_code == 409
        assert "This booking was changed by someone else. Reload to see it." in stale.text
        # With htmx: the row's replacement, answered 200 so that htmx swaps it.
        swapped = await c.post(
            f"/dashboard/bookings/{pending['id']}/confirm",
            data=fields,
            headers={"HX-Request": "true"},
        )
        assert swapped.status_code == 200
        row = LexborHTMLParser(f"<table>{swapped.text}</table>").css_first("tr")
        assert row.attributes["id"] == f"pending-{pending['id']}"
        assert "changed by someone else" in row.css_first("td[role=status]").text()
        state = await c.get(f"/dashboard/bookings/{pending['id']}")
        assert html(state).css_first("#status").text() == "Confirmed"
        # Decline: another pending booking, with its revision.
        other = b.bookings["created"]
        marked = await post(
            client,
            f"{API}/{other['id']}/mark_booking_as_pending",
            site.admin,
            {
                "revision": other["revision"],
                "flowControlSettings": {"skipPendingApprovalServiceValidation": True},
            },
        )
        revision = marked["booking"]["revision"]
        done = await c.post(
            f"/dashboard/bookings/{other['id']}/decline",
            data={"csrf": csrf, "revision": revision, "next": "/dashboard/pending"},
        )
        assert (
            done.status_code == 303
            and done.headers["location"] == "/dashboard/pending?done=decline"
        )
        assert "Declined." in (await c.get(done.headers["location"])).text
        assert row_ids(await c.get("/dashboard/pending")) == []
        # Cancel from the booking page (htmx-less): back to the booking, canceled.
        confirmed = b.bookings["confirmed"]
        res = await c.post(
            f"/dashboard/bookings/{confirmed['id']}/cancel",
            data={"csrf": csrf, "revision": confirmed["revision"]},
        )
        assert res.status_code == 303
        assert res.headers["location"] == f"/dashboard/bookings/{confirmed['id']}?done=cancel"
        after = html(await c.get(res.headers["location"]))
        assert after.css_first("#status").text() == "Canceled"
        assert after.css("form[action*='/cancel']") == []
        # No revision: refused, nothing changed.
        res = await c.post(f"/dashboard/bookings/{confirmed['id']}/cancel", data={"csrf": csrf})
        assert res.status_code == 400


async def test_api_keys_create_and_revoke(
    client: httpx.AsyncClient, site: SiteKeys, other_site: SiteKeys, services: Services
) -> None:
    async with fresh(client) as c:
        csrf = await signed_in(c, services, site.admin_key)
        page = html(await c.get("/dashboard/api-keys"))
        assert len(page.css("tr[data-key-id]")) == 2
        # A new key: its plaintext is shown once, and it works.
        res = await c.post(
            "/dashboard/api-keys", data={"csrf": csrf, "role": "app", "name": "Zapier"}
        )
        assert res.status_code == 200
        plaintext = html(res).css_first("#new-key code").text()
        assert plaintext
        listed = html(await c.get("/dashboard/api-keys"))
        assert plaintext not in listed.html
        names = [n.text() for n in listed.css("tr[data-key-id] td:first-child")]
        assert names[0] == "Zapier"
        check = await client.post(
            "/_api/bookings-reader/v2/extended-bookings/count",
            json={},
            headers=site.headers(plaintext),
        )
        assert check.status_code == 200
        # Validation: said next to the field, nothing stored.
        bad = await c.post("/dashboard/api-keys", data={"csrf": csrf, "role": "owner"})
        assert bad.status_code == 400 and html(bad).css_first("#e-role") is not None
        assert len(await identity.list_api_keys(services.db, site.site_id)) == 3
        # Revoke: a confirm step, then the POST.
        new = next(
            k for k in await identity.list_api_keys(services.db, site.site_id) if k.name == "Zapier"
        )
        step = await c.get(f"/dashboard/api-keys/{new.id}/revoke")
        assert step.status_code == 200 and "Revoke the key" in step.text
        done = await c.post(f"/dashboard/api-keys/{new.id}/revoke", data={"csrf": csrf})
        assert (
            done.status_code == 303 and done.headers["location"] == "/dashboard/api-keys?revoked=1"
        )
        check = await client.post(
            "/_api/bookings-reader/v2/extended-bookings/count",
            json={},
            headers=site.headers(plaintext),
        )
        assert check.status_code == 401
        # Another site's key: not found, not revoked.
        theirs = (await identity.list_api_keys(services.db, other_site.site_id))[0]
        assert (await c.get(f"/dashboard/api-keys/{theirs.id}/revoke")).status_code == 404
        res = await c.post(f"/dashboard/api-keys/{theirs.id}/revoke", data={"csrf": csrf})
        assert res.status_code == 404
        assert (await identity.list_api_keys(services.db, other_site.site_id))[
            0
        ].revoked_date is None
        # Revoking the key of this session signs it out.
        mine = next(
            k
            for k in await identity.list_api_keys(services.db, site.site_id)
            if k.key_hint == site.admin_key[-4:]
        )
        assert "this session" in (await c.get("/dashboard/api-keys")).text
        bye = await c.post(f"/dashboard/api-keys/{mine.id}/revoke", data={"csrf": csrf})
        assert bye.status_code == 303 and bye.headers["location"] == "/dashboard/login"
        res = await c.get("/dashboard/api-keys")
        assert res.status_code == 303 and res.headers["location"].startswith("/dashboard/login")


async def test_site_settings(client: httpx.AsyncClient, site: SiteKeys, services: Services) -> None:
    async with fresh(client) as c:
        csrf = await signed_in(c, services, site.admin_key)
        page = html(await c.get("/dashboard/settings"))
        hold = page.css_first("#s-createdBookingHoldMinutes")
        assert hold.attributes["value"] == "15"
        assert page.css_first("#s-notifyBusiness").tag == "select"
        res = await c.post(
            "/dashboard/settings",
            data={
                "csrf": csrf,
                "createdBookingHoldMinutes": "30",
                "reminderOffsetsMinutes": "60, 1440",
                "timeZone": "Europe/Berlin",
                "notifyBusiness": "true",
            },
        )
        assert res.status_code == 303 and res.headers["location"] == "/dashboard/settings?saved=1"
        site_now = await identity.get_site(services.db, site.site_id)
        assert site_now is not None and site_now.time_zone == "Europe/Berlin"
        assert site_now.settings["createdBookingHoldMinutes"] == 30
        assert site_now.settings["reminderOffsetsMinutes"] == [1440, 60]
        # Two wrong values, one right: each error next to its field, nothing stored.
        bad = await c.post(
            "/dashboard/settings",
            data={
                "csrf": csrf,
                "createdBookingHoldMinutes": "soon",
                "timeZone": "Mars/Olympus",
                "currency": "EUR",
            },
        )
        assert bad.status_code == 400
        page = html(bad)
        assert page.css_first("#e-createdBookingHoldMinutes") is not None
        assert page.css_first("#e-timeZone") is not None
        assert page.css_first("#e-currency") is None
        assert page.css_first("#s-timeZone").attributes["value"] == "Mars/Olympus"
        assert page.css_first("#s-timeZone").attributes["aria-invalid"] == "true"
        after = await identity.get_site(services.db, site.site_id)
        assert after is not None and after.settings == site_now.settings
        assert after.time_zone == "Europe/Berlin"
        # An empty field resets its setting to the default.
        await c.post("/dashboard/settings", data={"csrf": csrf, "createdBookingHoldMinutes": ""})
        reset = await identity.get_site(services.db, site.site_id)
        assert reset is not None and "createdBookingHoldMinutes" not in reset.settings


async def test_every_post_form_carries_the_csrf_token(
    client: httpx.AsyncClient, site: SiteKeys, services: Services
) -> None:
    b = await book_site(client, site)
    keys = await identity.list_api_keys(services.db, site.site_id)
    async with fresh(client) as c:
        csrf = await signed_in(c, services, site.admin_key)
        pages = [
            "/dashboard/bookings?tab=all",
            f"/dashboard/bookings/{b.bookings['pending']['id']}",
            "/dashboard/pending",
            "/dashboard/api-keys",
            f"/dashboard/api-keys/{keys[0].id}/revoke",
            "/dashboard/settings",
        ]
        for path in pages:
            forms = html(await c.get(path)).css("form[method=post]")
            assert forms, path
            for form in forms:
                token = form.css_first("input[name=csrf]")
                assert token is not None and token.attributes["value"] == csrf, path
        pending = html(await c.get("/dashboard/pending")).css_first("table[hx-headers]")
        assert json.loads(str(pending.attributes["hx-headers"])) == {"X-CSRF-Token": csrf}
