"""Engine, transactions, row locks and the differences between SQLite and PostgreSQL.

Every use-case runs in one unit of work from here: :meth:`Database.read` for reads,
:meth:`Database.write` for writes. A write on SQLite opens with ``BEGIN IMMEDIATE`` (one
writer at a time, also across processes) and, inside one process, waits on an asyncio lock
first so that writers queue instead of spinning on SQLite's busy handler. On PostgreSQL a
write locks the rows it names with ``SELECT ... FOR UPDATE`` in sorted id order.

Tenancy is enforced here too: :class:`SiteScope` builds every statement with the site
predicate (and stamps ``site_id`` on inserts), so a handler cannot forget it.

Statements on hot paths are built once, at import, with :func:`site_select` /
:func:`site_update` (the site and every other varying value a bind parameter) and run with
:meth:`SiteScope.run`, which binds the scope's site. SQLAlchemy builds, cache-keys and binds a
statement made per call anew every time, which costs more CPU than running it (a few hundred
µs against ~150); a prebuilt statement is keyed once and found compiled. An expanding
``IN (...)`` is rendered anew on every execution even then: :func:`one_of` writes a single
value as ``=``.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bookings.platform.batched import MAX_BINDS, combined_insert, insert_groups, later_param
from bookings.platform.engines import configure_sqlite, ping_when_idle
from bookings.platform.json_encoding import dumps_text
from bookings.platform.site_cache import SiteCache

log = logging.getLogger(__name__)

T = TypeVar("T")
V = TypeVar("V")
R = TypeVar("R")

#: Naming convention so that constraints have stable names on both engines (Alembic needs it).
metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(sa.types.TypeDecorator[datetime]):
    """An instant: stored in UTC (timestamptz on PostgreSQL), always read back aware UTC."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


