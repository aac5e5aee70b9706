"""A parsed filter (a :data:`~bookings.platform.query.filter.Node` tree) as SQLAlchemy Core.

Semantics (identical on SQLite and PostgreSQL):

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

The filter expression is meant for a WHERE clause: for rows it does not match it may be NULL
rather than FALSE (negations are pushed down to the leaves, which handle NULL explicitly).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from bookings.platform.query.filter import And, Condition, Node, Not, Or, normalize_filter
from bookings.platform.query.spec import (
    _COMPARISONS,
    EQ,
    EXISTS,
    GT,
    GTE,
    HAS_ALL,
    HAS_SOME,
    IN,
    IS_EMPTY,
    LT,
    NE,
    NIN,
    STARTS_WITH,
    ArrayStorage,
    FieldSpec,
    Kind,
    QuerySpec,
)


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
