"""The result envelope every Wix bulk method shares.

``{"results": [{"itemMetadata": {"id", "originalIndex", "success", "error"}, "item"}],
"bulkActionMetadata": {"totalSuccesses", "totalFailures", "undetailedFailures"}}``;
per-item failures travel inside a 200 response.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bookings.platform.errors import ApiError, ApplicationError, InvalidRequest


@dataclass
class BulkResults:
    return_entity: bool = False
    results: list[dict[str, Any]] = field(default_factory=list)

    def ok(self, index: int, item_id: str | None, item: dict[str, Any] | None = None) -> None:
        meta: dict[str, Any] = {"originalIndex": index, "success": True}
        if item_id is not None:
            meta["id"] = item_id
        entry: dict[str, Any] = {"itemMetadata": meta}
        if self.return_entity and item is not None:
            entry["item"] = item
        self.results.append(entry)

    def failed(self, index: int, item_id: str | None, error: ApiError) -> None:
        meta: dict[str, Any] = {
            "originalIndex": index,
            "success": False,
            "error": item_error(error),
        }
        if item_id is not None:
            meta["id"] = item_id
        self.results.append({"itemMetadata": meta})

    def to_wire(self) -> dict[str, Any]:
        successes = sum(1 for r in self.results if r["itemMetadata"]["success"])
        return {
            "results": sorted(self.results, key=lambda r: r["itemMetadata"]["originalIndex"]),
            "bulkActionMetadata": {
                "totalSuccesses": successes,
                "totalFailures": len(self.results) - successes,
                "undetailedFailures": 0,
            },
        }


T = TypeVar("T")


def _no_id(_item: Any) -> str | None:
    return None


async def bulk_each(
    items: Iterable[T],
    run: Callable[[int, T], Awaitable[dict[str, Any] | None]],
    *,
    return_entity: bool = False,
    item_id: Callable[[T], str | None] = _no_id,
) -> dict[str, Any]:
    """Run ``run(index, item)`` for each item, in order, each its own use case (own
    transaction): an item's failure (an API error) is that item's result and the rest go
    on. ``run`` answers the entity (its ``id`` is the item's id) or ``None`` (deletes: the id
    is ``item_id(item)``, which also names a failed item). The bulk answer of Wix."""
    results = BulkResults(return_entity)
    for index, item in enumerate(items):
        try:
            entity = await run(index, item)
        except ApiError as exc:
            results.failed(index, item_id(item), exc)
        else:
            if entity is None:
                results.ok(index, item_id(item))
            else:
                results.ok(index, entity.get("id"), entity)
    return results.to_wire()


def item_error(error: ApiError) -> dict[str, Any]:
    """``{code, description, data}`` of one failed item."""
    if isinstance(error, ApplicationError):
        return {"code": error.code, "description": error.description, "data": error.data}
    if isinstance(error, InvalidRequest):
        return {
            "code": "INVALID_ARGUMENT",
            "description": error.message,
            "data": {"fieldViolations": [v.to_wire() for v in error.violations]},
        }
    return {"code": "UNKNOWN", "description": error.message, "data": {}}
