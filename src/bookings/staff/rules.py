"""Rules of Resources V2 and Staff Members, without I/O.

Documents here are wire dicts (camelCase). Every check returns or raises 400s that name the
field (``resource.locationOptions.specificLocationOptions``) and, where the spec has one, the
Wix ``ruleName`` (``RESOURCE_NAME_IS_REQUIRED`` ...).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bookings.platform import errors
from bookings.platform.errors import FieldViolation

#: The resource type of staff members, the same on every site.
STAFF_RESOURCE_TYPE_ID = "1cd44cf8-756f-41c3-bd90-3e2ffcaf1155"
#: ``externalId`` of a site's business (default working hours) schedule.
BUSINESS_SCHEDULE_EXTERNAL_ID = "4e0579a5-491e-4e70-a872-d097eed6e520"

#: Fields a client may write; everything else is read-only and ignored.
RESOURCE_WRITABLE = frozenset(
    {"name", "typeId", "workingHoursSchedules", "locationOptions", "extendedFields"}
)
RESOURCE_READ_ONLY = frozenset(
    {"id", "revision", "createdDate", "updatedDate", "eventsSchedule", "singleResource"}
)
STAFF_WRITABLE = frozenset(
    {"name", "email", "phone", "description", "mainMedia", "extendedFields", "tags"}
)
STAFF_READ_ONLY = frozenset(
    {
        "id",
        "resourceId",
        "resource",
        "associatedWixIdentity",
        "revision",
        "createdDate",
        "updatedDate",
        "serviceProvider",
    }
)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
_PHONE = re.compile(r"^\+?[0-9 ().\-/]+$")


def _rule(field: str, description: str, rule_name: str) -> FieldViolation:
    """A violation of a named Wix rule (``violatedRule: OTHER`` + ``ruleName``)."""
    return FieldViolation(field, description, errors.OTHER, rule_name=rule_name)


def raise_if(violations: list[FieldViolation]) -> None:
    if violations:
        raise errors.InvalidRequest(violations)


# ---------------------------------------------------------------- partial updates


def writable(data: Mapping[str, Any], allowed: frozenset[str]) -> dict[str, Any]:
    """The writable part of a client's document (read-only and unknown fields dropped)."""
    return {k: copy.deepcopy(v) for k, v in data.items() if k in allowed}


def _get(doc: Mapping[str, Any], path: Sequence[str]) -> tuple[bool, Any]:
    node: Any = doc
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return False, None
        node = node[key]
    return True, node


