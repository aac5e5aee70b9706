"""The add-on group rules without a database."""

from __future__ import annotations

import pytest

from bookings.catalog.services import add_on_rules as rules
from bookings.platform import errors

A, B, C = "a", "b", "c"


def group(gid: str, *ids: str, **extra: object) -> dict[str, object]:
    return {"id": gid, "name": gid.upper(), "addOnIds": list(ids), **extra}


def test_normalized_keeps_the_wire_fields_and_checks_them() -> None:
    got = rules.normalized({"id": "g", "name": "G", "addOnIds": [A], "prompt": None, "x": 1})
    assert got == {"id": "g", "name": "G", "addOnIds": [A]}
    assert rules.normalized({"id": "g", "name": "G", "maxNumberOfAddOns": 1})["addOnIds"] == []
    for bad, field in (
        ({"name": ""}, "addOnGroup.name"),
        ({"name": "G", "maxNumberOfAddOns": 0}, "addOnGroup.maxNumberOfAddOns"),
        ({"name": "G", "maxNumberOfAddOns": True}, "addOnGroup.maxNumberOfAddOns"),
        ({"name": "G", "addOnIds": [A, A]}, "addOnGroup.addOnIds[1]"),
        ({"name": "G", "addOnIds": [str(i) for i in range(8)]}, "addOnGroup.addOnIds"),
    ):
        with pytest.raises(errors.InvalidRequest) as caught:
            rules.normalized({"id": "g", **bad})
        assert caught.value.violations[0].field == field
    with pytest.raises(errors.InvalidRequest) as caught:
        rules.normalized({"id": "g", "name": "G", "addOnIds": [A, A]}, prefix="")
    assert caught.value.violations[0].field == "addOnIds[1]"


def test_updated_replaces_given_or_masked_fields() -> None:
    current = group("g", A, maxNumberOfAddOns=1, prompt="p")
    assert rules.updated(current, {"name": "N"}, None) == {**current, "name": "N"}
    masked = rules.updated(
        current, {"id": "g", "name": "N", "addOnIds": [B]}, ["addOnIds", "prompt"]
    )
    assert masked == {"id": "g", "name": "G", "addOnIds": [B], "maxNumberOfAddOns": 1}


def test_details_list_each_add_on_once_in_group_order() -> None:
    groups = [group("g", B, A), group("h", A, C)]
    assert rules.details(groups) == [{"addOnId": B}, {"addOnId": A}, {"addOnId": C}]
    doc = rules.with_groups({"name": "S", "addOnDetails": [{"addOnId": "old"}]}, groups)
    assert doc["addOnGroups"] == groups and doc["addOnDetails"][0] == {"addOnId": B}
    assert rules.with_groups(doc, []) == {"name": "S"}


def test_creatable() -> None:
    rules.check_creatable({"payment": {"rateType": "FIXED"}}, [group("g"), group("h")])
    with pytest.raises(errors.InvalidRequest):
        rules.check_creatable({}, [group("g"), group("h"), group("i")])
    with pytest.raises(errors.ApplicationError) as caught:
        rules.check_creatable({"payment": {"rateType": "SUBSCRIPTION"}}, [])
    assert caught.value.code == "SUBSCRIPTION_SERVICE_NOT_SUPPORTED"
    assert caught.value.http_status == 428


def test_group_detail() -> None:
    assert rules.group_detail(group("g", A, maxNumberOfAddOns=1, prompt="p")) == {
        "groupId": "g",
        "maxNumberOfAddOns": 1,
        "groupName": "G",
        "addOns": [{"addOnId": A}],
        "prompt": "p",
    }
    assert rules.find([group("g"), group("h")], "h") == 1
    assert rules.find([group("g")], "x") is None
