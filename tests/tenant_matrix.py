"""The cases of the tenant isolation matrix (tests/test_tenant_isolation.py), generated from the
app's route table: every (HTTP method, path template) of the app, its ``{param}`` filled with
the id of site A's matching record, and a plausible body naming A's records.

A route whose parameter has no id here fails the test ("add an id for {param}"), unless it is
in :data:`EXEMPT` with the reason it needs none. Per-method bodies are in
:mod:`tests.tenant_bodies`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from starlette.routing import Mount, Route

from bookings.app import api_methods
from bookings.platform.dispatch import API_ENDPOINT
from bookings.platform.routing import ApiMethod
from tests.tenant_site import Tenant

#: Routes the matrix does not call, by (verb, path template; an API method's canonical path
#: stands for its aliases), with the reason.
EXEMPT: dict[tuple[str, str], str] = {
    ("POST", "/oauth2/token"): "issues tokens, no record of a site: a visitor token names its "
    "site by its public client id; a member token of A asked for by B's admin key is refused "
    "(the test's chained checks)",
    ("GET", "/v1/anonymous-bookings/{token}"): "no credential: the signed token is the whole "
    "key (it names its site and booking; tests/booking/test_anonymous.py)",
    ("POST", "/v1/anonymous-bookings/{token}/cancel"): "the signed token is the credential",
    ("POST", "/v1/anonymous-bookings/{token}/reschedule"): "the signed token is the credential",
    ("GET", "/v1/anonymous-bookings/{token}/service"): "the signed token is the credential",
    ("GET", "/v1/anonymous-multi-service-bookings/{token}"): "the signed token is the credential",
    ("POST", "/v1/anonymous-multi-service-bookings/{token}/cancel"): "the signed token is the "
    "credential",
    ("GET", "/_api/bookings-server/v1/calendar-feeds/{token}.ics"): "no credential: the feed's "
    "secret token is its address (tests/feeds/test_feeds.py)",
    ("POST", "/_bookings/v1/payments/{provider}/webhook/{site_id}"): "the payment provider's "
    "webhook: verified by the provider's own signature, not by a site credential",
    ("GET", "/healthz"): "operations: no site data",
    ("GET", "/metrics"): "operations (when enabled): the deployment's counters, its own token",
    ("GET", "/openapi.json"): "the API's description: no site data",
    ("GET", "/docs"): "the API's documentation page: no site data",
    ("GET", "/"): "the landing page: no site data",
    ("MOUNT", "/static"): "static files: no site data",
    ("GET", "/dashboard/login"): "the sign-in page: before any site is known",
    ("POST", "/dashboard/login"): "the sign-in itself (with an API key of the site)",
    ("POST", "/dashboard/logout"): "ends the caller's own session: names no record",
}
#: Exempt routes the app has only in some configurations (``/metrics`` when enabled).
OPTIONAL_ROUTES = {("GET", "/metrics")}
#: Routes of the public booking pages: ``{slug}`` names the site (B's here), the other
#: parameters A's records. No credential: the slug is the site.
PUBLIC_PAGES = "/book/"
#: The fake payment provider's page: ``{site_id}`` B's, ``{payment_id}`` A's payment.
PAYMENT_PAGES = "/_fake-pay/"
DASHBOARD = "/dashboard"

#: Path parameters that name the caller's own site (B's): a booking page's slug, a site id.
OWN_PARAMS = {"slug", "site_id"}
#: A path parameter's name -> the kind of A's record it names (``Tenant.ids``). Generic names
#: (``id``, ``name``) are resolved by the path they are in (:data:`BY_PATH`).
PARAM_KINDS = {
    "bookingPolicyId": "policy",
    "bookingPolicy.id": "policy",
    "policy_id": "policy",
    "serviceId": "service",
    "service.id": "service",
    "service_id": "service",
    "resourceId": "resource",
    "resource.id": "resource",
    "staffMemberId": "staff",
    "staffMember.id": "staff",
    "member_id": "staff",
    "scheduleId": "schedule",
    "schedule.id": "schedule",
    "eventId": "event",
    "event.id": "event",
    "recurringEventId": "event",
    "participationId": "booking",
    "participation.id": "booking",
    "bookingId": "booking",
    "booking_id": "booking",
    "multiServiceBookingId": "multi_service_booking",
    "attendanceId": "attendance",
    "contactId": "contact",
    "memberId": "member",
    "wixUserId": "member",
    "checkout.id": "checkout",
    "ecomOrderId": "order",
    "orderId": "order",
    "webhook_id": "webhook",
    "key_id": "api_key",
    "token": "anonymous_token",
    "payment_id": "payment",
}
#: A generic parameter name -> (path pattern, kind), first match wins.
BY_PATH: dict[str, list[tuple[str, str]]] = {
    "id": [
        (r"/checkouts/", "checkout"),
        (r"/orders/", "order"),
        (r"/webhooks/", "webhook"),
        (r"/bookings/", "booking"),
    ],
    "name": [(r"/notifications/templates/", "template")],
}
#: Methods that answer 200 for another site's id because the id is not a record of a site
#: but a key of the caller's own records: the answer is the caller's (empty) list, or the
#: caller's own record of that name.
OWN_KEYED = {
    "ListEventsByContactId": "the events of this contact on the caller's site (none)",
    "ListEventsByMemberId": "the events of this member on the caller's site (none)",
    "putNotificationTemplate": "the name is a template name every site has: B's own template",
    "deleteNotificationTemplate": "the name is a template name every site has: B's own template",
}


@dataclass(frozen=True)
class Case:
    verb: str
    #: The path template as the app spells it (``{service__id}`` for ``{service.id}``).
    template: str
    name: str
    method: ApiMethod[Any] | None

    @property
    def params(self) -> list[str]:
        return [p.replace("__", ".") for p in re.findall(r"\{([^}:]+)(?::[^}]*)?\}", self.template)]

    @property
    def names_a(self) -> bool:
        """Whether a path parameter names a record of A (not the caller's own slug or site)."""
        return any(p not in OWN_PARAMS for p in self.params)

    def __str__(self) -> str:
        return f"{self.verb} {self.template}"


def _walk(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, str, Any]]:
    for route in routes:
        if isinstance(route, Route):
            for verb in sorted((route.methods or set()) - {"HEAD"}):
                yield verb, prefix + route.path, route
        elif isinstance(route, Mount):
            yield "MOUNT", prefix + route.path, route
        elif hasattr(route, "original_router"):  # FastAPI's included router
            inner = prefix + getattr(route.include_context, "prefix", "")
            yield from _walk(route.original_router.routes, inner)
        else:
            raise AssertionError(f"a route of an unknown kind: {route!r}: teach the matrix")


