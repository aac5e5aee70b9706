"""Bookings Services V2."""
