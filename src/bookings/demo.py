"""The demo site that ``bookings serve`` creates on first start.

Its admin key is kept in ``<data dir>/demo-site.json`` (mode 0600) so that later starts can
print it again: keys are stored hashed, so the database alone cannot.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bookings.demo_catalog import seed_demo_catalog
from bookings.identity import service as identity
from bookings.identity.credentials import authenticate
from bookings.platform.auth import Role
from bookings.platform.errors import ApiError
from bookings.platform.routing import Services

DEMO_SITE_NAME = "Demo Studio"
DEMO_TIME_ZONE = "Europe/London"


@dataclass(frozen=True)
class DemoSite:
    site_id: str
    client_id: str
    admin_api_key: str
    time_zone: str
    name: str
    #: What the demo business offers, as printed on start.
    catalog: list[str] = field(default_factory=list)


def _state_file(data_dir: Path) -> Path:
    return data_dir / "demo-site.json"


async def _still_valid(services: Services, demo: DemoSite) -> bool:
    """The saved key still opens the saved site (it may be another database now)."""
    try:
        who = await authenticate(services.db, demo.admin_api_key, demo.site_id)
    except ApiError:
        return False
    return who.role is Role.ADMIN


async def ensure_demo_site(services: Services, data_dir: Path) -> tuple[DemoSite, bool]:
    """The demo site of this database, created on first call. Returns it and whether it is new."""
    saved = _read_state(_state_file(data_dir))
    if saved is not None and await _still_valid(services, saved):
        return saved, False
    site = await identity.create_site(services.db, DEMO_SITE_NAME, DEMO_TIME_ZONE)
    _, key = await identity.create_api_key(services.db, site.site_id, Role.ADMIN, "demo admin key")
    catalog = await seed_demo_catalog(services, key, DEMO_TIME_ZONE)
    demo = DemoSite(site.site_id, site.client_id, key, site.time_zone, site.name, catalog.lines())
    _write_state(_state_file(data_dir), demo)
    return demo, True


def _read_state(path: Path) -> DemoSite | None:
    try:
        return DemoSite(**json.loads(path.read_text()))
    except (OSError, TypeError, ValueError):
        return None


def _write_state(path: Path, demo: DemoSite) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(asdict(demo), fh, indent=2)
