"""The official Wix JavaScript SDK against a real ``bookings serve``: an app written with
``@wix/sdk`` and the Bookings and eCommerce modules works unchanged when its ``fetch`` swaps
the origin.

The Node scripts next to this file (``single.mjs``, ``multi.mjs``, ``webhook.mjs``,
``ecom.mjs``; ``lib.mjs`` makes the client) print what the SDK returned and every call it made
as JSON; the tests build the data through our REST API and check that output. The pinned SDK
packages are installed with ``npm ci`` on first use and again whenever ``package-lock.json``
changes.

Without ``node``/``npm`` the tests skip, unless ``BOOKINGS_TEST_REQUIRE_NODE`` is set (CI).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bookings.platform.constants import BOOKINGS_APP_ID
from bookings.webhooks import wix_format
from tests.helpers import ok
from tests.serving import serving

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent
STAMP = HERE / "node_modules" / ".bookings-lock-sha256"
REQUIRE_NODE = bool(os.environ.get("BOOKINGS_TEST_REQUIRE_NODE"))
TIME_ZONE = "Europe/London"
WORKDAY = "TUESDAY"  # the staff member's one working day, 10:00-14:00
PRICE = "80.00"  # the Consultation's price, USD


def _need(reason: str) -> None:
    if REQUIRE_NODE:
        pytest.fail(f"{reason} (BOOKINGS_TEST_REQUIRE_NODE is set)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def node() -> str:
    """``node``, with the SDK packages of ``package-lock.json`` installed next to this file."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not (node and npm):
        _need("the SDK check needs node (18 or newer) and npm on PATH")
        raise AssertionError  # unreachable: _need skips or fails
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout
    if int(version.strip().lstrip("v").split(".")[0]) < 18:
        _need(f"the SDK check needs node 18 or newer, found {version.strip()}")
    lock = hashlib.sha256((HERE / "package-lock.json").read_bytes()).hexdigest()
    if not STAMP.exists() or STAMP.read_text() != lock:
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=HERE,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, f"npm ci failed:\n{done.stdout}\n{done.stderr}"
        STAMP.write_text(lock)
    return node


@dataclass
class Site:
    base: str
    site_id: str
    key: str
    log: Path


@dataclass
class Slot:
    """An appointment slot as the scripts book it (see ``appointment`` in ``lib.mjs``)."""

    serviceId: str
    scheduleId: str
    startDate: str
    endDate: str
    timezone: str
    resourceId: str


