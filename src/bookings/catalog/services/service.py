"""Use-cases of Services V2: one function per API method, each owning its transaction.

Other slices: booking policies (the live ``bookingPolicy`` join and the site default), staff
(``staffMemberIds`` are staff *resource* ids), calendar (each service owns a schedule whose
``externalId`` is the service id).

By job: :mod:`.queries` (reading, and the typed :class:`ServiceView` other slices get),
:mod:`.changes` (writing), :mod:`.add_ons` (add-on groups), :mod:`.derived` (what follows
from other slices' changes, wired by the app to their hook points).
"""

from __future__ import annotations

from bookings.catalog.services.add_ons import (
    create_add_on_group,
    delete_add_on_group,
    list_add_on_groups,
    set_add_ons_for_group,
    update_add_on_group,
)
from bookings.catalog.services.changes import (
    bulk_create_services,
    bulk_delete_services,
    bulk_update_services,
    clone_service,
    create_service,
    delete_service,
    set_custom_slug,
    set_service_locations,
    update_service,
    validate_slug,
)
from bookings.catalog.services.derived import (
    derive_from_sessions,
    reassign_policy,
)
from bookings.catalog.services.queries import (
    count_services,
    get_service,
    get_service_views,
    query_policies,
    query_services,
    require_service,
)
from bookings.catalog.services.views import ServiceView, service_not_found

__all__ = [
    "ServiceView",
    "bulk_create_services",
    "bulk_delete_services",
    "bulk_update_services",
    "clone_service",
    "count_services",
    "create_add_on_group",
    "create_service",
    "delete_add_on_group",
    "delete_service",
    "derive_from_sessions",
    "get_service",
    "get_service_views",
    "list_add_on_groups",
    "query_policies",
    "query_services",
    "reassign_policy",
    "require_service",
    "service_not_found",
    "set_add_ons_for_group",
    "set_custom_slug",
    "set_service_locations",
    "update_add_on_group",
    "update_service",
    "validate_slug",
]
