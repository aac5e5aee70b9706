"""A filter object validated against a :class:`~bookings.platform.query.spec.QuerySpec`.

:func:`normalize_filter` is the parse step: it turns the request's filter JSON into its parsed
form, a :data:`Node` tree, or raises :class:`~bookings.platform.errors.InvalidRequest` naming the
exact request path. The tree is plain immutable data and knows nothing of SQL
(:mod:`bookings.platform.query.sql` turns it into a WHERE condition):

* :class:`Condition` is one leaf: the :class:`~bookings.platform.query.spec.FieldSpec` (aliases
  resolved), the operator (``"$eq"`` ...) and the operand in Python form: ``str``, ``int``,
  ``bool``, an aware UTC ``datetime`` for timestamps, ``None`` for ``null``; a ``tuple`` for
  ``$in``/``$nin``/``$hasSome``/``$hasAll`` (which may hold ``None`` on scalar fields) and for an
  exact array; a ``bool`` for ``$isEmpty``/``$exists``. Shorthands are expanded (``{"f": v}``
  becomes ``$eq``); ``$ne``/``$nin`` and ``false`` operands are kept as sent.
* :class:`And`, :class:`Or` and :class:`Not` combine nodes as sent; several keys of one object
  are an :class:`And`, an object of one key is that key's node. No filter (``None``) is
  ``And(())``, which matches everything.

Syntax:

* ``{"f": v}`` is ``{"f": {"$eq": v}}``; several operators in one object are ANDed; dotted
  paths (``{"a.b": 1}``) and nested objects (``{"a": {"b": 1}}``) are the same thing.
  ``$and``/``$or`` take non-empty arrays of filters, ``$not`` an object; all three may also be
  used inside a field (``{"f": {"$not": {"$gt": 1}}}``).
* Operands are checked against the field's kind: strings without NUL and with valid Unicode,
  ENUM values among the field's values, booleans, 64-bit integers (numbers or decimal
  strings), RFC 3339 timestamps.
* The guards of :mod:`bookings.platform.query.spec` apply (depth, conditions, values).

The request-path error helpers here (:func:`_bad`) serve the whole package.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bookings.platform import errors, wire
from bookings.platform.query.spec import (
    EQ,
    EXISTS,
    HAS_ALL,
    HAS_SOME,
    IN,
    IS_EMPTY,
    MAX_ARRAY_VALUES,
    MAX_FILTER_CONDITIONS,
    MAX_FILTER_DEPTH,
    MAX_FILTER_VALUES,
    MAX_LIST_VALUES,
    NE,
    NIN,
    OPERATORS,
    STARTS_WITH,
    FieldSpec,
    Kind,
    QuerySpec,
)


@dataclass(frozen=True)
class Condition:
    """One validated leaf: ``value`` is already in Python form (tuple for lists)."""

    field: FieldSpec
    op: str
    value: Any


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


Node = Condition | And | Or | Not


def _safe(key: str) -> str:
    """A user-supplied key, fit to be echoed in an error (valid UTF-8, bounded)."""
    text = key.encode("utf-8", "replace").decode("utf-8")
    return text if len(text) <= 200 else text[:200] + "..."


def _join(path: str, key: str) -> str:
    return f"{path}.{_safe(key)}" if path else _safe(key)


def _bad(path: str, description: str, rule: str = errors.FORMAT) -> errors.InvalidRequest:
    return errors.invalid_field(path, description, rule)


def _check_text(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise _bad(path, "must be a string")
    if "\x00" in value:
        raise _bad(path, "must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _bad(path, "must be valid Unicode text") from None
    return value


def _scalar(spec: FieldSpec, value: Any, path: str) -> Any:
    """A non-null operand of ``spec``'s kind, or a 400."""
    kind = spec.kind
    if kind is Kind.STRING:
        return _check_text(value, path)
    if kind is Kind.ENUM:
        text = _check_text(value, path)
        if text not in spec.enum_values:
            raise _bad(
                path, f"must be one of {sorted(spec.enum_values)}", errors.INVALID_ENUM_VALUE
            )
        return text
    if kind is Kind.BOOL:
        if not isinstance(value, bool):
            raise _bad(path, "must be a boolean")
        return value
    if kind is Kind.INT:
        try:
            return wire.parse_int64(value)
        except Exception:
            raise _bad(path, "must be an integer") from None
    try:
        return wire.parse_timestamp(value)
    except Exception:
        raise _bad(path, "must be an RFC 3339 timestamp such as 2026-01-30T13:30:00.000Z") from None