#: JSON documents (JSONB on PostgreSQL).
Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def utcnow() -> datetime:
    """Now, truncated to milliseconds (the wire's precision), aware UTC."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def site_id_column() -> sa.Column[str]:
    return sa.Column("site_id", sa.String(36), nullable=False)


#: The bind parameter that carries the site into a prebuilt statement (:meth:`SiteScope.run`).
SITE_PARAM = "scope_site_id"


def site_select(table: sa.Table, *columns: Any) -> sa.Select[Any]:
    """:meth:`SiteScope.select` for a statement built once and run with :meth:`SiteScope.run`
    (the site is the bind parameter :data:`SITE_PARAM`)."""
    stmt = sa.select(*columns) if columns else sa.select(table)
    return stmt.where(table.c.site_id == sa.bindparam(SITE_PARAM))


def site_update(table: sa.Table) -> sa.Update:
    """:meth:`SiteScope.update` for a statement built once (see :func:`site_select`)."""
    return sa.update(table).where(table.c.site_id == sa.bindparam(SITE_PARAM))


def one_of(column: sa.ColumnElement[Any], values: Sequence[Any]) -> sa.ColumnElement[bool]:
    """``column IN values``; one value as ``column = value`` (compiled once, where an
    expanding IN is rendered anew on every execution)."""
    return column == values[0] if len(values) == 1 else column.in_(values)


def any_of(column: sa.ColumnElement[Any], constants: Sequence[Any]) -> sa.ColumnElement[bool]:
    """``column IN constants`` for a fixed list in a prebuilt statement, as equalities: an
    expanding IN would still be rendered anew on every execution."""
    if not constants:
        return sa.false()
    equalities: list[sa.ColumnElement[bool]] = [column == c for c in constants]
    return equalities[0] if len(equalities) == 1 else sa.or_(*equalities)


def one_of_param(column: sa.ColumnElement[Any], name: str, single: bool) -> sa.ColumnElement[bool]:
    """In a prebuilt statement: ``column = :name`` (``single``) or ``column IN (:name)`` (an
    expanding parameter, for a list)."""
    if single:
        return column == sa.bindparam(name)
    return column.in_(sa.bindparam(name, expanding=True))


@functools.cache
def _insert_into(table: sa.Table) -> sa.Insert:
    return sa.insert(table)


@functools.cache
def _lock_statement(
    table: sa.Table, id_column: str, columns: tuple[str, ...], single: bool, for_update: bool
) -> sa.Select[Any]:
    col = table.c[id_column]
    ids: sa.BindParameter[Any] = (
        sa.bindparam("lock_id") if single else sa.bindparam("lock_ids", expanding=True)
    )
    stmt = site_select(table, col, *(table.c[c] for c in columns))
    stmt = stmt.where(col == ids if single else col.in_(ids))
    return stmt.order_by(col).with_for_update() if for_update else stmt


def insert_ignoring_conflicts(conn: AsyncConnection, table: sa.Table) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` on either engine: a concurrent twin (same unique
    key) wins quietly. Add ``.returning(...)`` to learn which rows went in."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing()


class SiteScope:
    """Statements of one tenant: every select/update/delete is filtered by ``site_id``."""

    def __init__(
        self,
        conn: AsyncConnection,
        site_id: str,
        cache: SiteCache | None = None,
        catalog_version: int | None = None,
    ) -> None:
        self.conn = conn
        self.site_id = site_id
        #: The process's copies of the catalog, and the site's version they must have been
        #: read at to serve here (both or neither: :mod:`bookings.platform.site_cache`).
        self._cache = cache if catalog_version is not None else None
        self._version = catalog_version or 0

    def cached(self, kind: str, key: str) -> Any | None:
        """This process's copy of a catalog record of the site, when it is current
        (:mod:`bookings.platform.site_cache`); ``None``: read it (and :meth:`keep` it)."""
        if self._cache is None:
            return None
        return self._cache.get(self.site_id, self._version, kind, key)

    def keep(self, kind: str, key: str, value: Any) -> None:
        """Keep ``value``, read in this scope, as the copy of a catalog record (never mutate
        it afterwards: other requests share it)."""
        if self._cache is not None:
            self._cache.put(self.site_id, self._version, kind, key, value)

    async def through_cache(
        self,
        kind: str,
        keys: Iterable[str],
        load: Callable[[list[str]], Awaitable[Mapping[str, V]]],
    ) -> dict[str, V]:
        """The records of ``keys`` that exist: the current copies (:meth:`cached`), the rest
        read by ``load`` (keys -> records found) and kept (:meth:`keep`)."""
        found: dict[str, V] = {}
        missing: list[str] = []
        for key in keys:
            kept = self.cached(kind, key)
            if kept is None:
                missing.append(key)
            else:
                found[key] = kept
        if missing:
            for key, value in (await load(missing)).items():
                self.keep(kind, key, value)
                found[key] = value
        return found

    def select(self, table: sa.Table, *columns: Any) -> sa.Select[Any]:
        stmt = sa.select(*columns) if columns else sa.select(table)
        return stmt.where(table.c.site_id == self.site_id)

    def update(self, table: sa.Table) -> sa.Update:
        return sa.update(table).where(table.c.site_id == self.site_id)

    def delete(self, table: sa.Table) -> sa.Delete:
        return sa.delete(table).where(table.c.site_id == self.site_id)

    async def insert(self, table: sa.Table, *rows: dict[str, Any]) -> None:
        if not rows:
            return
        await self.conn.execute(
            _insert_into(table), [{**row, "site_id": self.site_id} for row in rows]
        )

    async def run(self, stmt: sa.Executable, **params: Any) -> sa.CursorResult[*tuple[Any, ...]]:
        """Run a prebuilt statement (:func:`site_select`, :func:`site_update`) for this
        scope's site; ``params`` are its other bind parameters."""
        return await self.conn.execute(stmt, {SITE_PARAM: self.site_id, **params})

    async def one_or_none(self, stmt: sa.Select[Any]) -> sa.Row[Any] | None:
        row: sa.Row[Any] | None = (await self.conn.execute(stmt)).first()
        return row

    async def all(self, stmt: sa.Select[Any]) -> Sequence[sa.Row[Any]]:
        rows: Sequence[sa.Row[Any]] = (await self.conn.execute(stmt)).all()
        return rows

    async def scalar(self, stmt: sa.Select[Any]) -> Any:
        return (await self.conn.execute(stmt)).scalar()


