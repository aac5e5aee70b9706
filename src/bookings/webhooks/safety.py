"""SSRF safety: where a webhook may be sent.

The URL's host is resolved and every address checked: a link-local address (169.254.0.0/16,
where cloud metadata services answer, fe80::/10, and their IPv4-mapped IPv6 forms) is always
refused; any other address that is not globally routable (private, loopback, CGNAT, ...) is
refused unless ``BOOKINGS_WEBHOOK_ALLOW_PRIVATE=1``. The dispatcher checks again at send time
and connects to the address it checked (no second resolution to rebind).
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

ALLOW_PRIVATE_ENV = "BOOKINGS_WEBHOOK_ALLOW_PRIVATE"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeUrl(Exception):
    """The URL may not be used; the message says why."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    address: str


def allow_private() -> bool:
    return os.environ.get(ALLOW_PRIVATE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def check_address(address: str) -> None:
    """Raise :class:`UnsafeUrl` if ``address`` may not receive webhooks."""
    ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_link_local:
        raise UnsafeUrl(f"resolves to the link-local (metadata) address {ip}: always refused")
    if not ip.is_global and not allow_private():
        raise UnsafeUrl(
            f"resolves to the private or loopback address {ip}: refused unless "
            f"{ALLOW_PRIVATE_ENV}=1"
        )


def parse(url: str) -> tuple[str, str, int]:
    """``(scheme, host, port)`` of an http(s) URL, or :class:`UnsafeUrl`."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl("is not a valid URL") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeUrl("must be an http or https URL with a host")
    if parts.username or parts.password:
        raise UnsafeUrl("must not carry credentials")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


async def resolve(url: str) -> Target:
    """Resolve and check ``url``; the first address is the one to connect to."""
    scheme, host, port = parse(url)
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise UnsafeUrl(f"host {host!r} does not resolve") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise UnsafeUrl(f"host {host!r} does not resolve")
    for address in addresses:
        check_address(address)
    return Target(scheme, host, port, addresses[0])
