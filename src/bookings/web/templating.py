"""Rendering of the web pages: one Jinja2 environment (autoescaped; templates under
``web/templates``), the static files' addresses (with a content hash, so they are cached for a
year and a new release is fetched at once), and the security headers of every page."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
STATIC_PREFIX = "/static"

#: ``frame-ancestors`` of pages that must never be framed (the dashboard, the landing page).
NEVER_FRAMED = "'none'"


@cache
def static_url(name: str) -> str:
    """``/static/{name}?v={hash}``: the address of a static file, changing with its content."""
    digest = hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:12]
    return f"{STATIC_PREFIX}/{name}?v={digest}"


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["static_url"] = static_url
    return env


def security_headers(frame_ancestors: str = NEVER_FRAMED) -> dict[str, str]:
    """The headers of every page: a strict CSP (scripts and styles of this server only, no
    inline script), who may frame it, no MIME sniffing, no referrer beyond this origin."""
    headers = {
        "Content-Security-Policy": (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"form-action 'self'; base-uri 'none'; object-src 'none'; "
            f"frame-ancestors {frame_ancestors}"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cache-Control": "no-store",
    }
    if frame_ancestors == NEVER_FRAMED:
        headers["X-Frame-Options"] = "DENY"
    return headers


def render(
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    frame_ancestors: str = NEVER_FRAMED,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """A page (or, for htmx, a fragment) rendered with the security headers."""
    html = environment().get_template(template).render(**(context or {}))
    return HTMLResponse(
        html,
        status_code=status_code,
        headers={**security_headers(frame_ancestors), **(headers or {})},
    )
