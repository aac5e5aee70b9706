"""The Waitlist API of class sessions (Bookings V1 paths; no SDK publishes their shape, so
they are pinned as ``docs/api/bookings.md`` writes them), with their ``/_api`` aliases."""

from __future__ import annotations

from typing import Any

from bookings.booking.schemas import (
    ListWaitlistRequest,
    RegisterToWaitlistRequest,
    WaitlistBookingRequest,
)
from bookings.booking.service import waitlist_calls
from bookings.platform.auth import ANYONE, MEMBERS_AND_BACKEND
from bookings.platform.routing import ApiRouter, Call

router = ApiRouter("Waitlist")

waitlist = router.paths("/bookings/v1/waitlist", "/_api/bookings/v1/waitlist")


@router.method(
    "registerToWaitlist",
    "POST",
    waitlist("/register"),
    roles=MEMBERS_AND_BACKEND,
    request=RegisterToWaitlistRequest,
)
async def register_to_waitlist(call: Call, req: RegisterToWaitlistRequest) -> dict[str, Any]:
    """Register To Waitlist: a WAITING_LIST booking of a full class session."""
    return await waitlist_calls.register_to_waitlist(call.db, call.caller, req)


@router.method(
    "leaveWaitlist",
    "POST",
    waitlist("/leave"),
    roles=MEMBERS_AND_BACKEND,
    request=WaitlistBookingRequest,
)
async def leave_waitlist(call: Call, req: WaitlistBookingRequest) -> dict[str, Any]:
    """Leave Waitlist: the registration ends, its booking is canceled."""
    return await waitlist_calls.leave_waitlist(call.db, call.caller, req)


@router.method(
    "bookFromWaitlist",
    "POST",
    waitlist("/book"),
    roles=MEMBERS_AND_BACKEND,
    request=WaitlistBookingRequest,
)
async def book_from_waitlist(call: Call, req: WaitlistBookingRequest) -> dict[str, Any]:
    """Book From Waitlist: take the offered spot."""
    return await waitlist_calls.book_from_waitlist(call.db, call.caller, req)


@router.method(
    "listWaitlistedEntities",
    "GET",
    waitlist(),
    roles=ANYONE,
    request=ListWaitlistRequest,
)
async def list_waitlist(call: Call, req: ListWaitlistRequest) -> dict[str, Any]:
    """List Waitlisted Entities of a session."""
    return await waitlist_calls.list_waitlist(call.db, call.caller, req)
