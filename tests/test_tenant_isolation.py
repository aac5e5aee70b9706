"""Tenant isolation matrix (issue 17): every route of the app, called with a credential of
another site, answers a refusal (or, for a list, none of this site's records), and never
shows or changes a record of this site.

The matrix is generated from the app's route table (tests/tenant_matrix.py): a new route is
called without anyone listing it, and fails the test until its path parameters have an id of
site A's records or it is exempted with a reason. Site A has a record of every kind
(tests/tenant_site.py); site B calls every route naming them (bodies: tests/tenant_bodies.py):

* every API route (each alias) with a credential of B's the method admits; each method's
  canonical path with each of B's admin key, app key, visitor token and member token that it
  admits, and with B's admin key sent for A's ``wix-site-id`` (refused: 401/403);
* every dashboard page and post with B's signed-in dashboard session;
* every public booking page with B's slug and A's ids (and A's manage-link token), the fake
  payment page with B's site id and A's payment.

An answer passes when its status is a refusal (:data:`REFUSED`: not found, forbidden, or a
request refused for naming what the caller's site does not have) or, for a route without an
id of A's in its path (a list, a query, a create) and for ``OWN_KEYED`` methods, a 200; and
when its body holds none of A's texts (``MARK``) and none of A's ids but those the request
itself named (an error may echo the id it did not find). After the matrix, every row of A in
every table is as before. Then a few chained checks (:func:`_chained`) and the webhook
fan-out: B's webhook gets none of A's events.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from bookings.platform.auth import Role
from bookings.platform.models import domain_events
from bookings.platform.routing import Services
from bookings.webhooks import service as webhook_service
from bookings.webhooks.dispatcher import Dispatcher
from bookings.webhooks.models import webhook_deliveries, webhooks
from bookings.webhooks.safety import ALLOW_PRIVATE_ENV
from tests.conftest import SiteKeys
from tests.tenant_bodies import CURRENT, form, free_references, links, message, overrides
from tests.tenant_matrix import (
    DASHBOARD,
    EXEMPT,
    OPTIONAL_ROUTES,
    OWN_KEYED,
    PAYMENT_PAGES,
    PUBLIC_PAGES,
    Case,
    cases,
    exempt_key,
    exemption,
    fill,
    path_ids,
)
from tests.tenant_site import (
    APP_ID,
    IDEMPOTENCY_KEY,
    KEYED_POLICY,
    MARK,
    MEMBER_ID,
    Tenant,
    current_revision,
    rows_naming,
    site_a,
    site_b,
    snapshot,
)
from tests.web.dashboard_helpers import csrf, signed_in
from tests.wire.echo import router as echo_router

SERVICES = "/bookings/v2/services"
CHECKOUTS = "/ecom/v1/checkouts"
WEBHOOKS = "/_api/bookings-server/v1/webhooks"
#: The refusals: invalid (400, for a body naming what this site does not have), forbidden,
#: not found, conflict, failed precondition, not implemented.
REFUSED = {400, 403, 404, 409, 428, 501}
#: The pages' refusals add an invalid link (401) and a refused form (422).
PAGE_REFUSED = REFUSED | {401, 422}


def _credentials(case: Case, b: Tenant, canonical: bool) -> list[tuple[str, dict[str, str]]]:
    """B's credentials that the method admits (an alias: the first of them only)."""
    assert case.method is not None and case.method.roles is not None
    kinds = [
        (Role.ADMIN, "admin", b.keys.admin_key),
        (Role.APP, "app", b.keys.app_key),
        (Role.VISITOR, "visitor", b.visitor),
        (Role.MEMBER, "member", b.member),
    ]
    out = [
        (label, {"Authorization": key, "wix-site-id": b.keys.site_id})
        for role, label, key in kinds
        if role in case.method.roles
    ]
    return out if canonical else out[:1]


async def _api_call(
    client: httpx.AsyncClient, case: Case, path: str, headers: dict[str, str], body: dict[str, Any]
) -> httpx.Response:
    if case.verb in ("GET", "DELETE"):
        params = {}
        if body:
            raw = base64.urlsafe_b64encode(json.dumps(body).encode()).decode().rstrip("=")
            params[".r"] = raw
        return await client.request(case.verb, path, params=params, headers=headers)
    return await client.request(case.verb, path, json=body, headers=headers)


