"""What the notifications slice offers the app.

``notifier_of(services) -> Notifier``
    The notifier of a deployment: SMTP when ``BOOKINGS_SMTP_URL`` is set, else ``.eml`` files
    under ``<data_dir>/mail/``; SMS to the log.

``booking_calendar_file(booking, *, public_url, now, organizer, manage_url) -> str | None``
    The ``.ics`` a customer downloads from the manage page: the e-mail invite's event (same
    ``UID``, ``SEQUENCE`` = the booking's revision, ``STATUS:CANCELLED`` once canceled) as
    ``METHOD:PUBLISH``; ``None`` when the booking has no start and end.

``run_notifications(notifier, every_seconds, reminder_seconds)``
    The background task the app runs: queue new outbox events and send due messages every
    ``every_seconds``, scan for due reminders every ``reminder_seconds`` (0: never).
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit

from bookings.notifications import ics, planning
from bookings.notifications.service import Notifier, queue_events, queue_reminders, send_due
from bookings.notifications.transport import LogSmsProvider, mail_transport
from bookings.platform.routing import Services

__all__ = ["Notifier", "booking_calendar_file", "notifier_of", "run_notifications"]

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


def booking_calendar_file(
    booking: dict[str, Any],
    *,
    public_url: str,
    now: datetime,
    organizer: str,
    manage_url: str | None,
) -> str | None:
    """The downloadable ``.ics`` of a booking (its wire dict): the event of its e-mail invites
    (``UID`` ``<bookingId>@<host of public_url>``), so a calendar that has both keeps one."""
    host = urlsplit(public_url).hostname or "localhost"
    return ics.invite(
        booking,
        host=host,
        now=now,
        title=planning.title_of(booking),
        location=planning.location_of(booking),
        organizer=parseaddr(organizer)[1] or f"bookings@{host}",
        attendee=None,
        description=f"Manage your booking: {manage_url}" if manage_url else None,
        publish=True,
    )
