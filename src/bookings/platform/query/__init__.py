"""The Wix API Query Language, translated into SQLAlchemy Core.

A query ``{"filter", "sort", "paging" | "cursorPaging"}`` is validated against the whitelist of
one API (:class:`QuerySpec`) and becomes WHERE / ORDER BY / LIMIT clauses on a select the
caller supplies (already scoped to the site). Filtering, sorting and paging all happen in SQL.

Modules, each using only those listed before it:

* ``spec`` — the whitelist: :class:`QuerySpec`, :class:`FieldSpec`, :class:`ArrayStorage`,
  :class:`Kind`; the operator names (:data:`EQ` ...) and the size guards.
* ``filter`` — the parse step: :func:`normalize_filter` validates a filter into its parsed
  form, a :data:`Node` tree of :class:`Condition`, :class:`And`, :class:`Or`, :class:`Not`.
* ``sql`` — a parsed filter as a WHERE condition (:func:`to_sql`; :func:`compile_filter` does
  both steps) and the columns it keeps from being NULL (:func:`not_null_columns`).
* ``sort`` — ``sort`` validated (:func:`parse_sort`), ORDER BY keys and clauses
  (:class:`SortKey`, :func:`sort_keys`, :func:`order_by`).
* ``paging`` — a validated query (:class:`ParsedQuery`, :class:`Position`), its page
  (:class:`QueryPage`); offset paging.
* ``cursor`` — signed keyset cursors (:func:`encode_cursor`, :func:`keyset`); cursor paging.
* ``run`` — the entry points: :func:`parse_query`, :func:`execute_query`, :func:`run_query`,
  :func:`count`.

Every problem is an :class:`~bookings.platform.errors.InvalidRequest` naming the exact request
path (``query.filter.status``, ``query.filter.$or[1].startDate.$gte``, ``query.sort[0].order``,
``query.paging.limit``, ``query.cursorPaging.cursor``); no other exception escapes on any JSON.
Rules: FIELD_NOT_ALLOWED (field not in the whitelist, not sortable, operator unknown or not
allowed on the field, paging mode not offered, filter/sort next to a cursor),
INVALID_ENUM_VALUE, FORMAT (wrong types, bad timestamps, NUL or invalid Unicode in strings,
bad or foreign cursors), MIN/MAX (limit, offset), ONE_OF_ALIGNMENT (``paging`` with
``cursorPaging``), MAX_SIZE (the guards of ``spec``).
"""

from __future__ import annotations

from bookings.platform.query.cursor import encode_cursor, keyset
from bookings.platform.query.filter import And, Condition, Node, Not, Or, normalize_filter
from bookings.platform.query.paging import ParsedQuery, Position, QueryPage
from bookings.platform.query.run import count, execute_query, parse_query, run_query
from bookings.platform.query.sort import SortKey, order_by, parse_sort, sort_keys
from bookings.platform.query.spec import (
    ARRAY_OPERATORS,
    EQ,
    EXISTS,
    GT,
    GTE,
    HAS_ALL,
    HAS_SOME,
    IN,
    IS_EMPTY,
    LOGICAL,
    LT,
    LTE,
    MAX_ARRAY_VALUES,
    MAX_CURSOR_LENGTH,
    MAX_FILTER_CONDITIONS,
    MAX_FILTER_DEPTH,
    MAX_FILTER_VALUES,
    MAX_LIST_VALUES,
    MAX_SORT_ENTRIES,
    NE,
    NIN,
    OPERATORS,
    SCALAR_OPERATORS,
    STARTS_WITH,
    ArrayStorage,
    FieldSpec,
    Kind,
    QuerySpec,
    SortOrder,
)
from bookings.platform.query.sql import compile_filter, not_null_columns, to_sql

__all__ = [
    "ARRAY_OPERATORS",
    "EQ",
    "EXISTS",
    "GT",
    "GTE",
    "HAS_ALL",
    "HAS_SOME",
    "IN",
    "IS_EMPTY",
    "LOGICAL",
    "LT",
    "LTE",
    "MAX_ARRAY_VALUES",
    "MAX_CURSOR_LENGTH",
    "MAX_FILTER_CONDITIONS",
    "MAX_FILTER_DEPTH",
    "MAX_FILTER_VALUES",
    "MAX_LIST_VALUES",
    "MAX_SORT_ENTRIES",
    "NE",
    "NIN",
    "OPERATORS",
    "SCALAR_OPERATORS",
    "STARTS_WITH",
    "And",
    "ArrayStorage",
    "Condition",
    "FieldSpec",
    "Kind",
    "Node",
    "Not",
    "Or",
    "ParsedQuery",
    "Position",
    "QueryPage",
    "QuerySpec",
    "SortKey",
    "SortOrder",
    "compile_filter",
    "count",
    "encode_cursor",
    "execute_query",
    "keyset",
    "normalize_filter",
    "not_null_columns",
    "order_by",
    "parse_query",
    "parse_sort",
    "run_query",
    "sort_keys",
    "to_sql",
]
