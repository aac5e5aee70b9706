"""Availability: Time Slots V2 and the legacy Availability Calendar, over one slot engine."""
