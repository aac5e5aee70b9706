"""Services V2 over HTTP: parse, authorize, call the service, serialize. No rules."""

from __future__ import annotations

from typing import Any

from bookings.catalog.services import service
from bookings.catalog.services.schemas import (
    BulkCreateServicesRequest,
    BulkDeleteServicesRequest,
    BulkUpdateServicesRequest,
    CloneServiceRequest,
    CountServicesRequest,
    CreateAddOnGroupRequest,
    CreateServiceRequest,
    DeleteAddOnGroupRequest,
    DeleteServiceRequest,
    GetServiceRequest,
    ListAddOnGroupsByServiceIdRequest,
    QueryPoliciesRequest,
    QueryServicesRequest,
    SetAddOnsForGroupRequest,
    SetCustomSlugRequest,
    SetServiceLocationsRequest,
    UpdateAddOnGroupRequest,
    UpdateServiceRequest,
    ValidateSlugRequest,
)
from bookings.platform import errors
from bookings.platform.auth import ANYONE, BACKEND
from bookings.platform.routing import ApiRouter, Call
from bookings.platform.wire import to_wire

router = ApiRouter("Services")

#: Every public prefix of the two proto path families (www.wixapis.com mappings).
services = router.paths("/_api/bookings/v2/services", "/bookings/v2/services")
bulk = router.paths(
    "/bookings/v2/bulk/services",
    "/bookings/services/v2/bulk/services",
    "/_api/bookings/v2/bulk/services",
)


def _fields(values: list[Any] | None) -> list[str]:
    return [v.value for v in values or []]


@router.method("CreateService", "POST", services(), roles=BACKEND, request=CreateServiceRequest)
async def create_service(call: Call, req: CreateServiceRequest) -> dict[str, Any]:
    """Create a service (and its calendar schedule)."""
    return {"service": await service.create_service(call.db, call.caller, to_wire(req.service))}


@router.method(
    "BulkCreateServices",
    "POST",
    bulk("/create"),
    roles=BACKEND,
    request=BulkCreateServicesRequest,
)
async def bulk_create(call: Call, req: BulkCreateServicesRequest) -> dict[str, Any]:
    """Create up to 100 services; failures are reported per item."""
    return await service.bulk_create_services(
        call.db, call.caller, [to_wire(s) for s in req.services], req.return_entity
    )


@router.method(
    "QueryServices", "POST", services("/query"), roles=ANYONE, request=QueryServicesRequest
)
async def query_services(call: Call, req: QueryServicesRequest) -> dict[str, Any]:
    """Query services (offset or cursor paging)."""
    return await service.query_services(
        call.db, call.services.signer, call.site_id, req.query, _fields(req.conditional_fields)
    )


@router.method(
    "CountServices", "POST", services("/count"), roles=ANYONE, request=CountServicesRequest
)
async def count_services(call: Call, req: CountServicesRequest) -> dict[str, Any]:
    """Count the services that match a filter."""
    return {"count": await service.count_services(call.db, call.site_id, req.filter)}


@router.method(
    "QueryPolicies",
    "POST",
    services("/policies/query"),
    roles=ANYONE,
    request=QueryPoliciesRequest,
)
async def query_policies(call: Call, req: QueryPoliciesRequest) -> dict[str, Any]:
    """Booking policies with their connected services."""
    return await service.query_policies(call.db, call.services.signer, call.site_id, req.query)


@router.method(
    "ValidateSlug", "POST", services("/slugs/validate"), roles=BACKEND, request=ValidateSlugRequest
)
async def validate_slug(call: Call, req: ValidateSlugRequest) -> dict[str, Any]:
    """Whether a slug may be used for a service."""
    return await service.validate_slug(call.db, call.site_id, req.service_id, req.slug)


@router.method(
    "CloneService", "POST", services("/clone"), roles=BACKEND, request=CloneServiceRequest
)
async def clone_service(call: Call, req: CloneServiceRequest) -> dict[str, Any]:
    """Copy a service (with a new schedule; sessions are not copied)."""
    return await service.clone_service(call.db, call.caller, req.source_service_id)


@router.method(
    "GetService", "GET", services("/{serviceId}"), roles=ANYONE, request=GetServiceRequest
)
async def get_service(call: Call, req: GetServiceRequest) -> dict[str, Any]:
    """Get a service."""
    return {
        "service": await service.get_service(
            call.db, call.site_id, req.service_id, _fields(req.conditional_fields)
        )
    }


@router.method(
    "UpdateService",
    "PATCH",
    services("/{service.id}"),
    roles=BACKEND,
    request=UpdateServiceRequest,
)
async def update_service(call: Call, req: UpdateServiceRequest) -> dict[str, Any]:
    """Update the fields given (revision required)."""
    data = to_wire(req.service)
    return {"service": await service.update_service(call.db, call.site_id, data)}


@router.method(
    "BulkUpdateServices",
    "POST",
    bulk("/update"),
    roles=BACKEND,
    request=BulkUpdateServicesRequest,
)
async def bulk_update(call: Call, req: BulkUpdateServicesRequest) -> dict[str, Any]:
    """Update up to 100 services, each with an optional field mask."""
    items = [(to_wire(m.service), m.mask) for m in req.services]
    return await service.bulk_update_services(call.db, call.site_id, items, req.return_entity)


