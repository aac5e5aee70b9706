"""Writing services: create, update, delete (single and bulk), locations, slugs, clone."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from bookings.calendar import service as calendar
from bookings.catalog.policies import service as policies
from bookings.catalog.services import rules
from bookings.catalog.services.models import (
    service_business_locations,
    service_slugs,
    service_staff,
    services,
)
from bookings.catalog.services.queries import (
    IMMUTABLE_ON_UPDATE,
    READ_ONLY,
    _load,
    _record,
    _recorded,
)
from bookings.catalog.services.schemas import DEFAULT_FORM_ID
from bookings.catalog.services.views import ServiceView as ServiceView
from bookings.catalog.services.views import service_not_found as service_not_found
from bookings.identity.service import site_currency
from bookings.platform import errors
from bookings.platform.auth import Identity
from bookings.platform.bulk import bulk_each
from bookings.platform.constants import BOOKINGS_APP_ID
from bookings.platform.db import Database, SiteScope, UnitOfWork, utcnow
from bookings.platform.wire import format_timestamp, new_id
from bookings.staff import service as staff

# ---------------------------------------------------------------- writing


def _clean_input(data: dict[str, Any]) -> dict[str, Any]:
    """The writable part of a client's service document."""
    doc = {k: v for k, v in data.items() if k not in READ_ONLY}
    if "bookingPolicy" in doc:
        doc["bookingPolicy"] = {"id": (doc["bookingPolicy"] or {}).get("id")}
    schedule = doc.get("schedule")
    if isinstance(schedule, dict):
        constraints = schedule.get("availabilityConstraints") or {}
        constraints.pop("durations", None)
        doc["schedule"] = {"availabilityConstraints": constraints} if constraints else {}
    payment = doc.get("payment")
    if isinstance(payment, dict):
        payment.pop("pricingPlanIds", None)
    return doc


def _stamp_currency(doc: dict[str, Any], currency: str) -> None:
    """Money on a service is in the site's currency, whatever the client sent."""
    payment = doc.get("payment") or {}
    for holder in ("fixed", "varied", "subscription"):
        part = payment.get(holder)
        if not isinstance(part, dict):
            continue
        for value in part.values():
            if isinstance(value, dict) and "value" in value:
                value["currency"] = currency


def _derive(doc: dict[str, Any]) -> None:
    """Read-only fields computed from the document itself."""
    schedule = doc.setdefault("schedule", {})
    constraints = schedule.setdefault("availabilityConstraints", {})
    if doc.get("type") == "APPOINTMENT":
        durations = constraints.get("sessionDurations") or []
        constraints["durations"] = [{"minutes": m} for m in durations]
        constraints.setdefault("timeBetweenSessions", 0)
    doc.setdefault("payment", {}).setdefault("pricingPlanIds", [])


async def _unique_slug(uow: UnitOfWork, base: str, service_id: str) -> str:
    taken = {
        r[0]
        for r in await uow.all(
            uow.select(services, services.c.main_slug)
            .where(services.c.main_slug.like(f"{base}%"))
            .where(services.c.id != service_id)
        )
    }
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


async def _check_references(uow: UnitOfWork, doc: dict[str, Any]) -> str:
    """Policy and staff exist; returns the policy id (the site default when none is named)."""
    policy_id = (doc.get("bookingPolicy") or {}).get("id")
    if policy_id:
        if policy_id not in await policies.get_policies(uow, [policy_id]):
            raise errors.InvalidRequest(
                [
                    errors.FieldViolation(
                        "service.bookingPolicy.id",
                        f"booking policy {policy_id} does not exist",
                        errors.OTHER,
                        rule_name="INVALID_BOOKING_POLICY",
                    )
                ]
            )
    else:
        policy_id = await policies.default_policy_id(uow)
    doc["bookingPolicy"] = {"id": policy_id}
    staff_ids = doc.get("staffMemberIds") or []
    if staff_ids:
        known = await staff.staff_by_resource_ids(uow, staff_ids)
        missing = [i for i in staff_ids if i not in known]
        if missing:
            raise errors.InvalidRequest(
                [
                    errors.FieldViolation(
                        "service.staffMemberIds",
                        f"not the resource ids of staff members: {', '.join(missing)}",
                        errors.OTHER,
                        rule_name="INVALID_STAFF_MEMBER_IDS",
                        data={"ids": missing},
                    )
                ]
            )
    return str(policy_id)


