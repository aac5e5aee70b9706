"""The rules of multi-service bookings (pure, no I/O).

A multi-service booking ("package") is 2 to 8 appointment bookings of one customer, at one
location, back to back (``SEQUENTIAL_BOOKINGS``: each starts where the one before ends).
Each child is a full booking; the package changes all its children or none, and a status
call names every child with its current revision.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from bookings.booking import state
from bookings.booking.state import Status
from bookings.platform import errors

MIN_CHILDREN = 2
MAX_CHILDREN = 8
SEQUENTIAL = "SEQUENTIAL_BOOKINGS"


def not_found(package_id: str) -> errors.ApplicationError:
    return errors.not_found(
        "MULTI_SERVICE_BOOKING_NOT_FOUND",
        f"Multi-service booking {package_id} not found",
        multiServiceBookingId=package_id,
    )


def info_doc(package_id: str) -> dict[str, Any]:
    """A child's ``multiServiceBookingInfo``."""
    return {"id": package_id, "type": SEQUENTIAL}


def package_wire(
    package_id: str, children: Iterable[Mapping[str, Any]], full: bool
) -> dict[str, Any]:
    """The wire MultiServiceBooking: its children in order, the bookings only when ``full``."""
    return {"id": package_id, "bookings": results(children, full)}


def results(children: Iterable[Mapping[str, Any]], full: bool) -> list[dict[str, Any]]:
    """``BookingResult`` items: ``{bookingId}``, and ``booking`` when ``full``."""
    out: list[dict[str, Any]] = []
    for booking in children:
        item: dict[str, Any] = {"bookingId": booking["id"]}
        if full:
            item["booking"] = dict(booking)
        out.append(item)
    return out


def check_count(count: int, field: str) -> None:
    """2 to 8 children (400 on ``field``)."""
    if count < MIN_CHILDREN:
        raise errors.invalid_field(
            field, f"a multi-service booking needs at least {MIN_CHILDREN} bookings", "MIN_SIZE"
        )
    if count > MAX_CHILDREN:
        raise errors.invalid_field(
            field, f"a multi-service booking holds at most {MAX_CHILDREN} bookings", "MAX_SIZE"
        )


def location_key(location: Mapping[str, Any] | None) -> tuple[str, str]:
    """What makes two slot locations the same place: type, and id or address."""
    loc = location or {}
    kind = str(loc.get("locationType") or "")
    where = str(loc.get("id") or loc.get("formattedAddress") or "")
    return kind, where


def check_chain(
    parts: Sequence[tuple[datetime | None, datetime | None, Mapping[str, Any] | None]],
) -> None:
    """The children, in order, are back to back at one location (428 ``VALIDATION_FAILURE``
    otherwise). ``parts``: each child's start, end and slot location."""
    for i in range(1, len(parts)):
        before, here = parts[i - 1], parts[i]
        if before[1] is None or here[0] is None or before[1] != here[0]:
            raise errors.failed_precondition(
                "VALIDATION_FAILURE",
                f"bookings[{i}] must start when bookings[{i - 1}] ends: the bookings of a "
                "multi-service booking are back to back (SEQUENTIAL_BOOKINGS)",
                index=i,
            )
        if location_key(before[2]) != location_key(here[2]):
            raise errors.failed_precondition(
                "VALIDATION_FAILURE",
                f"bookings[{i}] is at another location than bookings[{i - 1}]: the bookings "
                "of a multi-service booking share one location",
                index=i,
            )


def check_infos(
    children: Mapping[str, int],
    infos: Sequence[tuple[str | None, int | None]] | None,
    field: str,
) -> None:
    """A status call's list names every child once with its current revision.

    ``children``: each child's id and revision; ``infos``: the call's ``(bookingId,
    revision)`` items. 400 ``NOT_ALL_BOOKINGS_WERE_SENT`` / ``DUPLICATE_BOOKING_INFO`` /
    ``REVISION_MISSING``, 404 ``BOOKING_NOT_FOUND`` (not a child), 428
    ``BOOKING_REVISION_MISMATCH``."""
    seen: set[str] = set()
    for i, (booking_id, revision) in enumerate(infos or ()):
        if not booking_id:
            raise errors.invalid_field(f"{field}[{i}].bookingId", "is required", "REQUIRED_FIELD")
        if booking_id in seen:
            raise errors.ApplicationError(
                "DUPLICATE_BOOKING_INFO",
                f"Booking {booking_id} is listed more than once in {field}",
                http_status=400,
                data={"bookingId": booking_id},
            )
        seen.add(booking_id)
        if booking_id not in children:
            raise errors.not_found(
                "BOOKING_NOT_FOUND",
                f"Booking {booking_id} is not part of this multi-service booking",
                bookingId=booking_id,
            )
        if revision is None:
            raise errors.ApplicationError(
                "REVISION_MISSING",
                f"{field}[{i}].revision is required",
                http_status=400,
                data={"bookingId": booking_id},
            )
    missing = [c for c in children if c not in seen]
    if missing:
        raise errors.ApplicationError(
            "NOT_ALL_BOOKINGS_WERE_SENT",
            f"{field} must name every booking of the multi-service booking with its revision",
            http_status=400,
            data={"missingBookingIds": missing},
        )
    for booking_id, revision in infos or ():
        assert booking_id is not None and revision is not None
        if children[booking_id] != revision:
            raise revision_mismatch(booking_id, revision, children[booking_id])


def revision_mismatch(booking_id: str, given: int, current: int) -> errors.ApplicationError:
    return errors.failed_precondition(
        "BOOKING_REVISION_MISMATCH",
        f"Booking {booking_id} is at revision {current}, not {given}",
        bookingId=booking_id,
        currentRevision=str(current),
    )


#: Per status call: what counts as done already, and the refusal when every child is done.
_DONE: dict[state.Action, tuple[frozenset[Status], str]] = {
    state.Action.CONFIRM: (frozenset({Status.CONFIRMED}), "ALL_BOOKINGS_ARE_ALREADY_CONFIRMED"),
    state.Action.DECLINE: (frozenset({Status.DECLINED}), "ALL_BOOKINGS_ARE_ALREADY_DECLINED"),
    state.Action.CANCEL: (
        frozenset({Status.CANCELED, Status.DECLINED}),
        "ALL_BOOKINGS_ARE_ALREADY_CANCELED",
    ),
    state.Action.MARK_AS_PENDING: (frozenset({Status.PENDING}), "INVALID_BOOKING_STATUS"),
}


def to_change(statuses: Mapping[str, Status], action: state.Action) -> list[str]:
    """The children a status call changes: those not already where it leads (428 when none
    is left; every other child must allow ``action``, else the state machine's refusal)."""
    done, code = _DONE[action]
    left = [booking_id for booking_id, status in statuses.items() if status not in done]
    if not left:
        if action == state.Action.CANCEL and all(s == Status.DECLINED for s in statuses.values()):
            code = "ALL_BOOKINGS_ARE_ALREADY_DECLINED"
        raise errors.failed_precondition(
            code, f"No booking of the multi-service booking can {action.value.lower()}"
        )
    for booking_id in left:
        state.check(action, statuses[booking_id], booking_id)
    return left


def strictest(actions: Iterable[Mapping[str, Any]]) -> dict[str, bool]:
    """What a package allows: an action only when every child allows it."""
    listed = list(actions)
    return {
        "cancel": bool(listed) and all(a.get("cancel") for a in listed),
        "reschedule": bool(listed) and all(a.get("reschedule") for a in listed),
    }
