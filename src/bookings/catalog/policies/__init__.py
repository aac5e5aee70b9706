"""Booking Policies V1 and Booking Policy Snapshots."""