class UnitOfWork(SiteScope):
    """One write transaction of one site: row locks, then changes, then commit.

    Inserts that nothing in the unit reads back can wait for the commit
    (:meth:`insert_deferred`): they go to the database together, just before it (PostgreSQL:
    one statement, whatever their tables), or before the unit's next statement, whichever
    comes first. Hence ``conn`` is refused while such inserts wait: a statement sent on it
    directly would not see them."""

    def __init__(
        self,
        conn: AsyncConnection,
        site_id: str,
        dialect: str,
        cache: SiteCache | None = None,
        catalog_version: int | None = None,
    ) -> None:
        self._later: list[tuple[sa.Table, dict[str, Any]]] = []
        self._updates: list[tuple[sa.Executable, dict[str, Any]]] = []
        super().__init__(conn, site_id, cache, catalog_version)
        self.dialect = dialect
        #: Set by the outbox when the unit records a domain event (its commit wakes the
        #: listeners of :meth:`Database.on_events_committed`).
        self.events_recorded = False
        #: The signals its commit sends (:meth:`signal`).
        self.signals: set[str] = set()

    def signal(self, name: str) -> None:
        """Wake the listeners of ``name`` (:meth:`Database.on_signal`) once this unit has
        committed (a queue this unit added work to)."""
        self.signals.add(name)

    @property
    def conn(self) -> AsyncConnection:
        if self._later or self._updates:
            raise RuntimeError("writes are waiting: flush() the unit of work before using conn")
        return self._conn

    @conn.setter
    def conn(self, value: AsyncConnection) -> None:
        self._conn = value

    def insert_deferred(self, table: sa.Table, *rows: dict[str, Any]) -> None:
        """Insert ``rows`` (of this site) later, with a guarantee: they are in the database
        before the unit's next statement runs and before it commits, so the unit always reads
        its own writes and the rows commit or roll back with it. Until then they wait, and a
        use case that ends with several inserts sends them in one round trip."""
        self._later.extend((table, {**row, "site_id": self.site_id}) for row in rows)

    async def run_deferred(self, stmt: sa.Executable, **params: Any) -> None:
        """Run a prebuilt ``UPDATE`` of this site (:func:`site_update`) whose outcome nobody
        reads later, with the same guarantee as :meth:`insert_deferred`: PostgreSQL sends it
        with the waiting inserts, in their one statement, where it sees the rows as they were
        before those inserts (the statements of one may not depend on each other). The same
        statement, or one with a parameter of the same name, deferred twice: the first is
        sent before the second waits (their parameters share one namespace)."""
        names = set(params)
        if any(waiting is stmt or names & set(p) - {SITE_PARAM} for waiting, p in self._updates):
            await self.flush()
        self._updates.append((stmt, {SITE_PARAM: self.site_id, **params}))

    async def flush(self) -> None:
        """Send the writes that wait: the updates of :meth:`run_deferred`, then the inserts of
        :meth:`insert_deferred` in the order they were added (PostgreSQL: one statement)."""
        if not self._later and not self._updates:
            return
        later, self._later = self._later, []
        updates, self._updates = self._updates, []
        groups = insert_groups(later)
        binds = sum(len(columns) * len(rows) for _, columns, rows in groups)
        binds += sum(len(p) for _, p in updates)
        if self.dialect == "postgresql" and groups and binds <= MAX_BINDS:
            shape = tuple((table, columns, len(rows)) for table, columns, rows in groups)
            params = {
                later_param(g, r, c): row[c]
                for g, (_, columns, rows) in enumerate(groups)
                for r, row in enumerate(rows)
                for c in columns
            }
            for _, update_params in updates:
                params.update(update_params)
            statement = combined_insert(shape, tuple(stmt for stmt, _ in updates))
            await self._conn.execute(statement, params)
            return
        for stmt, update_params in updates:
            await self._conn.execute(stmt, update_params)
        for table, _, rows in groups:
            await self._conn.execute(_insert_into(table), rows)

    async def insert(self, table: sa.Table, *rows: dict[str, Any]) -> None:
        await self.flush()
        await super().insert(table, *rows)

    async def run(self, stmt: sa.Executable, **params: Any) -> sa.CursorResult[*tuple[Any, ...]]:
        await self.flush()
        return await super().run(stmt, **params)

    async def one_or_none(self, stmt: sa.Select[Any]) -> sa.Row[Any] | None:
        await self.flush()
        return await super().one_or_none(stmt)

    async def all(self, stmt: sa.Select[Any]) -> Sequence[sa.Row[Any]]:
        await self.flush()
        return await super().all(stmt)

    async def scalar(self, stmt: sa.Select[Any]) -> Any:
        await self.flush()
        return await super().scalar(stmt)

    async def lock(
        self,
        table: sa.Table,
        ids: Iterable[str],
        id_column: str = "id",
        columns: Sequence[str] = (),
    ) -> Sequence[sa.Row[Any]]:
        """Lock the rows of ``ids`` in sorted order (deadlock-free). SQLite: already exclusive.

        With ``columns`` (names), the same statement also reads them: the locked rows that
        exist, as ``(id, *columns)`` (on SQLite a plain read), so a lock and the read of what
        it guards cost one round trip."""
        ordered = sorted(set(ids))
        if not ordered or (self.dialect == "sqlite" and not columns):
            return ()
        single = len(ordered) == 1
        stmt = _lock_statement(table, id_column, tuple(columns), single, self.dialect != "sqlite")
        params = {"lock_id": ordered[0]} if single else {"lock_ids": ordered}
        return (await self.run(stmt, **params)).all()


