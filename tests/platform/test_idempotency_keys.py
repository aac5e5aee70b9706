"""Idempotency keys, the pure part: parsing, fingerprints, scopes."""

from __future__ import annotations

import pytest

from bookings.platform import errors
from bookings.platform.idempotency import fingerprint, parse_key, scope_key


def test_keys_bare_or_structured_field_strings() -> None:
    assert parse_key({}) is None
    assert parse_key({"idempotency-key": "abc-123"}) == "abc-123"
    assert parse_key({"idempotency-key": '"abc 123"'}) == "abc 123"
    assert parse_key({"x-idempotency-key": " k "}) == "k"


@pytest.mark.parametrize("bad", ["", '""', "x" * 256, "café", "tab\there"])
def test_malformed_keys_are_a_400_naming_the_header(bad: str) -> None:
    with pytest.raises(errors.InvalidRequest) as found:
        parse_key({"idempotency-key": bad})
    assert found.value.violations[0].field == "header:idempotency-key"


def test_fingerprints_compare_requests_not_their_spelling() -> None:
    a = fingerprint("post", "/v2/bookings", {}, {"b": 1, "a": [1, 2]})
    assert a == fingerprint("POST", "/v2/bookings", {}, {"a": [1, 2], "b": 1})
    assert a != fingerprint("POST", "/v2/bookings", {}, {"a": [2, 1], "b": 1})
    assert a != fingerprint("POST", "/v2/bookings/{id}/cancel", {"id": "x"}, {"a": [1, 2], "b": 1})


def test_keys_are_scoped_to_site_and_credential() -> None:
    assert scope_key("s", "k1", "x") != scope_key("s", "k2", "x")
    assert scope_key("s1", "k", "x") != scope_key("s2", "k", "x")
    assert scope_key("s", "k", "x") == scope_key("s", "k", "x")
