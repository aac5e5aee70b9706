"""Wire models of Bookings Reader V2 (requests; answers are plain dicts)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from bookings.platform.query.requests import CountRequest
from bookings.platform.wire import WireModel


class ExtendedParts(WireModel):
    """The ``with*`` flags: each adds one part to every extended booking."""

    with_booking_allowed_actions: bool | None = None
    with_booking_attendance_info: bool | None = None
    with_booking_conferencing_details: bool | None = None
    with_booking_policy_settings: bool | None = None
    with_booking_fee_details: bool | None = None
    with_ecom_order: bool | None = None
    with_waiver: bool | None = None
    with_ecom_transactions: bool | None = None
    with_form_submissions: bool | None = None


class QueryExtendedBookingsRequest(ExtendedParts):
    query: dict[str, Any] | None = None


class CountExtendedBookingsRequest(CountRequest):
    pass


class DeprecatedQueryRequest(ExtendedParts):
    """The deprecated ``Query`` (``/extended-booking/query``): ``sessionId`` matches the
    bookings of one session, course bookings included."""

    query: dict[str, Any] | None = None
    session_id: str | None = Field(default=None, max_length=250)
