"""Wire conventions of the Wix REST APIs, in one place.

* camelCase field names (``id``, ``createdDate``, ``updatedDate`` — never ``_id``);
* int64 values (``revision``) are JSON strings out and strings or numbers in;
* timestamps are RFC 3339 UTC with milliseconds (``2026-01-30T13:30:00.000Z``);
* local date-times are ``YYYY-MM-DDThh:mm:ss`` with no offset;
* money and other decimals are strings;
* unset fields are omitted; unknown input fields are ignored.
"""

from __future__ import annotations

import functools
import os
import re
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, TypeVar, get_args, get_origin

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from bookings.platform import errors

M = TypeVar("M", bound=BaseModel)


class WireModel(BaseModel):
    """Base of every request and response body."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        extra="ignore",
        use_enum_values=False,
    )

    @field_validator("*", mode="before")
    @classmethod
    def _a_bool_is_true_or_false(cls, value: Any, info: ValidationInfo) -> Any:
        """A boolean is ``true`` or ``false`` (in a query string, that text), as in proto
        JSON: pydantic would also take ``0``, ``1``, ``"TRUE"`` or ``"yes"``; Wix answers 400."""
        if (
            not isinstance(value, bool)
            and value not in (None, "true", "false")
            and info.field_name in _bool_fields(cls)
        ):
            raise PydanticCustomError("bool_type", "must be true or false")
        return value


@functools.cache
def _bool_fields(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(
        name
        for name, info in model.model_fields.items()
        if info.annotation is bool or info.annotation == bool | None
    )


def to_wire(model: BaseModel) -> dict[str, Any]:
    """A model as wire JSON: aliases, unset (None) fields omitted."""
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


# ---------------------------------------------------------------- scalars


def format_timestamp(value: datetime) -> str:
    """RFC 3339 UTC with milliseconds: ``2026-01-30T13:30:00.000Z``."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    # ``isoformat`` ends ``+00:00`` in UTC (and pads the year to four digits, where strftime's
    # ``%Y`` does not): a few times cheaper than strftime, on every instant of every answer.
    return value.astimezone(UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


_TIMESTAMP_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:?\d{2})$"
)


def parse_timestamp(value: Any) -> datetime:
    """An RFC 3339 instant with ``Z`` or an offset; returned aware, in UTC."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise PydanticCustomError(errors.FORMAT, "must be an RFC 3339 timestamp with offset")
        return value.astimezone(UTC)
    if not isinstance(value, str) or not (m := _TIMESTAMP_RE.match(value.strip())):
        raise PydanticCustomError(
            errors.FORMAT, "must be an RFC 3339 timestamp such as 2026-01-30T13:30:00.000Z"
        )
    text = value.strip()
    frac = m.group(7) or ""
    # fromisoformat understands at most microseconds.
    frac6 = (frac + "000000")[:7] if frac else ""
    zone = m.group(8)
    zone = "+00:00" if zone in {"Z", "z"} else zone
    if len(zone) == 5:  # +hhmm
        zone = zone[:3] + ":" + zone[3:]
    base = text[:19].replace("t", "T").replace(" ", "T")
    try:
        return datetime.fromisoformat(base + frac6 + zone).astimezone(UTC)
    except ValueError as exc:
        raise PydanticCustomError(errors.FORMAT, "is not a valid date and time") from exc


_LOCAL_RE = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2})(:\d{2})?(\.\d{1,9})?([Zz]|[+-]\d{2}:?\d{2})?$"
)


def parse_local_datetime(value: Any) -> datetime:
    """A wall-clock ``YYYY-MM-DDThh:mm[:ss[.SSS]]``; an offset, if any, is ignored."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if not isinstance(value, str) or not (m := _LOCAL_RE.match(value.strip())):
        raise PydanticCustomError(
            errors.FORMAT, "must be a local date-time such as 2026-01-30T13:30:00"
        )
    seconds = m.group(3) or ":00"
    frac = (m.group(4) or "")[:7]
    try:
        return datetime.fromisoformat(f"{m.group(1)}T{m.group(2)}{seconds}{frac}")
    except ValueError as exc:
        raise PydanticCustomError(errors.FORMAT, "is not a valid date and time") from exc


def format_local_datetime(value: datetime) -> str:
    return value.replace(tzinfo=None, microsecond=0).isoformat(timespec="seconds")


def parse_local_date(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise PydanticCustomError(errors.FORMAT, "must be a date such as 2026-01-30")


def parse_int64(value: Any) -> int:
    """int64 arrives as a JSON string (proto3 JSON) or as a number."""
    if isinstance(value, bool):
        raise PydanticCustomError(errors.FORMAT, "must be an integer")
    if isinstance(value, int):
        result = value
    elif (isinstance(value, float) and value.is_integer()) or (
        isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,19}\s*", value)
    ):
        result = int(value)
    else:
        raise PydanticCustomError(errors.FORMAT, "must be an integer (int64, as a string)")
    if not -(2**63) <= result < 2**63:
        raise PydanticCustomError(errors.FORMAT, "is out of the int64 range")
    return result


