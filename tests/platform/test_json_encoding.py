"""JSON out (``platform/json_encoding.py``): the standard library's compact text (small floats
aside: the same numbers, spelled otherwise)."""

from __future__ import annotations

import json
from typing import Any

from bookings.platform.json_encoding import WireJSONResponse, dumps_bytes, dumps_text


def stdlib(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def test_the_text_is_the_standard_librarys() -> None:
    samples: list[Any] = [
        {"b": [1, 2.5, None, True, False, 1e16, 1.5e300, -0.0, 0.1 + 0.2], "a": "x"},
        {"text": 'ünïcode \u2028 \x01 \t "quoted" \\ / 😀', "nested": {"z": {}, "a": []}},
        [{"revision": "7", "createdDate": "2026-01-30T13:30:00.000Z"}],
        "plain",
        12,
    ]
    for value in samples:
        assert dumps_bytes(value) == stdlib(value)
        assert dumps_text(value) == stdlib(value).decode()


def test_small_floats_are_the_same_numbers() -> None:
    value = [1e-7, 1e-5, 5e-324, 2.5e-10]
    assert json.loads(dumps_bytes(value)) == value


def test_what_orjson_refuses_is_written_by_the_standard_library() -> None:
    for value in ({"big": 2**70}, {"neg": -(2**64)}, {1: "int key"}):
        assert dumps_bytes(value) == stdlib(value)
        assert json.loads(dumps_bytes(value)) == json.loads(stdlib(value))


def test_a_wire_answer_renders_the_same_text() -> None:
    body = {"booking": {"id": "b", "n": 2**70, "name": "Ana ü"}}
    assert WireJSONResponse(body).body == stdlib(body)
