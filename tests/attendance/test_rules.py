"""Pure rules of the Attendance API (no database)."""

from __future__ import annotations

from typing import Any

import pytest

from bookings.attendance import rules
from bookings.platform import errors

BOOKING = "b0000000-0000-4000-8000-000000000001"
EVENT = "e" * 64
OTHER = "f" * 64


def code(exc: pytest.ExceptionInfo[errors.ApplicationError]) -> tuple[int, str]:
    return exc.value.http_status, exc.value.code


# ---------------------------------------------------------------- which session


def test_an_appointment_is_keyed_by_the_booking_alone() -> None:
    assert rules.session_key(rules.APPOINTMENT, BOOKING, None, None) == rules.NO_SESSION
    with pytest.raises(errors.ApplicationError) as exc:
        rules.session_key(rules.APPOINTMENT, BOOKING, None, EVENT)
    assert code(exc) == (404, "SESSION_NOT_FOUND")


def test_a_class_booking_derives_its_session() -> None:
    assert rules.session_key(rules.CLASS, BOOKING, EVENT, None) == EVENT
    assert rules.session_key(rules.CLASS, BOOKING, EVENT, EVENT) == EVENT
    with pytest.raises(errors.ApplicationError) as exc:
        rules.session_key(rules.CLASS, BOOKING, EVENT, OTHER)
    assert code(exc) == (404, "SESSION_NOT_FOUND")
    assert exc.value.data == {"bookingId": BOOKING, "eventId": OTHER}


def test_a_course_booking_must_name_its_session() -> None:
    assert rules.session_key(rules.COURSE, BOOKING, None, EVENT) == EVENT
    with pytest.raises(errors.ApplicationError) as exc:
        rules.session_key(rules.COURSE, BOOKING, None, None)
    assert code(exc) == (400, "SESSION_ID_NOT_PROVIDED")
    assert exc.value.data == {"bookingId": BOOKING}


@pytest.mark.parametrize(
    ("event_id", "session_id", "expected"),
    [
        (None, None, None),
        ("", "", None),
        (EVENT, None, EVENT),
        (None, EVENT, EVENT),
        ("", EVENT, EVENT),
        (EVENT, EVENT, EVENT),
    ],
)
def test_event_id_and_session_id_name_the_same_thing(
    event_id: str | None, session_id: str | None, expected: str | None
) -> None:
    assert rules.requested_event(event_id, session_id, "attendance") == expected


def test_different_event_id_and_session_id_are_refused() -> None:
    with pytest.raises(errors.InvalidRequest) as exc:
        rules.requested_event(EVENT, OTHER, "items[2].attendance")
    [v] = exc.value.violations
    assert (v.field, v.violated_rule, v.rule_name) == (
        "items[2].attendance.sessionId",
        errors.OTHER,
        "SESSION_ID_MISMATCH",
    )


@pytest.mark.parametrize(
    ("event", "schedule", "expected"),
    [
        ({"scheduleId": "s1", "recurrenceType": "NONE"}, "s1", True),
        ({"scheduleId": "s1", "recurrenceType": "INSTANCE", "status": "CANCELLED"}, "s1", True),
        ({"scheduleId": "s1", "recurrenceType": "MASTER"}, "s1", False),
        ({"scheduleId": "s2", "recurrenceType": "NONE"}, "s1", False),
        (None, "s1", False),
        ({"scheduleId": "s1", "recurrenceType": "NONE"}, None, False),
    ],
)
def test_course_sessions(
    event: dict[str, Any] | None, schedule: str | None, expected: bool
) -> None:
    assert rules.is_course_session(event, schedule) is expected


# ---------------------------------------------------------------- what a Set changes


def test_a_set_replaces_the_status_and_keeps_an_unsent_count() -> None:
    same = rules.change("ATTENDED", 3, "ATTENDED", None)
    assert (same.status, same.number_of_attendees, same.modified) == ("ATTENDED", 3, ())
    count = rules.change("ATTENDED", 3, "ATTENDED", 5)
    assert (count.modified, count.status_changed) == (("numberOfAttendees",), False)
    both = rules.change("NOT_SET", 1, "NOT_ATTENDED", 5)
    assert both.modified == ("status", "numberOfAttendees")
    assert both.status_changed
    # No cross-validation: a no-show with five attendees is what the caller said.
    assert (both.status, both.number_of_attendees) == ("NOT_ATTENDED", 5)


