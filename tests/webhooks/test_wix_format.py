"""The WIX format's body (``bookings.webhooks.wix_format.wix_body``) is another module's work:
until it lands, this test is skipped (the stub raises NotImplementedError) and a WIX
delivery's attempts fail with that error, logged and retried."""

from __future__ import annotations

import pytest

from bookings.webhooks import wix_format


def test_wix_body_is_pending() -> None:
    event = {"id": "e", "entityFqdn": "wix.bookings.v2.booking", "slug": "created"}
    try:
        body = wix_format.wix_body(event, "site", "-----BEGIN PRIVATE KEY-----")
    except NotImplementedError:
        pytest.skip("WIX webhook format: wix_format.wix_body is not implemented yet")
    assert body.count(".") == 2  # a compact JWT
