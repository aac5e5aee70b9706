"""Calendar V3 use-cases: schedules, events, recurring series and their materialized
occurrences.

Functions for other slices — they take the caller's unit of work (``uow``, a write) or scope
(``scope``, a read or a write) and never open a transaction of their own:

``create_schedule(uow, *, external_id: str, name: str, time_zone: str | None = None,
app_id: str = BOOKINGS_APP_ID, default_capacity: int | None = None) -> dict``
    A new ACTIVE schedule (time zone defaults to the site's); its wire dict (``"id"``...).
``get_schedule(scope, schedule_id) -> dict | None``
``update_schedule(uow, schedule_id, changes: Mapping[str, Any]) -> dict``
    Changes in wire form (``{"name": ..., "defaultCapacity": ...}``), no revision needed;
    defaults flow to future events that inherit them.
``cancel_schedule(uow, schedule_id) -> None``
    CANCELLED (idempotent); future events are cancelled.
``ensure_business_schedule(uow) -> dict``
    The site's business schedule (externalId ``BUSINESS_SCHEDULE_EXTERNAL_ID``, name
    ``business``), created race-free on first call with five WORKING_HOURS weekly MASTERs,
    Monday to Friday 09:00-17:00 in the site's time zone.
``create_event(uow, event: Mapping[str, Any], time_zone: str | None = None) -> dict``
    An event from its wire dict (``resources[].name/type`` are kept: trusted caller).
``get_event(scope, event_id) -> dict | None``
``cancel_event(uow, event_id) -> dict``
    Cancels an event (a MASTER: with its future occurrences); 404 ``EVENT_NOT_FOUND``, 428
    ``EVENT_ALREADY_CANCELLED`` when it is cancelled already.
``occurrences(scope, *, start_utc, end_utc, schedule_ids=None, resource_ids=None, types=None,
include_cancelled=False) -> list[dict]``
    For the availability engine: every NONE/INSTANCE/EXCEPTION event overlapping
    ``[start_utc, end_utc)`` (WORKING_HOURS included unless ``types`` says otherwise), as
    wire dicts (PI included, ``adjusted*`` in the event's own zone), ordered by start.
    With a write ``uow`` the series are materialized that far first; with a read scope the
    occurrences beyond the materialized horizon are computed (same ids they will get).
    :func:`event_interval` gives an event dict's instants.
``set_participants_total(uow, event_id, total) -> None``
    The hook for the bookings slice: the number of booked participants of an event;
    ``remainingCapacity = max(0, totalCapacity - total)`` (stored, filterable). Until it is
    called, ``remainingCapacity == totalCapacity``. It does not bump the event's revision.
``sessions_summary(scope, schedule_id) -> dict``
    Staff, durations and first/last session of a schedule's sessions (for the services
    slice's ``events_changed`` hook, :mod:`bookings.calendar.ports`).
``busy_intervals(scope, *, resource_ids, owners, types, start_utc, end_utc) -> list[Busy]``
    Busy time of resources, for the availability engine (:mod:`.busy`); the events of
    bookings are left out (the bookings slice counts its bookings itself).
``put_booking_event(uow, booking_id, *, schedule_id, title, start_utc, end_utc, time_zone,
resource_ids, participants) -> str | None``
    Create or move the APPOINTMENT event of an appointment booking (id
    ``booking_event_id(booking_id)``, ``booking-<bookingId>``); ``None`` when the schedule
    is gone or cancelled. ``cancel_booking_event(uow, booking_id)`` cancels it (idempotent).
    See :mod:`.booking_events`.

Hook points other slices plug into (wired by the app): :mod:`bookings.calendar.ports`.

The use cases live by job: :mod:`.schedules`, :mod:`.events`, :mod:`.series`
(materialization, series maintenance, splits), :mod:`.occurrences`, :mod:`.queries`,
:mod:`.busy`; :mod:`.store` holds what they share.

Materialization: a MASTER's INSTANCE rows exist from its start up to ``materialized_until``
(``HORIZON`` ahead at creation); reads past it extend it first inside a write unit of work.
Instance ids derive from master id + occurrence date and ``(recurring_event_id,
occurrence_date)`` is unique, so two processes materializing the same series at once insert
each row once (``INSERT ... ON CONFLICT DO NOTHING``).
"""

from __future__ import annotations

from bookings.calendar.booking_events import (
    booking_event_id,
    cancel_booking_event,
    is_booking_event,
    put_booking_event,
)
from bookings.calendar.busy import (
    Busy,
    busy_intervals,
)
from bookings.calendar.events import (
    api_bulk_cancel_events,
    api_bulk_create_events,
    api_bulk_update_events,
    api_cancel_event,
    api_create_event,
    api_get_event,
    api_restore_event_defaults,
    api_update_event,
    cancel_event,
    create_event,
    get_event,
    get_event_locked,
    lock_events,
    set_participants_total,
    set_participants_total_later,
)
from bookings.calendar.occurrences import (
    api_events_view,
    event_interval,
    occurrences,
    sessions_summary,
)
from bookings.calendar.queries import (
    EVENT_QUERY,
    SCHEDULE_QUERY,
    api_list_events,
    api_query_events,
)
from bookings.calendar.rules import event_not_found as event_not_found
from bookings.calendar.rules import schedule_not_found as schedule_not_found
from bookings.calendar.schedules import (
    api_cancel_schedule,
    api_create_schedule,
    api_get_schedule,
    api_query_schedules,
    api_update_schedule,
    cancel_schedule,
    create_schedule,
    ensure_business_schedule,
    get_schedule,
    lock_schedule,
    update_schedule,
)
from bookings.calendar.schemas import (
    BUSINESS_SCHEDULE_EXTERNAL_ID,
)
from bookings.calendar.series import (
    api_split_recurring_event,
)
from bookings.calendar.store import (
    HORIZON,
    new_event_id,
)
from bookings.calendar.views import EventView as EventView
from bookings.platform.constants import (
    BOOKINGS_APP_ID,
)

__all__ = [
    "BOOKINGS_APP_ID",
    "BUSINESS_SCHEDULE_EXTERNAL_ID",
    "EVENT_QUERY",
    "HORIZON",
    "SCHEDULE_QUERY",
    "Busy",
    "api_bulk_cancel_events",
    "api_bulk_create_events",
    "api_bulk_update_events",
    "api_cancel_event",
    "api_cancel_schedule",
    "api_create_event",
    "api_create_schedule",
    "api_events_view",
    "api_get_event",
    "api_get_schedule",
    "api_list_events",
    "api_query_events",
    "api_query_schedules",
    "api_restore_event_defaults",
    "api_split_recurring_event",
    "api_update_event",
    "api_update_schedule",
    "booking_event_id",
    "busy_intervals",
    "cancel_booking_event",
    "cancel_event",
    "cancel_schedule",
    "create_event",
    "create_schedule",
    "ensure_business_schedule",
    "event_interval",
    "get_event",
    "get_event_locked",
    "get_schedule",
    "is_booking_event",
    "lock_events",
    "lock_schedule",
    "new_event_id",
    "occurrences",
    "put_booking_event",
    "sessions_summary",
    "set_participants_total",
    "set_participants_total_later",
    "update_schedule",
]
