"""One declaration per API method: its public paths (all aliases), who may call it, its
request and response models.

The request message is assembled the way the Wix SDK sends it: the JSON body for POST/PATCH,
the query string (dotted keys, repeated keys, or one base64url ``.r`` JSON) for GET/DELETE,
and path parameters on top — a path parameter wins over the same field in the body. Nested
path parameters such as ``{service.id}`` are supported.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qsl

from fastapi import FastAPI
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from bookings.config import Settings
from bookings.platform import errors, idempotency, wire
from bookings.platform.auth import (
    CredentialLookup,
    Identity,
    Role,
    authenticate,
    require_role,
)
from bookings.platform.db import Database, utcnow
from bookings.platform.dispatch import API_ENDPOINT
from bookings.platform.json_encoding import WireJSONResponse
from bookings.platform.openapi import SchemaBook
from bookings.platform.payments import PaymentProvider
from bookings.platform.ratelimit import RateLimiter, retry_after
from bookings.platform.signing import Signer

ReqT = TypeVar("ReqT", bound=BaseModel)

#: Largest request body accepted, in bytes.
MAX_BODY_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Services:
    """What a handler may use: the database, settings, the signer, and the credential lookup
    (the identity slice's, passed in by the app)."""

    db: Database
    settings: Settings
    signer: Signer
    lookup: CredentialLookup
    #: Now, for the idempotency records' expiry (tests pass a fake clock).
    clock: Callable[[], datetime] = field(default=utcnow)
    #: Who takes online payments (``None``: nobody; online payment answers 501).
    payments: PaymentProvider | None = None
    #: The rate limits (``None``: none).
    limiter: RateLimiter | None = None


@dataclass(frozen=True)
class Call:
    """One API call: who makes it, and the services to serve it with."""

    services: Services
    identity: Identity | None
    request_id: str
    headers: dict[str, str]
    #: The database of this call when it differs from the services' (a request with an
    #: ``Idempotency-Key``: :class:`bookings.platform.idempotency.KeyedDatabase`).
    database: Database | None = None

    @property
    def db(self) -> Database:
        return self.database if self.database is not None else self.services.db

    @property
    def caller(self) -> Identity:
        if self.identity is None:
            raise errors.unauthenticated()
        return self.identity

    @property
    def site_id(self) -> str:
        return self.caller.site_id


#: What a handler answers: a message (serialized as JSON), or a ready response (a method
#: whose answer is not JSON, such as a calendar feed).
Handler = Callable[[Call, Any], Awaitable[BaseModel | dict[str, Any] | Response]]


@dataclass(frozen=True)
class ApiMethod(Generic[ReqT]):
    name: str
    verb: str
    paths: tuple[str, ...]
    #: Identities allowed to call it; ``None`` = no credentials needed.
    roles: frozenset[Role] | None
    request_model: type[ReqT]
    response_model: type[BaseModel] | None
    handler: Handler
    summary: str
    tag: str
    #: Error statuses it answers beyond those of every method (documented in ``/openapi.json``):
    #: 401 of a method whose credential is a token in its path (``roles=None``).
    statuses: frozenset[int] = frozenset()
    #: With ``roles=None``: an API key is read when sent (a member token is minted by a key).
    optional_key: bool = False


class AnyRequest(BaseModel):
    """The request of a method this server does not implement: any JSON object."""


class PathFamily:
    """The public prefixes of one proto path family, canonical first: ``family("/query")``
    is the list of every public path of that method (the first is the one shown in
    ``/openapi.json``)."""

    def __init__(self, *prefixes: str) -> None:
        if not prefixes:
            raise ValueError("a path family needs at least one prefix")
        self.prefixes = prefixes

    def __call__(self, suffix: str = "") -> list[str]:
        return [prefix + suffix for prefix in self.prefixes]

    def with_api_aliases(self) -> PathFamily:
        """The same family with the ``/_api`` alias of each prefix after them all."""
        return PathFamily(*self.prefixes, *("/_api" + p for p in self.prefixes))


class ApiRouter:
    """The API methods of one slice."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.methods: list[ApiMethod[Any]] = []

    @staticmethod
    def paths(*prefixes: str) -> PathFamily:
        """A family of public prefixes for this router's methods (see :class:`PathFamily`)."""
        return PathFamily(*prefixes)

    def method(
        self,
        name: str,
        verb: str,
        paths: Sequence[str],
        *,
        roles: frozenset[Role] | None,
        request: type[ReqT],
        response: type[BaseModel] | None = None,
        statuses: Iterable[int] = (),
        optional_key: bool = False,
    ) -> Callable[[Callable[[Call, ReqT], Awaitable[Any]]], Callable[[Call, ReqT], Awaitable[Any]]]:
        if not paths:
            raise ValueError(f"{name}: at least one path")

        def declare(
            fn: Callable[[Call, ReqT], Awaitable[Any]],
        ) -> Callable[[Call, ReqT], Awaitable[Any]]:
            self.methods.append(
                ApiMethod(
                    name=name,
                    verb=verb.upper(),
                    paths=tuple(paths),
                    roles=roles,
                    request_model=request,
                    response_model=response,
                    handler=fn,
                    summary=(fn.__doc__ or name).strip().splitlines()[0],
                    tag=self.tag,
                    statuses=frozenset(statuses),
                    optional_key=optional_key,
                )
            )
            return fn

        return declare

    def unimplemented(
        self,
        name: str,
        verb: str,
        paths: Sequence[str],
        what: str,
        *,
        roles: frozenset[Role] | None,
    ) -> None:
        """Serve ``paths`` with HTTP 501 ``UNIMPLEMENTED`` (after authentication)."""

        async def handler(call: Call, req: AnyRequest) -> dict[str, Any]:
            raise errors.not_implemented(what)

        handler.__doc__ = f"{what} (not implemented)."
        self.method(name, verb, paths, roles=roles, request=AnyRequest)(handler)


# ---------------------------------------------------------------- request assembly

_NESTED_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+)\}")