class _Normalizer:
    def __init__(self, spec: QuerySpec) -> None:
        self.spec = spec
        self.conditions = 0
        self.values = 0

    def node(self, obj: Any, field_prefix: str, path: str, depth: int) -> Node:
        if depth > MAX_FILTER_DEPTH:
            raise _bad(path, f"nests deeper than {MAX_FILTER_DEPTH} levels", errors.MAX_SIZE)
        if not isinstance(obj, Mapping):
            raise _bad(path, "must be an object")
        items: list[Node] = []
        for key, value in obj.items():
            if not isinstance(key, str):
                raise _bad(path, "keys must be strings")
            key_path = _join(path, key)
            if key in ("$and", "$or"):
                if not isinstance(value, list | tuple) or not value:
                    raise _bad(key_path, "must be a non-empty array of filters")
                subs = tuple(
                    self.node(sub, field_prefix, f"{key_path}[{i}]", depth + 1)
                    for i, sub in enumerate(value)
                )
                items.append(And(subs) if key == "$and" else Or(subs))
            elif key == "$not":
                items.append(Not(self.node(value, field_prefix, key_path, depth + 1)))
            elif key.startswith("$"):
                if not field_prefix:
                    raise _bad(
                        key_path, "is not a field or logical operator", errors.FIELD_NOT_ALLOWED
                    )
                items.append(self.condition(field_prefix, path, key, value, key_path))
            else:
                full = f"{field_prefix}.{key}" if field_prefix else key
                if isinstance(value, Mapping):
                    if not value:
                        if self.spec.lookup(full) is None:
                            raise _bad(key_path, "cannot be filtered on", errors.FIELD_NOT_ALLOWED)
                        raise _bad(key_path, "must not be an empty object")
                    items.append(self.node(value, full, key_path, depth + 1))
                else:
                    items.append(self.condition(full, key_path, EQ, value, key_path))
        return items[0] if len(items) == 1 else And(tuple(items))

    def _count(self, path: str, values: int) -> None:
        self.conditions += 1
        self.values += values
        if self.conditions > MAX_FILTER_CONDITIONS:
            raise _bad(
                path, f"filter has more than {MAX_FILTER_CONDITIONS} conditions", errors.MAX_SIZE
            )
        if self.values > MAX_FILTER_VALUES:
            raise _bad(path, f"filter has more than {MAX_FILTER_VALUES} values", errors.MAX_SIZE)

    def condition(
        self, field_path: str, field_req_path: str, op: str, value: Any, path: str
    ) -> Condition:
        spec = self.spec.lookup(field_path)
        if spec is None:
            raise _bad(field_req_path, "cannot be filtered on", errors.FIELD_NOT_ALLOWED)
        if op not in OPERATORS:
            raise _bad(path, "is not a known operator", errors.FIELD_NOT_ALLOWED)
        if op not in spec.allowed:
            raise _bad(
                path, f"operator {op} is not supported on {spec.path}", errors.FIELD_NOT_ALLOWED
            )
        operand = self.operand(spec, op, value, path)
        self._count(path, len(operand) if isinstance(operand, tuple) else 1)
        return Condition(spec, op, operand)

    def _list(self, value: Any, path: str, limit: int) -> Sequence[Any]:
        if not isinstance(value, list | tuple):
            raise _bad(path, "must be an array")
        if len(value) > limit:
            raise _bad(path, f"must have at most {limit} values", errors.MAX_SIZE)
        return value

    def operand(self, spec: FieldSpec, op: str, value: Any, path: str) -> Any:
        if op in (IS_EMPTY, EXISTS):
            if not isinstance(value, bool):
                raise _bad(path, "must be a boolean")
            return value
        if op == STARTS_WITH:
            return _check_text(value, path)
        is_array = spec.array is not None
        if op in (IN, NIN, HAS_SOME, HAS_ALL):
            limit = MAX_ARRAY_VALUES if op == HAS_ALL else MAX_LIST_VALUES
            items = self._list(value, path, limit)
            return tuple(
                None if item is None and not is_array else _scalar(spec, item, f"{path}[{i}]")
                for i, item in enumerate(items)
            )
        if op in (EQ, NE):
            if value is None:
                if is_array:
                    raise _bad(path, "must be a value or an array of values")
                return None
            if is_array and isinstance(value, list | tuple):
                items = self._list(value, path, MAX_ARRAY_VALUES)
                return tuple(_scalar(spec, item, f"{path}[{i}]") for i, item in enumerate(items))
            if isinstance(value, list | tuple):
                raise _bad(path, "must be a single value (use $in for several)")
        elif value is None:  # $gt ...
            raise _bad(path, "must not be null")
        return _scalar(spec, value, path)


def normalize_filter(spec: QuerySpec, filter_: Any, prefix: str = "query.filter") -> Node:
    """Validate a filter object against ``spec``: the AST, or :class:`InvalidRequest`.

    ``prefix`` is the request path of the filter object itself (``filter`` for a Count body).
    """
    if filter_ is None:
        return And(())
    return _Normalizer(spec).node(filter_, "", prefix, 0)
