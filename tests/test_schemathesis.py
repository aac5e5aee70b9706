"""Schemathesis against the server's own ``/openapi.json`` (issue 17): every operation, a
few generated requests each (valid and invalid), sent in-process to the ASGI app with a real
ADMIN key of an existing site, so that the requests reach the handlers.

What must hold of every answer: no 5xx but a documented 501, a documented status code, a
body that conforms to the documented schema, and every error in the Wix envelope
(``{"message", "details": {"applicationError" | "validationError"}}``).

The operations are walked by hand, each mode a small Hypothesis run over the operation's
``as_strategy``: schemathesis' pytest loader of a schema made in a fixture
(``schemathesis.pytest.from_fixture``) fails on pytest 9 (it sets ``request.node._nodeid``),
and a schema made at import would build the app whenever the suite is collected.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hypothesis
import hypothesis.errors
import pytest
import schemathesis
from schemathesis import (
    APIOperation,
    BaseSchema,
    Case,
    CheckContext,
    GenerationMode,
    Response,
)
from schemathesis.config import ApiKeyAuthConfig
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import negative_data_rejection

from bookings.app import create_app, start_services
from bookings.config import Settings
from bookings.identity import service as identity
from bookings.platform.auth import Role

pytestmark = pytest.mark.slow

#: Requests generated per operation and mode: the ~180 operations take about 30 s.
MAX_EXAMPLES = int(os.environ.get("BOOKINGS_FUZZ_EXAMPLES", "4"))


#: How many answers of each status the run saw.
STATUSES: Counter[int] = Counter()


@dataclass(frozen=True)
class FuzzSite:
    site_id: str
    admin_key: str


def _settings(data: Path) -> Settings:
    return Settings(
        data_dir=data,
        database_url=f"sqlite+aiosqlite:///{data / 'bookings.sqlite3'}",
        demo=False,
        log_json=False,
        payment_provider="fake",
        rate_limit_visitor_per_minute=0,
        # No background work: the fuzz is about answers.
        waitlist_sweep_seconds=0,
        notifications_seconds=0,
        dispatcher=False,
        payment_tasks_seconds=0,
    )


async def _seed(settings: Settings) -> FuzzSite:
    services = await start_services(settings)
    try:
        site = await identity.create_site(services.db, "Fuzzed site")
        _, key = await identity.create_api_key(services.db, site.site_id, Role.ADMIN)
        return FuzzSite(site.site_id, key)
    finally:
        await services.db.dispose()


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> tuple[BaseSchema, FuzzSite]:
    settings = _settings(tmp_path_factory.mktemp("fuzz"))
    # The database is made and seeded on a loop of its own; the app opens it again on
    # schemathesis' loop (its lifespan), where every request runs.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        site = pool.submit(asyncio.run, _seed(settings)).result()
    app = create_app(settings, log_requests=False)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    # A documented 501 (a method this server does not implement) is an answer, not a crash.
    schema.config.checks.not_a_server_error.expected_statuses = ["2xx", "3xx", "4xx", "501"]
    # A schema-valid request may still break a rule the schema cannot say (a GUID, a field
    # the handler needs though proto3 has no required fields, an IANA zone, a NUL character,
    # a business rule): 400 INVALID_ARGUMENT and 428 FAILED_PRECONDITION are answers to it.
    schema.config.checks.positive_data_acceptance.expected_statuses = [
        "2xx",
        "400",
        "401",
        "403",
        "404",
        "409",
        "428",
        "429",
        "501",
    ]
    # The API key as schemathesis' own credential: it sends it, and leaves it out to check
    # that a request without it is refused (the site header goes with every request).
    schema.config.auth.openapi.schemes["apiKey"] = ApiKeyAuthConfig(api_key=site.admin_key)
    return schema, site


def _text(schema: dict[str, Any]) -> bool:
    """A schema every query value meets: free text, or a list of free text."""
    if schema.get("type") == "array":
        schema = schema.get("items", {})
    limits = {"enum", "pattern", "format", "minLength", "maxLength", "const"}
    return schema.get("type") == "string" and not limits & set(schema)


def _valid_on_the_wire(case: Case) -> bool:
    """A "negative" request whose only invalid part is a query string that the server may
    rightly take: each known parameter free text (``?fields=true`` is the list ``["true"]``;
    schemathesis sees a boolean), any other parameter unknown, which the server ignores as
    Wix does (proto JSON's forward compatibility). Nothing there for the server to refuse."""
    meta = case.meta
    if meta is None:
        return False
    negative = {where for where, part in meta.components.items() if part.mode.is_negative}
    declared = {p.name: p.definition.get("schema", {}) for p in case.operation.query}
    return negative == {ParameterLocation.QUERY} and all(
        _text(declared[name]) for name in (case.query or {}) if name in declared
    )


def wix_envelope(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Every error answer is the Wix envelope, with an application or a validation error."""
    STATUSES[response.status_code] += 1
    if response.status_code < 400:
        return None
    try:
        body: Any = response.json()
    except ValueError:
        raise AssertionError(f"{response.status_code} answer is not JSON") from None
    assert isinstance(body, dict), f"{response.status_code} answer is not an object: {body!r}"
    assert isinstance(body.get("message"), str), f"no message: {body!r}"
    details = body.get("details")
    assert isinstance(details, dict), f"no details: {body!r}"
    assert {"applicationError", "validationError"} & set(details), f"bare details: {body!r}"
    return None


def _fuzz(operation: APIOperation, mode: GenerationMode, headers: dict[str, str]) -> None:
    @hypothesis.settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        # The same requests on every run (CI does not flake) unless BOOKINGS_FUZZ_RANDOM is set.
        derandomize=not os.environ.get("BOOKINGS_FUZZ_RANDOM"),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(operation.as_strategy(generation_mode=mode))
    def run(case: Case) -> None:
        case.call_and_validate(
            headers=headers,
            additional_checks=[wix_envelope],
            excluded_checks=[negative_data_rejection] if _valid_on_the_wire(case) else [],
        )

    run()


def test_every_operation_answers_as_documented(fuzzed: tuple[BaseSchema, FuzzSite]) -> None:
    schema, site = fuzzed
    failures: list[str] = []
    count = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        count += 1
        for mode in GenerationMode:
            try:
                _fuzz(operation, mode, {"wix-site-id": site.site_id})
            except hypothesis.errors.Unsatisfiable:
                # No invalid request exists (no parameters, or only free-form strings in the
                # path): nothing to send in the negative mode.
                assert mode is GenerationMode.NEGATIVE, operation.label
            except (Exception, BaseExceptionGroup) as exc:  # a report of every failed operation
                failures.append(f"{operation.label} ({mode.value}):\n{exc}")
    assert count > 150
    # The credential works: many requests reached a handler and were served.
    assert STATUSES[200] > 50, sorted(STATUSES.items())
    assert not failures, f"{len(failures)} failures:\n\n" + "\n\n".join(failures)
