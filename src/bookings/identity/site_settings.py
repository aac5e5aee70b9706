"""The site settings a business may change (pure, no I/O): each with its key, type, default,
validation and a one-line description. The CLI (``bookings sites settings``) and the
dashboard read and change them through :mod:`bookings.identity.service`.

Most live in the ``sites.settings`` JSON object, under the key named here, and are read by
the slice that uses them (``createdBookingHoldMinutes`` by booking, ``reminderOffsetsMinutes``,
``businessEmail`` and ``notifyBusiness`` by notifications, ``slotsSplitInterval`` by
availability, ``currency`` by identity); ``timeZone`` and ``name`` are columns of ``sites``.
A setting that is not stored has its default; resetting one removes it.

A value may be given typed (JSON) or as text (the command line, a form): ``10``, ``a,b``,
``true``; ``none`` is an empty list, and an empty text resets the setting to its default.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bookings.platform.timezones import is_valid_zone

#: The longest hold of a CREATED booking (7 days; the booking slice reads no more).
MAX_HOLD_MINUTES = 7 * 24 * 60
#: The earliest a reminder may go out: 60 days before (the notifications slice's bound).
MAX_REMINDER_MINUTES = 60 * 24 * 60
MAX_REMINDERS = 10
MAX_EMBED_HOSTS = 20
MAX_NAME_LENGTH = 200

_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;.]+$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_HOST = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})
_EMPTY_LIST = frozenset({"none", "[]"})
_SAME_AS_DURATION = frozenset({"duration", "same", "sameasduration"})


class SettingError(ValueError):
    """A key that is not a setting, or a value it does not allow (``message`` says which)."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message


@dataclass(frozen=True)
class Setting:
    key: str
    #: The type, as a person reads it: "integer", "list of minutes", "email", ...
    type: str
    default: Any
    description: str
    #: What is allowed, as said in an error.
    allowed: str
    #: JSON value -> the value stored; raises :class:`SettingError`.
    check: Callable[[str, Any], Any]
    #: Text -> JSON value (before :attr:`check`).
    parse: Callable[[str, str], Any]
    #: The ``sites`` column it is, when not a key of ``sites.settings``.
    column: str | None = None

    def value_of(self, value: Any) -> Any:
        """``value`` (typed or text; ``None`` or ``""`` = the default) as it is stored. A
        setting without a default (``name``) cannot be reset."""
        if value is None or (isinstance(value, str) and not value.strip()):
            if self.default is None:
                raise SettingError(self.key, f"has no default, give a value: {self.allowed}")
            return self.check(self.key, self.default)
        if isinstance(value, str):
            try:
                value = self.parse(self.key, value.strip())
            except SettingError:
                raise _fail(self.key, self.allowed, value.strip()) from None
        return self.check(self.key, value)


@dataclass(frozen=True)
class SettingView:
    """One setting of one site, for a listing: the dashboard's form, ``sites settings``."""

    key: str
    value: Any
    default: Any
    description: str
    type: str
    allowed: str

    @property
    def is_default(self) -> bool:
        return bool(self.value == self.default)

    @property
    def text(self) -> str:
        return as_text(self.value)

    @property
    def default_text(self) -> str:
        return as_text(self.default)


# ---------------------------------------------------------------- value checks


def _fail(key: str, allowed: str, value: Any) -> SettingError:
    return SettingError(key, f"{value!r} is not allowed: {allowed}")


def _int_in(low: int, high: int) -> Callable[[str, Any], int]:
    def check(key: str, value: Any) -> int:
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
            return value
        raise _fail(key, f"a whole number from {low} to {high}", value)

    return check


