"""What the webhook dispatcher works with: its clock, its settings, a claimed delivery, the
result of one attempt, its counters (:mod:`bookings.webhooks.dispatcher` is the loop)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from bookings.platform.db import utcnow

__all__ = ["Claimed", "Clock", "DispatcherConfig", "Result", "Stats", "SystemClock"]


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return utcnow()


@dataclass(frozen=True)
class DispatcherConfig:
    lease: timedelta = timedelta(seconds=60)
    #: Events fanned out per transaction, deliveries claimed per statement.
    fan_out_batch: int = 500
    claim_batch: int = 256
    #: Requests in flight at most, in all and per webhook.
    concurrency: int = 256
    per_webhook: int = 64
    connect_timeout: float = 5.0
    timeout: float = 15.0
    #: Seconds between two looks at the queue when nothing woke the loop.
    poll: float = 1.0
    #: Seconds at least between two passes of the loop: under load, each pass then handles
    #: a batch rather than one event per commit (the lag this adds is at most this).
    min_interval: float = 0.05


@dataclass
class Claimed:
    site_id: str
    id: str
    webhook_id: str
    event_id: str
    attempts: int
    #: Filled in before the send: the webhook row and the stored event envelope.
    webhook: Any = None
    event: dict[str, Any] | None = None


@dataclass
class Result:
    claimed: Claimed
    started: datetime
    finished: datetime
    duration_ms: int
    status_code: int | None = None
    error: str | None = None
    excerpt: str | None = None
    retry_after: timedelta | None = None
    #: Nothing was sent: the webhook is gone or disabled (the delivery is canceled).
    canceled: bool = False


@dataclass
class Stats:
    fanned_out: int = 0
    attempts: int = 0
    delivered: int = 0
    by_status: dict[int | None, int] = field(default_factory=lambda: defaultdict(int))
