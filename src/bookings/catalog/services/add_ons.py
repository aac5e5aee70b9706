"""Add-on groups of Services V2 (``AddOnGroupsService``): create, update, delete, list, set
add-ons. A group lives in its service's document, so each change is an update of the
service: it bumps the service's ``revision`` and ``updatedDate`` (no revision is asked: the
methods take none). The rules are :mod:`.add_on_rules`."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from bookings.catalog.services import add_on_rules as rules
from bookings.catalog.services.changes import _store
from bookings.catalog.services.models import services
from bookings.catalog.services.queries import _load
from bookings.catalog.services.views import service_not_found
from bookings.platform.db import Database, UnitOfWork
from bookings.platform.wire import new_id


async def _locked(uow: UnitOfWork, service_id: str) -> tuple[sa.Row[Any], dict[str, Any]]:
    """The service's row (locked) and its document as :func:`changes._store` takes it."""
    row = await uow.one_or_none(
        uow.select(services).where(services.c.id == service_id).with_for_update()
    )
    if row is None:
        raise service_not_found(service_id)
    doc = copy.deepcopy(row.doc)
    doc["bookingPolicy"] = {"id": row.booking_policy_id}
    return row, doc


async def _save(
    uow: UnitOfWork, row: sa.Row[Any], doc: dict[str, Any], groups: list[dict[str, Any]]
) -> None:
    await _store(uow, row, rules.with_groups(doc, groups))


async def create_add_on_group(
    db: Database, site_id: str, service_id: str, group: dict[str, Any]
) -> dict[str, Any]:
    async with db.write(site_id) as uow:
        row, doc = await _locked(uow, service_id)
        groups = rules.groups_of(doc)
        rules.check_creatable({**doc, "id": service_id}, groups)
        created = rules.normalized({**group, "id": new_id()})
        await _save(uow, row, doc, [*groups, created])
        return {"addOnGroup": created}


async def update_add_on_group(
    db: Database,
    site_id: str,
    service_id: str,
    patch: dict[str, Any],
    mask: Sequence[str] | None,
) -> dict[str, Any]:
    group_id = str(patch["id"])
    async with db.write(site_id) as uow:
        row, doc = await _locked(uow, service_id)
        groups = rules.groups_of(doc)
        at = rules.find(groups, group_id)
        if at is None:
            raise rules.group_not_on_service(group_id, service_id)
        groups[at] = rules.normalized(rules.updated(groups[at], patch, mask))
        await _save(uow, row, doc, groups)
        return {"addOnGroup": groups[at]}


async def delete_add_on_group(db: Database, site_id: str, service_id: str, group_id: str) -> None:
    async with db.write(site_id) as uow:
        row, doc = await _locked(uow, service_id)
        groups = rules.groups_of(doc)
        at = rules.find(groups, group_id)
        if at is None:
            raise rules.group_not_on_service(group_id, service_id)
        del groups[at]
        await _save(uow, row, doc, groups)


async def set_add_ons_for_group(
    db: Database, site_id: str, service_id: str, group_id: str, add_on_ids: list[str]
) -> dict[str, Any]:
    async with db.write(site_id) as uow:
        row, doc = await _locked(uow, service_id)
        groups = rules.groups_of(doc)
        at = rules.find(groups, group_id)
        if at is None:
            raise rules.group_not_found(group_id, service_id)
        groups[at] = rules.normalized({**groups[at], "addOnIds": add_on_ids}, prefix="")
        await _save(uow, row, doc, groups)
        return {"addOnGroup": groups[at]}


async def list_add_on_groups(
    db: Database, site_id: str, service_id: str, group_ids: Sequence[str] | None
) -> dict[str, Any]:
    """The service's groups in order (only those of ``group_ids`` when given; ids of no group
    of the service are skipped)."""
    async with db.read(site_id) as scope:
        service = await _load(scope, service_id)
    wanted = set(group_ids or ())
    return {
        "addOnGroupsDetails": [
            rules.group_detail(g)
            for g in rules.groups_of(service)
            if not wanted or g.get("id") in wanted
        ]
    }
