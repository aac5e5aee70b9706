"""``update_site_settings`` and ``site_settings_view`` on a database: all or nothing, columns
and JSON keys, other keys of ``sites.settings`` left alone."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bookings.identity import service as identity
from bookings.identity.models import sites
from bookings.platform.errors import ApplicationError, InvalidRequest
from bookings.platform.routing import Services
from tests.conftest import SiteKeys


async def stored(services: Services, site_id: str) -> dict[str, object]:
    async with services.db.connect_for_read() as conn:
        row = (await conn.execute(sa.select(sites).where(sites.c.site_id == site_id))).one()
    return {"name": row.name, "timeZone": row.time_zone, "settings": dict(row.settings)}


async def test_settings_change_all_or_nothing(services: Services, site: SiteKeys) -> None:
    async with services.db.connect_for_write() as conn:  # a key the registry does not know
        await conn.execute(
            sa.update(sites)
            .where(sites.c.site_id == site.site_id)
            .values(settings={"availability": {"maxRangeDays": 31}})
        )
    before = await stored(services, site.site_id)
    with pytest.raises(InvalidRequest) as caught:
        await identity.update_site_settings(
            services.db,
            site.site_id,
            {"currency": "EUR", "createdBookingHoldMinutes": "-5", "timeZone": "Nowhere/City"},
        )
    assert [v.field for v in caught.value.violations] == [
        "createdBookingHoldMinutes",
        "timeZone",
    ]
    assert "0 to 10080" in caught.value.violations[0].description
    assert await stored(services, site.site_id) == before

    site_row = await identity.update_site_settings(
        services.db,
        site.site_id,
        {"currency": "eur", "timeZone": "Europe/Madrid", "name": "Estudio", "notifyBusiness": True},
    )
    assert (site_row.name, site_row.time_zone) == ("Estudio", "Europe/Madrid")
    assert await stored(services, site.site_id) == {
        "name": "Estudio",
        "timeZone": "Europe/Madrid",
        "settings": {"availability": {"maxRangeDays": 31}, "currency": "EUR"},
    }
    views = {v.key: v for v in identity.site_settings_view(site_row)}
    assert views["currency"].value == "EUR" and views["currency"].default == "USD"
    assert views["notifyBusiness"].is_default and views["name"].value == "Estudio"
    assert all(v.description for v in views.values())

    with pytest.raises(ApplicationError) as missing:
        await identity.update_site_settings(
            services.db, "00000000-0000-4000-8000-000000000000", {"currency": "EUR"}
        )
    assert missing.value.code == "SITE_NOT_FOUND"
