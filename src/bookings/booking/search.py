"""What of a booking is searched: its indexed columns, its array values and the query whitelist
of Bookings Reader V2 (spec A.4).

The wire document of a booking (``bookings.doc``) is the truth; the columns and the
``booking_values`` rows are derived from it by :func:`indexed_columns` and
:func:`indexed_arrays` (pure) on every write, so a filter is a condition on an indexed column,
never a scan of JSON.

Filter paths are the proto paths of the spec — with one-of wrapper names that do not exist in
the JSON (``bookedEntity.item.slot.serviceId``, ``createdBy.id.memberId``,
``participantsInfo.type.totalParticipants.value``) — and, as aliases, the natural JSON paths
(``bookedEntity.slot.serviceId``, ``createdBy.memberId``, ``totalParticipants``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from bookings.booking.models import booking_values as _v
from bookings.booking.models import bookings as _b
from bookings.booking.schemas import PaymentStatus, SelectedPaymentOption
from bookings.booking.state import Status
from bookings.platform.query import (
    EQ,
    GT,
    GTE,
    HAS_ALL,
    HAS_SOME,
    IN,
    LT,
    LTE,
    NE,
    NIN,
    ArrayStorage,
    FieldSpec,
    Kind,
    QuerySpec,
)

#: Indexed text values are cut to this many characters (an index entry has a size limit);
#: a filter on a longer value compares its first characters only.
MAX_INDEXED_LENGTH = 250

#: The array fields kept in ``booking_values`` (``field`` column).
TAGS = "tags"
CHOICE_OPTION_IDS = "choiceOptionIds"
CHOICE_CUSTOM_VALUES = "choiceCustomValues"
ARRAY_FIELDS = (TAGS, CHOICE_OPTION_IDS, CHOICE_CUSTOM_VALUES)


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value:
        return value[:MAX_INDEXED_LENGTH]
    return None


def _get(doc: Mapping[str, Any], *path: str) -> Any:
    node: Any = doc
    for key in path:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def _booked(doc: Mapping[str, Any]) -> Mapping[str, Any]:
    """The slot of a slot booking or the schedule of a course booking."""
    entity = doc.get("bookedEntity") or {}
    booked = entity.get("slot") or entity.get("schedule") or {}
    return booked if isinstance(booked, Mapping) else {}


def indexed_columns(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The searchable scalar columns of a booking document (every key, ``None`` when unset)."""
    booked = _booked(doc)
    total = doc.get("totalParticipants")
    return {
        "contact_id": _text(_get(doc, "contactDetails", "contactId")),
        "contact_email": _text(_get(doc, "contactDetails", "email")),
        "selected_payment_option": _text(doc.get("selectedPaymentOption")),
        "external_user_id": _text(doc.get("externalUserId")),
        "created_by_contact_id": _text(_get(doc, "createdBy", "contactId")),
        "created_by_app_id": _text(_get(doc, "createdBy", "appId")),
        "created_by_wix_user_id": _text(_get(doc, "createdBy", "wixUserId")),
        "created_by_visitor_id": _text(_get(doc, "createdBy", "anonymousVisitorId")),
        "slot_resource_id": _text(_get(doc, "bookedEntity", "slot", "resource", "id")),
        "location_id": _text(_get(booked, "location", "id")),
        "location_type": _text(_get(booked, "location", "locationType")),
        "total_participants": total if isinstance(total, int) else None,
    }


def indexed_arrays(doc: Mapping[str, Any]) -> dict[str, list[str]]:
    """The searchable array values of a booking document, per field of :data:`ARRAY_FIELDS`."""
    tags = [t for t in (_get(doc, "bookedEntity", "tags") or []) if _text(t)]
    options: list[str] = []
    customs: list[str] = []
    for service_choice in _get(doc, "participantsChoices", "serviceChoices") or []:
        for choice in _get(service_choice, "choices") or []:
            option = _text(_get(choice, "optionId"))
            if option:
                options.append(option)
            custom = _text(_get(choice, "custom"))  # the proto one-of ``choice``: a string
            if custom:
                customs.append(custom)
    return {
        TAGS: [t[:MAX_INDEXED_LENGTH] for t in tags],
        CHOICE_OPTION_IDS: options,
        CHOICE_CUSTOM_VALUES: customs,
    }


