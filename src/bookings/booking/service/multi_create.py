"""Create Multi Service Booking: 2 to 8 appointments back to back, created whole or not at all.

Each child is planned like a single Create Booking (its service, slot, policies, document).
The write locks every child's candidate staff in one sorted lock, asks each child's free staff
of the same availability check as a single create, and assigns them with the chain rule of
the slot lists (:func:`bookings.availability.service.assign_chain`), so every listed
multi-service slot can be created, and two children never share a staff member whose time
(buffer included) they would both need.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bookings.availability import service as availability
from bookings.booking import contacts, packages, rules, state
from bookings.booking.models import multi_service_bookings as _p
from bookings.booking.schemas import (
    BookingIn,
    CreateBookingRequest,
    CreateMultiServiceBookingRequest,
    MultiServiceBookingType,
)
from bookings.booking.service.create import Planned, _plan, _write_new
from bookings.booking.service.multi_common import answer
from bookings.booking.service.placement import _appointment_free, _capacity_error
from bookings.platform import errors, zoned
from bookings.platform.auth import Identity
from bookings.platform.db import Database, SiteScope, UnitOfWork, utcnow
from bookings.platform.wire import new_id
from bookings.staff import service as staff


def child_error(exc: errors.InvalidRequest, index: int) -> errors.InvalidRequest:
    """A child's 400, on ``bookings[index]`` instead of ``booking``."""
    head = f"bookings[{index}]"
    return errors.InvalidRequest(
        [
            errors.FieldViolation(
                head + v.field[len("booking") :]
                if v.field.startswith("booking.")
                else f"{head}.{v.field}",
                v.description,
                v.violated_rule,
                v.rule_name,
                v.data,
            )
            for v in exc.violations
        ]
    )


def _check_request(req: CreateMultiServiceBookingRequest) -> list[BookingIn]:
    """The request's shape (no I/O): 2 to 8 appointment bookings, the sequential type."""
    if req.bookings is None:
        raise errors.invalid_field("bookings", "is required", errors.REQUIRED_FIELD)
    packages.check_count(len(req.bookings), "bookings")
    kind = req.multi_service_booking_type
    if kind is not None and kind != MultiServiceBookingType.SEQUENTIAL_BOOKINGS:
        raise errors.invalid_field(
            "multiServiceBookingType", "only SEQUENTIAL_BOOKINGS is supported", errors.VALIDATION
        )
    for i, booking in enumerate(req.bookings):
        try:
            found = rules.kind_of(booking)
        except errors.InvalidRequest as exc:
            raise child_error(exc, i) from None
        if found != rules.APPOINTMENT:
            raise errors.failed_precondition(
                "VALIDATION_FAILURE",
                f"bookings[{i}] is a {found.lower()} booking: a multi-service booking is made "
                "of appointments",
                index=i,
            )
        if booking.multi_service_booking_info:
            raise errors.ApplicationError(
                "CAN_NOT_CREATE_BOOKING_WITH_MULTI_SERVICE_BOOKING_INFO",
                f"bookings[{i}].multiServiceBookingInfo is set by the server",
                http_status=400,
                data={"index": i},
            )
    if req.form_submission:
        contacts.from_form(req.form_submission)  # its 400s, on formSubmission (shared)
    return list(req.bookings)


async def _plan_children(
    scope: SiteScope,
    caller: Identity,
    req: CreateMultiServiceBookingRequest,
    bookings: list[BookingIn],
    now: datetime,
    same: UnitOfWork | None,
) -> list[Planned]:
    planned: list[Planned] = []
    for i, booking in enumerate(bookings):
        child = CreateBookingRequest(
            booking=booking,
            participant_notification=req.participant_notification,
            send_sms_reminder=req.send_sms_reminder,
            flow_control_settings=req.flow_control_settings,
            form_submission=req.form_submission,
        )
        try:
            planned.append(await _plan(scope, caller, child, now, same))
        except errors.InvalidRequest as exc:
            raise child_error(exc, i) from None
        except errors.ApplicationError as exc:
            if exc.code == contacts.EMPTY_FORM_INFO:
                exc.data.setdefault("index", i)
            raise
    packages.check_chain(
        [
            (p.target.start_utc, p.target.end_utc, p.target.entity["slot"].get("location"))
            for p in planned
        ]
    )
    return planned


async def place_chain(
    uow: UnitOfWork,
    planned: list[Planned],
    now: datetime,
    exclude: frozenset[str] = frozenset(),
) -> tuple[list[str | None], list[bool]]:
    """The staff member of each child (owners locked by the caller) and whether it is
    double-booked: the chain rule's assignment; with ``skipAvailabilityValidation`` a chain
    that has none keeps the requested staff, flagged (else 428 ``SLOT_NOT_AVAILABLE``)."""
    first = planned[0]
    site = availability.site_settings_of(first.site_tz, first.settings)
    links: list[availability.Link] = []
    for p in planned:
        t = p.target
        assert t.start_utc is not None and t.end_utc is not None
        free = await _appointment_free(uow, t, now, exclude, site)
        start, end = zoned.to_seconds(t.start_utc), zoned.to_seconds(t.end_utc)
        links.append(availability.Link(start, end, t.buffer * 60, tuple(free)))
    chosen = availability.assign_chain(links)
    if chosen is not None:
        return list(chosen), [False] * len(planned)
    if not first.flags.get("skipAvailabilityValidation"):
        raise _capacity_error(rules.APPOINTMENT)
    kept = [p.target.requested for p in planned]
    return kept, [r not in link.free for r, link in zip(kept, links, strict=True)]


async def create_multi_service_booking(
    db: Database, caller: Identity, req: CreateMultiServiceBookingRequest
) -> dict[str, Any]:
    bookings = _check_request(req)
    now = utcnow()

    async def plan(scope: SiteScope, same: UnitOfWork | None) -> list[Planned]:
        return await _plan_children(scope, caller, req, bookings, now, same)

    async def write(uow: UnitOfWork, planned: list[Planned]) -> dict[str, Any]:
        await staff.lock_resources(uow, {r for p in planned for r in p.target.candidates})
        chosen, doubled = await place_chain(uow, planned, now)
        package_id = new_id()
        uow.insert_deferred(
            _p,
            {
                "id": package_id,
                "type": packages.SEQUENTIAL,
                "created_date": now,
                "updated_date": now,
            },
        )
        info = packages.info_doc(package_id)
        children: list[dict[str, Any]] = []
        for p, booking, resource_id, double in zip(planned, bookings, chosen, doubled, strict=True):
            p.doc["multiServiceBookingInfo"] = dict(info)
            status = state.initial(booking.status)
            children.append(
                await _write_new(uow, caller, p, status, now, resource_id, double, None)
            )
        return answer(package_id, children, req.return_full_entity)

    return await db.read_then_write(caller.site_id, plan, write)
