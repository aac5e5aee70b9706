"""Attendance API (``wix.bookings.v2.attendance``): who came to a booked session."""
