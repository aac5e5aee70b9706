"""Time zone names: validated against the pinned IANA database (``tzdata``)."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    """The zone called ``name``; ``KeyError`` when there is none."""
    if not name or "\x00" in name or name.startswith(("/", ".")) or ".." in name:
        raise KeyError(name)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise KeyError(name) from exc


def is_valid_zone(name: str) -> bool:
    try:
        zone(name)
    except KeyError:
        return False
    return True
