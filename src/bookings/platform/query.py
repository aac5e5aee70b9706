"""The Wix API Query Language, translated into SQLAlchemy Core.

A query ``{"filter", "sort", "paging" | "cursorPaging"}`` is validated against the whitelist of
one API (:class:`QuerySpec`) and becomes WHERE / ORDER BY / LIMIT clauses on a select the
caller supplies (already scoped to the site). Filtering, sorting and paging all happen in SQL.

Semantics (identical on SQLite and PostgreSQL):

* ``{"f": v}`` is ``{"f": {"$eq": v}}``; several operators in one object are ANDed; dotted
  paths (``{"a.b": 1}``) and nested objects (``{"a": {"b": 1}}``) are the same thing.
  ``$and``/``$or`` take non-empty arrays of filters, ``$not`` an object; all three may also be
  used inside a field (``{"f": {"$not": {"$gt": 1}}}``).
* ``null`` as an equality value is IS NULL (``$ne: null`` is IS NOT NULL).
* **Mongo NULL semantics**: ``$ne``, ``$nin`` and every negation (``$not``) also match rows
  whose column is NULL: ``{"f": {"$ne": "x"}}`` matches ``f IS NULL``. ``$in``/``$nin`` may
  list ``null``. An empty ``$in`` matches nothing, an empty ``$nin`` everything.
  Comparisons (``$gt`` ...) never match NULL.
* ``$startsWith`` is a case-insensitive prefix match on strings (``lower()`` on both sides:
  ASCII folding on SQLite, Unicode folding on PostgreSQL); ``%``, ``_`` are matched literally.
* ``$isEmpty: true`` is NULL or ``''`` for strings and "no elements" for arrays; ``false`` is
  the opposite. ``$exists: true`` is IS NOT NULL.
* Array fields live in a child table (site id, parent id, ``position`` 0..n-1, ``value``):
  ``{"tags": "a"}`` = contains ``a``; ``{"tags": ["a", "b"]}`` = exactly that array, in order;
  ``$hasSome`` = contains any, ``$hasAll`` = contains all (empty list: nothing / everything);
  ``$in`` = ``$hasSome``, ``$nin`` = contains none.
* String comparison and ordering follow the database collation: byte order on SQLite, so create
  PostgreSQL databases with a ``C``/``C.UTF-8`` collation for the two to agree.
* Sort: ``[{"fieldName", "order": "ASC"|"DESC"}]`` (missing order = ASC), sortable fields only,
  then the API's unique tie-breaker (ASC) unless already sorted on. NULL is the smallest value on
  both engines: NULLS FIRST for ASC, NULLS LAST for DESC.
* Paging: ``paging {limit, offset}`` or ``cursorPaging {limit, cursor}``, never both (400).
  ``limit`` below 1 or above the API maximum is a 400 (MIN/MAX) — Wix rejects it too, nothing is
  clamped. Offset paging answers ``{count, offset, total, tooManyToCount: false}``; cursor paging
  ``{count, cursors: {next?, prev?}, hasNext}`` (``next`` omitted on the last page, ``prev`` on the
  first). Cursors are keyset positions signed with :class:`~bookings.platform.signing.Signer`;
  they carry filter, sort, limit, a caller-given scope string (site + API) and the position, so
  a follow-up sends only the cursor (and optionally a new limit); a cursor together with a
  non-empty filter or sort is a 400. Keyset paging neither skips nor repeats rows when rows are
  inserted or deleted between pages.
* Every problem is an :class:`~bookings.platform.errors.InvalidRequest` naming the exact request
  path (``query.filter.status``, ``query.filter.$or[1].startDate.$gte``, ``query.sort[0].order``,
  ``query.paging.limit``, ``query.cursorPaging.cursor``); no other exception escapes on any JSON.
  Rules: FIELD_NOT_ALLOWED (field not in the whitelist, not sortable, operator unknown or not
  allowed on the field, paging mode not offered, filter/sort next to a cursor),
  INVALID_ENUM_VALUE, FORMAT (wrong types, bad timestamps, NUL or invalid Unicode in strings,
  bad or foreign cursors), MIN/MAX (limit, offset), ONE_OF_ALIGNMENT (``paging`` with
  ``cursorPaging``), MAX_SIZE (the guards below).
* Guards: at most :data:`MAX_FILTER_DEPTH` nesting levels, :data:`MAX_FILTER_CONDITIONS`
  conditions and :data:`MAX_FILTER_VALUES` values per filter, :data:`MAX_LIST_VALUES` values per
  ``$in``/``$nin``/``$hasSome`` and :data:`MAX_ARRAY_VALUES` per ``$hasAll``/exact array.

The filter expression is meant for a WHERE clause: for rows it does not match it may be NULL
rather than FALSE (negations are pushed down to the leaves, which handle NULL explicitly).
"""

from __future__ import annotations

