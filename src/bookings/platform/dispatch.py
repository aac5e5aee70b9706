"""The routes of the API methods, found by a table instead of the router's walk.

FastAPI's router tries its routes one by one, ~400 here (every method on every alias), and
then wraps the endpoint in its dependency machinery, which the API methods do not use (their
endpoint takes the request and returns a response: ``platform/routing.py``). On every call
that costs more CPU than some database statements. :class:`RouteTable` sits where the router
handles a request (inside the exception middleware, so errors become envelopes as before)
and picks the route as the router would: the first route, in the router's order, whose path
matches and whose methods include the request's. It only looks at the routes whose first two
path segments could be the request's (a route with a parameter there is always looked at).
An API method's route found that way runs its endpoint directly; anything else (another
route first, a path that only matches with another method, no match) goes to the router
unchanged, which answers as it always did (405, 404, redirects).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from starlette._utils import get_route_path
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

Endpoint = Callable[[Request], Awaitable[Response]]

#: The attribute that marks an API method's endpoint (set by ``platform/routing.py``).
API_ENDPOINT = "__api_endpoint__"


@dataclass(frozen=True)
class _Entry:
    route: Route | None  # None: a route of another kind (a mount, say), always a candidate
    endpoint: Endpoint | None  # an API method's endpoint; None: the router handles it


def _prefix(path: str) -> tuple[str, ...]:
    """The first two segments of a request path (fewer when it has fewer)."""
    return tuple(path.split("/", 3)[1:3])


def _route_prefix(route: Route) -> tuple[str, ...] | None:
    """A route's first two segments, ``None`` when a parameter could be among them."""
    prefix = _prefix(route.path)
    return None if any("{" in segment for segment in prefix) else prefix


class RouteTable:
    """An ASGI app in front of ``router_app`` (the router's own handling) for ``routes``
    (the router's routes, in its order)."""

    def __init__(self, router_app: ASGIApp, routes: Sequence[BaseRoute]) -> None:
        self.router_app = router_app
        self._by_prefix: dict[tuple[str, ...], list[int]] = {}
        self._wild: list[int] = []
        self._entries: list[_Entry] = []
        for position, route in enumerate(routes):
            if not isinstance(route, Route):
                self._entries.append(_Entry(None, None))
                self._wild.append(position)
                continue
            endpoint = route.endpoint if getattr(route.endpoint, API_ENDPOINT, False) else None
            self._entries.append(_Entry(route, endpoint))
            prefix = _route_prefix(route)
            if prefix is None:
                self._wild.append(position)
            else:
                self._by_prefix.setdefault(prefix, []).append(position)
        self._candidates: dict[tuple[str, ...], tuple[_Entry, ...]] = {}

    def candidates(self, path: str) -> tuple[_Entry, ...]:
        """The entries that could match ``path``, in the router's order."""
        prefix = _prefix(path)
        found = self._candidates.get(prefix)
        if found is None:
            positions = sorted([*self._by_prefix.get(prefix, ()), *self._wild])
            found = tuple(self._entries[p] for p in positions)
            if len(self._candidates) < 4096:  # request paths are the keys: bound the memory
                self._candidates[prefix] = found
        return found

    def find(self, scope: Scope) -> tuple[Route, Endpoint, dict[str, Any]] | None:
        """The API endpoint the router would run for ``scope`` and its path parameters;
        ``None`` when the router would do anything else."""
        path = get_route_path(scope)
        method = scope["method"]
        for entry in self.candidates(path):
            route = entry.route
            if route is None:
                return None  # a route of another kind: let the router decide
            match = route.path_regex.match(path)
            if match is None or (route.methods and method not in route.methods):
                continue
            if entry.endpoint is None:
                return None
            params = {
                key: route.param_convertors[key].convert(value)
                for key, value in match.groupdict().items()
            }
            return route, entry.endpoint, params
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = self.find(scope) if scope["type"] == "http" else None
        if found is None:
            await self.router_app(scope, receive, send)
            return
        route, endpoint, params = found
        # What the router's match would have put in the scope.
        scope["route"], scope["endpoint"] = route, endpoint
        scope["path_params"] = {**scope.get("path_params", {}), **params}
        response = await endpoint(Request(scope, receive, send))
        await response(scope, receive, send)
