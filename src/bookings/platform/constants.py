"""Identifiers of the Wix platform this server answers with, defined once."""

from __future__ import annotations

#: The Wix Bookings app id: the ``appId`` of the schedules, services, policies and bookings
#: this server makes for itself.
BOOKINGS_APP_ID = "13d21c63-b5ec-5912-8397-c3a5ddb27a97"
