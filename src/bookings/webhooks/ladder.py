"""The retry ladder (pure): when the next attempt of a failed delivery is due.

The Standard Webhooks schedule: attempt 1 at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h,
14 h, 20 h and 24 h after each failure (10 attempts, about 3 days and 3 hours), each delay
with +-20% jitter. A ``Retry-After`` longer than the step is honoured, up to 24 hours.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

#: Delay before attempt n+1 (index n-1 after the n-th attempt failed; the first is at once).
LADDER: tuple[timedelta, ...] = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
    timedelta(hours=24),
)
#: Attempts in all (the first one and one per step of the ladder).
MAX_ATTEMPTS = len(LADDER) + 1
JITTER = 0.2
RETRY_AFTER_CAP = timedelta(hours=24)


def next_delay(
    attempts: int, rng: random.Random, retry_after: timedelta | None = None
) -> timedelta | None:
    """The wait before the next attempt once ``attempts`` attempts failed; ``None`` when the
    ladder is exhausted (the delivery has FAILED)."""
    if attempts >= MAX_ATTEMPTS:
        return None
    step = LADDER[max(attempts, 1) - 1]
    delay = step * (1 + rng.uniform(-JITTER, JITTER))
    if retry_after is not None and retry_after > delay:
        delay = min(retry_after, RETRY_AFTER_CAP)
    return timedelta(milliseconds=round(delay / timedelta(milliseconds=1)))  # the wire's unit


def parse_retry_after(value: str | None, now: datetime) -> timedelta | None:
    """A ``Retry-After`` header: seconds, or an HTTP date; ``None`` if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(when - now, timedelta(0))
