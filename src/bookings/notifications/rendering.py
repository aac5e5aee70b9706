"""Templates: Jinja2 in an immutable sandbox, the package's defaults and a site's overrides.

A message has four parts, each a template: ``subject``, ``text`` (plain-text body), ``html``
(HTML body, autoescaped) and ``sms``. A site may override a part for every kind (name
``text``) or for one kind (``confirmed.text``); the most specific wins, then the package
default (``templates/``). Site templates are checked when saved (:func:`check_template`):
syntax, size, and no attribute or item whose name starts with ``_`` (the way out of a
sandbox: ``''.__class__.__mro__``); at render time the sandbox refuses any unsafe access and
mutation, and a site template that fails falls back to the default (:func:`render`).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from importlib import resources
from typing import Any

from jinja2 import BaseLoader, TemplateError, TemplateNotFound, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from bookings.platform import errors

log = logging.getLogger("bookings.notifications")

PARTS = ("subject", "text", "html", "sms")
KINDS = (
    "created",
    "pending",
    "confirmed",
    "declined",
    "canceled",
    "rescheduled",
    "waitlist_offer",
    "reminder",
)
#: The file of each part's default in ``templates/``.
_FILES = {"subject": "subject.txt", "text": "text.txt", "html": "html.html", "sms": "sms.txt"}
#: Largest site template (characters).
MAX_TEMPLATE = 64 * 1024


def template_names() -> list[str]:
    """Every name a site may override."""
    return [*PARTS, *(f"{k}.{p}" for k in KINDS for p in PARTS)]


def default_source(part: str) -> str:
    return (resources.files(__package__) / "templates" / _FILES[part]).read_text("utf-8")


class _Defaults(BaseLoader):
    """The package's default templates, by part name (for ``{% include "text" %}``)."""

    def get_source(self, environment: Any, template: str) -> tuple[str, str | None, Any]:
        if template not in _FILES:
            raise TemplateNotFound(template)
        return default_source(template), None, lambda: True


def _env(html: bool) -> ImmutableSandboxedEnvironment:
    return ImmutableSandboxedEnvironment(
        loader=_Defaults(), autoescape=html, keep_trailing_newline=True
    )


_TEXT = _env(False)
_HTML = _env(True)


def _env_of(part: str) -> ImmutableSandboxedEnvironment:
    return _HTML if part == "html" else _TEXT


@functools.lru_cache(maxsize=256)
def _compiled(part: str, source: str) -> Any:
    return _env_of(part).from_string(source)


def _part_of(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def unsafe_names(source: str, part: str = "text") -> list[str]:
    """Attributes and items starting with ``_`` that a template reaches for."""
    tree = _env_of(part).parse(source)
    found = [n.attr for n in tree.find_all(nodes.Getattr) if n.attr.startswith("_")]
    for item in tree.find_all(nodes.Getitem):
        arg = item.arg
        if isinstance(arg, nodes.Const) and str(arg.value).startswith("_"):
            found.append(str(arg.value))
    for call in tree.find_all(nodes.Filter):
        if call.name == "attr":
            found += [
                str(a.value)
                for a in call.args
                if isinstance(a, nodes.Const) and str(a.value).startswith("_")
            ]
    for name in tree.find_all(nodes.Name):
        if name.name.startswith("_"):
            found.append(name.name)
    return found


def check_template(name: str, source: str) -> None:
    """A site template fit to be saved, else 400 (``template.body``)."""
    if name not in template_names():
        raise errors.invalid_field(
            "name", f"unknown template name; one of: {', '.join(template_names())}"
        )
    if len(source) > MAX_TEMPLATE:
        raise errors.invalid_field("template.body", f"at most {MAX_TEMPLATE} characters")
    part = _part_of(name)
    try:
        unsafe = unsafe_names(source, part)
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        where = f" (line {line})" if line else ""
        raise errors.invalid_field("template.body", f"not a valid template{where}: {exc}") from None
    if unsafe:
        raise errors.invalid_field(
            "template.body",
            "unsafe template: names starting with '_' are not allowed ("
            + ", ".join(sorted(set(unsafe)))
            + ")",
            rule_name="UNSAFE_TEMPLATE",
        )
    try:
        _compiled(part, source).render(sample_context())
    except SecurityError as exc:
        raise errors.invalid_field(
            "template.body", f"unsafe template: {exc}", rule_name="UNSAFE_TEMPLATE"
        ) from None
    except Exception as exc:
        raise errors.invalid_field(
            "template.body", f"the template fails on a sample booking: {exc}"
        ) from None


def sample_context() -> dict[str, Any]:
    """What a template is rendered with, for a made-up booking (the save-time trial)."""
    return {
        "kind": "confirmed",
        "audience": "PARTICIPANT",
        "site": {"name": "Sample site", "timeZone": "UTC"},
        "booking": {"id": "00000000-0000-0000-0000-000000000000", "status": "CONFIRMED"},
        "title": "Massage",
        "status": "CONFIRMED",
        "start": "Monday, 7 December 2026, 10:00",
        "end": "11:00",
        "previous_start": None,
        "time_zone": "UTC",
        "location": "1 Main St",
        "contact": {"firstName": "Jane", "lastName": "Doe", "name": "Jane Doe", "email": "j@x"},
        "message": "See you soon",
        "manage_url": "http://127.0.0.1:8080/book/my-studio/manage/token",
        "manage_token": "token",
        "offer_expires": None,
    }


def render(part: str, kind: str, context: Mapping[str, Any], overrides: Mapping[str, str]) -> str:
    """The part for ``kind``: the site's most specific template, or the default (also when
    the site's fails to render, which is logged)."""
    for name in (f"{kind}.{part}", part):
        source = overrides.get(name)
        if source is None:
            continue
        try:
            return str(_compiled(part, source).render(dict(context)))
        except Exception as exc:
            log.warning("site template %r failed, default used: %s", name, exc)
            break
    return str(_compiled(part, default_source(part)).render(dict(context)))
