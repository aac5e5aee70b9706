"""The embed script's delivery (issue 16): ``/static/embed.js`` is included by other sites at
a fixed address (no content hash), so it is cached for a short while only, may be read from
any origin, and its content type is JavaScript whoever asks."""

from __future__ import annotations

from starlette.types import Scope

#: Static files other sites load at a fixed address.
SHARED_SCRIPTS = frozenset({"embed.js"})
#: How long a browser or proxy keeps a shared script (a new release reaches hosts this fast).
SHARED_MAX_AGE = 3600
IMMUTABLE = "public, max-age=31536000, immutable"


def static_headers(path: str, scope: Scope) -> dict[str, str]:
    """The caching and sharing headers of a static file: a year, immutable, when its address
    carries the content hash (``?v=``, :func:`bookings.web.templating.static_url`); else an
    hour. The shared scripts may also be fetched and embedded by any origin."""
    query = scope.get("query_string", b"")
    hashed = any(part.startswith(b"v=") for part in query.split(b"&"))
    headers = {
        "Cache-Control": IMMUTABLE if hashed else f"public, max-age={SHARED_MAX_AGE}",
        "X-Content-Type-Options": "nosniff",
    }
    if path in SHARED_SCRIPTS:
        headers["Access-Control-Allow-Origin"] = "*"
        headers["Cross-Origin-Resource-Policy"] = "cross-origin"
        headers["Content-Type"] = "text/javascript; charset=utf-8"
    return headers