def starlette_path(path: str) -> str:
    """``/v2/services/{service.id}`` -> ``/v2/services/{service__id}`` (Starlette's syntax)."""
    return _NESTED_PARAM.sub(lambda m: "{" + m.group(1).replace(".", "__") + "}", path)


def _first_key_wins(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        out.setdefault(key, value)
    return out


def _not_json(constant: str) -> Any:
    """``NaN``, ``Infinity`` and ``-Infinity``: Python reads them, JSON has no such values."""
    raise ValueError(f"{constant} is not JSON")


def parse_json_object(raw: bytes, field: str = "body") -> dict[str, Any]:
    """The JSON object in ``raw``; no body (or JSON whitespace only) is the empty message."""
    if not raw.strip(b" \t\r\n"):  # JSON's whitespace: not Python's \v or \f
        return {}
    try:
        data = json.loads(raw, object_pairs_hook=_first_key_wins, parse_constant=_not_json)
    except (ValueError, RecursionError):
        raise errors.invalid_field(field, "is not valid JSON", errors.FORMAT) from None
    if not isinstance(data, dict):
        raise errors.invalid_field(field, "must be a JSON object", errors.FORMAT)
    return data


def _decode_dot_r(value: str) -> dict[str, Any]:
    try:
        raw = base64.b64decode(value + "=" * (-len(value) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise errors.invalid_field(".r", "is not base64url JSON", errors.FORMAT) from None
    return parse_json_object(raw, ".r")


def _set_path(data: dict[str, Any], dotted: Iterable[str], value: str) -> None:
    keys = list(dotted)
    node = data
    for key in keys[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = {}
            node[key] = child
        node = child
    node[keys[-1]] = value


async def assemble_request(request: Request, model: type[BaseModel]) -> dict[str, Any]:
    """The request message from body or query string, with path parameters on top."""
    data: dict[str, Any]
    if request.method in ("GET", "DELETE", "HEAD"):
        items = list(request.query_params.multi_items())
        data = {}
        for key, value in items:
            if key == ".r":
                data.update(_decode_dot_r(value))
        data.update(wire.nest_query_params([(k, v) for k, v in items if k != ".r"]))
        data = wire.coerce_query_lists(model, data)
    else:
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            raise errors.ApplicationError(
                "PAYLOAD_TOO_LARGE", "Request body is too large", http_status=413
            )
        raw = await request.body()
        if len(raw) > MAX_BODY_BYTES:
            raise errors.ApplicationError(
                "PAYLOAD_TOO_LARGE", "Request body is too large", http_status=413
            )
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("application/x-www-form-urlencoded"):
            pairs = parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)
            data = wire.coerce_query_lists(model, wire.nest_query_params(pairs))
        else:
            data = parse_json_object(raw)
    for name, value in request.path_params.items():
        _set_path(data, name.split("__"), value)
    return data


# ---------------------------------------------------------------- mounting


def _over_limit(
    limiter: RateLimiter, request: Request, identity: Identity | None
) -> Response | None:
    """The 429 of a caller over its rate (``None``: within it)."""
    visitor = identity is None or identity.role in (Role.VISITOR, Role.MEMBER)
    settings = identity.site.settings if identity is not None and identity.site else None
    if visitor:
        host = request.client.host if request.client else "unknown"
        key = f"ip:{host}"
    else:
        assert identity is not None
        key = f"key:{identity.site_id}:{identity.subject_id}"
    wait = limiter.take(key, limiter.rate_for(settings, visitor=visitor))
    if not wait:
        return None
    error = errors.ApplicationError(
        "TOO_MANY_REQUESTS",
        "Too many requests: slow down and retry after the time in Retry-After",
        http_status=429,
    )
    return WireJSONResponse(
        error.body(), status_code=429, headers={"Retry-After": retry_after(wait)}
    )


def _endpoint(method: ApiMethod[Any]) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        services: Services = request.app.state.services
        identity: Identity | None = None
        if method.roles is not None:
            identity = await authenticate(
                services.db,
                services.lookup,
                request.headers.get("authorization"),
                request.headers.get("wix-site-id"),
            )
            request.state.site_id = identity.site_id
            require_role(identity, method.roles)
        if services.limiter is not None:
            refused = _over_limit(services.limiter, request, identity)
            if refused is not None:
                return refused
        key = (
            idempotency.parse_key(request.headers)
            if identity is not None and method.verb in idempotency.WRITES
            else None
        )
        payload = await assemble_request(request, method.request_model)
        message = wire.parse(method.request_model, payload)
        keyed = None
        if key is not None and identity is not None:
            keyed = idempotency.keyed_database(
                services.db,
                key=key,
                site_id=identity.site_id,
                credential_id=f"{identity.role.value}:{identity.subject_id}",
                method=method.verb,
                route=method.paths[0],
                path_params=request.path_params,
                body=payload,
                clock=services.clock,
            )
        call = Call(
            services=services,
            identity=identity,
            request_id=getattr(request.state, "request_id", ""),
            headers=dict(request.headers),
            database=keyed,
        )
        if keyed is None:
            return _response(await method.handler(call, message))
        try:
            response = _response(await method.handler(call, message))
        except idempotency.Replay as replay:
            return _replayed(replay)
        except errors.ApplicationError as exc:
            await keyed.abort()
            if exc.code != idempotency.IN_USE:
                raise
            return WireJSONResponse(
                exc.body(), status_code=exc.http_status, headers={"Retry-After": "1"}
            )
        except BaseException:
            await keyed.abort()
            raise
        body = getattr(response, "body", None)
        if not isinstance(body, bytes):
            await keyed.abort()  # not storable (a streamed answer): keep nothing
            return response
        try:
            await keyed.finish(
                response.status_code, response.media_type or "application/json", body
            )
        except idempotency.Replay as replay:
            return _replayed(replay)
        return response

    endpoint.__name__ = method.name
    setattr(endpoint, API_ENDPOINT, True)
    return endpoint


def _response(result: BaseModel | dict[str, Any] | Response) -> Response:
    if isinstance(result, Response):
        return result
    body = wire.to_wire(result) if isinstance(result, BaseModel) else result
    return WireJSONResponse(body, status_code=200)


def _replayed(replay: idempotency.Replay) -> Response:
    return Response(
        replay.body,
        status_code=replay.status_code,
        media_type=replay.content_type,
        headers={"Idempotent-Replayed": "true"},
    )


def _specificity(path: str) -> tuple[float, ...]:
    """Static segments sort before ``{param}:verb`` segments, which sort before ``{param}``."""
    key: list[float] = []
    for segment in path.strip("/").split("/"):
        if segment.startswith("{") and segment.endswith("}"):
            key.append(1.0)
        elif "{" in segment:
            key.append(0.5)
        else:
            key.append(0.0)
    return tuple(key)


def mount(app: FastAPI, methods: Sequence[ApiMethod[Any]]) -> None:
    """Add every path of every method to ``app``, most specific paths first."""
    book = SchemaBook.of(method.request_model for method in methods)
    routes: list[tuple[tuple[float, ...], str, ApiMethod[Any], bool]] = []
    seen: set[tuple[str, str]] = set()
    for method in methods:
        for index, path in enumerate(method.paths):
            if (method.verb, path) in seen:
                raise ValueError(f"{method.verb} {path} is declared twice")
            seen.add((method.verb, path))
            routes.append((_specificity(path), path, method, index == 0))
    routes.sort(key=lambda item: item[0])
    for _, path, method, canonical in routes:
        extra = book.operation(method, starlette_path(path)) if canonical else None
        app.add_api_route(
            starlette_path(path),
            _endpoint(method),
            methods=[method.verb],
            name=f"{method.name} {path}",
            summary=method.summary if canonical else f"{method.summary} (alias)",
            tags=[method.tag],
            include_in_schema=canonical,
            openapi_extra=extra,
            responses={200: {"model": method.response_model}} if method.response_model else None,
            operation_id=method.name if canonical else None,
        )
    existing: dict[str, Any] = getattr(app.state, "request_schemas", {})
    existing.update(book.definitions)
    app.state.request_schemas = existing
