"""Wire models of Booking Policies V1 (``wix.bookings.v1.booking_policy``) and Booking Policy
Snapshots V1.

The models check types, formats and the per-field bounds of the public typings (minimum 1 for
every minutes/capacity field, lengths, list sizes); cross-field rules live in ``rules.py``.
Read-only fields (``createdDate``, ``default``, ...) are accepted as anything and ignored.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

from bookings.platform import errors
from bookings.platform.query.requests import CountRequest, QueryRequest
from bookings.platform.wire import DecimalString, FieldMask, Guid, Int64, WireModel

#: Wix keeps these numbers in int32 fields.
MAX_INT32 = 2**31 - 1

Positive = Annotated[int, Field(ge=1, le=MAX_INT32)]


class SortingMethodType(StrEnum):
    RANDOM = "RANDOM"
    RANKING = "RANKING"
    CUSTOM = "CUSTOM"


class RankingOrder(StrEnum):
    LOWEST_TO_HIGHEST = "LOWEST_TO_HIGHEST"
    HIGHEST_TO_LOWEST = "HIGHEST_TO_LOWEST"


class Timing(StrEnum):
    AFTER_BOOKING = "AFTER_BOOKING"
    BEFORE_BOOKING = "BEFORE_BOOKING"


class CompletionRequirement(StrEnum):
    OPTIONAL = "OPTIONAL"
    REQUIRED_BEFORE_BOOKING = "REQUIRED_BEFORE_BOOKING"


class PolicyDescription(WireModel):
    enabled: bool | None = None
    description: str | None = Field(default=None, max_length=2500)


class LimitEarlyBookingPolicy(WireModel):
    enabled: bool | None = None
    earliest_booking_in_minutes: Positive | None = None


class LimitLateBookingPolicy(WireModel):
    enabled: bool | None = None
    latest_booking_in_minutes: Positive | None = None


class BookAfterStartPolicy(WireModel):
    enabled: bool | None = None


class CancellationPolicy(WireModel):
    enabled: bool | None = None
    limit_latest_cancellation: bool | None = None
    latest_cancellation_in_minutes: Positive | None = None
    allow_anonymous: bool | None = None


class ReschedulePolicy(WireModel):
    enabled: bool | None = None
    limit_latest_reschedule: bool | None = None
    latest_reschedule_in_minutes: Positive | None = None
    allow_anonymous: bool | None = None


class WaitlistPolicy(WireModel):
    enabled: bool | None = None
    capacity: Positive | None = None
    reservation_time_in_minutes: Positive | None = None


class ParticipantsPolicy(WireModel):
    #: Not in the typings, but live responses carry it: kept when a client sends it.
    enabled: bool | None = None
    max_participants_per_booking: Positive | None = None


class ResourcesPolicy(WireModel):
    enabled: bool | None = None
    auto_assign_allowed: bool | None = None


class Money(WireModel):
    value: DecimalString | None = None
    #: Read-only on policies: always the site's currency.
    currency: str | None = None
    formatted_value: str | None = Field(default=None, max_length=50)


class CancellationWindow(WireModel):
    amount: Money | None = None
    percentage: DecimalString | None = None
    start_in_minutes: Positive | None = None


class CancellationFeePolicy(WireModel):
    enabled: bool | None = None
    cancellation_windows: list[CancellationWindow] | None = Field(default=None, max_length=2)
    auto_collect_fee_enabled: bool | None = None


class SaveCreditCardPolicy(WireModel):
    enabled: bool | None = None


class RankingOptions(WireModel):
    order: RankingOrder | None = None


class CustomOptions(WireModel):
    implementation_id: Guid | None = None
    app_id: Guid | None = None


class StaffSortingPolicy(WireModel):
    ranking_options: RankingOptions | None = None
    custom_options: CustomOptions | None = None
    sorting_method_type: SortingMethodType | None = None


class IntakeFormPolicy(WireModel):
    enabled: bool | None = None
    form_id: Guid | None = None
    timing: Timing | None = None
    completion_requirement: CompletionRequirement | None = None


class LimitRebookingPolicy(WireModel):
    enabled: bool | None = None
    max_bookings: Positive | None = None
    window_in_minutes: Positive | None = None


#: Deepest nesting accepted inside ``extendedFields`` (deeper documents cannot be stored).
MAX_EXTENDED_DEPTH = 32


def _shallow(value: Any) -> Any:
    """``value`` unless it nests deeper than :data:`MAX_EXTENDED_DEPTH` (checked without
    recursion, so any depth the JSON parser accepted is a clean 400)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_EXTENDED_DEPTH:
            raise PydanticCustomError(
                errors.FORMAT, f"nests deeper than {MAX_EXTENDED_DEPTH} levels"
            )
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return value