def parse_decimal(value: Any) -> Decimal:
    """Money and other decimals travel as strings; numbers are accepted on input."""
    if isinstance(value, bool):
        raise PydanticCustomError(errors.FORMAT, "must be a decimal number as a string")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | float | str):
        try:
            result = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise PydanticCustomError(
                errors.FORMAT, "must be a decimal number as a string"
            ) from exc
    else:
        raise PydanticCustomError(errors.FORMAT, "must be a decimal number as a string")
    if not result.is_finite():
        raise PydanticCustomError(errors.FORMAT, "must be a finite decimal number")
    return result


def format_decimal(value: Decimal) -> str:
    text = format(value, "f")
    return text


def parse_guid(value: Any) -> str:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, str):
        try:
            return str(uuid.UUID(value.strip()))
        except ValueError:
            pass
    raise PydanticCustomError(errors.FORMAT, "must be a GUID")


#: Random bytes read from the OS at a time for new ids: one system call per 256 ids
#: instead of one per id (``uuid.uuid4`` reads 16 bytes each time; a request makes several).
_RANDOM_CHUNK = 16 * 256
_random = b""
_random_at = 0


def _forget_random() -> None:
    """A forked child must not hand out its parent's next ids."""
    global _random, _random_at
    _random, _random_at = b"", 0


os.register_at_fork(after_in_child=_forget_random)


def new_uuid() -> uuid.UUID:
    """A random (version 4) UUID from the OS's random source, as ``uuid.uuid4``."""
    global _random, _random_at
    if _random_at + 16 > len(_random):
        _random, _random_at = os.urandom(_RANDOM_CHUNK), 0
    chunk = _random[_random_at : _random_at + 16]
    _random_at += 16
    return uuid.UUID(bytes=chunk, version=4)


def new_id() -> str:
    return str(new_uuid())


def parse_field_mask(value: Any) -> list[str]:
    """A field mask: ``"a,b.c"``, ``["a", "b.c"]`` or ``{"paths": [...]}``."""
    if isinstance(value, Mapping):
        value = value.get("paths", [])
    if isinstance(value, str):
        return [p.strip() for p in value.split(",") if p.strip()]
    if isinstance(value, Sequence) and all(isinstance(p, str) for p in value):
        return [p.strip() for p in value if p.strip()]
    raise PydanticCustomError(errors.FORMAT, "must be a comma-separated list of field paths")


_INT64_TEXT = {"type": "string", "pattern": r"^\s*-?\d{1,19}\s*$"}
#: In requests, the string of proto3 JSON or a number (documented so); in answers, a string.
Int64 = Annotated[
    int,
    BeforeValidator(parse_int64),
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"anyOf": [_INT64_TEXT, {"type": "integer"}]}, mode="validation"),
]
#: An Int64 of at least 1 (a revision); its schema says so (a bound on an ``anyOf`` would not).
PositiveInt64 = Annotated[
    Int64,
    Field(ge=1),
    WithJsonSchema({"anyOf": [_INT64_TEXT, {"type": "integer", "minimum": 1}]}, mode="validation"),
]
Timestamp = Annotated[
    datetime, BeforeValidator(parse_timestamp), PlainSerializer(format_timestamp, return_type=str)
]
LocalDateTime = Annotated[
    datetime,
    BeforeValidator(parse_local_datetime),
    PlainSerializer(format_local_datetime, return_type=str),
]
LocalDate = Annotated[
    date, BeforeValidator(parse_local_date), PlainSerializer(date.isoformat, return_type=str)
]
DecimalString = Annotated[
    Decimal, BeforeValidator(parse_decimal), PlainSerializer(format_decimal, return_type=str)
]
Guid = Annotated[str, BeforeValidator(parse_guid)]
FieldMask = Annotated[
    list[str], BeforeValidator(parse_field_mask), PlainSerializer(",".join, return_type=str)
]


# ---------------------------------------------------------------- validation errors

_RULES = {
    "missing": errors.REQUIRED_FIELD,
    "enum": errors.INVALID_ENUM_VALUE,
    "literal_error": errors.INVALID_ENUM_VALUE,
    "string_too_long": errors.MAX_LENGTH,
    "string_too_short": errors.MIN_LENGTH,
    "too_long": errors.MAX_SIZE,
    "too_short": errors.MIN_SIZE,
    "less_than_equal": errors.MAX,
    "less_than": errors.MAX,
    "greater_than_equal": errors.MIN,
    "greater_than": errors.MIN,
    "extra_forbidden": errors.FIELD_NOT_ALLOWED,
}
_CUSTOM_RULES = {
    errors.FORMAT,
    errors.VALIDATION,
    errors.REQUIRED_FIELD,
    errors.INVALID_ENUM_VALUE,
    errors.MAX,
    errors.MIN,
    errors.MAX_LENGTH,
    errors.MIN_LENGTH,
    errors.MAX_SIZE,
    errors.MIN_SIZE,
    errors.FIELD_NOT_ALLOWED,
    errors.ONE_OF_ALIGNMENT,
    errors.REQUIRED_ONE_OF_FIELD,
}