@dataclass
class Matrix:
    """The answers gathered: what is wrong with them, and how many of each status."""

    a: Tenant
    problems: list[str] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    #: The exemptions used (:data:`EXEMPT`'s keys).
    exempt: set[tuple[str, str]] = field(default_factory=set)
    #: Ids of A's that B's own records may hold (:func:`tests.tenant_bodies.free_references`).
    free: set[str] = field(default_factory=set)

    def check(
        self, case: Case, who: str, res: httpx.Response, named: str, allowed: set[int]
    ) -> None:
        """``named``: the request's path and body (the ids in it may be echoed)."""
        self.statuses[res.status_code] += 1
        where = f"{case} as B's {who} ({res.status_code})"
        if res.status_code not in allowed:
            self.problems.append(f"{where}: status not in {sorted(allowed)}: {res.text[:300]}")
        text = res.text
        if MARK in text:
            self.problems.append(f"{where}: shows a record of A: {text[:300]}")
        shown = sorted(i for i in self.a.all_ids - self.free if i in text and i not in named)
        if shown:
            self.problems.append(f"{where}: shows ids of A {shown}: {text[:300]}")


def _allowed(case: Case, page: bool) -> set[int]:
    """A refusal; or a 200 (a page's 303 too) for a route naming none of A's records in its
    path (a list, a query, a create) or keyed by a name of the caller's own."""
    refused = PAGE_REFUSED if page else REFUSED
    lists = not case.names_a or (case.method is not None and case.method.name in OWN_KEYED)
    if not lists:
        return refused
    return refused | ({200, 303} if page else {200})


async def _api(
    m: Matrix,
    client: httpx.AsyncClient,
    case: Case,
    path: str,
    b: Tenant,
    body: dict[str, Any],
    canonical: bool,
) -> None:
    named = path + json.dumps(body)
    for who, headers in _credentials(case, b, canonical):
        res = await _api_call(client, case, path, headers, body)
        m.check(case, who, res, named, _allowed(case, False))
    if canonical:  # B's key sent for A's site: refused before anything
        wrong_site = {**b.keys.admin, "wix-site-id": m.a.keys.site_id}
        res = await _api_call(client, case, path, wrong_site, body)
        m.check(case, "admin key for A's site", res, named, {401, 403})


async def _page(
    m: Matrix, client: httpx.AsyncClient, case: Case, path: str, who: str, csrf_token: str = ""
) -> None:
    fields = form(m.a)
    headers = {}
    if csrf_token:
        fields["csrf"] = csrf_token
        headers["x-csrf-token"] = csrf_token
    # A's day and records: the dashboard's day and week views (calendar, attendance) and its
    # bookings list filtered by them.
    params = {
        "date": m.a.day.isoformat(),
        "view": "week",
        "tab": "all",
        "staff": m.a.ids["staff_resource"],
        "service": m.a.ids["service"],
    }
    if case.verb == "GET":
        res = await client.get(path, params=params)
    else:
        res = await client.post(path, data=fields, headers=headers)
    m.check(case, who, res, path + json.dumps([fields, params]), _allowed(case, True))


async def _chained(m: Matrix, client: httpx.AsyncClient, a: Tenant, b: Tenant) -> None:
    """What one call cannot show: B's own records or keys that collide with A's."""
    # A's idempotency key, sent by B with the same request: B's own create, not A's replayed.
    keyed = {"Idempotency-Key": IDEMPOTENCY_KEY, **b.keys.admin}
    res = await client.post("/bookings/v1/booking-policies", json=KEYED_POLICY, headers=keyed)
    m.check(
        Case("POST", "/bookings/v1/booking-policies", "", None), "admin, A's key", res, "", {200}
    )
    assert res.headers.get("Idempotent-Replayed") is None
    # B's webhook, for every event: the fan-out must give it none of A's (see the test's end).
    hook = {"url": "http://127.0.0.1:9/b", "eventTypes": [], "format": "STANDARD"}
    res = await client.post(WEBHOOKS, json={"webhook": hook}, headers=b.keys.admin)
    m.check(Case("POST", WEBHOOKS, "", None), "admin", res, "", {200})
    # A member token of A's asked for by B's admin key: refused.
    grant = {"grantType": "member", "memberId": MEMBER_ID}
    wrong_site = {**b.keys.admin, "wix-site-id": a.keys.site_id}
    res = await client.post("/oauth2/token", json=grant, headers=wrong_site)
    m.check(Case("POST", "/oauth2/token", "", None), "admin key for A's site", res, "", {401, 403})
    # A's service's slug is free on B's site: slugs are per site (B learns nothing of A's).
    slug = {"slug": a.slugs[0]}
    res = await client.post(f"{SERVICES}/slugs/validate", json=slug, headers=b.keys.admin)
    assert res.status_code == 200 and res.json()["valid"] is True, res.text
    # A checkout of B's naming A's booking: nothing to sell, no order.
    line = {"quantity": 1, "catalogReference": {"catalogItemId": a.ids["booking"], "appId": APP_ID}}
    body: dict[str, Any] = {"lineItems": [line], "channelType": "WEB"}
    res = await client.post(CHECKOUTS, json=body, headers=b.keys.admin)
    m.check(Case("POST", CHECKOUTS, "", None), "admin", res, json.dumps(body), {200})
    checkout = res.json()["checkout"]["id"]
    res = await client.post(f"{CHECKOUTS}/{checkout}/create-order", json={}, headers=b.keys.admin)
    m.check(
        Case("POST", f"{CHECKOUTS}/{{id}}/create-order", "", None),
        "admin, own checkout",
        res,
        json.dumps(body),
        REFUSED,
    )


