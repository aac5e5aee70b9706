"""Pure rules of the Attendance API: which session an attendance belongs to, what a Set
changes, the summary the Bookings Reader shows, and the query dialect of Query/Count.

No I/O: everything here takes values and returns values or raises the API's errors.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bookings.platform import errors

APPOINTMENT = "APPOINTMENT"
CLASS = "CLASS"
COURSE = "COURSE"

#: ``session_key`` of an appointment's single attendance (no calendar event to key it by).
NO_SESSION = ""

#: Fields Query Attendance sorts ascending only (``numberOfAttendees`` sorts both ways).
ASC_ONLY_SORT = frozenset({"id", "bookingId", "sessionId", "eventId", "status"})


class AttendanceStatus(StrEnum):
    NOT_SET = "NOT_SET"
    ATTENDED = "ATTENDED"
    NOT_ATTENDED = "NOT_ATTENDED"


STATUSES = tuple(s.value for s in AttendanceStatus)

#: ``numberOfAttendees`` of a new attendance when the request does not say.
DEFAULT_ATTENDEES = 1


# ---------------------------------------------------------------- errors


def attendance_not_found(attendance_id: str) -> errors.ApplicationError:
    return errors.not_found(
        "ATTENDANCE_NOT_FOUND",
        f"Attendance {attendance_id} not found",
        attendanceId=attendance_id,
    )


def session_id_not_provided(booking_id: str) -> errors.ApplicationError:
    return errors.ApplicationError(
        "SESSION_ID_NOT_PROVIDED",
        f"Booking {booking_id} is a course booking: name the session with attendance.eventId",
        http_status=400,
        data={"bookingId": booking_id},
    )


def session_not_of_booking(booking_id: str, event_id: str) -> errors.ApplicationError:
    return errors.not_found(
        "SESSION_NOT_FOUND",
        f"Event {event_id} is not a session of booking {booking_id}",
        bookingId=booking_id,
        eventId=event_id,
    )


def attendances_missing() -> errors.ApplicationError:
    return errors.ApplicationError(
        "ATTENDANCES_MISSING_IN_REQUEST",
        "attendanceDetails must list at least one attendance",
        http_status=400,
    )


# ---------------------------------------------------------------- which session


def requested_event(event_id: str | None, session_id: str | None, prefix: str) -> str | None:
    """The event the request names: ``eventId``, or the deprecated ``sessionId`` (the same
    thing); empty strings count as absent. Both given and different → 400."""
    event = event_id or None
    session = session_id or None
    if event is not None and session is not None and event != session:
        raise errors.invalid_field(
            f"{prefix}.sessionId",
            "must equal eventId (sessionId is the deprecated name of eventId)",
            errors.OTHER,
            rule_name="SESSION_ID_MISMATCH",
        )
    return event if event is not None else session


def session_key(
    kind: str, booking_id: str, booking_event_id: str | None, requested: str | None
) -> str:
    """The session an attendance of a booking belongs to (its upsert key with the booking).

    * appointment: no calendar event in this server, so the booking alone
      (:data:`NO_SESSION`); naming an event is an error (it cannot be one of the booking's);
    * class: the booking's session (``slot.eventId``); naming another one is an error;
    * course: the request must name the session (``SESSION_ID_NOT_PROVIDED``); whether it is
      one of the course's sessions is the caller's check (it needs the calendar).
    """
    if kind == COURSE:
        if requested is None:
            raise session_id_not_provided(booking_id)
        return requested
    if kind == CLASS:
        if booking_event_id is None:  # a class booking always has its session
            raise session_id_not_provided(booking_id)
        if requested is not None and requested != booking_event_id:
            raise session_not_of_booking(booking_id, requested)
        return booking_event_id
    if requested is not None:
        raise session_not_of_booking(booking_id, requested)
    return NO_SESSION


def is_course_session(event: Mapping[str, Any] | None, schedule_id: str | None) -> bool:
    """Is a calendar event (wire dict) one of the sessions of a course schedule? Occurrences
    only (a recurring series' MASTER is not a session); cancelled sessions still count, so
    attendance recorded before a cancellation can be corrected."""
    if event is None or schedule_id is None:
        return False
    return event.get("scheduleId") == schedule_id and event.get("recurrenceType") != "MASTER"


# ---------------------------------------------------------------- what a Set changes


@dataclass(frozen=True)
class Change:
    """The new values of an existing attendance and the wire fields that differ."""

    status: str
    number_of_attendees: int
    modified: tuple[str, ...]

    @property
    def status_changed(self) -> bool:
        return "status" in self.modified


def change(
    current_status: str, current_attendees: int, status: str, attendees: int | None
) -> Change:
    """Set on an existing attendance: ``status`` replaces; ``numberOfAttendees`` replaces when
    given and is kept otherwise. Status and count are never cross-checked (``NOT_ATTENDED``
    with 5 attendees is accepted, and so are more attendees than participants)."""
    new_attendees = current_attendees if attendees is None else attendees
    modified: list[str] = []
    if status != current_status:
        modified.append("status")
    if new_attendees != current_attendees:
        modified.append("numberOfAttendees")
    return Change(status, new_attendees, tuple(modified))


# ---------------------------------------------------------------- Bookings Reader summary


def summarize(records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The ``ExtendedBooking.attendance`` of one booking from its attendance records
    (``{"id", "status", "numberOfAttendees"}`` each; at least one).

    One record: that record. Several (a course's sessions): no ``id``; ``status`` ATTENDED
    if any record is ATTENDED, else NOT_ATTENDED if any is, else NOT_SET;
    ``numberOfAttendees`` the largest.
    """
    if not records:
        raise ValueError("summarize needs at least one record")
    if len(records) == 1:
        only = records[0]
        return {
            "id": only["id"],
            "status": only["status"],
            "numberOfAttendees": int(only["numberOfAttendees"]),
        }
    found = {r["status"] for r in records}
    status = AttendanceStatus.NOT_SET.value
    for candidate in (AttendanceStatus.ATTENDED.value, AttendanceStatus.NOT_ATTENDED.value):
        if candidate in found:
            status = candidate
            break
    return {
        "status": status,
        "numberOfAttendees": max(int(r["numberOfAttendees"]) for r in records),
    }


# ---------------------------------------------------------------- query dialect

#: Deeper than the query language allows: left for :mod:`bookings.platform.query` to refuse.
_MAX_REWRITE_DEPTH = 20


def _merge_in(node: dict[str, Any], value: Any) -> None:
    """Add ``$in: value`` to an operator object that may have one already (both must hold)."""
    if "$in" not in node:
        node["$in"] = value
        return
    existing = node.pop("$in")
    node.setdefault("$and", [])
    if isinstance(node["$and"], list):
        node["$and"] = [*node["$and"], {"$in": existing}, {"$in": value}]
    else:  # a malformed $and: keep it, the query language reports it
        node["$in"] = existing


def rewrite_filter(filter_: Any, *, list_fields: Iterable[str] = (), _depth: int = 0) -> Any:
    """The filter with ``$hasSome`` (older docs' spelling) read as ``$in``, and a list given
    as the value of one of ``list_fields`` (``{"serviceId": ["a", "b"]}``) read as
    ``{"$in": [...]}``. Anything malformed is returned as is, for the query language to
    report at its path."""
    if _depth > _MAX_REWRITE_DEPTH:
        return filter_
    if isinstance(filter_, list):
        return [rewrite_filter(f, list_fields=list_fields, _depth=_depth + 1) for f in filter_]
    if not isinstance(filter_, Mapping):
        return filter_
    wanted = frozenset(list_fields)
    out: dict[str, Any] = {}
    has_some: list[Any] = []
    for key, value in filter_.items():
        if key == "$hasSome":
            has_some.append(rewrite_filter(value, list_fields=wanted, _depth=_depth + 1))
            continue
        if isinstance(key, str) and key in wanted and isinstance(value, list):
            out[key] = {"$in": value}
            continue
        out[key] = rewrite_filter(value, list_fields=wanted, _depth=_depth + 1)
    for value in has_some:
        _merge_in(out, value)
    return out


def check_sort(sort: Any, prefix: str = "query.sort") -> None:
    """Query Attendance sorts ``numberOfAttendees`` both ways and every other field ascending
    only: ``DESC`` on those is a 400. Other problems are the query language's to report."""
    if not isinstance(sort, list):
        return
    for i, entry in enumerate(sort):
        if not isinstance(entry, Mapping):
            continue
        if entry.get("fieldName") in ASC_ONLY_SORT and entry.get("order") == "DESC":
            raise errors.invalid_field(
                f"{prefix}[{i}].order",
                f"{entry['fieldName']} can be sorted in ascending order only",
                errors.FIELD_NOT_ALLOWED,
            )
