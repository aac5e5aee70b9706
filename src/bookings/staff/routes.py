"""HTTP methods of this slice: parse, authorize, call the service, serialize. No rules.

Paths follow the ``www.wixapis.com`` URL tables of the SDK packages (first path = the one the
SDK calls), each also served under ``/_api``; Staff Members also under the
``/_api/staff-members`` prefix of the Wix site domains.
"""

from __future__ import annotations

from typing import Any

from bookings.platform import errors
from bookings.platform.auth import ANYONE, BACKEND, Role
from bookings.platform.routing import ApiRouter, Call
from bookings.platform.wire import to_wire
from bookings.staff import service
from bookings.staff.schemas import (
    AssignWorkingHoursScheduleRequest,
    BulkCreateResourcesRequest,
    BulkDeleteResourcesRequest,
    BulkUpdateResourcesRequest,
    CountResourcesRequest,
    CountStaffMembersRequest,
    CreateResourceRequest,
    CreateStaffMemberRequest,
    DeleteResourceRequest,
    DeleteStaffMemberRequest,
    GetResourceRequest,
    GetStaffMemberRequest,
    QueryResourcesRequest,
    QueryStaffMembersRequest,
    RequestedField,
    SetServiceProviderRequest,
    UpdateResourceRequest,
    UpdateStaffMemberRequest,
)

router = ApiRouter("Staff and Resources")

#: (srcPath, destPath) of the ``www.wixapis.com`` tables, in the SDK's order.
_STAFF_MAPPINGS = (
    ("/bookings/v1/staff-members", "/v1/staff-members"),
    ("/bookings/v1/bulk/staff-members", "/v1/bulk/staff-members"),
    ("/bookings/staff", ""),
    ("/bookings/v2", "/v2"),
)
_RESOURCE_MAPPINGS = (
    ("/bookings/v2/resources", "/v2/resources"),
    ("/bookings/v2/bulk/resources", "/v2/bulk/resources"),
)


def _public(mappings: tuple[tuple[str, str], ...], proto: str) -> list[str]:
    found = [src + proto[len(dest) :] for src, dest in mappings if proto.startswith(dest)]
    return list(dict.fromkeys(found))


def staff_paths(proto: str) -> list[str]:
    """Every public path of a Staff Members proto path (``/v1/staff-members/query``)."""
    public = _public(_STAFF_MAPPINGS, proto)
    return [*public, *("/_api" + p for p in public), "/_api/staff-members" + proto]


def resource_paths(proto: str) -> list[str]:
    """Every public path of a Resources V2 proto path (``/v2/resources/query``)."""
    public = _public(_RESOURCE_MAPPINGS, proto)
    return [*public, *("/_api" + p for p in public)]


def _fields(values: list[RequestedField] | None) -> list[str]:
    return [v.value for v in values or []]


# ---------------------------------------------------------------- Resources V2


@router.method(
    "CreateResource",
    "POST",
    resource_paths("/v2/resources"),
    roles=BACKEND,
    request=CreateResourceRequest,
)
async def create_resource(call: Call, req: CreateResourceRequest) -> dict[str, Any]:
    """Create a resource (and its events schedule)."""
    return {"resource": await service.create_resource(call.db, call.site_id, to_wire(req.resource))}


@router.method(
    "BulkCreateResources",
    "POST",
    resource_paths("/v2/bulk/resources/create"),
    roles=BACKEND,
    request=BulkCreateResourcesRequest,
)
async def bulk_create_resources(call: Call, req: BulkCreateResourcesRequest) -> dict[str, Any]:
    """Create up to 50 resources; failures are reported per item."""
    return await service.bulk_create_resources(
        call.db, call.site_id, [to_wire(r) for r in req.resources], req.return_entity
    )


@router.method(
    "QueryResources",
    "POST",
    resource_paths("/v2/resources/query"),
    roles=ANYONE,
    request=QueryResourcesRequest,
)
async def query_resources(call: Call, req: QueryResourcesRequest) -> dict[str, Any]:
    """Query resources (cursor paging)."""
    return await service.query_resources(call.db, call.services.signer, call.site_id, req.query)


@router.method(
    "CountResources",
    "POST",
    resource_paths("/v2/resources/count"),
    roles=ANYONE,
    request=CountResourcesRequest,
)
async def count_resources(call: Call, req: CountResourcesRequest) -> dict[str, Any]:
    """Count the resources that match a filter."""
    if req.search and req.search.get("expression"):
        raise errors.not_implemented("Free-text search in Count Resources")
    return {"count": await service.count_resources(call.db, call.site_id, req.filter)}


@router.method(
    "GetResource",
    "GET",
    resource_paths("/v2/resources/{resourceId}"),
    roles=ANYONE,
    request=GetResourceRequest,
)
async def get_resource(call: Call, req: GetResourceRequest) -> dict[str, Any]:
    """Get a resource."""
    return {"resource": await service.get_resource(call.db, call.site_id, req.resource_id)}