def _columns(doc: dict[str, Any]) -> dict[str, Any]:
    opts = (doc.get("payment") or {}).get("options") or {}
    return {
        "app_id": doc.get("appId"),
        "type": doc["type"],
        "name": doc["name"],
        "description": doc.get("description"),
        "tag_line": doc.get("tagLine"),
        "hidden": doc.get("hidden"),
        "category_id": (doc.get("category") or {}).get("id"),
        "form_id": (doc.get("form") or {}).get("id"),
        "online_booking_enabled": (doc.get("onlineBooking") or {}).get("enabled"),
        "payment_online": opts.get("online"),
        "payment_in_person": opts.get("inPerson"),
        "payment_pricing_plan": opts.get("pricingPlan"),
        "booking_policy_id": doc["bookingPolicy"]["id"],
    }


async def _write_arrays(uow: UnitOfWork, service_id: str, doc: dict[str, Any]) -> None:
    values = {
        service_staff: doc.get("staffMemberIds") or [],
        service_business_locations: [
            (loc.get("business") or {}).get("id")
            for loc in doc.get("locations") or []
            if loc.get("type") == "BUSINESS" and (loc.get("business") or {}).get("id")
        ],
        service_slugs: [s["name"] for s in doc.get("supportedSlugs") or []],
    }
    for table, items in values.items():
        await uow.conn.execute(uow.delete(table).where(table.c.service_id == service_id))
        await uow.insert(
            table,
            *({"service_id": service_id, "position": i, "value": v} for i, v in enumerate(items)),
        )


def _doc_for_storage(doc: dict[str, Any]) -> dict[str, Any]:
    """The stored document: everything but what the row's columns and joins supply."""
    stored = copy.deepcopy(doc)
    stored.pop("bookingPolicy", None)
    stored.get("schedule", {}).pop("id", None)
    return stored


async def _create(uow: UnitOfWork, caller: Identity, data: dict[str, Any]) -> str:
    doc = _clean_input(data)
    doc.setdefault("appId", BOOKINGS_APP_ID)
    doc["createdByAppId"] = caller.subject_id if caller.role.value == "APP" else doc["appId"]
    doc.setdefault("form", {"id": DEFAULT_FORM_ID})
    if doc["form"].get("id") is None:
        doc["form"]["id"] = DEFAULT_FORM_ID
    if doc.get("type") != "APPOINTMENT":
        doc.pop("staffMemberIds", None)  # derived from the sessions' resources
    rules.check_service(doc)
    rules.check_appointment_staff(doc)
    await _check_references(uow, doc)
    _stamp_currency(doc, await site_currency(uow))
    _derive(doc)
    service_id = new_id()
    now = utcnow()
    slug = await _unique_slug(uow, rules.slugify(doc["name"]), service_id)
    doc["mainSlug"] = {"name": slug, "custom": False, "createdDate": format_timestamp(now)}
    doc["supportedSlugs"] = [doc["mainSlug"]]
    doc["urls"] = _urls(slug)
    schedule = await calendar.create_schedule(
        uow, external_id=service_id, name=doc["name"], default_capacity=doc["defaultCapacity"]
    )
    await uow.insert(
        services,
        {
            "id": service_id,
            **_columns(doc),
            "main_slug": slug,
            "schedule_id": schedule["id"],
            "doc": _doc_for_storage(doc),
            "revision": 1,
            "created_date": now,
            "updated_date": now,
        },
    )
    await _write_arrays(uow, service_id, doc)
    return service_id


def _urls(slug: str) -> dict[str, Any]:
    return {
        "servicePage": {"relativePath": f"/service-page/{slug}"},
        "bookingPage": {"relativePath": f"/booking-calendar/{slug}"},
        "calendarPage": {"relativePath": f"/booking-calendar/{slug}"},
    }


async def create_service(db: Database, caller: Identity, data: dict[str, Any]) -> dict[str, Any]:
    async with db.write(caller.site_id) as uow:
        service_id = await _create(uow, caller, data)
        return await _recorded(uow, "created", service_id)


