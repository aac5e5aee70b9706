"""The Wix webhook body (``bookings.webhooks.wix_format``): a compact RS256 JWT whose claims
and nested JSON strings are what Wix sends (docs/api/webhooks-wix-format.md). The official
SDK reading it is checked in ``tests/sdk`` (``webhook.mjs``)."""

from __future__ import annotations

import json
from typing import Any

import jwt
import pytest

from bookings.webhooks import wix_format

SITE = "3f1c2a9e-1111-4222-8333-944455556666"


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    return wix_format.generate_key_pair()


def booking_created(**entity: Any) -> dict[str, Any]:
    return {
        "id": "9d6c7b1e-0000-4000-8000-000000000001",
        "entityFqdn": "wix.bookings.v2.booking",
        "slug": "created",
        "entityId": "b-1",
        "eventTime": "2026-01-30T13:30:00.000Z",
        "triggeredByAnonymizeRequest": False,
        "entityEventSequence": "1",
        "createdEvent": {"entity": {"id": "b-1", "revision": "1", **entity}},
    }


def decoded(body: str, public: str) -> dict[str, Any]:
    return dict(jwt.decode(body, public, algorithms=["RS256"]))


def test_key_pair_is_rsa_2048_pem(keys: tuple[str, str]) -> None:
    private, public = keys
    assert private.startswith("-----BEGIN PRIVATE KEY-----")
    assert public.startswith("-----BEGIN PUBLIC KEY-----")
    assert wix_format.public_pem_of(private) == public
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_public_key(public.encode())
    assert key.key_size == 2048  # type: ignore[union-attr]
    assert wix_format.generate_key_pair()[0] != private


def test_body_is_a_compact_rs256_jwt_with_kid(keys: tuple[str, str]) -> None:
    private, public = keys
    body = wix_format.wix_body(booking_created(), SITE, private)
    assert body.count(".") == 2 and "\n" not in body and " " not in body
    assert wix_format.decode_header(body) == {
        "alg": "RS256",
        "kid": wix_format.key_id(public),
    }
    claims = decoded(body, public)
    assert set(claims) == {"data", "iat", "exp"}
    assert claims["exp"] - claims["iat"] == wix_format.LIFETIME
    assert isinstance(claims["data"], str)


def test_another_key_does_not_verify(keys: tuple[str, str]) -> None:
    body = wix_format.wix_body(booking_created(), SITE, keys[0])
    _, other = wix_format.generate_key_pair()
    with pytest.raises(jwt.InvalidSignatureError):
        decoded(body, other)


def test_expired_body_is_refused(keys: tuple[str, str]) -> None:
    private, public = keys
    body = wix_format.wix_body(booking_created(), SITE, private, now=1_000_000, lifetime=60)
    with pytest.raises(jwt.ExpiredSignatureError):
        decoded(body, public)


def test_data_claim_nests_json_strings(keys: tuple[str, str]) -> None:
    private, public = keys
    event = booking_created(createdBy={"appId": "app-1", "contactId": "c-1"})
    data = json.loads(decoded(wix_format.wix_body(event, SITE, private), public)["data"])
    assert set(data) == {"eventType", "instanceId", "identity", "data", "accountInfo"}
    assert data["eventType"] == "wix.bookings.v2.booking_created"
    assert data["instanceId"] == wix_format.instance_id(SITE)
    assert data["accountInfo"] == {"accountId": wix_format.account_id(SITE), "siteId": SITE}
    assert isinstance(data["identity"], str) and isinstance(data["data"], str)
    assert json.loads(data["identity"]) == {"identityType": "APP", "appId": "app-1"}
    assert json.loads(data["data"]) == event  # the stored envelope, unchanged


def test_site_ids_are_stable_per_site() -> None:
    assert wix_format.instance_id(SITE) == wix_format.instance_id(SITE)
    assert wix_format.instance_id(SITE) != wix_format.instance_id("other")
    assert wix_format.instance_id(SITE) != wix_format.account_id(SITE)


@pytest.mark.parametrize(
    ("fqdn", "slug", "expected"),
    [
        ("wix.bookings.v2.booking", "created", "wix.bookings.v2.booking_created"),
        ("wix.bookings.v2.booking", "markedAsPending", "wix.bookings.v2.booking_markedAsPending"),
        (
            "wix.bookings.v2.booking",
            "number_of_participants_updated",
            "wix.bookings.v2.booking_number_of_participants_updated",
        ),
        ("wix.bookings.services.v2.service", "deleted", "wix.bookings.services.v2.service_deleted"),
        ("wix.calendar.v3.event", "updated", "wix.calendar.v3.event_updated"),
    ],
)
def test_event_type_is_fqdn_underscore_slug(fqdn: str, slug: str, expected: str) -> None:
    assert wix_format.event_type({"entityFqdn": fqdn, "slug": slug}) == expected


@pytest.mark.parametrize(
    ("initiator", "expected"),
    [
        ({"appId": "a"}, {"identityType": "APP", "appId": "a"}),
        ({"wixUserId": "u"}, {"identityType": "WIX_USER", "wixUserId": "u"}),
        ({"memberId": "m", "contactId": "c"}, {"identityType": "MEMBER", "memberId": "m"}),
        (
            {"anonymousVisitorId": "v"},
            {"identityType": "ANONYMOUS_VISITOR", "anonymousVisitorId": "v"},
        ),
        ({"contactId": "c"}, {"identityType": "UNKNOWN"}),
    ],
)
def test_identity_of_an_action_event(initiator: dict[str, str], expected: dict[str, str]) -> None:
    event = {
        "entityFqdn": "wix.bookings.v2.booking",
        "slug": "canceled",
        "actionEvent": {"body": {"booking": {"id": "b"}, "initiatedBy": initiator}},
    }
    assert wix_format.identity(event) == expected


def test_identity_of_a_created_entity_and_unknown() -> None:
    assert wix_format.identity(booking_created(createdBy={"memberId": "m"})) == {
        "identityType": "MEMBER",
        "memberId": "m",
    }
    assert wix_format.identity(booking_created()) == {"identityType": "UNKNOWN"}
    updated = {"entityFqdn": "x", "slug": "updated", "updatedEvent": {"currentEntity": {}}}
    assert wix_format.identity(updated) == {"identityType": "UNKNOWN"}