@dataclass
class Catalog:
    staff_id: str  # the staff member's resource id
    massage: dict[str, Any]  # 60 minutes
    facial: dict[str, Any]  # 30 minutes
    consultation: dict[str, Any]  # 60 minutes, a fixed price of PRICE USD, paid in person
    first_day: date  # a working day ahead


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A server of its own (SQLite) with one empty site and its ADMIN key."""
    tmp = tmp_path_factory.mktemp("sdk")
    site_id, key = str(uuid.uuid4()), f"sdk-{uuid.uuid4().hex}"
    env = {
        "BOOKINGS_DATA_DIR": str(tmp),
        "BOOKINGS_DATABASE_URL": "",
        "BOOKINGS_SITE_ID": site_id,
        "BOOKINGS_ADMIN_API_KEY": key,
        "BOOKINGS_SITE_TIME_ZONE": TIME_ZONE,
    }
    log = tmp / "serve.log"
    with serving(env, log=log) as (base, _):
        yield Site(base, site_id, key, log)


@pytest.fixture(scope="module")
def catalog(site: Site) -> Catalog:
    """A staff member working Tuesdays 10:00-14:00 (own hours) and three appointment services
    she gives (two free, one priced), made through our REST API."""
    headers = {"Authorization": site.key, "wix-site-id": site.site_id}
    with httpx.Client(base_url=site.base, headers=headers, timeout=30) as http:

        def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
            return ok(http.post(path, json=body))

        body = {"staffMember": {"name": "Ana"}, "fields": ["RESOURCE_DETAILS"]}
        ana = post("/bookings/v1/staff-members", body)["staffMember"]
        own = ana["resource"]["eventsSchedule"]["id"]
        post(
            f"/bookings/v1/staff-members/{ana['id']}/assign-working-hours-schedule",
            {"scheduleId": own},
        )
        today = date.today()
        tuesday = today + timedelta(days=(1 - today.weekday()) % 7 + 7)
        event = {
            "scheduleId": own,
            "type": "WORKING_HOURS",
            "start": {"localDate": f"{tuesday}T10:00:00"},
            "end": {"localDate": f"{tuesday}T14:00:00"},
            "recurrenceRule": {"frequency": "WEEKLY", "interval": 1, "days": [WORKDAY]},
        }
        post("/calendar/v3/events", {"event": event})

        def service(name: str, minutes: int, price: str | None = None) -> dict[str, Any]:
            payment: dict[str, Any] = {"rateType": "NO_FEE", "options": {"inPerson": True}}
            if price is not None:
                payment = {
                    "rateType": "FIXED",
                    "fixed": {"price": {"value": price, "currency": "USD"}},
                    "options": {"online": False, "inPerson": True},
                }
            svc = {
                "type": "APPOINTMENT",
                "name": name,
                "defaultCapacity": 1,
                "onlineBooking": {"enabled": True},
                "payment": payment,
                "schedule": {"availabilityConstraints": {"sessionDurations": [minutes]}},
                "staffMemberIds": [ana["resourceId"]],
                "locations": [
                    {"type": "CUSTOM", "custom": {"address": {"formattedAddress": "1 Main St"}}}
                ],
            }
            return dict(post("/bookings/v2/services", {"service": svc})["service"])

        return Catalog(
            ana["resourceId"],
            service("Massage", 60),
            service("Facial", 30),
            service("Consultation", 60, PRICE),
            tuesday,
        )


def free_slot(
    site: Site, catalog: Catalog, day: date, service: dict[str, Any] | None = None
) -> Slot:
    """The first free slot of ``service`` (Massage unless given) on ``day``, as our Time
    Slots API lists it."""
    service = service or catalog.massage
    body = {
        "serviceId": service["id"],
        "fromLocalDate": f"{day}T00:00:00",
        "toLocalDate": f"{day + timedelta(days=1)}T00:00:00",
    }
    headers = {"Authorization": site.key}
    res = ok(
        httpx.post(
            f"{site.base}/_api/service-availability/v2/time-slots", json=body, headers=headers
        )
    )
    first = res["timeSlots"][0]
    return Slot(
        service["id"],
        service["schedule"]["id"],
        first["localStartDate"],
        first["localEndDate"],
        res["timeZone"],
        catalog.staff_id,
    )


def run_script(node: str, site: Site, script: str, given: dict[str, Any]) -> dict[str, Any]:
    """What ``node script`` printed (one JSON document); fails on an SDK error."""
    env = {
        **os.environ,
        "BOOKINGS_SDK_ORIGIN": site.base,
        "BOOKINGS_SDK_API_KEY": site.key,
        "BOOKINGS_SDK_SITE_ID": site.site_id,
        "BOOKINGS_SDK_INPUT": json.dumps(given),
    }
    done = subprocess.run(
        [node, script], cwd=HERE, env=env, capture_output=True, text=True, timeout=60
    )
    try:
        printed: dict[str, Any] = json.loads(done.stdout)
    except json.JSONDecodeError:
        raise AssertionError(f"{script} printed no JSON:\n{done.stdout}\n{done.stderr}") from None
    assert "error" not in printed and done.returncode == 0, json.dumps(printed, indent=2)
    return printed


def check_calls(printed: dict[str, Any], site: Site) -> list[tuple[str, str, int]]:
    """Every call went to www.wixapis.com (redirected to us) with the key and site id as the
    SDK's ApiKeyStrategy sends them; returns (method, path, status) of each."""
    for call in printed["calls"]:
        assert call["host"] == "www.wixapis.com", call
        assert call["headers"]["authorization"] == site.key, call
        assert call["headers"]["wix-site-id"] == site.site_id, call
        if call["method"] != "GET":  # a GET carries no body
            assert call["headers"]["content-type"] == "application/json", call
        assert call["requestId"], call
    return [(c["method"], c["path"], c["status"]) for c in printed["calls"]]