async def bulk_create_services(
    db: Database, caller: Identity, items: Sequence[dict[str, Any]], return_entity: bool
) -> dict[str, Any]:
    async def create(_index: int, data: dict[str, Any]) -> dict[str, Any]:
        return await create_service(db, caller, data)

    return await bulk_each(items, create, return_entity=return_entity)


def _merge(
    current: dict[str, Any], patch: dict[str, Any], mask: Sequence[str] | None
) -> dict[str, Any]:
    """Partial update: the top-level fields given (or named by ``mask``) replace the current."""
    merged = copy.deepcopy(current)
    keys = {m.split(".")[0] for m in mask} if mask else set(patch)
    for key in keys:
        if key in READ_ONLY:
            continue
        if key in patch:
            merged[key] = copy.deepcopy(patch[key])
        else:
            merged.pop(key, None)
    return merged


async def _update(uow: UnitOfWork, data: dict[str, Any], mask: Sequence[str] | None = None) -> str:
    service_id = data.get("id")
    if not service_id:
        raise errors.invalid_field("service.id", "is required", errors.REQUIRED_FIELD)
    if data.get("revision") is None:
        raise errors.revision_required("service.revision")
    row = await uow.one_or_none(
        uow.select(services).where(services.c.id == service_id).with_for_update()
    )
    if row is None:
        raise service_not_found(service_id)
    if int(data["revision"]) != row.revision:
        raise errors.revision_mismatch("Service", service_id, int(data["revision"]), row.revision)
    patch = _clean_input(data)
    current = copy.deepcopy(row.doc)
    current["bookingPolicy"] = {"id": row.booking_policy_id}
    for name in IMMUTABLE_ON_UPDATE:
        if name in patch and patch[name] != current.get(name) and (not mask or name in mask):
            rule = "INVALID_SERVICE_TYPE" if name == "type" else "INVALID_LOCATIONS"
            raise errors.InvalidRequest(
                [
                    errors.FieldViolation(
                        f"service.{name}",
                        "cannot be changed by Update Service"
                        + (" (use Set Service Locations)" if name == "locations" else ""),
                        errors.OTHER,
                        rule_name=rule,
                    )
                ]
            )
    merged = _merge(current, patch, mask)
    if merged.get("type") != "APPOINTMENT":
        merged["staffMemberIds"] = current.get("staffMemberIds", [])
        if not merged["staffMemberIds"]:
            merged.pop("staffMemberIds")
    rules.check_service(merged)
    rules.check_appointment_staff(merged)
    await _check_references(uow, merged)
    _stamp_currency(merged, await site_currency(uow))
    _derive(merged)
    await _store(uow, row, merged)
    return str(service_id)


async def _store(uow: UnitOfWork, row: sa.Row[Any], doc: dict[str, Any]) -> None:
    await uow.conn.execute(
        uow.update(services)
        .where(services.c.id == row.id)
        .values(
            **_columns(doc),
            doc=_doc_for_storage(doc),
            revision=row.revision + 1,
            updated_date=utcnow(),
        )
    )
    await _write_arrays(uow, row.id, doc)


async def update_service(
    db: Database, site_id: str, data: dict[str, Any], mask: Sequence[str] | None = None
) -> dict[str, Any]:
    async with db.write(site_id) as uow:
        service_id = await _update(uow, data, mask)
        return await _recorded(uow, "updated", service_id)


async def bulk_update_services(
    db: Database,
    site_id: str,
    items: Sequence[tuple[dict[str, Any], Sequence[str] | None]],
    return_entity: bool,
) -> dict[str, Any]:
    Item = tuple[dict[str, Any], Sequence[str] | None]

    async def update(_index: int, item: Item) -> dict[str, Any]:
        return await update_service(db, site_id, *item)

    def id_of(item: Item) -> str | None:
        value = item[0].get("id")
        return str(value) if value is not None else None

    return await bulk_each(items, update, return_entity=return_entity, item_id=id_of)


