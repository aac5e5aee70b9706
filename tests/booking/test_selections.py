"""Booked add-ons and participant choices checked against a service, without a database."""

from __future__ import annotations

from typing import Any

import pytest

from bookings.booking import selections
from bookings.platform import errors

A, B, C = "a", "b", "c"
GROUPS: list[dict[str, Any]] = [
    {"id": "g", "name": "G", "addOnIds": [A, B], "maxNumberOfAddOns": 1},
    {"id": "h", "name": "H", "addOnIds": [B, C]},
]


def code(exc: pytest.ExceptionInfo[errors.ApplicationError]) -> tuple[int, str]:
    return exc.value.http_status, exc.value.code


def test_add_ons_get_their_group_and_keep_the_limits() -> None:
    got = selections.checked_add_ons(GROUPS, [{"id": B, "quantity": 2}, {"id": C}], "booking.")
    assert got == [{"id": B, "quantity": 2, "groupId": "g"}, {"id": C, "groupId": "h"}]
    # Named groups are kept; two of H is fine (no limit).
    got = selections.checked_add_ons(GROUPS, [{"id": B, "groupId": "h"}, {"id": C}], "")
    assert [a["groupId"] for a in got] == ["h", "h"]
    for add_ons, expected in (
        ([{"id": A, "groupId": "x"}], (428, "ADD_ON_GROUP_NOT_FOUND")),
        ([{"id": C, "groupId": "g"}], (428, "ADD_ON_NOT_FOUND")),
        ([{"id": "zz"}], (428, "ADD_ON_NOT_FOUND")),
        ([{"id": A}, {"id": B, "groupId": "g"}], (428, "VALIDATION_FAILURE")),
    ):
        with pytest.raises(errors.ApplicationError) as caught:
            selections.checked_add_ons(GROUPS, add_ons, "booking.")
        assert code(caught) == expected
    with pytest.raises(errors.InvalidRequest) as bad:
        selections.checked_add_ons(GROUPS, [{"id": A}, {"id": A}], "booking.")
    assert bad.value.violations[0].field == "booking.bookedAddOns[1].id"
    with pytest.raises(errors.InvalidRequest):
        selections.checked_add_ons(GROUPS, [{"groupId": "g"}], "")


def test_skip_add_on_validation_stores_them_as_given() -> None:
    given = [{"id": "zz", "groupId": "x"}]
    assert selections.booked_add_ons([], given, {"skipAddOnValidation": True}, "") == given
    assert selections.booked_add_ons(GROUPS, [], {}, "") is None
    with pytest.raises(errors.ApplicationError):
        selections.booked_add_ons([], given, {}, "")


def test_choices() -> None:
    good = {
        "serviceChoices": [
            {"numberOfParticipants": 2, "choices": [{"optionId": "o", "custom": "Adult"}]},
            {"choices": [{"optionId": "o", "choiceId": "c"}, {"optionId": "p", "duration": {}}]},
        ]
    }
    selections.check_choices(True, good, "booking.")
    selections.check_choices(False, None, "booking.")
    with pytest.raises(errors.ApplicationError) as caught:
        selections.check_choices(False, good, "booking.")
    assert code(caught) == (400, "INVALID_SERVICE_CHOICES")
    for choice in (
        [{"custom": "Adult"}],
        [{"optionId": "o"}],
        [{"optionId": "o", "custom": "A", "duration": {"minutes": 30}}],
        [{"optionId": "o", "custom": "A"}, {"optionId": "o", "custom": "B"}],
    ):
        with pytest.raises(errors.ApplicationError) as caught:
            selections.check_choices(True, {"serviceChoices": [{"choices": choice}]}, "")
        assert code(caught) == (400, "INVALID_CHOICES")


def test_add_on_change_needs_both_flags() -> None:
    both = ({"allowAddOnChanges": True}, {"allowAddOnChanges": True})
    current = [{"id": A, "groupId": "g"}, {"id": C, "groupId": "h"}]
    # Not sent, or the same ones in another order (group filled in): no change.
    assert selections.add_on_change(GROUPS, current, None, {}, {}, "") is None
    same: list[dict[str, Any]] = [{"id": C}, {"id": A, "groupId": "g", "quantity": 1}]
    assert selections.add_on_change(GROUPS, current, same, {}, {}, "") is None
    changed = [{"id": B, "groupId": "h"}]
    for created, now in (({}, {}), (both[0], {}), ({}, both[1])):
        with pytest.raises(errors.ApplicationError) as caught:
            selections.add_on_change(GROUPS, current, changed, created, now, "")
        assert code(caught) == (428, "ADD_ON_CHANGES_NOT_ALLOWED")
    assert selections.add_on_change(GROUPS, current, changed, *both, "") == changed
    assert selections.add_on_change(GROUPS, current, [], *both, "") == []
    with pytest.raises(errors.ApplicationError) as caught:
        selections.add_on_change(GROUPS, current, [{"id": "zz"}], *both, "")
    assert code(caught) == (428, "ADD_ON_NOT_FOUND")
