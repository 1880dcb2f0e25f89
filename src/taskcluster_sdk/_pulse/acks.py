"""The acknowledgement policy, as Taskcluster's own consumers apply it.

A handler that returns acks its message (in `async for`, the loop body is
the handler: asking for the next message acks the previous one). One that raises has its message
requeued once, and rejected (logged with the error) if it was already
redelivered; a cancelled or interrupted handler's message comes again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar, cast

from .message import Handler, Message

__all__ = ["MessageIterator", "StoppedError", "handle", "settle_failed"]

MessageT = TypeVar("MessageT")

log = logging.getLogger("taskcluster_sdk.pulse")


async def handle(handler: Handler, message: Message[Any, Any]) -> None:
    """Run `handler` on `message` and settle it by the outcome."""
    try:
        await handler(message)
    except asyncio.CancelledError:
        await message.reject(requeue=True)
        raise
    except Exception as error:
        await settle_failed(message, error)
    else:
        await message.ack()


async def settle_failed(message: Message[Any, Any], error: BaseException) -> None:
    if not isinstance(error, Exception):
        # Cancelled or interrupted: not the handler's failure; let it come again.
        await message.reject(requeue=True)
    elif message.settled:
        log.error(
            "handler failed for message from %s (%s) it had settled already",
            message.exchange,
            message.routing_key,
            exc_info=error,
        )
    elif message.redelivered:
        log.error(
            "handler failed again for redelivered message from %s (%s); rejecting it",
            message.exchange,
            message.routing_key,
            exc_info=error,
        )
        await message.reject(requeue=False)
    else:
        log.warning(
            "handler failed for message from %s (%s); requeueing it once",
            message.exchange,
            message.routing_key,
            exc_info=error,
        )
        await message.reject(requeue=True)


class StoppedError(Exception):
    """Raised inside the listener when consumption has been stopped."""


class MessageIterator(Generic[MessageT]):
    """`async for` over a listener: the loop body is the handler of each message."""

    def __init__(
        self,
        next_message: Callable[[], Awaitable[Message[Any, Any]]],
        iterated: set[Message[Any, Any]],
    ) -> None:
        self._next_message = next_message
        # Messages handed out and not yet settled: the listener settles them
        # when its `async with` block ends (acked, or failed with its error).
        self._iterated = iterated
        self._current: Message[Any, Any] | None = None

    def __aiter__(self) -> MessageIterator[MessageT]:
        return self

    async def __anext__(self) -> MessageT:
        previous, self._current = self._current, None
        if previous is not None:
            # Asking for the next message means the body finished this one.
            self._iterated.discard(previous)
            await previous.ack()
        try:
            message = await self._next_message()
        except StoppedError:
            raise StopAsyncIteration from None
        self._current = message
        self._iterated.add(message)
        # The listener's type says what its bindings deliver (see `bound`).
        return cast("MessageT", message)
