"""Notifications to people: e-mail (with calendar invites) and SMS reminders, queued from the
outbox and sent in the background (docs/api/notifications.md)."""
