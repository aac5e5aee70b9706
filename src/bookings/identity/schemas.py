"""Wire models of the OAuth token endpoint."""

from __future__ import annotations

from enum import StrEnum

from bookings.platform.wire import WireModel


class GrantType(StrEnum):
    ANONYMOUS = "anonymous"
    REFRESH_TOKEN = "refresh_token"
    #: Our extension: a token acting as a site member, requested with an ADMIN key.
    MEMBER = "member"


class TokenRequest(WireModel):
    client_id: str | None = None
    grant_type: GrantType
    refresh_token: str | None = None
    member_id: str | None = None
