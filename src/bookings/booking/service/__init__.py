"""Bookings Writer V2 use-cases: one function per API method, each owning its transaction.

**Never overbooked.** Every write that consumes capacity (create, confirm or mark-as-pending
of a booking that holds nothing, Confirm Or Decline, reschedule, more participants) runs in
one unit of work that (1) locks the capacity owners in sorted id order — the staff resource
rows of an appointment (:func:`bookings.staff.service.lock_resources`), the event row of a
class session (:func:`bookings.calendar.service.lock_events`), the schedule row of a course
(:func:`bookings.calendar.service.lock_schedule`); (2) recomputes occupancy from the
``bookings`` table (and, for appointments, the calendar through
:func:`bookings.availability.service.check_appointment_slot`); (3) writes the booking, bumps
``revision``, records the domain event in the outbox; then commits. Life-cycle calls update
with ``WHERE revision = :given``: of two calls with one revision exactly one wins, the other
gets 409 ``REVISION_MISMATCH``. Every write that touches a class or course locks its owner
first, so owner-then-booking is the only lock order (no deadlocks).

Which bookings hold capacity: :mod:`bookings.booking.capacity`. The hold of CREATED bookings
is the site setting ``createdBookingHoldMinutes`` (``sites.settings``, default 15).

Occupancy is counted by :mod:`bookings.booking.load`, which is also what the slot lists count
(the availability check takes it as an argument).

The use cases live by job: :mod:`.create`, :mod:`.lifecycle`, :mod:`.reschedule` (with
:mod:`.mutation`, what every life-cycle call shares), :mod:`.targets` (where a booking sits),
:mod:`.placement` (locks and recounts), :mod:`.queries` (what other slices read),
:mod:`.changes` (what a status call changes on one booking), :mod:`.anonymous` (action tokens);
pure document building is :mod:`bookings.booking.documents`.

Multi-service bookings (packages of 2 to 8 appointments back to back, pure rules in
:mod:`bookings.booking.packages`): :mod:`.multi_create`, :mod:`.multi_status` (confirm,
decline, mark as pending, cancel), :mod:`.multi_reschedule`, :mod:`.multi_members` (add,
remove), :mod:`.multi_queries` (get, availability, allowed actions), :mod:`.multi_anonymous`,
sharing :mod:`.multi_common` (lock order: package row, then every child's staff in one sorted
lock, then the children's rows).
"""

from __future__ import annotations

from bookings.booking.documents import (
    booking_wire,
)
from bookings.booking.schemas import CancelBookingRequest as CancelBookingRequest
from bookings.booking.schemas import ConfirmBookingRequest as ConfirmBookingRequest
from bookings.booking.schemas import (
    ConfirmOrDeclineBookingRequest as ConfirmOrDeclineBookingRequest,
)
from bookings.booking.schemas import CreateBookingRequest as CreateBookingRequest
from bookings.booking.schemas import DeclineBookingRequest as DeclineBookingRequest
from bookings.booking.schemas import RegisterToWaitlistRequest as RegisterToWaitlistRequest
from bookings.booking.service.anonymous import (
    cancel_booking_anonymously,
    get_anonymous_action_token,
    get_booking_anonymously,
    get_service_anonymously,
    reschedule_booking_anonymously,
)
from bookings.booking.service.common import (
    booking_not_found,
)
from bookings.booking.service.create import (
    bulk_create_bookings,
    create_booking,
)
from bookings.booking.service.ecom import (
    SaleItem,
    booking_payment_status,
    confirm_from_order,
    mirror_payment_status,
    sale_item,
)
from bookings.booking.service.lifecycle import (
    bulk_calculate_allowed_actions,
    bulk_cancel_bookings,
    bulk_confirm_or_decline_booking,
    cancel_booking,
    cancel_for_order,
    confirm_booking,
    confirm_or_decline_booking,
    decline_booking,
    decline_for_order,
    mark_booking_as_pending,
    set_booking_submission_id,
    update_extended_fields,
    update_number_of_participants,
)
from bookings.booking.service.multi_anonymous import (
    cancel_multi_service_booking_anonymously,
    get_anonymous_action_token_for_multi_service_booking,
    get_multi_service_booking_anonymously,
)
from bookings.booking.service.multi_create import (
    create_multi_service_booking,
)
from bookings.booking.service.multi_members import (
    add_bookings_to_multi_service_booking,
    remove_bookings_from_multi_service_booking,
)
from bookings.booking.service.multi_queries import (
    bulk_get_multi_service_booking_allowed_actions,
    get_multi_service_booking,
    get_multi_service_booking_availability,
)
from bookings.booking.service.multi_reschedule import (
    reschedule_multi_service_booking,
)
from bookings.booking.service.multi_status import (
    cancel_multi_service_booking,
    confirm_multi_service_booking,
    decline_multi_service_booking,
    mark_multi_service_booking_as_pending,
)
from bookings.booking.service.queries import (
    BookingRef,
    SessionLoad,
    allowed_actions_of,
    booking_ref,
    count_bookings,
    list_domain_events,
    live_bookings,
    policy_snapshots,
    query_bookings,
    session_loads,
)
from bookings.booking.service.reschedule import (
    reschedule_booking,
)
from bookings.booking.views import BookingPage as BookingPage
from bookings.booking.views import BookingView as BookingView

__all__ = [
    "BookingRef",
    "SaleItem",
    "SessionLoad",
    "add_bookings_to_multi_service_booking",
    "allowed_actions_of",
    "booking_not_found",
    "booking_payment_status",
    "booking_ref",
    "booking_wire",
    "bulk_calculate_allowed_actions",
    "bulk_cancel_bookings",
    "bulk_confirm_or_decline_booking",
    "bulk_create_bookings",
    "bulk_get_multi_service_booking_allowed_actions",
    "cancel_booking",
    "cancel_booking_anonymously",
    "cancel_for_order",
    "cancel_multi_service_booking",
    "cancel_multi_service_booking_anonymously",
    "confirm_booking",
    "confirm_from_order",
    "confirm_multi_service_booking",
    "confirm_or_decline_booking",
    "count_bookings",
    "create_booking",
    "create_multi_service_booking",
    "decline_booking",
    "decline_for_order",
    "decline_multi_service_booking",
    "get_anonymous_action_token",
    "get_anonymous_action_token_for_multi_service_booking",
    "get_booking_anonymously",
    "get_multi_service_booking",
    "get_multi_service_booking_anonymously",
    "get_multi_service_booking_availability",
    "get_service_anonymously",
    "list_domain_events",
    "live_bookings",
    "mark_booking_as_pending",
    "mark_multi_service_booking_as_pending",
    "mirror_payment_status",
    "policy_snapshots",
    "query_bookings",
    "remove_bookings_from_multi_service_booking",
    "reschedule_booking",
    "reschedule_booking_anonymously",
    "reschedule_multi_service_booking",
    "sale_item",
    "session_loads",
    "set_booking_submission_id",
    "update_extended_fields",
    "update_number_of_participants",
]
