"""What a status call changes on one booking: confirm, decline, mark as pending, cancel.

Each builder runs inside the caller's unit of work on a loaded row and answers a
:class:`~bookings.booking.service.mutation.Change` (it locks the capacity owners it needs;
a caller that locked them already, in sorted order, loses nothing). The single-booking calls
(:mod:`.lifecycle`) apply one; the multi-service calls (:mod:`.multi_status`) apply one per
child booking in one unit of work.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bookings.booking import rules, state, waitlist
from bookings.booking.documents import apply_notification, flags_doc
from bookings.booking.money import BookingLeft
from bookings.booking.schemas import ParticipantNotification, PaymentStatus
from bookings.booking.service import waitlist_store
from bookings.booking.service.common import _service
from bookings.booking.service.mutation import (
    Change,
    _fits_now,
    _lock_group_owner,
    _lock_owner,
    _no_open_spots,
)
from bookings.booking.service.placement import _resource_doc
from bookings.booking.state import Status
from bookings.catalog.policies import service as policies
from bookings.platform import errors
from bookings.platform.auth import Identity, Role
from bookings.platform.db import SiteScope, UnitOfWork
from bookings.platform.wire import WireModel, format_timestamp
from bookings.staff import service as staff


@dataclass(frozen=True)
class StatusAsk:
    """What a confirm, decline or mark-as-pending call asks of one booking."""

    payment_status: PaymentStatus | None = None
    notification: ParticipantNotification | None = None
    send_sms: bool | None = None
    double_booked: bool | None = None
    #: The call's ``flowControlSettings`` (already authorized).
    flags: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, caller: Identity, req: WireModel) -> StatusAsk:
        """What a status request asks (the fields it has), its flags authorized for the
        caller."""
        flags = flags_doc(getattr(req, "flow_control_settings", None))
        rules.authorize_flags(caller.role, flags, "flowControlSettings")
        return cls(
            getattr(req, "payment_status", None),
            getattr(req, "participant_notification", None),
            getattr(req, "send_sms_reminder", None),
            getattr(req, "double_booked", None),
            flags,
        )


def _status_extra(
    row: sa.Row[Any], notification: dict[str, Any] | None, sms: bool | None = None
) -> dict[str, Any]:
    extra: dict[str, Any] = {
        "previousStatus": row.status,
        "previousPaymentStatus": row.payment_status,
    }
    if notification is not None:
        extra["participantNotification"] = notification
    if sms is not None:
        extra["sendSmsReminder"] = sms
    return extra


async def _take_place(
    uow: UnitOfWork, caller: Identity, row: sa.Row[Any], now: datetime, strict: bool
) -> tuple[dict[str, Any], bool, dict[str, Any]]:
    """A booking that may hold nothing yet takes its place (confirm, mark as pending): its
    owners locked, recounted; not fitting is refused (``NO_OPEN_SPOTS``) when ``strict`` or
    the caller is not an admin, else flagged double-booked. Answers the row values to write,
    the double-booked flag and the document (with a newly chosen staff member)."""
    service = await _service(uow, row.service_id)
    target = await _lock_owner(uow, row, service)
    fits, resource_id = await _fits_now(uow, row, target, now)
    double = bool(row.double_booked)
    values: dict[str, Any] = {"hold_until": None}
    if not fits:
        if strict or caller.role != Role.ADMIN:
            raise _no_open_spots(row.id)
        double = True
    elif resource_id is not None and resource_id != row.resource_id:
        values["resource_id"] = resource_id
    doc = copy.deepcopy(row.doc)
    if "resource_id" in values:
        target.entity = doc.get("bookedEntity") or {}
        names = await staff.staff_by_resource_ids(uow, [resource_id or ""])
        _resource_doc(target, resource_id, names)
        doc["bookedEntity"] = target.entity
    return values, double, doc


async def _off_the_list(uow: UnitOfWork, row: sa.Row[Any], status: str, now: datetime) -> None:
    """A waitlisted booking that is confirmed (or pending) takes its place; one that is
    canceled or declined leaves the list (its session's event is locked)."""
    if row.status == Status.WAITING_LIST.value:
        await waitlist_store.end_registration(uow, row.id, status, now)


async def confirm_change(
    uow: UnitOfWork, caller: Identity, row: sa.Row[Any], now: datetime, ask: StatusAsk
) -> Change:
    new = state.confirm(Status(row.status), row.id)
    check = bool(ask.flags.get("checkAvailabilityValidation"))
    values, double, doc = await _take_place(uow, caller, row, now, strict=check)
    await _off_the_list(uow, row, waitlist.ENROLLED, now)
    if check and ask.double_booked is not None:
        double = ask.double_booked
    notification = apply_notification(doc, ask.notification)
    payment = ask.payment_status.value if ask.payment_status else row.payment_status
    extra = _status_extra(row, notification, ask.send_sms)
    return Change(new, payment, doc, double, values, [("confirmed", "action", extra)])


async def pending_change(
    uow: UnitOfWork, caller: Identity, row: sa.Row[Any], now: datetime, ask: StatusAsk
) -> Change:
    new = state.mark_as_pending(Status(row.status), row.id)
    service = await _service(uow, row.service_id)
    if not service.requires_manual_approval and not ask.flags.get(
        "skipPendingApprovalServiceValidation"
    ):
        raise errors.failed_precondition(
            "NOT_PENDING_APPROVAL_SERVICE",
            f"Service {row.service_id} does not require manual approval",
            serviceId=row.service_id,
        )
    values, double, doc = await _take_place(uow, caller, row, now, strict=False)
    await _off_the_list(uow, row, waitlist.ENROLLED, now)
    if ask.flags.get("checkAvailabilityValidation") and ask.double_booked is not None:
        double = double or ask.double_booked
    notification = apply_notification(doc, ask.notification)
    payment = ask.payment_status.value if ask.payment_status else row.payment_status
    extra = _status_extra(row, notification, ask.send_sms)
    return Change(new, payment, doc, double, values, [("markedAsPending", "action", extra)])


async def decline_change(
    uow: UnitOfWork, caller: Identity, row: sa.Row[Any], now: datetime, ask: StatusAsk
) -> Change:
    new = state.decline(Status(row.status), row.id)
    await _lock_group_owner(uow, row)
    await _off_the_list(uow, row, waitlist.LEFT, now)
    doc = copy.deepcopy(row.doc)
    notification = apply_notification(doc, ask.notification)
    payment = ask.payment_status.value if ask.payment_status else row.payment_status
    extra = _status_extra(row, notification)
    if ask.flags:
        extra["flowControlSettings"] = ask.flags
    double = bool(row.double_booked)
    left = BookingLeft(
        row.id,
        new.value,
        row.status,
        row.start_utc,
        now,
        with_refund=bool(ask.flags.get("withRefund")),
    )
    return Change(
        new,
        payment,
        doc,
        double,
        {"hold_until": None},
        [("declined", "action", extra)],
        left=left,
    )


async def policy_snapshot(scope: SiteScope, booking_id: str) -> dict[str, Any]:
    """The booking's policy as it was when it was made (empty when none was taken)."""
    found = await policies.list_snapshots(scope, [booking_id])
    return dict(found[0].get("policy") or {}) if found else {}


async def cancel_change(
    uow: UnitOfWork,
    caller: Identity,
    row: sa.Row[Any],
    now: datetime,
    notification: ParticipantNotification | None,
    flags: dict[str, Any],
    customer_refusal: Callable[[], errors.ApiError] | None = None,
    *,
    waive_charges: bool = False,
    by_order: bool = False,
) -> Change:
    """``customer_refusal``: the caller acts as the customer (anonymous actions): the
    cancellation policy applies, and this is its refusal. ``waive_charges``: no fee, and the
    order is canceled when spec E.4 rule 5 allows; ``by_order``: the order's cancel."""
    new = state.cancel(Status(row.status), row.id)
    as_customer = customer_refusal is not None or caller.role == Role.MEMBER
    if as_customer and not flags.get("ignoreCancellationPolicy"):
        snapshot = await policy_snapshot(uow, row.id)
        if not rules.may_cancel(snapshot, row.start_utc, now):
            if customer_refusal is not None:
                raise customer_refusal()
            raise rules.policy_violation(
                "The booking's cancellation policy does not allow cancelling it now",
                policy="cancellationPolicy",
            )
    await _lock_group_owner(uow, row)
    await _off_the_list(uow, row, waitlist.LEFT, now)
    doc = copy.deepcopy(row.doc)
    doc["canceledDate"] = format_timestamp(now)
    note = apply_notification(doc, notification)
    extra: dict[str, Any] = {"previousStatus": row.status}
    if note is not None:
        extra["participantNotification"] = note
    if flags:
        extra["flowControlSettings"] = flags
    left = BookingLeft(
        row.id,
        new.value,
        row.status,
        row.start_utc,
        now,
        with_refund=bool(flags.get("withRefund")),
        waive_cancellation_fee=bool(flags.get("waiveCancellationFee")),
        waive_charges=waive_charges,
        by_order=by_order,
    )
    return Change(
        new,
        row.payment_status,
        doc,
        bool(row.double_booked),
        {"hold_until": None},
        [("canceled", "action", extra)],
        left=left,
    )
