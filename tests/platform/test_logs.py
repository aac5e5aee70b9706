"""``quieter()``: the named loggers drop records below WARNING inside it, and only there."""

from __future__ import annotations

import logging

from bookings.platform.logs import quieter


def test_quieter_raises_the_level_inside_only() -> None:
    seeding = logging.getLogger("tests.seeding")
    seeding.setLevel(logging.INFO)
    with quieter("tests.seeding"):
        assert not seeding.isEnabledFor(logging.INFO)
        assert seeding.isEnabledFor(logging.WARNING)
    assert seeding.isEnabledFor(logging.INFO)
    assert seeding.level == logging.INFO
