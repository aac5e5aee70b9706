"""Imports every slice's tables so that they are all registered on the shared metadata."""

from bookings.platform import models as platform_models

__all__ = ["platform_models"]
