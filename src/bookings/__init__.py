"""Self-hosted bookings server speaking the Wix Bookings V2 REST API."""

__version__ = "0.1.0"
