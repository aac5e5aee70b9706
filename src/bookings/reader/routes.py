"""Bookings Reader V2 over HTTP: parse, authorize, call the service, serialize. No rules."""

from __future__ import annotations

from typing import Any

from bookings.platform.auth import ANYONE
from bookings.platform.routing import ApiRouter, Call
from bookings.reader import service
from bookings.reader.schemas import (
    CountExtendedBookingsRequest,
    DeprecatedQueryRequest,
    QueryExtendedBookingsRequest,
)

router = ApiRouter("Bookings Reader")

reader = router.paths("/_api/bookings-reader/v2", "/bookings/bookings-reader/v2")


@router.method(
    "QueryExtendedBookings",
    "POST",
    reader("/extended-bookings/query"),
    roles=ANYONE,
    request=QueryExtendedBookingsRequest,
)
async def query_extended_bookings(call: Call, req: QueryExtendedBookingsRequest) -> dict[str, Any]:
    """Bookings with the parts the ``with*`` flags ask for (offset or cursor paging)."""
    return await service.query_extended_bookings(
        call.db, call.services.signer, call.caller, req.query, req
    )


@router.method(
    "CountExtendedBookings",
    "POST",
    reader("/extended-bookings/count"),
    roles=ANYONE,
    request=CountExtendedBookingsRequest,
)
async def count_extended_bookings(call: Call, req: CountExtendedBookingsRequest) -> dict[str, Any]:
    """How many bookings match the filter."""
    return await service.count_extended_bookings(call.db, call.caller, req.filter)


@router.method(
    "Query",
    "POST",
    reader("/extended-booking/query"),
    roles=ANYONE,
    request=DeprecatedQueryRequest,
)
async def query(call: Call, req: DeprecatedQueryRequest) -> dict[str, Any]:
    """The deprecated Query: like Query Extended Bookings, plus ``sessionId``."""
    return await service.query_extended_bookings(
        call.db, call.services.signer, call.caller, req.query, req, session_id=req.session_id
    )
