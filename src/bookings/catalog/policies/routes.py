"""HTTP methods of this slice: parse, authorize, call the service, serialize. No rules.

Every path is served with and without the ``/_api`` prefix (the SDK's URL tables name both).
Writes are for the business (ADMIN, APP); reads are public, since a booking page shows them.
"""

from __future__ import annotations

from typing import Any

from bookings.catalog.policies import service
from bookings.catalog.policies.schemas import (
    BookingPolicyResponse,
    CountBookingPoliciesRequest,
    CountBookingPoliciesResponse,
    CreateBookingPolicyRequest,
    DeleteBookingPolicyRequest,
    EmptyResponse,
    GetBookingPolicyRequest,
    GetStrictestBookingPolicyRequest,
    ListPolicySnapshotsByBookingIdsRequest,
    ListPolicySnapshotsByBookingIdsResponse,
    QueryBookingPoliciesRequest,
    QueryBookingPoliciesResponse,
    SetDefaultBookingPolicyRequest,
    SetDefaultBookingPolicyResponse,
    UpdateBookingPolicyRequest,
)
from bookings.platform.auth import ANYONE, BACKEND
from bookings.platform.routing import ApiRouter, Call

router = ApiRouter("Booking Policies")
snapshots = ApiRouter("Booking Policy Snapshots")

BASE = "/bookings/v1/booking-policies"
SNAPSHOTS = "/booking-policy-snapshots/v1/policy-snapshots"


def _paths(path: str) -> list[str]:
    return router.paths(path, f"/_api{path}")()


@router.method(
    "CreateBookingPolicy",
    "POST",
    _paths(BASE),
    roles=BACKEND,
    request=CreateBookingPolicyRequest,
    response=BookingPolicyResponse,
)
async def create_booking_policy(call: Call, req: CreateBookingPolicyRequest) -> dict[str, Any]:
    """Create a booking policy (missing sub-policies get their defaults)."""
    return {"bookingPolicy": await service.create_policy(call.db, call.caller, req.booking_policy)}


@router.method(
    "GetBookingPolicy",
    "GET",
    _paths(f"{BASE}/{{bookingPolicyId}}"),
    roles=ANYONE,
    request=GetBookingPolicyRequest,
    response=BookingPolicyResponse,
)
async def get_booking_policy(call: Call, req: GetBookingPolicyRequest) -> dict[str, Any]:
    """Get a booking policy."""
    return {"bookingPolicy": await service.get_policy(call.db, call.site_id, req.booking_policy_id)}


@router.method(
    "GetStrictestBookingPolicy",
    "POST",
    _paths(f"{BASE}/strictest"),
    roles=ANYONE,
    request=GetStrictestBookingPolicyRequest,
    response=BookingPolicyResponse,
)
async def get_strictest_booking_policy(
    call: Call, req: GetStrictestBookingPolicyRequest
) -> dict[str, Any]:
    """The strictest version of each rule of several policies (a virtual policy, no id)."""
    policy = await service.get_strictest(call.db, call.site_id, req.booking_policy_ids)
    return {"bookingPolicy": policy}


@router.method(
    "UpdateBookingPolicy",
    "PATCH",
    _paths(f"{BASE}/{{bookingPolicy.id}}"),
    roles=BACKEND,
    request=UpdateBookingPolicyRequest,
    response=BookingPolicyResponse,
)
async def update_booking_policy(call: Call, req: UpdateBookingPolicyRequest) -> dict[str, Any]:
    """Update a booking policy: the fields given (or masked) replace, sub-policies whole."""
    mask = req.mask if req.mask is not None else req.field_mask
    policy = await service.update_policy(call.db, call.site_id, req.booking_policy, mask)
    return {"bookingPolicy": policy}


@router.method(
    "SetDefaultBookingPolicy",
    "POST",
    _paths(f"{BASE}/{{bookingPolicyId}}:setDefault"),
    roles=BACKEND,
    request=SetDefaultBookingPolicyRequest,
    response=SetDefaultBookingPolicyResponse,
)
async def set_default_booking_policy(
    call: Call, req: SetDefaultBookingPolicyRequest
) -> dict[str, Any]:
    """Make a policy the site's default (idempotent)."""
    return await service.set_default(call.db, call.site_id, req.booking_policy_id)


@router.method(
    "DeleteBookingPolicy",
    "DELETE",
    _paths(f"{BASE}/{{bookingPolicyId}}"),
    roles=BACKEND,
    request=DeleteBookingPolicyRequest,
    response=EmptyResponse,
)
async def delete_booking_policy(call: Call, req: DeleteBookingPolicyRequest) -> dict[str, Any]:
    """Delete a booking policy (never the default: 428)."""
    await service.delete_policy(call.db, call.site_id, req.booking_policy_id)
    return {}


@router.method(
    "QueryBookingPolicies",
    "POST",
    _paths(f"{BASE}/query"),
    roles=ANYONE,
    request=QueryBookingPoliciesRequest,
    response=QueryBookingPoliciesResponse,
)
async def query_booking_policies(call: Call, req: QueryBookingPoliciesRequest) -> dict[str, Any]:
    """Query booking policies (cursor paging, default sort createdDate ASC, limit 50)."""
    return await service.query_policies(call.db, call.services.signer, call.site_id, req.query)


@router.method(
    "CountBookingPolicies",
    "POST",
    _paths(f"{BASE}/count"),
    roles=ANYONE,
    request=CountBookingPoliciesRequest,
    response=CountBookingPoliciesResponse,
)
async def count_booking_policies(call: Call, req: CountBookingPoliciesRequest) -> dict[str, Any]:
    """Count the booking policies matching a filter."""
    return {"count": await service.count_policies(call.db, call.site_id, req.filter)}


@snapshots.method(
    "ListPolicySnapshotsByBookingIds",
    "GET",
    _paths(SNAPSHOTS),
    roles=BACKEND,
    request=ListPolicySnapshotsByBookingIdsRequest,
    response=ListPolicySnapshotsByBookingIdsResponse,
)
async def list_policy_snapshots_by_booking_ids(
    call: Call, req: ListPolicySnapshotsByBookingIdsRequest
) -> dict[str, Any]:
    """The policy snapshots of bookings (1-100 booking ids)."""
    found = await service.list_snapshots_by_booking_ids(call.db, call.site_id, req.booking_ids)
    return {"bookingPolicySnapshots": found}


# app.py mounts ``router`` only: the snapshots API rides along under its own tag.
router.methods.extend(snapshots.methods)
