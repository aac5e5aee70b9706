"""A client generated from ``/openapi.json`` works (issue 17): ``openapi-python-client``
writes a Python package from the document (offline, into a temporary directory), and the
package's own models and ``create_booking`` make a booking on this server.

The catalog (a class and one of its sessions) is made through plain HTTP; only the booking
goes through the generated code, and its answer is read by the generated models."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from bookings.app import create_app
from bookings.config import Settings
from tests.booking.conftest import Catalog, class_booking, next_monday
from tests.conftest import SiteKeys

pytestmark = pytest.mark.slow

PACKAGE = "bookings_api_client"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The generated package, imported from where the generator wrote it."""
    root = tmp_path_factory.mktemp("generated")
    doc = root / "openapi.json"
    app = create_app(Settings(data_dir=root, demo=False, log_json=False))
    doc.write_text(json.dumps(app.openapi()))
    config = root / "config.json"
    # No post hooks: the generator would run ruff on the output, which is not its business here.
    config.write_text(json.dumps({"package_name_override": PACKAGE, "post_hooks": []}))
    generator = Path(sys.executable).with_name("openapi-python-client")
    done = subprocess.run(
        [
            str(generator),
            "generate",
            "--path",
            str(doc),
            "--output-path",
            str(root / "src" / PACKAGE),
            "--meta",
            "none",
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    # Warnings name the parts of the document the generator had to skip: there must be none.
    assert done.returncode == 0 and "Warning" not in done.stdout + done.stderr, done.stdout
    sys.path.insert(0, str(root / "src"))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(root / "src"))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


async def test_the_generated_client_creates_a_booking(
    generated: ModuleType, app: Any, client: httpx.AsyncClient, site: SiteKeys
) -> None:
    catalog = Catalog(client, site.admin)
    yoga = await catalog.group(capacity=10)
    session = await catalog.session(yoga, next_monday(), capacity=10)

    writer = f"{PACKAGE}.api.bookings_writer_v2"
    create_booking: Any = importlib.import_module(f"{writer}.create_booking")
    models: Any = importlib.import_module(f"{PACKAGE}.models")
    api = generated.AuthenticatedClient(
        base_url="http://testserver",
        token=site.admin_key,
        prefix="",  # the API key is the whole Authorization header
        headers={"wix-site-id": site.site_id},
        httpx_args={"transport": httpx.ASGITransport(app=app)},
    )
    body = models.CreateBookingRequest(
        booking=models.BookingIn.from_dict(class_booking(yoga, session)),
    )
    async with api:
        answer = await create_booking.asyncio_detailed(client=api, body=body)

    assert answer.status_code == 200, answer.content
    created = answer.parsed
    assert isinstance(created, models.CreateBookingResponse)
    booking = created.booking
    assert isinstance(booking, models.BookingOut)
    assert booking.status == models.Status.CREATED  # createBooking's first status
    assert booking.revision == "1"
    # The booking is there, as plain HTTP sees it.
    stored = await client.post(
        "/_api/bookings-reader/v2/extended-bookings/query",
        json={"query": {"filter": {"id": booking.id}}},
        headers=site.admin,
    )
    found = stored.json()["extendedBookings"]
    assert [b["booking"]["id"] for b in found] == [booking.id]
    assert found[0]["booking"]["bookedEntity"]["slot"]["eventId"] == session["id"]
