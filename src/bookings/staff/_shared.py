"""Helpers of :mod:`.resources` and :mod:`.members` alike (internal to the staff slice)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from bookings.platform import errors
from bookings.platform.query import ArrayStorage, FieldSpec, Kind
from bookings.platform.wire import format_timestamp
from bookings.staff.models import resource_business_locations

LOCATION_IDS = "locationOptions.specificLocationOptions.businessLocations.locationId"


def timestamp_fields(table: sa.Table) -> list[FieldSpec]:
    return [
        FieldSpec(name, table.c[column], Kind.TIMESTAMP, sortable=True, nullable=False)
        for name, column in (("createdDate", "created_date"), ("updatedDate", "updated_date"))
    ]


def locations_array(site: sa.ColumnElement[Any], resource: sa.ColumnElement[Any]) -> ArrayStorage:
    return ArrayStorage(resource_business_locations, {"site_id": site, "resource_id": resource})


def dates(row: sa.Row[Any]) -> dict[str, str]:
    return {
        "revision": str(row.revision),
        "createdDate": format_timestamp(row.created_date),
        "updatedDate": format_timestamp(row.updated_date),
    }


def ids_param(wanted: list[str]) -> dict[str, Any]:
    return {"ids": wanted[0] if len(wanted) == 1 else wanted}


def require_update_ids(data: dict[str, Any], entity: str) -> tuple[str, int]:
    entity_id = data.get("id")
    if not entity_id:
        raise errors.invalid_field(f"{entity}.id", "is required", errors.REQUIRED_FIELD)
    if data.get("revision") is None:
        raise errors.revision_required(f"{entity}.revision")
    return str(entity_id), int(data["revision"])
