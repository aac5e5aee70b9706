"""The messages of the tenant isolation tests: for each API method a plausible request naming
site A's records (a generic one made from the request model's field names, or the method's
own in :func:`overrides`), the form fields of the pages' posts, and the requests that would
tie a record of B's to one of A's (:func:`links`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bookings.platform.routing import ApiMethod
from tests.booking.conftest import appointment_booking, class_booking, local
from tests.tenant_site import APP_ID, Tenant

#: The revision of a link's request: the current revision of the record of B's it names.
CURRENT = "<current revision>"

#: A top-level field name -> the kind of A's record it names (a list of them for ``...Ids``).
FIELD_KINDS = {
    "serviceId": "service",
    "sourceServiceId": "service",
    "bookingId": "booking",
    "scheduleId": "schedule",
    "eventId": "event",
    "staffMemberId": "staff",
    "resourceId": "resource",
    "bookingPolicyId": "policy",
    "groupId": "add_on_group",
    "addOnGroupId": "add_on_group",
    "multiServiceBookingId": "multi_service_booking",
    "attendanceId": "attendance",
    "contactId": "contact",
    "memberId": "member",
    "orderId": "order",
    "ecomOrderId": "order",
    "entityId": "booking",
    "bookingPolicyIds": "policy",
    "bookingIds": "booking",
    "serviceIds": "service",
    "eventIds": "event",
    "groupIds": "add_on_group",
    "attendanceIds": "attendance",
    "multiServiceBookingIds": "multi_service_booking",
    "lineItemIds": "line_item",
}
#: The kind of the records of a bulk method's ``ids`` field, by the method's name.
IDS_KIND = {
    "BulkDeleteServices": "service",
    "BulkDeleteResources": "resource",
}


#: A service B could create (with A's records named in it by the bodies below).
_SERVICE: dict[str, Any] = {
    "type": "APPOINTMENT",
    "name": "Mine",
    "defaultCapacity": 1,
    "onlineBooking": {"enabled": True},
    "payment": {"rateType": "NO_FEE", "options": {"inPerson": True}},
    "schedule": {"availabilityConstraints": {"sessionDurations": [60]}},
}


def _slot(a: Tenant, service: str, schedule: str, start: str, end: str) -> dict[str, Any]:
    return {
        "serviceId": service,
        "scheduleId": schedule,
        "startDate": local(a.day, start),
        "endDate": local(a.day, end),
        "timezone": "UTC",
        "location": {"locationType": "OWNER_CUSTOM"},
    }


def _booking(a: Tenant) -> dict[str, Any]:
    svc = {"id": a.ids["service"], "schedule": {"id": a.ids["schedule"]}}
    return appointment_booking(svc, a.day + timedelta(days=1), resource=a.ids["staff_resource"])


def _class_booking(a: Tenant) -> dict[str, Any]:
    return class_booking({"id": a.ids["class_service"]}, {"id": a.ids["event"]})


def _line(a: Tenant) -> dict[str, Any]:
    return {"quantity": 1, "catalogReference": {"catalogItemId": a.ids["booking"], "appId": APP_ID}}


def _event(a: Tenant) -> dict[str, Any]:
    return {
        "scheduleId": a.ids["class_schedule"],
        "type": "CLASS",
        "title": "Hijacked",
        "start": {"localDate": local(a.day, "20:00")},
        "end": {"localDate": local(a.day, "21:00")},
    }


def _window(a: Tenant) -> dict[str, Any]:
    return {
        "fromLocalDate": local(a.day, "00:00"),
        "toLocalDate": local(a.day + timedelta(days=2), "00:00"),
        "timeZone": "UTC",
    }


def overrides(a: Tenant) -> dict[str, dict[str, Any]]:
    """The request of each method that the generic one does not make well, by method name."""
    i = a.ids
    booking, revision = i["booking"], "1"
    window = _window(a)
    pair = [{"serviceId": i["service"]}, {"serviceId": i["colour"]}]
    return {
        "UpdateBookingPolicy": {
            "bookingPolicy": {"id": i["policy"], "revision": revision, "name": "Hijacked"}
        },
        "CreateService": {
            "service": {
                **_SERVICE,
                "bookingPolicy": {"id": i["policy"]},
                "staffMemberIds": [i["staff_resource"]],
            }
        },
        "BulkCreateServices": {"services": [{**_SERVICE, "bookingPolicy": {"id": i["policy"]}}]},
        "UpdateService": {
            "service": {"id": i["service"], "revision": revision, "name": "Hijacked"}
        },
        "BulkUpdateServices": {
            "services": [
                {"service": {"id": i["service"], "revision": revision, "name": "Hijacked"}}
            ]
        },
        "BulkDeleteServices": {"ids": [i["service"]]},
        "SetServiceLocations": {
            "locations": [{"type": "CUSTOM", "custom": {"address": {"addressLine": "Elsewhere"}}}]
        },
        "SetCustomSlug": {"slug": "hijacked"},
        "ValidateSlug": {"serviceId": i["service"], "slug": "hijacked"},
        "CreateAddOnGroup": {"serviceId": i["service"], "addOnGroup": {"name": "Hijacked"}},
        "UpdateAddOnGroup": {
            "serviceId": i["service"],
            "addOnGroup": {"id": i["add_on_group"], "name": "Hijacked"},
        },
        "SetAddOnsForGroup": {
            "serviceId": i["service"],
            "groupId": i["add_on_group"],
            "addOnIds": ["6f1c3b8e-0d7a-4e7b-9c61-2f9d0a3e5b14"],
        },
        "SetServiceProvider": {"serviceProvider": False},
        "RestoreEventDefaults": {"fields": ["TITLE"]},
        "UpdateResource": {
            "resource": {"id": i["resource"], "revision": revision, "name": "Hijacked"}
        },
        "BulkUpdateResources": {
            "resources": [
                {"resource": {"id": i["resource"], "revision": revision, "name": "Hijacked"}}
            ]
        },
        "BulkDeleteResources": {"ids": [i["resource"]]},
        "UpdateStaffMember": {
            "staffMember": {"id": i["staff"], "revision": revision, "name": "Hijacked"}
        },
        "UpdateSchedule": {
            "schedule": {"id": i["schedule"], "revision": revision, "name": "Hijacked"}
        },
        "CreateEvent": {"event": _event(a)},
        "BulkCreateEvent": {"events": [{"event": _event(a)}]},
        "UpdateEvent": {"event": {"id": i["event"], "revision": revision, "title": "Hijacked"}},
        "BulkUpdateEvent": {
            "events": [{"event": {"id": i["event"], "revision": revision, "title": "Hijacked"}}]
        },
        "SplitRecurringEvent": {"splitLocalDate": local(a.day + timedelta(days=8), "00:00")},
        "QueryEvents": {**window, "query": {"filter": {"scheduleId": i["class_schedule"]}}},
        "ListAvailabilityTimeSlots": {"serviceId": i["service"], **window},
        "GetAvailabilityTimeSlot": {
            "serviceId": i["service"],
            "timeZone": "UTC",
            "localStartDate": local(a.day, "15:00"),
            "localEndDate": local(a.day, "16:00"),
        },
        "ListAvailabilityTimeSlotEndOptions": {
            "serviceId": i["service"],
            "timeZone": "UTC",
            "localStartDate": local(a.day, "15:00"),
        },
        "ListEventTimeSlots": {**window, "serviceIds": [i["class_service"]]},
        "ListMultiServiceAvailabilityTimeSlots": {
            **window,
            "services": pair,
            "location": {"locationType": "CUSTOM"},
        },
        "GetMultiServiceAvailabilityTimeSlot": {
            "services": [
                {
                    **pair[0],
                    "localStartDate": local(a.day, "15:00"),
                    "localEndDate": local(a.day, "16:00"),
                },
                {
                    **pair[1],
                    "localStartDate": local(a.day, "16:00"),
                    "localEndDate": local(a.day, "16:30"),
                },
            ],
            "location": {"locationType": "CUSTOM"},
            "localStartDate": local(a.day, "15:00"),
            "localEndDate": local(a.day, "16:30"),
            "timeZone": "UTC",
        },
        "QueryAvailability": {
            "query": {
                "filter": {
                    "serviceId": [i["class_service"]],
                    "startDate": f"{a.day.isoformat()}T00:00:00Z",
                    "endDate": f"{(a.day + timedelta(days=2)).isoformat()}T00:00:00Z",
                }
            }
        },
        "createBooking": {"booking": _booking(a)},
        "bulkCreateBooking": {"createBookingsInfo": [{"booking": _booking(a)}]},
        "rescheduleBooking": {
            "revision": revision,
            "slot": _slot(a, i["service"], i["schedule"], "15:00", "16:00"),
        },
        "bulkCancelBookings": {
            "bookings": {"bookingsInfo": [{"bookingId": booking, "revision": revision}]}
        },
        "updateNumberOfParticipants": {"revision": revision, "totalParticipants": 2},
        "updateExtendedFields": {"namespace": "@tenant/test", "namespaceData": {"data": {}}},
        "setBookingSubmissionId": {"submissionId": "6f1c3b8e-0d7a-4e7b-9c61-2f9d0a3e5b14"},
        "confirmOrDeclineBooking": {"paymentStatus": "PAID"},
        "bulkConfirmOrDeclineBooking": {
            "details": [{"bookingId": booking, "paymentStatus": "PAID"}]
        },
        "createMultiServiceBooking": {"bookings": [_booking(a), _booking(a)]},
        "addBookingsToMultiServiceBooking": {
            "multiServiceBookingId": i["multi_service_booking"],
            "bookings": [{"bookingId": i["class_booking"], "revision": revision}],
        },
        "removeBookingsFromMultiServiceBooking": {
            "multiServiceBookingId": i["multi_service_booking"],
            "bookings": [{"bookingId": booking, "revision": revision}],
        },
        "registerToWaitlist": {"booking": _class_booking(a)},
        "leaveWaitlist": {"bookingId": i["waitlisted"], "revision": revision},
        "bookFromWaitlist": {"bookingId": i["waitlisted"], "revision": revision},
        "SetAttendance": {
            "attendance": {"bookingId": i["class_booking"], "status": "NOT_ATTENDED"}
        },
        "BulkSetAttendance": {
            "attendanceDetails": [
                {"attendance": {"bookingId": i["class_booking"], "status": "NOT_ATTENDED"}}
            ]
        },
        "QueryExtendedBookings": {
            "query": {"filter": {"id": {"$in": sorted(b for k, b in i.items() if k == "booking")}}}
        },
        "createCheckout": {"lineItems": [_line(a)], "channelType": "WEB"},
        "updateCheckout": {"checkout": {"buyerNote": "Hijacked"}, "lineItems": [_line(a)]},
        "addToCheckout": {"lineItems": [_line(a)]},
        "recordManuallyCollectedPayment": {"amount": {"amount": "1.00"}},
        "rotateCalendarFeed": {"staffMemberId": i["staff"]},
        "putNotificationTemplate": {"template": {"body": "Hijacked"}},
        "recoverWebhookDeliveries": {"since": "2020-01-01T00:00:00Z"},
        "listWaitlistedEntities": {"eventId": i["event"]},
        "listDomainEvents": {"entityId": booking},
    }


def message(method: ApiMethod[Any], a: Tenant, made: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The request of ``method`` naming A's records: its override, else one field per
    top-level field of its request model that names a record of a known kind, and an empty
    query for a query."""
    if method.name in made:
        return made[method.name]
    out: dict[str, Any] = {}
    for name, info in method.request_model.model_fields.items():
        alias = info.alias or name
        kind = FIELD_KINDS.get(alias)
        if alias == "ids" and method.name in IDS_KIND:
            out[alias] = [a.ids[IDS_KIND[method.name]]]
        elif kind is not None and kind in a.ids:
            out[alias] = [a.ids[kind]] if alias.endswith("Ids") else a.ids[kind]
        elif alias in ("query", "search"):
            out[alias] = {}
        elif alias == "revision":
            out[alias] = "1"
    return out


