"""Who may frame a site's customer pages: ``frame-ancestors 'self'`` and the origins of the
site setting ``allowedEmbedHosts`` (a list of origins such as ``https://studio.example``).
An entry that is not a plain origin (a path, spaces, quotes, semicolons, another scheme than
http or https) is left out, so a setting can never widen or break the policy."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Protocol

#: The site setting that lists the hosts allowed to frame the booking pages.
SETTING = "allowedEmbedHosts"
_ORIGIN = re.compile(r"^https?://(\*\.)?[A-Za-z0-9.-]+(:[0-9]{1,5})?$")


class HasSettings(Protocol):
    @property
    def settings(self) -> Mapping[str, Any]: ...


def allowed_hosts(settings: Mapping[str, Any]) -> list[str]:
    """The valid origins of the setting, in order, each once (trailing ``/`` dropped)."""
    raw = settings.get(SETTING)
    if not isinstance(raw, list):
        return []
    found: list[str] = []
    for entry in raw:
        if not isinstance(entry, str):
            continue
        origin = entry.strip().rstrip("/")
        if _ORIGIN.match(origin) and origin not in found:
            found.append(origin)
    return found


def frame_ancestors_for(site: HasSettings) -> str:
    """The ``frame-ancestors`` sources of a site's customer pages."""
    return " ".join(["'self'", *allowed_hosts(site.settings)])