import base64
import enum
import json
import zlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bookings.platform import errors, wire
from bookings.platform.db import SiteScope
from bookings.platform.signing import Signer

# ---------------------------------------------------------------- whitelist


class Kind(enum.Enum):
    """How a field's wire values are validated and bound."""

    STRING = "STRING"
    ENUM = "ENUM"
    INT = "INT"
    BOOL = "BOOL"
    TIMESTAMP = "TIMESTAMP"


EQ, NE, GT, GTE, LT, LTE = "$eq", "$ne", "$gt", "$gte", "$lt", "$lte"
IN, NIN, STARTS_WITH, IS_EMPTY, EXISTS = "$in", "$nin", "$startsWith", "$isEmpty", "$exists"
HAS_SOME, HAS_ALL = "$hasSome", "$hasAll"
LOGICAL = frozenset({"$and", "$or", "$not"})
OPERATORS = frozenset(
    {EQ, NE, GT, GTE, LT, LTE, IN, NIN, STARTS_WITH, IS_EMPTY, EXISTS, HAS_SOME, HAS_ALL}
)
_COMPARISONS = frozenset({GT, GTE, LT, LTE})

#: Operators each kind supports (a FieldSpec may allow fewer).
SCALAR_OPERATORS: Mapping[Kind, frozenset[str]] = {
    Kind.STRING: frozenset({EQ, NE, GT, GTE, LT, LTE, IN, NIN, STARTS_WITH, IS_EMPTY, EXISTS}),
    Kind.ENUM: frozenset({EQ, NE, IN, NIN, EXISTS}),
    Kind.INT: frozenset({EQ, NE, GT, GTE, LT, LTE, IN, NIN, EXISTS}),
    Kind.BOOL: frozenset({EQ, NE, IN, NIN, EXISTS}),
    Kind.TIMESTAMP: frozenset({EQ, NE, GT, GTE, LT, LTE, IN, NIN, EXISTS}),
}
ARRAY_OPERATORS = frozenset({EQ, NE, IN, NIN, HAS_SOME, HAS_ALL, IS_EMPTY})

#: Guards against abusive filters (SQL size, bind parameter limits, recursion).
MAX_FILTER_DEPTH = 16
MAX_FILTER_CONDITIONS = 256
MAX_LIST_VALUES = 1000  # $in, $nin, $hasSome
MAX_ARRAY_VALUES = 100  # $hasAll and exact-array equality (one subquery per element)
MAX_FILTER_VALUES = 5000  # all values of one filter
MAX_SORT_ENTRIES = 32
MAX_CURSOR_LENGTH = 262_144  # our own cursors may exceed Wix's 16000 with large filters
_COMPRESS_OVER = 1024

SortOrder = Literal["ASC", "DESC"]


@dataclass(frozen=True, eq=False)
class ArrayStorage:
    """A child table holding one array field: one row per element.

    ``parent`` maps child column names to the parent's expressions they equal (site id and
    parent id); ``position`` runs 0..n-1 in array order.
    """

    table: sa.Table
    parent: Mapping[str, sa.ColumnElement[Any]]
    value_column: str = "value"
    position_column: str = "position"

    @property
    def value(self) -> sa.ColumnElement[Any]:
        return self.table.c[self.value_column]

    @property
    def position(self) -> sa.ColumnElement[Any]:
        return self.table.c[self.position_column]

    def correlation(self) -> list[sa.ColumnElement[bool]]:
        return [self.table.c[name] == expr for name, expr in self.parent.items()]


@dataclass(frozen=True, eq=False)
class FieldSpec:
    """One filterable/sortable field of an API.

    ``operators`` defaults to everything the kind supports. ``nullable=False`` (a promise that
    the column is never NULL) drops the ``OR col IS NULL`` branches. An array field has
    ``array`` instead of ``column``; ``kind`` is then the kind of its elements.
    """

    path: str
    column: sa.ColumnElement[Any] | None = None
    kind: Kind = Kind.STRING
    operators: Collection[str] | None = None
    aliases: tuple[str, ...] = ()
    enum_values: Collection[str] = ()
    sortable: bool = False
    nullable: bool = True
    array: ArrayStorage | None = None

    def __post_init__(self) -> None:
        if (self.column is None) == (self.array is None):
            raise ValueError(f"{self.path}: give exactly one of column and array")
        supported = ARRAY_OPERATORS if self.array is not None else SCALAR_OPERATORS[self.kind]
        ops = frozenset(supported if self.operators is None else self.operators)
        if not ops <= supported:
            raise ValueError(f"{self.path}: unsupported operators {sorted(ops - supported)}")
        if self.array is not None and self.sortable:
            raise ValueError(f"{self.path}: array fields cannot be sortable")
        if self.array is not None and self.kind in (Kind.BOOL, Kind.TIMESTAMP):
            raise ValueError(f"{self.path}: arrays of {self.kind.value} are not supported")
        if self.kind is Kind.ENUM and not self.enum_values:
            raise ValueError(f"{self.path}: an ENUM field needs enum_values")
        object.__setattr__(self, "operators", ops)
        object.__setattr__(self, "enum_values", frozenset(self.enum_values))

    @property
    def allowed(self) -> frozenset[str]:
        assert isinstance(self.operators, frozenset)
        return self.operators

    @property
    def expr(self) -> sa.ColumnElement[Any]:
        assert self.column is not None
        return self.column