async def _fanned_out_to(services: Services, a: Tenant, b: Tenant) -> set[str]:
    """The deliveries to B's webhook (it has one, subscribed to every event type, from
    :func:`_chained`) of another site's events after the dispatcher's fan-out: none, A's
    queued events included.

    The fan-out is the deployment's: it takes every site's queued events (those of earlier
    tests too). The deliveries it makes are deleted afterwards, with A's and B's webhooks, so
    that no later test's dispatcher finds them."""
    d, e, w = webhook_deliveries, domain_events, webhooks
    every_delivery = sa.select(d.c.site_id, d.c.id)
    async with services.db.connect_for_read() as conn:
        earlier = {(str(r.site_id), str(r.id)) for r in await conn.execute(every_delivery)}
    dispatcher = Dispatcher(services.db)
    while await dispatcher.fan_out():
        pass
    await dispatcher.aclose()
    b_hooks = sa.select(w.c.id).where(w.c.site_id == b.keys.site_id)
    own_events = sa.select(e.c.id).where(e.c.site_id == b.keys.site_id)
    stmt = sa.select(d.c.site_id, d.c.event_id).where(
        sa.or_(d.c.webhook_id.in_(b_hooks), d.c.site_id == b.keys.site_id)
    )
    sites = [a.keys.site_id, b.keys.site_id]
    async with services.db.connect_for_read() as conn:
        rows = (await conn.execute(stmt)).all()
        own = set((await conn.execute(own_events)).scalars().all())
        hooks = await conn.execute(sa.select(w.c.site_id, w.c.id).where(w.c.site_id.in_(sites)))
        hooks_of_both = hooks.all()
        made = {(str(r.site_id), str(r.id)) for r in await conn.execute(every_delivery)} - earlier
    async with services.db.connect_for_write() as conn:
        for site, delivery in made:
            await conn.execute(sa.delete(d).where(d.c.site_id == site, d.c.id == delivery))
    for site, hook in hooks_of_both:
        await webhook_service.delete_webhook(services.db, site, hook)
    assert rows, "B's webhook got none of B's own events: the check would prove nothing"
    return {f"{site}/{event}" for site, event in rows if site != b.keys.site_id or event not in own}


@pytest.fixture
def private_webhooks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ALLOW_PRIVATE_ENV, "1")  # A's webhook points at a local address


