"""Use-cases of Staff Members V1 (and the V2 Query/Count), plus the staff lookup other slices use.

A staff member is a row of its own plus a Resource of the staff type
(:data:`STAFF_RESOURCE_TYPE_ID`, written through :mod:`.resources`); its ``resourceId`` is the
id other APIs use (``service.staffMemberIds``, event ``resources[].id``, booking slots). A new
staff member works the site's business hours (the business schedule, shared); assigning its
own events schedule gives it custom hours.

Other slices reach these functions through :mod:`bookings.staff.service`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from bookings.platform import errors, events, query
from bookings.platform.db import Database, SiteScope, UnitOfWork, one_of_param, site_select, utcnow
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
from bookings.staff.models import resources, staff_members
from bookings.staff.resources import (
    delete_resource_row,
    insert_resource,
    record_resource,
    resource_row,
    resource_rows,
)
from bookings.staff.rules import STAFF_RESOURCE_TYPE_ID
from bookings.staff.schemas import RequestedField

RESOURCE_DETAILS = RequestedField.RESOURCE_DETAILS.value

# ---------------------------------------------------------------- query whitelists

_TEXT = (query.EQ, query.NE, query.IN, query.NIN, query.EXISTS)
_LOCATIONS = (query.HAS_SOME, query.HAS_ALL)


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
            "resource." + LOCATION_IDS,
            array=locations_array(staff_members.c.site_id, staff_members.c.resource_id),
            operators=_LOCATIONS,
        ),
        *timestamp_fields(staff_members),
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


# ---------------------------------------------------------------- wire document


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
    out.update(dates(row))
    out["serviceProvider"] = bool(row.service_provider)
    return out


# ---------------------------------------------------------------- reading


#: Statements of every appointment create, built once per shape (see ``platform/db.py``).
_STAFF_BY_RESOURCE = {
    single: site_select(staff_members).where(
        one_of_param(staff_members.c.resource_id, "ids", single)
    )
    for single in (True, False)
}


async def _staff_to_wire(
    scope: SiteScope, rows: Sequence[sa.Row[Any]], fields: Sequence[str], private: bool
) -> list[dict[str, Any]]:
    linked: dict[str, sa.Row[Any]] = {}
    if RESOURCE_DETAILS in fields:
        linked = await resource_rows(scope, (r.resource_id for r in rows))
    return [staff_wire(r, linked.get(r.resource_id), fields, private=private) for r in rows]


def _staff_not_found(staff_member_id: str) -> errors.ApplicationError:
    return errors.not_found(
        "STAFF_MEMBER_NOT_FOUND",
        f"Staff member {staff_member_id} not found",
        staffMemberId=staff_member_id,
    )


async def _staff_row(scope: SiteScope, staff_member_id: str, *, lock: bool = False) -> sa.Row[Any]:
    stmt = scope.select(staff_members).where(staff_members.c.id == staff_member_id)
    row = await scope.one_or_none(stmt.with_for_update() if lock else stmt)
    if row is None:
        raise _staff_not_found(staff_member_id)
    return row


async def _load_staff(
    scope: SiteScope, staff_member_id: str, fields: Sequence[str], private: bool = True
) -> dict[str, Any]:
    row = await _staff_row(scope, staff_member_id)
    return (await _staff_to_wire(scope, [row], fields, private))[0]


async def staff_by_resource_ids(
    scope: SiteScope, resource_ids: Iterable[str], *, cached: bool = False
) -> dict[str, dict[str, Any]]:
    """Staff member wire dicts keyed by resource id (for other slices). ``cached``: this
    process's current copies where it has them (:meth:`SiteScope.cached`), for a request
    that changed nothing yet (the plan of a create)."""

    async def read(wanted: list[str]) -> dict[str, dict[str, Any]]:
        if not wanted:
            return {}
        rows = (await scope.run(_STAFF_BY_RESOURCE[len(wanted) == 1], **ids_param(wanted))).all()
        return {r.resource_id: staff_wire(r) for r in rows}

    wanted = rules.dedupe(resource_ids)
    if not cached:
        return await read(wanted)
    kept = await scope.through_cache("staff", wanted, read)
    return {rid: dict(wire) for rid, wire in kept.items()}


async def list_staff_members(
    scope: SiteScope, staff_member_ids: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """Every staff member of the scope's site (or those of ``staff_member_ids`` that exist),
    as wire dicts (``email``/``phone`` included), by name then id (for other slices)."""
    stmt = scope.select(staff_members)
    if staff_member_ids is not None:
        if not staff_member_ids:
            return []
        stmt = stmt.where(staff_members.c.id.in_(list(staff_member_ids)))
    rows = await scope.all(stmt.order_by(staff_members.c.name, staff_members.c.id))
    return [staff_wire(r) for r in rows]


# ---------------------------------------------------------------- writing


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
        resource_id = await insert_resource(uow, resource)
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
        return await _record(uow, "created", staff_member_id, fields)


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
    await record_resource(uow, "updated", resource_id)


#: The staff members' domain events (the outbox, :mod:`bookings.platform.events`).
STAFF_FQDN = "wix.bookings.staff.v1.staff_member"


async def _record(
    uow: UnitOfWork, kind: events.EventKind, staff_member_id: str, fields: Sequence[str] = ()
) -> dict[str, Any]:
    """Record a staff member's domain event, its payload the staff member as Get Staff
    Member returns it (no extra fields); returns the staff member with ``fields``."""
    wire = await _load_staff(uow, staff_member_id, ())
    await events.record_many(uow, STAFF_FQDN, [(staff_member_id, kind, wire)])
    return wire if not fields else await _load_staff(uow, staff_member_id, fields)


async def update_staff_member(
    db: Database,
    site_id: str,
    data: dict[str, Any],
    mask: Sequence[str] | None = None,
    fields: Sequence[str] = (),
) -> dict[str, Any]:
    staff_member_id, revision = require_update_ids(data, "staffMember")
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
            resource = await resource_row(uow, row.resource_id)
            await calendar_port.rename_schedule(uow, resource.events_schedule_id, merged["name"])
        return await _record(uow, "updated", staff_member_id, fields)


async def delete_staff_member(db: Database, site_id: str, staff_member_id: str) -> None:
    """Delete the staff member, its resource, and cancel its own schedules."""
    async with db.write(site_id) as uow:
        row = await _staff_row(uow, staff_member_id, lock=True)
        resource = await resource_row(uow, row.resource_id, lock=True)
        await _record(uow, "deleted", row.id)
        await uow.conn.execute(uow.delete(staff_members).where(staff_members.c.id == row.id))
        await delete_resource_row(uow, resource)


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
        resource = await resource_row(uow, row.resource_id, lock=True)
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
            return await _record(uow, "updated", staff_member_id, fields)
        return await _load_staff(uow, staff_member_id, fields)


async def mark_service_provider(
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
            return await _record(uow, "updated", staff_member_id, fields)
        return await _load_staff(uow, staff_member_id, fields)