@router.method(
    "UpdateResource",
    "PATCH",
    resource_paths("/v2/resources/{resource.id}"),
    roles=BACKEND,
    request=UpdateResourceRequest,
)
async def update_resource(call: Call, req: UpdateResourceRequest) -> dict[str, Any]:
    """Update a resource (revision required; optional field mask)."""
    return {
        "resource": await service.update_resource(
            call.db, call.site_id, to_wire(req.resource), req.paths
        )
    }


@router.method(
    "BulkUpdateResources",
    "POST",
    resource_paths("/v2/bulk/resources/update"),
    roles=BACKEND,
    request=BulkUpdateResourcesRequest,
)
async def bulk_update_resources(call: Call, req: BulkUpdateResourcesRequest) -> dict[str, Any]:
    """Update up to 100 resources, each with an optional field mask."""
    items = [
        (to_wire(m.resource) if m.resource is not None else None, m.paths) for m in req.resources
    ]
    return await service.bulk_update_resources(call.db, call.site_id, items, req.return_entity)


@router.method(
    "DeleteResource",
    "DELETE",
    resource_paths("/v2/resources/{resourceId}"),
    roles=BACKEND,
    request=DeleteResourceRequest,
)
async def delete_resource(call: Call, req: DeleteResourceRequest) -> dict[str, Any]:
    """Delete a resource; cancels its events schedule and unshared working hours."""
    await service.delete_resource(call.db, call.site_id, req.resource_id)
    return {}


@router.method(
    "BulkDeleteResources",
    "POST",
    resource_paths("/v2/bulk/resources/delete"),
    roles=BACKEND,
    request=BulkDeleteResourcesRequest,
)
async def bulk_delete_resources(call: Call, req: BulkDeleteResourcesRequest) -> dict[str, Any]:
    """Delete up to 50 resources."""
    return await service.bulk_delete_resources(call.db, call.site_id, req.ids)


# ---------------------------------------------------------------- Staff Members V1


@router.method(
    "CreateStaffMember",
    "POST",
    staff_paths("/v1/staff-members"),
    roles=BACKEND,
    request=CreateStaffMemberRequest,
)
async def create_staff_member(call: Call, req: CreateStaffMemberRequest) -> dict[str, Any]:
    """Create a staff member, its resource and schedule; it works the business hours."""
    return {
        "staffMember": await service.create_staff_member(
            call.db,
            call.site_id,
            to_wire(req.staff_member),
            service_provider=req.service_provider,
            fields=_fields(req.fields),
        )
    }


def _query_staff(name: str, proto: str, *, v2: bool) -> None:
    async def handler(call: Call, req: QueryStaffMembersRequest) -> dict[str, Any]:
        return await service.query_staff_members(
            call.db,
            call.services.signer,
            call.site_id,
            req.query,
            _fields(req.fields),
            private=call.caller.is_backend,
            v2=v2,
        )

    handler.__doc__ = (
        "Query staff members (cursor paging)."
        if v2
        else "Query staff members who are service providers (cursor paging)."
    )
    router.method(name, "POST", staff_paths(proto), roles=ANYONE, request=QueryStaffMembersRequest)(
        handler
    )


def _count_staff(name: str, proto: str, *, v2: bool) -> None:
    async def handler(call: Call, req: CountStaffMembersRequest) -> dict[str, Any]:
        count = await service.count_staff_members(
            call.db, call.site_id, req.filter, private=call.caller.is_backend, v2=v2
        )
        return {"count": count}

    handler.__doc__ = (
        "Count staff members." if v2 else "Count staff members who are service providers."
    )
    router.method(name, "POST", staff_paths(proto), roles=ANYONE, request=CountStaffMembersRequest)(
        handler
    )


_query_staff("QueryStaffMembers", "/v1/staff-members/query", v2=False)
_query_staff("QueryStaffMembersV2", "/v2/staff-members/query", v2=True)
_count_staff("CountStaffMembers", "/v1/staff-members/count", v2=False)
_count_staff("CountStaffMembersV2", "/v2/staff-members/count", v2=True)


@router.method(
    "GetStaffMember",
    "GET",
    staff_paths("/v1/staff-members/{staffMemberId}"),
    roles=ANYONE,
    request=GetStaffMemberRequest,
)
async def get_staff_member(call: Call, req: GetStaffMemberRequest) -> dict[str, Any]:
    """Get a staff member (email and phone for backend callers only)."""
    return {
        "staffMember": await service.get_staff_member(
            call.db,
            call.site_id,
            req.staff_member_id,
            _fields(req.fields),
            private=call.caller.is_backend,
        )
    }


@router.method(
    "UpdateStaffMember",
    "PATCH",
    staff_paths("/v1/staff-members/{staffMember.id}"),
    roles=BACKEND,
    request=UpdateStaffMemberRequest,
)
async def update_staff_member(call: Call, req: UpdateStaffMemberRequest) -> dict[str, Any]:
    """Update a staff member (revision required; optional field mask)."""
    return {
        "staffMember": await service.update_staff_member(
            call.db,
            call.site_id,
            to_wire(req.staff_member),
            req.field_mask,
            _fields(req.fields),
        )
    }


