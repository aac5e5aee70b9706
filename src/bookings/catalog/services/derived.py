"""What follows on services from other slices' changes (wired by the app to their hook
points): a deleted policy's services fall back to the default, a class's or course's staff,
durations and first/last session follow its sessions."""

from __future__ import annotations

import copy
from collections.abc import Sequence

from bookings.calendar import service as calendar
from bookings.catalog.services.models import (
    service_staff,
    services,
)
from bookings.catalog.services.queries import _recorded
from bookings.catalog.services.views import ServiceView as ServiceView
from bookings.catalog.services.views import service_not_found as service_not_found
from bookings.platform.db import SiteScope, UnitOfWork, utcnow
from bookings.staff import service as staff


async def reassign_policy(uow: UnitOfWork, old_policy_id: str, new_policy_id: str) -> None:
    """Services of a deleted policy fall back to ``new_policy_id`` (the site default); each
    records its ``updated`` domain event."""
    moved = await uow.conn.execute(
        uow.update(services)
        .where(services.c.booking_policy_id == old_policy_id)
        .values(
            booking_policy_id=new_policy_id, revision=services.c.revision + 1, updated_date=utcnow()
        )
        .returning(services.c.id)
    )
    for service_id in sorted(r.id for r in moved):
        await _recorded(uow, "updated", service_id)


async def derive_from_sessions(scope: SiteScope, schedule_ids: Sequence[str]) -> None:
    """A class's or course's staff, session durations and (courses) first and last session
    follow its sessions on the calendar. Derived data: the revision does not change; a
    service whose document changes records its ``updated`` domain event."""
    rows = await scope.all(
        scope.select(services)
        .where(services.c.schedule_id.in_(list(schedule_ids)))
        .where(services.c.type.in_(["CLASS", "COURSE"]))
    )
    for row in rows:
        summary = await calendar.sessions_summary(scope, row.schedule_id)
        known = await staff.staff_by_resource_ids(scope, summary["resourceIds"])
        doc = copy.deepcopy(row.doc)
        staff_ids = [rid for rid in summary["resourceIds"] if rid in known]
        if staff_ids:
            doc["staffMemberIds"] = staff_ids
        else:
            doc.pop("staffMemberIds", None)
        constraints = doc.setdefault("schedule", {}).setdefault("availabilityConstraints", {})
        constraints["durations"] = [{"minutes": m} for m in summary["durations"]]
        course = row.type == "COURSE"
        first = summary["firstSessionStart"] if course else None
        last = summary["lastSessionEnd"] if course else None
        same = doc == row.doc and (first, last) == (row.first_session_start, row.last_session_end)
        if same:
            continue
        await scope.conn.execute(
            scope.update(services)
            .where(services.c.id == row.id)
            .values(
                doc=doc,
                first_session_start=first,
                last_session_end=last,
            )
        )
        await scope.conn.execute(
            scope.delete(service_staff).where(service_staff.c.service_id == row.id)
        )
        await scope.insert(
            service_staff,
            *({"service_id": row.id, "position": i, "value": v} for i, v in enumerate(staff_ids)),
        )
        await _recorded(scope, "updated", row.id)
