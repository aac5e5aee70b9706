"""What a customer selects with a booking, checked against the service (pure, no I/O).

* ``bookedAddOns`` must be add-ons of the service's add-on groups, at most
  ``maxNumberOfAddOns`` different ones per group (:func:`checked_add_ons`), unless the create
  says ``skipAddOnValidation``;
* ``participantsChoices`` need a service priced by variants, and each choice names its
  option and one value (:func:`check_choices`). The options and variants themselves are a
  separate Wix API this server does not have, so a choice's option and value are not matched
  against a catalogue;
* a reschedule changes the add-ons only when both the create and the reschedule said
  ``allowAddOnChanges`` (:func:`add_on_change`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bookings.booking.schemas import BookedAddOn, BookingIn, ParticipantChoices
from bookings.catalog.services.service import ServiceView
from bookings.platform import errors
from bookings.platform.wire import to_wire

#: The one-of ``ServiceChoice.choice``.
CHOICE_VALUES = ("custom", "duration", "dateTime", "participantRange")


def _add_on_error(code: str, message: str, **data: Any) -> errors.ApplicationError:
    return errors.failed_precondition(code, message, **data)


def checked_add_ons(
    groups: Sequence[Mapping[str, Any]], add_ons: Sequence[Mapping[str, Any]], prefix: str
) -> list[dict[str, Any]]:
    """``add_ons`` (wire ``BookedAddOn``s) with each ``groupId`` filled in (the first group
    of the service that holds the add-on, when not named).

    400 for a missing or repeated ``id``; 428 ``ADD_ON_GROUP_NOT_FOUND`` for a ``groupId`` that
    is not a group of the service, ``ADD_ON_NOT_FOUND`` for an add-on its group (or, with no
    ``groupId``, every group of the service) does not offer, ``VALIDATION_FAILURE`` with
    ``data.maxNumberOfAddOns`` for more different add-ons of a group than it allows."""
    by_id = {str(g.get("id")): g for g in groups}
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, add_on in enumerate(add_ons):
        field = f"{prefix}bookedAddOns[{i}]"
        add_on_id = add_on.get("id")
        if not add_on_id:
            raise errors.invalid_field(f"{field}.id", "is required", errors.REQUIRED_FIELD)
        if add_on_id in seen:
            raise errors.invalid_field(f"{field}.id", f"add-on {add_on_id} is booked twice")
        seen.add(add_on_id)
        group_id = add_on.get("groupId")
        if group_id:
            group = by_id.get(group_id)
            if group is None:
                raise _add_on_error(
                    "ADD_ON_GROUP_NOT_FOUND",
                    f"Add-on group {group_id} is not a group of the service",
                    groupId=group_id,
                    field=f"{field}.groupId",
                )
        else:
            group = next((g for g in groups if add_on_id in (g.get("addOnIds") or ())), None)
        if group is None or add_on_id not in (group.get("addOnIds") or ()):
            raise _add_on_error(
                "ADD_ON_NOT_FOUND",
                f"Add-on {add_on_id} is not offered by "
                + (f"add-on group {group_id}" if group_id else "the service's add-on groups"),
                addOnId=add_on_id,
                field=f"{field}.id",
            )
        out.append({**add_on, "groupId": group["id"]})
    for group in groups:
        limit = group.get("maxNumberOfAddOns")
        chosen = sum(1 for a in out if a["groupId"] == group.get("id"))
        if isinstance(limit, int) and chosen > limit:
            raise _add_on_error(
                "VALIDATION_FAILURE",
                f"At most {limit} add-ons of group {group.get('name')!r} may be booked",
                groupId=group.get("id"),
                maxNumberOfAddOns=limit,
                field=f"{prefix}bookedAddOns",
            )
    return out


def booked_add_ons(
    groups: Sequence[Mapping[str, Any]],
    add_ons: Sequence[Mapping[str, Any]] | None,
    flags: Mapping[str, Any],
    prefix: str,
) -> list[dict[str, Any]] | None:
    """The ``bookedAddOns`` a create stores: checked (:func:`checked_add_ons`) unless
    ``skipAddOnValidation``, then as given; None for none."""
    if not add_ons:
        return None
    if flags.get("skipAddOnValidation"):
        return [dict(a) for a in add_ons]
    return checked_add_ons(groups, add_ons, prefix)


def _invalid_choices(message: str, field: str) -> errors.ApplicationError:
    return errors.ApplicationError(
        "INVALID_CHOICES", message, http_status=400, data={"field": field}
    )


def check_choices(has_variants: bool, choices: Mapping[str, Any] | None, prefix: str) -> None:
    """400 ``INVALID_SERVICE_CHOICES`` for choices on a service without variants; 400
    ``INVALID_CHOICES`` for a choice without ``optionId``, with no value and no ``choiceId``,
    with two values, or naming an option twice for the same participants."""
    if choices is None:
        return
    field = f"{prefix}participantsChoices"
    if not has_variants:
        raise errors.ApplicationError(
            "INVALID_SERVICE_CHOICES",
            "The service has no variants: book it with totalParticipants",
            http_status=400,
            data={"field": field},
        )
    for i, service_choice in enumerate(choices.get("serviceChoices") or ()):
        options: set[str] = set()
        for j, choice in enumerate(service_choice.get("choices") or ()):
            at = f"{field}.serviceChoices[{i}].choices[{j}]"
            option = choice.get("optionId") if isinstance(choice, Mapping) else None
            if not option:
                raise _invalid_choices("A choice must name its optionId", f"{at}.optionId")
            if option in options:
                raise _invalid_choices(f"Option {option} is chosen twice", f"{at}.optionId")
            options.add(option)
            values = [k for k in CHOICE_VALUES if choice.get(k) is not None]
            if len(values) > 1:
                raise _invalid_choices(f"A choice has one value, not {' and '.join(values)}", at)
            if not values and not choice.get("choiceId"):
                raise _invalid_choices("A choice needs a value or a choiceId", at)


def _key(add_on: Mapping[str, Any]) -> tuple[str, str, int]:
    return (str(add_on.get("id")), str(add_on.get("groupId") or ""), add_on.get("quantity") or 1)


def add_on_change(
    groups: Sequence[Mapping[str, Any]],
    current: Sequence[Mapping[str, Any]],
    given: Sequence[Mapping[str, Any]] | None,
    created_flags: Mapping[str, Any],
    flags: Mapping[str, Any],
    prefix: str,
) -> list[dict[str, Any]] | None:
    """The booking's new add-ons when a reschedule changes them (checked against the
    service's groups), None when it leaves them as they are (not sent, or the same ones in
    any order). A change needs ``allowAddOnChanges`` on the booking's create and on this call
    (428 ``ADD_ON_CHANGES_NOT_ALLOWED``)."""
    if given is None:
        return None
    groups_of = {str(a.get("id")): a.get("groupId") for a in current}
    filled = [{**a, "groupId": a.get("groupId") or groups_of.get(str(a.get("id")))} for a in given]
    if sorted(map(_key, filled)) == sorted(map(_key, current)):
        return None
    if not (created_flags.get("allowAddOnChanges") and flags.get("allowAddOnChanges")):
        raise errors.failed_precondition(
            "ADD_ON_CHANGES_NOT_ALLOWED",
            "The booking's add-ons change only when it was created with "
            "flowControlSettings.allowAddOnChanges and the reschedule says it too",
            field=f"{prefix}bookedAddOns",
        )
    return checked_add_ons(groups, [dict(a) for a in given], prefix)


def of_create(
    service: ServiceView, booking: BookingIn, flags: Mapping[str, Any]
) -> list[dict[str, Any]] | None:
    """A create's checks of its selections (:func:`check_choices`, :func:`booked_add_ons`);
    answers the ``bookedAddOns`` to store."""
    choices = booking.participants_choices
    check_choices(service.has_variants, to_wire(choices) if choices else None, "booking.")
    given = [to_wire(a) for a in booking.booked_add_ons or ()]
    return booked_add_ons(service.add_on_groups, given, flags, "booking.")


def of_move(
    service: ServiceView,
    doc: dict[str, Any],
    add_ons: Sequence[BookedAddOn] | None,
    choices: ParticipantChoices | None,
    flags: Mapping[str, Any],
) -> list[dict[str, Any]] | None:
    """A reschedule's checks of its selections (:func:`check_choices`,
    :func:`add_on_change`) for the booking ``doc``; answers the add-ons it had before when it
    changes them (and sets the new ones in ``doc``), else None."""
    check_choices(service.has_variants, to_wire(choices) if choices else None, "")
    current = list(doc.get("bookedAddOns") or ())
    given = None if add_ons is None else [to_wire(a) for a in add_ons]
    created_flags = doc.get("flowControlSettings") or {}
    new = add_on_change(service.add_on_groups, current, given, created_flags, flags, "")
    if new is None:
        return None
    if new:
        doc["bookedAddOns"] = new
    else:
        doc.pop("bookedAddOns", None)
    return current
