"""The chain rule of multi-service bookings (pure): one resource per link, no clashes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bookings.availability.chains import Link, assign_chain, chain_starts


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