def _set(doc: dict[str, Any], path: Sequence[str], value: Any) -> None:
    node = doc
    for key in path[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = {}
            node[key] = child
        node = child
    node[path[-1]] = copy.deepcopy(value)


def _unset(doc: dict[str, Any], path: Sequence[str]) -> None:
    node: Any = doc
    for key in path[:-1]:
        node = node.get(key) if isinstance(node, dict) else None
        if node is None:
            return
    if isinstance(node, dict):
        node.pop(path[-1], None)


def merge(
    current: Mapping[str, Any],
    patch: Mapping[str, Any],
    mask: Sequence[str] | None,
    *,
    allowed: frozenset[str],
    read_only: frozenset[str],
    mask_field: str = "fieldMask",
) -> dict[str, Any]:
    """PATCH semantics.

    Without a mask every writable field given replaces the current one. With a mask only the
    paths it names change (dotted paths reach inside objects): set from ``patch`` when given
    there, removed otherwise. Read-only paths in a mask are ignored; unknown ones are a 400.
    """
    merged = copy.deepcopy(dict(current))
    if not mask:
        for key, value in patch.items():
            if key in allowed:
                merged[key] = copy.deepcopy(value)
        return merged
    for raw in mask:
        path = [p for p in raw.split(".") if p]
        if not path or path[0] in read_only:
            continue
        if path[0] not in allowed:
            raise errors.invalid_field(
                mask_field, f"names an unknown field {raw!r}", errors.FIELD_NOT_ALLOWED
            )
        found, value = _get(patch, path)
        if found and value is not None:
            _set(merged, path, value)
        else:
            _unset(merged, path)
    return merged


# ---------------------------------------------------------------- resources


def default_location_options(doc: dict[str, Any]) -> None:
    """No (or empty) ``locationOptions`` means available in all locations; ``specific...``
    options saying nothing next to ``availableInAllLocations: true`` are dropped."""
    options = doc.get("locationOptions")
    if not options:
        doc["locationOptions"] = {"availableInAllLocations": True}
        return
    if options.get("availableInAllLocations") is None:
        options["availableInAllLocations"] = False
    specific = options.get("specificLocationOptions")
    if not isinstance(specific, dict):
        return
    if options["availableInAllLocations"] is True and not (
        specific.get("availableInBusinessLocations") or specific.get("businessLocations")
    ):
        del options["specificLocationOptions"]  # says nothing beyond "all locations"
    else:
        specific.setdefault("businessLocations", [])


def location_violations(options: Mapping[str, Any], prefix: str) -> list[FieldViolation]:
    """The location coupling rules of C.4 (``options`` already defaulted)."""
    found: list[FieldViolation] = []
    base = f"{prefix}.locationOptions"
    everywhere = options.get("availableInAllLocations") is True
    specific = options.get("specificLocationOptions")
    if everywhere and specific:
        found.append(
            _rule(
                f"{base}.specificLocationOptions",
                "must not be set when availableInAllLocations is true",
                "RESOURCE_SPECIFIC_LOCATION_OPTIONS_NOT_ALLOWED",
            )
        )
    if not everywhere and specific is None:
        found.append(
            _rule(
                f"{base}.specificLocationOptions",
                "must be set when availableInAllLocations is false",
                "RESOURCE_SPECIFIC_LOCATION_OPTIONS_MUST_BE_SET",
            )
        )
    if isinstance(specific, Mapping):
        locations = specific.get("businessLocations") or []
        for i, location in enumerate(locations):
            if not (location or {}).get("locationId"):
                found.append(
                    _rule(
                        f"{base}.specificLocationOptions.businessLocations[{i}].locationId",
                        "is required",
                        "RESOURCE_LOCATION_ID_IS_REQUIRED",
                    )
                )
        if locations and specific.get("availableInBusinessLocations") is not True:
            found.append(
                _rule(
                    f"{base}.specificLocationOptions.availableInBusinessLocations",
                    "must be true when businessLocations are given",
                    "RESOURCE_AVAILABLE_IN_BUSINESS_LOCATION_MUST_BE_TRUE",
                )
            )
    return found


def working_hours_values(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    schedules = doc.get("workingHoursSchedules") or {}
    return list(schedules.get("values") or [])


def working_hours_violations(
    doc: Mapping[str, Any], prefix: str, *, creating: bool, bulk: bool
) -> list[FieldViolation]:
    found: list[FieldViolation] = []
    values = working_hours_values(doc)
    base = f"{prefix}.workingHoursSchedules"
    if bulk and values:
        return [
            _rule(
                base,
                "cannot be set in a bulk request: create the resource, then update it",
                "RESOURCE_WORKING_HOURS_NOT_SUPPORTED_IN_BULK_REQUEST",
            )
        ]
    for i, value in enumerate(values):
        if not value.get("scheduleId"):
            found.append(
                _rule(
                    f"{base}.values[{i}].scheduleId",
                    "is required",
                    "RESOURCE_WORKING_HOURS_SCHEDULE_ID_IS_REQUIRED",
                )
            )
        if not creating and value.get("shared") is None:
            found.append(
                _rule(
                    f"{base}.values[{i}].shared",
                    "is required",
                    "RESOURCE_WORKING_HOURS_SHARED_IS_REQUIRED",
                )
            )
    return found


def resource_violations(
    doc: Mapping[str, Any], prefix: str = "resource", *, creating: bool, bulk: bool = False
) -> list[FieldViolation]:
    """Every rule of C.5 on a whole resource document (locations already defaulted)."""
    found: list[FieldViolation] = []
    name = doc.get("name")
    if name is None or not str(name).strip():
        found.append(_rule(f"{prefix}.name", "is required", "RESOURCE_NAME_IS_REQUIRED"))
    found += location_violations(doc.get("locationOptions") or {}, prefix)
    found += working_hours_violations(doc, prefix, creating=creating, bulk=bulk)
    return found


def staff_type_violation(prefix: str = "resource") -> errors.InvalidRequest:
    return errors.InvalidRequest(
        [
            _rule(
                f"{prefix}.typeId",
                "is the staff member resource type: staff resources are created and changed "
                "only through the Staff Members API (POST /bookings/v1/staff-members)",
                "RESOURCE_TYPE_MANAGED_BY_STAFF_MEMBERS",
            )
        ]
    )


def type_change_violation(prefix: str = "resource") -> errors.InvalidRequest:
    return errors.invalid_field(
        f"{prefix}.typeId", "cannot be changed once it is set (it is immutable)", errors.OTHER
    )


def business_locations(doc: Mapping[str, Any]) -> list[str]:
    specific = (doc.get("locationOptions") or {}).get("specificLocationOptions") or {}
    return [
        str(loc["locationId"])
        for loc in specific.get("businessLocations") or []
        if (loc or {}).get("locationId")
    ]


# ---------------------------------------------------------------- staff members


def is_valid_email(value: str) -> bool:
    return len(value) <= 320 and bool(_EMAIL.match(value))


def is_valid_phone(value: str) -> bool:
    text = value.strip()
    if not text or len(value) > 20 or not _PHONE.match(text):
        return False
    return sum(ch.isdigit() for ch in text) >= 3


def staff_violations(
    doc: Mapping[str, Any], prefix: str = "staffMember", *, name_required: bool
) -> list[FieldViolation]:
    found: list[FieldViolation] = []
    name = doc.get("name")
    if name is None:
        if name_required:
            found.append(FieldViolation(f"{prefix}.name", "is required", errors.REQUIRED_FIELD))
    elif not str(name).strip():
        found.append(FieldViolation(f"{prefix}.name", "must not be blank", errors.MIN_LENGTH))
    email = doc.get("email")
    if email is not None and not is_valid_email(str(email)):
        found.append(FieldViolation(f"{prefix}.email", "is not a valid email", errors.FORMAT))
    phone = doc.get("phone")
    if phone is not None and not is_valid_phone(str(phone)):
        found.append(FieldViolation(f"{prefix}.phone", "is not a valid phone", errors.FORMAT))
    return found


def mentions_field(filter_: Any, field: str) -> bool:
    """Whether a query filter names ``field`` anywhere (dotted or nested form)."""
    if isinstance(filter_, Mapping):
        for key, value in filter_.items():
            if not isinstance(key, str):
                continue
            if key == field or key.startswith(field + "."):
                return True
            if mentions_field(value, field):
                return True
    elif isinstance(filter_, list | tuple):
        return any(mentions_field(item, field) for item in filter_)
    return False


def only_service_providers(filter_: Mapping[str, Any] | None) -> dict[str, Any]:
    """V1 Query/Count see service providers only, unless the filter names ``serviceProvider``."""
    if filter_ and mentions_field(filter_, "serviceProvider"):
        return dict(filter_)
    if not filter_:
        return {"serviceProvider": True}
    return {"$and": [dict(filter_), {"serviceProvider": True}]}


def assignment(
    schedule_id: str, *, events_schedule_id: str, business_schedule_id: str
) -> tuple[bool, bool] | None:
    """AssignWorkingHoursSchedule: ``(shared, usesDefaultWorkingHours)`` or None if refused.

    Only the staff member's own events schedule (custom hours) or the business schedule
    (reset to the default hours) may be assigned.
    """
    if schedule_id == events_schedule_id:
        return False, False
    if schedule_id == business_schedule_id:
        return True, True
    return None


def dedupe(ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(ids))
