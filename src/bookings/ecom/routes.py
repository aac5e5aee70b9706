"""eCommerce Checkout and Orders, the booking subset (spec E.2, E.3), at the SDK's paths
(``/ecom/v1/...``) and their ``/_api/ecom/v1/...`` aliases. Methods of these services that
this server does not implement answer 501 where they are registered below."""

from __future__ import annotations

from typing import Any

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
from bookings.platform.routing import ApiRouter, Call

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
    """Create Order (offline payment; online answers 501)."""
    return await service.create_order(call.db, call.caller, req.id)


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
