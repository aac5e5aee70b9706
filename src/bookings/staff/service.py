"""Use-cases of Resources V2 and Staff Members V1: one function per API method, each owning
its transaction, plus the functions other slices call inside their own unit of work.

Every resource owns an *events schedule* (a calendar schedule whose ``externalId`` is the
resource id) and may name one *working-hours schedule*. A staff member is a row of its own
plus a Resource of the staff type (:data:`STAFF_RESOURCE_TYPE_ID`); its ``resourceId`` is
the id other APIs use (``service.staffMemberIds``, event ``resources[].id``, booking slots).
A new staff member works the site's business hours (the business schedule, shared); assigning
its own events schedule gives it custom hours.

For other slices (each takes the caller's ``SiteScope`` / ``UnitOfWork`` and never opens a
transaction):

``resources_by_ids(scope, ids) -> dict[str, dict]``
    Resource V2 wire dicts by id (unknown ids are left out): ``id``, ``name``, ``typeId``
    (absent when untyped; :data:`STAFF_RESOURCE_TYPE_ID` for staff),
    ``workingHoursSchedules.values[0].scheduleId`` / ``.shared`` (``values`` empty: none),
    ``eventsSchedule.scheduleId``, ``locationOptions``, ``revision``, dates.

``staff_by_resource_ids(scope, resource_ids) -> dict[str, dict]``
    Staff member wire dicts keyed by their *resource* id (unknown ids are left out). They
    include ``email``/``phone``: drop them before showing them to visitors.

``working_hours_schedule_ids(scope, resource_ids) -> dict[str, str | None]``
    Each known resource's working-hours schedule: the business schedule or the staff member's
    own schedule for staff; ``None`` means the resource has none (available 24/7).

Importing this module registers :func:`event_resource_details` with the calendar, which uses
it to fill the read-only ``resources[].name``/``type`` of events.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from bookings.platform import errors, query
from bookings.platform.bulk import BulkResults
from bookings.platform.db import (
    Database,
    SiteScope,
    UnitOfWork,
    one_of,
    one_of_param,
    site_select,
    utcnow,
)
from bookings.platform.query import ArrayStorage, FieldSpec, Kind, QuerySpec
from bookings.platform.signing import Signer
from bookings.platform.wire import format_timestamp, new_id
from bookings.staff import calendar_port, rules
from bookings.staff.models import resource_business_locations, resources, staff_members
from bookings.staff.rules import STAFF_RESOURCE_TYPE_ID
from bookings.staff.schemas import RequestedField

__all__ = [
    "STAFF_RESOURCE_TYPE_ID",
    "resources_by_ids",
    "staff_by_resource_ids",
    "working_hours_schedule_ids",
]

RESOURCE_DETAILS = RequestedField.RESOURCE_DETAILS.value

# ---------------------------------------------------------------- query whitelists

_TEXT = (query.EQ, query.NE, query.IN, query.NIN, query.EXISTS)
_LOCATIONS = (query.HAS_SOME, query.HAS_ALL)
_SINGLE = "singleResource."


def _timestamps(table: sa.Table) -> list[FieldSpec]:
    return [
        FieldSpec(name, table.c[column], Kind.TIMESTAMP, sortable=True, nullable=False)
        for name, column in (("createdDate", "created_date"), ("updatedDate", "updated_date"))
    ]


def _locations_array(site: sa.ColumnElement[Any], resource: sa.ColumnElement[Any]) -> ArrayStorage:
    return ArrayStorage(resource_business_locations, {"site_id": site, "resource_id": resource})


_ALL_LOCATIONS = "locationOptions.availableInAllLocations"
_IN_BUSINESS = "locationOptions.specificLocationOptions.availableInBusinessLocations"
_LOCATION_IDS = "locationOptions.specificLocationOptions.businessLocations.locationId"

RESOURCE_QUERY_SPEC = QuerySpec(
    fields=[
        FieldSpec("id", resources.c.id, sortable=True, nullable=False),
        FieldSpec("name", resources.c.name, sortable=True, nullable=False),
        FieldSpec("typeId", resources.c.type_id, sortable=True),
        FieldSpec(
            "eventsSchedule.scheduleId",
            resources.c.events_schedule_id,
            sortable=True,
            nullable=False,
        ),
        FieldSpec(
            _ALL_LOCATIONS,
            resources.c.available_in_all_locations,
            Kind.BOOL,
            aliases=(_SINGLE + _ALL_LOCATIONS,),
            sortable=True,
        ),
        FieldSpec(
            _IN_BUSINESS,
            resources.c.available_in_business_locations,
            Kind.BOOL,
            aliases=(_SINGLE + _IN_BUSINESS,),
            sortable=True,
        ),
        FieldSpec(
            _LOCATION_IDS,
            array=_locations_array(resources.c.site_id, resources.c.id),
            aliases=(_SINGLE + _LOCATION_IDS,),
        ),
        *_timestamps(resources),
    ],
    tiebreaker=resources.c.id,
    default_limit=50,
    max_limit=100,
    offset_paging=False,
)


def _staff_spec(default_limit: int, *, private: bool) -> QuerySpec:
    """Staff query whitelist; ``email``/``phone`` are filterable by backend callers only."""
    fields = [
        FieldSpec("id", staff_members.c.id, sortable=True, nullable=False),
        FieldSpec(
            "name",
            staff_members.c.name,
            operators=(*_TEXT, query.STARTS_WITH),
            sortable=True,
            nullable=False,
        ),
        FieldSpec("description", staff_members.c.description, sortable=True),
        FieldSpec(
            "resourceId",
            staff_members.c.resource_id,
            aliases=("resource.id",),
            sortable=True,
            nullable=False,
        ),
        FieldSpec(
            "serviceProvider",
            staff_members.c.service_provider,
            Kind.BOOL,
            sortable=True,
            nullable=False,
        ),
        FieldSpec(
            "associatedWixIdentity.identificationData.wixUserId",
            staff_members.c.wix_user_id,
            sortable=True,
        ),
        FieldSpec(
            "associatedWixIdentity.identificationData.contactId",
            staff_members.c.contact_id,
            sortable=True,
        ),
        FieldSpec(
            "resource." + _LOCATION_IDS,
            array=_locations_array(staff_members.c.site_id, staff_members.c.resource_id),
            operators=_LOCATIONS,
        ),
        *_timestamps(staff_members),
    ]
    if private:
        fields += [
            FieldSpec("email", staff_members.c.email, operators=_TEXT),
            FieldSpec("phone", staff_members.c.phone, operators=_TEXT),
        ]
    return QuerySpec(
        fields=fields,
        tiebreaker=staff_members.c.id,
        default_limit=default_limit,
        max_limit=100,
        offset_paging=False,
    )


#: (V2 API, backend caller) -> whitelist. V1 Query defaults to 50 items, V2 to 100.
STAFF_QUERY_SPECS = {
    (v2, private): _staff_spec(100 if v2 else 50, private=private)
    for v2 in (False, True)
    for private in (False, True)
}


# ---------------------------------------------------------------- wire documents


def _dates(row: sa.Row[Any]) -> dict[str, str]:
    return {
        "revision": str(row.revision),
        "createdDate": format_timestamp(row.created_date),
        "updatedDate": format_timestamp(row.updated_date),
    }


def _resource_doc(row: sa.Row[Any]) -> dict[str, Any]:
    """The writable part of a stored resource, in wire form."""
    values = []
    if row.working_hours_schedule_id:
        values.append(
            {"scheduleId": row.working_hours_schedule_id, "shared": bool(row.working_hours_shared)}
        )
    doc: dict[str, Any] = {"name": row.name}
    if row.type_id:
        doc["typeId"] = row.type_id
    doc["workingHoursSchedules"] = {"values": values}
    stored = row.doc or {}
    doc["locationOptions"] = copy.deepcopy(
        stored.get("locationOptions") or {"availableInAllLocations": True}
    )
    if stored.get("extendedFields") is not None:
        doc["extendedFields"] = copy.deepcopy(stored["extendedFields"])
    return doc


def resource_wire(row: sa.Row[Any]) -> dict[str, Any]:
    return {
        "id": row.id,
        **_dates(row),
        **_resource_doc(row),
        "eventsSchedule": {"scheduleId": row.events_schedule_id},
    }


def _staff_doc(row: sa.Row[Any]) -> dict[str, Any]:
    """The writable part of a stored staff member, in wire form."""
    doc: dict[str, Any] = {"name": row.name}
    for key, value in (
        ("email", row.email),
        ("phone", row.phone),
        ("description", row.description),
    ):
        if value is not None:
            doc[key] = value
    for key, value in (row.doc or {}).items():
        if value is not None:
            doc[key] = copy.deepcopy(value)
    return doc


def _staff_resource(row: sa.Row[Any], resource: sa.Row[Any]) -> dict[str, Any]:
    """``staffMember.resource`` (``fields=RESOURCE_DETAILS``): note its own shape."""
    schedules = []
    if resource.working_hours_schedule_id:
        schedules.append(
            {
                "id": resource.working_hours_schedule_id,
                "shared": bool(resource.working_hours_shared),
            }
        )
    return {
        "id": resource.id,
        "workingHoursSchedules": schedules,
        "eventsSchedule": {"id": resource.events_schedule_id},
        "usesDefaultWorkingHours": bool(row.uses_default_working_hours),
        "revision": str(resource.revision),
    }


def staff_wire(
    row: sa.Row[Any],
    resource: sa.Row[Any] | None = None,
    fields: Sequence[str] = (),
    *,
    private: bool = True,
) -> dict[str, Any]:
    """A staff member on the wire; ``private=False`` hides ``email`` and ``phone``."""
    doc = _staff_doc(row)
    if not private:
        doc.pop("email", None)
        doc.pop("phone", None)
    out: dict[str, Any] = {"id": row.id, **doc, "resourceId": row.resource_id}
    if RESOURCE_DETAILS in fields and resource is not None:
        out["resource"] = _staff_resource(row, resource)
    out.update(_dates(row))
    out["serviceProvider"] = bool(row.service_provider)
    return out


# ---------------------------------------------------------------- reading


#: Statements of every appointment create, built once per shape (see ``platform/db.py``).
_RESOURCES = {
    single: site_select(resources).where(one_of_param(resources.c.id, "ids", single))
    for single in (True, False)
}
_STAFF_BY_RESOURCE = {
    single: site_select(staff_members).where(
        one_of_param(staff_members.c.resource_id, "ids", single)
    )
    for single in (True, False)
}


def _ids(wanted: list[str]) -> dict[str, Any]:
    return {"ids": wanted[0] if len(wanted) == 1 else wanted}


async def _resource_rows(scope: SiteScope, ids: Iterable[str]) -> dict[str, sa.Row[Any]]:
    wanted = rules.dedupe(ids)
    if not wanted:
        return {}
    rows = (await scope.run(_RESOURCES[len(wanted) == 1], **_ids(wanted))).all()
    return {r.id: r for r in rows}


async def _staff_to_wire(
    scope: SiteScope, rows: Sequence[sa.Row[Any]], fields: Sequence[str], private: bool
) -> list[dict[str, Any]]:
    linked: dict[str, sa.Row[Any]] = {}
    if RESOURCE_DETAILS in fields:
        linked = await _resource_rows(scope, (r.resource_id for r in rows))
    return [staff_wire(r, linked.get(r.resource_id), fields, private=private) for r in rows]


def _staff_not_found(staff_member_id: str) -> errors.ApplicationError:
    return errors.not_found(
        "STAFF_MEMBER_NOT_FOUND",
        f"Staff member {staff_member_id} not found",
        staffMemberId=staff_member_id,
    )


def _resource_not_found(resource_id: str) -> errors.ApplicationError:
    return errors.not_found(
        "RESOURCE_NOT_FOUND", f"Resource {resource_id} not found", resourceId=resource_id
    )


async def _staff_row(scope: SiteScope, staff_member_id: str, *, lock: bool = False) -> sa.Row[Any]:
    stmt = scope.select(staff_members).where(staff_members.c.id == staff_member_id)
    row = await scope.one_or_none(stmt.with_for_update() if lock else stmt)
    if row is None:
        raise _staff_not_found(staff_member_id)
    return row


async def _resource_row(scope: SiteScope, resource_id: str, *, lock: bool = False) -> sa.Row[Any]:
    stmt = scope.select(resources).where(resources.c.id == resource_id)
    row = await scope.one_or_none(stmt.with_for_update() if lock else stmt)
    if row is None:
        raise _resource_not_found(resource_id)
    return row


async def _load_staff(
    scope: SiteScope, staff_member_id: str, fields: Sequence[str], private: bool = True
) -> dict[str, Any]:
    row = await _staff_row(scope, staff_member_id)
    return (await _staff_to_wire(scope, [row], fields, private))[0]


async def resources_by_ids(scope: SiteScope, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Resource V2 wire dicts by id (for other slices, inside their unit of work)."""
    return {rid: resource_wire(row) for rid, row in (await _resource_rows(scope, ids)).items()}


