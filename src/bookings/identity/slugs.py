"""The slug of a site: the short name in its booking page's address (``/book/{slug}``),
made from its name (pure)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection

MAX_LENGTH = 48
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(name: str) -> str:
    """``"Café Studio Nº 1"`` → ``"cafe-studio-n-1"``; ``"site"`` when nothing is left."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = _NOT_SLUG.sub("-", plain.lower()).strip("-")[:MAX_LENGTH].strip("-")
    return slug or "site"


def free_slug(name: str, taken: Collection[str]) -> str:
    """The slug of ``name``, with ``-2``, ``-3``… when another site has it."""
    base = slugify(name)
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"
