"""Search Orders (spec E.3): filters, newest first, cursor paging."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bookings.ecom.models import ecom_orders
from bookings.ecom.schemas import SearchOrdersRequest
from bookings.platform import errors
from bookings.platform.auth import Identity
from bookings.platform.cursors import CursorCodec, CursorRejected
from bookings.platform.db import Database
from bookings.platform.signing import Signer

DEFAULT_LIMIT = 100
_CURSORS = CursorCodec("ecom-orders")

_FILTER_COLUMNS = {
    "id": ecom_orders.c.id,
    "status": ecom_orders.c.status,
    "paymentStatus": ecom_orders.c.payment_status,
    "checkoutId": ecom_orders.c.checkout_id,
}


def _condition(name: str, value: Any) -> sa.ColumnElement[bool]:
    column = _FILTER_COLUMNS.get(name)
    if column is None:
        raise errors.invalid_field(f"search.filter.{name}", "is not a filter of this server")
    if isinstance(value, dict):
        if set(value) == {"$eq"}:
            return column == str(value["$eq"])
        if set(value) == {"$ne"}:
            return column != str(value["$ne"])
        if set(value) == {"$in"} and isinstance(value["$in"], list):
            return column.in_([str(v) for v in value["$in"]])
        raise errors.invalid_field(f"search.filter.{name}", "supports $eq, $ne and $in")
    return column == str(value)


async def search_orders(
    db: Database, caller: Identity, signer: Signer, req: SearchOrdersRequest
) -> dict[str, Any]:
    """Newest first (``createdDate`` desc, then id); filters: id, status, paymentStatus,
    checkoutId (equality, ``$eq``, ``$ne``, ``$in``). A cursor carries the filter and the
    position, so the next page is asked with the cursor alone."""
    search = req.search
    paging = search.cursor_paging if search else None
    limit = DEFAULT_LIMIT if paging is None or paging.limit is None else paging.limit
    flt: dict[str, Any] = (search.filter if search else None) or {}
    after: list[str] | None = None
    if paging is not None and paging.cursor:
        try:
            body = _CURSORS.open(signer, caller.site_id, paging.cursor)
        except CursorRejected:
            raise errors.invalid_field("search.cursorPaging.cursor", "is not valid") from None
        flt, after = body["f"], body["a"]
    if search and search.sort:
        for s in search.sort:
            if s.get("fieldName") not in (None, "createdDate") or s.get("order") == "ASC":
                raise errors.invalid_field("search.sort", "only createdDate DESC is supported")
    t = ecom_orders
    async with db.read(caller.site_id) as scope:
        stmt = scope.select(t)
        for name, value in flt.items():
            stmt = stmt.where(_condition(name, value))
        if after is not None:
            when = datetime.fromisoformat(after[0])
            stmt = stmt.where(
                sa.or_(
                    t.c.created_date < when, sa.and_(t.c.created_date == when, t.c.id < after[1])
                )
            )
        rows = await scope.all(
            stmt.order_by(t.c.created_date.desc(), t.c.id.desc()).limit(limit + 1)
        )
    page, more = rows[:limit], len(rows) > limit
    cursors: dict[str, Any] = {}
    if more and page:
        last = page[-1]
        cursors["next"] = _CURSORS.seal(
            signer, caller.site_id, {"f": flt, "a": [last.created_date.isoformat(), last.id]}
        )
    return {
        "orders": [r.doc for r in page],
        "metadata": {"count": len(page), "cursors": cursors, "hasNext": more},
    }
