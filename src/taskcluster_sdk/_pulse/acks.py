"""The acknowledgement policy, as Taskcluster's own consumers apply it, and batched acks.

A handler that returns acks its message (in `async for`, the loop body is
the handler: asking for the next message acks the previous one). One that raises has its message
requeued once, and rejected (logged with the error) if it was already
redelivered; a cancelled or interrupted handler's message comes again.

Acks are batched per channel (`Acker`): one `basic.ack multiple=True` at
tag T settles every unsettled delivery up to T, so T is always below the
oldest delivery that is not acked yet (waiting to be handed out, being
handled, or failed and about to be rejected). Acks above it go one by one.

With `deduplicate=N`, a `Deduplicator` acks copies of a message handled
already, and holds (leaves unsettled) those that arrive while their first
copy is in flight, until that copy is settled.
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
Key = tuple[str, str, bytes]


def _key(message: AnyMessage) -> Key:
    return (message.exchange, message.routing_key, message.body)


class _Flight:
    """A message handed out and not settled yet, and the copies held behind it."""

    __slots__ = ("held", "owner")

    def __init__(self, owner: AnyMessage) -> None:
        self.owner = owner
        self.held: list[tuple[Acker, AnyMessage]] = []


class Deduplicator:
    """Remembers the last `size` messages handled (exchange, routing key, body),
    and holds copies of the messages being handled.

    Pulse publishes no message ids, and its duplicates are byte-identical
    (an idempotent createTask publishes task-defined again), so the content
    is the identity. Only handled messages are remembered (acked, or rejected
    without requeue: dropped on purpose): a message whose handler failed must
    come again. A copy that arrives while its first copy is in flight (on
    any channel: after a reconnect, the broker's redelivery of a message
    whose handler still runs on the dead channel is such a copy) is held:
    neither handed out nor acked, so it stays unsettled and no batched ack
    covers it, until the first copy's outcome is known (`handled`,
    `release`).
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._seen: OrderedDict[Key, None] = OrderedDict()
        self._flights: dict[Key, _Flight] = {}

    def admit(self, message: AnyMessage, acker: Acker) -> bool:
        """Whether to hand `message` out: not if it is a copy (acked, or held)."""
        key = _key(message)
        if key in self._seen:
            self._seen.move_to_end(key)
            log.info(
                "acked a duplicate of a message handled already: exchange %s, routing key %s",
                message.exchange,
                message.routing_key,
            )
            acker.ack_tag(message.delivery_tag)
            return False
        flight = self._flights.get(key)
        if flight is not None:
            log.info(
                "holding a duplicate of a message being handled: exchange %s, routing key %s",
                message.exchange,
                message.routing_key,
            )
            flight.held.append((acker, message))
            return False
        self._flights[key] = _Flight(message)
        return True

    def handled(self, message: AnyMessage) -> None:
        """`message` was handled: remember it, and ack the copies held behind it."""
        key = _key(message)
        self._seen[key] = None
        self._seen.move_to_end(key)
        if len(self._seen) > self.size:
            self._seen.popitem(last=False)
        for acker, held in self._land(key, message):
            acker.ack_tag(held.delivery_tag)

    def release(self, message: AnyMessage) -> list[tuple[Acker, AnyMessage]]:
        """`message` goes back unhandled: the copies held behind it, to be requeued too."""
        return self._land(_key(message), message)

    def _land(self, key: Key, message: AnyMessage) -> list[tuple[Acker, AnyMessage]]:
        """End `message`'s flight: its held copies whose channel is still open.

        Held copies on a channel that closed are gone: the broker requeued them.
        """
        flight = self._flights.get(key)
        if flight is None or flight.owner is not message:
            return []
        del self._flights[key]
        return [(acker, held) for acker, held in flight.held if not acker.closed]


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
        # Delivered and not settled yet (held duplicates too); a batched ack
        # must stay below all of them.
        self._unsettled: set[int] = set()
        self._acks: list[int] = []
        self._wake = asyncio.Event()
        self._flusher: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._flusher = asyncio.create_task(self._flush_when_woken(), name="pulse-acks")

    def delivered(self, tag: int) -> None:
        self._unsettled.add(tag)

    @property
    def closed(self) -> bool:
        return self.channel.is_closed

    def ack(self, message: AnyMessage) -> None:
        if self._deduplicator is not None:
            # A handled message, even if this ack is lost with the channel:
            # the broker's redelivery is then a copy to ack.
            self._deduplicator.handled(message)
        self.ack_tag(message.delivery_tag)

    def ack_tag(self, tag: int) -> None:
        self._unsettled.discard(tag)
        self._acks.append(tag)
        if not self._wake.is_set():
            # Sent once the loop runs the flusher: the acks of everything
            # handled until then go in one frame.
            self._wake.set()

    @property
    def should_flush(self) -> bool:
        """Enough acks wait that the broker's prefetch window needs them now."""
        return len(self._acks) >= self._batch

    async def reject(self, message: AnyMessage, requeue: bool) -> None:
        written = await self.send_reject(message, requeue)
        deduplicator = self._deduplicator
        if deduplicator is None:
            return
        if written and not requeue:
            # Dropped on purpose by its handler: as handled as it will be.
            deduplicator.handled(message)
            return
        # Back to the broker unhandled (requeued, or the rejection lost with
        # the channel, which the broker then requeues): its held copies go
        # back too. Requeued rather than one handed out in its place: the
        # broker delivers the content again, marked redelivered, so its next
        # failure rejects it as a message without copies would be (requeued
        # once, then rejected), and the next copy to arrive is the one
        # handled, the rest held behind it again.
        for acker, held in deduplicator.release(message):
            await acker.send_reject(held, requeue=True)

    async def send_reject(self, message: AnyMessage, requeue: bool) -> bool:
        """Reject `message` on this channel; False if the channel is gone (the broker requeues it)."""
        tag = message.delivery_tag
        try:
            await self.channel.basic_reject(tag, requeue=requeue)
        except CONNECTION_ERRORS as error:
            _settle_lost(message, error)
            return False
        finally:
            # Only once the rejection is written may a batched ack pass it.
            self._unsettled.discard(tag)
        return True

    async def flush(self) -> None:
        """Send the acks waiting so far."""
        acks, self._acks = self._acks, []
        if not acks:
            return
        floor = min(self._unsettled) if self._unsettled else None
        below = [tag for tag in acks if floor is None or tag < floor]
        try:
            if below:
                await self.channel.basic_ack(max(below), multiple=True, wait=False)
            if len(below) < len(acks):
                for tag in acks:
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
        """Send the waiting acks and stop the flusher."""
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
