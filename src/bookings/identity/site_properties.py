"""Site Properties (``GET /site-properties/v4/properties``): the few a bookings client reads."""

from __future__ import annotations

from bookings.identity import service
from bookings.platform.auth import ANYONE
from bookings.platform.routing import ApiRouter, Call
from bookings.platform.wire import FieldMask, WireModel

router = ApiRouter("Site Properties")


class GetSitePropertiesRequest(WireModel):
    fields: FieldMask | None = None


class SiteProperties(WireModel):
    site_display_name: str
    business_name: str
    time_zone: str


class GetSitePropertiesResponse(WireModel):
    properties: SiteProperties


@router.method(
    "GetSiteProperties",
    "GET",
    ["/site-properties/v4/properties", "/_api/site-properties/v4/properties"],
    roles=ANYONE,
    request=GetSitePropertiesRequest,
    response=GetSitePropertiesResponse,
)
async def get_site_properties(
    call: Call, req: GetSitePropertiesRequest
) -> GetSitePropertiesResponse:
    """The site's name and time zone."""
    site = await service.get_site(call.db, call.site_id)
    if site is None:  # the site was deleted while its key still existed
        raise service.site_not_found(call.site_id)
    return GetSitePropertiesResponse(
        properties=SiteProperties(
            site_display_name=site.name, business_name=site.name, time_zone=site.time_zone
        )
    )
