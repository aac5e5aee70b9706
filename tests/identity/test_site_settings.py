"""The site settings registry (pure): every key with good and bad values, text parsing,
resets, and that each setting is the one the slice reading it understands."""

from __future__ import annotations

from typing import Any

import pytest

from bookings.availability.loading import settings_from
from bookings.booking import capacity
from bookings.identity import site_settings as reg
from bookings.notifications.service import REMINDER_SETTING, reminder_offsets

GOOD: list[tuple[str, Any, Any]] = [
    # key, given (typed or text), stored
    ("name", "  Hair by Ana ", "Hair by Ana"),
    ("timeZone", "Europe/Paris", "Europe/Paris"),
    ("timeZone", "", "UTC"),
    ("currency", "eur", "EUR"),
    ("currency", "GBP", "GBP"),
    ("currency", "", "USD"),
    ("createdBookingHoldMinutes", 0, 0),
    ("createdBookingHoldMinutes", "30", 30),
    ("createdBookingHoldMinutes", 10080, 10080),
    ("createdBookingHoldMinutes", "", 15),
    ("createdBookingHoldMinutes", None, 15),
    ("slotsSplitInterval", "duration", {"sameAsDuration": True}),
    ("slotsSplitInterval", "20", {"sameAsDuration": False, "valueInMinutes": 20}),
    ("slotsSplitInterval", 1440, {"sameAsDuration": False, "valueInMinutes": 1440}),
    (
        "slotsSplitInterval",
        {"sameAsDuration": False, "valueInMinutes": 15},
        {"sameAsDuration": False, "valueInMinutes": 15},
    ),
    ("slotsSplitInterval", {"sameAsDuration": True}, {"sameAsDuration": True}),
    ("slotsSplitInterval", "", {"sameAsDuration": True}),
    ("reminderOffsetsMinutes", "60,1440", [1440, 60]),
    ("reminderOffsetsMinutes", "1440, 1440", [1440]),
    ("reminderOffsetsMinutes", [30], [30]),
    ("reminderOffsetsMinutes", "none", []),
    ("reminderOffsetsMinutes", [], []),
    ("reminderOffsetsMinutes", "", [1440]),
    ("businessEmail", "owner@example.com", "owner@example.com"),
    ("businessEmail", "a.b@mail.example.co.uk", "a.b@mail.example.co.uk"),
    ("businessEmail", "", ""),
    ("notifyBusiness", "true", True),
    ("notifyBusiness", "no", False),
    ("notifyBusiness", "OFF", False),
    ("notifyBusiness", False, False),
    ("notifyBusiness", "", True),
    ("allowedEmbedHosts", "https://example.com", ["https://example.com"]),
    (
        "allowedEmbedHosts",
        "https://Shop.Example.com:8443/, http://localhost:3000",
        ["https://shop.example.com:8443", "http://localhost:3000"],
    ),
    ("allowedEmbedHosts", ["https://a.example", "https://a.example/"], ["https://a.example"]),
    ("allowedEmbedHosts", "none", []),
    ("allowedEmbedHosts", "", []),
]

BAD: list[tuple[str, Any]] = [
    ("name", ""),
    ("name", "x" * 201),
    ("name", 5),
    ("timeZone", "Mars/Olympus"),
    ("timeZone", "../etc/passwd"),
    ("currency", "EURO"),
    ("currency", "E1R"),
    ("currency", 978),
    ("createdBookingHoldMinutes", -1),
    ("createdBookingHoldMinutes", 10081),
    ("createdBookingHoldMinutes", "ten"),
    ("createdBookingHoldMinutes", True),
    ("createdBookingHoldMinutes", 1.5),
    ("slotsSplitInterval", "0"),
    ("slotsSplitInterval", "1441"),
    ("slotsSplitInterval", "often"),
    ("slotsSplitInterval", {"sameAsDuration": False}),
    ("slotsSplitInterval", {"sameAsDuration": True, "other": 1}),
    ("reminderOffsetsMinutes", "60,soon"),
    ("reminderOffsetsMinutes", "0"),
    ("reminderOffsetsMinutes", "86401"),
    ("reminderOffsetsMinutes", 60),
    ("reminderOffsetsMinutes", list(range(1, 12))),
    ("businessEmail", "owner"),
    ("businessEmail", "owner@localhost"),
    ("businessEmail", "a@b.com,c@d.com"),
    ("businessEmail", 1),
    ("notifyBusiness", "maybe"),
    ("notifyBusiness", 1),
    ("allowedEmbedHosts", "example.com"),
    ("allowedEmbedHosts", "https://example.com/booking"),
    ("allowedEmbedHosts", "https://example.com?x=1"),
    ("allowedEmbedHosts", "https://user@example.com"),
    ("allowedEmbedHosts", "ftp://example.com"),
    ("allowedEmbedHosts", "https://*.example.com"),
    ("allowedEmbedHosts", "https://example.com:99999"),
    ("allowedEmbedHosts", "https://example.com#top"),
    ("allowedEmbedHosts", ["https://a.example", 3]),
]


