"""Paging of computed slots: slots are computed chunk by chunk of local days until a page
fills, and a signed cursor resumes after the last slot shown."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bookings.availability import cursors, present
from bookings.availability.inputs import (
    CHUNK_DAYS,
)
from bookings.availability.intervals import from_seconds
from bookings.availability.loading import (
    day_of,
)
from bookings.availability.policy import Violations
from bookings.platform import zoned
from bookings.platform.signing import Signer


@dataclass(frozen=True, slots=True)
class Item:
    """One listed entry and its paging key."""

    key: tuple[Any, ...]
    slot: dict[str, Any]
    bookable: bool
    day: date
    violations: Violations
    #: The slot's end instant (seconds).
    end: int


# ---------------------------------------------------------------- paging


Compute = Callable[[datetime, datetime], Awaitable[list[Item]]]


async def paged(
    compute: Compute,
    lo: datetime,
    hi: datetime,
    tz: ZoneInfo,
    position: tuple[Any, ...] | None,
    limit: int,
) -> tuple[list[Item], bool]:
    """Up to ``limit`` items after ``position``, computing chunk by chunk (chunks end at local
    midnights, so per-day caps see whole days)."""
    chunk_lo = lo
    if position is not None:
        day = day_of(from_seconds(int(position[0])), tz)
        chunk_lo = max(lo, zoned.to_utc(datetime.combine(day, time()), tz))
    out: list[Item] = []
    while chunk_lo < hi and len(out) <= limit:
        first = day_of(chunk_lo, tz)
        chunk_hi = min(
            hi, zoned.to_utc(datetime.combine(first + timedelta(CHUNK_DAYS), time()), tz)
        )
        items = await compute(chunk_lo, chunk_hi)
        if position is not None:
            items = [i for i in items if i.key > position]
        out.extend(items)
        chunk_lo = chunk_hi
    return out[:limit], len(out) > limit


def position_of(raw: Any, second: type) -> tuple[Any, ...] | None:
    if raw is None:
        return None
    if (
        isinstance(raw, list)
        and len(raw) == 2
        and isinstance(raw[0], int)
        and isinstance(raw[1], second)
    ):
        return (raw[0], raw[1])
    raise cursors.bad_cursor()


def paging_metadata(
    signer: Signer,
    site_id: str,
    kind: str,
    params: dict[str, Any],
    page: list[Item],
    has_next: bool,
) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if has_next and page:
        found["next"] = cursors.encode(signer, site_id, kind, params, list(page[-1].key))
    return {"cursors": found, "hasNext": has_next}


def filtered(
    items: list[Item],
    *,
    bookable: bool | None,
    wanted: dict[str, bool | None] | None,
    per_day: int | None,
    extra: Callable[[Item], bool] | None = None,
) -> list[Item]:
    kept = [
        i
        for i in items
        if (bookable is None or i.bookable == bookable)
        and present.violations_match(i.violations, wanted)
        and (extra is None or extra(i))
    ]
    return present.cap_per_day(
        kept, per_day, lambda i: i.day, lambda i: i.bookable, bookable_first=bookable is None
    )


def resume(
    signer: Signer, site_id: str, kind: str, token: str, model: type[Any], second: type
) -> tuple[Any, tuple[Any, ...] | None, int | None]:
    params, raw_position = cursors.decode(signer, site_id, kind, token)
    try:
        request = model.model_validate(params)
    except Exception:
        raise cursors.bad_cursor() from None
    limit = params.get("cursorPaging", {}).get("limit") if isinstance(params, dict) else None
    return request, position_of(raw_position, second), limit if isinstance(limit, int) else None


def frozen_params(request: Any, lo: datetime, tz: ZoneInfo, limit: int) -> dict[str, Any]:
    params: dict[str, Any] = request.model_dump(
        mode="json", by_alias=True, exclude_none=True, exclude={"cursor_paging"}
    )
    params["fromLocalDate"] = present.local_text(lo, tz)
    params["cursorPaging"] = {"limit": limit}
    return params
