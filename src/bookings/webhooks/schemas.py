"""Wire models of the webhooks admin API (our extension: ``/_api/bookings-server/v1/webhooks``)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from bookings.platform.wire import Timestamp, WireModel


class WebhookFormat(StrEnum):
    STANDARD = "STANDARD"
    WIX = "WIX"


class DeliveryStatus(StrEnum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"
    #: The receiver answered 410 Gone: its webhook was disabled and this was not sent.
    CANCELED = "CANCELED"


class WebhookInput(WireModel):
    url: str = Field(min_length=1, max_length=2048)
    event_types: list[str] = Field(default_factory=list, max_length=100)
    format: WebhookFormat = WebhookFormat.STANDARD


class CreateWebhookRequest(WireModel):
    webhook: WebhookInput


class ListWebhooksRequest(WireModel):
    pass


class WebhookIdRequest(WireModel):
    id: str


class ListDeliveriesRequest(WireModel):
    id: str
    status: DeliveryStatus | None = None
    limit: int | None = Field(default=None, ge=1, le=1000)


class RecoverRequest(WireModel):
    id: str
    since: Timestamp
