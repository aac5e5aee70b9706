"""Life-cycle use cases: confirm, decline, cancel, mark as pending, confirm-or-decline, number
of participants, extended fields, submission id, allowed actions."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bookings.booking import capacity, load, rules, state
from bookings.booking.documents import (
    flags_doc,
)
from bookings.booking.models import bookings as _b
from bookings.booking.schemas import (
    BulkCalculateAllowedActionsRequest,
    BulkCancelBookingsRequest,
    BulkConfirmOrDeclineBookingRequest,
    CancelBookingInfo,
    CancelBookingRequest,
    ConfirmBookingRequest,
    ConfirmOrDeclineBookingRequest,
    ConfirmOrDeclineDetails,
    DeclineBookingRequest,
    MarkBookingAsPendingRequest,
    ParticipantNotification,
    PaymentStatus,
    SetBookingSubmissionIdRequest,
    UpdateExtendedFieldsRequest,
    UpdateNumberOfParticipantsRequest,
)
from bookings.booking.service.changes import (
    StatusAsk,
    cancel_change,
    confirm_change,
    decline_change,
    pending_change,
)
from bookings.booking.service.common import (
    _service,
    booking_not_found,
    refuse_multi_service_child,
)
from bookings.booking.service.mutation import (
    Change,
    _fits_now,
    _lock_owner,
    _mutate,
)
from bookings.booking.service.placement import (
    _capacity_error,
    _owner_capacity,
    _resource_doc,
)
from bookings.booking.service.queries import (
    allowed_actions_of,
)
from bookings.booking.state import Status
from bookings.booking.views import BookingView
from bookings.platform import errors, events
from bookings.platform.auth import Identity
from bookings.platform.bulk import BulkResults, bulk_each
from bookings.platform.db import (
    Database,
    UnitOfWork,
    utcnow,
)
from bookings.platform.wire import (
    to_wire,
)
from bookings.staff import service as staff


async def confirm_booking(
    db: Database, caller: Identity, req: ConfirmBookingRequest
) -> dict[str, Any]:
    ask = StatusAsk.of(caller, req)

    async def apply(uow: UnitOfWork, row: sa.Row[Any], now: datetime) -> Change:
        return await confirm_change(uow, caller, row, now, ask)

    booking = await _mutate(db, caller, req.booking_id, req.revision, apply)
    return {"booking": booking}


async def decline_booking(
    db: Database, caller: Identity, req: DeclineBookingRequest
) -> dict[str, Any]:
    ask = StatusAsk.of(caller, req)

    async def apply(uow: UnitOfWork, row: sa.Row[Any], now: datetime) -> Change:
        return await decline_change(uow, caller, row, now, ask)

    booking = await _mutate(db, caller, req.booking_id, req.revision, apply)
    return {"booking": booking}


async def decline_for_order(db: Database, caller: Identity, booking_id: str) -> dict[str, Any]:
    """Decline a booking because its order's payment was declined."""
    ask = StatusAsk()

    async def apply(uow: UnitOfWork, row: sa.Row[Any], now: datetime) -> Change:
        return await decline_change(uow, caller, row, now, ask)

    return await _mutate(db, caller, booking_id, None, apply, revision_required=False)


async def _cancel(
    db: Database,
    caller: Identity,
    booking_id: str,
    revision: int | None,
    notification: ParticipantNotification | None,
    flags: dict[str, Any],
    prefix: str = "flowControlSettings",
    *,
    customer_refusal: Callable[[], errors.ApiError] | None = None,
    waive_charges: bool = False,
    by_order: bool = False,
) -> dict[str, Any]:
    """``customer_refusal``: the caller acts as the customer (anonymous actions): the
    cancellation policy applies, and this is its refusal."""
    rules.authorize_flags(caller.role, flags, prefix)

    async def apply(uow: UnitOfWork, row: sa.Row[Any], now: datetime) -> Change:
        if not by_order:
            refuse_multi_service_child(row)
        return await cancel_change(
            uow,
            caller,
            row,
            now,
            notification,
            flags,
            customer_refusal,
            waive_charges=waive_charges,
            by_order=by_order,
        )

    return await _mutate(db, caller, booking_id, revision, apply, revision_required=not by_order)


async def cancel_booking(
    db: Database, caller: Identity, req: CancelBookingRequest
) -> dict[str, Any]:
    booking = await _cancel(
        db,
        caller,
        req.booking_id,
        req.revision,
        req.participant_notification,
        flags_doc(req.flow_control_settings),
        waive_charges=bool(req.waive_charges),
    )
    return {"booking": booking}


async def cancel_for_order(db: Database, caller: Identity, booking_id: str) -> dict[str, Any]:
    """Cancel a booking because its order was canceled (no policy, no fee, no refund)."""
    return await _cancel(db, caller, booking_id, None, None, {}, by_order=True)


