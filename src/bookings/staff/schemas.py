"""Wire models of Resources V2 (``wix.bookings.resources.v2.resource``) and Staff Members V1
(``wix.bookings.staff.v1.staff_member``).

Types and lengths are checked here (a 400 naming the field); the rules of the spec (required
names, location and working-hours coupling, e-mail and phone formats) live in ``rules.py``.
Read-only fields are accepted on input and ignored. Documents the server only stores and
returns (``mainMedia``, ``tags``, ``extendedFields``) pass through as JSON objects.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field, model_validator

from bookings.platform.query.requests import CountRequest, QueryRequest
from bookings.platform.wire import FieldMask, Guid, Int64, WireModel


class RequestedField(StrEnum):
    """Conditional ``fields`` of the Staff Members API."""

    RESOURCE_DETAILS = "RESOURCE_DETAILS"
    ASSOCIATED_IDENTITY_STATUS = "ASSOCIATED_IDENTITY_STATUS"


# ---------------------------------------------------------------- Resources V2


class WorkingHoursScheduleIn(WireModel):
    schedule_id: Guid | None = None
    shared: bool | None = None


class WorkingHoursSchedulesIn(WireModel):
    values: list[WorkingHoursScheduleIn] | None = Field(default=None, max_length=1)


class BusinessLocationIn(WireModel):
    location_id: Guid | None = None


class SpecificLocationIn(WireModel):
    available_in_business_locations: bool | None = None
    business_locations: list[BusinessLocationIn] | None = Field(default=None, max_length=100)


class LocationOptionsIn(WireModel):
    available_in_all_locations: bool | None = None
    specific_location_options: SpecificLocationIn | None = None


class ResourceIn(WireModel):
    """A resource as clients send it (create / update)."""

    id: Guid | None = None
    revision: Int64 | None = None
    name: str | None = Field(default=None, max_length=40)
    type_id: Guid | None = None
    working_hours_schedules: WorkingHoursSchedulesIn | None = None
    location_options: LocationOptionsIn | None = None
    extended_fields: dict[str, Any] | None = None


class CreateResourceRequest(WireModel):
    resource: ResourceIn


def _unwrap_resource(value: Any) -> Any:
    """Bulk create items are resources; ``{"resource": {...}}`` items are accepted too."""
    if (
        isinstance(value, dict)
        and set(value) == {"resource"}
        and isinstance(value["resource"], dict)
    ):
        return value["resource"]
    return value


class BulkCreateResourcesRequest(WireModel):
    resources: list[ResourceIn] = Field(min_length=1, max_length=50)
    return_entity: bool = False

    @model_validator(mode="before")
    @classmethod
    def _items(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("resources"), list):
            data = {**data, "resources": [_unwrap_resource(r) for r in data["resources"]]}
        return data


class GetResourceRequest(WireModel):
    resource_id: Guid


class UpdateResourceRequest(WireModel):
    resource: ResourceIn
    #: The SDK sends the mask as ``mask``; REST documentation calls it ``fieldMask``.
    field_mask: FieldMask | None = None
    mask: FieldMask | None = None

    @property
    def paths(self) -> list[str] | None:
        return self.field_mask if self.field_mask is not None else self.mask


class MaskedResource(WireModel):
    resource: ResourceIn | None = None
    field_mask: FieldMask | None = None
    mask: FieldMask | None = None

    @property
    def paths(self) -> list[str] | None:
        return self.field_mask if self.field_mask is not None else self.mask


class BulkUpdateResourcesRequest(WireModel):
    resources: list[MaskedResource] = Field(min_length=1, max_length=100)
    return_entity: bool = False


class DeleteResourceRequest(WireModel):
    resource_id: Guid


class BulkDeleteResourcesRequest(WireModel):
    ids: list[Guid] = Field(min_length=1, max_length=50)


class QueryResourcesRequest(QueryRequest):
    pass


class CountResourcesRequest(CountRequest):
    search: dict[str, Any] | None = None


# ---------------------------------------------------------------- Staff Members V1


class StaffMemberIn(WireModel):
    """A staff member as clients send it (create / update)."""

    id: Guid | None = None
    name: str | None = Field(default=None, min_length=1, max_length=40)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=20)
    description: str | None = Field(default=None, max_length=500)
    main_media: dict[str, Any] | None = None
    revision: Int64 | None = None
    extended_fields: dict[str, Any] | None = None
    tags: dict[str, Any] | None = None


Fields = list[RequestedField] | None


class CreateStaffMemberRequest(WireModel):
    staff_member: StaffMemberIn
    fields: Fields = Field(default=None, max_length=3)
    service_provider: bool | None = None


class GetStaffMemberRequest(WireModel):
    staff_member_id: Guid
    fields: Fields = Field(default=None, max_length=3)


class UpdateStaffMemberRequest(WireModel):
    staff_member: StaffMemberIn
    fields: Fields = Field(default=None, max_length=3)
    field_mask: FieldMask | None = None


class DeleteStaffMemberRequest(WireModel):
    staff_member_id: Guid


class QueryStaffMembersRequest(QueryRequest):
    fields: Fields = Field(default=None, max_length=3)


class CountStaffMembersRequest(CountRequest):
    pass


class AssignWorkingHoursScheduleRequest(WireModel):
    staff_member_id: Guid
    schedule_id: Guid
    fields: Fields = Field(default=None, max_length=3)


class SetServiceProviderRequest(WireModel):
    staff_member_id: Guid
    service_provider: bool
    fields: Fields = Field(default=None, max_length=3)
