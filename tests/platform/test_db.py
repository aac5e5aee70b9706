"""Units of work of ``platform/db.py`` (on SQLite and PostgreSQL): the read-then-write unit,
locks that read, prebuilt statements, inserts that wait for the commit, the lookup
connection and the pre-ping."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from bookings.booking.models import booking_values
from bookings.identity.models import api_keys
from bookings.platform import engines
from bookings.platform.db import (
    Database,
    SiteScope,
    UnitOfWork,
    site_select,
    site_update,
    utcnow,
)
from bookings.platform.engines import is_unavailable
from bookings.platform.models import domain_events
from bookings.platform.routing import Services
from bookings.platform.wire import new_id
from tests.conftest import SiteKeys, make_site

_ROLE_OF = site_select(api_keys, api_keys.c.role).where(api_keys.c.id == sa.bindparam("key_id"))
_RENAME = (
    site_update(api_keys)
    .where(api_keys.c.id == sa.bindparam("key_id"))
    .values(role=sa.bindparam("new_role"))
)


async def key_ids(services: Services, site: SiteKeys) -> list[str]:
    async with services.db.read(site.site_id) as scope:
        rows = await scope.all(scope.select(api_keys, api_keys.c.id).order_by(api_keys.c.id))
    return [r.id for r in rows]


async def test_prebuilt_statements_are_site_scoped(services: Services, site: SiteKeys) -> None:
    other = await make_site(services)
    mine, theirs = (await key_ids(services, site))[0], (await key_ids(services, other))[0]
    async with services.db.write(site.site_id) as uow:
        assert (await uow.run(_ROLE_OF, key_id=mine)).scalar() in {"ADMIN", "APP"}
        assert (await uow.run(_ROLE_OF, key_id=theirs)).first() is None
        assert (await uow.run(_RENAME, key_id=theirs, new_role="APP")).rowcount == 0


async def test_lock_reads_the_locked_rows(services: Services, site: SiteKeys) -> None:
    ids = await key_ids(services, site)
    async with services.db.write(site.site_id) as uow:
        assert await uow.lock(api_keys, [ids[0], "missing"], columns=["role"]) != ()
        rows = await uow.lock(api_keys, [*reversed(ids), "missing"], columns=["role"])
        assert sorted((r.id, r.role) for r in rows) == sorted(
            [(i, (await uow.run(_ROLE_OF, key_id=i)).scalar()) for i in ids]
        )
        one = await uow.lock(api_keys, [ids[1]], columns=["role"])
        assert [r.id for r in one] == [ids[1]]
        assert await uow.lock(api_keys, [], columns=["role"]) == ()


async def test_read_then_write(services: Services, site: SiteKeys) -> None:
    db = services.db
    first = (await key_ids(services, site))[0]
    seen: list[object] = []

    async def read(scope: SiteScope, same: UnitOfWork | None) -> str:
        seen.append(scope)
        assert same is (None if db.is_sqlite else scope)
        return str((await scope.run(_ROLE_OF, key_id=first)).scalar())

    async def write(uow: UnitOfWork, role: str) -> str:
        seen.append(uow)
        await uow.run(_RENAME, key_id=first, new_role="APP" if role == "ADMIN" else "ADMIN")
        return role

    before = await db.read_then_write(site.site_id, read, write)
    # PostgreSQL: one transaction; SQLite: the read outside the writer slot.
    assert (seen[0] is seen[1]) == (not db.is_sqlite)
    assert isinstance(seen[1], UnitOfWork)

    async def failing(uow: UnitOfWork, role: str) -> str:
        await uow.run(_RENAME, key_id=first, new_role=before)
        raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        await db.read_then_write(site.site_id, read, failing)
    async with db.read(site.site_id) as scope:
        assert (await scope.run(_ROLE_OF, key_id=first)).scalar() != before
        await scope.conn.rollback()
    await db.read_then_write(site.site_id, read, write)  # back as it was


async def test_lookups_leave_units_of_work_transactional(
    services: Services, site: SiteKeys
) -> None:
    db = services.db
    first = (await key_ids(services, site))[0]
    async with db.read(site.site_id) as scope:
        role = (await scope.run(_ROLE_OF, key_id=first)).scalar()
    async with db.connect_for_lookup() as conn:
        used = (await conn.get_raw_connection()).driver_connection
    # A write on the very connection the lookup used (the pool hands them out in turn) is a
    # transaction again: its change is rolled back with it.
    for _ in range(2 * db.engine.pool.size() + 2):  # type: ignore[attr-defined]
        with pytest.raises(RuntimeError):
            async with db.write(site.site_id) as uow:
                raw = (await uow.conn.get_raw_connection()).driver_connection
                await uow.run(_RENAME, key_id=first, new_role="MEMBER")
                raise RuntimeError("rolled back")
        if raw is used:
            break
    else:
        raise AssertionError("the lookup's connection never came back")
    async with db.read(site.site_id) as scope:
        assert (await scope.run(_ROLE_OF, key_id=first)).scalar() == role


async def _kill_an_idle_connection(db: Database) -> int:
    """Terminate the server side of a connection that waits in the pool; its backend pid."""
    pid = sa.text("SELECT pg_backend_pid()")
    victim = await db.engine.connect()
    killer = await db.engine.connect()
    dead = int((await victim.execute(pid)).scalar_one())
    await victim.close()  # back in the pool, idle
    await killer.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": dead})
    await killer.close()
    return dead


_PID = sa.text("SELECT pg_backend_pid()")


async def test_pre_ping_replaces_a_dead_connection(
    services: Services, site: SiteKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = services.db
    if db.is_sqlite:
        pytest.skip("PostgreSQL: SQLite has no server connection to lose")
    # Idle long enough to be pinged on checkout (here: any time at all).
    monkeypatch.setattr(engines, "PING_AFTER_IDLE_SECONDS", 0.0)
    dead = await _kill_an_idle_connection(db)
    # Take every idle connection of the pool at once (the dead one among them): each is
    # pinged on checkout, the dead one replaced, and none fails its first statement.
    idle = db.engine.pool.checkedin()  # type: ignore[attr-defined]
    assert idle >= 2
    conns = []
    try:
        for _ in range(idle):
            conn = await db.engine.connect()
            conns.append(conn)
            assert (await conn.execute(_PID)).scalar() != dead
    finally:
        for conn in conns:
            await conn.close()
    async with db.connect_for_lookup() as conn:
        assert (await conn.execute(_PID)).scalar() != dead


async def test_a_connection_that_died_just_after_use_fails_once_as_unavailable(
    services: Services, site: SiteKeys
) -> None:
    """Back in the pool for less than PING_AFTER_IDLE_SECONDS, a connection is handed out
    unpinged (a ping per checkout cost every request two round trips): if its server went
    away meanwhile, its first statement fails as "unavailable" (the request answers 503,
    retry), and the pool replaces its connections."""
    db = services.db
    if db.is_sqlite:
        pytest.skip("PostgreSQL: SQLite has no server connection to lose")
    dead = await _kill_an_idle_connection(db)
    failures: list[BaseException] = []
    conns = []
    try:
        for _ in range(db.engine.pool.checkedin()):  # type: ignore[attr-defined]
            conn = await db.engine.connect()
            conns.append(conn)
            try:
                assert (await conn.execute(_PID)).scalar() != dead
            except sa.exc.DBAPIError as exc:
                failures.append(exc)
    finally:
        for conn in conns:
            await conn.close()
    assert len(failures) <= 1
    assert all(is_unavailable(exc) for exc in failures)
    for _ in range(3):
        async with db.connect_for_lookup() as conn:
            assert (await conn.execute(_PID)).scalar() != dead


def outbox_row(entity_id: str, sequence: int, **extra: Any) -> dict[str, Any]:
    now = utcnow()
    return {
        "id": new_id(),
        "entity_fqdn": "test.entity",
        "slug": "created",
        "entity_id": entity_id,
        "event_time": now,
        "sequence": sequence,
        "body": {"n": sequence, "text": "ünïcode"},
        "created_date": now,
        **extra,
    }


_SEQUENCES = (
    site_select(domain_events, domain_events.c.sequence, domain_events.c.body)
    .where(domain_events.c.entity_id == sa.bindparam("entity_id"))
    .order_by(domain_events.c.sequence)
)
_VALUES = (
    site_select(booking_values, booking_values.c.position, booking_values.c.value)
    .where(booking_values.c.booking_id == sa.bindparam("booking_id"))
    .order_by(booking_values.c.position)
)


async def test_added_rows_go_in_with_the_commit(services: Services, site: SiteKeys) -> None:
    """Rows of two tables, several rows each, then one more of the first: all stored by the
    commit (on PostgreSQL as one statement), none before."""
    entity = new_id()
    async with services.db.write(site.site_id) as uow:
        uow.insert_deferred(domain_events, outbox_row(entity, 1), outbox_row(entity, 2))
        uow.insert_deferred(
            booking_values,
            *(
                {"booking_id": entity, "field": "t", "position": i, "value": f"v{i}"}
                for i in (0, 1)
            ),
        )
        # The same columns in another order: a run of its own.
        uow.insert_deferred(domain_events, dict(reversed(outbox_row(entity, 3).items())))
        async with services.db.read(site.site_id) as other:
            assert (await other.run(_SEQUENCES, entity_id=entity)).all() == []
    async with services.db.read(site.site_id) as scope:
        events = (await scope.run(_SEQUENCES, entity_id=entity)).all()
        values = (await scope.run(_VALUES, booking_id=entity)).all()
    assert [(r.sequence, r.body) for r in events] == [
        (n, {"n": n, "text": "ünïcode"}) for n in (1, 2, 3)
    ]
    assert [(r.position, r.value) for r in values] == [(0, "v0"), (1, "v1")]


async def test_a_statement_of_the_unit_sees_the_added_rows(
    services: Services, site: SiteKeys
) -> None:
    entity = new_id()
    async with services.db.write(site.site_id) as uow:
        uow.insert_deferred(domain_events, outbox_row(entity, 1))
        with pytest.raises(RuntimeError, match="flush"):
            uow.conn  # noqa: B018 - a statement on it would not see the waiting row
        assert [r.sequence for r in (await uow.run(_SEQUENCES, entity_id=entity)).all()] == [1]
        assert uow.conn is not None
        uow.insert_deferred(domain_events, outbox_row(entity, 2))
        await uow.flush()
        count = sa.select(sa.func.count()).select_from(domain_events)
        assert (
            await uow.conn.execute(count.where(domain_events.c.entity_id == entity))
        ).scalar() == 2


async def test_added_rows_of_a_failed_unit_are_not_stored(
    services: Services, site: SiteKeys
) -> None:
    entity = new_id()
    with pytest.raises(RuntimeError, match="abandoned"):
        async with services.db.write(site.site_id) as uow:
            uow.insert_deferred(domain_events, outbox_row(entity, 1))
            raise RuntimeError("abandoned")
    # A failing insert fails the commit, and takes the other rows with it.
    with pytest.raises(sa.exc.IntegrityError):
        async with services.db.write(site.site_id) as uow:
            uow.insert_deferred(domain_events, outbox_row(entity, 1), outbox_row(entity, 1))
    async with services.db.read(site.site_id) as scope:
        assert (await scope.run(_SEQUENCES, entity_id=entity)).all() == []


async def test_a_deferred_update_goes_in_with_the_added_rows(
    services: Services, site: SiteKeys
) -> None:
    """``run_deferred``: an update sent with the waiting inserts (PostgreSQL: in their one
    statement), before the unit's next statement and its commit; two updates with the same
    parameters both apply; a failed unit applies none."""
    entity = new_id()
    first, second = await key_ids(services, site)
    async with services.db.write(site.site_id) as uow:
        await uow.run_deferred(_RENAME, key_id=first, new_role="MEMBER")
        uow.insert_deferred(domain_events, outbox_row(entity, 1))
        with pytest.raises(RuntimeError, match="flush"):
            uow.conn  # noqa: B018 - a statement on it would not see the waiting writes
        await uow.run_deferred(_RENAME, key_id=second, new_role="VISITOR")
        async with services.db.read(site.site_id) as other:
            assert (await other.run(_SEQUENCES, entity_id=entity)).all() == []
            assert (await other.run(_ROLE_OF, key_id=first)).scalar() != "MEMBER"
    async with services.db.read(site.site_id) as scope:
        assert [r.sequence for r in (await scope.run(_SEQUENCES, entity_id=entity)).all()] == [1]
        assert (await scope.run(_ROLE_OF, key_id=first)).scalar() == "MEMBER"
        assert (await scope.run(_ROLE_OF, key_id=second)).scalar() == "VISITOR"
    with pytest.raises(RuntimeError, match="abandoned"):
        async with services.db.write(site.site_id) as uow:
            await uow.run_deferred(_RENAME, key_id=first, new_role="APP")
            raise RuntimeError("abandoned")
    async with services.db.read(site.site_id) as scope:
        assert (await scope.run(_ROLE_OF, key_id=first)).scalar() == "MEMBER"
