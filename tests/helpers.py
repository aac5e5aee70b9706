"""Assertions on API answers, shared by every test package."""

from __future__ import annotations

from typing import Any

import httpx


def ok(res: httpx.Response) -> dict[str, Any]:
    """The body of a 200."""
    assert res.status_code == 200, res.text
    return dict(res.json())


def app_error(res: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The ``applicationError`` of an error answer with this status and code."""
    assert res.status_code == status, res.text
    error = res.json()["details"]["applicationError"]
    assert error["code"] == code, res.text
    return dict(error)


def violations(res: httpx.Response) -> list[dict[str, Any]]:
    """The field violations of a 400."""
    assert res.status_code == 400, res.text
    return [dict(v) for v in res.json()["details"]["validationError"]["fieldViolations"]]


def violation(
    res: httpx.Response, field: str | None = None, rule: str | None = None
) -> dict[str, Any]:
    """The first field violation of a 400 on ``field`` (any field when ``None``) breaking
    ``rule`` (any rule when ``None``)."""
    found = violations(res)
    for v in found:
        if (field is None or v["field"] == field) and (rule is None or v["violatedRule"] == rule):
            return v
    raise AssertionError(f"no violation on {field} ({rule}) in {found}")


def only_violation(res: httpx.Response) -> dict[str, Any]:
    """The one field violation of a 400."""
    found = violations(res)
    assert len(found) == 1, found
    return found[0]
