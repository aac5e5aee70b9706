"""What the multi-service booking use cases share: loading a package and its children,
locking them, applying one change per child, answering the package.

**Lock order.** A call that changes a package locks (1) the package's row, (2) the staff
resources of every child (and of every child's new place) in one sorted lock, (3) the
children's rows by their ``UPDATE ... WHERE revision``. A single-booking call locks (2) then
(3) and never (1), so the orders agree and no call deadlocks another.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bookings.booking import packages, rules
from bookings.booking.documents import booking_wire
from bookings.booking.models import bookings as _b
from bookings.booking.models import multi_service_bookings as _p
from bookings.booking.service.common import _service
from bookings.booking.service.mutation import Change, _target_of, _write_change
from bookings.catalog.services import service as catalog
from bookings.catalog.services.service import ServiceView
from bookings.platform.auth import Identity, Role
from bookings.platform.db import SiteScope, UnitOfWork
from bookings.staff import service as staff

#: One child's change, inside the package's unit of work.
ChildApply = Callable[[UnitOfWork, sa.Row[Any], datetime], Awaitable[Change]]


async def children_of(scope: SiteScope, package_id: str) -> list[sa.Row[Any]]:
    """The package's bookings, in chain order (by start)."""
    stmt = (
        scope.select(_b)
        .where(_b.c.multi_service_booking_id == package_id)
        .order_by(_b.c.start_utc, _b.c.id)
    )
    return list(await scope.all(stmt))


def _visible(rows: Sequence[sa.Row[Any]], caller: Identity) -> bool:
    """A member sees a package only when every child is theirs."""
    if caller.role != Role.MEMBER:
        return True
    return all(r.member_id == caller.subject_id for r in rows)


async def require_package(scope: SiteScope, package_id: str, caller: Identity) -> list[sa.Row[Any]]:
    """The children of a package that exists and the caller may see (404 otherwise)."""
    exists = await scope.one_or_none(scope.select(_p, _p.c.id).where(_p.c.id == package_id))
    rows = await children_of(scope, package_id) if exists is not None else []
    if not rows or not _visible(rows, caller):
        raise packages.not_found(package_id)
    return rows


async def lock_package(uow: UnitOfWork, package_id: str, caller: Identity) -> list[sa.Row[Any]]:
    """Lock the package's row (first of its locks) and answer its children."""
    if not await uow.lock(_p, [package_id], columns=("type",)):
        raise packages.not_found(package_id)
    return await require_package(uow, package_id, caller)


async def services_of(scope: SiteScope, rows: Iterable[sa.Row[Any]]) -> dict[str, ServiceView]:
    """The services of the children, read in one statement (404 ``SERVICE_NOT_FOUND`` for a
    service that is gone)."""
    ids = sorted({str(row.service_id) for row in rows})
    found = await catalog.get_service_views(scope, ids)
    for service_id in ids:
        if service_id not in found:
            await _service(scope, service_id)  # raises the service's 404
    return found


async def lock_children(
    uow: UnitOfWork,
    rows: Sequence[sa.Row[Any]],
    services: dict[str, ServiceView],
    also: Iterable[str] = (),
) -> None:
    """Lock the staff resources of every child (each one's candidates) and ``also``, in one
    sorted lock."""
    ids: set[str] = set(also)
    for row in rows:
        if row.kind == rules.APPOINTMENT:
            ids.update(_target_of(row, services[row.service_id]).candidates)
    await staff.lock_resources(uow, ids)


async def apply_each(
    uow: UnitOfWork,
    caller: Identity,
    rows: Sequence[sa.Row[Any]],
    change_ids: Iterable[str],
    apply: ChildApply,
    now: datetime,
) -> list[dict[str, Any]]:
    """Apply one change to each child in ``change_ids`` (in chain order) and write it; the
    others stay as they are. Answers every child's booking, in chain order."""
    wanted = set(change_ids)
    out: list[dict[str, Any]] = []
    for row in rows:
        if row.id in wanted:
            change = await apply(uow, row, now)
            out.append(await _write_change(uow, caller, row, change, now))
        else:
            out.append(booking_wire(row))
    return out


async def touch(uow: UnitOfWork, package_id: str, now: datetime) -> None:
    await uow.conn.execute(uow.update(_p).where(_p.c.id == package_id).values(updated_date=now))


def answer(
    package_id: str, bookings: Sequence[dict[str, Any]], full: bool | None
) -> dict[str, Any]:
    return {"multiServiceBooking": packages.package_wire(package_id, bookings, bool(full))}