def _parse_int(key: str, text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        raise SettingError(key, f"{text!r} is not a whole number") from None


def _parse_list(item: Callable[[str, str], Any]) -> Callable[[str, str], Any]:
    def parse(key: str, text: str) -> list[Any]:
        if text.lower() in _EMPTY_LIST:
            return []
        return [item(key, part.strip()) for part in text.split(",") if part.strip()]

    return parse


def _text(_key: str, text: str) -> str:
    return text


def _check_reminders(key: str, value: Any) -> list[int]:
    allowed = (
        f"a list of at most {MAX_REMINDERS} numbers of minutes before the start, each from 1 "
        f"to {MAX_REMINDER_MINUTES} (e.g. 1440,60; none = no reminders)"
    )
    one = _int_in(1, MAX_REMINDER_MINUTES)
    if not isinstance(value, list) or len(value) > MAX_REMINDERS:
        raise _fail(key, allowed, value)
    try:
        return sorted({one(key, v) for v in value}, reverse=True)
    except SettingError:
        raise _fail(key, allowed, value) from None


def _check_email(key: str, value: Any) -> str:
    if isinstance(value, str) and (value == "" or _EMAIL.match(value.strip())):
        return value.strip()
    raise _fail(key, "an email address such as owner@example.com, or empty", value)


def _check_bool(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise _fail(key, "true or false", value)


def _parse_bool(key: str, text: str) -> Any:
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    raise SettingError(key, f"{text!r} is not allowed: true or false")


_SPLIT_ALLOWED = "duration (slots follow each other), or minutes between slot starts, 1 to 1440"


def _check_split(key: str, value: Any) -> dict[str, Any]:
    if isinstance(value, int) and not isinstance(value, bool):
        value = {"sameAsDuration": False, "valueInMinutes": value}
    if isinstance(value, Mapping):
        if value.get("sameAsDuration") is True and set(value) <= {"sameAsDuration"}:
            return {"sameAsDuration": True}
        minutes = value.get("valueInMinutes")
        if (
            value.get("sameAsDuration") is False
            and set(value) <= {"sameAsDuration", "valueInMinutes"}
            and isinstance(minutes, int)
            and not isinstance(minutes, bool)
            and 1 <= minutes <= 1440
        ):
            return {"sameAsDuration": False, "valueInMinutes": minutes}
    raise _fail(key, _SPLIT_ALLOWED, value)


def _parse_split(key: str, text: str) -> Any:
    if text.lower() in _SAME_AS_DURATION:
        return {"sameAsDuration": True}
    return _parse_int(key, text)


def _check_currency(key: str, value: Any) -> str:
    if isinstance(value, str) and _CURRENCY.match(value.strip().upper()):
        return value.strip().upper()
    raise _fail(key, "an ISO 4217 currency code of three letters, e.g. EUR", value)


def origin_of(text: str) -> str | None:
    """``scheme://host[:port]`` of an http(s) origin, lower-cased; ``None`` when ``text`` is
    not one (a path, a query, credentials, a wildcard)."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname or ""
    if (
        parts.scheme.lower() not in ("http", "https")
        or not _HOST.match(host)
        or parts.username is not None
        or parts.password is not None
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or "#" in text
        or text.strip().endswith("?")
    ):
        return None
    return f"{parts.scheme.lower()}://{host}" + (f":{port}" if port is not None else "")


def _check_origins(key: str, value: Any) -> list[str]:
    allowed = (
        f"a list of at most {MAX_EMBED_HOSTS} origins, scheme and host with an optional port "
        "and no path, e.g. https://example.com,https://shop.example.com:8443 (none = only this "
        "server)"
    )
    if not isinstance(value, list) or len(value) > MAX_EMBED_HOSTS:
        raise _fail(key, allowed, value)
    found: list[str] = []
    for item in value:
        origin = origin_of(item) if isinstance(item, str) else None
        if origin is None:
            raise _fail(key, allowed, item)
        if origin not in found:
            found.append(origin)
    return found


def _check_zone(key: str, value: Any) -> str:
    if isinstance(value, str) and is_valid_zone(value.strip()):
        return value.strip()
    raise _fail(key, "an IANA time zone name, e.g. Europe/London or America/New_York", value)


def _check_name(key: str, value: Any) -> str:
    if isinstance(value, str) and 0 < len(value.strip()) <= MAX_NAME_LENGTH:
        return value.strip()
    raise _fail(key, f"the business's name, 1 to {MAX_NAME_LENGTH} characters", value)


# ---------------------------------------------------------------- the registry

_ALL = (
    Setting(
        "name",
        "text",
        None,  # no default: it cannot be reset
        "The business's name, shown on its booking page (the page's address does not change).",
        f"the business's name, 1 to {MAX_NAME_LENGTH} characters",
        _check_name,
        _text,
        column="name",
    ),
    Setting(
        "timeZone",
        "time zone",
        "UTC",
        "The business's time zone: working hours and sessions are in it.",
        "an IANA time zone name, e.g. Europe/London",
        _check_zone,
        _text,
        column="time_zone",
    ),
    Setting(
        "currency",
        "currency",
        "USD",
        "The currency of prices that name none (ISO 4217).",
        "an ISO 4217 currency code of three letters, e.g. EUR",
        _check_currency,
        _text,
    ),
    Setting(
        "createdBookingHoldMinutes",
        "minutes",
        15,
        "How long a booking waiting for payment (CREATED) holds its place; 0 = not at all.",
        f"a whole number from 0 to {MAX_HOLD_MINUTES}",
        _int_in(0, MAX_HOLD_MINUTES),
        _parse_int,
    ),
    Setting(
        "slotsSplitInterval",
        "duration or minutes",
        {"sameAsDuration": True},
        "How often appointment slots start: back to back (duration), or every N minutes.",
        _SPLIT_ALLOWED,
        _check_split,
        _parse_split,
    ),
    Setting(
        "reminderOffsetsMinutes",
        "list of minutes",
        [1440],
        "When customers get reminders, in minutes before the start; none = no reminders.",
        "numbers of minutes from 1 to 86400, e.g. 1440,60; none = no reminders",
        _check_reminders,
        _parse_list(_parse_int),
    ),
    Setting(
        "businessEmail",
        "email",
        "",
        "Where the business gets a copy of each booking email; empty = nowhere.",
        "an email address, or empty",
        _check_email,
        _text,
    ),
    Setting(
        "notifyBusiness",
        "true/false",
        True,
        "Whether businessEmail gets those copies (false pauses them, keeping the address).",
        "true or false",
        _check_bool,
        _parse_bool,
    ),
    Setting(
        "allowedEmbedHosts",
        "list of origins",
        [],
        "Other web sites allowed to show the booking page in a frame, e.g. https://example.com.",
        "origins (scheme://host[:port], no path), e.g. https://example.com; none = no other",
        _check_origins,
        _parse_list(_text),
    ),
)

SETTINGS: dict[str, Setting] = {s.key: s for s in _ALL}
#: The settings stored as columns of ``sites`` (key -> column).
COLUMNS: dict[str, str] = {s.key: s.column for s in _ALL if s.column}


def setting(key: str) -> Setting:
    try:
        return SETTINGS[key]
    except KeyError:
        raise SettingError(
            key, "there is no such setting; the settings are " + ", ".join(SETTINGS)
        ) from None


def check_changes(changes: Mapping[str, Any]) -> tuple[dict[str, Any], list[SettingError]]:
    """The values to store of ``changes`` (key -> typed value, text, or ``None`` = default),
    and the errors of those that are wrong (all of them, not only the first)."""
    found: dict[str, Any] = {}
    wrong: list[SettingError] = []
    for key, value in changes.items():
        try:
            found[key] = setting(key).value_of(value)
        except SettingError as exc:
            wrong.append(exc)
    return found, wrong


def parse_assignments(args: Iterable[str]) -> dict[str, str]:
    """``["KEY=VALUE", ...]`` -> ``{KEY: VALUE}`` (texts; checked by :func:`check_changes`)."""
    found: dict[str, str] = {}
    for arg in args:
        key, sep, value = arg.partition("=")
        if not sep or not key.strip():
            raise SettingError(arg, "write KEY=VALUE (KEY= resets the setting to its default)")
        found[key.strip()] = value
    return found


def merged(stored: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """``sites.settings`` after storing ``values`` (checked; columns left out): a value equal
    to the default removes its key, so that a later change of the default reaches it."""
    out = dict(stored)
    for key, value in values.items():
        if key in COLUMNS:
            continue
        if value == SETTINGS[key].default:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def views(columns: Mapping[str, Any], stored: Mapping[str, Any]) -> list[SettingView]:
    """Every setting's value (its default when unset or unreadable), in registry order.

    ``columns``: the ``sites`` columns by key (``name``, ``timeZone``); ``stored``: the
    ``sites.settings`` object."""
    out: list[SettingView] = []
    for s in _ALL:
        raw = columns.get(s.key) if s.column else stored.get(s.key)
        try:
            value = s.default if raw is None else s.check(s.key, raw)
        except SettingError:
            value = s.default
        out.append(SettingView(s.key, value, s.default, s.description, s.type, s.allowed))
    return out


def as_text(value: Any) -> str:
    """A value as it is written on the command line (``parse`` reads it back)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(v) for v in value) if value else "none"
    if isinstance(value, Mapping) and "sameAsDuration" in value:
        return "duration" if value["sameAsDuration"] else str(value.get("valueInMinutes"))
    return str(value)
