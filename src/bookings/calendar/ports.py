"""What the calendar slice offers the other slices besides its use cases
(:mod:`bookings.calendar.service`): its hook points, wired once by the app.

``events_changed``: ``hook(scope, schedule_ids)``, run inside the unit of work that created or
    changed events of those schedules (the services slice derives a class's or course's staff,
    durations and first/last session from its sessions).
``resource_details``: ``provider(scope, resource_ids) -> {id: {"name", "type"}}``, which fills
    the read-only ``resources[].name``/``type`` of events when they are written (the staff
    slice knows the names).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from bookings.platform.db import SiteScope
from bookings.platform.hooks import Hooks

EventsChanged = Callable[[SiteScope, Sequence[str]], Awaitable[None]]
ResourceDetails = Callable[[SiteScope, Sequence[str]], Awaitable[Mapping[str, Mapping[str, Any]]]]

events_changed = Hooks[EventsChanged]("calendar events changed")
resource_details = Hooks[ResourceDetails]("calendar resource details")
