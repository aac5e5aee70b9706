"""Calendar invites (iCalendar, RFC 5545/5546) of a booking: one VEVENT, ``UID`` stable for
the booking (``<bookingId>@<host>``), ``SEQUENCE`` = the booking's revision (so a reschedule
supersedes the earlier invite), times in UTC; ``METHOD:CANCEL`` + ``STATUS:CANCELLED`` once it
is canceled or declined, ``METHOD:REQUEST`` otherwise (``publish=True``: ``METHOD:PUBLISH``,
the file a customer downloads from the manage page, with no attendee)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from icalendar import Calendar, Event, vCalAddress, vText

from bookings.platform.wire import parse_timestamp

CANCELING = frozenset({"CANCELED", "DECLINED"})


def invite(
    booking: dict[str, Any],
    *,
    host: str,
    now: datetime,
    title: str,
    location: str | None,
    organizer: str,
    attendee: str | None,
    description: str | None,
    publish: bool = False,
) -> str | None:
    """The ``.ics`` text of a booking (``None``: it has no start and end)."""
    start, end = booking.get("startDate"), booking.get("endDate")
    if not (start and end):
        return None
    canceled = str(booking.get("status")) in CANCELING
    method = "PUBLISH" if publish else ("CANCEL" if canceled else "REQUEST")
    cal = Calendar()
    cal.add("prodid", "-//bookings-server//notifications//EN")
    cal.add("version", "2.0")
    cal.add("method", method)
    event = Event()
    event.add("uid", f"{booking['id']}@{host}")
    event.add("sequence", int(booking.get("revision") or 0))
    event.add("dtstamp", now)
    event.add("dtstart", parse_timestamp(str(start)))
    event.add("dtend", parse_timestamp(str(end)))
    event.add("summary", title)
    if location:
        event.add("location", location)
    if description:
        event.add("description", description)
    status = str(booking.get("status"))
    event.add(
        "status",
        "CANCELLED" if canceled else ("CONFIRMED" if status == "CONFIRMED" else "TENTATIVE"),
    )
    org = vCalAddress(f"mailto:{organizer}")
    event.add("organizer", org)
    if attendee:
        who = vCalAddress(f"mailto:{attendee}")
        who.params["ROLE"] = vText("REQ-PARTICIPANT")
        event.add("attendee", who, encode=False)
    cal.add_component(event)
    return str(cal.to_ical().decode("utf-8"))
