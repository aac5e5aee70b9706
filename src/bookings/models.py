"""Imports every slice's tables so that they are all registered on the shared metadata."""

from bookings.attendance import models as attendance_models  # noqa: F401
from bookings.booking import models as booking_models  # noqa: F401
from bookings.calendar import models as calendar_models
from bookings.catalog.policies import models as policy_models
from bookings.catalog.services import models as service_models
from bookings.ecom import models as ecom_models
from bookings.feeds import models as feed_models
from bookings.identity import models as identity_models
from bookings.notifications import models as notification_models
from bookings.platform import models as platform_models
from bookings.staff import models as staff_models
from bookings.webhooks import models as webhook_models

__all__ = [
    "calendar_models",
    "ecom_models",
    "feed_models",
    "identity_models",
    "notification_models",
    "platform_models",
    "policy_models",
    "service_models",
    "staff_models",
    "webhook_models",
]
