"""``POST /oauth2/token``: visitor and member access tokens, and their refresh."""

from __future__ import annotations

from typing import Any

from bookings.identity import service
from bookings.identity.credentials import authenticate
from bookings.identity.schemas import GrantType, TokenRequest
from bookings.platform import errors
from bookings.platform.routing import ApiRouter, Call

router = ApiRouter("OAuth")


@router.method(
    "Token",
    "POST",
    ["/oauth2/token"],
    roles=None,
    request=TokenRequest,
    statuses=[401, 403],  # the member grant's ADMIN key
    optional_key=True,
)
async def token(call: Call, req: TokenRequest) -> dict[str, Any]:
    """Issue an access token: anonymous visitor, refresh, or member (ADMIN key required)."""
    ttl = call.services.settings.access_token_ttl_seconds
    if req.grant_type is GrantType.ANONYMOUS:
        if not req.client_id:
            raise errors.invalid_field("clientId", "is required", errors.REQUIRED_FIELD)
        grant = await service.issue_visitor_token(call.db, req.client_id, ttl)
    elif req.grant_type is GrantType.REFRESH_TOKEN:
        if not req.refresh_token:
            raise errors.invalid_field("refreshToken", "is required", errors.REQUIRED_FIELD)
        grant = await service.refresh_access_token(call.db, req.refresh_token, ttl)
    else:
        if not req.member_id:
            raise errors.invalid_field("memberId", "is required", errors.REQUIRED_FIELD)
        admin = await authenticate(
            call.db, call.headers.get("authorization"), call.headers.get("wix-site-id")
        )
        grant = await service.issue_member_token(call.db, admin, req.member_id, ttl)
    return {
        "access_token": grant.access_token,
        "expires_in": grant.expires_in,
        "refresh_token": grant.refresh_token,
    }
