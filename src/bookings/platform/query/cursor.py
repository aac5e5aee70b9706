"""Signed keyset cursors, and cursor paging.

Cursor paging (``cursorPaging {limit, cursor}``) answers the paging metadata
``{count, cursors: {next?, prev?}, hasNext}`` (``next`` omitted on the last page, ``prev`` on the
first). Cursors are keyset positions signed with :class:`~bookings.platform.signing.Signer`;
they carry filter, sort, limit, a caller-given scope string (site + API) and the position, so
a follow-up sends only the cursor (and optionally a new limit). Keyset paging neither skips nor
repeats rows when rows are inserted or deleted between pages.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bookings.platform.cursors import CursorCodec, CursorRejected
from bookings.platform.query.filter import _bad
from bookings.platform.query.paging import ParsedQuery, Position, QueryPage
from bookings.platform.query.sort import SortKey, order_by, parse_sort, sort_keys
from bookings.platform.query.spec import Kind, QuerySpec
from bookings.platform.query.sql import _all, _any, _bind, _compile
from bookings.platform.signing import Signer

_COMPRESS_OVER = 1024
_CODEC = CursorCodec("query")


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return {"$ts": value.astimezone(UTC).isoformat()}
    if value is None or isinstance(value, str | int | bool):
        return value
    raise TypeError(f"cannot put a {type(value).__name__} sort value in a cursor")


def _decode_value(kind: Kind, raw: Any) -> Any:
    if raw is None:
        return None
    if kind is Kind.TIMESTAMP:
        if not isinstance(raw, Mapping) or not isinstance(raw.get("$ts"), str):
            raise ValueError("bad timestamp")
        value = datetime.fromisoformat(raw["$ts"])
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if kind is Kind.BOOL:
        ok = isinstance(raw, bool)
    elif kind is Kind.INT:
        ok = isinstance(raw, int) and not isinstance(raw, bool)
    else:
        ok = isinstance(raw, str)
    if not ok:
        raise ValueError("bad sort value")
    return raw


def encode_cursor(signer: Signer, scope_key: str, parsed: ParsedQuery, position: Position) -> str:
    """A signed cursor continuing ``parsed`` at ``position``."""
    filter_json = json.dumps(parsed.filter, separators=(",", ":"), sort_keys=True)
    payload: dict[str, Any] = {
        "o": [[path, "DESC" if desc else "ASC"] for path, desc in parsed.sort],
        "l": parsed.limit,
        "p": [_encode_value(v) for v in position.values],
        "d": "n" if position.forward else "p",
        "i": position.inclusive,
    }
    if len(filter_json) > _COMPRESS_OVER:
        packed = zlib.compress(filter_json.encode("utf-8"), 6)
        payload["fz"] = base64.b64encode(packed).decode("ascii")
    else:
        payload["f"] = parsed.filter
    return _CODEC.seal(signer, scope_key, payload)


def _decode_cursor(
    spec: QuerySpec,
    token: str,
    signer: Signer,
    scope_key: str,
    path: str,
    limit: int | None,
) -> ParsedQuery:
    try:
        payload = _CODEC.open(signer, scope_key, token)
    except CursorRejected as exc:
        if exc.foreign:
            raise _bad(path, "is not a cursor of this query") from None
        raise _bad(path, "is not a valid cursor") from None
    try:
        if "fz" in payload:
            filter_ = json.loads(zlib.decompress(base64.b64decode(payload["fz"])))
        else:
            filter_ = payload.get("f")
        sort_entries = [{"fieldName": name, "order": order} for name, order in payload["o"]]
        sort = tuple(parse_sort(spec, sort_entries))
        where, not_null = _compile(spec, filter_, "query.filter")
        keys = tuple(sort_keys(spec, sort, not_null))
        stored_limit = payload["l"]
        if not isinstance(stored_limit, int) or not 1 <= stored_limit <= spec.max_limit:
            raise ValueError("bad limit")
        raw_values = payload["p"]
        if not isinstance(raw_values, list) or len(raw_values) != len(keys):
            raise ValueError("bad position")
        values = tuple(_decode_value(k.kind, raw) for k, raw in zip(keys, raw_values, strict=True))
        if values[-1] is None or payload["d"] not in ("n", "p"):
            raise ValueError("bad position")
        position = Position(values, payload["d"] == "n", bool(payload.get("i")))
    except Exception:  # signed by us, but by another version of the API: still a 400
        raise _bad(path, "is not a valid cursor for this query") from None
    return ParsedQuery(
        filter=filter_,
        where=where,
        sort=sort,
        keys=keys,
        limit=stored_limit if limit is None else limit,
        cursor_mode=True,
        position=position,
    )


def _after(key: SortKey, value: Any, forward: bool) -> sa.ColumnElement[bool]:
    """Rows strictly after ``value`` on one key, in the direction of travel."""
    col = key.expr
    bigger = key.desc != forward  # travelling towards bigger values?
    if value is None:  # NULL is the smallest value
        return col.is_not(None) if bigger else sa.false()
    b = _bind(key.kind, col, value)
    if bigger:
        return col > b
    return sa.or_(col < b, col.is_(None)) if key.nullable else col < b


def _equal(key: SortKey, value: Any) -> sa.ColumnElement[bool]:
    if value is None:
        return key.expr.is_(None)
    return key.expr == _bind(key.kind, key.expr, value)


def keyset(
    keys: Sequence[SortKey], values: Sequence[Any], forward: bool, inclusive: bool = False
) -> sa.ColumnElement[bool]:
    """Rows after the position ``values`` (before it when not ``forward``) in key order.

    The alternatives are ANDed with the bound they imply on the first key (``k1 >= v1`` when
    travelling towards bigger values, ``k1 <= v1`` towards smaller ones unless NULLs lie
    there), so that an index on it starts at the position instead of filtering up to it."""
    alternatives: list[sa.ColumnElement[bool]] = []
    for i, key in enumerate(keys):
        prefix = [_equal(k, v) for k, v in zip(keys[:i], values[:i], strict=True)]
        alternatives.append(_all([*prefix, _after(key, values[i], forward)]))
    if inclusive:
        alternatives.append(_all([_equal(k, v) for k, v in zip(keys, values, strict=True)]))
    condition = _any(alternatives)
    first, value = keys[0], values[0]
    if len(keys) > 1 and value is not None:
        bound = _bind(first.kind, first.expr, value)
        if first.desc != forward:
            return sa.and_(first.expr >= bound, condition)
        if not first.nullable:
            return sa.and_(first.expr <= bound, condition)
    return condition


def _with_keys(stmt: sa.Select[Any], keys: Sequence[SortKey]) -> tuple[sa.Select[Any], list[int]]:
    """``stmt`` selecting every sort key, and the row index of each key."""
    columns = list(stmt.selected_columns)
    positions: list[int] = []
    extra = 0
    for i, key in enumerate(keys):
        index = next(
            (
                j
                for j, col in enumerate(columns)
                if col is key.expr or (isinstance(col, sa.Label) and col.element is key.expr)
            ),
            None,
        )
        if index is None:
            stmt = stmt.add_columns(key.expr.label(f"_qkey{i}"))
            index = len(columns) + extra
            extra += 1
        positions.append(index)
    return stmt, positions


async def _cursor_page(
    db: AsyncConnection,
    base: sa.Select[Any],
    parsed: ParsedQuery,
    *,
    signer: Signer,
    scope_key: str,
) -> QueryPage:
    """One cursor page of ``base`` (the filtered select), with the cursors around it."""
    keys = parsed.keys
    position = parsed.position
    forward = position is None or position.forward
    select, indexes = _with_keys(base, keys)
    page = select
    if position is not None:
        page = page.where(keyset(keys, position.values, forward, position.inclusive))
    page = page.order_by(*order_by(keys, reverse=not forward)).limit(parsed.limit + 1)
    fetched = list((await db.execute(page)).all())
    more = len(fetched) > parsed.limit
    rows = fetched[: parsed.limit]
    if not forward:
        rows.reverse()

    def values_of(row: sa.Row[Any]) -> tuple[Any, ...]:
        return tuple(row[i] for i in indexes)

    after: Position | None = None
    before: Position | None = None
    if rows:
        after = Position(values_of(rows[-1]), True)
        before = Position(values_of(rows[0]), False)
    elif position is not None:  # nothing left in this direction: the complement of the window
        complement = Position(position.values, not position.forward, not position.inclusive)
        after, before = (complement, None) if complement.forward else (None, complement)

    async def any_rows(where: Position | None) -> bool:
        if where is None:
            return False
        probe = base.where(keyset(keys, where.values, where.forward, where.inclusive)).limit(1)
        return (await db.execute(probe)).first() is not None

    if position is None:
        has_next, has_prev = more, False
    elif forward:
        has_next, has_prev = more, await any_rows(before)
    else:
        has_next, has_prev = await any_rows(after), more
    cursors: dict[str, str] = {}
    if has_next and after is not None:
        cursors["next"] = encode_cursor(signer, scope_key, parsed, after)
    if has_prev and before is not None:
        cursors["prev"] = encode_cursor(signer, scope_key, parsed, before)
    meta: dict[str, Any] = {"count": len(rows), "cursors": cursors, "hasNext": bool(has_next)}
    return QueryPage(rows, meta)