# ---------------------------------------------------------------- the Reader's summary


def record(status: str, attendees: int = 1, id_: str = "a1") -> dict[str, Any]:
    return {"id": id_, "status": status, "numberOfAttendees": attendees}


def test_one_record_is_shown_as_it_is() -> None:
    assert rules.summarize([record("NOT_ATTENDED", 4)]) == {
        "id": "a1",
        "status": "NOT_ATTENDED",
        "numberOfAttendees": 4,
    }


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (["NOT_SET", "NOT_ATTENDED", "ATTENDED"], "ATTENDED"),
        (["NOT_ATTENDED", "NOT_SET"], "NOT_ATTENDED"),
        (["NOT_SET", "NOT_SET"], "NOT_SET"),
        (["ATTENDED", "ATTENDED"], "ATTENDED"),
    ],
)
def test_several_records_are_summarized_without_an_id(statuses: list[str], expected: str) -> None:
    found = rules.summarize([record(s, i + 1, f"a{i}") for i, s in enumerate(statuses)])
    assert found == {"status": expected, "numberOfAttendees": len(statuses)}


def test_the_largest_count_wins() -> None:
    found = rules.summarize([record("ATTENDED", 2, "a"), record("NOT_SET", 9, "b")])
    assert found["numberOfAttendees"] == 9


def test_nothing_to_summarize_is_a_bug() -> None:
    with pytest.raises(ValueError):
        rules.summarize([])


# ---------------------------------------------------------------- query dialect


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"status": {"$hasSome": ["A"]}}, {"status": {"$in": ["A"]}}),
        (
            {"$or": [{"id": {"$hasSome": ["x"]}}, {"status": "A"}]},
            {"$or": [{"id": {"$in": ["x"]}}, {"status": "A"}]},
        ),
        (
            {"id": {"$in": ["x"], "$hasSome": ["y"]}},
            {"id": {"$and": [{"$in": ["x"]}, {"$in": ["y"]}]}},
        ),
        ({"status": {"$not": {"$hasSome": ["A"]}}}, {"status": {"$not": {"$in": ["A"]}}}),
        ({"status": "A"}, {"status": "A"}),
        ("garbage", "garbage"),
        (None, None),
    ],
)
def test_has_some_is_read_as_in(given: Any, expected: Any) -> None:
    assert rules.rewrite_filter(given) == expected


def test_a_list_of_service_ids_is_read_as_in() -> None:
    fields = ("serviceId",)
    assert rules.rewrite_filter({"serviceId": ["a", "b"]}, list_fields=fields) == {
        "serviceId": {"$in": ["a", "b"]}
    }
    assert rules.rewrite_filter({"serviceId": "a"}, list_fields=fields) == {"serviceId": "a"}
    # Only the fields named: other lists stay as they are (and the query language refuses them).
    assert rules.rewrite_filter({"status": ["A"]}, list_fields=fields) == {"status": ["A"]}


def test_rewriting_does_not_recurse_forever() -> None:
    deep: Any = {"status": "A"}
    for _ in range(5000):
        deep = {"$not": deep}
    assert rules.rewrite_filter(deep) is not None


@pytest.mark.parametrize(
    "sort",
    [
        [{"fieldName": "numberOfAttendees", "order": "DESC"}],
        [{"fieldName": "status", "order": "ASC"}, {"fieldName": "id"}],
        [{"fieldName": "unknown", "order": "DESC"}],  # the query language's to refuse
        None,
        "garbage",
        ["garbage"],
    ],
)
def test_sorts_that_pass(sort: Any) -> None:
    rules.check_sort(sort)


@pytest.mark.parametrize("field", ["id", "bookingId", "sessionId", "eventId", "status"])
def test_descending_sort_is_refused_on_ascending_only_fields(field: str) -> None:
    with pytest.raises(errors.InvalidRequest) as exc:
        rules.check_sort(
            [{"fieldName": "numberOfAttendees"}, {"fieldName": field, "order": "DESC"}]
        )
    [v] = exc.value.violations
    assert (v.field, v.violated_rule) == ("query.sort[1].order", errors.FIELD_NOT_ALLOWED)