@router.method(
    "DeleteService",
    "DELETE",
    services("/{serviceId}"),
    roles=BACKEND,
    request=DeleteServiceRequest,
)
async def delete_service(call: Call, req: DeleteServiceRequest) -> dict[str, Any]:
    """Delete a service and cancel its schedule's future sessions."""
    await service.delete_service(call.db, call.site_id, req.service_id)
    return {}


@router.method(
    "BulkDeleteServices",
    "POST",
    bulk("/delete"),
    roles=BACKEND,
    request=BulkDeleteServicesRequest,
)
async def bulk_delete(call: Call, req: BulkDeleteServicesRequest) -> dict[str, Any]:
    """Delete up to 100 services."""
    return await service.bulk_delete_services(call.db, call.site_id, req.ids)


@router.method(
    "SetServiceLocations",
    "POST",
    services("/{serviceId}/locations"),
    roles=BACKEND,
    request=SetServiceLocationsRequest,
)
async def set_locations(call: Call, req: SetServiceLocationsRequest) -> dict[str, Any]:
    """Replace a service's locations."""
    locations = [to_wire(loc) for loc in req.locations]
    return {
        "service": await service.set_service_locations(
            call.db, call.site_id, req.service_id, locations
        )
    }


@router.method(
    "SetCustomSlug",
    "POST",
    services("/{serviceId}/slugs/custom"),
    roles=BACKEND,
    request=SetCustomSlugRequest,
)
async def set_custom_slug(call: Call, req: SetCustomSlugRequest) -> dict[str, Any]:
    """Give a service a custom main slug."""
    return await service.set_custom_slug(call.db, call.site_id, req.service_id, req.slug)


# ---------------------------------------------------------------- add-on groups


@router.method(
    "CreateAddOnGroup",
    "POST",
    services("/add-on-groups/create"),
    roles=BACKEND,
    request=CreateAddOnGroupRequest,
)
async def create_add_on_group(call: Call, req: CreateAddOnGroupRequest) -> dict[str, Any]:
    """Add a group to a service (at most 3 per service)."""
    return await service.create_add_on_group(
        call.db, call.site_id, req.service_id, to_wire(req.add_on_group)
    )


@router.method(
    "DeleteAddOnGroup",
    "POST",
    services("/add-on-groups/delete"),
    roles=BACKEND,
    request=DeleteAddOnGroupRequest,
)
async def delete_add_on_group(call: Call, req: DeleteAddOnGroupRequest) -> dict[str, Any]:
    """Remove a group from its service."""
    await service.delete_add_on_group(call.db, call.site_id, req.service_id, req.add_on_group_id)
    return {}


@router.method(
    "UpdateAddOnGroup",
    "POST",
    services("/add-on-groups/update"),
    roles=BACKEND,
    request=UpdateAddOnGroupRequest,
)
async def update_add_on_group(call: Call, req: UpdateAddOnGroupRequest) -> dict[str, Any]:
    """Change a group's fields (those given, or those the mask names)."""
    group = to_wire(req.add_on_group)
    if not group.get("id"):
        raise errors.invalid_field("addOnGroup.id", "is required", errors.REQUIRED_FIELD)
    return await service.update_add_on_group(call.db, call.site_id, req.service_id, group, req.mask)


@router.method(
    "ListAddOnGroupsByServiceId",
    "POST",
    services("/add-on-groups/list-add-on-groups-by-service-id"),
    roles=ANYONE,
    request=ListAddOnGroupsByServiceIdRequest,
)
async def list_add_on_groups(call: Call, req: ListAddOnGroupsByServiceIdRequest) -> dict[str, Any]:
    """A service's groups with their add-ons (by id), in order."""
    return await service.list_add_on_groups(call.db, call.site_id, req.service_id, req.group_ids)


@router.method(
    "SetAddOnsForGroup",
    "POST",
    services("/add-on-groups/set-add-ons-for-group"),
    roles=BACKEND,
    request=SetAddOnsForGroupRequest,
)
async def set_add_ons_for_group(call: Call, req: SetAddOnsForGroupRequest) -> dict[str, Any]:
    """Replace a group's add-ons (their order is the display order)."""
    return await service.set_add_ons_for_group(
        call.db, call.site_id, req.service_id, req.group_id, req.add_on_ids
    )


# ---------------------------------------------------------------- not implemented


def _unimplemented(name: str, paths: list[str], what: str) -> None:
    router.unimplemented(name, "POST", paths, what, roles=BACKEND)


_unimplemented("SearchServices", services("/search"), "Search Services")
_unimplemented(
    "BulkUpdateServicesByFilter", bulk("/update-by-filter"), "Bulk Update Services By Filter"
)
_unimplemented(
    "BulkDeleteServicesByFilter", bulk("/delete-by-filter"), "Bulk Delete Services By Filter"
)
_unimplemented(
    "EnablePricingPlansForService",
    services("/{serviceId}/pricing-plans/add"),
    "Pricing plans (there is no Pricing Plans API on this server)",
)
_unimplemented(
    "DisablePricingPlansForService",
    services("/{serviceId}/pricing-plans/remove"),
    "Pricing plans (there is no Pricing Plans API on this server)",
)
_unimplemented("QueryBookingForms", services("/booking-forms/query"), "Query Booking Forms")
_unimplemented("QueryLocations", services("/locations/query"), "Query Locations")
_unimplemented("QueryCategories", services("/categories/query"), "Query Categories")
