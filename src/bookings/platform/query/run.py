"""A whole query request, validated and run.

:func:`parse_query` validates ``{"filter", "sort", "paging" | "cursorPaging"}`` (no database
needed); :func:`execute_query` runs the result on the caller's base select; :func:`run_query`
does both; :func:`count` counts the rows a filter matches.

Paging: ``paging {limit, offset}`` or ``cursorPaging {limit, cursor}``, never both (400);
with neither, the API's default paging. ``limit`` below 1 or above the API maximum is a 400
(MIN/MAX) — Wix rejects it too, nothing is clamped. A cursor together with a non-empty filter
or sort is a 400 (the cursor carries them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bookings.platform import errors, wire
from bookings.platform.db import SiteScope
from bookings.platform.query.cursor import _cursor_page, _decode_cursor
from bookings.platform.query.filter import _bad
from bookings.platform.query.paging import ParsedQuery, QueryPage, _count_rows, _offset_page
from bookings.platform.query.sort import parse_sort, sort_keys
from bookings.platform.query.spec import MAX_CURSOR_LENGTH, QuerySpec
from bookings.platform.query.sql import _compile, compile_filter
from bookings.platform.signing import Signer


def _int(value: Any, path: str) -> int:
    try:
        return wire.parse_int64(value)
    except Exception:
        raise _bad(path, "must be an integer") from None


def _limit(spec: QuerySpec, value: Any, path: str) -> int:
    if value is None:
        return spec.default_limit
    limit = _int(value, path)
    if limit < 1:
        raise _bad(path, "must be at least 1", errors.MIN)
    if limit > spec.max_limit:
        raise _bad(path, f"must be at most {spec.max_limit}", errors.MAX)
    return limit


def parse_query(
    spec: QuerySpec,
    query: Any,
    *,
    signer: Signer,
    scope_key: str,
    prefix: str = "query",
) -> ParsedQuery:
    """Validate a whole query object (no database needed)."""
    if query is None:
        query = {}
    if not isinstance(query, Mapping):
        raise _bad(prefix, "must be an object")
    paging = query.get("paging")
    cursor_paging = query.get("cursorPaging")
    if paging is not None and cursor_paging is not None:
        raise _bad(
            f"{prefix}.cursorPaging",
            "cannot be combined with paging: send one of paging and cursorPaging",
            errors.ONE_OF_ALIGNMENT,
        )
    if paging is not None and not spec.offset_paging:
        raise _bad(
            f"{prefix}.paging", "is not supported: use cursorPaging", errors.FIELD_NOT_ALLOWED
        )
    if cursor_paging is not None and not spec.cursor_paging:
        raise _bad(
            f"{prefix}.cursorPaging", "is not supported: use paging", errors.FIELD_NOT_ALLOWED
        )
    filter_ = query.get("filter")
    sort_ = query.get("sort")
    if paging is not None or (cursor_paging is None and spec.default_paging == "offset"):
        page = paging if paging is not None else {}
        if not isinstance(page, Mapping):
            raise _bad(f"{prefix}.paging", "must be an object {limit, offset}")
        limit = _limit(spec, page.get("limit"), f"{prefix}.paging.limit")
        offset = 0
        if page.get("offset") is not None:
            offset = _int(page["offset"], f"{prefix}.paging.offset")
            if offset < 0:
                raise _bad(f"{prefix}.paging.offset", "must be at least 0", errors.MIN)
        sort = tuple(parse_sort(spec, sort_, f"{prefix}.sort"))
        where, not_null = _compile(spec, filter_, f"{prefix}.filter")
        return ParsedQuery(
            filter=filter_,
            where=where,
            sort=sort,
            keys=tuple(sort_keys(spec, sort, not_null)),
            limit=limit,
            cursor_mode=False,
            offset=offset,
        )
    page = cursor_paging if cursor_paging is not None else {}
    if not isinstance(page, Mapping):
        raise _bad(f"{prefix}.cursorPaging", "must be an object {limit, cursor}")
    limit_value = page.get("limit")
    token = page.get("cursor")
    if token is None or token == "":
        limit = _limit(spec, limit_value, f"{prefix}.cursorPaging.limit")
        sort = tuple(parse_sort(spec, sort_, f"{prefix}.sort"))
        where, not_null = _compile(spec, filter_, f"{prefix}.filter")
        return ParsedQuery(
            filter=filter_,
            where=where,
            sort=sort,
            keys=tuple(sort_keys(spec, sort, not_null)),
            limit=limit,
            cursor_mode=True,
        )
    cursor_path = f"{prefix}.cursorPaging.cursor"
    if not isinstance(token, str):
        raise _bad(cursor_path, "must be a string")
    if len(token) > MAX_CURSOR_LENGTH:
        raise _bad(
            cursor_path, f"must be at most {MAX_CURSOR_LENGTH} characters", errors.MAX_LENGTH
        )
    if filter_ not in (None, {}):
        raise _bad(
            f"{prefix}.filter",
            "must not be sent with cursorPaging.cursor (the cursor carries the filter)",
            errors.FIELD_NOT_ALLOWED,
        )
    if sort_ not in (None, []):
        raise _bad(
            f"{prefix}.sort",
            "must not be sent with cursorPaging.cursor (the cursor carries the sort)",
            errors.FIELD_NOT_ALLOWED,
        )
    override = (
        None if limit_value is None else _limit(spec, limit_value, f"{prefix}.cursorPaging.limit")
    )
    return _decode_cursor(spec, token, signer, scope_key, cursor_path, override)


def _connection(conn: AsyncConnection | SiteScope) -> AsyncConnection:
    return conn.conn if isinstance(conn, SiteScope) else conn


async def count(
    conn: AsyncConnection | SiteScope,
    spec: QuerySpec,
    stmt: sa.Select[Any],
    filter_: Any,
    *,
    prefix: str = "filter",
) -> int:
    """How many rows of ``stmt`` match ``filter_`` (``prefix`` = the filter's request path)."""
    where = compile_filter(spec, filter_, prefix)
    return await _count_rows(_connection(conn), stmt.where(where))


async def execute_query(
    conn: AsyncConnection | SiteScope,
    stmt: sa.Select[Any],
    parsed: ParsedQuery,
    *,
    signer: Signer,
    scope_key: str,
) -> QueryPage:
    """Run a parsed query on ``stmt`` (the caller's site-scoped base select)."""
    db = _connection(conn)
    base = stmt.where(parsed.where)
    if not parsed.cursor_mode:
        return await _offset_page(db, base, parsed)
    return await _cursor_page(db, base, parsed, signer=signer, scope_key=scope_key)


async def run_query(
    conn: AsyncConnection | SiteScope,
    spec: QuerySpec,
    stmt: sa.Select[Any],
    query: Any,
    *,
    signer: Signer,
    scope_key: str,
    prefix: str = "query",
) -> QueryPage:
    """Validate ``query`` (the request's query object, at request path ``prefix``) and run it.

    ``stmt`` is the base select, already restricted to the site; ``scope_key`` names the site
    and API (e.g. ``f"{site_id}:extended-bookings"``) so that cursors do not travel between
    them.
    """
    parsed = parse_query(spec, query, signer=signer, scope_key=scope_key, prefix=prefix)
    return await execute_query(conn, stmt, parsed, signer=signer, scope_key=scope_key)
