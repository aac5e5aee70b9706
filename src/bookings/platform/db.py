"""Engine, transactions, row locks and the differences between SQLite and PostgreSQL.

Every use-case runs in one unit of work from here: :meth:`Database.read` for reads,
:meth:`Database.write` for writes. A write on SQLite opens with ``BEGIN IMMEDIATE`` (one
writer at a time, also across processes) and, inside one process, waits on an asyncio lock
first so that writers queue instead of spinning on SQLite's busy handler. On PostgreSQL a
write locks the rows it names with ``SELECT ... FOR UPDATE`` in sorted id order.

Tenancy is enforced here too: :class:`SiteScope` builds every statement with the site
predicate (and stamps ``site_id`` on inserts), so a handler cannot forget it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

log = logging.getLogger(__name__)

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
            sa.insert(table), [{**row, "site_id": self.site_id} for row in rows]
        )

    async def one_or_none(self, stmt: sa.Select[Any]) -> sa.Row[Any] | None:
        row: sa.Row[Any] | None = (await self.conn.execute(stmt)).first()
        return row

    async def all(self, stmt: sa.Select[Any]) -> Sequence[sa.Row[Any]]:
        rows: Sequence[sa.Row[Any]] = (await self.conn.execute(stmt)).all()
        return rows

    async def scalar(self, stmt: sa.Select[Any]) -> Any:
        return (await self.conn.execute(stmt)).scalar()


class UnitOfWork(SiteScope):
    """One write transaction of one site: row locks, then changes, then commit."""

    def __init__(self, conn: AsyncConnection, site_id: str, dialect: str) -> None:
        super().__init__(conn, site_id)
        self.dialect = dialect

    async def lock(self, table: sa.Table, ids: Iterable[str], id_column: str = "id") -> None:
        """Lock the rows of ``ids`` in sorted order (deadlock-free). SQLite: already exclusive."""
        ordered = sorted(set(ids))
        if not ordered or self.dialect == "sqlite":
            return
        col = table.c[id_column]
        stmt = self.select(table, col).where(col.in_(ordered)).order_by(col).with_for_update()
        await self.conn.execute(stmt)


class Database:
    """The engine and the way into transactions."""

    def __init__(self, url: str, *, pool_size: int = 10, echo: bool = False) -> None:
        self.url = sa.engine.make_url(url)
        self.dialect = self.url.get_backend_name()
        if self.dialect not in {"sqlite", "postgresql"}:
            raise ValueError(f"unsupported database {self.dialect!r}: use SQLite or PostgreSQL")
        kwargs: dict[str, Any] = {"echo": echo}
        if self.dialect == "sqlite":
            database = self.url.database or ""
            if database in {"", ":memory:"}:
                raise ValueError("an in-memory SQLite database cannot be shared; give a file path")
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": 60}
        else:
            kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        self._write_lock = asyncio.Lock() if self.dialect == "sqlite" else None
        if self.dialect == "sqlite":
            _configure_sqlite(self.engine)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @asynccontextmanager
    async def connect_for_write(self) -> AsyncIterator[AsyncConnection]:
        """A connection inside a write transaction (no site scope: for platform tables)."""
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
        async with self.engine.connect() as conn, conn.begin():
            yield conn

    @asynccontextmanager
    async def write(self, site_id: str) -> AsyncIterator[UnitOfWork]:
        async with self.connect_for_write() as conn:
            yield UnitOfWork(conn, site_id, self.dialect)

    @asynccontextmanager
    async def read(self, site_id: str) -> AsyncIterator[SiteScope]:
        async with self.connect_for_read() as conn:
            yield SiteScope(conn, site_id)

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


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
