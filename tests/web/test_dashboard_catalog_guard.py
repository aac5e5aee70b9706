"""Every page of the calendar, attendance and catalog part of the dashboard needs a session
(signed out: to the sign-in page, back to the page after), and every POST its CSRF token."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest

from tests.conftest import SiteKeys
from tests.web.dashboard_helpers import signed_in

SOME_ID = "0f0e0d0c-0b0a-4908-8706-050403020100"
PAGES = (
    "/dashboard/calendar?view=week&date=2026-10-25",
    "/dashboard/calendar.json?view=day",
    "/dashboard/attendance?date=2026-10-25",
    "/dashboard/services",
    f"/dashboard/services/{SOME_ID}",
    "/dashboard/staff",
    f"/dashboard/staff/{SOME_ID}",
    "/dashboard/policies",
    f"/dashboard/policies/{SOME_ID}",
)
POSTS = (
    "/dashboard/attendance",
    f"/dashboard/services/{SOME_ID}",
    "/dashboard/staff",
    f"/dashboard/staff/{SOME_ID}",
    f"/dashboard/staff/{SOME_ID}/hours",
    f"/dashboard/staff/{SOME_ID}/delete",
    f"/dashboard/policies/{SOME_ID}",
)


@pytest.mark.parametrize("path", PAGES)
async def test_signed_out_goes_to_sign_in(client: httpx.AsyncClient, path: str) -> None:
    async with httpx.AsyncClient(transport=client._transport, base_url="http://t") as anon:
        res = await anon.get(path)
        assert res.status_code == 303
        assert res.headers["location"] == f"/dashboard/login?next={quote(path, safe='')}"
        for post in POSTS:
            assert (await anon.post(post, data={})).status_code == 303


async def test_posts_need_the_csrf_token(client: httpx.AsyncClient, site: SiteKeys) -> None:
    async with signed_in(client, site) as c:
        for path in POSTS:
            res = await c.post(path, data={"csrf": "not-the-token", "name": "X"})
            assert res.status_code == 403, path
        unknown = await c.get(f"/dashboard/staff/{SOME_ID}")
        assert (
            unknown.status_code == 404
            and "frame-ancestors 'none'" in unknown.headers["content-security-policy"]
        )