async def staff_by_resource_ids(
    scope: SiteScope, resource_ids: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """Staff member wire dicts keyed by resource id (for other slices)."""
    wanted = rules.dedupe(resource_ids)
    if not wanted:
        return {}
    rows = (await scope.run(_STAFF_BY_RESOURCE[len(wanted) == 1], **_ids(wanted))).all()
    return {r.resource_id: staff_wire(r) for r in rows}


async def working_hours_schedule_ids(
    scope: SiteScope, resource_ids: Iterable[str]
) -> dict[str, str | None]:
    """Each known resource's working-hours schedule id (``None``: available 24/7)."""
    wanted = rules.dedupe(resource_ids)
    if not wanted:
        return {}
    rows = await scope.all(
        scope.select(resources, resources.c.id, resources.c.working_hours_schedule_id).where(
            one_of(resources.c.id, wanted)
        )
    )
    return {r.id: r.working_hours_schedule_id for r in rows}


async def event_resource_details(
    scope: SiteScope, resource_ids: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """``{id: {"name", "type"}}`` for the read-only ``resources[]`` fields of calendar events
    (``type`` is the resource type id; absent for untyped resources)."""
    rows = await _resource_rows(scope, resource_ids)
    return {rid: {"name": row.name, "type": row.type_id} for rid, row in rows.items()}


# ---------------------------------------------------------------- resources: writing


def _resource_columns(doc: dict[str, Any]) -> dict[str, Any]:
    values = rules.working_hours_values(doc)
    hours = values[0] if values else {}
    options = doc["locationOptions"]
    specific = options.get("specificLocationOptions") or {}
    stored = {k: doc[k] for k in ("locationOptions", "extendedFields") if doc.get(k) is not None}
    return {
        "name": doc["name"],
        "type_id": doc.get("typeId"),
        "working_hours_schedule_id": hours.get("scheduleId"),
        "working_hours_shared": hours.get("shared") if hours else None,
        "available_in_all_locations": options.get("availableInAllLocations"),
        "available_in_business_locations": specific.get("availableInBusinessLocations"),
        "doc": stored,
    }


async def _write_locations(uow: UnitOfWork, resource_id: str, doc: dict[str, Any]) -> None:
    table = resource_business_locations
    await uow.conn.execute(uow.delete(table).where(table.c.resource_id == resource_id))
    await uow.insert(
        table,
        *(
            {"resource_id": resource_id, "position": i, "value": value}
            for i, value in enumerate(rules.business_locations(doc))
        ),
    )


async def _check_working_hours(
    scope: SiteScope, doc: dict[str, Any], prefix: str, unchanged: str | None = None
) -> None:
    """The working-hours schedule exists and is active; ``shared`` derived when not given."""
    for i, value in enumerate(rules.working_hours_values(doc)):
        schedule_id = value["scheduleId"]
        if schedule_id == unchanged:
            continue
        schedule = await calendar_port.get_schedule(scope, schedule_id)
        if not calendar_port.is_active(schedule):
            raise errors.invalid_field(
                f"{prefix}.workingHoursSchedules.values[{i}].scheduleId",
                f"schedule {schedule_id} does not exist or is cancelled",
                errors.OTHER,
            )
        if value.get("shared") is None:
            value["shared"] = calendar_port.is_business_schedule(schedule)


def _prepare_resource(data: dict[str, Any], prefix: str, *, bulk: bool) -> dict[str, Any]:
    doc = rules.writable(data, rules.RESOURCE_WRITABLE)
    if doc.get("typeId") == STAFF_RESOURCE_TYPE_ID:
        raise rules.staff_type_violation(prefix)
    rules.default_location_options(doc)
    rules.raise_if(rules.resource_violations(doc, prefix, creating=True, bulk=bulk))
    return doc


async def _insert_resource(
    uow: UnitOfWork, doc: dict[str, Any], resource_id: str | None = None
) -> str:
    resource_id = resource_id or new_id()
    events = await calendar_port.create_events_schedule(
        uow, external_id=resource_id, name=doc["name"]
    )
    now = utcnow()
    await uow.insert(
        resources,
        {
            "id": resource_id,
            **_resource_columns(doc),
            "events_schedule_id": events,
            "revision": 1,
            "created_date": now,
            "updated_date": now,
        },
    )
    await _write_locations(uow, resource_id, doc)
    return resource_id


async def create_resource(
    db: Database, site_id: str, data: dict[str, Any], *, bulk: bool = False
) -> dict[str, Any]:
    doc = _prepare_resource(data, "resource", bulk=bulk)
    async with db.write(site_id) as uow:
        await _check_working_hours(uow, doc, "resource")
        resource_id = await _insert_resource(uow, doc)
        return resource_wire(await _resource_row(uow, resource_id))


async def bulk_create_resources(
    db: Database, site_id: str, items: Sequence[dict[str, Any]], return_entity: bool
) -> dict[str, Any]:
    results = BulkResults(return_entity)
    for index, data in enumerate(items):
        try:
            created = await create_resource(db, site_id, data, bulk=True)
        except errors.ApiError as exc:
            results.failed(index, None, exc)
        else:
            results.ok(index, created["id"], created)
    return results.to_wire()


async def get_resource(db: Database, site_id: str, resource_id: str) -> dict[str, Any]:
    async with db.read(site_id) as scope:
        return resource_wire(await _resource_row(scope, resource_id))


async def _owning_staff_member(scope: SiteScope, resource_id: str) -> str | None:
    owner = await scope.scalar(
        scope.select(staff_members, staff_members.c.id).where(
            staff_members.c.resource_id == resource_id
        )
    )
    return None if owner is None else str(owner)


async def _refuse_staff_resource(scope: SiteScope, row: sa.Row[Any]) -> None:
    owner = await _owning_staff_member(scope, row.id)
    if owner is not None or row.type_id == STAFF_RESOURCE_TYPE_ID:
        raise errors.failed_precondition(
            "RESOURCE_MANAGED_BY_STAFF_MEMBER",
            f"Resource {row.id} belongs to a staff member: change it through the Staff Members "
            "API (/bookings/v1/staff-members)",
            resourceId=row.id,
            staffMemberId=owner,
        )


def _require_update_ids(data: dict[str, Any], entity: str) -> tuple[str, int]:
    entity_id = data.get("id")
    if not entity_id:
        raise errors.invalid_field(f"{entity}.id", "is required", errors.REQUIRED_FIELD)
    if data.get("revision") is None:
        raise errors.revision_required(f"{entity}.revision")
    return str(entity_id), int(data["revision"])


async def update_resource(
    db: Database, site_id: str, data: dict[str, Any], mask: Sequence[str] | None = None
) -> dict[str, Any]:
    resource_id, revision = _require_update_ids(data, "resource")
    patch = rules.writable(data, rules.RESOURCE_WRITABLE)
    if patch.get("typeId") == STAFF_RESOURCE_TYPE_ID:
        raise rules.staff_type_violation()
    async with db.write(site_id) as uow:
        row = await _resource_row(uow, resource_id, lock=True)
        await _refuse_staff_resource(uow, row)
        if revision != row.revision:
            raise errors.revision_mismatch("Resource", resource_id, revision, row.revision)
        merged = rules.merge(
            _resource_doc(row),
            patch,
            mask,
            allowed=rules.RESOURCE_WRITABLE,
            read_only=rules.RESOURCE_READ_ONLY,
        )
        if row.type_id and merged.get("typeId") != row.type_id:
            raise rules.type_change_violation()
        rules.default_location_options(merged)
        rules.raise_if(rules.resource_violations(merged, creating=False))
        await _check_working_hours(uow, merged, "resource", row.working_hours_schedule_id)
        await uow.conn.execute(
            uow.update(resources)
            .where(resources.c.id == resource_id)
            .values(**_resource_columns(merged), revision=row.revision + 1, updated_date=utcnow())
        )
        await _write_locations(uow, resource_id, merged)
        if merged["name"] != row.name:
            await calendar_port.rename_schedule(uow, row.events_schedule_id, merged["name"])
        return resource_wire(await _resource_row(uow, resource_id))


async def bulk_update_resources(
    db: Database,
    site_id: str,
    items: Sequence[tuple[dict[str, Any] | None, Sequence[str] | None]],
    return_entity: bool,
) -> dict[str, Any]:
    results = BulkResults(return_entity)
    for index, (data, mask) in enumerate(items):
        item_id = (data or {}).get("id")
        try:
            if data is None:
                raise errors.invalid_field("resource", "is required", errors.REQUIRED_FIELD)
            updated = await update_resource(db, site_id, data, mask)
        except errors.ApiError as exc:
            results.failed(index, item_id, exc)
        else:
            results.ok(index, updated["id"], updated)
    return results.to_wire()


async def _cancel_resource_schedules(uow: UnitOfWork, row: sa.Row[Any]) -> None:
    """Cancel the events schedule, and the working-hours schedule unless it is shared, the
    business schedule, or still used by another resource (as working hours or events)."""
    await calendar_port.cancel_schedule(uow, row.events_schedule_id)
    hours = row.working_hours_schedule_id
    if not hours or hours == row.events_schedule_id or row.working_hours_shared:
        return
    others = await uow.scalar(
        uow.select(resources, sa.func.count())
        .where(
            sa.or_(
                resources.c.working_hours_schedule_id == hours,
                resources.c.events_schedule_id == hours,
            )
        )
        .where(resources.c.id != row.id)
    )
    if others:
        return
    if not calendar_port.is_business_schedule(await calendar_port.get_schedule(uow, hours)):
        await calendar_port.cancel_schedule(uow, hours)


async def _delete_resource_row(uow: UnitOfWork, row: sa.Row[Any]) -> None:
    table = resource_business_locations
    await uow.conn.execute(uow.delete(table).where(table.c.resource_id == row.id))
    await uow.conn.execute(uow.delete(resources).where(resources.c.id == row.id))
    await _cancel_resource_schedules(uow, row)


async def delete_resource(db: Database, site_id: str, resource_id: str) -> None:
    async with db.write(site_id) as uow:
        row = await _resource_row(uow, resource_id, lock=True)
        await _refuse_staff_resource(uow, row)
        await _delete_resource_row(uow, row)


async def bulk_delete_resources(db: Database, site_id: str, ids: Sequence[str]) -> dict[str, Any]:
    results = BulkResults(False)
    for index, resource_id in enumerate(ids):
        try:
            await delete_resource(db, site_id, resource_id)
        except errors.ApiError as exc:
            results.failed(index, resource_id, exc)
        else:
            results.ok(index, resource_id)
    return results.to_wire()


async def query_resources(
    db: Database, signer: Signer, site_id: str, q: dict[str, Any] | None
) -> dict[str, Any]:
    async with db.read(site_id) as scope:
        page = await query.run_query(
            scope,
            RESOURCE_QUERY_SPEC,
            scope.select(resources),
            q or {},
            signer=signer,
            scope_key=f"{site_id}:resources",
        )
        return {
            "resources": [resource_wire(r) for r in page.rows],
            "pagingMetadata": page.paging_metadata,
        }


async def count_resources(db: Database, site_id: str, filter_: dict[str, Any] | None) -> int:
    async with db.read(site_id) as scope:
        return await query.count(scope, RESOURCE_QUERY_SPEC, scope.select(resources), filter_ or {})


# ---------------------------------------------------------------- staff members: writing


def _staff_columns(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": doc["name"],
        "email": doc.get("email"),
        "phone": doc.get("phone"),
        "description": doc.get("description"),
        "doc": {
            k: doc[k] for k in ("mainMedia", "extendedFields", "tags") if doc.get(k) is not None
        },
    }


async def create_staff_member(
    db: Database,
    site_id: str,
    data: dict[str, Any],
    *,
    service_provider: bool | None = None,
    fields: Sequence[str] = (),
) -> dict[str, Any]:
    """A staff member, its staff-type resource and events schedule; business hours."""
    doc = rules.writable(data, rules.STAFF_WRITABLE)
    rules.raise_if(rules.staff_violations(doc, name_required=True))
    async with db.write(site_id) as uow:
        business = await calendar_port.business_schedule_id(uow)
        resource = {
            "name": doc["name"],
            "typeId": STAFF_RESOURCE_TYPE_ID,
            "workingHoursSchedules": {"values": [{"scheduleId": business, "shared": True}]},
            "locationOptions": {"availableInAllLocations": True},
        }
        resource_id = await _insert_resource(uow, resource)
        staff_member_id = new_id()
        now = utcnow()
        await uow.insert(
            staff_members,
            {
                "id": staff_member_id,
                "resource_id": resource_id,
                **_staff_columns(doc),
                "service_provider": True if service_provider is None else service_provider,
                "uses_default_working_hours": True,
                "wix_user_id": None,
                "contact_id": None,
                "revision": 1,
                "created_date": now,
                "updated_date": now,
            },
        )
        return await _load_staff(uow, staff_member_id, fields)


async def get_staff_member(
    db: Database,
    site_id: str,
    staff_member_id: str,
    fields: Sequence[str] = (),
    *,
    private: bool = True,
) -> dict[str, Any]:
    async with db.read(site_id) as scope:
        return await _load_staff(scope, staff_member_id, fields, private)


async def _touch_resource(uow: UnitOfWork, resource_id: str, **values: Any) -> None:
    await uow.conn.execute(
        uow.update(resources)
        .where(resources.c.id == resource_id)
        .values(**values, revision=resources.c.revision + 1, updated_date=utcnow())
    )


async def update_staff_member(
    db: Database,
    site_id: str,
    data: dict[str, Any],
    mask: Sequence[str] | None = None,
    fields: Sequence[str] = (),
) -> dict[str, Any]:
    staff_member_id, revision = _require_update_ids(data, "staffMember")
    patch = rules.writable(data, rules.STAFF_WRITABLE)
    rules.raise_if(rules.staff_violations(patch, name_required=False))
    async with db.write(site_id) as uow:
        row = await _staff_row(uow, staff_member_id, lock=True)
        if revision != row.revision:
            raise errors.revision_mismatch("Staff member", staff_member_id, revision, row.revision)
        merged = rules.merge(
            _staff_doc(row),
            patch,
            mask,
            allowed=rules.STAFF_WRITABLE,
            read_only=rules.STAFF_READ_ONLY,
        )
        rules.raise_if(rules.staff_violations(merged, name_required=True))
        await uow.conn.execute(
            uow.update(staff_members)
            .where(staff_members.c.id == staff_member_id)
            .values(**_staff_columns(merged), revision=row.revision + 1, updated_date=utcnow())
        )
        if merged["name"] != row.name:
            await _touch_resource(uow, row.resource_id, name=merged["name"])
            resource = await _resource_row(uow, row.resource_id)
            await calendar_port.rename_schedule(uow, resource.events_schedule_id, merged["name"])
        return await _load_staff(uow, staff_member_id, fields)


async def delete_staff_member(db: Database, site_id: str, staff_member_id: str) -> None:
    """Delete the staff member, its resource, and cancel its own schedules."""
    async with db.write(site_id) as uow:
        row = await _staff_row(uow, staff_member_id, lock=True)
        resource = await _resource_row(uow, row.resource_id, lock=True)
        await uow.conn.execute(uow.delete(staff_members).where(staff_members.c.id == row.id))
        await _delete_resource_row(uow, resource)


async def query_staff_members(
    db: Database,
    signer: Signer,
    site_id: str,
    q: dict[str, Any] | None,
    fields: Sequence[str] = (),
    *,
    private: bool,
    v2: bool,
) -> dict[str, Any]:
    """V1 returns service providers only unless the filter names ``serviceProvider``."""
    spec = STAFF_QUERY_SPECS[(v2, private)]
    q = dict(q or {})
    paging = q.get("cursorPaging")
    if not v2 and not (isinstance(paging, dict) and paging.get("cursor")):
        query.compile_filter(spec, q.get("filter"), "query.filter")  # errors at their own path
        q["filter"] = rules.only_service_providers(q.get("filter"))
    async with db.read(site_id) as scope:
        page = await query.run_query(
            scope,
            spec,
            scope.select(staff_members),
            q,
            signer=signer,
            scope_key=f"{site_id}:staff-members:{'v2' if v2 else 'v1'}",
        )
        return {
            "staffMembers": await _staff_to_wire(scope, page.rows, fields, private),
            "pagingMetadata": page.paging_metadata,
        }


async def count_staff_members(
    db: Database, site_id: str, filter_: dict[str, Any] | None, *, private: bool, v2: bool
) -> int:
    spec = STAFF_QUERY_SPECS[(v2, private)]
    if not v2:
        query.compile_filter(spec, filter_, "filter")
        filter_ = rules.only_service_providers(filter_)
    async with db.read(site_id) as scope:
        return await query.count(scope, spec, scope.select(staff_members), filter_ or {})


async def assign_working_hours_schedule(
    db: Database,
    site_id: str,
    staff_member_id: str,
    schedule_id: str,
    fields: Sequence[str] = (),
) -> dict[str, Any]:
    """Custom hours (the staff member's events schedule) or the business hours (reset)."""
    async with db.write(site_id) as uow:
        row = await _staff_row(uow, staff_member_id, lock=True)
        resource = await _resource_row(uow, row.resource_id, lock=True)
        business = await calendar_port.business_schedule_id(uow)
        decided = rules.assignment(
            schedule_id,
            events_schedule_id=resource.events_schedule_id,
            business_schedule_id=business,
        )
        if decided is None:
            raise errors.invalid_field(
                "scheduleId",
                f"must be the staff member's events schedule id "
                f"({resource.events_schedule_id}, custom working hours) or the business "
                f"schedule id ({business}, the default working hours)",
                errors.OTHER,
            )
        shared, uses_default = decided
        if (
            resource.working_hours_schedule_id != schedule_id
            or bool(resource.working_hours_shared) != shared
        ):
            await _touch_resource(
                uow,
                resource.id,
                working_hours_schedule_id=schedule_id,
                working_hours_shared=shared,
            )
        if bool(row.uses_default_working_hours) != uses_default:
            await uow.conn.execute(
                uow.update(staff_members)
                .where(staff_members.c.id == row.id)
                .values(uses_default_working_hours=uses_default)
            )
        return await _load_staff(uow, staff_member_id, fields)


async def set_service_provider(
    db: Database,
    site_id: str,
    staff_member_id: str,
    service_provider: bool,
    fields: Sequence[str] = (),
) -> dict[str, Any]:
    async with db.write(site_id) as uow:
        row = await _staff_row(uow, staff_member_id, lock=True)
        if bool(row.service_provider) != service_provider:
            await uow.conn.execute(
                uow.update(staff_members)
                .where(staff_members.c.id == row.id)
                .values(
                    service_provider=service_provider,
                    revision=row.revision + 1,
                    updated_date=utcnow(),
                )
            )
        return await _load_staff(uow, staff_member_id, fields)


# ---------------------------------------------------------------- row locks (bookings slice)


async def lock_resources(uow: UnitOfWork, resource_ids: Iterable[str]) -> None:
    """Lock resource rows in sorted id order (SQLite: the write transaction is exclusive
    already): the bookings slice serializes an appointment's staff time on them."""
    await uow.lock(resources, resource_ids)
