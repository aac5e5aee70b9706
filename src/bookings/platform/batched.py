"""The waiting writes of a unit of work as one statement (PostgreSQL): runs of single-row
inserts and deferred updates as data-modifying CTEs of the last insert
(``UnitOfWork.insert_deferred``, ``UnitOfWork.run_deferred`` in ``platform/db.py``)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, cast

import sqlalchemy as sa

#: Bind parameters of one statement at most (asyncpg takes 32767).
MAX_BINDS = 30000


def insert_groups(
    later: Sequence[tuple[sa.Table, dict[str, Any]]],
) -> list[tuple[sa.Table, tuple[str, ...], list[dict[str, Any]]]]:
    """Waiting inserts as runs of rows of one table and one set of columns, in order."""
    groups: list[tuple[sa.Table, tuple[str, ...], list[dict[str, Any]]]] = []
    for table, row in later:
        columns = tuple(row)
        if groups and groups[-1][0] is table and groups[-1][1] == columns:
            groups[-1][2].append(row)
        else:
            groups.append((table, columns, [row]))
    return groups


def later_param(group: int, row: int, column: str) -> str:
    return f"later{group}_{row}_{column}"


@functools.lru_cache(maxsize=256)
def combined_insert(
    shape: tuple[tuple[sa.Table, tuple[str, ...], int], ...],
    updates: tuple[sa.Executable, ...] = (),
) -> sa.Insert:
    """One statement for runs of inserts (PostgreSQL): one single-row ``INSERT`` per row, all
    but the last as data-modifying CTEs of the last, and the waiting ``updates`` (prebuilt
    statements, their parameters named apart from the inserts') as CTEs too. Built once per
    shape, so compiled once (SQLAlchemy caches no multi-row ``VALUES``: it would compile that
    anew on every call)."""
    statements: list[Any] = [*updates]
    statements += [
        sa.insert(table).values(
            {c: sa.bindparam(later_param(g, r, c), type_=table.c[c].type) for c in columns}
        )
        for g, (table, columns, count) in enumerate(shape)
        for r in range(count)
    ]
    *first, last = statements
    if first:
        last = last.add_cte(*(stmt.cte(f"later{i}") for i, stmt in enumerate(first)))
    return cast(sa.Insert, last)
