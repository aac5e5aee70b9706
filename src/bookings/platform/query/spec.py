"""The query whitelist of one API: which fields may be filtered and sorted on, and how.

An API declares a :class:`QuerySpec`: its :class:`FieldSpec` fields (wire path and aliases, a
column or an :class:`ArrayStorage` child table, the :class:`Kind` of their values, the
operators allowed, sortable or not, nullable or not), its unique tie-breaker, default sort,
limits and paging modes. Also here: the operator names (:data:`EQ` is ``"$eq"`` ...) and
the guards against abusive requests.

Guards: at most :data:`MAX_FILTER_DEPTH` nesting levels, :data:`MAX_FILTER_CONDITIONS`
conditions and :data:`MAX_FILTER_VALUES` values per filter, :data:`MAX_LIST_VALUES` values per
``$in``/``$nin``/``$hasSome`` and :data:`MAX_ARRAY_VALUES` per ``$hasAll``/exact array,
:data:`MAX_SORT_ENTRIES` sort entries, :data:`MAX_CURSOR_LENGTH` characters per cursor.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import sqlalchemy as sa


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