class ExtendedFields(WireModel):
    namespaces: Annotated[dict[str, dict[str, Any]] | None, BeforeValidator(_shallow)] = None


class BookingPolicy(WireModel):
    """A booking policy as a client sends it (and, filled in, as the server answers it)."""

    id: Guid | None = None
    revision: Int64 | None = None
    created_date: Any = None
    updated_date: Any = None
    app_id: Guid | None = None
    created_by_app_id: Any = None
    name: str | None = Field(default=None, max_length=400)
    custom_policy_description: PolicyDescription | None = None
    default: Any = None
    limit_early_booking_policy: LimitEarlyBookingPolicy | None = None
    limit_late_booking_policy: LimitLateBookingPolicy | None = None
    book_after_start_policy: BookAfterStartPolicy | None = None
    cancellation_policy: CancellationPolicy | None = None
    reschedule_policy: ReschedulePolicy | None = None
    waitlist_policy: WaitlistPolicy | None = None
    participants_policy: ParticipantsPolicy | None = None
    resources_policy: ResourcesPolicy | None = None
    cancellation_fee_policy: CancellationFeePolicy | None = None
    save_credit_card_policy: SaveCreditCardPolicy | None = None
    staff_sorting_policy: StaffSortingPolicy | None = None
    intake_form_policy: IntakeFormPolicy | None = None
    book_for_someone_else_allowed: bool | None = None
    limit_rebooking_policy: LimitRebookingPolicy | None = None
    extended_fields: ExtendedFields | None = None


# ---------------------------------------------------------------- requests and responses


class CreateBookingPolicyRequest(WireModel):
    booking_policy: BookingPolicy


class BookingPolicyResponse(WireModel):
    booking_policy: BookingPolicy | None = None


class GetBookingPolicyRequest(WireModel):
    booking_policy_id: Guid


class GetStrictestBookingPolicyRequest(WireModel):
    booking_policy_ids: list[Guid] = Field(max_length=100)


class UpdateBookingPolicyRequest(WireModel):
    booking_policy: BookingPolicy
    #: The typings call it ``mask``; clients also send ``fieldMask`` (string or ``{paths}``).
    mask: FieldMask | None = None
    field_mask: FieldMask | None = None


class SetDefaultBookingPolicyRequest(WireModel):
    booking_policy_id: Guid


class SetDefaultBookingPolicyResponse(WireModel):
    current_default_booking_policy: BookingPolicy | None = None
    previous_default_booking_policy: BookingPolicy | None = None


class DeleteBookingPolicyRequest(WireModel):
    booking_policy_id: Guid


class EmptyResponse(WireModel):
    pass


class QueryBookingPoliciesRequest(QueryRequest):
    query: dict[str, Any]  # required here


class QueryBookingPoliciesResponse(WireModel):
    booking_policies: list[BookingPolicy] | None = None
    paging_metadata: dict[str, Any] | None = None


class CountBookingPoliciesRequest(CountRequest):
    pass


class CountBookingPoliciesResponse(WireModel):
    count: int | None = None


class ListPolicySnapshotsByBookingIdsRequest(WireModel):
    booking_ids: list[Guid] = Field(min_length=1, max_length=100)


class BookingPolicySnapshot(WireModel):
    id: str | None = None
    booking_id: str | None = None
    policy: dict[str, Any] | None = None
    created_date: str | None = None


class ListPolicySnapshotsByBookingIdsResponse(WireModel):
    booking_policy_snapshots: list[BookingPolicySnapshot] | None = None