async def bulk_cancel_bookings(
    db: Database, caller: Identity, req: BulkCancelBookingsRequest
) -> dict[str, Any]:
    if req.bookings is not None and req.recurring_cancellation is not None:
        raise errors.invalid_field(
            "recurringCancellation",
            "cannot be sent together with bookings",
            errors.ONE_OF_ALIGNMENT,
        )
    if req.recurring_cancellation is not None:
        raise errors.not_found(
            "RECURRING_GROUP_NOT_FOUND",
            "No recurring booking group found: this server has no recurring bookings",
        )
    if req.bookings is None:
        raise errors.ApplicationError(
            "MISSING_CANCELLATION_INFO",
            "Send bookings.bookingsInfo or recurringCancellation",
            http_status=400,
        )
    infos = req.bookings.bookings_info
    ids = [i.booking_id for i in infos if i.booking_id]
    if len(ids) != len(set(ids)):
        raise errors.ApplicationError(
            "DUPLICATE_BOOKING_IDS", "A booking id is listed more than once", http_status=400
        )

    async def cancel(i: int, info: CancelBookingInfo) -> dict[str, Any]:
        if not info.booking_id:
            raise errors.invalid_field(
                f"bookings.bookingsInfo[{i}].bookingId", "is required", errors.REQUIRED_FIELD
            )
        if info.revision is None:
            raise errors.revision_required(f"bookings.bookingsInfo[{i}].revision")
        return await _cancel(
            db,
            caller,
            info.booking_id,
            info.revision,
            info.participant_notification,
            flags_doc(info.flow_control_settings),
            f"bookings.bookingsInfo[{i}].flowControlSettings",
            waive_charges=bool(info.waive_charges),
        )

    return await bulk_each(
        infos,
        cancel,
        return_entity=bool(req.return_full_entity),
        item_id=lambda info: info.booking_id,
    )


async def mark_booking_as_pending(
    db: Database, caller: Identity, req: MarkBookingAsPendingRequest
) -> dict[str, Any]:
    ask = StatusAsk.of(caller, req)

    async def apply(uow: UnitOfWork, row: sa.Row[Any], now: datetime) -> Change:
        return await pending_change(uow, caller, row, now, ask)

    booking = await _mutate(db, caller, req.booking_id, req.revision, apply)
    return {"booking": booking}


async def _confirm_or_decline(
    db: Database,
    caller: Identity,
    booking_id: str,
    payment_status: PaymentStatus | None,
    *,
    decline_if_taken: bool = False,
) -> dict[str, Any]:
    """``decline_if_taken``: decline a booking whose slot is taken even when it is paid (an
    online payment that came after its hold ran out: its order refunds it)."""

    async def apply(uow: UnitOfWork, row: sa.Row[Any], now: datetime) -> Change:
        status = Status(row.status)
        state.check(state.Action.CONFIRM_OR_DECLINE, status, row.id)
        service = await _service(uow, row.service_id)
        target = await _lock_owner(uow, row, service)
        created_flags = (row.doc or {}).get("flowControlSettings") or {}
        conflict = False
        values: dict[str, Any] = {"hold_until": None}
        if not created_flags.get("skipAvailabilityValidation"):
            fits, resource_id = await _fits_now(uow, row, target, now)
            conflict = not fits
            if fits and resource_id is not None and resource_id != row.resource_id:
                values["resource_id"] = resource_id
        payment = payment_status.value if payment_status else row.payment_status
        approval = service.requires_manual_approval
        needs_approval = approval and not created_flags.get("skipBusinessConfirmation")
        new = state.confirm_or_decline(
            status,
            conflict=conflict,
            unpaid=decline_if_taken or PaymentStatus(payment) in rules.UNPAID,
            needs_approval=needs_approval,
            booking_id=row.id,
        )
        double = bool(row.double_booked) or (conflict and new != Status.DECLINED)
        doc = copy.deepcopy(row.doc)
        if "resource_id" in values and new != Status.DECLINED:
            target.entity = doc.get("bookedEntity") or {}
            rid = values["resource_id"]
            _resource_doc(target, rid, await staff.staff_by_resource_ids(uow, [rid]))
            doc["bookedEntity"] = target.entity
        else:
            values.pop("resource_id", None)
        extra: dict[str, Any] = {
            "previousStatus": row.status,
            "previousPaymentStatus": row.payment_status,
        }
        slug = {
            Status.CONFIRMED: "confirmed",
            Status.PENDING: "markedAsPending",
            Status.DECLINED: "declined",
        }[new]
        outbox: list[tuple[str, events.EventKind, dict[str, Any]]] = [(slug, "action", extra)]
        if new == status:
            outbox = [("updated", "updated", {})]
        return Change(new, payment, doc, double, values, outbox)

    return await _mutate(db, caller, booking_id, None, apply, revision_required=False)


async def confirm_or_decline_booking(
    db: Database, caller: Identity, req: ConfirmOrDeclineBookingRequest
) -> dict[str, Any]:
    booking = await _confirm_or_decline(db, caller, req.booking_id, req.payment_status)
    return {"booking": booking}


