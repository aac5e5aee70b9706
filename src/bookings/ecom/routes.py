"""eCommerce Checkout and Orders, the booking subset (spec E.2, E.3), at the SDK's paths
(``/ecom/v1/...``) and their ``/_api/ecom/v1/...`` aliases. Methods of these services that
this server does not implement answer 501 where they are registered below."""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from bookings.ecom import service
from bookings.ecom.schemas import (
    AddToCheckoutRequest,
    CancelOrderRequest,
    CheckoutIdRequest,
    CreateCheckoutRequest,
    CreateOrderRequest,
    EcomOrderIdRequest,
    OrderIdRequest,
    RecordManualPaymentRequest,
    RemoveLineItemsRequest,
    SearchOrdersRequest,
    UpdateCheckoutRequest,
)
from bookings.platform import errors
from bookings.platform.auth import ANYONE, BACKEND
from bookings.platform.json_encoding import WireJSONResponse
from bookings.platform.routing import ApiRouter, Call, Services

router = ApiRouter("eCommerce")

# The SDK's meta.js maps: www.wixapis.com ``/ecom/v1/...``; the ``/_api`` gateway
# ``/_api/ecom-orders`` (orders), ``/_api/payments-collector`` and ``/_api/v1/payments-collector``
# (payments collector), ``/checkout-v1-proxy`` (checkout), each in front of the proto path.
checkouts = router.paths(
    "/ecom/v1/checkouts",
    "/_api/ecom/v1/checkouts",
    "/_api/checkout-v1-proxy/v1/checkouts",
)
orders = router.paths("/ecom/v1/orders", "/_api/ecom/v1/orders", "/_api/ecom-orders/v1/orders")
collector = router.paths(
    "/ecom/v1/payments-collector/orders",
    "/_api/ecom/v1/payments-collector/orders",
    "/_api/v1/payments-collector/orders",
    "/_api/payments-collector/v1/payments-collector/orders",
)


@router.method("createCheckout", "POST", checkouts(), roles=ANYONE, request=CreateCheckoutRequest)
async def create_checkout(call: Call, req: CreateCheckoutRequest) -> dict[str, Any]:
    """Create Checkout (booking line items)."""
    return await service.create_checkout(call.db, call.caller, req)


@router.method("getCheckout", "GET", checkouts("/{id}"), roles=ANYONE, request=CheckoutIdRequest)
async def get_checkout(call: Call, req: CheckoutIdRequest) -> dict[str, Any]:
    """Get Checkout."""
    return await service.get_checkout(call.db, call.caller, req.id)


@router.method(
    "getCheckoutUrl",
    "GET",
    checkouts("/{id}/checkout-url"),
    roles=ANYONE,
    request=CheckoutIdRequest,
)
async def get_checkout_url(call: Call, req: CheckoutIdRequest) -> dict[str, Any]:
    """Get Checkout URL."""
    return await service.get_checkout_url(
        call.db, call.caller, call.services.settings.public_url, req.id
    )


@router.method(
    "updateCheckout",
    "PATCH",
    checkouts("/{checkout.id}"),
    roles=ANYONE,
    request=UpdateCheckoutRequest,
)
async def update_checkout(call: Call, req: UpdateCheckoutRequest) -> dict[str, Any]:
    """Update Checkout: buyer and billing info, custom fields, channel, checkout URL, and
    line items to add (coupons, gift cards, custom line items: 501)."""
    return await service.update_checkout(call.db, call.caller, req)


@router.method(
    "addToCheckout",
    "POST",
    checkouts("/{id}/add-to-checkout"),
    roles=ANYONE,
    request=AddToCheckoutRequest,
)
async def add_to_checkout(call: Call, req: AddToCheckoutRequest) -> dict[str, Any]:
    """Add To Checkout."""
    return await service.add_to_checkout(call.db, call.caller, req)


@router.method(
    "removeLineItems",
    "POST",
    checkouts("/{id}/remove-line-items"),
    roles=ANYONE,
    request=RemoveLineItemsRequest,
)
async def remove_line_items(call: Call, req: RemoveLineItemsRequest) -> dict[str, Any]:
    """Remove Line Items."""
    return await service.remove_line_items(call.db, call.caller, req)


@router.method(
    "createOrder",
    "POST",
    checkouts("/{id}/create-order"),
    roles=ANYONE,
    request=CreateOrderRequest,
)
async def create_order(call: Call, req: CreateOrderRequest) -> dict[str, Any]:
    """Create Order: offline at once; online through the payment provider (answered with
    ``paymentGatewayOrderId`` and ``paymentRedirectUrl``, where the buyer pays)."""
    return await service.create_order(
        call.db,
        call.caller,
        call.services.payments,
        call.services.settings.public_url,
        req.id,
    )


@router.method(
    "createOrderAndCharge",
    "POST",
    checkouts("/{id}/create-order-and-charge"),
    roles=ANYONE,
    request=CreateOrderRequest,
)
async def create_order_and_charge(call: Call, req: CreateOrderRequest) -> dict[str, Any]:
    """Create Order And Charge: not implemented (501)."""
    raise errors.not_implemented("Create Order And Charge")


@router.method(
    "markCheckoutAsCompleted",
    "POST",
    checkouts("/{id}/mark-as-completed"),
    roles=ANYONE,
    request=CheckoutIdRequest,
)
async def mark_checkout_as_completed(call: Call, req: CheckoutIdRequest) -> dict[str, Any]:
    """Mark Checkout As Completed."""
    return await service.mark_checkout_as_completed(call.db, call.caller, req.id)


@router.method(
    "searchOrders", "POST", orders("/search"), roles=BACKEND, request=SearchOrdersRequest
)
async def search_orders(call: Call, req: SearchOrdersRequest) -> dict[str, Any]:
    """Search Orders (cursor paging)."""
    return await service.search_orders(call.db, call.caller, call.services.signer, req)


