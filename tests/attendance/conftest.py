"""Helpers of the attendance tests: the API's paths and a site with one booking of each kind
(made through HTTP with the bookings tests' catalog helpers)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.booking.conftest import (
    Catalog,
    appointment_booking,
    class_booking,
    course_booking,
    created,
    next_monday,
)
from tests.conftest import SiteKeys
from tests.helpers import ok

SINGLE = "/bookings/bookings-attendance"
BULK = "/bookings/v2/bulk/attendance"
STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@dataclass
class Booked:
    """One site's catalog and a booking of each kind, made by its ADMIN."""

    client: httpx.AsyncClient
    site: SiteKeys
    catalog: Catalog
    yoga: dict[str, Any]
    #: The class session of ``klass``, and another session of the same class.
    session: dict[str, Any]
    other_session: dict[str, Any]
    course: dict[str, Any]
    #: Two one-off sessions of ``course``.
    course_sessions: list[dict[str, Any]]
    appointment: dict[str, Any]
    klass: dict[str, Any]
    course_booking: dict[str, Any]

    async def book_class(self, headers: dict[str, str] | None = None) -> dict[str, Any]:
        """Another booking of the class session (as ADMIN unless ``headers`` say otherwise)."""
        booking = class_booking(self.yoga, self.session)
        return await created(self.client, headers or self.site.admin, booking)

    async def set(self, attendance: dict[str, Any], **extra: Any) -> httpx.Response:
        body = {"attendance": attendance, **extra}
        return await self.client.post(f"{SINGLE}/set", json=body, headers=self.site.admin)

    async def put(self, attendance: dict[str, Any]) -> dict[str, Any]:
        """Set, expecting success: the attendance."""
        found: dict[str, Any] = ok(await self.set(attendance))["attendance"]
        return found

    async def get(self, attendance_id: str) -> httpx.Response:
        return await self.client.get(f"{SINGLE}/{attendance_id}", headers=self.site.admin)

    async def query(self, query: dict[str, Any]) -> httpx.Response:
        return await self.client.post(
            f"{SINGLE}/query", json={"query": query}, headers=self.site.admin
        )


async def book_everything(client: httpx.AsyncClient, site: SiteKeys) -> Booked:
    cat = Catalog(client, site.admin)
    ana = await cat.staff("Ana")
    massage = await cat.appointment([ana])
    yoga = await cat.group("CLASS", capacity=20)
    day = next_monday()
    session = await cat.session(yoga, day, capacity=20)
    other_session = await cat.session(yoga, day + timedelta(days=1), capacity=20)
    course = await cat.group("COURSE", capacity=20)
    course_sessions = [
        await cat.session(course, day, "10:00", "11:00"),
        await cat.session(course, day + timedelta(days=7), "10:00", "11:00"),
    ]
    appointment = await created(client, site.admin, appointment_booking(massage, day, resource=ana))
    klass = await created(client, site.admin, class_booking(yoga, session))
    course_bk = await created(client, site.admin, course_booking(course))
    return Booked(
        client,
        site,
        cat,
        yoga,
        session,
        other_session,
        course,
        course_sessions,
        appointment,
        klass,
        course_bk,
    )


@pytest.fixture
async def booked(client: httpx.AsyncClient, site: SiteKeys) -> Booked:
    return await book_everything(client, site)
