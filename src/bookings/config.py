"""Settings read from the environment (``BOOKINGS_*``), gathered in one object."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() not in {"0", "false", "no", "off"}


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SystemExit(f"{name} must be an integer, got {raw!r}") from exc


def default_database_url(data_dir: Path) -> str:
    return f"sqlite+aiosqlite:///{data_dir / 'bookings.sqlite3'}"


@dataclass(frozen=True)
class Settings:
    """Everything the server can be told. ``Settings.from_env()`` reads ``BOOKINGS_*``."""

    data_dir: Path = Path("var")
    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8080
    demo: bool = True
    #: Automation hook: make sure this site exists and accepts this admin key.
    site_id: str | None = None
    admin_api_key: str | None = None
    site_time_zone: str = "UTC"
    #: Lifetime of visitor and member access tokens, in seconds (Wix: 4 hours).
    access_token_ttl_seconds: int = 14_400
    #: Secret used to sign cursors and tokens; generated and stored in the database if unset.
    secret: str | None = None
    log_json: bool = True
    #: How often the waitlist sweeper ends the offers that ran out (seconds; 0: never).
    waitlist_sweep_seconds: int = 30
    #: Mail by SMTP (``smtp://``, ``smtp+starttls://``, ``smtps://user:pass@host:port``); unset:
    #: each message is written as a ``.eml`` file under ``<data_dir>/mail/``.
    smtp_url: str | None = None
    #: The ``From`` of every e-mail.
    mail_from: str = "Bookings <bookings@localhost>"
    #: Base URL of this server as customers reach it (manage links, calendar UIDs).
    public_url: str = "http://127.0.0.1:8080"
    #: How often the notifier queues new outbox events and sends due messages (s; 0: never).
    notifications_seconds: int = 5
    #: How often the reminder scanner looks for due reminders (seconds; 0: never).
    reminder_scan_seconds: int = 60
    #: Run the webhook dispatcher inside ``serve`` (off: ``serve --no-dispatcher`` with
    #: ``bookings worker`` processes).
    dispatcher: bool = True
    #: How long a claimed webhook delivery stays leased to its dispatcher (seconds).
    webhook_lease_seconds: int = 60
    #: Total time a receiver has to answer (seconds).
    webhook_timeout_seconds: int = 15
    #: How often the dispatcher looks at the queue when nothing woke it (milliseconds).
    webhook_poll_ms: int = 1000
    #: Who takes online payments: ``fake`` (a test page of this server: no money moves),
    #: ``stripe`` (``pip install bookings[stripe]``) or ``none`` (online payment answers
    #: 501). Unset: ``fake`` for the demo, ``none`` otherwise.
    payment_provider: str = ""
    stripe_api_key: str | None = None
    stripe_webhook_secret: str | None = None
    #: How often refunds and fees left to a provider are tried again (seconds; 0: never).
    payment_tasks_seconds: int = 30
    #: ``/metrics`` (Prometheus) is served; with a token, a scrape must send it (Bearer).
    metrics: bool = False
    metrics_token: str | None = None
    #: Calls a minute per client IP of visitors, members and credential-less calls (0: no
    #: limit), and per API key (0: none unless the site sets one).
    #: PostgreSQL cancels a statement that runs longer (ms; 0: no limit).
    statement_timeout_ms: int = 15_000
    #: A request still running after this long answers 503 (seconds; 0: no limit).
    request_timeout_seconds: float = 30.0
    rate_limit_visitor_per_minute: int = 600
    rate_limit_api_key_per_minute: int = 0

    @property
    def payments(self) -> str:
        """The payment provider in effect (see :attr:`payment_provider`)."""
        chosen = self.payment_provider.strip().lower()
        return chosen or ("fake" if self.demo else "none")

    def __post_init__(self) -> None:
        if not self.database_url:
            object.__setattr__(self, "database_url", default_database_url(self.data_dir))

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = Path(os.environ.get("BOOKINGS_DATA_DIR", "var"))
        return cls(
            data_dir=data_dir,
            database_url=os.environ.get("BOOKINGS_DATABASE_URL", "").strip(),
            host=os.environ.get("BOOKINGS_HOST", "127.0.0.1"),
            port=_env_int("BOOKINGS_PORT", 8080),
            demo=_env_bool("BOOKINGS_DEMO", True),
            site_id=os.environ.get("BOOKINGS_SITE_ID") or None,
            admin_api_key=os.environ.get("BOOKINGS_ADMIN_API_KEY") or None,
            site_time_zone=os.environ.get("BOOKINGS_SITE_TIME_ZONE") or "UTC",
            access_token_ttl_seconds=_env_int("BOOKINGS_ACCESS_TOKEN_TTL_SECONDS", 14_400),
            secret=os.environ.get("BOOKINGS_SECRET") or None,
            log_json=_env_bool("BOOKINGS_LOG_JSON", True),
            waitlist_sweep_seconds=_env_int("BOOKINGS_WAITLIST_SWEEP_SECONDS", 30),
            smtp_url=os.environ.get("BOOKINGS_SMTP_URL", "").strip() or None,
            mail_from=os.environ.get("BOOKINGS_MAIL_FROM", "").strip()
            or "Bookings <bookings@localhost>",
            public_url=(
                os.environ.get("BOOKINGS_PUBLIC_URL", "").strip() or "http://127.0.0.1:8080"
            ).rstrip("/"),
            notifications_seconds=_env_int("BOOKINGS_NOTIFICATIONS_SECONDS", 5),
            reminder_scan_seconds=_env_int("BOOKINGS_REMINDER_SCAN_SECONDS", 60),
            dispatcher=_env_bool("BOOKINGS_DISPATCHER", True),
            webhook_lease_seconds=_env_int("BOOKINGS_WEBHOOK_LEASE_SECONDS", 60),
            webhook_timeout_seconds=_env_int("BOOKINGS_WEBHOOK_TIMEOUT_SECONDS", 15),
            webhook_poll_ms=_env_int("BOOKINGS_WEBHOOK_POLL_MS", 1000),
            payment_provider=os.environ.get("BOOKINGS_PAYMENT_PROVIDER", ""),
            stripe_api_key=os.environ.get("BOOKINGS_STRIPE_API_KEY") or None,
            stripe_webhook_secret=os.environ.get("BOOKINGS_STRIPE_WEBHOOK_SECRET") or None,
            payment_tasks_seconds=_env_int("BOOKINGS_PAYMENT_TASKS_SECONDS", 30),
            metrics=_env_bool("BOOKINGS_METRICS", False),
            metrics_token=os.environ.get("BOOKINGS_METRICS_TOKEN") or None,
            rate_limit_visitor_per_minute=_env_int("BOOKINGS_RATE_LIMIT_VISITOR_PER_MINUTE", 600),
            statement_timeout_ms=_env_int("BOOKINGS_STATEMENT_TIMEOUT_MS", 15_000),
            request_timeout_seconds=float(_env_int("BOOKINGS_REQUEST_TIMEOUT_SECONDS", 30)),
            rate_limit_api_key_per_minute=_env_int("BOOKINGS_RATE_LIMIT_API_KEY_PER_MINUTE", 0),
        )

    def with_overrides(self, **changes: object) -> Settings:
        clean = {k: v for k, v in changes.items() if v is not None}
        if (
            "data_dir" in clean
            and "database_url" not in clean
            and not os.environ.get("BOOKINGS_DATABASE_URL")
        ):
            clean["database_url"] = default_database_url(Path(str(clean["data_dir"])))
        return replace(self, **clean)  # type: ignore[arg-type]