async def test_another_sites_credentials_reach_nothing_of_this_site(
    app: Any, client: httpx.AsyncClient, services: Services, private_webhooks: None
) -> None:
    a = await site_a(client, services)
    b = await site_b(client, services)
    before = await snapshot(services, a.keys.site_id)
    made = overrides(a)
    m = Matrix(a)
    seen: set[str] = set()
    started = time.monotonic()
    async with signed_in(client, b.keys) as dashboard:
        token = csrf(services, dashboard)
        for case in cases(app, skip_methods={method.name for method in echo_router.methods}):
            if exemption(case) is not None:
                m.exempt.add(exempt_key(case))
                continue
            try:
                path = fill(case, a, b)
            except AssertionError as missing:
                m.problems.append(str(missing))
                continue
            if case.method is not None:
                canonical = case.method.name not in seen
                seen.add(case.method.name)
                body = message(case.method, a, made)
                await _api(m, client, case, path, b, body, canonical)
            elif case.template.startswith(DASHBOARD):
                await _page(m, dashboard, case, path, "dashboard session", token)
            elif case.template.startswith((PUBLIC_PAGES, PAYMENT_PAGES)):
                await _page(m, client, case, path, "visitor (booking pages, B's slug)")
            else:
                m.problems.append(f"{case}: a page of no known kind: exempt it or teach the matrix")
    await _chained(m, client, a, b)
    after = await snapshot(services, a.keys.site_id)
    changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
    fanned_out = await _fanned_out_to(services, a, b)  # after the snapshot: it writes A's rows
    elapsed = time.monotonic() - started
    calls = sum(m.statuses.values())
    print(f"tenant matrix: {calls} calls, {len(m.exempt)} exempt routes, {elapsed:.1f} s")
    print(f"tenant matrix statuses: {dict(sorted(m.statuses.items()))}")
    assert not m.problems, "\n".join(m.problems)
    assert not changed, f"rows of site A changed: {changed}"
    assert not fanned_out, f"B's webhook got events of another site: {fanned_out}"
    assert calls > 900  # ~940 today: every alias, and the other credentials
    stale = set(EXEMPT) - m.exempt - OPTIONAL_ROUTES
    assert not stale, f"exemptions of routes the app no longer has: remove them: {stale}"


def test_a_route_without_an_id_for_its_parameter_fails_the_matrix() -> None:
    """A new route whose parameter the matrix has no id for fails the test (it says which)."""
    app = FastAPI()

    @app.get("/v9/widgets/{widgetId}")
    async def widget(widgetId: str) -> dict[str, str]:
        return {}

    [case] = [c for c in cases(app) if c.template.startswith("/v9/")]
    nobody = Tenant(SiteKeys("a", "a", "a", "a"), "a", "a")
    with pytest.raises(AssertionError, match=r"add an id for \{widgetId\}"):
        fill(case, nobody, nobody)


#: Methods the second test leaves out: they take away B's records (no link to make).
_TAKING_AWAY = re.compile(r"delete|remove|cancel|decline|trash", re.IGNORECASE)


async def test_records_of_another_site_cannot_be_linked_to(
    app: Any, client: httpx.AsyncClient, services: Services, private_webhooks: None
) -> None:
    """B's own records (named in the path) and B's creates, pointed at A's records (named in
    the body): refused, or done without A's id; A's rows unchanged, and no row of B's names a
    record of A's (but the free references of :func:`tests.tenant_bodies.free_references`).
    Each method's canonical path, with B's first credential it admits; the links
    (:func:`tests.tenant_bodies.links`) first, on B's records as built, then every other
    method with its matrix request."""
    a = await site_a(client, services)
    b = await site_b(client, services)
    before = await snapshot(services, a.keys.site_id)
    made, linking = overrides(a), links(a, b)
    m = Matrix(a, free=free_references(a))
    canonical: dict[str, Case] = {}
    for case in cases(app, skip_methods={method.name for method in echo_router.methods}):
        method = case.method
        if method is None or method.roles is None or method.name in canonical:
            continue
        canonical[method.name] = case
    linked = [canonical[name] for name in linking]
    rest = [
        c
        for name, c in canonical.items()
        if name not in linking
        and c.verb != "DELETE"
        and not _TAKING_AWAY.search(name)
        and exemption(c) is None
    ]
    for case in [*linked, *rest]:
        assert case.method is not None
        path = fill(case, b, b)
        who, headers = _credentials(case, b, canonical=False)[0]
        for body in linking.get(case.method.name) or [message(case.method, a, made)]:
            if CURRENT in json.dumps(body):
                revision = await current_revision(services, b.keys.site_id, path_ids(case, b)[0])
                body = json.loads(
                    json.dumps(body).replace(json.dumps(CURRENT), json.dumps(revision))
                )
            res = await _api_call(client, case, path, headers, body)
            m.check(case, who, res, path + json.dumps(body), set(range(200, 500)) | {501})
    after = await snapshot(services, a.keys.site_id)
    changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
    assert not m.problems, "\n".join(m.problems)
    assert not changed, f"rows of site A changed: {changed}"
    naming = await rows_naming(services, b.keys.site_id, a.all_ids - m.free)
    assert not naming, f"rows of B name records of A: {naming}"
