"""A test-only API method that echoes what it parsed: it shows the wire conventions
(parsing and formatting of every scalar kind, aliases, path params, query strings)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from bookings.platform.auth import ADMIN_ONLY, BACKEND
from bookings.platform.routing import ApiRouter, Call
from bookings.platform.wire import (
    DecimalString,
    FieldMask,
    Guid,
    Int64,
    LocalDate,
    LocalDateTime,
    Timestamp,
    WireModel,
)

router = ApiRouter("Test echo")


class Color(StrEnum):
    UNDEFINED = "UNDEFINED"
    RED = "RED"
    GREEN = "GREEN"


class Inner(WireModel):
    id: str | None = None
    created_date: Timestamp | None = None
    tags: list[str] | None = None


class Line(WireModel):
    key: str
    qty: int | None = None


class Thing(WireModel):
    id: str | None = None
    name: str | None = Field(default=None, max_length=10)
    revision: Int64 | None = None
    created_date: Timestamp | None = None
    start_date: LocalDateTime | None = None
    day: LocalDate | None = None
    price: DecimalString | None = None
    color: Color | None = None
    count: int | None = Field(default=None, ge=1, le=5)
    flag: bool | None = None
    owner_id: Guid | None = None
    inner: Inner | None = None
    items: list[Inner] | None = None
    ids: list[str] | None = None
    lines: list[Line] | None = None


class EchoRequest(WireModel):
    thing: Thing
    fields: FieldMask | None = None


class EchoResponse(WireModel):
    thing: Thing
    fields: FieldMask | None = None


@router.method(
    "Echo",
    "POST",
    ["/_api/test/v1/things/{thing.id}/echo", "/test/v1/things/{thing.id}/echo"],
    roles=BACKEND,
    request=EchoRequest,
    response=EchoResponse,
)
async def echo(call: Call, req: EchoRequest) -> EchoResponse:
    """Echo the parsed request."""
    return EchoResponse(thing=req.thing, fields=req.fields)


class EchoQuery(WireModel):
    thing_id: str
    ids: list[str] | None = None
    revision: Int64 | None = None
    inner: Inner | None = None
    flag: bool | None = None


@router.method(
    "EchoGet",
    "GET",
    ["/_api/test/v1/things/{thingId}"],
    roles=ADMIN_ONLY,
    request=EchoQuery,
    response=EchoQuery,
)
async def echo_get(call: Call, req: EchoQuery) -> EchoQuery:
    """Echo a GET request's fields."""
    return req


class Empty(WireModel):
    pass


@router.method(
    "Crash", "POST", ["/_api/test/v1/crash"], roles=ADMIN_ONLY, request=Empty, response=Empty
)
async def crash(call: Call, req: Empty) -> Empty:
    """Fails with an unexpected exception (the safety net must answer)."""
    raise RuntimeError("boom")
