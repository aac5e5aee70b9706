"""Rate limits (issue 17): token buckets kept in each server process.

* **Visitors, members and calls without a credential** (``/oauth2/token``, the time slots of
  a booking page) are limited per client IP address (the proxy's ``X-Forwarded-For`` when
  uvicorn trusts it): ``BOOKINGS_RATE_LIMIT_VISITOR_PER_MINUTE`` (default 600; 0: no limit),
  or the site's setting ``rateLimitVisitorPerMinute``.
* **API keys** (the business and its apps) are limited per credential, only when the site
  sets ``rateLimitApiKeyPerMinute`` (or ``BOOKINGS_RATE_LIMIT_API_KEY_PER_MINUTE`` is set).
  They never share a bucket with visitors, so a visitor flooding the token endpoint or the
  time slots cannot starve the business.

A bucket holds a quarter of a minute's calls (at least 5) and refills continuously. Over the
limit: 429 ``TOO_MANY_REQUESTS`` in the Wix envelope, with ``Retry-After`` (seconds). The
buckets live in the process (N processes allow N times the rate); the least recently used
are forgotten past :data:`MAX_BUCKETS`.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

MAX_BUCKETS = 100_000
VISITOR_SETTING = "rateLimitVisitorPerMinute"
API_KEY_SETTING = "rateLimitApiKeyPerMinute"


@dataclass(slots=True)
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    def __init__(
        self,
        visitor_per_minute: int,
        api_key_per_minute: int = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.visitor_per_minute = visitor_per_minute
        self.api_key_per_minute = api_key_per_minute
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def take(self, key: str, per_minute: int) -> float:
        """Take one call from ``key``'s bucket: 0 when allowed, else the seconds to wait."""
        if per_minute <= 0:
            return 0.0
        capacity = max(per_minute / 4, 5.0)
        rate = per_minute / 60
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _Bucket(capacity, now)
            self._buckets[key] = bucket
            if len(self._buckets) > MAX_BUCKETS:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
            bucket.tokens = min(capacity, bucket.tokens + (now - bucket.stamp) * rate)
            bucket.stamp = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / rate

    def rate_for(self, settings: Mapping[str, Any] | None, *, visitor: bool) -> int:
        """The per-minute rate: the site's setting when it has one, else the server's."""
        name = VISITOR_SETTING if visitor else API_KEY_SETTING
        value = (settings or {}).get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        return self.visitor_per_minute if visitor else self.api_key_per_minute


def retry_after(wait: float) -> str:
    return str(max(1, math.ceil(wait)))
