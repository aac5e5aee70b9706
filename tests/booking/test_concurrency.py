"""Never overbooked: real server processes (two per engine, sharing one database) and many
concurrent clients, on SQLite and PostgreSQL.

* 200 concurrent creates at one class session of capacity 10: exactly 10 succeed;
* 200 concurrent creates at one appointment slot of one staff member: exactly 1 succeeds;
* with a hold of 0: every create succeeds, then concurrent Confirm Or Decline leaves exactly
  the capacity CONFIRMED and DECLINES the rest;
* concurrent confirm/cancel calls carrying one revision: exactly one wins.

Every loser gets the spec's error, and the stored bookings (read straight from the database)
agree with the answers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from bookings.booking.models import bookings, multi_service_bookings, waitlist_entries
from bookings.platform.db import Database
from tests.booking import races
from tests.booking.conftest import (
    API,
    CONFIRMATION,
    Catalog,
    appointment_booking,
    class_booking,
    next_monday,
    set_hold,
)
from tests.booking.races import (
    Cluster,
    appointment_slot_race,
    class_session_race,
    client,
    double_booked,
    fire,
    outcome,
    site_env,
    stored,
)
from tests.conftest import fresh_database
from tests.serving import serving

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def cluster(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Cluster]:
    tmp: Path = tmp_path_factory.mktemp("cluster")
    async with fresh_database(request.param, tmp) as url:
        site = site_env(url, tmp)
        db = Database(url)
        try:
            with ExitStack() as stack:
                bases = [
                    stack.enter_context(serving(site.env, log=tmp / f"serve{i}.log"))[0]
                    for i in range(2)
                ]
                yield Cluster(bases, site.site_id, site.headers, db)
        finally:
            await db.dispose()


@pytest.fixture
def http() -> httpx.AsyncClient:
    return client()


def catalog(http: httpx.AsyncClient, cluster: Cluster) -> Catalog:
    return races.catalog(http, cluster.bases[0], cluster.headers)


async def test_class_session_is_never_overbooked(cluster: Cluster, http: httpx.AsyncClient) -> None:
    await class_session_race(cluster, http)


async def test_appointment_slot_is_never_overbooked(
    cluster: Cluster, http: httpx.AsyncClient
) -> None:
    await appointment_slot_race(cluster, http)


async def test_hold_zero_creates_succeed_and_confirm_or_decline_sorts_them_out(
    cluster: Cluster, http: httpx.AsyncClient
) -> None:
    await set_hold(cluster.db, cluster.site_id, 0)
    try:
        cat = catalog(http, cluster)
        yoga = await cat.group(capacity=10)
        event = await cat.session(yoga, next_monday(4), capacity=10)
        body = {"booking": class_booking(yoga, event)}
        created = await fire(
            http, [(cluster.base(i) + API, body) for i in range(60)], cluster.headers
        )
        assert Counter(outcome(r) for r in created) == {"OK": 60}
        ids = [r.json()["booking"]["id"] for r in created]
        decided = await fire(
            http,
            [
                (f"{cluster.base(i)}{CONFIRMATION}/{bid}:confirmOrDecline", {})
                for i, bid in enumerate(ids)
            ],
            cluster.headers,
        )
        assert Counter(outcome(r) for r in decided) == {"OK": 60}
        statuses = Counter(r.json()["booking"]["status"] for r in decided)
        assert statuses == {"CONFIRMED": 10, "DECLINED": 50}
        assert await stored(cluster.db, cluster.site_id, event_id=event["id"]) == statuses
    finally:
        await set_hold(cluster.db, cluster.site_id, 15)


async def test_one_revision_one_winner(cluster: Cluster, http: httpx.AsyncClient) -> None:
    cat = catalog(http, cluster)
    yoga = await cat.group(capacity=100)
    event = await cat.session(yoga, next_monday(5), capacity=100)
    first = await http.post(
        cluster.bases[0] + API,
        json={"booking": class_booking(yoga, event)},
        headers=cluster.headers,
    )
    booking_id = first.json()["booking"]["id"]
    calls = [
        (
            f"{cluster.base(i)}{API}/{booking_id}/{'confirm' if i % 2 else 'cancel'}",
            {"revision": "1"},
        )
        for i in range(40)
    ]
    answers = await fire(http, calls, cluster.headers)
    counts = Counter(outcome(r) for r in answers)
    assert counts == {"OK": 1, "409 REVISION_MISMATCH": 39}
    winner = next(r for r in answers if r.status_code == 200).json()["booking"]
    assert winner["revision"] == "2"
    assert await stored(cluster.db, cluster.site_id, id=booking_id) == {winner["status"]: 1}


# ---------------------------------------------------------------- multi-service bookings

MSB = "/_api/bookings-service/v2/multi_service_bookings"


async def _salon(http: httpx.AsyncClient, cluster: Cluster, week: int) -> dict[str, Any]:
    """Two staff, a haircut (60 min, 15 min after it) and a colour (30 min)."""
    cat = catalog(http, cluster)
    staff = [await cat.staff("Ana"), await cat.staff("Ben")]
    cut = await cat.appointment(staff, name="Haircut")
    colour = await cat.appointment(
        staff,
        name="Colour",
        schedule={"availabilityConstraints": {"sessionDurations": [30], "timeBetweenSessions": 0}},
    )
    return {"staff": staff, "cut": cut, "colour": colour, "day": next_monday(week)}


def _package(s: dict[str, Any], hh: int, mm: int) -> dict[str, Any]:
    start, mid = f"{hh:02d}:{mm:02d}", f"{hh + 1:02d}:{mm:02d}"
    end = f"{hh + 1 + (mm + 30) // 60:02d}:{(mm + 30) % 60:02d}"
    return {
        "bookings": [
            appointment_booking(s["cut"], s["day"], start, mid),
            appointment_booking(s["colour"], s["day"], mid, end),
        ]
    }


async def _check_store(cluster: Cluster, staff: list[str]) -> dict[str, list[Any]]:
    """No staff member of ``staff`` holds two bookings whose spans (buffers included) meet;
    every package of the site is whole (its row and exactly its two children, of one
    status). Answers the children of the packages on ``staff``, by package."""
    b, p = bookings, multi_service_bookings
    async with cluster.db.engine.connect() as conn:
        rows = (await conn.execute(sa.select(b).where(b.c.site_id == cluster.site_id))).all()
        query = sa.select(p.c.id).where(p.c.site_id == cluster.site_id)
        packages = {r.id for r in (await conn.execute(query)).all()}
    assert not double_booked(rows, staff, datetime.now(UTC))
    children: dict[str, list[Any]] = {}
    for r in rows:
        if r.multi_service_booking_id:
            children.setdefault(r.multi_service_booking_id, []).append(r)
    assert set(children) == packages
    for c in children.values():
        assert len(c) == 2
        assert len({r.status for r in c}) == 1
    return {k: c for k, c in children.items() if c[0].resource_id in staff}


async def test_multi_service_creates_race_single_creates(
    cluster: Cluster, http: httpx.AsyncClient
) -> None:
    await set_hold(cluster.db, cluster.site_id, 15)
    s = await _salon(http, cluster, 6)
    calls: list[tuple[str, dict[str, Any]]] = []
    for i in range(100):
        if i % 2:
            # Most compete with the single creates; some ask for 15:00, which only they want.
            hh = 15 if i % 10 == 1 else 10 + i % 3
            calls.append((cluster.base(i) + MSB, _package(s, hh, 30 * (i % 4 == 3))))
        else:
            hh, mm = 10 + i % 4, 30 * (i % 3 == 0)
            end = f"{hh + mm // 30:02d}:{(mm + 30) % 60:02d}"
            start = f"{hh:02d}:{mm:02d}"
            body = {"booking": appointment_booking(s["colour"], s["day"], start, end)}
            calls.append((cluster.base(i) + API, body))
    answers = await fire(http, calls, cluster.headers)
    counts = Counter(outcome(r) for r in answers)
    assert set(counts) <= {"OK", "428 SLOT_NOT_AVAILABLE"}, counts
    made = [
        r.json()["multiServiceBooking"]["id"]
        for r in answers
        if r.status_code == 200 and "multiServiceBooking" in r.json()
    ]
    assert made, counts
    children = await _check_store(cluster, s["staff"])
    extra = set(children) - set(made)
    assert not extra, (
        counts,
        [[(r.id, r.status, r.start_utc, r.created_date) for r in children[e]] for e in extra],
    )


async def test_multi_service_reschedules_and_cancels_race(
    cluster: Cluster, http: httpx.AsyncClient
) -> None:
    await set_hold(cluster.db, cluster.site_id, 15)
    s = await _salon(http, cluster, 7)
    made = []
    for hh in (9, 11, 13, 15):
        res = await http.post(
            cluster.bases[0] + MSB,
            json={**_package(s, hh, 0), "returnFullEntity": True},
            headers=cluster.headers,
        )
        assert res.status_code == 200, res.text
        made.append(res.json()["multiServiceBooking"])
    calls: list[tuple[str, dict[str, Any]]] = []
    for i in range(50):
        package = made[i % 4]
        pid = package["id"]
        if i % 5 == 4:
            calls.append((f"{cluster.base(i)}{MSB}/{pid}/cancel", {}))
            continue
        target = _package(s, 10, 0 if i % 2 else 30)["bookings"]
        infos = [
            {
                "bookingId": child["bookingId"],
                "revision": "1",
                "slot": new["bookedEntity"]["slot"],
            }
            for child, new in zip(package["bookings"], target, strict=True)
        ]
        calls.append(
            (f"{cluster.base(i)}{MSB}/{pid}/reschedule", {"rescheduleBookingsInfo": infos})
        )
    answers = await fire(http, calls, cluster.headers)
    counts = Counter(outcome(r) for r in answers)
    assert set(counts) <= {
        "OK",
        "428 SLOT_NOT_AVAILABLE",
        "428 BOOKING_REVISION_MISMATCH",
        "428 ALL_BOOKINGS_ARE_ALREADY_CANCELED",
        "428 INVALID_BOOKING_STATUS",
    }, counts
    assert counts["OK"] >= 1
    await _check_store(cluster, s["staff"])


# ---------------------------------------------------------------- the waitlist

WAITLIST = "/bookings/v1/waitlist"


async def test_freed_spots_go_to_exactly_one_registrant_each(
    cluster: Cluster, http: httpx.AsyncClient
) -> None:
    """Three participants cancel while the public books, registrants book from the waitlist
    and new ones register, all at once: each freed spot goes to one registrant, nobody else
    gets it, and the session is never overbooked."""
    cat = catalog(http, cluster)
    policy = {
        "name": "Waitlist race",
        "waitlistPolicy": {"enabled": True, "capacity": 20, "reservationTimeInMinutes": 10},
    }
    res = await http.post(
        cluster.bases[0] + "/bookings/v1/booking-policies",
        json={"bookingPolicy": policy},
        headers=cluster.headers,
    )
    yoga = await cat.group(capacity=5, bookingPolicy={"id": res.json()["bookingPolicy"]["id"]})
    event = await cat.session(yoga, next_monday(8), capacity=5)
    confirmed = [
        (
            await http.post(
                cluster.bases[0] + API,
                json={"booking": class_booking(yoga, event, status="CONFIRMED")},
                headers=cluster.headers,
            )
        ).json()["booking"]["id"]
        for _ in range(5)
    ]
    waiting = [
        (
            await http.post(
                cluster.bases[0] + f"{WAITLIST}/register",
                json={"booking": class_booking(yoga, event)},
                headers=cluster.headers,
            )
        ).json()["booking"]["id"]
        for _ in range(10)
    ]
    calls: list[tuple[str, dict[str, Any]]] = []
    calls += [(f"{API}/{b}/cancel", {"revision": "1"}) for b in confirmed[:3]]
    calls += [(API, {"booking": class_booking(yoga, event)}) for _ in range(20)]
    calls += [(f"{WAITLIST}/book", {"bookingId": b, "revision": "1"}) for b in waiting]
    calls += [(f"{WAITLIST}/register", {"booking": class_booking(yoga, event)}) for _ in range(5)]
    order = [calls[i] for i in sorted(range(len(calls)), key=lambda i: (i * 7919) % len(calls))]
    answers = await fire(
        http,
        [(cluster.base(i) + path, body) for i, (path, body) in enumerate(order)],
        cluster.headers,
    )
    by_kind: dict[str, Counter[str]] = {}
    for (path, _), res in zip(order, answers, strict=True):
        kind = path.rsplit("/", 1)[-1] if "waitlist" in path or "cancel" in path else "create"
        by_kind.setdefault(kind, Counter())[outcome(res)] += 1
    assert by_kind["cancel"] == {"OK": 3}
    assert by_kind["create"] == {"428 SESSION_CAPACITY_EXCEEDED": 20}
    assert by_kind["register"] == {"OK": 5}
    assert set(by_kind["book"]) <= {"OK", "428 NO_OPEN_SPOTS"}
    b, w = bookings, waitlist_entries
    async with cluster.db.engine.connect() as conn:
        rows = (await conn.execute(sa.select(b).where(b.c.event_id == event["id"]))).all()
        entries = (await conn.execute(sa.select(w).where(w.c.event_id == event["id"]))).all()
    holding = sum(r.participants for r in rows if r.status in ("CONFIRMED", "PENDING"))
    statuses = Counter(e.status for e in entries)
    # Every freed spot went to the line: enrolled, or held for an offer still running.
    assert statuses["ENROLLED"] + statuses["SUGGESTING"] == 3
    assert statuses["ENROLLED"] == by_kind["book"]["OK"]
    assert holding == 2 + statuses["ENROLLED"]
    assert holding + statuses["SUGGESTING"] == 5
