"""What other slices read of a calendar event: a typed view over its wire document."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bookings.platform.wire import parse_timestamp


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class EventView:
    """An event (or an occurrence) as other slices see it (read-only)."""

    #: The wire Event (``adjusted*`` in the event's own zone, participants included).
    wire: Mapping[str, Any]

    @property
    def id(self) -> str:
        return str(self.wire["id"])

    @property
    def schedule_id(self) -> str:
        return str(self.wire.get("scheduleId") or "")

    @property
    def external_schedule_id(self) -> str | None:
        value = self.wire.get("externalScheduleId")
        return str(value) if value else None

    @property
    def type(self) -> str | None:
        value = self.wire.get("type")
        return str(value) if value else None

    @property
    def cancelled(self) -> bool:
        return self.wire.get("status") == "CANCELLED"

    @property
    def title(self) -> str | None:
        value = self.wire.get("title")
        return str(value) if value else None

    @property
    def time_zone(self) -> str:
        return str(self.wire.get("timeZone") or "UTC")

    @property
    def start(self) -> datetime:
        return parse_timestamp(self.wire["start"]["utcDate"])

    @property
    def end(self) -> datetime:
        return parse_timestamp(self.wire["end"]["utcDate"])

    @property
    def total_capacity(self) -> int | None:
        return _int(self.wire.get("totalCapacity"))

    @property
    def remaining_capacity(self) -> int | None:
        return _int(self.wire.get("remainingCapacity"))

    @property
    def resources(self) -> list[Mapping[str, Any]]:
        return list(self.wire.get("resources") or ())

    @property
    def location(self) -> Mapping[str, Any] | None:
        value = self.wire.get("location")
        return value if isinstance(value, Mapping) else None
