"""Site slugs: the booking page's address, made from the site's name and unique."""

from __future__ import annotations

from bookings.identity import service as identity
from bookings.identity.slugs import free_slug, slugify
from bookings.platform.routing import Services


def test_slugify() -> None:
    assert slugify("Café Studio Nº 1") == "cafe-studio-no-1"
    assert slugify("  --Yoga & Pilates-- ") == "yoga-pilates"
    assert slugify("שלום") == "site"
    assert len(slugify("x" * 200)) == 48
    assert free_slug("Yoga", {"yoga", "yoga-2"}) == "yoga-3"
    assert free_slug("Yoga", set()) == "yoga"


async def test_sites_get_unique_slugs_and_are_found_by_them(services: Services) -> None:
    name = f"Slug studio {id(services)}"
    first = await identity.create_site(services.db, name)
    second = await identity.create_site(services.db, name)
    assert first.slug == slugify(name) and second.slug == f"{slugify(name)}-2"
    found = await identity.site_by_slug(services.db, second.slug)
    assert found is not None and found.site_id == second.site_id
    by_id = await identity.site_by_slug(services.db, first.site_id)
    assert by_id is not None and by_id.slug == first.slug
    assert await identity.site_by_slug(services.db, "no-such-site-slug") is None
