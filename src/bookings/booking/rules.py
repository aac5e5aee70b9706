"""Validation and policy rules of Bookings Writer V2 (pure, no I/O).

* who may use which ``flowControlSettings`` and create statuses (:func:`authorize_flags`);
* the shape of a create request (:func:`participants_of`, :func:`kind_of`);
* booking policies at create time from the service's *current* policy
  (:func:`check_booking_policy`), and cancel/reschedule windows from the booking's policy
  *snapshot* (:func:`may_cancel`, :func:`may_reschedule`, :func:`allowed_actions`);
* the payment option a service offers (:func:`check_payment_option`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bookings.booking.schemas import (
    BookingIn,
    ParticipantChoices,
    PaymentStatus,
    SelectedPaymentOption,
)
from bookings.booking.state import LIVE, Status
from bookings.platform import errors
from bookings.platform.auth import Role

APPOINTMENT = "APPOINTMENT"
CLASS = "CLASS"
COURSE = "COURSE"
#: ``bookedEntity.tags`` of each kind.
TAGS = {APPOINTMENT: "INDIVIDUAL", CLASS: "GROUP", COURSE: "COURSE"}
#: Payment statuses Confirm Or Decline declines on a conflict.
UNPAID = frozenset(
    {PaymentStatus.UNDEFINED, PaymentStatus.NOT_PAID, PaymentStatus.REFUNDED, PaymentStatus.EXEMPT}
)
#: Flags that override availability, approval or policies: the business (ADMIN) only.
ADMIN_FLAGS = frozenset(
    {
        "skipAvailabilityValidation",
        "skipBusinessConfirmation",
        "ignoreCancellationPolicy",
        "ignoreReschedulePolicy",
    }
)
#: Event location types -> booking location types.
LOCATION_TYPES = {"BUSINESS": "OWNER_BUSINESS", "CUSTOM": "OWNER_CUSTOM", "CUSTOMER": "CUSTOM"}


def unauthorized(message: str, **data: Any) -> errors.ApplicationError:
    return errors.ApplicationError("UNAUTHORIZED_OPERATION", message, http_status=403, data=data)


def authorize_flags(role: Role, flags: Mapping[str, Any] | None, prefix: str) -> None:
    """Visitors and members may not send any flow-control flag; apps may not send the ones
    that override availability, approval or policies (403 ``UNAUTHORIZED_OPERATION``)."""
    used = sorted(k for k, v in (flags or {}).items() if v)
    if not used:
        return
    if role in (Role.VISITOR, Role.MEMBER):
        raise unauthorized(
            f"{role.value} callers may not use {prefix}.{used[0]}", field=f"{prefix}.{used[0]}"
        )
    if role == Role.APP:
        for flag in used:
            if flag in ADMIN_FLAGS:
                raise unauthorized(
                    f"Only the business (an ADMIN key) may use {prefix}.{flag}",
                    field=f"{prefix}.{flag}",
                )


def authorize_status(role: Role, status: Status | None) -> None:
    if status is None or status == Status.CREATED:
        return
    if status != Status.CONFIRMED:
        raise errors.invalid_field(
            "booking.status", "can only be CREATED or CONFIRMED when creating a booking"
        )
    if role not in (Role.ADMIN, Role.APP):
        raise unauthorized(
            "Only the business may create a CONFIRMED booking", field="booking.status"
        )


def total_of(choices: ParticipantChoices) -> int:
    return sum(c.number_of_participants or 1 for c in choices.service_choices)


def participants_of(
    total: int | None,
    legacy: int | None,
    choices: ParticipantChoices | None,
    prefix: str,
) -> int:
    """Participants of a request: exactly one of ``totalParticipants`` (or its legacy alias
    ``numberOfParticipants``) and ``participantsChoices``."""
    given = total if total is not None else legacy
    if given is not None and choices is not None:
        raise errors.invalid_field(
            f"{prefix}participantsChoices",
            "cannot be sent together with totalParticipants",
            errors.ONE_OF_ALIGNMENT,
        )
    if given is None and choices is None:
        raise errors.invalid_field(
            f"{prefix}totalParticipants",
            "or participantsChoices is required",
            errors.REQUIRED_ONE_OF_FIELD,
        )
    return given if given is not None else total_of(choices)  # type: ignore[arg-type]


def kind_of(booking: BookingIn) -> str:
    """APPOINTMENT, CLASS or COURSE from the shape of ``bookedEntity`` (validated)."""
    entity = booking.booked_entity
    if entity is None:
        raise errors.invalid_field("booking.bookedEntity", "is required", errors.REQUIRED_FIELD)
    if entity.slot is not None and entity.schedule is not None:
        raise errors.invalid_field(
            "booking.bookedEntity.schedule",
            "cannot be sent together with slot",
            errors.ONE_OF_ALIGNMENT,
        )
    if entity.schedule is not None:
        if not entity.schedule.schedule_id:
            raise errors.invalid_field(
                "booking.bookedEntity.schedule.scheduleId", "is required", errors.REQUIRED_FIELD
            )
        return COURSE
    slot = entity.slot
    if slot is None:
        raise errors.invalid_field(
            "booking.bookedEntity.slot", "or schedule is required", errors.REQUIRED_ONE_OF_FIELD
        )
    if slot.event_id or slot.session_id:
        return CLASS
    prefix = "booking.bookedEntity.slot"
    for name, value in (
        ("serviceId", slot.service_id),
        ("startDate", slot.start_date),
        ("endDate", slot.end_date),
    ):
        if value is None:
            raise errors.invalid_field(f"{prefix}.{name}", "is required", errors.REQUIRED_FIELD)
    assert slot.start_date is not None and slot.end_date is not None
    if slot.end_date <= slot.start_date:
        raise errors.invalid_field(f"{prefix}.endDate", "must be after startDate")
    return APPOINTMENT


# ---------------------------------------------------------------- policies


def _minutes(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


@dataclass(frozen=True, slots=True)
class PolicyViolations:
    too_early: bool = False
    too_late: bool = False
    online_disabled: bool = False

    @property
    def any(self) -> bool:
        return self.too_early or self.too_late or self.online_disabled

    def wire(self) -> dict[str, bool]:
        return {
            "tooEarlyToBook": self.too_early,
            "tooLateToBook": self.too_late,
            "bookOnlineDisabled": self.online_disabled,
        }


def booking_violations(
    service: Mapping[str, Any], start: datetime | None, now: datetime
) -> PolicyViolations:
    """Too early / too late / online booking disabled for a booking starting at ``start``,
    from the service's current ``bookingPolicy`` and ``onlineBooking``."""
    policy = service.get("bookingPolicy") or {}
    online = (service.get("onlineBooking") or {}).get("enabled") is not False
    if start is None:
        return PolicyViolations(online_disabled=not online)
    early = policy.get("limitEarlyBookingPolicy") or {}
    late = policy.get("limitLateBookingPolicy") or {}
    after = policy.get("bookAfterStartPolicy") or {}
    too_early = bool(early.get("enabled")) and now < start - timedelta(
        minutes=_minutes(early.get("earliestBookingInMinutes"), 10080)
    )
    too_late = (
        bool(late.get("enabled"))
        and now > start - timedelta(minutes=_minutes(late.get("latestBookingInMinutes"), 1440))
    ) or (not after.get("enabled") and now >= start)
    return PolicyViolations(too_early, too_late, not online)


