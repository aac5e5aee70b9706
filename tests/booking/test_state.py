"""The status machine and the capacity/policy rules, as pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bookings.booking import capacity, rules, state
from bookings.booking.state import Action, Status
from bookings.platform.errors import ApplicationError

S = Status
LEGAL: dict[Action, set[Status]] = {
    Action.CONFIRM: {S.CREATED, S.PENDING, S.WAITING_LIST},
    Action.DECLINE: {S.CREATED, S.PENDING, S.WAITING_LIST},
    Action.CANCEL: {S.CREATED, S.PENDING, S.CONFIRMED, S.WAITING_LIST},
    Action.MARK_AS_PENDING: {S.CREATED},
    Action.CONFIRM_OR_DECLINE: {S.CREATED, S.PENDING},
    Action.RESCHEDULE: {S.CREATED, S.PENDING, S.CONFIRMED, S.WAITING_LIST},
    Action.UPDATE_PARTICIPANTS: {S.CREATED, S.PENDING, S.CONFIRMED, S.WAITING_LIST},
    Action.UPDATE: set(S),
}


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("status", list(Status))
def test_every_transition(action: Action, status: Status) -> None:
    if status in LEGAL[action]:
        state.check(action, status, "b")
        assert state.allowed(action, status)
        return
    with pytest.raises(ApplicationError) as caught:
        state.check(action, status, "b")
    assert caught.value.http_status == 428
    expected = "INVALID_BOOKING_STATUS"
    if action == Action.DECLINE and status == S.CONFIRMED:
        expected = "FAILED_DECLINE_NON_PENDING_BOOKING"
    if action == Action.MARK_AS_PENDING:
        expected = "BOOKING_MARK_BOOKING_AS_PENDING"
    assert caught.value.code == expected
    assert caught.value.data == {"bookingId": "b", "status": status.value}


def test_targets() -> None:
    assert state.confirm(S.PENDING) == S.CONFIRMED
    assert state.decline(S.CREATED) == S.DECLINED
    assert state.cancel(S.CONFIRMED) == S.CANCELED
    assert state.mark_as_pending(S.CREATED) == S.PENDING
    assert state.initial(None) == S.CREATED
    assert state.initial(S.CONFIRMED) == S.CONFIRMED
    assert state.reschedule(S.PENDING, skip_business_confirmation=True) == S.CONFIRMED
    assert state.reschedule(S.CREATED, skip_business_confirmation=True) == S.CREATED
    assert state.reschedule(S.PENDING, skip_business_confirmation=False) == S.PENDING


@pytest.mark.parametrize(
    ("conflict", "unpaid", "approval", "expected"),
    [
        (False, True, False, S.CONFIRMED),
        (False, False, False, S.CONFIRMED),
        (False, True, True, S.PENDING),
        (True, True, False, S.DECLINED),
        (True, True, True, S.DECLINED),
        (True, False, False, S.CONFIRMED),  # paid: confirmed, and flagged doubleBooked
        (True, False, True, S.PENDING),
    ],
)
def test_confirm_or_decline(conflict: bool, unpaid: bool, approval: bool, expected: Status) -> None:
    got = state.confirm_or_decline(
        S.CREATED, conflict=conflict, unpaid=unpaid, needs_approval=approval
    )
    assert got == expected


NOW = datetime(2030, 1, 7, 12, tzinfo=UTC)


def test_capacity_holding() -> None:
    assert capacity.holds(S.CONFIRMED, None, NOW)
    assert capacity.holds(S.PENDING, None, NOW)
    assert not capacity.holds(S.WAITING_LIST, None, NOW)
    assert not capacity.holds(S.CANCELED, None, NOW)
    assert capacity.holds(S.CREATED, NOW + timedelta(seconds=1), NOW)
    assert not capacity.holds(S.CREATED, NOW, NOW)
    assert not capacity.holds(S.CREATED, None, NOW)
    assert capacity.hold_minutes({}) == 15
    assert capacity.hold_minutes({"createdBookingHoldMinutes": 0}) == 0
    assert capacity.hold_minutes({"createdBookingHoldMinutes": "x"}) == 15
    assert capacity.fits(10, 9, 1) and not capacity.fits(10, 9, 2) and capacity.fits(None, 99, 9)


def test_pick_resource_respects_buffers() -> None:
    a, b = "a", "b"
    wanted = capacity.busy_span(NOW, NOW + timedelta(hours=1), 15)
    held = {a: [(NOW - timedelta(hours=1), NOW + timedelta(minutes=1))]}
    assert capacity.pick_resource([a, b], [a, b], held, wanted) == b
    assert capacity.pick_resource([a, b], [a], held, wanted) is None
    # A booking ending right where the buffer ends does not conflict.
    later = {a: [(wanted[1], wanted[1] + timedelta(hours=1))]}
    assert capacity.pick_resource([a], [a], later, wanted) == a


def _policy(**sub: object) -> dict[str, object]:
    return dict(sub)


def test_cancel_and_reschedule_windows_from_the_snapshot() -> None:
    start = NOW + timedelta(hours=3)
    closed = _policy(cancellationPolicy={"enabled": False})
    assert not rules.may_cancel(closed, start, NOW)
    free = _policy(cancellationPolicy={"enabled": True, "limitLatestCancellation": False})
    assert rules.may_cancel(free, start, NOW)
    assert not rules.may_cancel(free, start, start)  # never after the start
    limited = _policy(
        cancellationPolicy={
            "enabled": True,
            "limitLatestCancellation": True,
            "latestCancellationInMinutes": 120,
        },
        reschedulePolicy={
            "enabled": True,
            "limitLatestReschedule": True,
            "latestRescheduleInMinutes": 240,
        },
    )
    assert rules.may_cancel(limited, start, NOW)
    assert not rules.may_cancel(limited, start, NOW + timedelta(minutes=61))
    assert not rules.may_reschedule(limited, start, NOW)
    assert rules.allowed_actions(S.CONFIRMED, rules.CLASS, limited, start, NOW) == {
        "cancel": True,
        "reschedule": False,
    }
    assert rules.allowed_actions(S.CANCELED, rules.CLASS, limited, start, NOW) == {
        "cancel": False,
        "reschedule": False,
    }
    opened = _policy(cancellationPolicy={"enabled": True}, reschedulePolicy={"enabled": True})
    assert rules.allowed_actions(S.CREATED, rules.COURSE, opened, start, NOW) == {
        "cancel": True,
        "reschedule": False,
    }


def test_booking_policy_at_create() -> None:
    start = NOW + timedelta(days=10)
    service = {
        "bookingPolicy": {
            "limitEarlyBookingPolicy": {"enabled": True, "earliestBookingInMinutes": 1440},
            "participantsPolicy": {"maxParticipantsPerBooking": 2},
        }
    }
    with pytest.raises(ApplicationError) as caught:
        rules.check_booking_policy(service, start, 1, NOW)
    assert caught.value.code == "BOOKING_POLICY_VIOLATION"
    assert caught.value.data == {
        "policyViolations": {
            "tooEarlyToBook": True,
            "tooLateToBook": False,
            "bookOnlineDisabled": False,
        }
    }
    rules.check_booking_policy(service, NOW + timedelta(hours=3), 2, NOW)
    with pytest.raises(ApplicationError) as caught:
        rules.check_booking_policy(service, NOW + timedelta(hours=3), 3, NOW)
    assert caught.value.data == {"maxParticipantsPerBooking": 2}
    with pytest.raises(ApplicationError):  # already started, book-after-start off
        rules.check_booking_policy(service, NOW - timedelta(minutes=1), 1, NOW)
    off = {"onlineBooking": {"enabled": False}}
    with pytest.raises(ApplicationError) as caught:
        rules.check_booking_policy(off, start, 1, NOW)
    assert caught.value.data["policyViolations"]["bookOnlineDisabled"] is True