@router.method("getOrder", "GET", orders("/{id}"), roles=BACKEND, request=OrderIdRequest)
async def get_order(call: Call, req: OrderIdRequest) -> dict[str, Any]:
    """Get Order."""
    return await service.get_order(call.db, call.caller, req.id)


@router.method(
    "cancelOrder", "POST", orders("/{id}/cancel"), roles=BACKEND, request=CancelOrderRequest
)
async def cancel_order(call: Call, req: CancelOrderRequest) -> dict[str, Any]:
    """Cancel Order."""
    return await service.cancel_order(call.db, call.caller, req)


@router.method(
    "markAsPaid",
    "POST",
    collector("/{ecomOrderId}/mark-as-paid"),
    roles=BACKEND,
    request=EcomOrderIdRequest,
)
async def mark_as_paid(call: Call, req: EcomOrderIdRequest) -> dict[str, Any]:
    """Mark As Paid (the whole balance, taken offline)."""
    return await service.mark_as_paid(call.db, call.caller, req.ecom_order_id)


@router.method(
    "recordManuallyCollectedPayment",
    "POST",
    collector("/{orderId}/manual-payment"),
    roles=BACKEND,
    request=RecordManualPaymentRequest,
)
async def record_manual_payment(call: Call, req: RecordManualPaymentRequest) -> dict[str, Any]:
    """Record Manually Collected Payment (a part of the balance)."""
    return await service.record_manual_payment(call.db, call.caller, req)


@router.method(
    "getPaymentCollectabilityStatus",
    "GET",
    collector("/{ecomOrderId}/payment-collectability-status"),
    roles=BACKEND,
    request=EcomOrderIdRequest,
)
async def get_payment_collectability_status(call: Call, req: EcomOrderIdRequest) -> dict[str, Any]:
    """Get Payment Collectability Status."""
    return await service.payment_collectability_status(call.db, call.caller, req.ecom_order_id)


# ------------------------------------------------------------------ payment provider pages

#: Not API methods of the Wix surface: the provider's webhook (raw body, its own signature)
#: and the fake provider's payment page. The app mounts them (:func:`mount_payment_pages`).
pages = APIRouter(tags=["Payments"])


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


_WIX_ERROR = {
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/WixError"}}}
}


@pages.post(
    "/_bookings/v1/payments/{provider}/webhook/{site_id}",
    summary="A payment provider's webhook (verified by the provider's own signature)",
    openapi_extra={"security": []},  # the provider's signature, no API key
    responses={
        400: {"description": "The signature or the body does not check out", **_WIX_ERROR},
        404: {"description": "No such provider is configured", **_WIX_ERROR},
    },
)
async def provider_webhook(provider: str, site_id: str, request: Request) -> Response:
    svc = _services(request)
    body = await request.body()
    headers = {k.lower(): v for k, v in request.headers.items()}
    try:
        answer = await service.handle_webhook(
            svc.db, svc.payments, provider, site_id, headers, body
        )
    except errors.ApiError as exc:
        return WireJSONResponse(exc.body(), status_code=exc.http_status)
    return WireJSONResponse(answer)


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Test payment</title>
<style>body{{font-family:system-ui,sans-serif;max-width:30rem;margin:2rem auto;padding:0 1rem}}
.warn{{background:#fff3cd;border:1px solid #e0c36c;padding:.75rem}}
button{{font-size:1rem;padding:.5rem 1rem;margin-right:.5rem}}</style></head>
<body><p class="warn"><strong>Test payment provider.</strong> No money moves: this page
stands in for a real provider's payment page.</p>
<h1>Order {number}</h1><p>Amount: <strong>{amount} {currency}</strong></p>
<p>Status: <strong id="status">{status}</strong></p>
{form}</body></html>"""

_FORM = """<form method="post"><button name="outcome" value="APPROVED">Pay</button>
<button name="outcome" value="DECLINED">Decline</button></form>"""


def _page(payment: Any) -> HTMLResponse:
    form = _FORM if payment.status == "PENDING" else ""
    return HTMLResponse(
        _PAGE.format(
            number=html.escape(payment.order_number),
            amount=html.escape(payment.amount),
            currency=html.escape(payment.currency),
            status=html.escape(payment.status),
            form=form,
        ),
        headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY"},
    )


@pages.get(
    "/_fake-pay/{site_id}/{payment_id}",
    summary="The fake provider's payment page",
    include_in_schema=False,
)
async def fake_pay_page(site_id: str, payment_id: str, request: Request) -> Response:
    svc = _services(request)
    try:
        payment = await service.fake_payment(svc.db, site_id, payment_id)
    except errors.ApiError as exc:
        return WireJSONResponse(exc.body(), status_code=exc.http_status)
    return _page(payment)


@pages.post(
    "/_fake-pay/{site_id}/{payment_id}",
    summary="Approve or decline a fake payment",
    include_in_schema=False,
)
async def fake_pay(site_id: str, payment_id: str, request: Request) -> Response:
    svc = _services(request)
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    outcome = (form.get("outcome") or [""])[0]
    if outcome not in ("APPROVED", "DECLINED"):
        body = errors.invalid_field("outcome", "must be APPROVED or DECLINED").body()
        return WireJSONResponse(body, status_code=400)
    try:
        payment = await service.pay_fake(
            svc.db,
            svc.payments,
            site_id,
            payment_id,
            "APPROVED" if outcome == "APPROVED" else "DECLINED",
        )
    except errors.ApiError as exc:
        return WireJSONResponse(exc.body(), status_code=exc.http_status)
    return _page(payment)
