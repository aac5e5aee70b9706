"""Confirm, decline, mark as pending and cancel a multi-service booking: every child or none,
in one unit of work, each child by the same change as its single-booking call."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bookings.booking import packages, rules, state
from bookings.booking.documents import flags_doc
from bookings.booking.schemas import (
    BookingInfo,
    CancelMultiServiceBookingRequest,
    ConfirmMultiServiceBookingRequest,
    DeclineMultiServiceBookingRequest,
    MarkMultiServiceBookingAsPendingRequest,
    ParticipantNotification,
)
from bookings.booking.service.changes import (
    StatusAsk,
    cancel_change,
    confirm_change,
    decline_change,
    pending_change,
)
from bookings.booking.service.multi_common import (
    ChildApply,
    answer,
    apply_each,
    lock_children,
    lock_package,
    services_of,
    touch,
)
from bookings.booking.service.mutation import Change
from bookings.booking.state import Status
from bookings.platform import errors
from bookings.platform.auth import Identity
from bookings.platform.db import Database, UnitOfWork, utcnow

#: A single-booking status change (:mod:`.changes`).
StatusChange = Callable[[UnitOfWork, Identity, sa.Row[Any], datetime, StatusAsk], Awaitable[Change]]


async def _on_every_child(
    db: Database,
    caller: Identity,
    package_id: str,
    action: state.Action,
    apply: ChildApply,
    *,
    full: bool | None,
    infos: Sequence[BookingInfo] | None = None,
    field: str | None = None,
) -> dict[str, Any]:
    """One status call on a package: its row locked; when ``field`` is given, ``infos`` must
    name every child with its current revision; every owner locked in sorted order; each
    child changed by ``apply`` unless it is already where ``action`` leads; one unit of
    work, so all children change or none."""
    async with db.write(caller.site_id) as uow:
        rows = await lock_package(uow, package_id, caller)
        if field is not None:
            pairs = [(i.booking_id, i.revision) for i in infos] if infos is not None else None
            packages.check_infos({r.id: r.revision for r in rows}, pairs, field)
        change_ids = packages.to_change({r.id: Status(r.status) for r in rows}, action)
        await lock_children(uow, rows, await services_of(uow, rows))
        now = utcnow()
        bookings = await apply_each(uow, caller, rows, change_ids, apply, now)
        await touch(uow, package_id, now)
    return answer(package_id, bookings, full)


def _per_child(
    change: StatusChange, caller: Identity, ask: StatusAsk, infos: Sequence[BookingInfo] | None
) -> ChildApply:
    """``change`` for each child, with the payment status its info item sets."""
    payments = {i.booking_id: i.payment_status for i in infos or () if i.payment_status}

    async def apply(uow: UnitOfWork, row: sa.Row[Any], now: datetime) -> Change:
        payment = payments.get(row.id) or ask.payment_status
        child_ask = StatusAsk(payment, ask.notification, ask.send_sms, ask.double_booked, ask.flags)
        return await change(uow, caller, row, now, child_ask)

    return apply


async def _status_of_every_child(
    db: Database,
    caller: Identity,
    req: ConfirmMultiServiceBookingRequest
    | DeclineMultiServiceBookingRequest
    | MarkMultiServiceBookingAsPendingRequest,
    action: state.Action,
    change: StatusChange,
    infos: Sequence[BookingInfo] | None,
    field: str,
) -> dict[str, Any]:
    """Confirm, decline or mark as pending every child, each by its single-booking change."""
    ask = StatusAsk.of(caller, req)
    return await _on_every_child(
        db,
        caller,
        req.multi_service_booking_id,
        action,
        _per_child(change, caller, ask, infos),
        full=req.return_full_entity,
        infos=infos,
        field=field,
    )


async def confirm_multi_service_booking(
    db: Database, caller: Identity, req: ConfirmMultiServiceBookingRequest
) -> dict[str, Any]:
    return await _status_of_every_child(
        db,
        caller,
        req,
        state.Action.CONFIRM,
        confirm_change,
        req.confirm_bookings_info,
        "confirmBookingsInfo",
    )


async def decline_multi_service_booking(
    db: Database, caller: Identity, req: DeclineMultiServiceBookingRequest
) -> dict[str, Any]:
    return await _status_of_every_child(
        db,
        caller,
        req,
        state.Action.DECLINE,
        decline_change,
        req.decline_bookings_info,
        "declineBookingsInfo",
    )


async def mark_multi_service_booking_as_pending(
    db: Database, caller: Identity, req: MarkMultiServiceBookingAsPendingRequest
) -> dict[str, Any]:
    return await _status_of_every_child(
        db,
        caller,
        req,
        state.Action.MARK_AS_PENDING,
        pending_change,
        req.mark_as_pending_bookings_info,
        "markAsPendingBookingsInfo",
    )


async def cancel_package(
    db: Database,
    caller: Identity,
    package_id: str,
    notification: ParticipantNotification | None,
    flags: dict[str, Any],
    full: bool | None,
    *,
    customer_refusal: Callable[[], errors.ApiError] | None = None,
    waive_charges: bool = False,
) -> dict[str, Any]:
    """Cancel every live child (Cancel takes no revisions). ``customer_refusal``: the caller
    acts as the customer (anonymous actions): each child's cancellation policy applies, and
    this is its refusal."""

    async def apply(uow: UnitOfWork, row: sa.Row[Any], now: datetime) -> Change:
        return await cancel_change(
            uow,
            caller,
            row,
            now,
            notification,
            flags,
            customer_refusal,
            waive_charges=waive_charges,
        )

    return await _on_every_child(db, caller, package_id, state.Action.CANCEL, apply, full=full)


async def cancel_multi_service_booking(
    db: Database, caller: Identity, req: CancelMultiServiceBookingRequest
) -> dict[str, Any]:
    flags = flags_doc(req.flow_control_settings)
    rules.authorize_flags(caller.role, flags, "flowControlSettings")
    return await cancel_package(
        db,
        caller,
        req.multi_service_booking_id,
        req.participant_notification,
        flags,
        req.return_full_entity,
        waive_charges=bool(req.waive_charges),
    )
