"""What other slices read of a service: a typed view over its wire document, and the one
error every slice answers for a service that does not exist.

Other slices take a :class:`ServiceView` from :func:`bookings.catalog.services.service.
get_service_views` or :func:`~bookings.catalog.services.service.require_service` and read its
typed properties instead of re-parsing the wire document; the document itself (``wire``) is
still there for the pure rules that take a whole service.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bookings.platform import errors
from bookings.platform.wire import parse_timestamp


def service_not_found(service_id: str) -> errors.ApplicationError:
    """404 ``SERVICE_NOT_FOUND``, the same body wherever a service is looked up."""
    return errors.not_found(
        "SERVICE_NOT_FOUND", f"Service {service_id} not found", serviceId=service_id
    )


def _positive_minutes(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


@dataclass(frozen=True)
class ServiceView:
    """A service as other slices see it (read-only)."""

    #: The wire Service (``bookingPolicy`` joined in).
    wire: Mapping[str, Any]

    @property
    def id(self) -> str:
        return str(self.wire["id"])

    @property
    def type(self) -> str | None:
        value = self.wire.get("type")
        return str(value) if value else None

    @property
    def name(self) -> str | None:
        value = self.wire.get("name")
        return str(value) if value else None

    @property
    def schedule(self) -> Mapping[str, Any]:
        return self.wire.get("schedule") or {}

    @property
    def schedule_id(self) -> str | None:
        value = self.schedule.get("id")
        return str(value) if value else None

    @property
    def staff_member_ids(self) -> list[str]:
        """Staff *resource* ids of the service."""
        return [str(s) for s in self.wire.get("staffMemberIds") or ()]

    @property
    def buffer_minutes(self) -> int:
        """``schedule.availabilityConstraints.timeBetweenSessions`` (0 when unset)."""
        constraints = self.schedule.get("availabilityConstraints") or {}
        return _positive_minutes(constraints.get("timeBetweenSessions"))

    @property
    def default_capacity(self) -> int | None:
        value = self.wire.get("defaultCapacity")
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def booking_policy(self) -> Mapping[str, Any]:
        return self.wire.get("bookingPolicy") or {}

    @property
    def requires_manual_approval(self) -> bool:
        """``onlineBooking.requireManualApproval``: a customer's booking waits as PENDING."""
        return bool((self.wire.get("onlineBooking") or {}).get("requireManualApproval"))

    @property
    def locations(self) -> list[Mapping[str, Any]]:
        return list(self.wire.get("locations") or ())

    @property
    def app_id(self) -> str | None:
        value = self.wire.get("appId")
        return str(value) if value else None

    @property
    def form_id(self) -> str | None:
        value = (self.wire.get("form") or {}).get("id")
        return str(value) if value else None

    @property
    def add_on_groups(self) -> list[Mapping[str, Any]]:
        """``addOnGroups``: each ``{id, name, maxNumberOfAddOns?, addOnIds, prompt?}``."""
        return list(self.wire.get("addOnGroups") or ())

    @property
    def has_variants(self) -> bool:
        """Whether the service is priced by variants (``payment.rateType`` ``VARIED``): only
        then may a booking name ``participantsChoices``."""
        return (self.wire.get("payment") or {}).get("rateType") == "VARIED"

    @property
    def first_session_start(self) -> datetime | None:
        value = self.schedule.get("firstSessionStart")
        return parse_timestamp(value) if value else None

    @property
    def last_session_end(self) -> datetime | None:
        value = self.schedule.get("lastSessionEnd")
        return parse_timestamp(value) if value else None