async def bulk_confirm_or_decline_booking(
    db: Database, caller: Identity, req: BulkConfirmOrDeclineBookingRequest
) -> dict[str, Any]:
    ids = [d.booking_id for d in req.details]
    if len(ids) != len(set(ids)):
        raise errors.failed_precondition(
            "DUPLICATED_BOOKINGS", "A booking id is listed more than once"
        )

    async def confirm_or_decline(_index: int, detail: ConfirmOrDeclineDetails) -> dict[str, Any]:
        return await _confirm_or_decline(db, caller, detail.booking_id, detail.payment_status)

    return await bulk_each(
        req.details,
        confirm_or_decline,
        return_entity=bool(req.return_entity),
        item_id=lambda detail: detail.booking_id,
    )


async def update_number_of_participants(
    db: Database, caller: Identity, req: UpdateNumberOfParticipantsRequest
) -> dict[str, Any]:
    wanted = rules.participants_of(
        req.total_participants, req.number_of_participants, req.participants_choices, ""
    )

    async def apply(uow: UnitOfWork, row: sa.Row[Any], now: datetime) -> Change:
        state.check(state.Action.UPDATE_PARTICIPANTS, Status(row.status), row.id)
        if row.kind == rules.APPOINTMENT:
            raise errors.failed_precondition(
                "VALIDATION_FAILURE",
                "The number of participants of an appointment cannot be changed",
                bookingId=row.id,
            )
        service = await _service(uow, row.service_id)
        target = await _lock_owner(uow, row, service)
        holding = capacity.holds(Status(row.status), row.hold_until, now)
        if holding and wanted > row.participants:
            cap = await _owner_capacity(uow, target)
            owner = row.event_id if row.kind == rules.CLASS else row.schedule_id
            used = await load.occupied(uow, row.kind, owner or "", now, row.id)
            if not capacity.fits(cap, used, wanted):
                raise _capacity_error(row.kind)
        doc = copy.deepcopy(row.doc)
        extra: dict[str, Any] = {}
        if "participantsChoices" in doc:
            extra["previousParticipantsChoices"] = doc["participantsChoices"]
        else:
            extra["previousTotalParticipants"] = doc.get("totalParticipants", row.participants)
        doc.pop("participantsChoices", None)
        doc.pop("totalParticipants", None)
        if req.participants_choices is not None:
            doc["participantsChoices"] = to_wire(req.participants_choices)
        else:
            doc["totalParticipants"] = wanted
        return Change(
            Status(row.status),
            row.payment_status,
            doc,
            bool(row.double_booked),
            {"participants": wanted},
            [("number_of_participants_updated", "action", extra)],
        )

    booking = await _mutate(db, caller, req.booking_id, req.revision, apply)
    return {"booking": booking}


async def update_extended_fields(
    db: Database, caller: Identity, req: UpdateExtendedFieldsRequest
) -> dict[str, Any]:
    if req.namespace is None:
        raise errors.invalid_field("namespace", "is required", errors.REQUIRED_FIELD)
    if req.namespace_data is None:
        raise errors.invalid_field("namespaceData", "is required", errors.REQUIRED_FIELD)
    namespace, data = req.namespace, req.namespace_data

    async def apply(uow: UnitOfWork, row: sa.Row[Any], now: datetime) -> Change:
        doc = copy.deepcopy(row.doc)
        extended = doc.setdefault("extendedFields", {})
        extended.setdefault("namespaces", {})[namespace] = data
        return Change(
            Status(row.status),
            row.payment_status,
            doc,
            bool(row.double_booked),
            outbox=[("updated", "updated", {})],
        )

    await _mutate(db, caller, req.id, None, apply, revision_required=False)
    return {"namespace": namespace, "namespaceData": data}


async def set_booking_submission_id(
    db: Database, caller: Identity, req: SetBookingSubmissionIdRequest
) -> dict[str, Any]:
    if req.submission_id is None:
        raise errors.invalid_field("submissionId", "is required", errors.REQUIRED_FIELD)
    submission = req.submission_id

    async def apply(uow: UnitOfWork, row: sa.Row[Any], now: datetime) -> Change:
        doc = copy.deepcopy(row.doc)
        doc["formSubmissionId"] = submission
        return Change(
            Status(row.status),
            row.payment_status,
            doc,
            bool(row.double_booked),
            outbox=[("updated", "updated", {})],
        )

    booking = await _mutate(db, caller, req.booking_id, None, apply, revision_required=False)
    return {"booking": booking}


async def bulk_calculate_allowed_actions(
    db: Database, caller: Identity, req: BulkCalculateAllowedActionsRequest
) -> dict[str, Any]:
    results = BulkResults(return_entity=True)
    async with db.read(caller.site_id) as scope:
        ids = list(dict.fromkeys(req.booking_ids))
        rows = {r.id: r for r in await scope.all(scope.select(_b).where(_b.c.id.in_(ids)))}
        views = [BookingView.of_row(r) for r in rows.values()]
        actions = await allowed_actions_of(scope, views, utcnow())
    for i, booking_id in enumerate(req.booking_ids):
        if booking_id not in rows:
            results.failed(i, booking_id, booking_not_found(booking_id))
        else:
            results.ok(i, booking_id, actions[booking_id])
    return results.to_wire()