@pytest.mark.parametrize(("key", "given", "stored"), GOOD)
def test_good_values(key: str, given: Any, stored: Any) -> None:
    found, wrong = reg.check_changes({key: given})
    assert wrong == [] and found == {key: stored}


@pytest.mark.parametrize(("key", "given"), BAD)
def test_bad_values_name_the_key_and_what_is_allowed(key: str, given: Any) -> None:
    found, wrong = reg.check_changes({key: given})
    assert found == {} and len(wrong) == 1
    assert wrong[0].key == key and str(wrong[0]).startswith(f"{key}: ")
    assert "allowed" in wrong[0].message or "no default" in wrong[0].message


def test_every_setting_is_tested_good_and_bad() -> None:
    assert {k for k, _, _ in GOOD} == set(reg.SETTINGS) == {k for k, _ in BAD}
    for s in reg.SETTINGS.values():
        assert s.description and len(s.description) < 100 and "\n" not in s.description
        if s.default is not None:  # the default is a value the setting allows
            assert s.check(s.key, s.default) == s.default


def test_unknown_keys_and_assignments() -> None:
    _, wrong = reg.check_changes({"holdMinutes": 3, "currency": "EUR"})
    assert [e.key for e in wrong] == ["holdMinutes"]
    assert "createdBookingHoldMinutes" in wrong[0].message
    assert reg.parse_assignments(["a=1", "b=", "c=x=y"]) == {"a": "1", "b": "", "c": "x=y"}
    for bad in ("a", "=1"):
        with pytest.raises(reg.SettingError, match="KEY=VALUE"):
            reg.parse_assignments([bad])


def test_text_round_trips() -> None:
    """What the CLI prints is what it reads back."""
    for key, _, stored in GOOD:
        if stored in ("",):
            continue
        setting = reg.SETTINGS[key]
        assert setting.value_of(reg.as_text(stored)) == stored, key


def test_merged_keeps_other_keys_and_drops_defaults() -> None:
    stored = {"availability": {"maxRangeDays": 31}, "currency": "EUR", "notifyBusiness": False}
    values, _ = reg.check_changes(
        {"currency": "USD", "notifyBusiness": "", "name": "X", "createdBookingHoldMinutes": 5}
    )
    assert reg.merged(stored, values) == {
        "availability": {"maxRangeDays": 31},
        "createdBookingHoldMinutes": 5,
    }


def test_views_show_defaults_for_unset_or_unreadable_values() -> None:
    found = {
        v.key: v
        for v in reg.views(
            {"name": "Studio", "timeZone": "Asia/Tokyo"},
            {"createdBookingHoldMinutes": "bad", "currency": "EUR"},
        )
    }
    assert list(found) == list(reg.SETTINGS)
    assert found["createdBookingHoldMinutes"].value == 15
    assert found["createdBookingHoldMinutes"].is_default
    assert found["currency"].value == "EUR" and not found["currency"].is_default
    assert found["timeZone"].value == "Asia/Tokyo" and found["name"].value == "Studio"
    assert found["reminderOffsetsMinutes"].text == "1440"
    assert found["allowedEmbedHosts"].text == "none"


def test_the_readers_understand_what_is_stored() -> None:
    """Each stored value means to the slice that reads it what the registry says."""
    hold, _ = reg.check_changes({"createdBookingHoldMinutes": "10080"})
    assert capacity.hold_minutes(hold) == 10080 == capacity.MAX_HOLD_MINUTES
    assert reg.MAX_HOLD_MINUTES == capacity.MAX_HOLD_MINUTES
    split, _ = reg.check_changes({"slotsSplitInterval": "20"})
    assert settings_from("UTC", split).split_minutes == 20
    same, _ = reg.check_changes({"slotsSplitInterval": "duration"})
    assert settings_from("UTC", same).split_minutes is None
    reminders, _ = reg.check_changes({"reminderOffsetsMinutes": "60,1440"})
    assert reminder_offsets(reminders) == [60, 1440]
    assert REMINDER_SETTING == "reminderOffsetsMinutes"
    none, _ = reg.check_changes({"reminderOffsetsMinutes": "none"})
    assert reminder_offsets(none) == []
