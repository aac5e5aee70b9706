"""A parsed filter (:func:`~bookings.platform.query.filter.normalize_filter`) evaluated on
values in memory, with the semantics :mod:`~bookings.platform.query.sql` gives it in SQL: for
documents that are computed rather than stored (for example occurrences of a recurring event
beyond its materialized horizon), so that one filter language, one validation and one set of
errors serve both.

A field's values come from ``values_of(field)``: an empty sequence is a missing (NULL) scalar
or an empty array, a scalar has at most one value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from bookings.platform.query.filter import And, Condition, Node, Not, Or
from bookings.platform.query.spec import (
    EQ,
    EXISTS,
    GT,
    GTE,
    HAS_ALL,
    HAS_SOME,
    IN,
    IS_EMPTY,
    LT,
    LTE,
    NE,
    NIN,
    STARTS_WITH,
    FieldSpec,
)

ValuesOf = Callable[[FieldSpec], Sequence[Any]]

_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    GT: lambda a, b: a > b,
    GTE: lambda a, b: a >= b,
    LT: lambda a, b: a < b,
    LTE: lambda a, b: a <= b,
}


def matches(node: Node, values_of: ValuesOf) -> bool:
    """Whether the values satisfy the parsed filter ``node``."""
    if isinstance(node, And):
        return all(matches(item, values_of) for item in node.items)
    if isinstance(node, Or):
        return any(matches(item, values_of) for item in node.items)
    if isinstance(node, Not):
        return not matches(node.item, values_of)
    values = list(values_of(node.field))
    if node.field.array is not None:
        return _array(node, values)
    return _scalar(node, values[0] if values else None)


def _array(cond: Condition, values: list[Any]) -> bool:
    op, operand = cond.op, cond.value
    if op in (EQ, NE):
        same = list(operand) == values if isinstance(operand, tuple) else operand in values
        return same if op == EQ else not same
    if op in (IN, HAS_SOME):
        return any(v in operand for v in values)
    if op == NIN:
        return not any(v in operand for v in values)
    if op == HAS_ALL:
        return all(v in values for v in operand)
    if op == IS_EMPTY:
        return (not values) == bool(operand)
    raise AssertionError(op)  # operators are validated


def _equal(value: Any, operand: Any) -> bool:
    """SQL's ``=``, with a ``None`` operand meaning IS NULL (as the SQL layer writes it)."""
    return value is None if operand is None else value is not None and bool(value == operand)


def _scalar(cond: Condition, value: Any) -> bool:
    op, operand = cond.op, cond.value
    if op == EXISTS:
        return (value is not None) == bool(operand)
    if op == IS_EMPTY:
        return (value is None or value == "") == bool(operand)
    if op == EQ:
        return _equal(value, operand)
    if op == NE:
        return not _equal(value, operand)
    if op == IN:
        return any(_equal(value, v) for v in operand)
    if op == NIN:
        return not any(_equal(value, v) for v in operand)
    if value is None:
        return False
    if op == STARTS_WITH:
        return isinstance(value, str) and value.lower().startswith(str(operand).lower())
    if op in _ORDER:
        return _ORDER[op](value, operand)
    raise AssertionError(op)  # operators are validated
