"""Hook points: where one slice's use case calls functions that other slices supply.

A slice declares a hook point in its ports (``events_changed = Hooks[EventsChanged](...)``)
and calls every wired function from its use cases; which functions are wired is decided once,
by the app (``bookings.app.wire_slices``), never by an import. A hook point that was never
wired refuses to run, so a slice missing from the wiring fails loudly instead of silently
skipping its work.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

H = TypeVar("H")


class HooksNotWired(RuntimeError):
    """A use case reached a hook point that the app never wired."""


class Hooks(Generic[H]):
    """The functions wired to one hook point, in order."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._hooks: tuple[H, ...] | None = None

    def wire(self, *hooks: H) -> None:
        """Set the functions of this hook point (replacing any set before)."""
        self._hooks = hooks

    @property
    def wired(self) -> bool:
        return self._hooks is not None

    def __iter__(self) -> Iterator[H]:
        if self._hooks is None:
            raise HooksNotWired(
                f"hook point {self.name!r} was never wired: build the app with "
                "bookings.app.create_app (or call bookings.app.wire_slices)"
            )
        return iter(self._hooks)
