"""Our side of the listener figure, kept apart because it follows the listener's API."""

from __future__ import annotations

from contextlib import AsyncExitStack

from aio_pika.abc import AbstractRobustConnection

from benchmarks.clients import ours_module
from benchmarks.measure import AsyncRoundFn, SideUnavailableError


async def our_listener_round(
    stack: AsyncExitStack, connection: AbstractRobustConnection, count: int, prefetch: int
) -> AsyncRoundFn:
    """A round that drains `count` published messages through our listener."""
    ours_module("taskcluster_sdk._listener")
    del stack, connection, count, prefetch
    raise SideUnavailableError(
        "the listener benchmark is not wired to taskcluster_sdk._listener yet"
    )
