"""Add-on groups of a service (pure, no I/O).

A service keeps its groups in its document (``addOnGroups``, at most 3, each with at most 7
add-on ids); ``addOnDetails`` is derived from them: one entry per add-on the groups offer.
The add-ons themselves (names, prices, durations) belong to the separate Add-Ons API
(``/addons/v1/add-ons``), which this server does not have: add-on ids are taken as given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bookings.platform import errors

#: ``Service.addOnGroups`` @maxSize.
MAX_GROUPS = 3
#: ``AddOnGroup.addOnIds`` @maxSize.
MAX_ADD_ONS = 7
#: The fields of a group an update may change.
GROUP_FIELDS = ("name", "maxNumberOfAddOns", "addOnIds", "prompt")


def groups_of(service: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [dict(g) for g in service.get("addOnGroups") or ()]


def find(groups: Sequence[Mapping[str, Any]], group_id: str) -> int | None:
    """The position of group ``group_id``, or None."""
    return next((i for i, g in enumerate(groups) if g.get("id") == group_id), None)


def group_not_on_service(group_id: str, service_id: str) -> errors.ApplicationError:
    return errors.not_found(
        "GROUP_NOT_ON_SERVICE",
        f"Add-on group {group_id} is not a group of service {service_id}",
        addOnGroupId=group_id,
        serviceId=service_id,
    )


def group_not_found(group_id: str, service_id: str) -> errors.ApplicationError:
    return errors.not_found(
        "ADD_ON_GROUP_NOT_FOUND",
        f"Add-on group {group_id} not found on service {service_id}",
        groupId=group_id,
        serviceId=service_id,
    )


def check_creatable(service: Mapping[str, Any], groups: Sequence[Mapping[str, Any]]) -> None:
    """A subscription service takes no add-ons (428 ``SUBSCRIPTION_SERVICE_NOT_SUPPORTED``);
    a service has at most :data:`MAX_GROUPS` groups (400 ``MAX_SIZE``)."""
    if (service.get("payment") or {}).get("rateType") == "SUBSCRIPTION":
        raise errors.failed_precondition(
            "SUBSCRIPTION_SERVICE_NOT_SUPPORTED",
            "A service paid by subscription cannot have add-on groups",
            serviceId=service.get("id"),
        )
    if len(groups) >= MAX_GROUPS:
        raise errors.invalid_field(
            "serviceId",
            f"the service already has {MAX_GROUPS} add-on groups, the most it may have",
            errors.MAX_SIZE,
            data={"max": MAX_GROUPS},
        )


def _ids(values: Iterable[Any], field: str) -> list[str]:
    ids = [str(v) for v in values]
    seen: set[str] = set()
    for i, value in enumerate(ids):
        if value in seen:
            raise errors.invalid_field(f"{field}[{i}]", f"add-on {value} is listed twice")
        seen.add(value)
    return ids


def normalized(group: Mapping[str, Any], prefix: str = "addOnGroup") -> dict[str, Any]:
    """A group as stored and answered: ``id``, ``name``, ``maxNumberOfAddOns`` and ``prompt``
    when set, ``addOnIds`` always (possibly empty). Checks the name, the limit and the ids
    (``prefix``: where the group's fields are in the request, "" for the top level)."""

    def at(name: str) -> str:
        return f"{prefix}.{name}" if prefix else name

    name = group.get("name")
    if not isinstance(name, str) or not name.strip():
        raise errors.invalid_field(at("name"), "is required", errors.REQUIRED_FIELD)
    out: dict[str, Any] = {"id": group["id"], "name": name}
    limit = group.get("maxNumberOfAddOns")
    if limit is not None:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise errors.invalid_field(at("maxNumberOfAddOns"), "must be at least 1", errors.MIN)
        out["maxNumberOfAddOns"] = limit
    ids = _ids(group.get("addOnIds") or (), at("addOnIds"))
    if len(ids) > MAX_ADD_ONS:
        raise errors.invalid_field(
            at("addOnIds"),
            f"a group has at most {MAX_ADD_ONS} add-ons",
            errors.MAX_SIZE,
            data={"max": MAX_ADD_ONS},
        )
    out["addOnIds"] = ids
    if group.get("prompt") is not None:
        out["prompt"] = group["prompt"]
    return out


def updated(
    current: Mapping[str, Any], patch: Mapping[str, Any], mask: Sequence[str] | None
) -> dict[str, Any]:
    """``current`` with the fields of ``patch`` given (or named by ``mask``) replaced."""
    merged = dict(current)
    names = {m.split(".")[0] for m in mask} if mask else set(patch)
    for name in GROUP_FIELDS:
        if name not in names:
            continue
        if name in patch:
            merged[name] = patch[name]
        else:
            merged.pop(name, None)
    return merged


def details(groups: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``Service.addOnDetails``: each add-on of the groups once, in group order. Durations
    are the Add-Ons API's and not known here."""
    seen: dict[str, None] = {}
    for group in groups:
        for add_on_id in group.get("addOnIds") or ():
            seen.setdefault(str(add_on_id), None)
    return [{"addOnId": add_on_id} for add_on_id in seen]


def with_groups(service: Mapping[str, Any], groups: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The service document carrying ``groups`` (and the ``addOnDetails`` they imply)."""
    doc = dict(service)
    doc.pop("addOnGroups", None)
    doc.pop("addOnDetails", None)
    if groups:
        doc["addOnGroups"] = [dict(g) for g in groups]
        doc["addOnDetails"] = details(groups)
    return doc


def group_detail(group: Mapping[str, Any]) -> dict[str, Any]:
    """An ``AddOnGroupDetail`` of List Add-On Groups By Service Id: the add-ons are known by
    id only (their names and prices live in the Add-Ons API)."""
    out: dict[str, Any] = {"groupId": group["id"]}
    if group.get("maxNumberOfAddOns") is not None:
        out["maxNumberOfAddOns"] = group["maxNumberOfAddOns"]
    out["groupName"] = group.get("name")
    out["addOns"] = [{"addOnId": i} for i in group.get("addOnIds") or ()]
    if group.get("prompt") is not None:
        out["prompt"] = group["prompt"]
    return out