def test_sdk_single_booking(node: str, site: Site, catalog: Catalog) -> None:
    slot = free_slot(site, catalog, catalog.first_day)
    assert slot.startDate == f"{catalog.first_day}T10:00:00"  # her hours start at 10:00
    printed = run_script(node, site, "single.mjs", {"slot": asdict(slot)})
    seen = printed["result"]

    created = seen["created"]
    booking_id = created["_id"]
    assert booking_id and "id" not in created  # the SDK renames id to _id
    assert (created["status"], created["revision"]) == ("CREATED", "1")
    assert created["bookedEntity"]["slot"]["startDate"] == slot.startDate
    assert created["bookedEntity"]["slot"]["resource"]["_id"] == catalog.staff_id

    assert [(b["_id"], b["status"], b["revision"]) for b in seen["found"]] == [
        (booking_id, "CREATED", "1")
    ]

    canceled = seen["canceled"]
    assert (canceled["_id"], canceled["status"], canceled["revision"]) == (
        booking_id,
        "CANCELED",
        "2",
    )

    stale = seen["staleCancel"]
    assert stale is not None, "cancelling with the old revision did not throw"
    assert (stale["status"], stale["code"]) == (409, "REVISION_MISMATCH"), stale
    assert stale["requestId"], stale

    assert check_calls(printed, site) == [
        ("POST", "/_api/bookings-service/v2/bookings", 200),
        ("POST", "/_api/bookings-reader/v2/extended-bookings/query", 200),
        ("POST", f"/_api/bookings-service/v2/bookings/{booking_id}/cancel", 200),
        ("POST", f"/_api/bookings-service/v2/bookings/{booking_id}/cancel", 409),
    ]


def test_sdk_multi_service_booking(node: str, site: Site, catalog: Catalog) -> None:
    day = catalog.first_day + timedelta(days=7)  # a day the single test leaves alone
    massage = free_slot(site, catalog, day)
    facial = Slot(
        catalog.facial["id"],
        catalog.facial["schedule"]["id"],
        massage.endDate,  # back to back: the facial starts when the massage ends
        massage.endDate[:11] + "11:30:00",
        massage.timezone,
        catalog.staff_id,
    )
    assert (massage.startDate[11:], massage.endDate[11:]) == ("10:00:00", "11:00:00")
    printed = run_script(node, site, "multi.mjs", {"slots": [asdict(massage), asdict(facial)]})
    seen = printed["result"]

    msb_id = seen["created"]["_id"]
    assert msb_id
    wanted = [catalog.massage["id"], catalog.facial["id"]]
    for stage, status in (("created", "CREATED"), ("fetched", "CREATED"), ("canceled", "CANCELED")):
        msb = seen[stage]
        assert msb["_id"] == msb_id, stage
        children = [result["booking"] for result in msb["bookings"]]
        assert [b["bookedEntity"]["slot"]["serviceId"] for b in children] == wanted, stage
        assert [b["status"] for b in children] == [status, status], stage
        for child in children:
            assert child["multiServiceBookingInfo"]["_id"] == msb_id, stage
            assert child["multiServiceBookingInfo"]["type"] == "SEQUENTIAL_BOOKINGS", stage
    check_calls(printed, site)


#: The keys the SDK renames in what it hands an app (``id`` becomes ``_id``, ...).
SDK_RENAMES = {"id": "_id", "createdDate": "_createdDate", "updatedDate": "_updatedDate"}


