"""The WIX format: the body is a compact RS256 JWT, exactly as Wix sends it.

Placeholder: another module replaces this one (same signature); until then a WIX delivery's
attempt fails with this error (logged, retried on the ladder).
"""

from __future__ import annotations

from typing import Any


def wix_body(event: dict[str, Any], site_id: str, private_pem: str) -> str:
    """The JWT to POST for ``event`` (the stored domain-event envelope) of ``site_id``,
    signed with the webhook's private key (PEM)."""
    raise NotImplementedError("the WIX webhook format is not implemented yet")
