"""The acknowledgement policy, as Taskcluster's own consumers apply it, and batched acks.

A handler that returns acks its message (in `async for`, the loop body is
the handler: asking for the next message acks the previous one). One that raises has its message
requeued once, and rejected (logged with the error) if it was already
redelivered; a cancelled or interrupted handler's message comes again.

Acks are batched per channel (`Acker`): one `basic.ack multiple=True` at
tag T settles every unsettled delivery up to T, so T is always below the
oldest delivery that is not acked yet (waiting to be handed out, being
handled, or failed and about to be rejected). Acks above it go one by one.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import aiormq.abc

from .connection import CONNECTION_ERRORS
from .message import Handler, Message, UnparsedMessage

__all__ = ["Acker", "Deduplicator", "MessageIterator", "StoppedError", "handle", "settle_failed"]

MessageT = TypeVar("MessageT")

log = logging.getLogger("taskcluster_sdk.pulse")

AnyMessage = Message[Any, Any] | UnparsedMessage


class Deduplicator:
    """Remembers the last `size` messages handled (exchange, routing key, body).

    Pulse publishes no message ids, and its duplicates are byte-identical
    (an idempotent createTask publishes task-defined again), so the content
    is the identity. Only handled (acked) messages are remembered: a message
    whose handler failed must come again.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._seen: OrderedDict[tuple[str, str, bytes], None] = OrderedDict()

    def seen(self, message: AnyMessage) -> bool:
        return (message.exchange, message.routing_key, message.body) in self._seen

    def remember(self, message: AnyMessage) -> None:
        key = (message.exchange, message.routing_key, message.body)
        self._seen[key] = None
        self._seen.move_to_end(key)
        if len(self._seen) > self.size:
            self._seen.popitem(last=False)


class Acker:
    """Acks and rejections of one channel; acks are sent in safe batches."""

    def __init__(
        self,
        channel: aiormq.abc.AbstractChannel,
        batch: int,
        deduplicator: Deduplicator | None,
    ) -> None:
        self.channel = channel
        self._batch = batch
        self._deduplicator = deduplicator
        # Delivered and not settled yet; a batched ack must stay below all of them.
        self._unsettled: set[int] = set()
        self._held: list[int] = []
        self._wake = asyncio.Event()
        self._flusher: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._flusher = asyncio.create_task(self._flush_when_woken(), name="pulse-acks")

    def delivered(self, tag: int) -> None:
        self._unsettled.add(tag)

    def ack(self, message: AnyMessage) -> None:
        if self._deduplicator is not None:
            self._deduplicator.remember(message)
        tag = message.delivery_tag
        self._unsettled.discard(tag)
        self._held.append(tag)
        if not self._wake.is_set():
            # Sent once the loop runs the flusher: the acks of everything
            # handled until then go in one frame.
            self._wake.set()

    @property
    def should_flush(self) -> bool:
        """Enough acks wait that the broker's prefetch window needs them now."""
        return len(self._held) >= self._batch

    async def reject(self, message: AnyMessage, requeue: bool) -> None:
        tag = message.delivery_tag
        try:
            await self.channel.basic_reject(tag, requeue=requeue)
        except CONNECTION_ERRORS as error:
            _settle_lost(message, error)
        finally:
            # Only once the rejection is written may a batched ack pass it.
            self._unsettled.discard(tag)

    async def flush(self) -> None:
        """Send the acks held so far."""
        held, self._held = self._held, []
        if not held:
            return
        floor = min(self._unsettled) if self._unsettled else None
        below = [tag for tag in held if floor is None or tag < floor]
        try:
            if below:
                await self.channel.basic_ack(max(below), multiple=True, wait=False)
            if len(below) < len(held):
                for tag in held:
                    if floor is not None and tag > floor:
                        await self.channel.basic_ack(tag, wait=False)
        except CONNECTION_ERRORS as error:
            log.info("could not send acks: %s; the broker will deliver those messages again", error)

    async def _flush_when_woken(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            await self.flush()

    async def close(self) -> None:
        """Send the held acks and stop the flusher."""
        if self._flusher is not None:
            self._flusher.cancel()
            await asyncio.wait({self._flusher})
            self._flusher = None
        await self.flush()


def _settle_lost(message: AnyMessage, error: BaseException) -> None:
    # The channel this message came on is gone: the broker has put the
    # message back in the queue and will deliver it again.
    log.info(
        "could not settle message from %s (%s): %s; the broker will deliver it again",
        message.exchange,
        message.routing_key,
        error,
    )


async def handle(handler: Handler, message: AnyMessage) -> None:
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


async def settle_failed(message: AnyMessage, error: BaseException) -> None:
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
        next_message: Callable[[], Awaitable[AnyMessage]],
        iterated: set[AnyMessage],
    ) -> None:
        self._next_message = next_message
        # Messages handed out and not yet settled: the listener settles them
        # when its `async with` block ends (acked, or failed with its error).
        self._iterated = iterated
        self._current: AnyMessage | None = None

    def __aiter__(self) -> MessageIterator[MessageT]:
        return self

    async def __anext__(self) -> MessageT | UnparsedMessage:
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
        return message  # type: ignore[return-value]
