"""Use-cases of Resources V2, the resource lookups other slices use, and resource row locks.

Every resource owns an *events schedule* (a calendar schedule whose ``externalId`` is the
resource id) and may name one *working-hours schedule*. Resources of the staff type
(:data:`STAFF_RESOURCE_TYPE_ID`) belong to staff members and are changed only through
:mod:`.members`, which builds on :func:`resource_row`, :func:`resource_rows`,
:func:`insert_resource` and :func:`delete_resource_row` here.

Other slices reach these functions through :mod:`bookings.staff.service`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from bookings.platform import errors, events, query
from bookings.platform.bulk import bulk_each
from bookings.platform.db import (
    Database,
    SiteScope,
    UnitOfWork,
    one_of,
    one_of_param,
    site_select,
    utcnow,
)
from bookings.platform.query import FieldSpec, Kind, QuerySpec
from bookings.platform.signing import Signer
from bookings.platform.wire import new_id
from bookings.staff import calendar_port, rules
from bookings.staff._shared import (
    LOCATION_IDS,
    dates,
    ids_param,
    locations_array,
    require_update_ids,
    timestamp_fields,
)
from bookings.staff.models import resource_business_locations, resources, staff_members
from bookings.staff.rules import STAFF_RESOURCE_TYPE_ID

# ---------------------------------------------------------------- query whitelist

_SINGLE = "singleResource."
_ALL_LOCATIONS = "locationOptions.availableInAllLocations"
_IN_BUSINESS = "locationOptions.specificLocationOptions.availableInBusinessLocations"

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
            LOCATION_IDS,
            array=locations_array(resources.c.site_id, resources.c.id),
            aliases=(_SINGLE + LOCATION_IDS,),
        ),
        *timestamp_fields(resources),
    ],
    tiebreaker=resources.c.id,
    default_limit=50,
    max_limit=100,
    offset_paging=False,
)


# ---------------------------------------------------------------- wire document


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
        **dates(row),
        **_resource_doc(row),
        "eventsSchedule": {"scheduleId": row.events_schedule_id},
    }


# ---------------------------------------------------------------- reading


#: Statements of every appointment create, built once per shape (see ``platform/db.py``).
_RESOURCES = {
    single: site_select(resources).where(one_of_param(resources.c.id, "ids", single))
    for single in (True, False)
}


async def resource_rows(scope: SiteScope, ids: Iterable[str]) -> dict[str, sa.Row[Any]]:
    wanted = rules.dedupe(ids)
    if not wanted:
        return {}
    rows = (await scope.run(_RESOURCES[len(wanted) == 1], **ids_param(wanted))).all()
    return {r.id: r for r in rows}


def _resource_not_found(resource_id: str) -> errors.ApplicationError:
    return errors.not_found(
        "RESOURCE_NOT_FOUND", f"Resource {resource_id} not found", resourceId=resource_id
    )


async def resource_row(scope: SiteScope, resource_id: str, *, lock: bool = False) -> sa.Row[Any]:
    stmt = scope.select(resources).where(resources.c.id == resource_id)
    row = await scope.one_or_none(stmt.with_for_update() if lock else stmt)
    if row is None:
        raise _resource_not_found(resource_id)
    return row


async def resources_by_ids(
    scope: SiteScope, ids: Iterable[str], *, cached: bool = False
) -> dict[str, dict[str, Any]]:
    """Resource V2 wire dicts by id (for other slices, inside their unit of work).
    ``cached``: this process's current copies where it has them (:meth:`SiteScope.cached`),
    for a request that changed nothing yet (the plan of a create)."""

    async def read(wanted: Iterable[str]) -> dict[str, dict[str, Any]]:
        return {
            rid: resource_wire(row) for rid, row in (await resource_rows(scope, wanted)).items()
        }

    if not cached:
        return await read(ids)
    kept = await scope.through_cache("resource", rules.dedupe(ids), read)
    return {rid: dict(wire) for rid, wire in kept.items()}


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
    rows = await resource_rows(scope, resource_ids)
    return {rid: {"name": row.name, "type": row.type_id} for rid, row in rows.items()}


# ---------------------------------------------------------------- writing


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


#: The resources' domain events (the outbox, :mod:`bookings.platform.events`).
RESOURCE_FQDN = "wix.bookings.resources.v2.resource"


async def record_resource(
    uow: UnitOfWork, kind: events.EventKind, resource_id: str, row: sa.Row[Any] | None = None
) -> dict[str, Any]:
    """Record a resource's domain event; its wire form (Get Resource) is read back unless
    ``row`` (a deleted one's last state) is given. Returns that wire form."""
    wire = resource_wire(row if row is not None else await resource_row(uow, resource_id))
    await events.record_many(uow, RESOURCE_FQDN, [(resource_id, kind, wire)])
    return wire


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


async def insert_resource(
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
    await record_resource(uow, "created", resource_id)
    return resource_id


async def create_resource(
    db: Database, site_id: str, data: dict[str, Any], *, bulk: bool = False
) -> dict[str, Any]:
    doc = _prepare_resource(data, "resource", bulk=bulk)
    async with db.write(site_id) as uow:
        await _check_working_hours(uow, doc, "resource")
        resource_id = await insert_resource(uow, doc)
        return resource_wire(await resource_row(uow, resource_id))


async def bulk_create_resources(
    db: Database, site_id: str, items: Sequence[dict[str, Any]], return_entity: bool
) -> dict[str, Any]:
    async def create(_index: int, data: dict[str, Any]) -> dict[str, Any]:
        return await create_resource(db, site_id, data, bulk=True)

    return await bulk_each(items, create, return_entity=return_entity)


async def get_resource(db: Database, site_id: str, resource_id: str) -> dict[str, Any]:
    async with db.read(site_id) as scope:
        return resource_wire(await resource_row(scope, resource_id))


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


async def update_resource(
    db: Database, site_id: str, data: dict[str, Any], mask: Sequence[str] | None = None
) -> dict[str, Any]:
    resource_id, revision = require_update_ids(data, "resource")
    patch = rules.writable(data, rules.RESOURCE_WRITABLE)
    if patch.get("typeId") == STAFF_RESOURCE_TYPE_ID:
        raise rules.staff_type_violation()
    async with db.write(site_id) as uow:
        row = await resource_row(uow, resource_id, lock=True)
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
        return await record_resource(uow, "updated", resource_id)


async def bulk_update_resources(
    db: Database,
    site_id: str,
    items: Sequence[tuple[dict[str, Any] | None, Sequence[str] | None]],
    return_entity: bool,
) -> dict[str, Any]:
    Item = tuple[dict[str, Any] | None, Sequence[str] | None]

    async def update(_index: int, item: Item) -> dict[str, Any]:
        data, mask = item
        if data is None:
            raise errors.invalid_field("resource", "is required", errors.REQUIRED_FIELD)
        return await update_resource(db, site_id, data, mask)

    def id_of(item: Item) -> str | None:
        value = (item[0] or {}).get("id")
        return str(value) if value is not None else None

    return await bulk_each(items, update, return_entity=return_entity, item_id=id_of)


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


async def delete_resource_row(uow: UnitOfWork, row: sa.Row[Any]) -> None:
    table = resource_business_locations
    await uow.conn.execute(uow.delete(table).where(table.c.resource_id == row.id))
    await uow.conn.execute(uow.delete(resources).where(resources.c.id == row.id))
    await record_resource(uow, "deleted", row.id, row)
    await _cancel_resource_schedules(uow, row)


async def delete_resource(db: Database, site_id: str, resource_id: str) -> None:
    async with db.write(site_id) as uow:
        row = await resource_row(uow, resource_id, lock=True)
        await _refuse_staff_resource(uow, row)
        await delete_resource_row(uow, row)


async def bulk_delete_resources(db: Database, site_id: str, ids: Sequence[str]) -> dict[str, Any]:
    async def delete(_index: int, resource_id: str) -> None:
        await delete_resource(db, site_id, resource_id)

    return await bulk_each(ids, delete, item_id=str)


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


# ---------------------------------------------------------------- row locks (bookings slice)


async def lock_resources(uow: UnitOfWork, resource_ids: Iterable[str]) -> None:
    """Lock resource rows in sorted id order (SQLite: the write transaction is exclusive
    already): the bookings slice serializes an appointment's staff time on them."""
    await uow.lock(resources, resource_ids)