@router.method(
    "DeleteStaffMember",
    "DELETE",
    staff_paths("/v1/staff-members/{staffMemberId}"),
    roles=BACKEND,
    request=DeleteStaffMemberRequest,
)
async def delete_staff_member(call: Call, req: DeleteStaffMemberRequest) -> dict[str, Any]:
    """Delete a staff member and its resource; cancels its own schedules."""
    await service.delete_staff_member(call.db, call.site_id, req.staff_member_id)
    return {}


def _assign(name: str, verb_path: str) -> None:
    async def handler(call: Call, req: AssignWorkingHoursScheduleRequest) -> dict[str, Any]:
        return {
            "staffMember": await service.assign_working_hours_schedule(
                call.db, call.site_id, req.staff_member_id, req.schedule_id, _fields(req.fields)
            )
        }

    handler.__doc__ = (
        "Give a staff member custom hours (its events schedule) or the business hours."
    )
    router.method(
        name,
        "POST",
        staff_paths(f"/v1/staff-members/{{staffMemberId}}/{verb_path}"),
        roles=BACKEND,
        request=AssignWorkingHoursScheduleRequest,
    )(handler)


_assign("AssignWorkingHoursSchedule", "assign-working-hours-schedule")
_assign("AssignCustomSchedule", "assign-custom-schedule")


@router.method(
    "SetServiceProvider",
    "POST",
    staff_paths("/v1/staff-members/{staffMemberId}/set-service-provider"),
    roles=BACKEND,
    request=SetServiceProviderRequest,
)
async def mark_service_provider(call: Call, req: SetServiceProviderRequest) -> dict[str, Any]:
    """Set whether a staff member provides services (appears in booking flows)."""
    return {
        "staffMember": await service.mark_service_provider(
            call.db, call.site_id, req.staff_member_id, req.service_provider, _fields(req.fields)
        )
    }


# ---------------------------------------------------------------- not implemented


def _unimplemented(
    name: str, verb: str, paths: list[str], what: str, roles: frozenset[Role] = BACKEND
) -> None:
    router.unimplemented(name, verb, paths, what, roles=roles)


_unimplemented(
    "SearchResources",
    "POST",
    resource_paths("/v2/resources/search"),
    "Search Resources (use Query Resources)",
    ANYONE,
)
_unimplemented(
    "SearchStaffMembers",
    "POST",
    staff_paths("/v1/staff-members/search"),
    "Search Staff Members (use Query Staff Members)",
    ANYONE,
)
_unimplemented(
    "SearchStaffMembersV2",
    "POST",
    staff_paths("/v2/staff-members/search"),
    "Search Staff Members (use Query Staff Members)",
    ANYONE,
)
_unimplemented(
    "ConnectStaffMemberToUser",
    "POST",
    staff_paths("/v1/staff-members/{staffMemberId}/connect-staff-member-to-user"),
    "Connecting staff members to Wix users (there are no Wix users on this server)",
)
_unimplemented(
    "DisconnectStaffMemberFromUser",
    "POST",
    staff_paths("/v1/staff-members/{staffMemberId}/disconnect-staff-member-from-user"),
    "Connecting staff members to Wix users (there are no Wix users on this server)",
)
_unimplemented(
    "GetOrCreateStaffMember",
    "POST",
    staff_paths("/v1/staff-members/get-or-create/wix-user-id/{wixUserId}"),
    "Get Or Create Staff Member (there are no Wix users on this server)",
)
_unimplemented(
    "BulkGetOrCreateStaffMembers",
    "POST",
    staff_paths("/v1/bulk/staff-members/get-or-create"),
    "Bulk Get Or Create Staff Members (there are no Wix users on this server)",
)
_unimplemented(
    "BulkUpdateStaffMemberTags",
    "POST",
    staff_paths("/v1/bulk/staff-members/update-tags"),
    "Bulk Update Staff Member Tags",
)
_unimplemented(
    "BulkUpdateStaffMemberTagsByFilter",
    "POST",
    staff_paths("/v1/bulk/staff-members/update-tags-by-filter"),
    "Bulk Update Staff Member Tags By Filter",
)
_unimplemented(
    "ListDeletedStaffMembers",
    "GET",
    staff_paths("/v2/staff-members/trash-bin"),
    "The staff member trash bin (deleted staff members are removed at once)",
)
_unimplemented(
    "GetDeletedStaffMember",
    "GET",
    staff_paths("/v2/staff-members/trash-bin/{staffMemberId}"),
    "The staff member trash bin (deleted staff members are removed at once)",
)
_unimplemented(
    "RemoveStaffMemberFromTrashBin",
    "DELETE",
    staff_paths("/v2/staff-members/trash-bin/{staffMemberId}"),
    "The staff member trash bin (deleted staff members are removed at once)",
)
