"""The request messages every Query and Count method of the Wix API shares."""

from __future__ import annotations

from typing import Any

from bookings.platform.wire import WireModel


class QueryRequest(WireModel):
    """``{"query": {filter, sort, paging | cursorPaging, fields}}`` (parsed by
    :func:`bookings.platform.query.parse_query`)."""

    query: dict[str, Any] | None = None


class CountRequest(WireModel):
    """``{"filter": {...}}``."""

    filter: dict[str, Any] | None = None