@dataclass(frozen=True, eq=False)
class QuerySpec:
    """The query whitelist of one API.

    ``tiebreaker`` is a non-null column unique within the base select (the id); it ends every
    ordering so that cursor positions are exact.
    """

    fields: Sequence[FieldSpec]
    tiebreaker: sa.ColumnElement[Any]
    default_sort: Sequence[tuple[str, SortOrder]] = ()
    tiebreaker_kind: Kind = Kind.STRING
    default_limit: int = 50
    max_limit: int = 100
    offset_paging: bool = True
    cursor_paging: bool = True
    #: Paging used when the request sends neither; defaults to cursor paging when allowed.
    default_paging: Literal["cursor", "offset"] | None = None
    by_path: Mapping[str, FieldSpec] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        lookup: dict[str, FieldSpec] = {}
        for spec in self.fields:
            for path in (spec.path, *spec.aliases):
                if path in lookup:
                    raise ValueError(f"field path {path!r} declared twice")
                lookup[path] = spec
        object.__setattr__(self, "by_path", lookup)
        if not (self.offset_paging or self.cursor_paging):
            raise ValueError("allow offset paging, cursor paging or both")
        if not 1 <= self.default_limit <= self.max_limit:
            raise ValueError("need 1 <= default_limit <= max_limit")
        if self.default_paging is None:
            object.__setattr__(self, "default_paging", "cursor" if self.cursor_paging else "offset")
        elif self.default_paging == "cursor" and not self.cursor_paging:
            raise ValueError("default_paging is cursor but cursor paging is not allowed")
        elif self.default_paging == "offset" and not self.offset_paging:
            raise ValueError("default_paging is offset but offset paging is not allowed")
        for path, order in self.default_sort:
            known = lookup.get(path)
            if known is None or not known.sortable or order not in ("ASC", "DESC"):
                raise ValueError(f"bad default sort entry {path!r} {order!r}")

    def lookup(self, path: str) -> FieldSpec | None:
        """The field of a wire path or alias."""
        return self.by_path.get(path)


# ---------------------------------------------------------------- filter AST


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


# ---------------------------------------------------------------- filter -> SQL


def _bind(kind: Kind, expr: sa.ColumnElement[Any], value: Any) -> sa.ColumnElement[Any]:
    if kind is Kind.INT:
        return sa.literal(value, sa.BigInteger())
    if kind in (Kind.STRING, Kind.ENUM):
        return sa.literal(value, sa.String())
    if kind is Kind.BOOL:
        return sa.literal(value, sa.Boolean())
    return sa.literal(value, expr.type)


def _all(items: Sequence[sa.ColumnElement[bool]]) -> sa.ColumnElement[bool]:
    if not items:
        return sa.true()
    return items[0] if len(items) == 1 else sa.and_(*items)


def _any(items: Sequence[sa.ColumnElement[bool]]) -> sa.ColumnElement[bool]:
    if not items:
        return sa.false()
    return items[0] if len(items) == 1 else sa.or_(*items)


def to_sql(node: Node, negate: bool = False) -> sa.ColumnElement[bool]:
    """The SQL of a normalized filter; negations are pushed down to the leaves."""
    if isinstance(node, Not):
        return to_sql(node.item, not negate)
    if isinstance(node, And | Or):
        parts = [to_sql(item, negate) for item in node.items]
        conjunction = isinstance(node, And) != negate
        return _all(parts) if conjunction else _any(parts)
    if node.field.array is not None:
        expr = _array_sql(node.field, node.field.array, node.op, node.value)
        return sa.not_(expr) if negate else expr
    return _scalar_sql(node.field, node.op, node.value, negate)


