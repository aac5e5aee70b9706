"""No input yields a 500: every method of every API, fed malformed and random messages."""

from __future__ import annotations

import json
import random
import re
from typing import Any

import httpx
import pytest

from bookings.app import api_methods
from bookings.platform.auth import Role
from tests.booking.conftest import token
from tests.conftest import SiteKeys

GUID = "6f1c3b8e-0d7a-4e7b-9c61-2f9d0a3e5b14"
NASTY: list[Any] = [
    None,
    True,
    0,
    -1,
    2**63,
    1.5,
    "",
    "x",
    "\x00",
    "\udc00"[:0] + "é",
    "NaN",
    "2026-13-45T99:99:99Z",
    GUID,
    [],
    [None],
    {},
    {"$eq": 1},
    {"a": {"b": {"c": []}}},
    ["x"] * 3,
    "9" * 400,
]


def _value(rng: random.Random, depth: int = 0) -> Any:
    if depth < 3 and rng.random() < 0.3:
        if rng.random() < 0.5:
            return [_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
        keys = ["id", "revision", "filter", "query", "limit", "startDate", "status", "value"]
        return {rng.choice(keys): _value(rng, depth + 1) for _ in range(rng.randint(0, 3))}
    return rng.choice(NASTY)


def _messages(method: Any, rng: random.Random) -> list[dict[str, Any]]:
    """Messages built from the method's own field names, with hostile values."""
    fields = [f.alias or name for name, f in method.request_model.model_fields.items()]
    out: list[dict[str, Any]] = [{}]
    for _ in range(10):
        out.append({name: _value(rng) for name in fields if rng.random() < 0.7})
    return out


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", GUID, path)


METHODS = [m for m in api_methods() if m.roles is not None]


@pytest.mark.parametrize("method", METHODS, ids=lambda m: f"{m.tag}:{m.name}")
async def test_hostile_messages_never_cause_a_500(
    client: httpx.AsyncClient, site: SiteKeys, method: Any
) -> None:
    rng = random.Random(method.name)
    path = _concrete(method.paths[0])
    # A credential the method admits, so that every message reaches the body's validation.
    headers = site.admin
    if Role.ADMIN not in method.roles:
        member = await token(client, site, "5e1f0000-0000-4000-8000-000000000001")
        headers = {"Authorization": member}
    for message in _messages(method, rng):
        if method.verb in ("GET", "DELETE"):
            params = {
                k: json.dumps(v) if isinstance(v, dict | list) else str(v)
                for k, v in message.items()
            }
            res = await client.request(method.verb, path, params=params, headers=headers)
        else:
            res = await client.request(method.verb, path, json=message, headers=headers)
        assert res.status_code < 500 or res.status_code == 501, (message, res.text)
        body = res.json()
        if res.status_code != 200:
            assert set(body) == {"message", "details"}, body
    raw = await client.request(
        method.verb,
        path,
        content=b'{"x": [1, 2',
        headers={**headers, "content-type": "application/json"},
    )
    assert raw.status_code in (200, 400, 404, 501), raw.text
