"""Wire models of the eCommerce requests (Checkout and Orders, the booking subset). Answers
are built as wire dicts by :mod:`bookings.ecom.service` (the checkout and order documents
are stored as they are answered)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from bookings.platform.wire import WireModel


class CatalogReference(WireModel):
    catalog_item_id: str = Field(min_length=1, max_length=36)
    app_id: str = Field(min_length=1, max_length=100)
    options: dict[str, Any] | None = None


class LineItemIn(WireModel):
    quantity: int | None = Field(default=None, ge=1, le=100000)
    catalog_reference: CatalogReference


class CreateCheckoutRequest(WireModel):
    line_items: list[LineItemIn] = Field(default_factory=list, max_length=300)
    custom_line_items: list[dict[str, Any]] | None = None
    channel_type: str | None = Field(default=None, max_length=40)
    checkout_info: dict[str, Any] | None = None
    coupon_code: str | None = None
    gift_card_code: str | None = None
    override_checkout_url: str | None = Field(default=None, max_length=1000)


class CheckoutIdRequest(WireModel):
    id: str = Field(min_length=1, max_length=36)


class AddToCheckoutRequest(WireModel):
    id: str = Field(min_length=1, max_length=36)
    line_items: list[LineItemIn] = Field(default_factory=list, max_length=300)
    custom_line_items: list[dict[str, Any]] | None = None


class RemoveLineItemsRequest(WireModel):
    id: str = Field(min_length=1, max_length=36)
    line_item_ids: list[str] = Field(default_factory=list, max_length=300)


class CreateOrderRequest(WireModel):
    id: str = Field(min_length=1, max_length=36)
    save_payment_method: bool | None = None
    delay_capture: bool | None = None


class OrderIdRequest(WireModel):
    id: str = Field(min_length=1, max_length=36)


class EcomOrderIdRequest(WireModel):
    ecom_order_id: str = Field(min_length=1, max_length=36)


class PriceIn(WireModel):
    amount: str = Field(min_length=1, max_length=20)


class RecordManualPaymentRequest(WireModel):
    order_id: str = Field(min_length=1, max_length=36)
    amount: PriceIn


class CancelOrderRequest(WireModel):
    id: str = Field(min_length=1, max_length=36)
    send_order_canceled_email: bool | None = None
    custom_message: str | None = None
    restock_all_items: bool | None = None


class CursorPaging(WireModel):
    limit: int | None = Field(default=None, ge=0, le=100)
    cursor: str | None = None


class OrderSearch(WireModel):
    filter: dict[str, Any] | None = None
    sort: list[dict[str, Any]] | None = None
    cursor_paging: CursorPaging | None = None


class SearchOrdersRequest(WireModel):
    search: OrderSearch | None = None


class CheckoutPatch(WireModel):
    id: str = Field(min_length=1, max_length=36)
    buyer_info: dict[str, Any] | None = None
    billing_info: dict[str, Any] | None = None
    custom_fields: list[dict[str, Any]] | None = None
    channel_type: str | None = Field(default=None, max_length=40)


class UpdateCheckoutRequest(WireModel):
    checkout: CheckoutPatch
    coupon_code: str | None = None
    gift_card_code: str | None = None
    override_checkout_url: str | None = Field(default=None, max_length=1000)
    line_items: list[LineItemIn] | None = Field(default=None, max_length=300)
    custom_line_items: list[dict[str, Any]] | None = None
