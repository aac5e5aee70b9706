"""The booking status machine (pure, no I/O).

::

    (none) --create--> CREATED | CONFIRMED (CONFIRMED: backend callers only)
    CREATED --markAsPending / confirmOrDecline (manual approval)--> PENDING
    CREATED|PENDING|WAITING_LIST --confirm / confirmOrDecline--> CONFIRMED
    PENDING --reschedule with skipBusinessConfirmation--> CONFIRMED
    CREATED|PENDING|WAITING_LIST --decline / confirmOrDecline (conflict, unpaid)--> DECLINED
    CREATED|PENDING|CONFIRMED|WAITING_LIST --cancel--> CANCELED
    CANCELED, DECLINED: terminal.

Reschedule, participant updates, submission id and extended fields keep the status (and are
refused on a terminal booking). Every refusal is the spec's error code (HTTP 428).
"""

from __future__ import annotations

from enum import StrEnum

from bookings.platform import errors


class Status(StrEnum):
    CREATED = "CREATED"
    CONFIRMED = "CONFIRMED"
    CANCELED = "CANCELED"
    PENDING = "PENDING"
    DECLINED = "DECLINED"
    WAITING_LIST = "WAITING_LIST"


class Action(StrEnum):
    CONFIRM = "CONFIRM"
    DECLINE = "DECLINE"
    CANCEL = "CANCEL"
    MARK_AS_PENDING = "MARK_AS_PENDING"
    CONFIRM_OR_DECLINE = "CONFIRM_OR_DECLINE"
    RESCHEDULE = "RESCHEDULE"
    UPDATE_PARTICIPANTS = "UPDATE_PARTICIPANTS"
    UPDATE = "UPDATE"  # submission id, extended fields


TERMINAL = frozenset({Status.CANCELED, Status.DECLINED})
LIVE = frozenset(Status) - TERMINAL
#: Statuses each action accepts.
SOURCES: dict[Action, frozenset[Status]] = {
    Action.CONFIRM: frozenset({Status.CREATED, Status.PENDING, Status.WAITING_LIST}),
    Action.DECLINE: frozenset({Status.CREATED, Status.PENDING, Status.WAITING_LIST}),
    Action.CANCEL: LIVE,
    Action.MARK_AS_PENDING: frozenset({Status.CREATED}),
    Action.CONFIRM_OR_DECLINE: frozenset({Status.CREATED, Status.PENDING}),
    Action.RESCHEDULE: LIVE,
    Action.UPDATE_PARTICIPANTS: LIVE,
    Action.UPDATE: frozenset(Status),
}
#: Statuses a create may ask for (CONFIRMED only for backend callers).
CREATE_STATUSES = frozenset({Status.CREATED, Status.CONFIRMED})


def _refusal(action: Action, status: Status, booking_id: str) -> errors.ApplicationError:
    code = "INVALID_BOOKING_STATUS"
    if action == Action.DECLINE and status == Status.CONFIRMED:
        code = "FAILED_DECLINE_NON_PENDING_BOOKING"
    elif action == Action.MARK_AS_PENDING:
        code = "BOOKING_MARK_BOOKING_AS_PENDING"
    verb = action.value.lower().replace("_", " ")
    return errors.failed_precondition(
        code,
        f"Booking {booking_id} is {status.value}: it cannot {verb}",
        bookingId=booking_id,
        status=status.value,
    )


def check(action: Action, status: Status, booking_id: str = "") -> None:
    """Raise the spec's error when ``action`` is not allowed from ``status``."""
    if status not in SOURCES[action]:
        raise _refusal(action, status, booking_id)


def allowed(action: Action, status: Status) -> bool:
    return status in SOURCES[action]


def confirm(status: Status, booking_id: str = "") -> Status:
    check(Action.CONFIRM, status, booking_id)
    return Status.CONFIRMED


def decline(status: Status, booking_id: str = "") -> Status:
    check(Action.DECLINE, status, booking_id)
    return Status.DECLINED


def cancel(status: Status, booking_id: str = "") -> Status:
    check(Action.CANCEL, status, booking_id)
    return Status.CANCELED


def mark_as_pending(status: Status, booking_id: str = "") -> Status:
    check(Action.MARK_AS_PENDING, status, booking_id)
    return Status.PENDING


def confirm_or_decline(
    status: Status,
    *,
    conflict: bool,
    unpaid: bool,
    needs_approval: bool,
    booking_id: str = "",
) -> Status:
    """Confirm Or Decline's decision: DECLINED on a conflict of an unpaid booking; else PENDING
    when the service needs manual approval (and the booking is not PENDING already), else
    CONFIRMED."""
    check(Action.CONFIRM_OR_DECLINE, status, booking_id)
    if conflict and unpaid:
        return Status.DECLINED
    if needs_approval:
        return Status.PENDING
    return Status.CONFIRMED


def reschedule(status: Status, *, skip_business_confirmation: bool, booking_id: str = "") -> Status:
    check(Action.RESCHEDULE, status, booking_id)
    if skip_business_confirmation and status == Status.PENDING:
        return Status.CONFIRMED
    return status


def initial(requested: Status | None) -> Status:
    """The status of a new booking (``requested`` already authorized)."""
    return requested if requested in CREATE_STATUSES else Status.CREATED