def as_sdk(value: Any) -> Any:
    """A REST document as the SDK hands it to an app (:data:`SDK_RENAMES`, at every depth)."""
    if isinstance(value, dict):
        return {SDK_RENAMES.get(k, k): as_sdk(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_sdk(v) for v in value]
    return value


def test_sdk_webhook_booking_created(node: str, site: Site, catalog: Catalog) -> None:
    """A booking_created event of our outbox, signed in Wix's webhook format, reaches an
    SDK app's ``bookings.onBookingCreated`` handler (``AppStrategy`` with our public key) as
    the booking our API returned."""
    slot = free_slot(site, catalog, catalog.first_day + timedelta(days=14))
    headers = {"Authorization": site.key, "wix-site-id": site.site_id}
    with httpx.Client(base_url=site.base, headers=headers, timeout=30) as http:
        booked = {
            "booking": {
                "bookedEntity": {
                    "slot": {
                        "serviceId": slot.serviceId,
                        "scheduleId": slot.scheduleId,
                        "startDate": slot.startDate,
                        "endDate": slot.endDate,
                        "timezone": slot.timezone,
                        "resource": {"id": slot.resourceId},
                        "location": {"locationType": "OWNER_CUSTOM"},
                    }
                },
                "contactDetails": {"firstName": "Hook", "email": "hook@example.com"},
                "totalParticipants": 1,
            }
        }
        booking = ok(http.post("/bookings/v2/bookings", json=booked))["booking"]
        feed = ok(
            http.get("/_api/bookings-server/v1/domain-events", params={"entityId": booking["id"]})
        )
    [event] = [e for e in feed["events"] if e["slug"] == "created"]
    assert event["createdEvent"]["entity"] == booking

    private, public = wix_format.generate_key_pair()
    _, other_public = wix_format.generate_key_pair()
    given = {
        "body": wix_format.wix_body(event, site.site_id, private),
        "appId": BOOKINGS_APP_ID,
        "publicKey": public,
        "otherPublicKey": other_public,
    }
    seen = run_script(node, site, "webhook.mjs", given)["result"]

    [handled] = seen["handled"]
    assert handled["entity"] == as_sdk(booking)
    assert handled["entity"]["_id"] == booking["id"]
    identity = {"identityType": "WIX_USER", "wixUserId": booking["createdBy"]["wixUserId"]}
    account = {"accountId": wix_format.account_id(site.site_id), "siteId": site.site_id}
    assert handled["metadata"] == {
        "instanceId": wix_format.instance_id(site.site_id),
        "identity": identity,
        "accountInfo": account,
        "_id": event["id"],
        "entityFqdn": "wix.bookings.v2.booking",
        "slug": "created",
        "entityId": booking["id"],
        "eventTime": event["eventTime"],
        "triggeredByAnonymizeRequest": False,
        "entityEventSequence": "1",
    }
    assert seen["processed"] == {
        "eventType": "wix.bookings.v2.booking_created",
        "instanceId": wix_format.instance_id(site.site_id),
        "identity": identity,
        "accountInfo": account,
    }
    assert seen["otherKey"] is not None, "a body signed with another key was accepted"
    assert seen["otherKeyHandled"] == 0


def test_sdk_ecom_checkout_and_order(node: str, site: Site, catalog: Catalog) -> None:
    """A booking to pay offline, made with the bookings module, sold through the checkout
    module: Create Checkout with the booking as its line item, then Create Order; the orders
    module reads the order back (approved, not paid), the checkout is completed and the
    booking confirmed."""
    day = catalog.first_day + timedelta(days=21)  # a day the other tests leave alone
    slot = free_slot(site, catalog, day, catalog.consultation)
    assert (slot.startDate, slot.timezone) == (f"{day}T10:00:00", TIME_ZONE)
    printed = run_script(node, site, "ecom.mjs", {"slot": asdict(slot), "appId": BOOKINGS_APP_ID})
    seen = printed["result"]

    booked = seen["booked"]
    booking_id = booked["_id"]
    assert (booked["status"], booked["selectedPaymentOption"]) == ("CREATED", "OFFLINE")

    co = seen["checkout"]
    checkout_id = co["_id"]
    assert checkout_id and "id" not in co  # the SDK hands back the checkout, ids as _id
    [item] = co["lineItems"]
    usd = {
        "amount": PRICE,
        "convertedAmount": PRICE,
        "formattedAmount": f"${PRICE}",
        "formattedConvertedAmount": f"${PRICE}",
    }
    assert {
        "catalogReference": item["catalogReference"],
        "quantity": item["quantity"],
        "productName": item["productName"]["original"],
        "price": item["price"],
        "paymentOption": item["paymentOption"],
        "availability": item["availability"]["status"],
        "serviceProperties": item["serviceProperties"],
        "total": co["priceSummary"]["total"]["amount"],
        "payNow": co["payNow"]["total"]["amount"],
        "payLater": co["payLater"]["total"]["amount"],
        "currency": co["currency"],
        "channelType": co["channelType"],
        "completed": co["completed"],
        "violations": co["violations"],
    } == {
        "catalogReference": {"catalogItemId": booking_id, "appId": BOOKINGS_APP_ID},
        "quantity": 1,
        "productName": "Consultation",
        "price": usd,
        "paymentOption": "FULL_PAYMENT_OFFLINE",
        "availability": "AVAILABLE",
        "serviceProperties": {  # timestamps: the SDK made them Dates (London is on UTC)
            "numberOfParticipants": 1,
            "scheduledDate": f"{day}T10:00:00.000Z",
            "endDate": f"{day}T11:00:00.000Z",
        },
        "total": PRICE,
        "payNow": "0.00",
        "payLater": PRICE,
        "currency": "USD",
        "channelType": "WEB",
        "completed": False,
        "violations": [],
    }
    assert item["_id"]

    order_id = seen["ordered"]["orderId"]
    assert seen["ordered"] == {"orderId": order_id} and order_id
    order = seen["order"]
    [ordered_item] = order["lineItems"]
    assert {
        "_id": order["_id"],
        "checkoutId": order["checkoutId"],
        "status": order["status"],
        "paymentStatus": order["paymentStatus"],
        "total": order["priceSummary"]["total"]["amount"],
        "balance": order["balanceSummary"]["balance"]["amount"],
        "catalogReference": ordered_item["catalogReference"],
        "lineItemId": ordered_item["_id"],
        "paymentOption": ordered_item["paymentOption"],
    } == {
        "_id": order_id,
        "checkoutId": checkout_id,
        "status": "APPROVED",
        "paymentStatus": "NOT_PAID",
        "total": PRICE,
        "balance": PRICE,
        "catalogReference": {"catalogItemId": booking_id, "appId": BOOKINGS_APP_ID},
        "lineItemId": item["_id"],
        "paymentOption": "FULL_PAYMENT_OFFLINE",
    }
    assert (seen["completed"]["_id"], seen["completed"]["completed"]) == (checkout_id, True)
    assert [(b["_id"], b["status"], b["paymentStatus"]) for b in seen["found"]] == [
        (booking_id, "CONFIRMED", "NOT_PAID")
    ]

    assert check_calls(printed, site) == [
        ("POST", "/_api/bookings-service/v2/bookings", 200),
        ("POST", "/ecom/v1/checkouts", 200),
        ("POST", f"/ecom/v1/checkouts/{checkout_id}/create-order", 200),
        ("GET", f"/ecom/v1/orders/{order_id}?id={order_id}", 200),
        ("GET", f"/ecom/v1/checkouts/{checkout_id}?id={checkout_id}", 200),
        ("POST", "/_api/bookings-reader/v2/extended-bookings/query", 200),
    ]
    bodies = [c["body"] for c in printed["calls"]]
    assert bodies[1] == {
        "lineItems": [
            {
                "catalogReference": {"appId": BOOKINGS_APP_ID, "catalogItemId": booking_id},
                "quantity": 1,
            }
        ],
        "channelType": "WEB",
    }
    assert bodies[2] == {"id": checkout_id}  # Create Order sends the id in its body too
