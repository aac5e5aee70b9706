"""Who may frame a site's customer pages: the ``frame-ancestors`` of their CSP.

A customer page (the booking page, the manage page) may be framed by the server itself and by
the origins a business lists in its site setting ``allowedEmbedHosts`` (``sites.settings``),
for instance ``["https://studio.example", "http://localhost:8000"]``. Entries that are not a
bare origin (a scheme ``http``/``https``, a host, an optional port; no path, query, user or
wildcard) are ignored, so a typo can never widen the policy or inject a CSP directive. The
dashboard and the landing page are never framed (:data:`bookings.web.templating.NEVER_FRAMED`).
"""

from __future__ import annotations

import re
from typing import Any, Protocol
from urllib.parse import urlsplit

#: The site setting that lists the origins allowed to frame the customer pages.
SETTING = "allowedEmbedHosts"
#: At most this many origins are taken from the setting.
MAX_HOSTS = 20
_HOST = re.compile(
    r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"
)
_IPV6 = re.compile(r"^\[[0-9a-f:.]+\]$")


class HasSettings(Protocol):
    @property
    def settings(self) -> dict[str, Any]: ...


def origin_of(entry: object) -> str | None:
    """The normalised origin ``scheme://host[:port]`` of one setting entry, or ``None`` when
    it is not a bare http(s) origin."""
    if not isinstance(entry, str) or not 0 < len(entry) <= 255:
        return None
    text = entry.strip().rstrip("/")
    if any(c in text for c in " ;,'\"*\\\t\r\n"):
        return None
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or parts.path or parts.query or parts.fragment:
        return None
    if parts.username is not None or parts.password is not None or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
        if not _IPV6.match(host):
            return None
    elif not _HOST.match(host):
        return None
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


def allowed_embed_origins(settings: dict[str, Any]) -> list[str]:
    """The well-formed origins of ``allowedEmbedHosts``, in order, without duplicates."""
    raw = settings.get(SETTING)
    if not isinstance(raw, list):
        return []
    found: list[str] = []
    for entry in raw:
        origin = origin_of(entry)
        if origin is not None and origin not in found:
            found.append(origin)
    return found[:MAX_HOSTS]


def frame_ancestors_for(site: HasSettings) -> str:
    """``'self'`` and the site's allowed embedding origins: the CSP ``frame-ancestors`` of its
    customer pages."""
    return " ".join(["'self'", *allowed_embed_origins(site.settings)])