def cases(app: Any, skip_methods: AbstractSet[str] = frozenset()) -> list[Case]:
    """Every route of the app (each alias of an API method too), but those of
    ``skip_methods`` (API method names: the test's own echo router)."""
    methods = {m.name: m for m in api_methods()}
    out: list[Case] = []
    for verb, path, route in _walk(list(app.routes)):
        api = getattr(getattr(route, "endpoint", None), API_ENDPOINT, False)
        method = methods.get(str(route.name).split(" ")[0]) if api else None
        if api and method is None:
            if str(route.name).split(" ")[0] in skip_methods:
                continue
            raise AssertionError(f"{verb} {path}: an API route of no known method")
        out.append(Case(verb, path, str(route.name), method))
    return out


def public_path(case: Case) -> str:
    """The path as the API declares it (``{service.id}``, not ``{service__id}``)."""
    if case.method is None:
        return case.template
    for path in case.method.paths:
        if re.sub(r"\{([^}]+)\}", lambda m: "{" + m.group(1).replace(".", "__") + "}", path) == (
            case.template
        ):
            return path
    return case.template


def exempt_key(case: Case) -> tuple[str, str]:
    """The route's key in :data:`EXEMPT` (an API method's aliases go with its canonical path)."""
    return case.verb, case.method.paths[0] if case.method is not None else case.template


def exemption(case: Case) -> str | None:
    """Why the route is not called (``None``: it is)."""
    return EXEMPT.get(exempt_key(case))


def kind_of(param: str, path: str) -> str | None:
    for pattern, kind in BY_PATH.get(param, []):
        if re.search(pattern, path):
            return kind
    return PARAM_KINDS.get(param)


def fill(case: Case, a: Tenant, b: Tenant) -> str:
    """The path with A's ids in it (B's slug for a booking page's ``{slug}``); an
    AssertionError naming the parameter that has no id."""
    path = public_path(case)

    def value(match: re.Match[str]) -> str:
        param = match.group(1)
        if param == "slug":
            return b.slug
        if param == "site_id":
            return b.keys.site_id
        kind = kind_of(param, path)
        found = _id_of(kind, a)
        if found is None:
            raise AssertionError(
                f"{case.verb} {path}: add an id for {{{param}}} (tests/tenant_matrix.py "
                "PARAM_KINDS or BY_PATH, and a record of it in tests/tenant_site.py), or exempt "
                "the route in EXEMPT with the reason"
            )
        return found

    return re.sub(r"\{([^}]+)\}", value, path)


def path_ids(case: Case, t: Tenant) -> list[str]:
    """The ids :func:`fill` puts in the path for ``t``'s records, in order."""
    path = public_path(case)
    found = [_id_of(kind_of(p, path), t) for p in re.findall(r"\{([^}]+)\}", path)]
    return [i for i in found if i is not None]


def _id_of(kind: str | None, a: Tenant) -> str | None:
    if kind is None:
        return None
    if kind == "api_key":
        return a.key_id
    if kind == "anonymous_token":
        return a.anonymous_token or None
    return a.ids.get(kind)
