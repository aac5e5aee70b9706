"""The Wix error envelope, in one place.

Every failure leaves the server as HTTP status + one of::

    {"message": ..., "details": {"applicationError": {"code", "description", "data"}}}
    {"message": ..., "details": {"validationError": {"fieldViolations": [...]}}}
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

# violatedRule values of the public envelope.
REQUIRED_FIELD = "REQUIRED_FIELD"
FORMAT = "FORMAT"
INVALID_ENUM_VALUE = "INVALID_ENUM_VALUE"
MAX = "MAX"
MIN = "MIN"
MAX_LENGTH = "MAX_LENGTH"
MIN_LENGTH = "MIN_LENGTH"
MAX_SIZE = "MAX_SIZE"
MIN_SIZE = "MIN_SIZE"
FIELD_NOT_ALLOWED = "FIELD_NOT_ALLOWED"
ONE_OF_ALIGNMENT = "ONE_OF_ALIGNMENT"
REQUIRED_ONE_OF_FIELD = "REQUIRED_ONE_OF_FIELD"
VALIDATION = "VALIDATION"
OTHER = "OTHER"


class ApiError(Exception):
    """Base of every error that becomes a Wix error envelope."""

    http_status: int = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def body(self) -> dict[str, Any]:
        raise NotImplementedError


class ApplicationError(ApiError):
    """A business or platform error: ``details.applicationError``."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        http_status: int = 428,
        description: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.http_status = http_status
        self.description = description if description is not None else message
        self.data = data or {}

    def body(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "details": {
                "applicationError": {
                    "code": self.code,
                    "description": self.description,
                    "data": self.data,
                }
            },
        }


@dataclass(frozen=True)
class FieldViolation:
    field: str
    description: str
    violated_rule: str = VALIDATION
    rule_name: str | None = None
    data: dict[str, Any] = dataclasses.field(default_factory=dict)

    def to_wire(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "field": self.field,
            "description": self.description,
            "violatedRule": self.violated_rule,
        }
        if self.rule_name is not None:
            out["ruleName"] = self.rule_name
        if self.data:
            out["data"] = self.data
        return out


class InvalidRequest(ApiError):
    """HTTP 400 with ``details.validationError.fieldViolations``."""

    http_status = 400

    def __init__(self, violations: list[FieldViolation], message: str | None = None) -> None:
        if not violations:
            raise ValueError("InvalidRequest needs at least one violation")
        self.violations = violations
        first = violations[0]
        super().__init__(message or f'INVALID_ARGUMENT: "{first.field}" {first.description}')

    def body(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "details": {
                "validationError": {"fieldViolations": [v.to_wire() for v in self.violations]}
            },
        }


def invalid_field(
    field_path: str,
    description: str,
    rule: str = VALIDATION,
    *,
    rule_name: str | None = None,
    data: dict[str, Any] | None = None,
) -> InvalidRequest:
    """One field is wrong: the usual 400."""
    return InvalidRequest(
        [FieldViolation(field_path, description, rule, rule_name=rule_name, data=data or {})]
    )


def unauthenticated(message: str = "Missing or invalid credentials") -> ApplicationError:
    return ApplicationError("UNAUTHENTICATED", message, http_status=401)


def permission_denied(message: str = "Permission denied") -> ApplicationError:
    return ApplicationError("PERMISSION_DENIED", message, http_status=403)


def not_found(code: str, message: str, **data: Any) -> ApplicationError:
    return ApplicationError(code, message, http_status=404, data=data)


def conflict(code: str, message: str, **data: Any) -> ApplicationError:
    return ApplicationError(code, message, http_status=409, data=data)


def failed_precondition(code: str, message: str, **data: Any) -> ApplicationError:
    return ApplicationError(code, message, http_status=428, data=data)


def not_implemented(what: str) -> ApplicationError:
    return ApplicationError(
        "UNIMPLEMENTED", f"{what} is not implemented by this server", http_status=501
    )


def internal_error() -> ApplicationError:
    return ApplicationError("INTERNAL", "Internal server error", http_status=500)


def unavailable() -> ApplicationError:
    """The database cannot take the request now (HTTP 503, worth a retry). A write whose
    connection broke at its commit may have committed: the client checks before it retries
    a create."""
    return ApplicationError(
        "UNAVAILABLE", "The database is unavailable right now: try again shortly", http_status=503
    )


def revision_mismatch(entity: str, entity_id: str, given: int, current: int) -> ApplicationError:
    """An update carried a stale ``revision``: someone changed the entity first (HTTP 409)."""
    return ApplicationError(
        "REVISION_MISMATCH",
        f"{entity} {entity_id} was updated by someone else: revision {given} is not the "
        f"current revision {current}",
        http_status=409,
        data={"currentRevision": str(current)},
    )


def revision_required(field_path: str) -> InvalidRequest:
    return invalid_field(field_path, "is required for an update", REQUIRED_FIELD)
