"""What the notifications slice offers the app.

``notifier_of(services) -> Notifier``
    The notifier of a deployment: SMTP when ``BOOKINGS_SMTP_URL`` is set, else ``.eml`` files
    under ``<data_dir>/mail/``; SMS to the log.

``run_notifications(notifier, every_seconds, reminder_seconds)``
    The background task the app runs: queue new outbox events and send due messages every
    ``every_seconds``, scan for due reminders every ``reminder_seconds`` (0: never).
"""

from __future__ import annotations

import asyncio
import logging
import time

from bookings.notifications.service import Notifier, queue_events, queue_reminders, send_due
from bookings.notifications.transport import LogSmsProvider, mail_transport
from bookings.platform.routing import Services

__all__ = ["Notifier", "notifier_of", "run_notifications"]

log = logging.getLogger("bookings.notifications")


def notifier_of(services: Services) -> Notifier:
    s = services.settings
    return Notifier(
        db=services.db,
        signer=services.signer,
        mail=mail_transport(s.smtp_url, s.data_dir),
        sms=LogSmsProvider(),
        public_url=s.public_url,
        mail_from=s.mail_from,
    )


async def run_notifications(n: Notifier, every_seconds: int, reminder_seconds: int) -> None:
    """Until cancelled; a failed pass is logged and the next one tries again."""
    next_scan = 0.0
    while True:
        try:
            if reminder_seconds > 0 and time.monotonic() >= next_scan:
                next_scan = time.monotonic() + reminder_seconds
                await queue_reminders(n)
            await queue_events(n)
            await send_due(n)
        except Exception:  # pragma: no cover - logged, retried on the next pass
            log.exception("notification pass failed")
        await asyncio.sleep(every_seconds)
