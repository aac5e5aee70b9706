"""The route table (``platform/dispatch.py``) picks what the router would pick, for every
path of every API method, and leaves everything else to the router."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
from starlette.routing import Match, Route

from bookings.app import create_app
from bookings.config import Settings
from bookings.platform.dispatch import API_ENDPOINT, RouteTable
from tests.conftest import SiteKeys


def sample_path(route: Route, value: str = "x-1") -> str:
    """A request path for ``route``, each parameter ``value``."""
    return re.sub(r"\{[^}]+\}", value, route.path)


def router_choice(routes: list[Any], scope: dict[str, Any]) -> Route | None:
    """What the router's walk runs: the first full match, else the first partial one."""
    partial = None
    for route in routes:
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return route  # type: ignore[no-any-return]
        if match is Match.PARTIAL and partial is None:
            partial = route
    return partial


def http_scope(method: str, path: str) -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path, "root_path": "", "headers": []}


def test_the_table_finds_the_routers_route_for_every_path_and_verb(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'unused.sqlite3'}"  # never opened
    app = create_app(Settings(data_dir=tmp_path, database_url=url, demo=False, log_json=False))
    table = app.router.middleware_stack
    assert isinstance(table, RouteTable)
    routes = list(app.router.routes)
    api = [r for r in routes if isinstance(r, Route) and getattr(r.endpoint, API_ENDPOINT, False)]
    assert len(api) > 300
    checked = 0
    for route in api:
        for value in ("x-1", "query"):  # also a parameter that looks like a literal
            path = sample_path(route, value)
            for method in sorted({*(route.methods or ()), "PUT"}):  # its verb, and another
                scope = http_scope(method, path)
                chosen = router_choice(routes, scope)
                found = table.find(scope)
                if found is None:
                    # Left to the router: then the router must not run an API endpoint
                    # for a full match of this verb.
                    assert (
                        chosen is None
                        or method not in (chosen.methods or ())
                        or not (getattr(chosen.endpoint, API_ENDPOINT, False))
                    ), (method, path)
                else:
                    assert found[0] is chosen, (method, path, found[0].path, chosen)
                    checked += 1
    assert checked >= len(api)


async def test_answers_through_the_table_and_the_router(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    # An API method with a path parameter, through the table.
    res = await client.get("/calendar/v3/events/no-such-event", headers=site.admin)
    assert res.status_code == 404
    assert res.json()["details"]["applicationError"]["code"] == "EVENT_NOT_FOUND"
    # A path of an API method with a verb it does not take: the router's 405 envelope.
    res = await client.delete("/_api/bookings-service/v2/bookings", headers=site.admin)
    assert res.status_code == 405
    assert res.json()["details"]["applicationError"]["code"] == "METHOD_NOT_ALLOWED"
    # No such path: the router's 404 envelope; a route that is not an API method.
    res = await client.get("/_api/bookings-service/v2/nothing-here", headers=site.admin)
    assert res.status_code == 404
    assert res.json()["details"]["applicationError"]["code"] == "NOT_FOUND"
    assert (await client.get("/healthz")).json()["status"] == "ok"
