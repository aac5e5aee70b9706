"""What Query Booking Policies may filter and sort on: the whitelist of fields, their columns
and operators (see :mod:`bookings.catalog.policies.service`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

#: Name of the default policy a site gets on first need.
from bookings.catalog.policies.models import booking_policies as t
from bookings.platform import query
from bookings.platform.query import FieldSpec, Kind, QuerySpec

# ---------------------------------------------------------------- query whitelist

_ID = (query.EQ, query.NE, query.IN)
_TEXT = (query.EQ, query.NE, query.STARTS_WITH)
_FLAG = (query.EQ, query.NE)
_NUMBER = (query.EQ, query.NE, query.GT, query.GTE, query.LT, query.LTE, query.IN, query.NIN)
_TIME = (query.EQ, query.NE, query.GT, query.GTE, query.LT, query.LTE)


def _snake(path: str) -> tuple[str, ...]:
    """The snake_case spelling of a path (older REST docs), as an alias when it differs."""
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in path)
    return (snake,) if snake != path else ()


def _field(
    path: str,
    column: sa.ColumnElement[Any],
    kind: Kind,
    operators: Sequence[str],
    *,
    nullable: bool = False,
    aliases: tuple[str, ...] = (),
) -> FieldSpec:
    return FieldSpec(
        path,
        column,
        kind,
        operators=operators,
        aliases=(*aliases, *_snake(path)),
        sortable=True,
        nullable=nullable,
    )


def _flag(path: str, column: sa.ColumnElement[Any], nullable: bool = False) -> FieldSpec:
    return _field(path, column, Kind.BOOL, _FLAG, nullable=nullable)


def _number(path: str, column: sa.ColumnElement[Any]) -> FieldSpec:
    return _field(path, column, Kind.INT, _NUMBER)


QUERY_SPEC = QuerySpec(
    fields=[
        _field("id", t.c.id, Kind.STRING, _ID, aliases=("_id",)),
        _field("name", t.c.name, Kind.STRING, _TEXT, nullable=True),
        _field("customPolicyDescription.description", t.c.description, Kind.STRING, _TEXT),
        _flag("customPolicyDescription.enabled", t.c.description_enabled),
        _flag("default", t.c.is_default),
        _flag("limitEarlyBookingPolicy.enabled", t.c.early_enabled),
        _number("limitEarlyBookingPolicy.earliestBookingInMinutes", t.c.earliest_booking_minutes),
        _flag("limitLateBookingPolicy.enabled", t.c.late_enabled),
        _number("limitLateBookingPolicy.latestBookingInMinutes", t.c.latest_booking_minutes),
        _flag("bookAfterStartPolicy.enabled", t.c.book_after_start_enabled),
        _flag("cancellationPolicy.enabled", t.c.cancellation_enabled),
        _flag("cancellationPolicy.limitLatestCancellation", t.c.cancellation_limited),
        _number("cancellationPolicy.latestCancellationInMinutes", t.c.latest_cancellation_minutes),
        _flag("reschedulePolicy.enabled", t.c.reschedule_enabled),
        _flag("reschedulePolicy.limitLatestReschedule", t.c.reschedule_limited),
        _number("reschedulePolicy.latestRescheduleInMinutes", t.c.latest_reschedule_minutes),
        _flag("waitlistPolicy.enabled", t.c.waitlist_enabled),
        _number("waitlistPolicy.capacity", t.c.waitlist_capacity),
        _number("waitlistPolicy.reservationTimeInMinutes", t.c.waitlist_reservation_minutes),
        _flag("participantsPolicy.enabled", t.c.participants_enabled, nullable=True),
        _number("participantsPolicy.maxParticipantsPerBooking", t.c.max_participants_per_booking),
        _flag("resourcesPolicy.enabled", t.c.resources_enabled),
        _flag("resourcesPolicy.autoAssignAllowed", t.c.resources_auto_assign),
        _field("intakeFormPolicy.formId", t.c.intake_form_id, Kind.STRING, _TEXT, nullable=True),
        _field("createdDate", t.c.created_date, Kind.TIMESTAMP, _TIME, aliases=("_createdDate",)),
        _field("updatedDate", t.c.updated_date, Kind.TIMESTAMP, _TIME, aliases=("_updatedDate",)),
    ],
    tiebreaker=t.c.id,
    default_sort=[("createdDate", "ASC")],
    default_limit=50,
    max_limit=100,
    offset_paging=False,
)
