"""The chain rule of multi-service bookings (pure): one resource per link, no clashes."""

from __future__ import annotations

from itertools import product

from hypothesis import given, settings
from hypothesis import strategies as st

from bookings.availability.chains import (
    Chain,
    Link,
    Part,
    assign_chain,
    chain_at,
    chain_starts,
    list_chains,
)
from bookings.availability.intervals import merge
from bookings.availability.slots import ResourceTime, SlotShape


def test_chain_starts_are_back_to_back() -> None:
    assert chain_starts(100, [30, 60, 15]) == [(100, 130), (130, 190), (190, 205)]


def test_same_resource_takes_consecutive_links_without_buffer() -> None:
    links = [Link(0, 30, 0, ("a",)), Link(30, 60, 0, ("a",))]
    assert assign_chain(links) == ["a", "a"]


def test_a_buffer_keeps_one_resource_off_the_next_link() -> None:
    links = [Link(0, 30, 10, ("a",)), Link(30, 60, 0, ("a",))]
    assert assign_chain(links) is None


def test_a_buffer_over_before_a_later_link_lets_the_resource_return() -> None:
    links = [Link(0, 30, 10, ("a", "b")), Link(30, 60, 0, ("a", "b")), Link(60, 90, 0, ("a",))]
    assert assign_chain(links) == ["a", "b", "a"]


def test_backtracks_from_the_preferred_choice() -> None:
    links = [Link(0, 30, 5, ("a", "b")), Link(30, 60, 0, ("a",))]
    assert assign_chain(links) == ["b", "a"]


def test_a_link_nobody_can_take_leaves_no_chain() -> None:
    assert assign_chain([Link(0, 30, 0, ("a",)), Link(30, 60, 0, ())]) is None
    assert assign_chain([]) is None


@given(
    st.lists(
        st.tuples(
            st.integers(1, 4),
            st.integers(0, 3),
            st.sets(st.sampled_from("abc"), max_size=3),
        ),
        min_size=2,
        max_size=5,
    )
)
def test_an_assignment_exists_exactly_when_brute_force_finds_one(
    spec: list[tuple[int, int, set[str]]],
) -> None:
    times = chain_starts(0, [d for d, _, _ in spec])
    links = [
        Link(s, e, b, tuple(sorted(free))) for (s, e), (_, b, free) in zip(times, spec, strict=True)
    ]
    found = assign_chain(links)

    def ok(choice: list[str]) -> bool:
        for i, a in enumerate(links):
            for j in range(i + 1, len(links)):
                b = links[j]
                if choice[i] == choice[j] and a.start < b.busy_end and b.start < a.busy_end:
                    return False
        return True

    def every(i: int) -> list[list[str]]:
        if i == len(links):
            return [[]]
        return [[r, *rest] for r in links[i].free for rest in every(i + 1)]

    possible = [c for c in every(0) if ok(c)]
    if found is None:
        assert possible == []
    else:
        assert ok(found) and all(r in link.free for r, link in zip(found, links, strict=True))
        assert found == possible[0]


# ---------------------------------------------------------------- list_chains, chain_at


def naive_free(resource: ResourceTime, shape: SlotShape, at: int) -> bool:
    end = at + shape.duration
    inside = any(w0 <= at and end <= w1 for w0, w1 in resource.windows)
    return inside and not any(a < end + shape.buffer and at < e for a, e in resource.busy)


def naive_chain(parts: list[Part], start: int) -> tuple[list[list[list[str]]], bool] | None:
    """Each link's free resources per group, and whether a staff assignment exists (by
    trying every one); ``None`` when some group of some link has nobody free."""
    times = chain_starts(start, [p.shape.duration for p in parts])
    free = [
        [[r.resource_id for r in group if naive_free(r, part.shape, at)] for group in part.groups]
        for part, (at, _) in zip(parts, times, strict=True)
    ]
    if any(not ids for link in free for ids in link):
        return None
    spans = [(at, end + part.shape.buffer) for part, (at, end) in zip(parts, times, strict=True)]

    def valid(choice: tuple[str, ...]) -> bool:
        return not any(
            choice[i] == choice[j] and spans[i][0] < spans[j][1] and spans[j][0] < spans[i][1]
            for i in range(len(choice))
            for j in range(i + 1, len(choice))
        )

    staff_free = [link[0] for link in free]
    return free, any(valid(c) for c in product(*staff_free))


def valid_staff(chain: Chain) -> bool:
    links = chain.links
    return all(rid in link.free for rid, link in zip(chain.staff, links, strict=True)) and not any(
        chain.staff[i] == chain.staff[j]
        and links[i].start < links[j].busy_end
        and links[j].start < links[i].busy_end
        for i in range(len(links))
        for j in range(i + 1, len(links))
    )


