"""The ``sort`` of a query, validated, and the ORDER BY it makes.

``[{"fieldName", "order": "ASC"|"DESC"}]`` (missing order = ASC), sortable fields only, then
the API's unique tie-breaker (ASC) unless already sorted on. NULL is the smallest value on
both engines: NULLS FIRST for ASC, NULLS LAST for DESC.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from bookings.platform import errors
from bookings.platform.query.filter import _bad
from bookings.platform.query.spec import MAX_SORT_ENTRIES, Kind, QuerySpec


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
    :func:`~bookings.platform.query.sql.not_null_columns`) is not nullable: its ORDER BY has no
    NULLS FIRST/LAST, which would change nothing but keep PostgreSQL from reading the order off
    a plain index."""
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
