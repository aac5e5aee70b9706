"""JSON out: answers and stored documents, by orjson where it can write the value.

``json.dumps`` costs a create more CPU than some of its database statements (the answer,
the booking document, its policy snapshot and its outbox event are all JSON). orjson writes
the same compact UTF-8 text several times faster, but for the spelling of some floats
(``1e-7`` where Python writes ``1e-07``, ``0.00001`` for ``1e-05``: the same numbers). Where
it cannot write a value (an integer beyond 64 bits, a non-string key) it raises, and the
standard library writes it instead, so no value is ever changed. NaN and the infinities are
not JSON and never get this far: request bodies that contain them are refused
(``platform/routing.py``).

JSON in stays with the standard library: orjson reads an integer beyond 64 bits as a float,
which would change a stored value.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from starlette.responses import JSONResponse


def dumps_bytes(value: Any) -> bytes:
    """Compact JSON, UTF-8, non-ASCII as is, keys in their order."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def dumps_text(value: Any) -> str:
    """:func:`dumps_bytes` as text (SQLAlchemy's ``json_serializer``)."""
    return dumps_bytes(value).decode("utf-8")


class WireJSONResponse(JSONResponse):
    """A JSON answer written by :func:`dumps_bytes` (the values Starlette would write)."""

    def render(self, content: Any) -> bytes:
        return dumps_bytes(content)
