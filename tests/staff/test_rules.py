"""Pure rules of Resources V2 and Staff Members (no database)."""

from __future__ import annotations

from typing import Any

import pytest

from bookings.platform import errors
from bookings.staff import rules


def rule_names(found: list[errors.FieldViolation]) -> list[tuple[str, str | None]]:
    return [(v.field, v.rule_name) for v in found]


def defaulted(options: dict[str, Any] | None) -> dict[str, Any]:
    doc: dict[str, Any] = {"name": "Room"}
    if options is not None:
        doc["locationOptions"] = options
    rules.default_location_options(doc)
    return doc


# ---------------------------------------------------------------- locations


def test_no_location_options_means_all_locations() -> None:
    assert defaulted(None)["locationOptions"] == {"availableInAllLocations": True}
    assert defaulted({})["locationOptions"] == {"availableInAllLocations": True}


def test_specific_locations_are_completed() -> None:
    doc = defaulted({"specificLocationOptions": {"availableInBusinessLocations": False}})
    assert doc["locationOptions"] == {
        "availableInAllLocations": False,
        "specificLocationOptions": {"availableInBusinessLocations": False, "businessLocations": []},
    }
    assert rules.location_violations(doc["locationOptions"], "resource") == []


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (
            {
                "availableInAllLocations": True,
                "specificLocationOptions": {"availableInBusinessLocations": True},
            },
            [
                (
                    "resource.locationOptions.specificLocationOptions",
                    "RESOURCE_SPECIFIC_LOCATION_OPTIONS_NOT_ALLOWED",
                )
            ],
        ),
        (
            {"availableInAllLocations": False},
            [
                (
                    "resource.locationOptions.specificLocationOptions",
                    "RESOURCE_SPECIFIC_LOCATION_OPTIONS_MUST_BE_SET",
                )
            ],
        ),
        (
            {
                "availableInAllLocations": False,
                "specificLocationOptions": {"businessLocations": [{"locationId": "l1"}]},
            },
            [
                (
                    "resource.locationOptions.specificLocationOptions.availableInBusinessLocations",
                    "RESOURCE_AVAILABLE_IN_BUSINESS_LOCATION_MUST_BE_TRUE",
                )
            ],
        ),
        (
            {
                "specificLocationOptions": {
                    "availableInBusinessLocations": True,
                    "businessLocations": [{"locationId": "l1"}, {}],
                }
            },
            [
                (
                    "resource.locationOptions.specificLocationOptions.businessLocations[1]"
                    ".locationId",
                    "RESOURCE_LOCATION_ID_IS_REQUIRED",
                )
            ],
        ),
        (
            {
                "specificLocationOptions": {
                    "availableInBusinessLocations": True,
                    "businessLocations": [{"locationId": "l1"}],
                }
            },
            [],
        ),
        ({"availableInAllLocations": True, "specificLocationOptions": {}}, []),
        (
            {
                "availableInAllLocations": True,
                "specificLocationOptions": {
                    "availableInBusinessLocations": False,
                    "businessLocations": [],
                },
            },
            [],
        ),
    ],
)
def test_location_rules(options: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    doc = defaulted(options)
    assert rule_names(rules.location_violations(doc["locationOptions"], "resource")) == expected


def test_empty_specific_options_next_to_all_locations_are_dropped() -> None:
    doc = defaulted({"availableInAllLocations": True, "specificLocationOptions": {}})
    assert doc["locationOptions"] == {"availableInAllLocations": True}


def test_business_locations() -> None:
    doc = defaulted(
        {
            "specificLocationOptions": {
                "availableInBusinessLocations": True,
                "businessLocations": [{"locationId": "a"}, {}, {"locationId": "b"}],
            }
        }
    )
    assert rules.business_locations(doc) == ["a", "b"]
    assert rules.business_locations(defaulted(None)) == []


# ---------------------------------------------------------------- resources


def test_resource_name_is_required() -> None:
    for name in (None, "", "   "):
        doc = defaulted(None)
        doc["name"] = name
        assert rule_names(rules.resource_violations(doc, creating=True)) == [
            ("resource.name", "RESOURCE_NAME_IS_REQUIRED")
        ]


def test_working_hours_rules() -> None:
    doc = defaulted(None)
    doc["workingHoursSchedules"] = {"values": [{}]}
    assert rule_names(rules.resource_violations(doc, creating=True)) == [
        (
            "resource.workingHoursSchedules.values[0].scheduleId",
            "RESOURCE_WORKING_HOURS_SCHEDULE_ID_IS_REQUIRED",
        )
    ]
    doc["workingHoursSchedules"] = {"values": [{"scheduleId": "s"}]}
    assert rules.resource_violations(doc, creating=True) == []
    assert rule_names(rules.resource_violations(doc, creating=False)) == [
        (
            "resource.workingHoursSchedules.values[0].shared",
            "RESOURCE_WORKING_HOURS_SHARED_IS_REQUIRED",
        )
    ]
    assert rule_names(rules.resource_violations(doc, creating=True, bulk=True)) == [
        ("resource.workingHoursSchedules", "RESOURCE_WORKING_HOURS_NOT_SUPPORTED_IN_BULK_REQUEST")
    ]
    doc["workingHoursSchedules"] = {"values": []}
    assert rules.resource_violations(doc, creating=True, bulk=True) == []


def test_several_problems_are_reported_together() -> None:
    doc: dict[str, Any] = {
        "locationOptions": {"availableInAllLocations": False},
        "workingHoursSchedules": {"values": [{"shared": True}]},
    }
    assert [v.rule_name for v in rules.resource_violations(doc, creating=False)] == [
        "RESOURCE_NAME_IS_REQUIRED",
        "RESOURCE_SPECIFIC_LOCATION_OPTIONS_MUST_BE_SET",
        "RESOURCE_WORKING_HOURS_SCHEDULE_ID_IS_REQUIRED",
    ]


def test_staff_type_and_type_change_errors() -> None:
    error = rules.staff_type_violation()
    assert error.violations[0].field == "resource.typeId"
    assert error.violations[0].rule_name == "RESOURCE_TYPE_MANAGED_BY_STAFF_MEMBERS"
    assert rules.type_change_violation().violations[0].field == "resource.typeId"


# ---------------------------------------------------------------- partial updates


def test_merge_without_mask_replaces_given_fields() -> None:
    current = {"name": "A", "email": "a@x.io", "mainMedia": {"image": "i"}}
    merged = rules.merge(
        current,
        {"name": "B", "mainMedia": {"image": "j"}, "id": "ignored"},
        None,
        allowed=rules.STAFF_WRITABLE,
        read_only=rules.STAFF_READ_ONLY,
    )
    assert merged == {"name": "B", "email": "a@x.io", "mainMedia": {"image": "j"}}
    assert current["name"] == "A"


def test_merge_with_mask_sets_and_clears_paths() -> None:
    current = {
        "name": "A",
        "locationOptions": {"availableInAllLocations": True},
        "extendedFields": {"namespaces": {"x": {"a": 1}}},
    }
    merged = rules.merge(
        current,
        {"name": "ignored", "locationOptions": {"availableInAllLocations": False}},
        ["locationOptions.availableInAllLocations", "extendedFields", "revision"],
        allowed=rules.RESOURCE_WRITABLE,
        read_only=rules.RESOURCE_READ_ONLY,
    )
    assert merged == {"name": "A", "locationOptions": {"availableInAllLocations": False}}


def test_merge_rejects_unknown_mask_paths() -> None:
    with pytest.raises(errors.InvalidRequest) as caught:
        rules.merge(
            {}, {}, ["bogus"], allowed=rules.STAFF_WRITABLE, read_only=rules.STAFF_READ_ONLY
        )
    assert caught.value.violations[0].field == "fieldMask"
    assert caught.value.violations[0].violated_rule == errors.FIELD_NOT_ALLOWED


def test_writable_drops_read_only_fields() -> None:
    data = {"id": "x", "name": "A", "revision": "3", "resourceId": "r", "tags": {"tags": {}}}
    assert rules.writable(data, rules.STAFF_WRITABLE) == {"name": "A", "tags": {"tags": {}}}


# ---------------------------------------------------------------- staff members


@pytest.mark.parametrize("email", ["ana@example.com", "a.b+c@mail.example.co.uk", "x@y.io"])
def test_valid_emails(email: str) -> None:
    assert rules.is_valid_email(email)


@pytest.mark.parametrize("email", ["", " ", "ana", "ana@", "@x.io", "a@b", "a b@x.io", "a@b."])
def test_invalid_emails(email: str) -> None:
    assert not rules.is_valid_email(email)


@pytest.mark.parametrize("phone", ["+1 555 0100", "(03) 555-1234", "0541234567", "555.1234"])
def test_valid_phones(phone: str) -> None:
    assert rules.is_valid_phone(phone)


@pytest.mark.parametrize("phone", ["", "  ", "phone", "12", "+1 555 0100 x12", "1+2345"])
def test_invalid_phones(phone: str) -> None:
    assert not rules.is_valid_phone(phone)


def test_staff_violations() -> None:
    assert rules.staff_violations({"name": "Ana"}, name_required=True) == []
    assert [(v.field, v.violated_rule) for v in rules.staff_violations({}, name_required=True)] == [
        ("staffMember.name", errors.REQUIRED_FIELD)
    ]
    assert rules.staff_violations({}, name_required=False) == []
    found = rules.staff_violations({"name": " ", "email": "", "phone": ""}, name_required=True)
    assert [(v.field, v.description) for v in found] == [
        ("staffMember.name", "must not be blank"),
        ("staffMember.email", "is not a valid email"),
        ("staffMember.phone", "is not a valid phone"),
    ]


def test_service_provider_filter() -> None:
    assert rules.only_service_providers(None) == {"serviceProvider": True}
    assert rules.only_service_providers({}) == {"serviceProvider": True}
    assert rules.only_service_providers({"name": "A"}) == {
        "$and": [{"name": "A"}, {"serviceProvider": True}]
    }
    for mentioned in (
        {"serviceProvider": False},
        {"$or": [{"name": "A"}, {"serviceProvider": {"$eq": False}}]},
        {"$not": {"serviceProvider": True}},
    ):
        assert rules.only_service_providers(mentioned) == mentioned
    assert not rules.mentions_field({"serviceProviderX": 1}, "serviceProvider")


def test_assignment() -> None:
    assert rules.assignment("e", events_schedule_id="e", business_schedule_id="b") == (
        False,
        False,
    )
    assert rules.assignment("b", events_schedule_id="e", business_schedule_id="b") == (True, True)
    assert rules.assignment("x", events_schedule_id="e", business_schedule_id="b") is None


def test_dedupe_keeps_order() -> None:
    assert rules.dedupe(["b", "a", "b"]) == ["b", "a"]
