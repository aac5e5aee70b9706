"""Reading services: the query whitelist, services as wire documents and typed views, Query
and Count Services, Query Policies (policies with their services)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from bookings.catalog.policies import service as policies
from bookings.catalog.services.models import (
    service_business_locations,
    service_slugs,
    service_staff,
    services,
)
from bookings.catalog.services.schemas import ConditionalField
from bookings.catalog.services.views import ServiceView as ServiceView
from bookings.catalog.services.views import service_not_found as service_not_found
from bookings.platform import events, query
from bookings.platform.db import Database, SiteScope, site_select
from bookings.platform.query import ArrayStorage, FieldSpec, Kind, QuerySpec
from bookings.platform.signing import Signer
from bookings.platform.wire import format_timestamp
from bookings.staff import service as staff

#: Fields the server owns: ignored when a client sends them.
READ_ONLY = {
    "id",
    "createdByAppId",
    "revision",
    "createdDate",
    "updatedDate",
    "mainSlug",
    "supportedSlugs",
    "urls",
    "staffMemberDetails",
    "addOnDetails",
    # Owned by the add-on group methods (add_ons.py): ignored on create, kept on update.
    "addOnGroups",
}
#: Fields an update may not change (Set Service Locations changes locations).
IMMUTABLE_ON_UPDATE = ("type", "appId", "locations")
SERVICE_TYPES = ("APPOINTMENT", "CLASS", "COURSE")


def _array(table: sa.Table) -> ArrayStorage:
    return ArrayStorage(table, {"site_id": services.c.site_id, "service_id": services.c.id})


def _bool(path: str, column: sa.ColumnElement[Any]) -> FieldSpec:
    return FieldSpec(path, column, Kind.BOOL)


_STR = (query.EQ, query.NE, query.IN, query.NIN, query.EXISTS, query.STARTS_WITH)
_TIME = (query.EQ, query.NE, query.GT, query.GTE, query.LT, query.LTE, query.EXISTS)

QUERY_SPEC = QuerySpec(
    fields=[
        FieldSpec("id", services.c.id, operators=_STR, sortable=True, nullable=False),
        FieldSpec("appId", services.c.app_id, operators=_STR),
        FieldSpec("name", services.c.name, operators=_STR, sortable=True, nullable=False),
        FieldSpec("description", services.c.description, operators=_STR),
        FieldSpec("tagLine", services.c.tag_line, operators=_STR),
        FieldSpec("form.id", services.c.form_id, operators=_STR),
        FieldSpec("category.id", services.c.category_id, operators=_STR),
        FieldSpec("mainSlug.name", services.c.main_slug, operators=_STR, nullable=False),
        FieldSpec("supportedSlugs.name", array=_array(service_slugs)),
        FieldSpec("locations.business.id", array=_array(service_business_locations)),
        FieldSpec("staffMemberIds", array=_array(service_staff)),
        FieldSpec(
            "type",
            services.c.type,
            Kind.ENUM,
            enum_values=SERVICE_TYPES,
            sortable=True,
            nullable=False,
        ),
        _bool("hidden", services.c.hidden),
        _bool("onlineBooking.enabled", services.c.online_booking_enabled),
        _bool("payment.options.online", services.c.payment_online),
        _bool("payment.options.inPerson", services.c.payment_in_person),
        _bool("payment.options.pricingPlan", services.c.payment_pricing_plan),
        FieldSpec("bookingPolicy.id", services.c.booking_policy_id, operators=_STR, nullable=False),
        FieldSpec("schedule.id", services.c.schedule_id, operators=_STR, nullable=False),
        FieldSpec(
            "schedule.firstSessionStart",
            services.c.first_session_start,
            Kind.TIMESTAMP,
            operators=_TIME,
            sortable=True,
        ),
        FieldSpec(
            "schedule.lastSessionEnd",
            services.c.last_session_end,
            Kind.TIMESTAMP,
            operators=_TIME,
            sortable=True,
        ),
        FieldSpec(
            "createdDate",
            services.c.created_date,
            Kind.TIMESTAMP,
            operators=_TIME,
            sortable=True,
            nullable=False,
        ),
        FieldSpec(
            "updatedDate",
            services.c.updated_date,
            Kind.TIMESTAMP,
            operators=_TIME,
            sortable=True,
            nullable=False,
        ),
    ],
    tiebreaker=services.c.id,
    default_sort=[("createdDate", "ASC")],
    default_limit=100,
    max_limit=100,
    default_paging="offset",
)


# ---------------------------------------------------------------- reading


async def _rows_to_wire(
    scope: SiteScope,
    rows: Sequence[sa.Row[Any]],
    fields: Sequence[str] = (),
    policy_map: dict[str, dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Full wire services: stored document + derived fields + live policy join.
    ``policy_map``: their policies, when the statement that read the rows joined them in."""
    if not rows:
        return []
    if policy_map is None:
        ids = sorted({r.booking_policy_id for r in rows})
        policy_map = await policies.get_policies(scope, ids)
    details: dict[str, dict[str, Any]] = {}
    if ConditionalField.STAFF_MEMBER_DETAILS.value in fields:
        ids = sorted({i for r in rows for i in r.doc.get("staffMemberIds", [])})
        details = await staff.staff_by_resource_ids(scope, ids)
    out = []
    for row in rows:
        svc = copy.deepcopy(row.doc)
        svc["id"] = row.id
        svc["revision"] = str(row.revision)
        svc["createdDate"] = format_timestamp(row.created_date)
        svc["updatedDate"] = format_timestamp(row.updated_date)
        policy = policy_map.get(row.booking_policy_id)
        svc["bookingPolicy"] = policy if policy is not None else {"id": row.booking_policy_id}
        schedule = svc.setdefault("schedule", {})
        schedule["id"] = row.schedule_id
        if row.first_session_start is not None:
            schedule["firstSessionStart"] = format_timestamp(row.first_session_start)
        if row.last_session_end is not None:
            schedule["lastSessionEnd"] = format_timestamp(row.last_session_end)
        if ConditionalField.STAFF_MEMBER_DETAILS.value in fields:
            svc["staffMemberDetails"] = {
                "staffMembers": [
                    _staff_detail(rid, details[rid])
                    for rid in svc.get("staffMemberIds", [])
                    if rid in details
                ]
            }
        out.append(svc)
    return out