def value_rows(booking_id: str, doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The ``booking_values`` rows of a booking (without ``site_id``, stamped on insert)."""
    return [
        {"booking_id": booking_id, "field": name, "position": i, "value": value}
        for name, values in indexed_arrays(doc).items()
        for i, value in enumerate(values)
    ]


# ---------------------------------------------------------------- the Reader's whitelist

_EQ_NE_IN = (EQ, NE, IN)
_DATES = (EQ, NE, GT, GTE, LT, LTE, IN, NIN)
_ARRAYS = (HAS_SOME, HAS_ALL)


def _array(name: str) -> ArrayStorage:
    return ArrayStorage(
        _v, {"site_id": _b.c.site_id, "booking_id": _b.c.id, "field": sa.literal(name)}
    )


def _id_field(path: str, column: sa.ColumnElement[Any], *aliases: str) -> FieldSpec:
    return FieldSpec(path, column, operators=_EQ_NE_IN, aliases=aliases, sortable=True)


def _slot_and_schedule(field: str, column: sa.ColumnElement[Any], *, schedule: bool) -> FieldSpec:
    aliases = [f"bookedEntity.slot.{field}"]
    if schedule:
        aliases += [f"bookedEntity.item.schedule.{field}", f"bookedEntity.schedule.{field}"]
    return _id_field(f"bookedEntity.item.slot.{field}", column, *aliases)


def _enum(path: str, column: sa.Column[Any], values: Any) -> FieldSpec:
    return FieldSpec(
        path,
        column,
        Kind.ENUM,
        operators=_EQ_NE_IN,
        enum_values=[v.value for v in values],
        sortable=True,
        nullable=bool(column.nullable),
    )


def _date(path: str, column: sa.Column[Any]) -> FieldSpec:
    return FieldSpec(
        path,
        column,
        Kind.TIMESTAMP,
        operators=_DATES,
        sortable=True,
        nullable=bool(column.nullable),
    )


QUERY_SPEC = QuerySpec(
    fields=[
        FieldSpec("id", _b.c.id, operators=_EQ_NE_IN, sortable=True, nullable=False),
        _slot_and_schedule("serviceId", _b.c.service_id, schedule=True),
        _slot_and_schedule("scheduleId", _b.c.schedule_id, schedule=True),
        _slot_and_schedule("eventId", _b.c.event_id, schedule=False),
        FieldSpec(
            "bookedEntity.item.slot.sessionId",
            _b.c.event_id,
            operators=_EQ_NE_IN,
            aliases=("bookedEntity.slot.sessionId",),
        ),
        _id_field(
            "bookedEntity.item.slot.resource.id",
            _b.c.slot_resource_id,
            "bookedEntity.slot.resource.id",
        ),
        _id_field(
            "bookedEntity.item.slot.location.id",
            _b.c.location_id,
            "bookedEntity.slot.location.id",
            "bookedEntity.item.schedule.location.id",
            "bookedEntity.schedule.location.id",
        ),
        _id_field(
            "bookedEntity.item.slot.location.locationType",
            _b.c.location_type,
            "bookedEntity.slot.location.locationType",
            "bookedEntity.item.schedule.location.locationType",
            "bookedEntity.schedule.location.locationType",
        ),
        FieldSpec("bookedEntity.tags", array=_array(TAGS), operators=_ARRAYS),
        _id_field("contactDetails.contactId", _b.c.contact_id),
        _id_field("contactDetails.email", _b.c.contact_email),
        _enum("status", _b.c.status, Status),
        _enum("paymentStatus", _b.c.payment_status, PaymentStatus),
        _enum("selectedPaymentOption", _b.c.selected_payment_option, SelectedPaymentOption),
        _date("createdDate", _b.c.created_date),
        _date("updatedDate", _b.c.updated_date),
        _date("startDate", _b.c.start_utc),
        _date("endDate", _b.c.end_utc),
        _id_field("externalUserId", _b.c.external_user_id),
        _id_field("createdBy.contactId", _b.c.created_by_contact_id),
        _id_field("createdBy.id.appId", _b.c.created_by_app_id, "createdBy.appId"),
        _id_field("createdBy.id.wixUserId", _b.c.created_by_wix_user_id, "createdBy.wixUserId"),
        _id_field("createdBy.id.memberId", _b.c.member_id, "createdBy.memberId"),
        _id_field(
            "createdBy.id.anonymousVisitorId",
            _b.c.created_by_visitor_id,
            "createdBy.anonymousVisitorId",
        ),
        FieldSpec(
            "doubleBooked", _b.c.double_booked, Kind.BOOL, operators=(EQ, NE), nullable=False
        ),
        FieldSpec(
            "participantsInfo.type.totalParticipants.value",
            _b.c.total_participants,
            Kind.INT,
            operators=_DATES,
            aliases=("totalParticipants",),
            sortable=True,
        ),
        FieldSpec(
            "participantsInfo.type.participantsChoices.serviceChoices.choices.optionId",
            array=_array(CHOICE_OPTION_IDS),
            operators=_ARRAYS,
            aliases=("participantsChoices.serviceChoices.choices.optionId",),
        ),
        FieldSpec(
            "participantsInfo.type.participantsChoices.serviceChoices.choices.choice.custom.value",
            array=_array(CHOICE_CUSTOM_VALUES),
            operators=_ARRAYS,
            aliases=("participantsChoices.serviceChoices.choices.custom",),
        ),
    ],
    tiebreaker=_b.c.id,
    default_sort=[("createdDate", "DESC")],
    default_limit=50,
    max_limit=100,
    default_paging="offset",
)
