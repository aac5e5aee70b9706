"""Shared fixtures: every storage test runs on SQLite and, when
``BOOKINGS_TEST_POSTGRES_URL`` is set, on PostgreSQL too (a fresh database per run).

Tests keep apart by site: each test makes its own site(s), so nothing needs truncating.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from bookings.app import create_app, start_services
from bookings.config import Settings
from bookings.identity import service as identity
from bookings.platform.auth import Role
from bookings.platform.routing import Services

POSTGRES_URL = os.environ.get("BOOKINGS_TEST_POSTGRES_URL", "").strip()
ENGINES = ["sqlite", "postgres"]


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("BOOKINGS_TEST_REQUIRE_POSTGRES") and not POSTGRES_URL:
        raise pytest.UsageError("BOOKINGS_TEST_REQUIRE_POSTGRES is set but no PostgreSQL URL")


@dataclass
class TestDatabase:
    engine: str
    url: str


async def _create_pg_database(base_url: str) -> tuple[str, str]:
    """A fresh database next to the one in ``base_url``; returns (url, name)."""
    name = f"bookings_test_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(base_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    url = sa.engine.make_url(base_url).set(database=name)
    return url.render_as_string(hide_password=False), name


async def _drop_pg_database(base_url: str, name: str) -> None:
    admin = create_async_engine(base_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


@asynccontextmanager
async def fresh_database(engine: str, directory: Path) -> AsyncIterator[str]:
    """The URL of a new, empty database of ``engine``: a SQLite file in ``directory``, or a
    PostgreSQL database next to ``BOOKINGS_TEST_POSTGRES_URL``'s, dropped afterwards (the
    test is skipped when that is not set)."""
    if engine == "sqlite":
        yield f"sqlite+aiosqlite:///{directory / 'bookings.sqlite3'}"
        return
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL: set BOOKINGS_TEST_POSTGRES_URL to run storage tests on it")
    url, name = await _create_pg_database(POSTGRES_URL)
    try:
        yield url
    finally:
        await _drop_pg_database(POSTGRES_URL, name)


@pytest.fixture(scope="session", params=ENGINES)
async def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[TestDatabase]:
    async with fresh_database(request.param, tmp_path_factory.mktemp(request.param)) as url:
        yield TestDatabase(request.param, url)


@pytest.fixture(scope="session")
async def services(
    database: TestDatabase, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Services]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("data"),
        database_url=database.url,
        demo=False,
        log_json=False,
        payment_provider="fake",
        # The suite's many visitor calls all come from one address: no per-IP limit here
        # (tests/platform/test_rate_limits.py sets its own).
        rate_limit_visitor_per_minute=0,
    )
    svc = await start_services(settings)
    try:
        yield svc
    finally:
        await svc.db.dispose()


@pytest.fixture(scope="session")
def app(services: Services) -> Any:
    from tests.wire.echo import router as echo_router

    return create_app(services=services, extra_routers=[echo_router])


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@dataclass
class SiteKeys:
    """A fresh site with an ADMIN and an APP key."""

    site_id: str
    client_id: str
    admin_key: str
    app_key: str

    def headers(self, key: str | None = None) -> dict[str, str]:
        return {"Authorization": key or self.admin_key, "wix-site-id": self.site_id}

    @property
    def admin(self) -> dict[str, str]:
        return self.headers(self.admin_key)

    @property
    def app(self) -> dict[str, str]:
        return self.headers(self.app_key)


async def make_site(services: Services, time_zone: str = "UTC") -> SiteKeys:
    site = await identity.create_site(services.db, "Test site", time_zone)
    _, admin_key = await identity.create_api_key(services.db, site.site_id, Role.ADMIN)
    _, app_key = await identity.create_api_key(services.db, site.site_id, Role.APP)
    return SiteKeys(site.site_id, site.client_id, admin_key, app_key)


@pytest.fixture
async def site(services: Services) -> SiteKeys:
    return await make_site(services)


@pytest.fixture
async def other_site(services: Services) -> SiteKeys:
    return await make_site(services)


@pytest.fixture
def repo_root() -> Iterator[Path]:
    yield Path(__file__).resolve().parents[1]
