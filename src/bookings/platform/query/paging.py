"""A validated query and its page; offset paging.

A :class:`ParsedQuery` holds the WHERE condition, sort keys and paging of one request (built by
:func:`~bookings.platform.query.run.parse_query`, or from a cursor); a :class:`QueryPage` is
what running it answers. Offset paging (``paging {limit, offset}``) answers the paging metadata
``{count, offset, total, tooManyToCount: false}``; ``total`` is counted in SQL unless the page
itself shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bookings.platform.query.sort import SortKey, order_by


@dataclass(frozen=True)
class Position:
    """Where a cursor page starts: after (``forward``) or before the key ``values``."""

    values: tuple[Any, ...]
    forward: bool
    inclusive: bool = False


@dataclass(frozen=True, eq=False)
class ParsedQuery:
    filter: Any  # the raw filter JSON (carried in cursors)
    where: sa.ColumnElement[bool]
    sort: tuple[tuple[str, bool], ...]
    keys: tuple[SortKey, ...]
    limit: int
    cursor_mode: bool
    offset: int = 0
    position: Position | None = None


@dataclass(frozen=True)
class QueryPage:
    """One page: the rows (in order) and the wire ``pagingMetadata``.

    In cursor mode a row may carry extra trailing columns labelled ``_qkey<N>``: sort keys that
    the base select did not include.
    """

    rows: list[sa.Row[Any]]
    paging_metadata: dict[str, Any]


async def _count_rows(conn: AsyncConnection, stmt: sa.Select[Any]) -> int:
    sub = stmt.order_by(None).limit(None).offset(None).subquery()
    total = (await conn.execute(sa.select(sa.func.count()).select_from(sub))).scalar()
    return int(total or 0)


async def _offset_page(db: AsyncConnection, base: sa.Select[Any], parsed: ParsedQuery) -> QueryPage:
    """One offset page of ``base`` (the filtered select)."""
    page = base.order_by(*order_by(parsed.keys)).limit(parsed.limit).offset(parsed.offset)
    rows = list((await db.execute(page)).all())
    if rows and len(rows) < parsed.limit:
        total = parsed.offset + len(rows)
    elif not rows and parsed.offset == 0:
        total = 0
    else:
        total = await _count_rows(db, base)
    return QueryPage(
        rows,
        {"count": len(rows), "offset": parsed.offset, "total": total, "tooManyToCount": False},
    )