resources = st.builds(
    lambda rid, windows, busy: ResourceTime(
        rid,
        tuple(merge((a, a + n) for a, n in windows)),
        tuple(merge((a, a + n) for a, n in busy)),
    ),
    st.sampled_from("abcd"),
    st.lists(st.tuples(st.integers(0, 150), st.integers(10, 120)), min_size=1, max_size=3),
    st.lists(st.tuples(st.integers(0, 250), st.integers(1, 15)), max_size=5),
)


@st.composite
def chain_cases(draw: st.DrawFn) -> tuple[list[Part], int, int, int, int]:
    """Parts sharing a pool of resources, and ``lo``, ``hi``, ``end_by``, ``now``."""
    pool = {r.resource_id: r for r in draw(st.lists(resources, min_size=1, max_size=4))}
    ids = sorted(pool)
    parts = []
    for _ in range(draw(st.integers(2, 3))):
        shape = SlotShape(
            draw(st.integers(1, 25)), draw(st.integers(0, 10)), draw(st.integers(0, 12))
        )
        order = draw(st.permutations(ids))
        groups = [order[: draw(st.integers(1, len(ids)))]]
        if draw(st.integers(0, 3)) == 0:  # another resource type: one of them free for the link
            groups.append(draw(st.permutations(ids))[:2])
        parts.append(Part(shape, tuple(tuple(pool[r] for r in g) for g in groups)))
    lo = draw(st.integers(0, 60))
    hi = draw(st.integers(lo + 20, 300))
    end_by = draw(st.integers(60, 320))
    # often exactly where a chain from a window start of the first service would end
    total = sum(p.shape.duration for p in parts)
    edges = sorted({w0 + total for r in parts[0].groups[0] for w0, _ in r.windows})
    if draw(st.booleans()):
        end_by = draw(st.sampled_from(edges))
    return parts, lo, hi, end_by, draw(st.integers(0, 40))


@settings(max_examples=500, deadline=None)
@given(chain_cases())
def test_list_chains_keeps_exactly_the_grid_starts_with_an_assignment(
    case: tuple[list[Part], int, int, int, int],
) -> None:
    parts, lo, hi, end_by, now = case
    total = sum(p.shape.duration for p in parts)
    first = parts[0].shape
    grid = {
        w0 + k * first.stride
        for r in parts[0].groups[0]
        for w0, w1 in r.windows
        for k in range((w1 - w0) // first.stride + 1)
        if w0 + k * first.stride + first.duration <= w1
    }
    expected = []
    for s in sorted(grid):
        if lo <= s < hi and s >= now and s + total <= end_by:
            found = naive_chain(parts, s)
            if found is not None and found[1]:
                expected.append((s, found[0]))
    listed = list_chains(parts, lo=lo, hi=hi, end_by=end_by, now=now)
    assert [c.start for c in listed] == [s for s, _ in expected]
    for chain, (_, free) in zip(listed, expected, strict=True):
        assert chain.end == chain.start + total
        assert [[list(ids) for ids in link] for link in chain.free] == free
        assert valid_staff(chain)
        assert chain_at(parts, chain.start) == chain


@settings(max_examples=200, deadline=None)
@given(chain_cases(), st.integers(0, 250))
def test_chain_at_any_start_agrees_with_brute_force(
    case: tuple[list[Part], int, int, int, int], start: int
) -> None:
    parts = case[0]
    found = naive_chain(parts, start)
    chain = chain_at(parts, start)
    if found is None or not found[1]:
        assert chain is None
    else:
        assert chain is not None and valid_staff(chain)
        assert [[list(ids) for ids in link] for link in chain.free] == found[0]


def test_two_staff_alternate_when_each_link_has_a_buffer() -> None:
    day = ((0, 600),)
    ana, ben = ResourceTime("ana", day), ResourceTime("ben", day)
    part = Part(SlotShape(30, 10), ((ana, ben),))
    chains = list_chains([part, part, part], lo=0, hi=600, end_by=600)
    assert [c.start for c in chains] == list(range(0, 600 - 90 + 1, 40))
    assert {c.staff for c in chains} == {("ana", "ben", "ana")}
    # Ana busy during the middle link: Ben would have to take two links in a row.
    ana = ResourceTime("ana", day, ((35, 60),))
    assert list_chains([Part(SlotShape(30, 10), ((ana, ben),))] * 3, lo=0, hi=1, end_by=600) == []
