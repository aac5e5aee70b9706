"""What the webhooks slice offers the app and the CLI.

``Dispatcher(db, clock=..., config=...)``
    The delivery loop (``await dispatcher.run()`` until cancelled), in ``bookings serve`` and
    alone in ``bookings worker``; ``run_once``/``drain`` for tests.
``dispatcher_config(settings)``
    Its configuration from the settings (lease, timeouts, poll interval).
"""

from __future__ import annotations

from datetime import timedelta

from bookings.config import Settings
from bookings.webhooks.dispatcher import Dispatcher
from bookings.webhooks.shapes import Clock, DispatcherConfig, SystemClock

__all__ = ["Clock", "Dispatcher", "DispatcherConfig", "SystemClock", "dispatcher_config"]


def dispatcher_config(settings: Settings) -> DispatcherConfig:
    return DispatcherConfig(
        lease=timedelta(seconds=settings.webhook_lease_seconds),
        timeout=float(settings.webhook_timeout_seconds),
        poll=settings.webhook_poll_ms / 1000,
    )