def form(a: Tenant) -> dict[str, str]:
    """The form fields of a page's post (a dashboard's, a booking page's, the fake payment
    page's), naming A's records where a field names one."""
    i = a.ids
    return {
        "booking": i["class_booking"],
        "event": i["event"],
        "status": "NOT_ATTENDED",
        "date": a.day.isoformat(),
        "name": "Hijacked",
        "role": "app",
        "url": "http://127.0.0.1:9/hijacked",
        "mode": "business",
        "revision": "1",
        "outcome": "APPROVED",
    }


def free_references(a: Tenant) -> set[str]:
    """Ids of A's that :func:`links` gets into B's own records, by design: they name nothing
    B can read and A's rows ignore them.

    * A calendar event's ``resources[]`` are free references: any id is taken (Wix's Calendar
      takes resources of other systems too), and only the site's own resources get a name.
      A's availability reads A's event rows only, so B's event "using" A's room blocks
      nothing of A's.
    * A checkout's line item names its catalog item by id: one of no booking of the site's is
      kept with its availability ``NOT_FOUND`` and cannot be ordered.
    """
    return {a.ids["resource"], a.ids["booking"]}


def links(a: Tenant, b: Tenant) -> dict[str, list[dict[str, Any]]]:
    """Requests that would tie a record of B's (named in the path, or here) to a record of
    A's, by method name: each must be refused or leave B's record without A's id."""
    i, j = a.ids, b.ids
    b_massage = {"id": j["service"], "schedule": {"id": j["schedule"]}}
    day = a.day + timedelta(days=2)
    own_slot = _slot(a, j["service"], j["schedule"], "12:00", "13:00")
    return {
        "UpdateService": [
            {"service": {"revision": CURRENT, "bookingPolicy": {"id": i["policy"]}}},
            {"service": {"revision": CURRENT, "staffMemberIds": [i["staff_resource"]]}},
        ],
        "CreateService": [{"service": {**_SERVICE, "staffMemberIds": [i["staff_resource"]]}}],
        "UpdateEvent": [{"event": {"revision": CURRENT, "resources": [{"id": i["resource"]}]}}],
        "CreateEvent": [
            {
                "event": {
                    **_event(a),
                    "scheduleId": j["class_schedule"],
                    "resources": [{"id": i["resource"]}],
                }
            }
        ],
        "createBooking": [
            {"booking": appointment_booking(b_massage, day, resource=i["staff_resource"])},
            {"booking": class_booking({"id": j["class_service"]}, {"id": i["event"]})},
        ],
        "rescheduleBooking": [
            {"revision": CURRENT, "slot": _slot(a, i["service"], i["schedule"], "12:00", "13:00")},
            {"revision": CURRENT, "slot": {**own_slot, "resource": {"id": i["staff_resource"]}}},
        ],
        "registerToWaitlist": [
            {"booking": class_booking({"id": j["class_service"]}, {"id": i["event"]})}
        ],
        "createMultiServiceBooking": [
            {"bookings": [appointment_booking(b_massage, day), _booking(a)]}
        ],
        "addBookingsToMultiServiceBooking": [
            {
                "multiServiceBookingId": j["multi_service_booking"],
                "bookings": [{"bookingId": i["booking"], "revision": "1"}],
            }
        ],
        "addToCheckout": [{"lineItems": [_line(a)]}],
        "SetAttendance": [
            {
                "attendance": {
                    "bookingId": j["class_booking"],
                    "eventId": i["event"],
                    "status": "ATTENDED",
                }
            }
        ],
        "ListAvailabilityTimeSlots": [
            {
                "serviceId": j["service"],
                **_window(a),
                "resourceTypes": [{"resourceIds": [i["staff_resource"]]}],
            }
        ],
        "SetAddOnsForGroup": [
            {
                "serviceId": j["service"],
                "groupId": i["add_on_group"],
                "addOnIds": ["6f1c3b8e-0d7a-4e7b-9c61-2f9d0a3e5b14"],
            }
        ],
    }
