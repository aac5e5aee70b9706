"""HTTP methods of this slice: parse, authorize, call the service, serialize. No rules."""

from bookings.platform.routing import ApiRouter

router = ApiRouter("Booking Policies")
