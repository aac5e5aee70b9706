"""The wire conventions, through HTTP: JSON shapes, scalars, errors, aliases, query strings."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx

from tests.conftest import SiteKeys

THING = "0b5f1d4e-6a53-4c57-9a5e-1f2d3c4b5a69"


async def echo(client: httpx.AsyncClient, site: SiteKeys, body: Any, **kw: Any) -> httpx.Response:
    return await client.post(
        f"/_api/test/v1/things/{THING}/echo", headers=site.admin, json=body, **kw
    )


async def test_scalars_round_trip_in_wire_form(client: httpx.AsyncClient, site: SiteKeys) -> None:
    res = await echo(
        client,
        site,
        {
            "thing": {
                "name": "yoga",
                "revision": 7,
                "createdDate": "2026-03-29T01:30:00+02:00",
                "startDate": "2026-03-29T09:00:00.000Z",
                "day": "2026-03-29",
                "price": 25.05,
                "color": "GREEN",
                "flag": False,
                "ownerId": "0B5F1D4E-6A53-4C57-9A5E-1F2D3C4B5A69",
                "inner": {"id": "x", "createdDate": "2026-01-30T13:30:00.5Z", "tags": ["a"]},
                "unknownField": {"ignored": True},
            },
            "fields": "name,revision",
        },
    )
    assert res.status_code == 200
    assert res.headers["content-type"] == "application/json"
    assert res.json() == {
        "thing": {
            "id": THING,
            "name": "yoga",
            "revision": "7",
            "createdDate": "2026-03-28T23:30:00.000Z",
            "startDate": "2026-03-29T09:00:00",
            "day": "2026-03-29",
            "price": "25.05",
            "color": "GREEN",
            "flag": False,
            "ownerId": "0b5f1d4e-6a53-4c57-9a5e-1f2d3c4b5a69",
            "inner": {"id": "x", "createdDate": "2026-01-30T13:30:00.500Z", "tags": ["a"]},
        },
        "fields": "name,revision",
    }


async def test_every_response_has_a_request_id(client: httpx.AsyncClient, site: SiteKeys) -> None:
    ok = await echo(client, site, {"thing": {}})
    bad = await echo(client, site, {"thing": {"color": "PURPLE"}})
    missing = await client.get("/no/such/path")
    ids = {r.headers.get("x-wix-request-id") for r in (ok, bad, missing)}
    assert None not in ids and len(ids) == 3


async def test_path_param_wins_over_body(client: httpx.AsyncClient, site: SiteKeys) -> None:
    res = await echo(client, site, {"thing": {"id": "from-body", "name": "a"}})
    assert res.json()["thing"]["id"] == THING
    alias = await client.post(
        f"/test/v1/things/{THING}/echo", headers=site.admin, json={"thing": {"name": "a"}}
    )
    assert alias.status_code == 200 and alias.json() == res.json()


async def test_revision_accepts_string_and_number(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    for given in ("12", 12, 12.0):
        res = await echo(client, site, {"thing": {"revision": given}})
        assert res.json()["thing"]["revision"] == "12"


async def test_unset_fields_are_omitted(client: httpx.AsyncClient, site: SiteKeys) -> None:
    res = await echo(client, site, {"thing": {}})
    assert res.json() == {"thing": {"id": THING}}


def violation(res: httpx.Response) -> dict[str, Any]:
    body = res.json()
    assert res.status_code == 400, body
    assert set(body) == {"message", "details"}
    violations = body["details"]["validationError"]["fieldViolations"]
    assert len(violations) >= 1
    return dict(violations[0])


async def test_unknown_enum_value_names_the_field(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    res = await echo(client, site, {"thing": {"color": "PURPLE"}})
    v = violation(res)
    assert v["field"] == "thing.color"
    assert v["violatedRule"] == "INVALID_ENUM_VALUE"
    assert "GREEN" in v["description"]
    assert res.json()["message"].startswith('INVALID_ARGUMENT: "thing.color"')


async def test_wrong_types_name_the_field(client: httpx.AsyncClient, site: SiteKeys) -> None:
    cases = [
        ({"thing": {"revision": "seven"}}, "thing.revision", "FORMAT"),
        ({"thing": {"revision": True}}, "thing.revision", "FORMAT"),
        ({"thing": {"createdDate": "yesterday"}}, "thing.createdDate", "FORMAT"),
        ({"thing": {"createdDate": "2026-01-30T13:30:00"}}, "thing.createdDate", "FORMAT"),
        ({"thing": {"startDate": "30/01/2026"}}, "thing.startDate", "FORMAT"),
        ({"thing": {"day": "2026-02-30"}}, "thing.day", "FORMAT"),
        ({"thing": {"price": "12,50"}}, "thing.price", "FORMAT"),
        ({"thing": {"price": "NaN"}}, "thing.price", "FORMAT"),
        ({"thing": {"ownerId": "nope"}}, "thing.ownerId", "FORMAT"),
        ({"thing": {"count": 9}}, "thing.count", "MAX"),
        ({"thing": {"count": 0}}, "thing.count", "MIN"),
        ({"thing": {"name": "x" * 11}}, "thing.name", "MAX_LENGTH"),
        ({"thing": {"inner": "not an object"}}, "thing.inner", "FORMAT"),
        ({"thing": {"items": [{"createdDate": 5}]}}, "thing.items[0].createdDate", "FORMAT"),
        ({"thing": {"ids": "not a list"}}, "thing.ids", "FORMAT"),
        ({"thing": {"lines": [{"qty": 1}]}}, "thing.lines[0].key", "REQUIRED_FIELD"),
        ({"fields": 12, "thing": {}}, "fields", "FORMAT"),
        ({"thing": {"name": "a\x00b"}}, "thing.name", "FORMAT"),
        ({"thing": {"items": [{"id": "\x00"}]}}, "thing.items[0].id", "FORMAT"),
        ({"thing": {"flag": 0}}, "thing.flag", "FORMAT"),  # proto JSON: true or false
        ({"thing": {"flag": 1.0}}, "thing.flag", "FORMAT"),
        ({"thing": {"flag": "TRUE"}}, "thing.flag", "FORMAT"),
        ({"thing": {"flag": "yes"}}, "thing.flag", "FORMAT"),
    ]
    for body, field, rule in cases:
        v = violation(await echo(client, site, body))
        assert (v["field"], v["violatedRule"]) == (field, rule), body


async def test_malformed_json_is_a_400(client: httpx.AsyncClient, site: SiteKeys) -> None:
    nan = (b'{"thing": {"price": NaN}}', b'{"a": [Infinity]}', b'{"a": -Infinity}')
    not_json_space = (b"\x0b", b" \x0c ")  # Python's whitespace, not JSON's
    for raw in (b"{", b"[1, 2]", b'"text"', b"\xff\xfe", b"[" * 100_000, *nan, *not_json_space):
        res = await client.post(
            f"/_api/test/v1/things/{THING}/echo",
            headers={**site.admin, "content-type": "application/json"},
            content=raw,
        )
        v = violation(res)
        assert v["field"] == "body" and v["violatedRule"] == "FORMAT"


async def test_first_occurrence_of_a_repeated_key_wins(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    raw = b'{"thing": {"name": "first", "name": "second"}}'
    res = await client.post(
        f"/_api/test/v1/things/{THING}/echo",
        headers={**site.admin, "content-type": "application/json"},
        content=raw,
    )
    assert res.json()["thing"]["name"] == "first"


async def test_get_fields_come_from_the_query_string(
    client: httpx.AsyncClient, site: SiteKeys
) -> None:
    res = await client.get(
        "/_api/test/v1/things/path-id",
        params=[
            ("thingId", "query-id"),
            ("ids", "a"),
            ("ids", "b"),
            ("revision", "3"),
            ("inner.id", "i1"),
            ("inner.tags", "only"),
            ("flag", "true"),
            ("ignored", "x"),
        ],
        headers=site.admin,
    )
    assert res.status_code == 200, res.text
    assert res.json() == {
        "thingId": "path-id",
        "ids": ["a", "b"],
        "revision": "3",
        "inner": {"id": "i1", "tags": ["only"]},
        "flag": True,
    }


async def test_get_accepts_dot_r_json(client: httpx.AsyncClient, site: SiteKeys) -> None:
    payload = {"ids": ["x", "y"], "inner": {"createdDate": "2026-01-01T00:00:00Z"}}
    encoded = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    res = await client.get("/_api/test/v1/things/t1", params={".r": encoded}, headers=site.admin)
    assert res.json() == {
        "thingId": "t1",
        "ids": ["x", "y"],
        "inner": {"createdDate": "2026-01-01T00:00:00.000Z"},
    }
    bad = await client.get("/_api/test/v1/things/t1", params={".r": "%%%"}, headers=site.admin)
    assert violation(bad)["field"] == ".r"


async def test_unknown_path_and_method_use_the_envelope(client: httpx.AsyncClient) -> None:
    res = await client.get("/_api/nothing/here")
    assert res.status_code == 404
    assert res.json()["details"]["applicationError"]["code"] == "NOT_FOUND"
    res = await client.delete("/oauth2/token")
    assert res.status_code == 405
    assert res.json()["details"]["applicationError"]["code"] == "METHOD_NOT_ALLOWED"


async def test_an_unexpected_exception_is_a_500_envelope(app: Any, site: SiteKeys) -> None:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        res = await client.post("/_api/test/v1/crash", headers=site.admin, json={})
    assert res.status_code == 500
    assert res.headers["x-wix-request-id"]
    assert res.json() == {
        "message": "Internal server error",
        "details": {
            "applicationError": {
                "code": "INTERNAL",
                "description": "Internal server error",
                "data": {},
            }
        },
    }


async def test_too_large_body_is_refused(client: httpx.AsyncClient, site: SiteKeys) -> None:
    res = await echo(client, site, {"thing": {"ids": ["x" * 1000] * 5000}})
    assert res.status_code == 413
    assert res.json()["details"]["applicationError"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_health_and_openapi(client: httpx.AsyncClient) -> None:
    res = await client.get("/healthz")
    assert res.status_code == 200 and res.json()["status"] == "ok"
    spec = (await client.get("/openapi.json")).json()
    assert "/oauth2/token" in spec["paths"]
    assert "/site-properties/v4/properties" in spec["paths"]
    # Request bodies are documented with their camelCase field names.
    schemas = spec["components"]["schemas"]
    assert "grantType" in schemas["TokenRequest"]["properties"]
    docs = await client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
