"""The two sites of the tenant isolation tests (tests/test_tenant_isolation.py): each with at
least one record of every kind a route takes the id of, made through HTTP as its admin, and
credentials of every kind (admin and app keys, visitor and member tokens).

Every name, e-mail and text of site A carries :data:`MARK` (B's, :data:`MARK_B`), so that an
answer showing any of A's records is found by one substring scan; and the ids of all A's rows
are gathered (:attr:`Tenant.all_ids`) for the same scan. :func:`snapshot` reads every row of
a site, to compare before and after.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx
import sqlalchemy as sa

import bookings.models  # noqa: F401  (every slice's tables)
from bookings.identity import service as identity
from bookings.platform.auth import Role
from bookings.platform.db import metadata
from bookings.platform.routing import Services
from tests.booking.conftest import (
    Catalog,
    appointment_booking,
    class_booking,
    course_booking,
    created,
    next_monday,
)
from tests.conftest import SiteKeys
from tests.helpers import ok

#: In every text of site A: an answer containing it shows a record of A.
MARK = f"tenant-a-{uuid.uuid4().hex[:10]}"
#: In every text of site B (its own records, which its answers may show).
MARK_B = f"tenant-b-{uuid.uuid4().hex[:10]}"
APP_ID = "13d21c63-b5ec-5912-8397-c3a5ddb27a97"
#: A create of A's sent with an idempotency key (B sends the same key: it must not replay it).
IDEMPOTENCY_KEY = "tenant-matrix-key"
KEYED_POLICY = {"bookingPolicy": {"name": "Keyed"}}
CONTACT_ID = "c0a7ac70-0000-4000-8000-0000000000a1"
MEMBER_ID = "5e1f0000-0000-4000-8000-0000000000a1"


@dataclass
class Tenant:
    """A site, its credentials, and the id of one record of each kind."""

    keys: SiteKeys
    slug: str
    key_id: str
    visitor: str = ""
    member: str = ""
    #: Kind of record (``booking``, ``service``...) -> the id of one such record.
    ids: dict[str, str] = field(default_factory=dict)
    #: Every id of this site's records (the scan of the answers looks for them).
    all_ids: set[str] = field(default_factory=set)
    day: date = field(default_factory=next_monday)
    #: The slugs of its services.
    slugs: list[str] = field(default_factory=list)
    #: The anonymous action token of a booking (the customer pages' address).
    anonymous_token: str = ""

    def add(self, kind: str, value: str) -> str:
        self.ids.setdefault(kind, value)
        self.all_ids.add(value)
        return value


async def _site(services: Services, name: str) -> Tenant:
    site = await identity.create_site(services.db, name, "UTC")
    admin, admin_key = await identity.create_api_key(services.db, site.site_id, Role.ADMIN)
    _, app_key = await identity.create_api_key(services.db, site.site_id, Role.APP)
    keys = SiteKeys(site.site_id, site.client_id, admin_key, app_key)
    return Tenant(keys, site.slug, admin.id)


async def _token(client: httpx.AsyncClient, keys: SiteKeys, member_id: str | None) -> str:
    if member_id is None:
        body = {"grantType": "anonymous", "clientId": keys.client_id}
        return str(ok(await client.post("/oauth2/token", json=body))["access_token"])
    body = {"grantType": "member", "memberId": member_id}
    res = await client.post("/oauth2/token", json=body, headers=keys.admin)
    return str(ok(res)["access_token"])


async def site_a(client: httpx.AsyncClient, services: Services) -> Tenant:
    """Site A: every text carries :data:`MARK`; one create sent with the idempotency key."""
    return await populated_site(client, services, MARK, MEMBER_ID, CONTACT_ID, keyed=True)


async def site_b(client: httpx.AsyncClient, services: Services) -> Tenant:
    """The other site, with records of its own (texts marked :data:`MARK_B`)."""
    return await populated_site(client, services, MARK_B, str(uuid.uuid4()), str(uuid.uuid4()))


async def populated_site(
    client: httpx.AsyncClient,
    services: Services,
    mark: str,
    member_id: str,
    contact_id: str,
    *,
    keyed: bool = False,
) -> Tenant:
    """A site with a record of every kind, each text carrying ``mark``; its visitor and
    member tokens. ``keyed``: one create sent with :data:`IDEMPOTENCY_KEY`."""
    a = await _site(services, f"Tenant {mark}")
    a.all_ids.update({a.keys.site_id, a.keys.client_id, a.key_id})
    a.visitor = await _token(client, a.keys, None)
    a.member = await _token(client, a.keys, member_id)
    a.add("member", member_id)
    h = a.keys.admin
    cat = Catalog(client, h)

    async def post(path: str, body: dict[str, Any], headers: dict[str, str] = h) -> Any:
        return ok(await client.post(path, json=body, headers=headers))

    policy = {
        "name": f"Policy {mark}",
        "waitlistPolicy": {"enabled": True, "capacity": 5, "reservationTimeInMinutes": 10},
        "participantsPolicy": {"maxParticipantsPerBooking": 5},
        "cancellationPolicy": {"enabled": True, "limitLatestCancellation": False},
    }
    policy_id = a.add(
        "policy",
        (await post("/bookings/v1/booking-policies", {"bookingPolicy": policy}))["bookingPolicy"][
            "id"
        ],
    )
    staff = (await post("/bookings/v1/staff-members", {"staffMember": {"name": f"Ana {mark}"}}))[
        "staffMember"
    ]
    a.add("staff", staff["id"])
    a.add("staff_resource", staff["resourceId"])
    resource = (await post("/bookings/v2/resources", {"resource": {"name": f"Room {mark}"}}))[
        "resource"
    ]
    a.add("resource", resource["id"])
    ben = (await post("/bookings/v1/staff-members", {"staffMember": {"name": f"Ben {mark}"}}))[
        "staffMember"
    ]
    a.add("staff", ben["id"])
    a.add("staff_resource", ben["resourceId"])
    massage = await cat.appointment(
        [staff["resourceId"], ben["resourceId"]],
        name=f"Massage {mark}",
        bookingPolicy={"id": policy_id},
    )
    colour = await cat.appointment(
        [staff["resourceId"], ben["resourceId"]],
        name=f"Colour {mark}",
        bookingPolicy={"id": policy_id},
        schedule={"availabilityConstraints": {"sessionDurations": [30], "timeBetweenSessions": 0}},
    )
    yoga = await cat.group(
        "CLASS", capacity=1, name=f"Yoga {mark}", bookingPolicy={"id": policy_id}
    )
    course = await cat.group("COURSE", capacity=5, name=f"Pottery {mark}")
    for svc in (massage, colour, yoga, course):
        a.slugs.append(svc["mainSlug"]["name"])
        a.add("service", svc["id"])
        a.add("schedule", svc["schedule"]["id"])
    a.ids["class_service"], a.ids["class_schedule"] = yoga["id"], yoga["schedule"]["id"]
    a.ids["colour"] = colour["id"]
    day = a.day
    session = await cat.session(yoga, day, capacity=1, weekly_until=day + timedelta(days=21))
    a.add("event", session["id"])
    a.add("event", (await cat.session(course, day, "10:00", "11:00"))["id"])
    group = {"name": f"Extras {mark}", "addOnIds": [str(uuid.uuid4())]}
    body = {"serviceId": massage["id"], "addOnGroup": group}
    a.add(
        "add_on_group",
        (await post("/_api/bookings/v2/services/add-on-groups/create", body))["addOnGroup"]["id"],
    )

    contact = {
        "contactId": contact_id,
        "firstName": f"Jo {mark}",
        "lastName": mark,
        "email": f"{mark}@example.com",
    }
    massage_booking = appointment_booking(
        massage,
        day,
        resource=staff["resourceId"],
        contactDetails=contact,
        selectedPaymentOption="OFFLINE",
    )
    appointment = await created(client, h, massage_booking)
    a.add("booking", appointment["id"])
    a.add("contact", contact_id)
    klass = await created(
        client, {"Authorization": a.member}, class_booking(yoga, session, contactDetails=contact)
    )
    a.add("booking", klass["id"])
    a.ids["class_booking"] = klass["id"]
    a.add(
        "booking", (await created(client, h, course_booking(course, contactDetails=contact)))["id"]
    )
    waiting = await post(
        "/bookings/v1/waitlist/register",
        {"booking": class_booking(yoga, session, contactDetails=contact)},
    )
    a.add("waitlisted", waiting["booking"]["id"])
    package = (
        await post(
            "/_api/bookings-service/v2/multi_service_bookings",
            {
                "bookings": [
                    appointment_booking(massage, day, "13:00", "14:00", contactDetails=contact),
                    appointment_booking(colour, day, "14:00", "14:30", contactDetails=contact),
                ],
                "returnFullEntity": True,
            },
        )
    )["multiServiceBooking"]
    a.add("multi_service_booking", package["id"])
    for child in package["bookings"]:
        a.add("booking", child["bookingId"])
    attendance = {"bookingId": klass["id"], "status": "ATTENDED"}
    a.add(
        "attendance",
        (await post("/bookings/bookings-attendance/set", {"attendance": attendance}))["attendance"][
            "id"
        ],
    )

    line = {
        "quantity": 1,
        "catalogReference": {"catalogItemId": appointment["id"], "appId": APP_ID},
    }
    # An open checkout first (the one the routes name), then the ones ordered.
    opened = await post("/ecom/v1/checkouts", {"lineItems": [line], "channelType": "WEB"})
    a.add("checkout", opened["checkout"]["id"])
    checkout = (await post("/ecom/v1/checkouts", {"lineItems": [line], "channelType": "WEB"}))[
        "checkout"
    ]
    a.add("checkout", checkout["id"])
    for item in checkout.get("lineItems") or []:
        a.add("line_item", item["id"])
    order = await post(f"/ecom/v1/checkouts/{checkout['id']}/create-order", {})
    a.add("order", order["orderId"])
    online = appointment_booking(
        massage, day, "15:00", "16:00", contactDetails=contact, selectedPaymentOption="ONLINE"
    )
    paid_online = await created(client, h, online)
    a.add("booking", paid_online["id"])
    line = {
        "quantity": 1,
        "catalogReference": {"catalogItemId": paid_online["id"], "appId": APP_ID},
    }
    checkout = (await post("/ecom/v1/checkouts", {"lineItems": [line], "channelType": "WEB"}))[
        "checkout"
    ]
    a.add("checkout", checkout["id"])
    placed = await post(f"/ecom/v1/checkouts/{checkout['id']}/create-order", {})
    a.add("order", placed["orderId"])
    a.add("payment", placed["paymentGatewayOrderId"])

    hook = {"url": f"http://127.0.0.1:9/{mark}", "eventTypes": [], "format": "STANDARD"}
    a.add(
        "webhook",
        (await post("/_api/bookings-server/v1/webhooks", {"webhook": hook}))["webhook"]["id"],
    )
    template = {"template": {"body": f"Thanks {mark}"}}
    ok(
        await client.put(
            "/_api/bookings-server/v1/notifications/templates/created.subject",
            json=template,
            headers=h,
        )
    )
    a.ids["template"] = "created.subject"
    await post("/_api/bookings-server/v1/calendar-feeds/rotate", {})
    await post("/_api/bookings-server/v1/calendar-feeds/rotate", {"staffMemberId": staff["id"]})
    res = await client.get(f"/v1/anonymous-bookings/{appointment['id']}/token", headers=h)
    a.anonymous_token = str(ok(res)["token"])
    if keyed:
        with_key = {"Idempotency-Key": IDEMPOTENCY_KEY, **h}
        res = await client.post(
            "/bookings/v1/booking-policies", json=KEYED_POLICY, headers=with_key
        )
        a.add("keyed_policy", ok(res)["bookingPolicy"]["id"])
    await _collect_ids(services, a)
    return a


async def _collect_ids(services: Services, a: Tenant) -> None:
    """The id of every row of A (and its contacts' ids), so that the scan of the answers finds
    any of A's records, not only the ones named above. (Not the other ``*_id`` columns: some
    hold ids every site shares, such as the staff resource type's.)"""
    for table in metadata.sorted_tables:
        if "site_id" not in table.c:
            continue
        columns = [c for c in table.c if c.name in ("id", "contact_id")]
        if not columns:
            continue
        async with services.db.connect_for_read() as conn:
            rows = (
                await conn.execute(sa.select(*columns).where(table.c.site_id == a.keys.site_id))
            ).all()
        for row in rows:
            for value in row:
                if isinstance(value, str) and len(value) >= 16:
                    a.all_ids.add(value)


async def snapshot(services: Services, site_id: str) -> dict[str, list[str]]:
    """Every row of the site, table by table (sorted, as text): compared before and after."""
    out: dict[str, list[str]] = {}
    for table in metadata.sorted_tables:
        if "site_id" not in table.c:
            continue
        async with services.db.connect_for_read() as conn:
            rows = (await conn.execute(sa.select(table).where(table.c.site_id == site_id))).all()
        out[table.name] = sorted(repr(tuple(row)) for row in rows)
    return out


async def rows_naming(services: Services, site_id: str, ids: set[str]) -> dict[str, list[str]]:
    """The rows of the site, table by table, whose text holds one of ``ids``."""
    out: dict[str, list[str]] = {}
    for table, rows in (await snapshot(services, site_id)).items():
        found = [row for row in rows if any(i in row for i in ids)]
        if found:
            out[table] = found
    return out


async def current_revision(services: Services, site_id: str, record_id: str) -> str:
    """The revision of the site's record with this id (in whichever table has it)."""
    for table in metadata.sorted_tables:
        if not {"site_id", "id", "revision"} <= set(table.c.keys()):
            continue
        stmt = sa.select(table.c.revision).where(
            table.c.site_id == site_id, table.c.id == record_id
        )
        async with services.db.connect_for_read() as conn:
            found = (await conn.execute(stmt)).scalar()
        if found is not None:
            return str(found)
    raise AssertionError(f"no record {record_id} with a revision on site {site_id}")
