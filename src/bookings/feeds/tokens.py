"""Feed tokens (pure): ``<lookup id><mac>``, 44 URL-safe characters, 256 bits.

* ``lookup_id``: 22 characters, 128 random bits, stored (``calendar_feeds.lookup_id``) and
  replaced on rotation;
* ``mac``: 22 characters, the first 128 bits of an HMAC-SHA256 of the site, the feed and
  the lookup id under the server's secret (``BOOKINGS_SECRET`` or the stored instance
  secret, :class:`bookings.platform.signing.Signer`). It is never stored: the URL can be
  shown again (the admin API lists it), yet a copy of the database alone opens no feed.
"""

from __future__ import annotations

import base64
import hmac
import re
import secrets

from bookings.platform.signing import Signer

PURPOSE = "calendar-feed"
_HALF = 22
_TOKEN = re.compile(r"[A-Za-z0-9_-]{44}")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def new_lookup_id() -> str:
    """A fresh random lookup id (128 bits)."""
    return _b64(secrets.token_bytes(16))


def _mac(signer: Signer, site_id: str, feed_id: str, lookup_id: str) -> str:
    return _b64(signer.mac(PURPOSE, site_id, feed_id, lookup_id)[:16])


def token(signer: Signer, site_id: str, feed_id: str, lookup_id: str) -> str:
    """The token of a feed whose row holds ``lookup_id``."""
    return lookup_id + _mac(signer, site_id, feed_id, lookup_id)


def lookup_id_of(text: str) -> str | None:
    """The lookup id of something shaped like a token; ``None`` when it is not one."""
    return text[:_HALF] if _TOKEN.fullmatch(text) else None


def matches(signer: Signer, text: str, site_id: str, feed_id: str, lookup_id: str) -> bool:
    """Whether ``text`` is the current token of that feed (a constant-time comparison)."""
    return hmac.compare_digest(text.encode(), token(signer, site_id, feed_id, lookup_id).encode())
