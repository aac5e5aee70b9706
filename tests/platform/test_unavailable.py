"""A database that cannot take work answers 503 ``UNAVAILABLE`` (worth a retry), not the 500
of a bug (``platform/engines.py`` ``is_unavailable``, ``platform/middleware.py``)."""

from __future__ import annotations

import socket
from pathlib import Path

import asyncpg
import httpx
import sqlalchemy as sa

from bookings.app import create_app
from bookings.config import Settings
from bookings.identity import credentials
from bookings.platform.db import Database
from bookings.platform.engines import is_unavailable
from bookings.platform.routing import Services
from bookings.platform.signing import Signer


def dbapi_error(
    cls: type[sa.exc.DBAPIError], orig: Exception, invalidated: bool = False
) -> Exception:
    return cls("SELECT 1", {}, orig, connection_invalidated=invalidated)


def test_which_errors_are_the_database_being_unavailable() -> None:
    unavailable = [
        ConnectionRefusedError(111, "Connect call failed"),
        ConnectionResetError(),
        sa.exc.TimeoutError("QueuePool limit reached, connection timed out"),
        asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already"),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        asyncpg.exceptions.AdminShutdownError("terminating connection"),
        dbapi_error(sa.exc.DBAPIError, RuntimeError("gone"), invalidated=True),
        dbapi_error(sa.exc.OperationalError, RuntimeError("database is locked")),
        dbapi_error(sa.exc.DBAPIError, asyncpg.exceptions.TooManyConnectionsError("too many")),
    ]
    bugs = [
        ValueError("bad"),
        FileNotFoundError(2, "No such file"),
        dbapi_error(sa.exc.IntegrityError, RuntimeError("duplicate key value")),
        dbapi_error(sa.exc.ProgrammingError, RuntimeError("syntax error at or near")),
        dbapi_error(sa.exc.OperationalError, RuntimeError("no such table: bookings")),
    ]
    assert [is_unavailable(e) for e in unavailable] == [True] * len(unavailable)
    assert [is_unavailable(e) for e in bugs] == [False] * len(bugs)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_a_database_that_refuses_connections_answers_503(tmp_path: Path) -> None:
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/test"
    settings = Settings(data_dir=tmp_path, database_url=url, demo=False, log_json=False)
    db = Database(url)
    services = Services(
        db=db, settings=settings, signer=Signer(b"k" * 32), lookup=credentials.lookup
    )
    transport = httpx.ASGITransport(app=create_app(services=services))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            res = await c.post(
                "/_api/bookings-service/v2/bookings",
                json={"booking": {"totalParticipants": 1}},
                headers={"Authorization": "some-api-key"},
            )
    finally:
        await db.dispose()
    assert res.status_code == 503
    assert res.headers["retry-after"] == "1"
    assert res.headers["x-wix-request-id"]
    body = res.json()
    assert body["details"]["applicationError"]["code"] == "UNAVAILABLE"
    assert body["message"] == "The database is unavailable right now: try again shortly"
