"""The garbage collector of a serving process.

A request allocates thousands of short-lived objects (rows, dicts, coroutines), and the
collector's default youngest-generation threshold (700 allocations) ran a collection every
few requests, each walking what survived: a few percent of a create's CPU, measured with
py-spy (``bench/create_booking.py``). After start-up, everything the process built so far
(modules, routes, the engine) is moved out of the collector's sight for good
(``gc.freeze``), and the youngest generation is collected ten times less often. Reference
counting frees nearly everything a request makes; the collector only finds cycles."""

from __future__ import annotations

import gc

#: Allocations (net of frees) between two collections of the youngest generation.
YOUNG_THRESHOLD = 7000


def settle_after_startup() -> None:
    """Freeze what start-up built and space out the young collections (a serving process,
    once its services are open)."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