def field_path(loc: Sequence[int | str], prefix: str = "") -> str:
    """``("booking", "bookedEntity", 0)`` -> ``booking.bookedEntity[0]``."""
    out = prefix
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out = f"{out}.{part}" if out else str(part)
    return out or "body"


def violations_from(exc: ValidationError, prefix: str = "") -> list[errors.FieldViolation]:
    found: list[errors.FieldViolation] = []
    for err in exc.errors(include_url=False):
        kind = err["type"]
        rule = kind if kind in _CUSTOM_RULES else _RULES.get(kind, errors.FORMAT)
        message = err["msg"]
        if rule == errors.REQUIRED_FIELD:
            message = "is required"
        elif rule == errors.INVALID_ENUM_VALUE:
            ctx = err.get("ctx") or {}
            expected = ctx.get("expected")
            message = f"must be one of {expected}" if expected else "is not a known value"
        elif message and message[0].isupper():
            message = message[0].lower() + message[1:]
        found.append(errors.FieldViolation(field_path(err["loc"], prefix), message, rule))
    return found


def _bad_text(value: str) -> bool:
    if "\x00" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return True
    return False


def find_unstorable_text(data: Any, path: str = "") -> str | None:
    """The path of the first string (key or value) no database can store: a NUL character or
    a lone surrogate. PostgreSQL refuses both; we refuse them everywhere, alike."""
    stack: list[tuple[Any, str]] = [(data, path)]
    while stack:
        node, at = stack.pop()
        if isinstance(node, str):
            if _bad_text(node):
                return at or "body"
        elif isinstance(node, dict):
            for key, child in node.items():
                child_path = field_path([key], at) if isinstance(key, str) else at
                if isinstance(key, str) and _bad_text(key):
                    return at or "body"
                stack.append((child, child_path))
        elif isinstance(node, list):
            stack.extend((child, f"{at}[{i}]") for i, child in enumerate(node))
    return None


def parse(model: type[M], data: Any, prefix: str = "") -> M:
    """Validate wire input into ``model``; any problem is a 400 naming the field."""
    bad = find_unstorable_text(data, prefix)
    if bad is not None:
        raise errors.invalid_field(
            bad, "must not contain NUL characters or invalid Unicode", errors.FORMAT
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise errors.InvalidRequest(violations_from(exc, prefix)) from None


# ---------------------------------------------------------------- GET query strings


def nest_query_params(items: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """``a.b=1&ids=x&ids=y`` -> ``{"a": {"b": "1"}, "ids": ["x", "y"]}``."""
    root: dict[str, Any] = {}
    for key, value in items:
        parts = [p for p in key.split(".") if p]
        if not parts:
            continue
        node = root
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        last = parts[-1]
        if last in node and not isinstance(node[last], dict):
            existing = node[last]
            node[last] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            node[last] = value
    return root


@functools.cache
def _list_fields(model: type[BaseModel]) -> dict[str, tuple[bool, type[BaseModel] | None]]:
    """Field name/alias -> (is a list, nested model). Models are fixed once defined: worked
    out once per model, not on every GET."""
    out: dict[str, tuple[bool, type[BaseModel] | None]] = {}
    for name, info in model.model_fields.items():
        annotation = info.annotation
        is_list = False
        nested: type[BaseModel] | None = None
        for _ in range(3):  # unwrap Optional / Annotated / list
            origin = get_origin(annotation)
            if origin in (list, tuple, set):
                is_list = True
                annotation = get_args(annotation)[0]
                continue
            args = [a for a in get_args(annotation) if a is not type(None)]
            if origin is not None and len(args) == 1:
                annotation = args[0]
                continue
            break
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            nested = annotation
        for key in {name, info.alias or name}:
            out[key] = (is_list, nested)
    return out


def coerce_query_lists(model: type[BaseModel], data: dict[str, Any]) -> dict[str, Any]:
    """A repeated query key may come once: make single values lists where the model wants one."""
    fields = _list_fields(model)
    for key, value in list(data.items()):
        if key not in fields:
            continue
        is_list, nested = fields[key]
        if is_list and not isinstance(value, list):
            data[key] = [value]
        elif nested is not None and isinstance(value, dict):
            data[key] = coerce_query_lists(nested, value)
    return data
