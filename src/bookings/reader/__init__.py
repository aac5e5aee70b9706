"""Bookings Reader V2: query and count extended bookings."""
