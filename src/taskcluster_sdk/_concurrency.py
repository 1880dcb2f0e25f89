"""How the runtime waits, sync and async: the one place the two differ.

The async modules call `AsyncIO.sleep(...)` and `AsyncIO.run_blocking(...)`;
their generated sync twins call the same methods of `SyncIO` (unasync turns
`AsyncIO` into `SyncIO`). Blocking local I/O (files, caller streams) runs in
a worker thread under asyncio so a large transfer does not block the event
loop; memory-only work runs inline.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import asyncio

__all__ = ["AsyncIO", "SyncIO"]

T = TypeVar("T")


class AsyncIO:
    """Waiting on asyncio.

    asyncio is imported when first used, not with this module: the sync
    twins import it too, and a sync script should not pay for asyncio
    (~25 ms of a cold start).
    """

    @staticmethod
    async def sleep(delay: float) -> None:
        """Wait `delay` seconds without blocking the loop."""
        import asyncio  # noqa: PLC0415  # see the class docstring

        await asyncio.sleep(delay)

    @staticmethod
    def current_loop() -> asyncio.AbstractEventLoop:
        """The loop running the caller (an async client belongs to the first one it ran in)."""
        import asyncio  # noqa: PLC0415  # see the class docstring

        return asyncio.get_running_loop()

    @staticmethod
    async def run_blocking(in_thread: bool, function: Callable[[], T]) -> T:
        """Run `function` in a worker thread when it does blocking I/O, else inline."""
        if in_thread:
            import asyncio  # noqa: PLC0415  # see the class docstring

            return await asyncio.to_thread(function)
        return function()


class SyncIO:
    """Waiting by blocking the calling thread."""

    sleep = staticmethod(time.sleep)

    @staticmethod
    def current_loop() -> None:
        """Sync clients belong to no event loop."""
        return None

    @staticmethod
    def run_blocking(in_thread: bool, function: Callable[[], T]) -> T:
        """Run `function` (in this thread: blocking is what sync code does)."""
        return function()
