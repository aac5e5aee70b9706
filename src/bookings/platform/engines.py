"""How the two engines are set up (SQLite's pragmas and BEGIN modes, PostgreSQL's pool
ping), and which of their errors mean that the database cannot take work now."""

from __future__ import annotations

import time
import weakref
from typing import Any

import asyncpg
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

#: A connection back in the pool for less than this is handed out again without a ping.
PING_AFTER_IDLE_SECONDS = 1.0


def ping_when_idle(engine: AsyncEngine) -> None:
    """``pool_pre_ping``, in one round trip instead of three, and only for a connection that
    sat in the pool for :data:`PING_AFTER_IDLE_SECONDS` or more (asyncpg).

    SQLAlchemy's asyncpg adapter wraps the empty ping query in ``BEGIN ... ROLLBACK``, for
    PgBouncer's transaction pooling (sqlalchemy#10226), which the named prepared statements
    of this engine rule out anyway. Outside a transaction the query is the same check of a
    live connection, made by the adapter's own ``ping()``: a dead connection fails it just
    the same, and SQLAlchemy's disconnect detection replaces it before it is handed out.

    Under load a connection goes back and out of the pool many times a second, and a ping on
    each checkout was a round trip of every request's two (the credential lookup and the
    unit of work): one that has just finished a statement is alive. A server that went away
    in that second fails the request's first statement instead, which answers 503
    (:func:`is_unavailable`) and makes SQLAlchemy replace every connection of the pool."""
    dialect = engine.sync_engine.dialect
    if dialect.driver != "asyncpg":
        return
    # By the driver's own connection (the adapter around it cannot be weakly referenced).
    returned: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()

    def on_checkin(dbapi_connection: Any, _record: Any) -> None:
        if dbapi_connection is not None:
            returned[dbapi_connection._connection] = time.monotonic()

    event.listen(engine.sync_engine.pool, "checkin", on_checkin)

    def do_ping(dbapi_connection: Any) -> bool:
        last = returned.get(dbapi_connection._connection)
        if last is not None and time.monotonic() - last < PING_AFTER_IDLE_SECONDS:
            return True
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


def configure_sqlite(engine: AsyncEngine) -> None:
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