class Database:
    """The engine and the way into transactions."""

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 20,
        echo: bool = False,
        statement_timeout_ms: int = 0,
    ) -> None:
        """``statement_timeout_ms``: PostgreSQL cancels a statement that runs longer (0: no
        limit). ``pool_size``: PostgreSQL connections at most, each kept once opened. (The pool
        used to keep 10 and open up to 10 more on demand, closing each of those on its return
        and opening it again on the next burst: under a steady concurrent load that churn of
        connection startups and statement re-preparations cost ~10% of a create's CPU.)"""
        self.url = sa.engine.make_url(url)
        self.dialect = self.url.get_backend_name()
        if self.dialect not in {"sqlite", "postgresql"}:
            raise ValueError(f"unsupported database {self.dialect!r}: use SQLite or PostgreSQL")
        kwargs: dict[str, Any] = {"echo": echo, "json_serializer": dumps_text}
        if self.dialect == "sqlite":
            database = self.url.database or ""
            if database in {"", ":memory:"}:
                raise ValueError("an in-memory SQLite database cannot be shared; give a file path")
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": 60}
        else:
            kwargs.update(pool_size=pool_size, max_overflow=0, pool_pre_ping=True)
            if statement_timeout_ms > 0:
                # A statement running longer is cancelled by PostgreSQL (its transaction rolls
                # back; the request answers 503), so one stuck query cannot hold a connection.
                kwargs["connect_args"] = {
                    "server_settings": {"statement_timeout": str(statement_timeout_ms)}
                }
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        self._write_lock = asyncio.Lock() if self.dialect == "sqlite" else None
        if self.dialect == "sqlite":
            configure_sqlite(self.engine)
        else:
            ping_when_idle(self.engine)
        #: Statements that are their own transaction (PostgreSQL; see :meth:`connect_for_lookup`).
        self._autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._event_listeners: list[Callable[[], None]] = []
        self._signal_listeners: dict[str, list[Callable[[], None]]] = {}
        #: This process's copies of the sites' catalogs (:mod:`bookings.platform.site_cache`).
        self.site_cache = SiteCache()
        #: The tasks inside a transaction of this database, with their depth.
        self._in_transaction: dict[asyncio.Task[Any], int] = {}

    def in_transaction(self) -> bool:
        """Whether the running task is inside a transaction of this database (a provider
        call must never be: the payment providers assert it)."""
        task = asyncio.current_task()
        return task is not None and task in self._in_transaction

    @contextmanager
    def _track(self) -> Iterator[None]:
        task = asyncio.current_task()
        if task is None:
            yield
            return
        depth = self._in_transaction.get(task, 0)
        self._in_transaction[task] = depth + 1
        try:
            yield
        finally:
            if depth:
                self._in_transaction[task] = depth
            else:
                del self._in_transaction[task]

    async def commit_pending(self) -> None:
        """Commit now what this database holds back for the end of the request (nothing
        here; a request with an idempotency key holds its first unit of work back): before a
        call that must not run inside a transaction, such as a payment provider's."""

    def on_events_committed(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call ``listener`` (cheap, synchronous: it sets a flag) after every commit of a unit
        of work of this process that recorded domain events (the dispatcher's wake-up).
        Answers the function that stops it."""
        self._event_listeners.append(listener)
        return lambda: self._event_listeners.remove(listener)

    def on_signal(self, name: str, listener: Callable[[], None]) -> Callable[[], None]:
        """Call ``listener`` (cheap, synchronous) after every commit of a unit of work of this
        process that sent ``name`` (:meth:`UnitOfWork.signal`). Answers the function that
        stops it."""
        listeners = self._signal_listeners.setdefault(name, [])
        listeners.append(listener)
        return lambda: listeners.remove(listener)

    def after_commit(self, uow: UnitOfWork) -> None:
        """Wake the listeners a committed unit of work asks for."""
        if uow.events_recorded:
            for listener in self._event_listeners:
                listener()
        for name in uow.signals:
            for listener in self._signal_listeners.get(name, ()):
                listener()

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @asynccontextmanager
    async def connect_for_write(self) -> AsyncIterator[AsyncConnection]:
        """A connection inside a write transaction (no site scope: for platform tables)."""
        with self._track():
            if self._write_lock is not None:
                async with self._write_lock, self.engine.connect() as conn:
                    conn = await conn.execution_options(sqlite_begin="IMMEDIATE")
                    async with conn.begin():
                        yield conn
            else:
                async with self.engine.begin() as conn:
                    yield conn

    @asynccontextmanager
    async def connect_for_read(self) -> AsyncIterator[AsyncConnection]:
        with self._track():
            async with self.engine.connect() as conn, conn.begin():
                yield conn

    @asynccontextmanager
    async def connect_for_lookup(self) -> AsyncIterator[AsyncConnection]:
        """A connection for lookups that are one statement each and need no snapshot common
        to them (the credential lookup of every request). PostgreSQL: in autocommit mode,
        each statement its own transaction, without the BEGIN and ROLLBACK round trips;
        SQLite: a deferred read transaction (its BEGIN costs no round trip)."""
        if self.is_sqlite:
            async with self.connect_for_read() as conn:
                yield conn
        else:
            async with self._autocommit.connect() as conn:
                yield conn

    @asynccontextmanager
    async def write(
        self, site_id: str, *, catalog_version: int | None = None
    ) -> AsyncIterator[UnitOfWork]:
        """A unit of work of the site. ``catalog_version``: the site's catalog version as
        the caller's credential read it: the process's copies of the catalog read at that
        version may serve the unit (:meth:`SiteScope.cached`), which must not change the
        catalog before it reads it."""
        async with self.connect_for_write() as conn:
            uow = UnitOfWork(conn, site_id, self.dialect, self.site_cache, catalog_version)
            yield uow
            await uow.flush()
        self.after_commit(uow)

    @asynccontextmanager
    async def read(
        self, site_id: str, *, catalog_version: int | None = None
    ) -> AsyncIterator[SiteScope]:
        """A read of the site (``catalog_version``: as for :meth:`write`)."""
        async with self.connect_for_read() as conn:
            yield SiteScope(conn, site_id, self.site_cache, catalog_version)

    async def read_then_write(
        self,
        site_id: str,
        read: Callable[[SiteScope, UnitOfWork | None], Awaitable[T]],
        write: Callable[[UnitOfWork, T], Awaitable[R]],
        *,
        catalog_version: int | None = None,
    ) -> R:
        """A write use-case that first reads what it needs (validation, the plan of the
        change), then writes: ``write(uow, await read(scope, same))``.

        PostgreSQL: both parts in one write transaction (one connection, one BEGIN and
        COMMIT), and ``read`` gets that unit of work as ``same``: it may take one of the
        write's locks by the statement that reads the locked row (the only lock a use case
        then takes). Otherwise its statements take no locks, and every statement of a read
        committed transaction sees what is committed when it runs, so this is what two
        transactions would do, minus their round trips; ``write`` still locks and recounts.
        SQLite: ``read`` runs in a deferred read transaction of its own (``same`` is
        ``None``), so that it does not hold the one writer slot (``BEGIN IMMEDIATE``) while it
        reads."""
        known = catalog_version
        if self.is_sqlite:
            async with self.read(site_id, catalog_version=known) as scope:
                planned = await read(scope, None)
            async with self.write(site_id, catalog_version=known) as uow:
                return await write(uow, planned)
        async with self.write(site_id, catalog_version=known) as uow:
            return await write(uow, await read(uow, uow))

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()
