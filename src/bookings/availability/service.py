"""Time Slots V2 and Availability Calendar use-cases, over the one slot engine: what the
routes call, and what the bookings slice calls.

Each API function opens one read unit of work, loads the engine's inputs through the other
slices' service functions (:mod:`.loading`), runs the pure engine (:mod:`.slots`, and
:mod:`.chains` for chains of services) and the pure policy rules (:mod:`.policy`), and shapes
the answer (:mod:`.present`). The use cases live by kind: :mod:`.appointments`,
:mod:`.multi_service`, :mod:`.events`, :mod:`.legacy`; the paging of computed slots in
:mod:`.paging`; the rules on a request's inputs in :mod:`.inputs`.

Every function that counts bookings takes a :class:`bookings.availability.ports.BookingLoad`
(the bookings slice's), so listed slots count exactly the bookings the writer counts.

For the bookings slice:

``check_appointment_slot(scope, load, service_id, start_utc, end_utc, resource_id=None, *,
exclude=frozenset(), service=None, settings=None) -> AppointmentCheck``
    The staff resource ids free for ``[start_utc, end_utc)`` of an APPOINTMENT service
    (``resource_id`` given: that one or nobody), computed by the same loaders and the same
    :func:`bookings.availability.slots.free_resources_for` as the slot lists, so a slot that
    is listed can be booked and a refused one is never listed; bookings in ``exclude`` are not
    counted (a reschedule moves them). The answer also carries what was read of the bookings
    (``held``), so the caller need not read it again under the same locks. Policies are not
    checked here: use :func:`bookings.availability.policy.violations` with
    :func:`bookings.availability.policy.rules_of` (service). 404 ``SERVICE_NOT_FOUND``; 400 on
    ``serviceId`` for a service that is not an APPOINTMENT. A caller that has read the service
    (its wire dict, as ``catalog.get_services`` gives it) or the site's settings
    (:func:`site_settings_of`) in its unit of work passes them, and they are not read again.

Decisions where the spec is silent are listed in ``docs/api/availability.md``.
"""

from __future__ import annotations

from bookings.availability.appointments import (
    get_availability_time_slot,
    list_availability_time_slots,
)
from bookings.availability.chains import Link, assign_chain, chain_starts
from bookings.availability.check import check_appointment_slot, site_settings_of
from bookings.availability.events import get_event_time_slot, list_event_time_slots
from bookings.availability.legacy import query_availability
from bookings.availability.loading import SiteSettings
from bookings.availability.multi_service import (
    get_multi_service_time_slot,
    list_multi_service_time_slots,
)
from bookings.availability.ports import AppointmentCheck, BookingLoad, HeldRead
from bookings.availability.schemas import (
    GetAvailabilityTimeSlotRequest,
    GetEventTimeSlotRequest,
    ListAvailabilityTimeSlotsRequest,
    ListEventTimeSlotsRequest,
)

__all__ = [
    "AppointmentCheck",
    "BookingLoad",
    "GetAvailabilityTimeSlotRequest",
    "GetEventTimeSlotRequest",
    "HeldRead",
    "Link",
    "ListAvailabilityTimeSlotsRequest",
    "ListEventTimeSlotsRequest",
    "SiteSettings",
    "assign_chain",
    "chain_starts",
    "check_appointment_slot",
    "get_availability_time_slot",
    "get_event_time_slot",
    "get_multi_service_time_slot",
    "list_availability_time_slots",
    "list_event_time_slots",
    "list_multi_service_time_slots",
    "query_availability",
    "site_settings_of",
]
