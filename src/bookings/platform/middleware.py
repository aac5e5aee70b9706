"""The outermost layer: a request id on every response, one log line per request, and a
last-resort net that turns an unexpected exception into the error envelope: HTTP 503 when
the database cannot be reached or cannot take work now (``engines.is_unavailable``), else 500."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bookings.platform import errors
from bookings.platform.engines import is_unavailable
from bookings.platform.wire import new_uuid

log = logging.getLogger("bookings.request")

REQUEST_ID_HEADER = "X-Wix-Request-Id"


class RequestContextMiddleware:
    """``log_requests=False``: no line per request (an app used in-process, e.g. to seed the
    demo; errors are logged all the same)."""

    def __init__(self, app: ASGIApp, log_requests: bool = True, timeout_seconds: float = 0) -> None:
        self.app = app
        self.log_requests = log_requests
        #: A request still running after this long is cancelled and answers 503 (0: never).
        self.timeout_seconds = timeout_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = new_uuid().hex
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = int(message["status"])
                MutableHeaders(scope=message).append(REQUEST_ID_HEADER, request_id)
            await send(message)

        try:
            if self.timeout_seconds > 0:
                async with asyncio.timeout(self.timeout_seconds):
                    await self.app(scope, receive, send_with_id)
            else:
                await self.app(scope, receive, send_with_id)
        except Exception as exc:
            if isinstance(exc, TimeoutError) and self.timeout_seconds > 0:
                log.warning(
                    "request timed out after %ss",
                    self.timeout_seconds,
                    extra={"requestId": request_id},
                )
                error = errors.ApplicationError(
                    "REQUEST_TIMEOUT",
                    "The request took too long and was stopped: retry it "
                    "(an Idempotency-Key makes that safe)",
                    http_status=503,
                )
                headers = [(b"retry-after", b"1")]
            elif is_unavailable(exc):
                log.warning(
                    "database unavailable: %s: %s",
                    type(exc).__name__,
                    exc,
                    extra={"requestId": request_id},
                )
                error, headers = errors.unavailable(), [(b"retry-after", b"1")]
            else:
                log.exception("unhandled error", extra={"requestId": request_id})
                error, headers = errors.internal_error(), []
            if not response_started:
                body = json.dumps(error.body()).encode()
                await send_with_id(
                    {
                        "type": "http.response.start",
                        "status": error.http_status,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            *headers,
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
        finally:
            if self.log_requests and scope.get("path") != "/healthz":
                log.info(
                    "request",
                    extra={
                        "method": scope.get("method"),
                        "path": scope.get("path"),
                        "status": status,
                        "durationMs": round((time.perf_counter() - started) * 1000, 2),
                        "requestId": request_id,
                        "siteId": state.get("site_id"),
                    },
                )