async def _delete(uow: UnitOfWork, service_id: str) -> None:
    row = await uow.one_or_none(uow.select(services).where(services.c.id == service_id))
    if row is None:
        raise service_not_found(service_id)
    await _record(uow, "deleted", await _load(uow, service_id))
    await calendar.cancel_schedule(uow, row.schedule_id)
    for table in (service_staff, service_business_locations, service_slugs):
        await uow.conn.execute(uow.delete(table).where(table.c.service_id == service_id))
    await uow.conn.execute(uow.delete(services).where(services.c.id == service_id))


async def delete_service(db: Database, site_id: str, service_id: str) -> None:
    async with db.write(site_id) as uow:
        await _delete(uow, service_id)


async def bulk_delete_services(db: Database, site_id: str, ids: Sequence[str]) -> dict[str, Any]:
    async def delete(_index: int, service_id: str) -> None:
        await delete_service(db, site_id, service_id)

    return await bulk_each(ids, delete, item_id=str)


async def set_service_locations(
    db: Database, site_id: str, service_id: str, locations: list[dict[str, Any]]
) -> dict[str, Any]:
    async with db.write(site_id) as uow:
        row = await uow.one_or_none(
            uow.select(services).where(services.c.id == service_id).with_for_update()
        )
        if row is None:
            raise service_not_found(service_id)
        doc = copy.deepcopy(row.doc)
        doc["bookingPolicy"] = {"id": row.booking_policy_id}
        doc["locations"] = locations
        violations = rules.location_violations(locations, doc.get("type"))
        if violations:
            raise errors.InvalidRequest(violations)
        await _store(uow, row, doc)
        return await _recorded(uow, "updated", service_id)


async def set_custom_slug(
    db: Database, site_id: str, service_id: str, slug: str | None
) -> dict[str, Any]:
    name = (slug or "").strip()
    if not rules.is_valid_slug(name):
        raise errors.InvalidRequest(
            [
                errors.FieldViolation(
                    "slug",
                    "may contain only lower-case letters, digits and hyphens",
                    errors.OTHER,
                    rule_name="SLUG_CONTAINS_ILLEGAL_CHARACTERS",
                )
            ]
        )
    async with db.write(site_id) as uow:
        row = await uow.one_or_none(
            uow.select(services).where(services.c.id == service_id).with_for_update()
        )
        if row is None:
            raise service_not_found(service_id)
        if await _slug_owner(uow, name) not in (None, service_id):
            raise errors.conflict("SLUG_ALREADY_EXISTS", f"Slug {name!r} is taken")
        doc = copy.deepcopy(row.doc)
        doc["bookingPolicy"] = {"id": row.booking_policy_id}
        new = {"name": name, "custom": True, "createdDate": format_timestamp(utcnow())}
        doc["mainSlug"] = new
        doc["supportedSlugs"] = [s for s in doc.get("supportedSlugs", []) if s["name"] != name]
        doc["supportedSlugs"].append(new)
        doc["urls"] = _urls(name)
        await uow.conn.execute(
            uow.update(services).where(services.c.id == service_id).values(main_slug=name)
        )
        await _store(uow, row, doc)
        return {"slug": new, "service": await _recorded(uow, "updated", service_id)}


async def _slug_owner(scope: SiteScope, slug: str) -> str | None:
    row = await scope.one_or_none(
        scope.select(service_slugs, service_slugs.c.service_id).where(service_slugs.c.value == slug)
    )
    return None if row is None else str(row.service_id)


async def validate_slug(
    db: Database, site_id: str, service_id: str | None, slug: str | None
) -> dict[str, Any]:
    name = (slug or "").strip()
    problems: list[str] = []
    if not rules.is_valid_slug(name):
        problems.append("SLUG_CONTAINS_ILLEGAL_CHARACTERS")
    async with db.read(site_id) as scope:
        if name and await _slug_owner(scope, name) not in (None, service_id):
            problems.append("SLUG_ALREADY_EXISTS")
    answer: dict[str, Any] = {"valid": not problems, "slug": name}
    if problems:
        answer["errors"] = problems
    return answer


async def clone_service(db: Database, caller: Identity, source_id: str) -> dict[str, Any]:
    async with db.write(caller.site_id) as uow:
        source = await _load(uow, source_id)
        data = copy.deepcopy(source)
        data["name"] = f"{source['name']} (copy)"[:400]
        service_id = await _create(uow, caller, data)
        return {"service": await _recorded(uow, "created", service_id), "errors": []}