def _scalar_sql(spec: FieldSpec, op: str, value: Any, negate: bool) -> sa.ColumnElement[bool]:
    col = spec.expr
    if op == NE:
        op, negate = EQ, not negate
    elif op == NIN:
        op, negate = IN, not negate
    elif op in (EXISTS, IS_EMPTY) and value is False:
        value, negate = True, not negate
    is_null: sa.ColumnElement[bool] = col.is_(None)
    not_null: sa.ColumnElement[bool] = col.is_not(None)

    def or_null(expr: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
        """The complement of a NULL-rejecting condition also takes the NULL rows."""
        return sa.or_(expr, is_null) if spec.nullable else expr

    def bind(v: Any) -> sa.ColumnElement[Any]:
        return _bind(spec.kind, col, v)

    if op == EQ:
        if value is None:
            return not_null if negate else is_null
        return or_null(col != bind(value)) if negate else col == bind(value)
    if op in _COMPARISONS:
        b = bind(value)
        if op == GT:
            return or_null(col <= b) if negate else col > b
        if op == GTE:
            return or_null(col < b) if negate else col >= b
        if op == LT:
            return or_null(col >= b) if negate else col < b
        return or_null(col > b) if negate else col <= b
    if op == IN:
        present = [bind(v) for v in value if v is not None]
        with_null = any(v is None for v in value)
        if not negate:
            parts = [col.in_(present)] if present else []
            return _any([*parts, is_null] if with_null else parts)
        if with_null:
            return _all([not_null, col.not_in(present)] if present else [not_null])
        return or_null(col.not_in(present)) if present else sa.true()
    if op == STARTS_WITH:
        escaped = value.replace("/", "//").replace("%", "/%").replace("_", "/_")
        pattern = sa.func.lower(sa.literal(escaped, sa.String())).concat("%")
        like = sa.func.lower(col).like(pattern, escape="/")
        return or_null(sa.not_(like)) if negate else like
    if op == IS_EMPTY:
        if negate:
            return _all([not_null, col != ""])
        return _any([is_null, col == ""])
    if op == EXISTS:
        return is_null if negate else not_null
    raise AssertionError(op)  # pragma: no cover - operators are validated


def _array_sql(
    spec: FieldSpec, storage: ArrayStorage, op: str, value: Any
) -> sa.ColumnElement[bool]:
    """A two-valued (never NULL) condition on an array field."""

    def exists(*conds: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
        sub = sa.select(sa.literal(1)).select_from(storage.table)
        sub = sub.where(*storage.correlation(), *conds).correlate_except(storage.table)
        return sub.exists()

    def bind(v: Any) -> sa.ColumnElement[Any]:
        return _bind(spec.kind, storage.value, v)

    def contains_any(values: Sequence[Any]) -> sa.ColumnElement[bool]:
        if not values:
            return sa.false()
        return exists(storage.value.in_([bind(v) for v in values]))

    if op in (EQ, NE):
        if isinstance(value, tuple):
            if not value:
                exact = sa.not_(exists())
            else:
                size = (
                    sa.select(sa.func.count())
                    .select_from(storage.table)
                    .where(*storage.correlation())
                    .correlate_except(storage.table)
                    .scalar_subquery()
                )
                exact = _all(
                    [
                        size == len(value),
                        *(
                            exists(storage.position == i, storage.value == bind(v))
                            for i, v in enumerate(value)
                        ),
                    ]
                )
        else:
            exact = exists(storage.value == bind(value))
        return sa.not_(exact) if op == NE else exact
    if op in (IN, HAS_SOME):
        return contains_any(value)
    if op == NIN:
        return sa.not_(contains_any(value))
    if op == HAS_ALL:
        return _all([exists(storage.value == bind(v)) for v in value])
    if op == IS_EMPTY:
        return sa.not_(exists()) if value else exists()
    raise AssertionError(op)  # pragma: no cover - operators are validated


def compile_filter(
    spec: QuerySpec, filter_: Any, prefix: str = "query.filter"
) -> sa.ColumnElement[bool]:
    """A filter object as a WHERE condition (``None``/``{}`` = everything).

    ``prefix`` is the request path of the filter object (``query.filter``, or ``filter`` for a
    Count body). Raises :class:`InvalidRequest` for anything not in ``spec``.
    """
    return to_sql(normalize_filter(spec, filter_, prefix))


def not_null_columns(node: Node) -> list[sa.ColumnElement[Any]]:
    """The columns a normalized filter matches only when they are not NULL: those of its
    top-level conditions that reject NULL (a non-null ``$eq``, a comparison, an ``$in``
    without null, ``$startsWith``, ``$exists: true``, ``$isEmpty: false``), through ``$and``
    and through every branch of an ``$or``; negations are not looked into."""
    if isinstance(node, Condition):
        op, value = node.op, node.value
        rejects_null = (
            (op == EQ and value is not None)
            or op in _COMPARISONS
            or op == STARTS_WITH
            or (op == IN and bool(value) and None not in value)
            or (op == EXISTS and value is True)
            or (op == IS_EMPTY and value is False)
        )
        return [node.field.expr] if rejects_null and node.field.array is None else []
    if isinstance(node, And):
        return [col for item in node.items for col in not_null_columns(item)]
    if isinstance(node, Or) and node.items:
        first, *others = (not_null_columns(item) for item in node.items)
        return [c for c in first if all(any(c is o for o in other) for other in others)]
    return []


def _compile(
    spec: QuerySpec, filter_: Any, prefix: str
) -> tuple[sa.ColumnElement[bool], list[sa.ColumnElement[Any]]]:
    """The WHERE condition of a filter and the columns it keeps from being NULL."""
    node = normalize_filter(spec, filter_, prefix)
    return to_sql(node), not_null_columns(node)


# ---------------------------------------------------------------- sort


@dataclass(frozen=True, eq=False)
class SortKey:
    expr: sa.ColumnElement[Any]
    desc: bool
    nullable: bool
    kind: Kind


def parse_sort(spec: QuerySpec, sort: Any, prefix: str = "query.sort") -> list[tuple[str, bool]]:
    """``[{"fieldName", "order"}]`` as ``[(canonical path, descending)]``, deduplicated."""
    if sort is None:
        return []
    if not isinstance(sort, list | tuple):
        raise _bad(prefix, "must be an array of {fieldName, order}")
    if len(sort) > MAX_SORT_ENTRIES:
        raise _bad(prefix, f"must have at most {MAX_SORT_ENTRIES} entries", errors.MAX_SIZE)
    out: list[tuple[str, bool]] = []
    seen: set[str] = set()
    for i, entry in enumerate(sort):
        path = f"{prefix}[{i}]"
        if not isinstance(entry, Mapping):
            raise _bad(path, "must be an object {fieldName, order}")
        name = entry.get("fieldName")
        if name is None or name == "":
            raise _bad(f"{path}.fieldName", "is required", errors.REQUIRED_FIELD)
        if not isinstance(name, str):
            raise _bad(f"{path}.fieldName", "must be a string")
        order = entry.get("order")
        if order is None:
            order = "ASC"
        if order not in ("ASC", "DESC"):
            raise _bad(f"{path}.order", "must be one of ['ASC', 'DESC']", errors.INVALID_ENUM_VALUE)
        fspec = spec.lookup(name)
        if fspec is None or not fspec.sortable:
            raise _bad(f"{path}.fieldName", "cannot be sorted on", errors.FIELD_NOT_ALLOWED)
        if fspec.path not in seen:  # a repeated field: the first entry counts
            seen.add(fspec.path)
            out.append((fspec.path, order == "DESC"))
    return out


def sort_keys(
    spec: QuerySpec,
    sort: Sequence[tuple[str, bool]],
    not_null: Sequence[sa.ColumnElement[Any]] = (),
) -> list[SortKey]:
    """The ORDER BY keys of a parsed sort (empty = the API default), ending with the id.

    A key whose column the filter keeps from being NULL (``not_null``, see
    :func:`not_null_columns`) is not nullable: its ORDER BY has no NULLS FIRST/LAST, which
    would change nothing but keep PostgreSQL from reading the order off a plain index."""
    if not sort:
        sort = [(path, order == "DESC") for path, order in spec.default_sort]
    keys: list[SortKey] = []
    has_tiebreaker = False
    for path, desc in sort:
        fspec = spec.by_path[path]
        nullable = fspec.nullable and not any(fspec.expr is col for col in not_null)
        keys.append(SortKey(fspec.expr, desc, nullable, fspec.kind))
        if fspec.column is spec.tiebreaker:
            has_tiebreaker = True
            break  # unique: later keys never decide anything
    if not has_tiebreaker:
        keys.append(SortKey(spec.tiebreaker, False, False, spec.tiebreaker_kind))
    return keys


def order_by(keys: Sequence[SortKey], reverse: bool = False) -> list[sa.ColumnElement[Any]]:
    """ORDER BY clauses: NULL is the smallest value (NULLS FIRST asc, NULLS LAST desc)."""
    clauses: list[sa.ColumnElement[Any]] = []
    for key in keys:
        desc = key.desc != reverse
        clause = key.expr.desc() if desc else key.expr.asc()
        if key.nullable:
            clause = clause.nulls_last() if desc else clause.nulls_first()
        clauses.append(clause)
    return clauses


def _after(key: SortKey, value: Any, forward: bool) -> sa.ColumnElement[bool]:
    """Rows strictly after ``value`` on one key, in the direction of travel."""
    col = key.expr
    bigger = key.desc != forward  # travelling towards bigger values?
    if value is None:  # NULL is the smallest value
        return col.is_not(None) if bigger else sa.false()
    b = _bind(key.kind, col, value)
    if bigger:
        return col > b
    return sa.or_(col < b, col.is_(None)) if key.nullable else col < b


def _equal(key: SortKey, value: Any) -> sa.ColumnElement[bool]:
    if value is None:
        return key.expr.is_(None)
    return key.expr == _bind(key.kind, key.expr, value)


def keyset(
    keys: Sequence[SortKey], values: Sequence[Any], forward: bool, inclusive: bool = False
) -> sa.ColumnElement[bool]:
    """Rows after the position ``values`` (before it when not ``forward``) in key order.

    The alternatives are ANDed with the bound they imply on the first key (``k1 >= v1`` when
    travelling towards bigger values, ``k1 <= v1`` towards smaller ones unless NULLs lie
    there), so that an index on it starts at the position instead of filtering up to it."""
    alternatives: list[sa.ColumnElement[bool]] = []
    for i, key in enumerate(keys):
        prefix = [_equal(k, v) for k, v in zip(keys[:i], values[:i], strict=True)]
        alternatives.append(_all([*prefix, _after(key, values[i], forward)]))
    if inclusive:
        alternatives.append(_all([_equal(k, v) for k, v in zip(keys, values, strict=True)]))
    condition = _any(alternatives)
    first, value = keys[0], values[0]
    if len(keys) > 1 and value is not None:
        bound = _bind(first.kind, first.expr, value)
        if first.desc != forward:
            return sa.and_(first.expr >= bound, condition)
        if not first.nullable:
            return sa.and_(first.expr <= bound, condition)
    return condition


# ---------------------------------------------------------------- request parsing


@dataclass(frozen=True)
class Position:
    """Where a cursor page starts: after (``forward``) or before the key ``values``."""

    values: tuple[Any, ...]
    forward: bool
    inclusive: bool = False


@dataclass(frozen=True, eq=False)
class ParsedQuery:
    filter: Any  # the raw filter JSON (carried in cursors)
    where: sa.ColumnElement[bool]
    sort: tuple[tuple[str, bool], ...]
    keys: tuple[SortKey, ...]
    limit: int
    cursor_mode: bool
    offset: int = 0
    position: Position | None = None


def _int(value: Any, path: str) -> int:
    try:
        return wire.parse_int64(value)
    except Exception:
        raise _bad(path, "must be an integer") from None


def _limit(spec: QuerySpec, value: Any, path: str) -> int:
    if value is None:
        return spec.default_limit
    limit = _int(value, path)
    if limit < 1:
        raise _bad(path, "must be at least 1", errors.MIN)
    if limit > spec.max_limit:
        raise _bad(path, f"must be at most {spec.max_limit}", errors.MAX)
    return limit


def parse_query(
    spec: QuerySpec,
    query: Any,
    *,
    signer: Signer,
    scope_key: str,
    prefix: str = "query",
) -> ParsedQuery:
    """Validate a whole query object (no database needed)."""
    if query is None:
        query = {}
    if not isinstance(query, Mapping):
        raise _bad(prefix, "must be an object")
    paging = query.get("paging")
    cursor_paging = query.get("cursorPaging")
    if paging is not None and cursor_paging is not None:
        raise _bad(
            f"{prefix}.cursorPaging",
            "cannot be combined with paging: send one of paging and cursorPaging",
            errors.ONE_OF_ALIGNMENT,
        )
    if paging is not None and not spec.offset_paging:
        raise _bad(
            f"{prefix}.paging", "is not supported: use cursorPaging", errors.FIELD_NOT_ALLOWED
        )
    if cursor_paging is not None and not spec.cursor_paging:
        raise _bad(
            f"{prefix}.cursorPaging", "is not supported: use paging", errors.FIELD_NOT_ALLOWED
        )
    filter_ = query.get("filter")
    sort_ = query.get("sort")
    if paging is not None or (cursor_paging is None and spec.default_paging == "offset"):
        page = paging if paging is not None else {}
        if not isinstance(page, Mapping):
            raise _bad(f"{prefix}.paging", "must be an object {limit, offset}")
        limit = _limit(spec, page.get("limit"), f"{prefix}.paging.limit")
        offset = 0
        if page.get("offset") is not None:
            offset = _int(page["offset"], f"{prefix}.paging.offset")
            if offset < 0:
                raise _bad(f"{prefix}.paging.offset", "must be at least 0", errors.MIN)
        sort = tuple(parse_sort(spec, sort_, f"{prefix}.sort"))
        where, not_null = _compile(spec, filter_, f"{prefix}.filter")
        return ParsedQuery(
            filter=filter_,
            where=where,
            sort=sort,
            keys=tuple(sort_keys(spec, sort, not_null)),
            limit=limit,
            cursor_mode=False,
            offset=offset,
        )
    page = cursor_paging if cursor_paging is not None else {}
    if not isinstance(page, Mapping):
        raise _bad(f"{prefix}.cursorPaging", "must be an object {limit, cursor}")
    limit_value = page.get("limit")
    token = page.get("cursor")
    if token is None or token == "":
        limit = _limit(spec, limit_value, f"{prefix}.cursorPaging.limit")
        sort = tuple(parse_sort(spec, sort_, f"{prefix}.sort"))
        where, not_null = _compile(spec, filter_, f"{prefix}.filter")
        return ParsedQuery(
            filter=filter_,
            where=where,
            sort=sort,
            keys=tuple(sort_keys(spec, sort, not_null)),
            limit=limit,
            cursor_mode=True,
        )
    cursor_path = f"{prefix}.cursorPaging.cursor"
    if not isinstance(token, str):
        raise _bad(cursor_path, "must be a string")
    if len(token) > MAX_CURSOR_LENGTH:
        raise _bad(
            cursor_path, f"must be at most {MAX_CURSOR_LENGTH} characters", errors.MAX_LENGTH
        )
    if filter_ not in (None, {}):
        raise _bad(
            f"{prefix}.filter",
            "must not be sent with cursorPaging.cursor (the cursor carries the filter)",
            errors.FIELD_NOT_ALLOWED,
        )
    if sort_ not in (None, []):
        raise _bad(
            f"{prefix}.sort",
            "must not be sent with cursorPaging.cursor (the cursor carries the sort)",
            errors.FIELD_NOT_ALLOWED,
        )
    override = (
        None if limit_value is None else _limit(spec, limit_value, f"{prefix}.cursorPaging.limit")
    )
    return _decode_cursor(spec, token, signer, scope_key, cursor_path, override)


# ---------------------------------------------------------------- cursors

_CURSOR_VERSION = 1


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return {"$ts": value.astimezone(UTC).isoformat()}
    if value is None or isinstance(value, str | int | bool):
        return value
    raise TypeError(f"cannot put a {type(value).__name__} sort value in a cursor")


def _decode_value(kind: Kind, raw: Any) -> Any:
    if raw is None:
        return None
    if kind is Kind.TIMESTAMP:
        if not isinstance(raw, Mapping) or not isinstance(raw.get("$ts"), str):
            raise ValueError("bad timestamp")
        value = datetime.fromisoformat(raw["$ts"])
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if kind is Kind.BOOL:
        ok = isinstance(raw, bool)
    elif kind is Kind.INT:
        ok = isinstance(raw, int) and not isinstance(raw, bool)
    else:
        ok = isinstance(raw, str)
    if not ok:
        raise ValueError("bad sort value")
    return raw


def encode_cursor(signer: Signer, scope_key: str, parsed: ParsedQuery, position: Position) -> str:
    """A signed cursor continuing ``parsed`` at ``position``."""
    filter_json = json.dumps(parsed.filter, separators=(",", ":"), sort_keys=True)
    payload: dict[str, Any] = {
        "v": _CURSOR_VERSION,
        "s": scope_key,
        "o": [[path, "DESC" if desc else "ASC"] for path, desc in parsed.sort],
        "l": parsed.limit,
        "p": [_encode_value(v) for v in position.values],
        "d": "n" if position.forward else "p",
        "i": position.inclusive,
    }
    if len(filter_json) > _COMPRESS_OVER:
        packed = zlib.compress(filter_json.encode("utf-8"), 6)
        payload["fz"] = base64.b64encode(packed).decode("ascii")
    else:
        payload["f"] = parsed.filter
    return signer.sign(payload)


def _decode_cursor(
    spec: QuerySpec,
    token: str,
    signer: Signer,
    scope_key: str,
    path: str,
    limit: int | None,
) -> ParsedQuery:
    try:
        payload = signer.verify(token)
    except Exception:
        raise _bad(path, "is not a valid cursor") from None
    if (
        not isinstance(payload, dict)
        or payload.get("v") != _CURSOR_VERSION
        or payload.get("s") != scope_key
    ):
        raise _bad(path, "is not a cursor of this query")
    try:
        if "fz" in payload:
            filter_ = json.loads(zlib.decompress(base64.b64decode(payload["fz"])))
        else:
            filter_ = payload.get("f")
        sort_entries = [{"fieldName": name, "order": order} for name, order in payload["o"]]
        sort = tuple(parse_sort(spec, sort_entries))
        where, not_null = _compile(spec, filter_, "query.filter")
        keys = tuple(sort_keys(spec, sort, not_null))
        stored_limit = payload["l"]
        if not isinstance(stored_limit, int) or not 1 <= stored_limit <= spec.max_limit:
            raise ValueError("bad limit")
        raw_values = payload["p"]
        if not isinstance(raw_values, list) or len(raw_values) != len(keys):
            raise ValueError("bad position")
        values = tuple(_decode_value(k.kind, raw) for k, raw in zip(keys, raw_values, strict=True))
        if values[-1] is None or payload["d"] not in ("n", "p"):
            raise ValueError("bad position")
        position = Position(values, payload["d"] == "n", bool(payload.get("i")))
    except Exception:  # signed by us, but by another version of the API: still a 400
        raise _bad(path, "is not a valid cursor for this query") from None
    return ParsedQuery(
        filter=filter_,
        where=where,
        sort=sort,
        keys=keys,
        limit=stored_limit if limit is None else limit,
        cursor_mode=True,
        position=position,
    )


# ---------------------------------------------------------------- execution


@dataclass(frozen=True)
class QueryPage:
    """One page: the rows (in order) and the wire ``pagingMetadata``.

    In cursor mode a row may carry extra trailing columns labelled ``_qkey<N>``: sort keys that
    the base select did not include.
    """

    rows: list[sa.Row[Any]]
    paging_metadata: dict[str, Any]


def _connection(conn: AsyncConnection | SiteScope) -> AsyncConnection:
    return conn.conn if isinstance(conn, SiteScope) else conn


def _with_keys(stmt: sa.Select[Any], keys: Sequence[SortKey]) -> tuple[sa.Select[Any], list[int]]:
    """``stmt`` selecting every sort key, and the row index of each key."""
    columns = list(stmt.selected_columns)
    positions: list[int] = []
    extra = 0
    for i, key in enumerate(keys):
        index = next(
            (
                j
                for j, col in enumerate(columns)
                if col is key.expr or (isinstance(col, sa.Label) and col.element is key.expr)
            ),
            None,
        )
        if index is None:
            stmt = stmt.add_columns(key.expr.label(f"_qkey{i}"))
            index = len(columns) + extra
            extra += 1
        positions.append(index)
    return stmt, positions


async def _count_rows(conn: AsyncConnection, stmt: sa.Select[Any]) -> int:
    sub = stmt.order_by(None).limit(None).offset(None).subquery()
    total = (await conn.execute(sa.select(sa.func.count()).select_from(sub))).scalar()
    return int(total or 0)


async def count(
    conn: AsyncConnection | SiteScope,
    spec: QuerySpec,
    stmt: sa.Select[Any],
    filter_: Any,
    *,
    prefix: str = "filter",
) -> int:
    """How many rows of ``stmt`` match ``filter_`` (``prefix`` = the filter's request path)."""
    where = compile_filter(spec, filter_, prefix)
    return await _count_rows(_connection(conn), stmt.where(where))


async def execute_query(
    conn: AsyncConnection | SiteScope,
    stmt: sa.Select[Any],
    parsed: ParsedQuery,
    *,
    signer: Signer,
    scope_key: str,
) -> QueryPage:
    """Run a parsed query on ``stmt`` (the caller's site-scoped base select)."""
    db = _connection(conn)
    base = stmt.where(parsed.where)
    if not parsed.cursor_mode:
        page = base.order_by(*order_by(parsed.keys)).limit(parsed.limit).offset(parsed.offset)
        rows = list((await db.execute(page)).all())
        if rows and len(rows) < parsed.limit:
            total = parsed.offset + len(rows)
        elif not rows and parsed.offset == 0:
            total = 0
        else:
            total = await _count_rows(db, base)
        return QueryPage(
            rows,
            {"count": len(rows), "offset": parsed.offset, "total": total, "tooManyToCount": False},
        )

    keys = parsed.keys
    position = parsed.position
    forward = position is None or position.forward
    select, indexes = _with_keys(base, keys)
    page = select
    if position is not None:
        page = page.where(keyset(keys, position.values, forward, position.inclusive))
    page = page.order_by(*order_by(keys, reverse=not forward)).limit(parsed.limit + 1)
    fetched = list((await db.execute(page)).all())
    more = len(fetched) > parsed.limit
    rows = fetched[: parsed.limit]
    if not forward:
        rows.reverse()

    def values_of(row: sa.Row[Any]) -> tuple[Any, ...]:
        return tuple(row[i] for i in indexes)

    after: Position | None = None
    before: Position | None = None
    if rows:
        after = Position(values_of(rows[-1]), True)
        before = Position(values_of(rows[0]), False)
    elif position is not None:  # nothing left in this direction: the complement of the window
        complement = Position(position.values, not position.forward, not position.inclusive)
        after, before = (complement, None) if complement.forward else (None, complement)

    async def any_rows(where: Position | None) -> bool:
        if where is None:
            return False
        probe = base.where(keyset(keys, where.values, where.forward, where.inclusive)).limit(1)
        return (await db.execute(probe)).first() is not None

    if position is None:
        has_next, has_prev = more, False
    elif forward:
        has_next, has_prev = more, await any_rows(before)
    else:
        has_next, has_prev = await any_rows(after), more
    cursors: dict[str, str] = {}
    if has_next and after is not None:
        cursors["next"] = encode_cursor(signer, scope_key, parsed, after)
    if has_prev and before is not None:
        cursors["prev"] = encode_cursor(signer, scope_key, parsed, before)
    meta: dict[str, Any] = {"count": len(rows), "cursors": cursors, "hasNext": bool(has_next)}
    return QueryPage(rows, meta)


async def run_query(
    conn: AsyncConnection | SiteScope,
    spec: QuerySpec,
    stmt: sa.Select[Any],
    query: Any,
    *,
    signer: Signer,
    scope_key: str,
    prefix: str = "query",
) -> QueryPage:
    """Validate ``query`` (the request's query object, at request path ``prefix``) and run it.

    ``stmt`` is the base select, already restricted to the site; ``scope_key`` names the site
    and API (e.g. ``f"{site_id}:extended-bookings"``) so that cursors do not travel between
    them.
    """
    parsed = parse_query(spec, query, signer=signer, scope_key=scope_key, prefix=prefix)
    return await execute_query(conn, stmt, parsed, signer=signer, scope_key=scope_key)
