"""``/docs``: Swagger UI from this server's own static files (``static/vendor/swagger-ui-*``,
see ``static/VENDOR.md``), so the API docs work without internet and no request leaves the
server: FastAPI's default page loads Swagger UI from a CDN."""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.requests import Request
from starlette.responses import Response

from bookings.web.templating import static_url

SWAGGER_UI_VERSION = "5.35.0"
SWAGGER_UI_DIR = f"vendor/swagger-ui-{SWAGGER_UI_VERSION}"
DOCS_PATH = "/docs"

#: Swagger UI's settings: no online validator badge (it would call validator.swagger.io).
SWAGGER_UI_PARAMETERS = {"validatorUrl": None}

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)

router = APIRouter(include_in_schema=False)


def _script_hashes(html: str) -> str:
    """The CSP sources allowing exactly the page's inline scripts (the Swagger UI start-up)."""
    return " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(html)
    )


def docs_page(title: str, openapi_url: str) -> Response:
    """The Swagger UI page, with a CSP that lets it reach this server only."""
    page = get_swagger_ui_html(
        openapi_url=openapi_url,
        title=f"{title} — API docs",
        swagger_js_url=static_url(f"{SWAGGER_UI_DIR}/swagger-ui-bundle.js"),
        swagger_css_url=static_url(f"{SWAGGER_UI_DIR}/swagger-ui.css"),
        swagger_favicon_url=static_url(f"{SWAGGER_UI_DIR}/favicon-32x32.png"),
        swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
    )
    html = bytes(page.body).decode()
    page.headers["Content-Security-Policy"] = (
        f"default-src 'self'; script-src 'self' {_script_hashes(html)}; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
        "form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'"
    )
    page.headers["X-Frame-Options"] = "DENY"
    page.headers["X-Content-Type-Options"] = "nosniff"
    page.headers["Referrer-Policy"] = "same-origin"
    return page


@router.get(DOCS_PATH)
async def docs(request: Request) -> Response:
    app: FastAPI = request.app
    return docs_page(app.title, app.openapi_url or "/openapi.json")
