"""Use-cases of Resources V2 and Staff Members V1: one function per API method, each owning
its transaction, plus the functions other slices call inside their own unit of work.

Every resource owns an *events schedule* (a calendar schedule whose ``externalId`` is the
resource id) and may name one *working-hours schedule*. A staff member is a row of its own
plus a Resource of the staff type (:data:`STAFF_RESOURCE_TYPE_ID`); its ``resourceId`` is
the id other APIs use (``service.staffMemberIds``, event ``resources[].id``, booking slots).
A new staff member works the site's business hours (the business schedule, shared); assigning
its own events schedule gives it custom hours.

This module is the slice's façade: the use-cases live in :mod:`.resources` (Resources V2,
resource lookups, resource row locks) and :mod:`.members` (Staff Members), and are
re-exported here for ``routes.py`` and the other slices.

For other slices (each takes the caller's ``SiteScope`` / ``UnitOfWork`` and never opens a
transaction):

``resources_by_ids(scope, ids) -> dict[str, dict]``
    Resource V2 wire dicts by id (unknown ids are left out): ``id``, ``name``, ``typeId``
    (absent when untyped; :data:`STAFF_RESOURCE_TYPE_ID` for staff),
    ``workingHoursSchedules.values[0].scheduleId`` / ``.shared`` (``values`` empty: none),
    ``eventsSchedule.scheduleId``, ``locationOptions``, ``revision``, dates.

``staff_by_resource_ids(scope, resource_ids) -> dict[str, dict]``
    Staff member wire dicts keyed by their *resource* id (unknown ids are left out). They
    include ``email``/``phone``: drop them before showing them to visitors.

``list_staff_members(scope, staff_member_ids=None) -> list[dict]``
    Every staff member of the site (or those of the ids that exist) as wire dicts, by name.

``working_hours_schedule_ids(scope, resource_ids) -> dict[str, str | None]``
    Each known resource's working-hours schedule: the business schedule or the staff member's
    own schedule for staff; ``None`` means the resource has none (available 24/7).

``lock_resources(uow, resource_ids) -> None``
    Locks resource rows in sorted id order (SQLite: the write transaction is exclusive
    already): the bookings slice serializes an appointment's staff time on them.

``event_resource_details(scope, resource_ids) -> dict[str, dict]``
    ``{id: {"name", "type"}}`` of known resources, for the read-only ``resources[]`` fields
    of calendar events (``type`` is the resource type id; ``None`` for untyped resources).

The app wires :func:`event_resource_details` to the calendar's ``resource_details`` hook
point (:mod:`bookings.calendar.ports`), which fills the read-only ``resources[].name``/``type``
of events.
"""

from __future__ import annotations

from bookings.staff.members import (
    assign_working_hours_schedule,
    count_staff_members,
    create_staff_member,
    delete_staff_member,
    get_staff_member,
    list_staff_members,
    mark_service_provider,
    query_staff_members,
    staff_by_resource_ids,
    update_staff_member,
)
from bookings.staff.resources import (
    bulk_create_resources,
    bulk_delete_resources,
    bulk_update_resources,
    count_resources,
    create_resource,
    delete_resource,
    event_resource_details,
    get_resource,
    lock_resources,
    query_resources,
    resources_by_ids,
    update_resource,
    working_hours_schedule_ids,
)
from bookings.staff.rules import STAFF_RESOURCE_TYPE_ID

__all__ = [
    "STAFF_RESOURCE_TYPE_ID",
    "assign_working_hours_schedule",
    "bulk_create_resources",
    "bulk_delete_resources",
    "bulk_update_resources",
    "count_resources",
    "count_staff_members",
    "create_resource",
    "create_staff_member",
    "delete_resource",
    "delete_staff_member",
    "event_resource_details",
    "get_resource",
    "get_staff_member",
    "list_staff_members",
    "lock_resources",
    "mark_service_provider",
    "query_resources",
    "query_staff_members",
    "resources_by_ids",
    "staff_by_resource_ids",
    "update_resource",
    "update_staff_member",
    "working_hours_schedule_ids",
]
