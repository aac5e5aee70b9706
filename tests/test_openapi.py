"""The OpenAPI document is one tools can use (issue 17): valid OpenAPI 3, every path
parameter defined, GET/DELETE query fields listed, and every operation's error answers
documented with the Wix envelope's schema."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from openapi_spec_validator import validate

from bookings.app import create_app
from bookings.config import Settings

_DOC: dict[str, Any] = {}


def document(tmp_path: Path) -> dict[str, Any]:
    """The app's document (built once: building the app takes seconds)."""
    if not _DOC:
        app = create_app(Settings(data_dir=tmp_path, demo=False, log_json=False))
        _DOC.update(app.openapi())
    return _DOC


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(verb, path, op) for path, item in doc["paths"].items() for verb, op in item.items()]


def test_the_document_validates(tmp_path: Path) -> None:
    validate(document(tmp_path))  # type: ignore[arg-type]


def test_every_path_parameter_is_defined(tmp_path: Path) -> None:
    missing = []
    for verb, path, op in operations(document(tmp_path)):
        named = set(re.findall(r"\{([^}]+)\}", path))
        defined = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
        if named != defined:
            missing.append(f"{verb.upper()} {path}: {sorted(named - defined)}")
    assert missing == []


def test_every_operation_documents_its_errors_in_the_wix_envelope(tmp_path: Path) -> None:
    doc = document(tmp_path)
    envelope = doc["components"]["schemas"]["WixError"]
    assert envelope["required"] == ["message", "details"]
    undocumented = []
    for verb, path, op in operations(doc):
        errors = {k: v for k, v in op["responses"].items() if k[0] in "45" and k != "422"}
        refs = {v["content"]["application/json"]["schema"].get("$ref") for v in errors.values()}
        if not errors or refs != {"#/components/schemas/WixError"}:
            undocumented.append(f"{verb.upper()} {path}")
    assert undocumented == []
    create = doc["paths"]["/_api/bookings-service/v2/bookings"]["post"]["responses"]
    assert {"400", "401", "403", "404", "409", "428", "501", "503"} <= set(create)
    token = doc["paths"]["/oauth2/token"]["post"]["responses"]
    assert {"401", "403"} <= set(token)  # the member grant's ADMIN key
    feed = doc["paths"]["/_api/bookings-server/v1/calendar-feeds/{token}.ics"]["get"]
    assert "401" not in feed["responses"]  # no credential is asked for


def test_get_methods_list_their_query_fields(tmp_path: Path) -> None:
    doc = document(tmp_path)
    get = doc["paths"]["/ecom/v1/checkouts/{id}"]["get"]
    assert [(p["name"], p["in"]) for p in get["parameters"]] == [("id", "path")]
    listed = doc["paths"]["/booking-policy-snapshots/v1/policy-snapshots"]["get"]
    assert "bookingIds" in {p["name"] for p in listed["parameters"] if p["in"] == "query"}


def test_operations_without_a_credential_say_so(tmp_path: Path) -> None:
    doc = document(tmp_path)
    assert doc["security"] == [{"apiKey": []}]
    token = doc["paths"]["/oauth2/token"]["post"]
    assert token["security"] == [{}, {"apiKey": []}]  # the member grant takes an ADMIN key
    assert doc["paths"]["/healthz"]["get"]["security"] == []
    anonymous = doc["paths"]["/v1/anonymous-bookings/{token}/cancel"]["post"]
    assert anonymous["security"] == [] and "401" in anonymous["responses"]  # a bad token
    assert "security" not in doc["paths"]["/_api/bookings-service/v2/bookings"]["post"]


def test_query_parameters_are_not_nullable(tmp_path: Path) -> None:
    nullable = [
        f"{verb.upper()} {path} {p['name']}"
        for verb, path, op in operations(document(tmp_path))
        for p in op.get("parameters", [])
        if p["in"] == "query" and {"type": "null"} in p["schema"].get("anyOf", [])
    ]
    assert nullable == []


def test_one_name_one_schema(tmp_path: Path) -> None:
    """Two models of one name (``ResourceIn`` of staff and of calendar events) and a request
    model named as a response model get names and titles of their own: generators name
    their classes by the title, and a request must not be read with another's schema."""
    schemas = document(tmp_path)["components"]["schemas"]
    titles = [s.get("title", name) for name, s in schemas.items()]
    assert sorted(t for t in titles if titles.count(t) > 1) == []
    assert "id" not in schemas["StaffResourceIn"].get("required", [])  # made by the server
    assert "id" in schemas["CalendarResourceIn"]["required"]  # names a resource
    assert schemas["BookingPolicyInput"]["title"] == "BookingPolicyInput"


def test_no_pydantic_keyword_leaks_into_the_schemas(tmp_path: Path) -> None:
    """A bound pydantic cannot put on a schema comes out as ``ge``/``le``, which no tool reads."""
    leaks: list[str] = []

    def walk(node: Any, at: str) -> None:
        if isinstance(node, dict):
            leaks.extend(f"{at}.{k}" for k in ("ge", "le", "gt", "lt") if k in node)
            for key, child in node.items():
                walk(child, f"{at}.{key}")
        elif isinstance(node, list):
            for i, child in enumerate(node):
                walk(child, f"{at}[{i}]")

    walk(document(tmp_path)["components"]["schemas"], "schemas")
    assert leaks == []
