"""Never overbooked across hosts: the two races of ``test_concurrency.py`` (200 concurrent
creates at a class session of capacity 10, and at one appointment slot) split across two
server processes that run on separate test hosts, network namespaces with addresses of their
own (``tests/netns.py``), sharing one PostgreSQL. PostgreSQL listens on loopback only: each
host reaches it through a relay in this process, on its link's address. The calls come from
this process, the root namespace.

Needs root and ``ip netns`` (else skipped: the loopback cluster of ``test_concurrency.py``
runs the same races on two processes of one host)."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator
from contextlib import ExitStack

import httpx
import pytest
import sqlalchemy as sa

from bookings.platform.db import Database
from tests import netns
from tests.booking.races import Cluster, appointment_slot_race, class_session_race, client, site_env
from tests.conftest import POSTGRES_URL, fresh_database
from tests.serving import serving

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL: set BOOKINGS_TEST_POSTGRES_URL"),
]


class Hosts(Cluster):
    """A cluster whose servers run on separate hosts (``procs`` and ``hosts`` in order)."""

    procs: list[subprocess.Popen[str]]
    hosts: list[netns.Host]


@pytest.fixture(scope="module")
async def cluster(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Hosts]:
    reason = netns.unavailable()
    if reason is not None:
        pytest.skip(
            f"separate hosts need network namespaces ({reason}); test_concurrency.py runs "
            "the races on two server processes of this host"
        )
    tmp = tmp_path_factory.mktemp("hosts")
    async with fresh_database("postgres", tmp) as url:
        site = site_env(url, tmp)
        pg = sa.engine.make_url(url)
        db = Database(url)
        try:
            with ExitStack() as stack:
                hosts = stack.enter_context(netns.hosts(2))
                ports = stack.enter_context(
                    netns.relay(
                        [h.gateway for h in hosts], (pg.host or "127.0.0.1", pg.port or 5432)
                    )
                )
                found = Hosts([], site.site_id, site.headers, db)
                found.procs, found.hosts = [], hosts
                for i, (host, port) in enumerate(zip(hosts, ports, strict=True)):
                    there = pg.set(host=host.gateway, port=port).render_as_string(
                        hide_password=False
                    )
                    env = {**site.env, "BOOKINGS_DATABASE_URL": there}
                    base, proc = stack.enter_context(
                        serving(env, log=tmp / f"serve{i}.log", host=host.ip, wrap=host.wrap)
                    )
                    found.bases.append(base)
                    found.procs.append(proc)
                yield found
        finally:
            await db.dispose()


@pytest.fixture
def http() -> httpx.AsyncClient:
    return client()


async def test_the_servers_run_on_separate_hosts(cluster: Hosts) -> None:
    assert [netns.namespace_of(p.pid) for p in cluster.procs] == [h.name for h in cluster.hosts]
    assert len({h.ip for h in cluster.hosts}) == 2
    for base, host in zip(cluster.bases, cluster.hosts, strict=True):
        assert base.startswith(f"http://{host.ip}:")
        # Not reachable on this host's loopback: it listens on its own address only.
        port = base.rsplit(":", 1)[1]
        async with httpx.AsyncClient(timeout=2) as http:
            with pytest.raises(httpx.ConnectError):
                await http.get(f"http://127.0.0.1:{port}/healthz")


async def test_class_session_is_never_overbooked_across_hosts(
    cluster: Hosts, http: httpx.AsyncClient
) -> None:
    await class_session_race(cluster, http)


async def test_appointment_slot_is_never_overbooked_across_hosts(
    cluster: Hosts, http: httpx.AsyncClient
) -> None:
    await appointment_slot_race(cluster, http)
