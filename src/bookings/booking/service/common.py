"""What the booking use cases share: the site's facts, loading a booking (who may see it),
the service it is for, recording its domain events, keeping its derived rows in step."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bookings.booking import load, rules, search
from bookings.booking.documents import (
    ENTITY_FQDN,
)
from bookings.booking.models import booking_values as _values
from bookings.booking.models import bookings as _b
from bookings.calendar import service as calendar
from bookings.catalog.services import service as catalog
from bookings.catalog.services.service import ServiceView
from bookings.identity import service as identity
from bookings.platform import errors, events
from bookings.platform.auth import Identity, Role
from bookings.platform.db import (
    SiteScope,
    UnitOfWork,
)

# ---------------------------------------------------------------- reading helpers


async def _site(scope: SiteScope, caller: Identity) -> tuple[str, dict[str, Any]]:
    """The site's time zone and settings (the identity slice's: no statement when the
    caller's credential lookup read them)."""
    facts = await identity.site_facts(scope, caller)
    return facts.time_zone, dict(facts.settings)


def booking_not_found(booking_id: str) -> errors.ApplicationError:
    return errors.not_found(
        "BOOKING_NOT_FOUND", f"Booking {booking_id} not found", bookingId=booking_id
    )


async def _row(scope: SiteScope, booking_id: str) -> sa.Row[Any] | None:
    return await scope.one_or_none(scope.select(_b).where(_b.c.id == booking_id))


async def _require(scope: SiteScope, booking_id: str, caller: Identity) -> sa.Row[Any]:
    """The booking; a MEMBER sees only bookings they created (others: 404)."""
    row = await _row(scope, booking_id)
    if row is None or (caller.role == Role.MEMBER and row.member_id != caller.subject_id):
        raise booking_not_found(booking_id)
    return row


def refuse_multi_service_child(row: sa.Row[Any]) -> None:
    """A booking of a multi-service booking moves and ends with its package: its own
    reschedule or cancel is refused (403
    ``NOT_ALLOWED_TO_UPDATE_BOOKING_IN_MULTI_SERVICE_BOOKING``)."""
    if row.multi_service_booking_id:
        raise errors.ApplicationError(
            "NOT_ALLOWED_TO_UPDATE_BOOKING_IN_MULTI_SERVICE_BOOKING",
            f"Booking {row.id} is part of multi-service booking "
            f"{row.multi_service_booking_id}: reschedule or cancel the multi-service booking",
            http_status=403,
            data={"bookingId": row.id, "multiServiceBookingId": row.multi_service_booking_id},
        )


async def _service(scope: SiteScope, service_id: str, *, cached: bool = False) -> ServiceView:
    return await catalog.require_service(scope, service_id, cached=cached)


def _require_type(service: ServiceView, kind: str) -> None:
    if service.type != kind:
        raise errors.failed_precondition(
            "VALIDATION_FAILURE",
            f"Service {service.id} is a {service.type} service, not {kind}",
            serviceId=service.id,
        )


async def _index_arrays(
    uow: UnitOfWork,
    booking_id: str,
    doc: Mapping[str, Any],
    previous: Mapping[str, Any] | None,
) -> None:
    """Keep the ``booking_values`` rows of a booking in step with its document (rewritten only
    when its array values changed). A new booking's (no ``previous``) go in with the commit
    (UnitOfWork.insert_deferred)."""
    rows = search.value_rows(booking_id, doc)
    if previous is None:
        uow.insert_deferred(_values, *rows)
        return
    if search.indexed_arrays(previous) == search.indexed_arrays(doc):
        return
    await uow.conn.execute(uow.delete(_values).where(_values.c.booking_id == booking_id))
    if rows:
        await uow.insert(_values, *rows)


async def _sync_participants(
    uow: UnitOfWork,
    kind: str,
    event_id: str | None,
    now: datetime,
    total: int | None = None,
    *,
    later: bool = False,
) -> None:
    """Keep the calendar's ``remainingCapacity`` of a class event in step. ``total``: the
    event's holding participants, when the caller has just counted them under its lock.
    ``later``: the event was locked and read in ``uow``; the update goes with its waiting
    inserts."""
    if kind == rules.CLASS and event_id:
        if total is None:
            total = await load.occupied(uow, rules.CLASS, event_id, now, None)
        if later:
            await calendar.set_participants_total_later(uow, event_id, total)
        else:
            await calendar.set_participants_total(uow, event_id, total)


async def _record(
    uow: UnitOfWork,
    booking_id: str,
    slug: str,
    kind: events.EventKind,
    payload: dict[str, Any],
    sequence: int | None = None,
    later: bool = False,
) -> None:
    await events.record(
        uow,
        entity_fqdn=ENTITY_FQDN,
        slug=slug,
        entity_id=booking_id,
        kind=kind,
        payload=payload,
        sequence=sequence,
        later=later,
    )
