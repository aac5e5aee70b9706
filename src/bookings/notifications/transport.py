"""How a message leaves: SMTP (``aiosmtplib``) or ``.eml`` files for e-mail; an SMS provider
interface whose default backend writes to the log.

``BOOKINGS_SMTP_URL``:

* ``smtp://[user:pass@]host[:port]`` — port 25 by default; STARTTLS when the server offers it;
* ``smtp+starttls://…`` — port 587 by default; STARTTLS required;
* ``smtps://…`` — port 465 by default; TLS from the first byte.

Query parameters: ``timeout`` (seconds, default 30), ``verify=0`` (do not check the server's
certificate). User and password are URL-decoded.

A send either succeeds, or raises :class:`TransientFailure` (connection refused or dropped,
timeout, a 4xx answer: try again later) or :class:`PermanentFailure` (a 5xx answer: the message
will never go through as it is).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

log = logging.getLogger("bookings.notifications")
sms_log = logging.getLogger("bookings.sms")


class TransientFailure(Exception):
    """Try again later."""


class PermanentFailure(Exception):
    """Do not try again."""


class MailTransport(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


class SmsProvider(Protocol):
    """Sends one text message to a phone number (raise the failures above)."""

    async def send(self, to: str, text: str) -> None: ...


@dataclass(frozen=True)
class SmtpTransport:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    use_tls: bool = False
    start_tls: bool | None = None
    timeout: float = 30.0
    validate_certs: bool = True

    @classmethod
    def from_url(cls, url: str) -> SmtpTransport:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        defaults = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
        if scheme not in defaults or not parts.hostname:
            raise ValueError(
                "BOOKINGS_SMTP_URL must be smtp://, smtp+starttls:// or smtps://"
                "[user:pass@]host[:port]"
            )
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        return cls(
            host=parts.hostname,
            port=parts.port or defaults[scheme],
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            use_tls=scheme == "smtps",
            start_tls=True if scheme == "smtp+starttls" else (False if scheme == "smtps" else None),
            timeout=float(query.get("timeout", 30)),
            validate_certs=query.get("verify", "1") not in {"0", "false", "no"},
        )

    async def send(self, message: EmailMessage) -> None:
        try:
            await aiosmtplib.send(
                message,
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                use_tls=self.use_tls,
                start_tls=self.start_tls,
                timeout=self.timeout,
                validate_certs=self.validate_certs,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            text = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in exc.recipients)
            if codes and all(c >= 500 for c in codes):
                raise PermanentFailure(f"recipients refused: {text}") from None
            raise TransientFailure(f"recipients refused: {text}") from None
        except aiosmtplib.SMTPResponseException as exc:
            text = f"{exc.code} {exc.message}"
            if exc.code >= 500:
                raise PermanentFailure(text) from None
            raise TransientFailure(text) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise TransientFailure(f"{type(exc).__name__}: {exc}") from None


@dataclass(frozen=True)
class FileTransport:
    """Each message becomes ``<directory>/<Message-ID local part>.eml``."""

    directory: Path

    async def send(self, message: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = str(message["Message-ID"] or "message").strip("<>").split("@", 1)[0]
        path = self.directory / f"{name}.eml"
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(bytes(message))
        tmp.replace(path)


class LogSmsProvider:
    """The default SMS backend: the message goes to the log (``bookings.sms``)."""

    async def send(self, to: str, text: str) -> None:
        sms_log.info("SMS to %s: %s", to, text)


def mail_transport(smtp_url: str | None, data_dir: Path) -> MailTransport:
    if smtp_url:
        return SmtpTransport.from_url(smtp_url)
    return FileTransport(data_dir / "mail")
