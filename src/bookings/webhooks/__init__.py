"""Webhooks: subscriptions, signed delivery of the outbox's domain events, retries, the
dispatcher (in ``bookings serve`` or alone in ``bookings worker``)."""