def _staff_detail(resource_id: str, member: dict[str, Any]) -> dict[str, Any]:
    detail: dict[str, Any] = {"staffMemberId": resource_id, "name": member.get("name")}
    if member.get("mainMedia"):
        detail["mainMedia"] = member["mainMedia"]
    return detail


async def _load(scope: SiteScope, service_id: str, fields: Sequence[str] = ()) -> dict[str, Any]:
    row = await scope.one_or_none(scope.select(services).where(services.c.id == service_id))
    if row is None:
        raise service_not_found(service_id)
    return (await _rows_to_wire(scope, [row], fields))[0]


#: The services' domain events (the outbox, :mod:`bookings.platform.events`).
ENTITY_FQDN = "wix.bookings.services.v2.service"


async def _record(scope: SiteScope, kind: events.EventKind, service: dict[str, Any]) -> None:
    """Record the ``created``/``updated``/``deleted`` domain event of a service written in
    ``scope`` (a unit of work); ``service``: its wire form as Get Service returns it."""
    await events.record_many(scope, ENTITY_FQDN, [(service["id"], kind, service)])


async def _recorded(scope: SiteScope, kind: events.EventKind, service_id: str) -> dict[str, Any]:
    """The service as Get Service returns it, its domain event recorded (:func:`_record`)."""
    service = await _load(scope, service_id)
    await _record(scope, kind, service)
    return service


async def get_service(
    db: Database, site_id: str, service_id: str, fields: Sequence[str] = ()
) -> dict[str, Any]:
    async with db.read(site_id) as scope:
        return await _load(scope, service_id, fields)


#: One service by id with its policy, built once (see ``platform/db.py``): every create reads
#: both.
_SERVICE_BY_ID = policies.join_policy(
    site_select(services).where(services.c.id == sa.bindparam("service_id")),
    services,
    "booking_policy_id",
)


async def get_services(scope: SiteScope, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Services by id (for other slices, inside their unit of work), read with their
    policies in one statement."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    if len(wanted) == 1:
        rows = (await scope.run(_SERVICE_BY_ID, service_id=wanted[0])).all()
    else:
        some = scope.select(services).where(services.c.id.in_(wanted))
        rows = await scope.all(policies.join_policy(some, services, "booking_policy_id"))
    joined = {
        row.booking_policy_id: policy
        for row in rows
        if (policy := policies.joined_policy(row)) is not None
    }
    return {s["id"]: s for s in await _rows_to_wire(scope, rows, policy_map=joined)}


async def get_service_views(scope: SiteScope, ids: Sequence[str]) -> dict[str, ServiceView]:
    """:func:`get_services` as typed views (for other slices)."""
    return {sid: ServiceView(svc) for sid, svc in (await get_services(scope, ids)).items()}


async def require_service(
    scope: SiteScope, service_id: str, *, cached: bool = False
) -> ServiceView:
    """The service as a typed view; 404 ``SERVICE_NOT_FOUND`` when there is none.
    ``cached``: this process's copy when it is current (:meth:`SiteScope.cached`), for a
    request that changed nothing yet (the plan of a create)."""
    if cached:
        kept = scope.cached("service", service_id)
        if isinstance(kept, ServiceView):
            return kept
    found = await get_services(scope, [service_id])
    if service_id not in found:
        raise service_not_found(service_id)
    view = ServiceView(found[service_id])
    if cached:
        scope.keep("service", service_id, view)
    return view


async def query_services(
    db: Database,
    signer: Signer,
    site_id: str,
    q: dict[str, Any] | None,
    fields: Sequence[str] = (),
) -> dict[str, Any]:
    async with db.read(site_id) as scope:
        page = await query.run_query(
            scope,
            QUERY_SPEC,
            scope.select(services),
            q or {},
            signer=signer,
            scope_key=f"{site_id}:services",
        )
        return {
            "services": await _rows_to_wire(scope, page.rows, fields),
            "pagingMetadata": page.paging_metadata,
        }


async def count_services(db: Database, site_id: str, filter_: dict[str, Any] | None) -> int:
    async with db.read(site_id) as scope:
        return await query.count(scope, QUERY_SPEC, scope.select(services), filter_ or {})


async def query_policies(
    db: Database, signer: Signer, site_id: str, q: dict[str, Any] | None
) -> dict[str, Any]:
    """Booking policies with the services that use them (first 5) and how many do."""
    async with db.read(site_id) as scope:
        page = await policies.query_policy_page(scope, signer, q or {}, prefix="query")
        items = []
        for policy in page["bookingPolicies"]:
            rows = await scope.all(
                scope.select(services)
                .where(services.c.booking_policy_id == policy["id"])
                .order_by(services.c.created_date, services.c.id)
                .limit(5)
            )
            total = await scope.scalar(
                scope.select(services, sa.func.count()).where(
                    services.c.booking_policy_id == policy["id"]
                )
            )
            items.append(
                {
                    "bookingPolicy": policy,
                    "connectedServices": await _rows_to_wire(scope, rows),
                    "totalServiceCount": int(total or 0),
                }
            )
        return {"bookingPolicies": items, "pagingMetadata": page["pagingMetadata"]}
