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
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bookings.platform.json_encoding import dumps_text

log = logging.getLogger(__name__)

T = TypeVar("T")
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

    def __init__(self, conn: AsyncConnection, site_id: str) -> None:
        self.conn = conn
        self.site_id = site_id

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

    def __init__(self, conn: AsyncConnection, site_id: str, dialect: str) -> None:
        self._later: list[tuple[sa.Table, dict[str, Any]]] = []
        super().__init__(conn, site_id)
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
        if self._later:
            raise RuntimeError("inserts are waiting: flush() the unit of work before using conn")
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

    async def flush(self) -> None:
        """Send the inserts that wait (:meth:`insert_deferred`), in the order they were added."""
        if not self._later:
            return
        later, self._later = self._later, []
        groups = _insert_groups(later)
        binds = sum(len(columns) * len(rows) for _, columns, rows in groups)
        if self.dialect == "postgresql" and binds <= _MAX_BINDS:
            shape = tuple((table, columns, len(rows)) for table, columns, rows in groups)
            params = {
                _later_param(g, r, c): row[c]
                for g, (_, columns, rows) in enumerate(groups)
                for r, row in enumerate(rows)
                for c in columns
            }
            await self._conn.execute(_combined_insert(shape), params)
            return
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


#: Bind parameters of one statement at most (asyncpg takes 32767).
_MAX_BINDS = 30000


def _insert_groups(
    later: Sequence[tuple[sa.Table, dict[str, Any]]],
) -> list[tuple[sa.Table, tuple[str, ...], list[dict[str, Any]]]]:
    """Waiting inserts as runs of rows of one table and one set of columns, in order."""
    groups: list[tuple[sa.Table, tuple[str, ...], list[dict[str, Any]]]] = []
    for table, row in later:
        columns = tuple(row)
        if groups and groups[-1][0] is table and groups[-1][1] == columns:
            groups[-1][2].append(row)
        else:
            groups.append((table, columns, [row]))
    return groups


def _later_param(group: int, row: int, column: str) -> str:
    return f"later{group}_{row}_{column}"


@functools.lru_cache(maxsize=256)
def _combined_insert(shape: tuple[tuple[sa.Table, tuple[str, ...], int], ...]) -> sa.Insert:
    """One statement for runs of inserts (PostgreSQL): one single-row ``INSERT`` per row, all
    but the last as data-modifying CTEs of the last. Built once per shape, so compiled once
    (SQLAlchemy caches no multi-row ``VALUES``: it would compile that anew on every call)."""
    statements = [
        sa.insert(table).values(
            {c: sa.bindparam(_later_param(g, r, c), type_=table.c[c].type) for c in columns}
        )
        for g, (table, columns, count) in enumerate(shape)
        for r in range(count)
    ]
    *first, last = statements
    if first:
        last = last.add_cte(*(stmt.cte(f"later{i}") for i, stmt in enumerate(first)))
    return last


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
            _configure_sqlite(self.engine)
        else:
            _ping_in_one_round_trip(self.engine)
        #: Statements that are their own transaction (PostgreSQL; see :meth:`connect_for_lookup`).
        self._autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._event_listeners: list[Callable[[], None]] = []
        self._signal_listeners: dict[str, list[Callable[[], None]]] = {}
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
    async def write(self, site_id: str) -> AsyncIterator[UnitOfWork]:
        async with self.connect_for_write() as conn:
            uow = UnitOfWork(conn, site_id, self.dialect)
            yield uow
            await uow.flush()
        self.after_commit(uow)

    @asynccontextmanager
    async def read(self, site_id: str) -> AsyncIterator[SiteScope]:
        async with self.connect_for_read() as conn:
            yield SiteScope(conn, site_id)

    async def read_then_write(
        self,
        site_id: str,
        read: Callable[[SiteScope, UnitOfWork | None], Awaitable[T]],
        write: Callable[[UnitOfWork, T], Awaitable[R]],
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
        if self.is_sqlite:
            async with self.read(site_id) as scope:
                planned = await read(scope, None)
            async with self.write(site_id) as uow:
                return await write(uow, planned)
        async with self.write(site_id) as uow:
            return await write(uow, await read(uow, uow))

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


def _ping_in_one_round_trip(engine: AsyncEngine) -> None:
    """``pool_pre_ping`` in one round trip instead of three (asyncpg).

    SQLAlchemy's asyncpg adapter wraps the empty ping query in ``BEGIN ... ROLLBACK``, for
    PgBouncer's transaction pooling (sqlalchemy#10226), which the named prepared statements
    of this engine rule out anyway. Outside a transaction the query is the same check of a
    live connection, made by the adapter's own ``ping()``: a dead connection fails it just
    the same, and SQLAlchemy's disconnect detection replaces it before it is handed out."""
    dialect = engine.sync_engine.dialect
    if dialect.driver != "asyncpg":
        return

    def do_ping(dbapi_connection: Any) -> bool:
        level = dbapi_connection.isolation_level
        dbapi_connection.isolation_level = "autocommit"
        try:
            dbapi_connection.ping()
        finally:
            dbapi_connection.isolation_level = level
        return True

    dialect.do_ping = do_ping  # type: ignore[method-assign]


#: Errors of a database that cannot take the statement now: a refused or broken connection,
#: and asyncpg's no connection (08*), out of connections (53300), shutting down or starting
#: up (57P01-57P03).
_UNAVAILABLE: tuple[type[BaseException], ...] = (
    ConnectionError,  # refused, reset, aborted
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.CannotConnectNowError,
)


def is_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot be reached or cannot take work right now
    (an answer of 503, worth a retry) rather than that a statement is wrong (a bug: 500):
    a refused or broken connection, a pool with no connection free in time, a PostgreSQL
    server out of connections or shutting down, a SQLite file locked past the busy
    timeout, a transaction chosen as a deadlock's victim."""
    if isinstance(exc, (sa.exc.TimeoutError, *_UNAVAILABLE)):
        return True
    if isinstance(exc, sa.exc.DBAPIError):
        if exc.connection_invalidated:
            return True
        orig = exc.orig
        if isinstance(orig, _UNAVAILABLE):
            return True
        if getattr(orig, "sqlstate", None) == "40P01":
            return True  # a deadlock's victim, rolled back (keyed bulk calls: idempotency.py)
        if isinstance(exc, sa.exc.OperationalError) and "database is locked" in str(orig):
            return True
    return False


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves (pysqlite's own transaction handling is off).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")
