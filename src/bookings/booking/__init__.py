"""Bookings Writer V2: create bookings and manage their life cycle, never overbooked."""
