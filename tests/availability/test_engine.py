"""Property tests of the pure slot engine against a naive oracle written from the rules.

Definitions (see ``bookings.availability.slots``): a resource is free for a start ``s`` when
one of its windows contains ``[s, s+D)`` and no busy interval meets ``[s, s+D+B)``. The grid
is ``w0 + k*S`` for each window start ``w0`` of a primary resource while ``s + D <= w1``.
"Nothing free is left unlisted" means: every grid point in the request window where every
group has a free resource is listed; and any free stretch inside a window at least
``S - 1 + D + B`` long holds a listed start.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bookings.availability.intervals import Interval, merge, overlaps_any, subtract
from bookings.availability.slots import (
    ResourceTime,
    SlotShape,
    allowed_starts,
    free_resources_for,
    is_free,
    is_slot_available,
    list_slots,
)

SPAN = 400


@st.composite
def windows(draw: st.DrawFn) -> tuple[Interval, ...]:
    cuts = sorted(draw(st.sets(st.integers(0, SPAN), max_size=8)))
    pairs = [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts) - 1, 2)]
    return tuple(p for p in pairs if p[1] > p[0])


@st.composite
def busy(draw: st.DrawFn) -> list[Interval]:
    out = []
    for _ in range(draw(st.integers(0, 8))):
        a = draw(st.integers(-40, SPAN + 40))
        out.append((a, a + draw(st.integers(1, 60))))
    return out


@st.composite
def shapes(draw: st.DrawFn) -> SlotShape:
    return SlotShape(
        draw(st.integers(1, 60)), draw(st.integers(0, 20)), draw(st.sampled_from([0, 5, 15, 30]))
    )


@st.composite
def groups(draw: st.DrawFn) -> tuple[list[list[ResourceTime]], list[list[list[Interval]]]]:
    """Resource groups, and the raw (unmerged) busy lists the oracle reads."""
    out: list[list[ResourceTime]] = []
    raw: list[list[list[Interval]]] = []
    for g in range(draw(st.integers(1, 2))):
        members, raws = [], []
        for i in range(draw(st.integers(1, 3))):
            b = draw(busy())
            members.append(ResourceTime(f"r{g}{i}", draw(windows()), tuple(merge(b))))
            raws.append(b)
        out.append(members)
        raw.append(raws)
    return out, raw


def naive_free(res: ResourceTime, raw: list[Interval], shape: SlotShape, s: int) -> bool:
    d, b = shape.duration, shape.buffer
    inside = any(w0 <= s and s + d <= w1 for w0, w1 in res.windows)
    return inside and all(not (a < s + d + b and s < e) for a, e in raw)


def naive_grid(res: ResourceTime, shape: SlotShape) -> set[int]:
    out = set()
    for w0, w1 in res.windows:
        s = w0
        while s + shape.duration <= w1:
            out.add(s)
            s += shape.stride
    return out


@settings(max_examples=400, deadline=None)
@given(
    groups(),
    shapes(),
    st.integers(-50, SPAN),
    st.integers(0, SPAN + 50),
    st.none() | st.integers(0, SPAN),
)
def test_listing_equals_the_rules(
    drawn: tuple[list[list[ResourceTime]], list[list[list[Interval]]]],
    shape: SlotShape,
    lo: int,
    hi: int,
    now: int | None,
) -> None:
    gs, raw = drawn
    listed = list_slots(gs, shape, lo=lo, hi=hi, now=now)
    grid = set().union(*(naive_grid(r, shape) for r in gs[0]))
    expected = {}
    for s in sorted(grid):
        if not (lo <= s < hi) or (now is not None and s < now):
            continue
        free = tuple(
            tuple(r.resource_id for r, rb in zip(g, gr, strict=True) if naive_free(r, rb, shape, s))
            for g, gr in zip(gs, raw, strict=True)
        )
        if all(free):
            expected[s] = free
    assert {c.start: c.free for c in listed} == expected
    assert [c.start for c in listed] == sorted(expected)
    for c in listed:
        # inside working hours, no busy time (with both buffers), inside the window
        assert c.end == c.start + shape.duration
        assert lo <= c.start < hi and (now is None or c.start >= now)
        for g, group in enumerate(gs):
            for r in group:
                if r.resource_id in c.free[g]:
                    assert any(w0 <= c.start and c.end <= w1 for w0, w1 in r.windows)
                    assert not overlaps_any(r.busy, c.start, c.end + shape.buffer)
        # the bookings slice's check agrees with the list
        assert is_slot_available(gs, shape, c.start)
        assert [tuple(free_resources_for(g, shape, c.start)) for g in gs] == list(c.free)


@settings(max_examples=300, deadline=None)
@given(windows(), busy(), shapes())
def test_no_long_free_stretch_is_left_unlisted(
    wins: tuple[Interval, ...], raw: list[Interval], shape: SlotShape
) -> None:
    res = ResourceTime("r", wins, tuple(merge(raw)))
    listed = {c.start for c in list_slots([[res]], shape, lo=-1000, hi=10_000)}
    need = shape.stride - 1 + shape.duration + shape.buffer
    for w0, w1 in wins:
        free_parts = subtract([(w0, w1)], merge(raw))
        for x, y in free_parts:
            if y - x >= need:
                assert any(x <= s <= y - shape.duration - shape.buffer for s in listed), (
                    x,
                    y,
                    sorted(listed),
                )


@settings(max_examples=300, deadline=None)
@given(windows(), busy(), shapes())
def test_free_ranges_match_the_point_check(
    wins: tuple[Interval, ...], raw: list[Interval], shape: SlotShape
) -> None:
    res = ResourceTime("r", wins, tuple(merge(raw)))
    ranges = allowed_starts(res, shape)
    for s in range(-80, SPAN + 20):
        in_ranges = any(a <= s < b for a, b in ranges)
        assert in_ranges == is_free(res, shape, s) == naive_free(res, raw, shape, s)


@settings(max_examples=300, deadline=None)
@given(busy(), busy())
def test_interval_algebra(a: list[Interval], b: list[Interval]) -> None:
    def points(xs: list[Interval]) -> set[int]:
        return {t for x0, x1 in xs for t in range(x0, x1)}

    ma, mb = merge(a), merge(b)
    assert points(ma) == points(a)
    assert all(ma[i][1] < ma[i + 1][0] for i in range(len(ma) - 1))
    assert points(subtract(ma, mb)) == points(a) - points(b)
    for t in range(-50, SPAN + 50, 7):
        assert overlaps_any(ma, t, t + 5) == bool(points(a) & set(range(t, t + 5)))


def test_buffers_on_both_sides() -> None:
    shape = SlotShape(60, 15)
    # a booking 10:00-11:00 whose own service has a 15 min buffer arrives as 10:00-11:15
    res = ResourceTime("r", ((0, 480),), ((60, 135),))
    starts = [c.start for c in list_slots([[res]], shape, lo=0, hi=480)]
    assert starts == [150, 225, 300, 375]  # 0 would end its buffer at 75 > 60: refused
    assert not is_free(res, shape, 0)
    assert is_free(res, shape, 135)  # off the grid, but free: a booking there is accepted