def max_participants(service: Mapping[str, Any]) -> int | None:
    policy = (service.get("bookingPolicy") or {}).get("participantsPolicy") or {}
    value = policy.get("maxParticipantsPerBooking")
    return value if isinstance(value, int) and value >= 1 else None


def policy_violation(message: str, **data: Any) -> errors.ApplicationError:
    return errors.ApplicationError("BOOKING_POLICY_VIOLATION", message, http_status=403, data=data)


def check_booking_policy(
    service: Mapping[str, Any], start: datetime | None, participants: int, now: datetime
) -> None:
    """403 ``BOOKING_POLICY_VIOLATION`` naming the violation (``data.policyViolations`` or
    ``data.maxParticipantsPerBooking``)."""
    found = booking_violations(service, start, now)
    if found.any:
        which = next(
            name
            for name, on in (
                ("online booking is disabled", found.online_disabled),
                ("it is too early to book", found.too_early),
                ("it is too late to book", found.too_late),
            )
            if on
        )
        raise policy_violation(
            f"The service's booking policy refuses this booking: {which}",
            policyViolations=found.wire(),
        )
    limit = max_participants(service)
    if limit is not None and participants > limit:
        raise policy_violation(
            f"At most {limit} participants may be booked at once",
            maxParticipantsPerBooking=limit,
        )


