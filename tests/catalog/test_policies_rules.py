"""The pure booking policy rules (no database): defaults, merging, validation, strictest,
snapshot subset, and the per-field bounds of the wire models."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from bookings.catalog.policies import rules
from bookings.catalog.policies.schemas import CreateBookingPolicyRequest
from bookings.platform import errors, wire


def full(**fields: Any) -> dict[str, Any]:
    return rules.fill_defaults(fields, "USD")


def rule_names(doc: dict[str, Any]) -> list[str | None]:
    return [v.rule_name or v.violated_rule for v in rules.violations(doc)]


def test_defaults_fill_every_sub_policy_and_keep_given_values() -> None:
    doc = full(name="N", waitlistPolicy={"capacity": 3}, limitRebookingPolicy={"maxBookings": 2})
    assert doc["waitlistPolicy"] == {
        "enabled": False,
        "capacity": 3,
        "reservationTimeInMinutes": 10,
    }
    assert doc["limitRebookingPolicy"] == {"enabled": False, "maxBookings": 2}
    assert set(rules.SUB_POLICY_DEFAULTS) <= set(doc)
    assert doc["name"] == "N"
    assert "bookForSomeoneElseAllowed" not in full()
    assert "limitRebookingPolicy" not in full()
    assert rules.violations(full()) == []


def test_defaults_fill_ranking_order_and_stamp_the_currency() -> None:
    doc = rules.fill_defaults(
        {
            "staffSortingPolicy": {"sortingMethodType": "RANKING"},
            "cancellationFeePolicy": {
                "cancellationWindows": [{"amount": {"value": "5", "currency": "EUR"}}]
            },
        },
        "ILS",
    )
    assert doc["staffSortingPolicy"]["rankingOptions"] == {"order": "LOWEST_TO_HIGHEST"}
    assert doc["cancellationFeePolicy"]["cancellationWindows"][0]["amount"]["currency"] == "ILS"


def test_fill_defaults_does_not_touch_its_input() -> None:
    given = {"cancellationPolicy": {"enabled": True}}
    before = copy.deepcopy(given)
    rules.fill_defaults(given, "USD")
    assert given == before


def test_merge_replaces_named_fields_whole_and_clears_missing_ones() -> None:
    current = full(
        name="Old",
        cancellationPolicy={"enabled": True, "limitLatestCancellation": True},
        waitlistPolicy={"enabled": True},
    )
    merged = rules.merge_update(
        current,
        {"cancellationPolicy": {"latestCancellationInMinutes": 30}},
        {"cancellationPolicy", "name", "id"},
    )
    assert "name" not in merged
    assert merged["cancellationPolicy"] == {"latestCancellationInMinutes": 30}
    assert merged["waitlistPolicy"] == current["waitlistPolicy"]
    assert rules.fill_defaults(merged, "USD")["cancellationPolicy"] == {
        "enabled": False,
        "limitLatestCancellation": False,
        "latestCancellationInMinutes": 30,
    }


def test_mask_paths_name_top_level_fields() -> None:
    assert rules.field_names(["cancellationPolicy.enabled", "name", "revision", "id"]) == {
        "cancellationPolicy",
        "name",
    }
    assert rules.field_names(["limit_late_booking_policy.enabled"]) == {"limitLateBookingPolicy"}
    with pytest.raises(errors.InvalidRequest) as caught:
        rules.field_names(["colour"])
    assert caught.value.violations[0].field == "mask"


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        (
            {
                "limitLateBookingPolicy": {"enabled": True},
                "bookAfterStartPolicy": {"enabled": True},
            },
            ["BOTH_LATE_AND_AFTER_START_POLICIES_NOT_ALLOWED"],
        ),
        (
            {
                "limitEarlyBookingPolicy": {"enabled": True, "earliestBookingInMinutes": 100},
                "limitLateBookingPolicy": {"enabled": True, "latestBookingInMinutes": 200},
            },
            ["INVALID_BOOKING_WINDOW"],
        ),
        # Only compared when both limits are on.
        ({"limitEarlyBookingPolicy": {"enabled": True, "earliestBookingInMinutes": 100}}, []),
        (
            {"cancellationFeePolicy": {"enabled": True}},
            [
                "EMPTY_CANCELLATION_WINDOWS_LIST",
                "CANCELLATION_FEE_WITHOUT_CREDIT_CARD",
                "CANCELLATION_FEE_WITHOUT_DESCRIPTION",
            ],
        ),
        (
            {
                "cancellationFeePolicy": {
                    "enabled": True,
                    "cancellationWindows": [{"percentage": "10", "startInMinutes": 60}],
                },
                "saveCreditCardPolicy": {"enabled": True},
                "customPolicyDescription": {"description": "   "},
            },
            ["CANCELLATION_FEE_WITHOUT_DESCRIPTION"],
        ),
        (
            {
                "cancellationFeePolicy": {
                    "cancellationWindows": [
                        {"percentage": "10", "startInMinutes": 60},
                        {"percentage": "20", "startInMinutes": 60},
                    ]
                }
            },
            ["INVALID_CANCELLATION_WINDOWS_ORDER"],
        ),
        (
            {
                "cancellationFeePolicy": {
                    "cancellationWindows": [
                        {"percentage": "10", "startInMinutes": 600},
                        {"percentage": "20"},
                    ]
                }
            },
            ["INVALID_CANCELLATION_WINDOWS_ORDER"],
        ),
        # A window open since booking may come first.
        (
            {
                "cancellationFeePolicy": {
                    "cancellationWindows": [
                        {"percentage": "10"},
                        {"amount": {"value": "12.50"}, "startInMinutes": 60},
                    ]
                }
            },
            [],
        ),
        (
            {
                "cancellationFeePolicy": {
                    "cancellationWindows": [
                        {"percentage": "0.001", "amount": {"value": "1"}},
                    ]
                }
            },
            ["ONE_OF_ALIGNMENT"],
        ),
        (
            {"cancellationFeePolicy": {"cancellationWindows": [{"percentage": "0.001"}]}},
            ["DECIMAL_MAX_SCALE"],
        ),
        (
            {"cancellationFeePolicy": {"cancellationWindows": [{"amount": {"value": "-1"}}]}},
            ["DECIMAL_GT"],
        ),
        (
            {"cancellationFeePolicy": {"cancellationWindows": [{"amount": {}}]}},
            ["REQUIRED_FIELD"],
        ),
        ({"intakeFormPolicy": {"enabled": True}}, ["INTAKE_FORM_ID_REQUIRED"]),
        (
            {
                "intakeFormPolicy": {
                    "timing": "AFTER_BOOKING",
                    "completionRequirement": "REQUIRED_BEFORE_BOOKING",
                }
            },
            ["INVALID_COMPLETION_REQUIREMENT_FOR_TIMING"],
        ),
        (
            {
                "staffSortingPolicy": {
                    "sortingMethodType": "CUSTOM",
                    "rankingOptions": {},
                    "customOptions": {},
                }
            },
            ["ONE_OF_ALIGNMENT"],
        ),
        ({"limitRebookingPolicy": {"enabled": True}}, ["REQUIRED_FIELD"]),
    ],
)
def test_rules(doc: dict[str, Any], expected: list[str]) -> None:
    assert rule_names(full(**doc)) == expected


def test_check_raises_every_violation_with_other_and_rule_name() -> None:
    with pytest.raises(errors.InvalidRequest) as caught:
        rules.check(
            full(
                limitLateBookingPolicy={"enabled": True},
                bookAfterStartPolicy={"enabled": True},
                intakeFormPolicy={"enabled": True},
            )
        )
    assert [v.to_wire() for v in caught.value.violations] == [
        {
            "field": "bookingPolicy.bookAfterStartPolicy.enabled",
            "description": "cannot be enabled together with limitLateBookingPolicy",
            "violatedRule": "OTHER",
            "ruleName": "BOTH_LATE_AND_AFTER_START_POLICIES_NOT_ALLOWED",
        },
        {
            "field": "bookingPolicy.intakeFormPolicy.formId",
            "description": "is required when the intake form policy is enabled",
            "violatedRule": "OTHER",
            "ruleName": "INTAKE_FORM_ID_REQUIRED",
        },
    ]


def test_strictest_takes_the_strictest_of_each_rule() -> None:
    a = full(
        limitEarlyBookingPolicy={"enabled": True, "earliestBookingInMinutes": 3000},
        limitLateBookingPolicy={"enabled": True, "latestBookingInMinutes": 30},
        bookAfterStartPolicy={"enabled": False},
        cancellationPolicy={"enabled": True, "allowAnonymous": True},
        reschedulePolicy={
            "enabled": True,
            "limitLatestReschedule": True,
            "latestRescheduleInMinutes": 60,
        },
        waitlistPolicy={"enabled": True, "capacity": 2, "reservationTimeInMinutes": 30},
        resourcesPolicy={"enabled": False, "autoAssignAllowed": True},
        limitRebookingPolicy={"enabled": True, "maxBookings": 3, "windowInMinutes": 60},
        bookForSomeoneElseAllowed=True,
    )
    b = full(
        limitEarlyBookingPolicy={"enabled": True, "earliestBookingInMinutes": 2000},
        cancellationPolicy={"enabled": True, "allowAnonymous": False},
        reschedulePolicy={
            "enabled": True,
            "limitLatestReschedule": True,
            "latestRescheduleInMinutes": 240,
        },
        waitlistPolicy={"enabled": False, "capacity": 5, "reservationTimeInMinutes": 5},
        participantsPolicy={"maxParticipantsPerBooking": 3},
        resourcesPolicy={"enabled": True, "autoAssignAllowed": True},
        cancellationFeePolicy={
            "enabled": True,
            "cancellationWindows": [{"percentage": "50", "startInMinutes": 60}],
            "autoCollectFeeEnabled": False,
        },
        intakeFormPolicy={
            "enabled": True,
            "formId": "f",
            "timing": "BEFORE_BOOKING",
            "completionRequirement": "REQUIRED_BEFORE_BOOKING",
        },
        limitRebookingPolicy={"enabled": True, "maxBookings": 1, "windowInMinutes": 1440},
        saveCreditCardPolicy={"enabled": True},
        customPolicyDescription={"enabled": True, "description": "B"},
    )
    assert rules.violations(a) == rules.violations(b) == []
    got = rules.strictest([a, b])
    assert got == {
        **rules.SUB_POLICY_DEFAULTS,
        "limitEarlyBookingPolicy": {"enabled": True, "earliestBookingInMinutes": 2000},
        "limitLateBookingPolicy": {"enabled": True, "latestBookingInMinutes": 30},
        "bookAfterStartPolicy": {"enabled": False},
        "cancellationPolicy": {
            "enabled": True,
            "limitLatestCancellation": False,
            "latestCancellationInMinutes": 1440,
            "allowAnonymous": False,
        },
        "reschedulePolicy": {
            "enabled": True,
            "limitLatestReschedule": True,
            "latestRescheduleInMinutes": 240,
        },
        "waitlistPolicy": {"enabled": False, "capacity": 2, "reservationTimeInMinutes": 5},
        "participantsPolicy": {"maxParticipantsPerBooking": 1},
        "resourcesPolicy": {"enabled": True, "autoAssignAllowed": True},
        "cancellationFeePolicy": {
            "enabled": True,
            "cancellationWindows": [{"percentage": "50", "startInMinutes": 60}],
            "autoCollectFeeEnabled": False,
        },
        "intakeFormPolicy": {
            "enabled": True,
            "formId": "f",
            "timing": "BEFORE_BOOKING",
            "completionRequirement": "REQUIRED_BEFORE_BOOKING",
        },
        "limitRebookingPolicy": {"enabled": True, "maxBookings": 1, "windowInMinutes": 1440},
        "bookForSomeoneElseAllowed": False,
        "saveCreditCardPolicy": {"enabled": True},
        "customPolicyDescription": {"enabled": True, "description": "B"},
    }
    assert rules.violations(rules.fill_defaults(got, "USD")) == []


def test_strictest_of_one_policy_is_its_rules() -> None:
    only = full(cancellationPolicy={"enabled": False}, bookAfterStartPolicy={"enabled": True})
    got = rules.strictest([only])
    assert got == {k: only[k] for k in rules.SUB_POLICY_DEFAULTS}
    with pytest.raises(ValueError):
        rules.strictest([])


def test_snapshot_keeps_the_documented_subset() -> None:
    policy = {
        "id": "p",
        "revision": "3",
        "createdDate": "2026-01-01T00:00:00.000Z",
        "updatedDate": "2026-01-02T00:00:00.000Z",
        "default": True,
        "appId": "a",
        **full(name="N", customPolicyDescription={"enabled": True, "description": "D"}),
    }
    snap = rules.snapshot_policy(policy)
    assert set(snap) == {
        "id",
        "revision",
        "createdDate",
        "updatedDate",
        "name",
        "default",
        "customPolicyDescription",
        "cancellationPolicy",
        "reschedulePolicy",
        "cancellationFeePolicy",
        "saveCreditCardPolicy",
        "intakeFormPolicy",
    }
    assert snap["customPolicyDescription"] == {
        "enabled": True,
        "description": "D",
        "descriptionTranslated": "D",
    }


@pytest.mark.parametrize(
    ("policy", "field", "rule"),
    [
        ({"waitlistPolicy": {"reservationTimeInMinutes": 0}}, "reservationTimeInMinutes", "MIN"),
        (
            {"limitLateBookingPolicy": {"latestBookingInMinutes": -5}},
            "latestBookingInMinutes",
            "MIN",
        ),
        (
            {"reschedulePolicy": {"latestRescheduleInMinutes": 0}},
            "latestRescheduleInMinutes",
            "MIN",
        ),
        ({"limitRebookingPolicy": {"windowInMinutes": 0}}, "windowInMinutes", "MIN"),
        (
            {"cancellationFeePolicy": {"cancellationWindows": [{"startInMinutes": 0}]}},
            "startInMinutes",
            "MIN",
        ),
        ({"waitlistPolicy": {"capacity": 2**31}}, "capacity", "MAX"),
        ({"intakeFormPolicy": {"timing": "LATER"}}, "timing", "INVALID_ENUM_VALUE"),
        (
            {"staffSortingPolicy": {"rankingOptions": {"order": "UP"}}},
            "order",
            "INVALID_ENUM_VALUE",
        ),
        ({"staffSortingPolicy": {"customOptions": {"appId": "app"}}}, "appId", "FORMAT"),
        (
            {"cancellationFeePolicy": {"cancellationWindows": [{"percentage": "x"}]}},
            "percentage",
            "FORMAT",
        ),
    ],
)
def test_wire_model_bounds(policy: dict[str, Any], field: str, rule: str) -> None:
    with pytest.raises(errors.InvalidRequest) as caught:
        wire.parse(CreateBookingPolicyRequest, {"bookingPolicy": policy})
    (found,) = caught.value.violations
    assert found.field.startswith("bookingPolicy.") and found.field.endswith(field)
    assert found.violated_rule == rule


def test_text_the_databases_cannot_store() -> None:
    doc = full(name="ok", extendedFields={"namespaces": {"a": {"k\x00": 1, "v": ["\ud800"]}}})
    assert [(v.field, v.description) for v in rules.violations(doc)] == [
        (
            "bookingPolicy.extendedFields.namespaces.a",
            "has a key that must not contain NUL characters",
        ),
        ("bookingPolicy.extendedFields.namespaces.a.v[0]", "must be valid Unicode text"),
    ]
