"""The iCalendar text of a feed (pure: no I/O), with the ``icalendar`` library.

Every event is written in UTC (``DTSTART``/``DTEND`` ending in ``Z``); ``DTSTAMP`` and
``LAST-MODIFIED`` are the entity's last change, so the same data gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import icalendar

PRODID = "-//bookings-server//Calendar feed//EN"
#: How often calendar clients are asked to refresh (they may poll less often: Google does).
REFRESH = timedelta(minutes=15)


@dataclass(frozen=True)
class FeedEvent:
    uid: str
    start: datetime
    end: datetime
    summary: str
    #: CONFIRMED or TENTATIVE.
    status: str
    sequence: int
    last_modified: datetime
    location: str | None = None
    description: str | None = None


def calendar_text(name: str, time_zone: str, events: Iterable[FeedEvent]) -> bytes:
    """The feed: a VCALENDAR (METHOD PUBLISH) of ``events``, in UTF-8."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", time_zone)
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", icalendar.vDuration(REFRESH))
    for item in events:
        event = icalendar.Event()
        event.add("uid", item.uid)
        event.add("dtstamp", item.last_modified)
        event.add("last-modified", item.last_modified)
        event.add("dtstart", item.start)
        event.add("dtend", item.end)
        event.add("summary", item.summary)
        event.add("status", item.status)
        event.add("sequence", item.sequence)
        event.add("transp", "OPAQUE")
        if item.location:
            event.add("location", item.location)
        if item.description:
            event.add("description", item.description)
        cal.add_component(event)
    return bytes(cal.to_ical())