def _window_open(
    sub: Mapping[str, Any], limit_key: str, minutes_key: str, start: datetime | None, now: datetime
) -> bool:
    if not sub.get("enabled"):
        return False
    if start is None:
        return True
    if now >= start:
        return False
    if sub.get(limit_key):
        return now <= start - timedelta(minutes=_minutes(sub.get(minutes_key), 1440))
    return True


def may_cancel(snapshot: Mapping[str, Any], start: datetime | None, now: datetime) -> bool:
    """Whether the booking's (frozen) cancellation policy lets the customer cancel now."""
    return _window_open(
        snapshot.get("cancellationPolicy") or {},
        "limitLatestCancellation",
        "latestCancellationInMinutes",
        start,
        now,
    )


def may_reschedule(snapshot: Mapping[str, Any], start: datetime | None, now: datetime) -> bool:
    return _window_open(
        snapshot.get("reschedulePolicy") or {},
        "limitLatestReschedule",
        "latestRescheduleInMinutes",
        start,
        now,
    )


def allowed_actions(
    status: Status, kind: str, snapshot: Mapping[str, Any], start: datetime | None, now: datetime
) -> dict[str, bool]:
    """``{cancel, reschedule}`` as the customer may do them now: a live booking, inside the
    windows of its policy snapshot; courses are never rescheduled."""
    live = status in LIVE
    return {
        "cancel": live and may_cancel(snapshot, start, now),
        "reschedule": live
        and status != Status.WAITING_LIST
        and kind != COURSE
        and may_reschedule(snapshot, start, now),
    }


# ---------------------------------------------------------------- payment


def offered_options(service: Mapping[str, Any]) -> set[SelectedPaymentOption]:
    options = (service.get("payment") or {}).get("options") or {}
    offered: set[SelectedPaymentOption] = set()
    if options.get("online"):
        offered.add(SelectedPaymentOption.ONLINE)
    if options.get("inPerson"):
        offered.add(SelectedPaymentOption.OFFLINE)
    if options.get("pricingPlan"):
        offered.add(SelectedPaymentOption.MEMBERSHIP)
        if options.get("inPerson"):
            offered.add(SelectedPaymentOption.MEMBERSHIP_OFFLINE)
    return offered


def check_payment_option(
    service: Mapping[str, Any], option: SelectedPaymentOption | None, prefix: str = "booking"
) -> None:
    """428 ``VALIDATION_FAILURE`` when the service does not offer ``option``."""
    if option is None or option == SelectedPaymentOption.UNDEFINED:
        return
    if option not in offered_options(service):
        raise errors.failed_precondition(
            "VALIDATION_FAILURE",
            f"The service does not offer the payment option {option.value}",
            field=f"{prefix}.selectedPaymentOption",
        )


def location_from_event(location: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A calendar event's location as a booking ``Location``."""
    if not location:
        return None
    out: dict[str, Any] = {}
    if location.get("id"):
        out["id"] = location["id"]
    if location.get("name"):
        out["name"] = location["name"]
    if location.get("address"):
        out["formattedAddress"] = location["address"]
    out["locationType"] = LOCATION_TYPES.get(str(location.get("type")), "UNDEFINED")
    return out


def session_not_found(event_id: str) -> errors.ApplicationError:
    """404 ``SESSION_NOT_FOUND``: the class session a booking names does not exist (or is
    cancelled); the same body wherever it is answered."""
    return errors.not_found("SESSION_NOT_FOUND", f"Session {event_id} not found", eventId=event_id)
