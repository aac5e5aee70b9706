"""The dashboard calendar page (issue 16): per-staff day view, week view in the business
zone, the list link, navigation, and who may see it."""

from __future__ import annotations

from datetime import date, timedelta

import httpx

from bookings.platform.routing import Services
from tests.booking.conftest import Catalog, appointment_booking, created, next_monday
from tests.conftest import SiteKeys, make_site
from tests.web.dashboard_helpers import html, signed_in


async def berlin_day(client: httpx.AsyncClient, services: Services) -> tuple[SiteKeys, date]:
    site = await make_site(services, "Europe/Berlin")
    cat = Catalog(client, site.admin)
    ana, bo = await cat.staff("Ana"), await cat.staff("Bo")
    massage = await cat.appointment([ana, bo])
    day = next_monday()
    for start, end, who, name in (
        ("10:00", "11:00", ana, "Carla"),
        ("10:00", "11:00", bo, "Dino"),
        ("13:00", "14:00", ana, "Emil"),
    ):
        booking = appointment_booking(massage, day, start, end, resource=who)
        booking["bookedEntity"]["slot"]["timezone"] = "Europe/Berlin"
        booking["contactDetails"]["firstName"] = name
        await created(client, site.admin, booking)
    return site, day


async def test_signed_out_goes_to_sign_in(client: httpx.AsyncClient) -> None:
    async with httpx.AsyncClient(transport=client._transport, base_url="http://t") as c:
        res = await c.get("/dashboard/calendar?view=week")
        assert res.status_code == 303
        assert res.headers["location"].startswith("/dashboard/login?next=%2Fdashboard%2Fcalendar")


async def test_the_day_view_has_a_column_per_staff_member(
    client: httpx.AsyncClient, services: Services
) -> None:
    site, day = await berlin_day(client, services)
    async with signed_in(client, site) as c:
        res = await c.get(f"/dashboard/calendar?view=day&date={day}")
        assert "style-src 'self'" in res.headers["content-security-policy"]
        doc = html(res)
    heads = [h.text(strip=True) for h in doc.css("section.cal-col h2")]
    assert heads == ["Ana", "Bo"]
    ana, bo = doc.css("section.cal-col")
    items = [" ".join(i.text().split()) for i in ana.css("li.cal-item")]
    assert items[0] == "10:00\N{EN DASH}11:00 Massage, Carla Doe, Created"
    assert "13:00\N{EN DASH}14:00" in items[1] and "Emil" in items[1]
    assert "Dino" in bo.css_first("li.cal-item").text()
    # 10:00 local is the row 3 hours into the 07:00 start: line 13.
    assert "rs-13" in (ana.css_first("li.cal-item").attributes["class"] or "")
    assert "style=" not in res.text
    assert "Europe/Berlin" in doc.css_first(".cal-note").text()
    links = {a.text(strip=True): a.attributes["href"] for a in doc.css("nav.cal-nav a")}
    assert links["View as list"] == f"/dashboard/bookings?from={day}&to={day}"
    assert links["Next day"] == f"/dashboard/calendar?view=day&date={day + timedelta(days=1)}"
    assert links["Previous day"] == f"/dashboard/calendar?view=day&date={day - timedelta(days=1)}"


async def test_the_week_view_filters_by_staff(
    client: httpx.AsyncClient, services: Services
) -> None:
    site, day = await berlin_day(client, services)
    async with signed_in(client, site) as c:
        doc = html(await c.get(f"/dashboard/calendar?view=week&date={day + timedelta(days=2)}"))
        heads = [h.text(strip=True) for h in doc.css("section.cal-col h2")]
        assert len(heads) == 7 and heads[0] == f"Mon {day.day} {day:%b}"
        monday = doc.css("section.cal-col")[0]
        assert len(monday.css("li.cal-item")) == 3
        lanes = sorted(i.attributes["class"] or "" for i in monday.css("li.cal-item"))
        assert any("lane-2" in c for c in lanes)  # Carla and Dino overlap: side by side
        staff_id = next(
            o.attributes["value"] for o in doc.css("#cal-staff option") if o.text() == "Bo"
        )
        only = html(await c.get(f"/dashboard/calendar?view=week&date={day}&staff={staff_id}"))
        names = [i.text() for i in only.css("li.cal-item")]
        assert len(names) == 1 and "Dino" in names[0]
        link = next(a for a in only.css("nav.cal-nav a") if a.text(strip=True) == "View as list")
        sunday = day + timedelta(days=6)
        assert (
            link.attributes["href"]
            == f"/dashboard/bookings?from={day}&to={sunday}&staff={staff_id}"
        )


async def test_odd_dates_fall_back_to_today(client: httpx.AsyncClient, site: SiteKeys) -> None:
    async with signed_in(client, site) as c:
        for raw in ("9999-12-31", "0001-01-01", "2026-02-30", "yesterday"):
            for view in ("day", "week"):
                res = await c.get(f"/dashboard/calendar?view={view}&date={raw}")
                assert res.status_code == 200, raw
            assert (await c.get(f"/dashboard/attendance?date={raw}")).status_code == 200


async def test_another_sites_bookings_are_not_shown(
    client: httpx.AsyncClient, services: Services, other_site: SiteKeys
) -> None:
    _, day = await berlin_day(client, services)
    async with signed_in(client, other_site) as c:
        doc = html(await c.get(f"/dashboard/calendar?view=week&date={day}"))
        assert doc.css("li.cal-item") == []


async def test_the_feed_gives_floating_local_times(
    client: httpx.AsyncClient, services: Services
) -> None:
    site, day = await berlin_day(client, services)
    async with signed_in(client, site) as c:
        page = html(await c.get(f"/dashboard/calendar?view=day&date={day}"))
        src = page.css_first(".cal-scroll").attributes["data-ec-src"]
        assert src == f"/dashboard/calendar.json?view=day&date={day}"
        res = await c.get(src or "")
        assert res.status_code == 200 and res.headers["cache-control"] == "no-store"
        feed = res.json()
        assert feed["exact"] is True and feed["view"] == "resourceTimeGridDay"
        assert [r["title"] for r in feed["resources"]] == ["Ana", "Bo"]
        assert (feed["slotMinTime"], feed["slotMaxTime"]) == ("07:00", "20:00")
        carla = next(e for e in feed["events"] if "Carla" in e["title"])
        assert carla["start"] == f"{day}T10:00:00" and carla["end"] == f"{day}T11:00:00"
        assert carla["resourceIds"] == [feed["resources"][0]["id"]]
        assert carla["title"] == "Massage, Carla Doe (Created)"
        week = (await c.get(f"/dashboard/calendar.json?view=week&date={day}")).json()
        assert week["view"] == "timeGridWeek" and len(week["events"]) == 3
        assert "resourceIds" not in week["events"][0]
        # A week with a DST change keeps the server grid: no feed asked for, and the feed
        # says it would not be exact.
        dst = html(await c.get("/dashboard/calendar?view=week&date=2026-10-25"))
        assert "data-ec-src" not in (dst.css_first(".cal-scroll").attributes or {})
        inexact = (await c.get("/dashboard/calendar.json?view=week&date=2026-10-25")).json()
        assert inexact["exact"] is False
    async with httpx.AsyncClient(transport=client._transport, base_url="http://t") as anon:
        assert (await anon.get("/dashboard/calendar.json")).status_code == 303
